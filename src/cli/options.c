/* Flag parsing, help and error printing shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "oci/cleanup.h"

static void write_stderr(const char *s, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w;
    n -= (size_t)w;
  }
}

static int fail_line(const char *cmd, const char *msg) {
  /* One write, so that the line is not torn by the container's own output on the same stderr. */
  char line[SKIFF_ERROR_MSG_MAX + 128];
  int n = cmd ? snprintf(line, sizeof line - 1, "skiff: %s: %s", cmd, msg)
              : snprintf(line, sizeof line - 1, "skiff: %s", msg);
  if (n < 0)
    return 1;
  if ((size_t)n > sizeof line - 2)
    n = (int)sizeof line - 2;
  if (log_to_file()) {
    log_error("%.*s", n, line);
  } else if (log_json()) { /* --log-format json without --log: stderr holds JSON lines only */
    log_error("%.*s", n, line);
    return 1;
  }
  line[n++] = '\n';
  write_stderr(line, (size_t)n);
  return 1;
}

int cli_fail(const char *cmd, const char *fmt, ...) {
  char msg[SKIFF_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return fail_line(cmd, msg);
}

int cli_fail_error(const char *cmd, const struct skiff_error *err) {
  if (err->msg[0] == '\0') /* a library path that forgot its message still says something */
    return err->code ? cli_fail(cmd, "%s", strerror(err->code)) : fail_line(cmd, "failed");
  return fail_line(cmd, err->msg);
}

static struct cli_option *find_option(struct cli_option *options, size_t n_options, const char *name,
                                      size_t len) {
  for (size_t i = 0; i < n_options; i++) {
    struct cli_option *o = &options[i];
    if ((strncmp(o->name, name, len) == 0 && o->name[len] == '\0') ||
        (len == 1 && o->short_name && o->short_name == name[0]))
      return o;
  }
  return NULL;
}

struct quote_buf {
  char *data;
  size_t len, cap;
};

static void quote_put(void *arg, const char *data, size_t len) {
  struct quote_buf *b = arg;
  if (len > b->cap - b->len)
    len = b->cap - b->len;
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

const char *cli_quote(const char *s, char *buf, size_t size) {
  struct quote_buf b = {buf, 0, size - 1};
  log_quote_go(s, quote_put, &b);
  buf[b.len] = '\0';
  return buf;
}

/* A flag as typed (len bytes of it) for a message; Go-quoted when it holds control characters,
 * so that the message stays one line. */
static const char *flag_text(const char *arg, size_t len, char *buf, size_t size) {
  char plain[256];
  bool clean = true;
  snprintf(plain, sizeof plain, "%.*s", (int)len, arg);
  for (const char *p = plain; *p; p++)
    clean &= (unsigned char)*p >= 0x20 && *p != 0x7f;
  if (clean)
    return snprintf(buf, size, "%s", plain), buf;
  return cli_quote(plain, buf, size);
}

static void print_usage(const struct cli_usage *usage, const struct cli_option *options, size_t n_options) {
  printf("Usage: skiff [global options] %s%s%s%s\n\n%s\n\nOptions:\n", usage->name,
         n_options ? " [options]" : "", usage->args[0] ? " " : "", usage->args, usage->description);
  cli_print_options(options, n_options);
}

static int option_label(const struct cli_option *o, char *buf, size_t size) {
  return snprintf(buf, size, "%c%c%c --%s%s%s", o->short_name ? '-' : ' ',
                  o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ', o->name,
                  o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
}

void cli_print_options(const struct cli_option *options, size_t n_options) {
  static const struct cli_option help = {"help", 'h', CLI_OPT_BOOL, NULL, NULL, "show this help"};
  char label[128];
  int width = option_label(&help, label, sizeof label);
  for (size_t i = 0; i < n_options; i++) {
    int n = option_label(&options[i], label, sizeof label);
    if (n > width)
      width = n;
  }
  /* The global table has its own help entry; a subcommand's gets this one. */
  bool own_help = find_option((struct cli_option *)options, n_options, "help", 4) != NULL;
  for (size_t i = 0; i < n_options + !own_help; i++) {
    const struct cli_option *o = i < n_options ? &options[i] : &help;
    option_label(o, label, sizeof label);
    printf("  %-*s  %s\n", width, label, o->help);
  }
}

/* Go's strconv.ParseBool, which runc's boolean flags use. */
static int parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    if (strcmp(s, yes[i]) == 0)
      return *out = true, 0;
    if (strcmp(s, no[i]) == 0)
      return *out = false, 0;
  }
  return -1;
}

static int check_arg_count(const struct cli_usage *usage, int n, char **args) {
  if (n >= usage->min_args && n <= usage->max_args)
    return 0;
  if (n > usage->max_args && usage->max_args > 0) /* name what is too much */
    return cli_fail(usage->name, "unexpected argument \"%s\": takes %s", args[usage->max_args],
                    usage->args_what);
  if (usage->max_args == 0)
    return cli_fail(usage->name, "accepts no arguments");
  if (usage->min_args == usage->max_args)
    return cli_fail(usage->name, "requires exactly %d argument%s: %s", usage->min_args,
                    usage->min_args == 1 ? "" : "s", usage->args_what);
  return cli_fail(usage->name, "requires %d %s %d arguments: %s", usage->min_args,
                  usage->max_args == usage->min_args + 1 ? "or" : "to", usage->max_args, usage->args_what);
}

/* A help flag: "-h", "--help" (with no option of that name). */
static bool is_help(const char *name, size_t len) {
  return (len == 4 && strncmp(name, "help", 4) == 0) || (len == 1 && name[0] == 'h');
}

int cli_parse(const struct cli_usage *usage, struct cli_option *options, size_t n_options, int argc,
              char **argv, char ***args, int *status) {
  char q[256], q2[256];
  *status = 1;
  /* the positional arguments met among flags, in order: argv itself stays as it is (a sealed copy
     of skiff starts over from it, sealed-exe.h); the caller owns this once it is returned (the
     process keeps it until it exits), freed here on an error */
  cleanup_free char **gathered = NULL;
  int n_args = 0;
  int i = 1;
  for (; i < argc; i++) {
    char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    bool positional = arg[0] != '-' || arg[1] == '\0'; /* "-" alone is an argument, as in Go */
    const char *name = positional ? arg : arg + (arg[1] == '-' ? 2 : 1); /* "" has no arg[1] */
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    struct cli_option *o = positional ? NULL : find_option(options, n_options, name, len);
    /* after the first argument only a known flag is a flag, as runc's reordering has it */
    if (!positional && n_args > 0 && !usage->flags_end_at_args && !o && !is_help(name, len))
      positional = true;
    if (positional) {
      if (usage->flags_end_at_args)
        break;
      if (!gathered && !(gathered = calloc((size_t)argc + 1, sizeof *gathered)))
        return cli_fail(usage->name, "out of memory"), -1;
      gathered[n_args++] = arg;
      continue;
    }
    if (name[0] == '-' || name[0] == '=')
      return cli_fail(usage->name, "bad flag syntax: %s", flag_text(arg, strlen(arg), q, sizeof q)), -1;
    int flag_len = (int)(name - arg + len); /* the flag as typed, without "=value" */
    if (!o) {
      if (is_help(name, len)) {
        print_usage(usage, options, n_options);
        return *status = 0, -1;
      }
      return cli_fail(usage->name, "unknown flag %s", flag_text(arg, (size_t)flag_len, q, sizeof q)), -1;
    }
    if (o->type == CLI_OPT_BOOL) {
      if (eq && parse_bool(eq + 1, o->value) < 0)
        return cli_fail(usage->name, "invalid boolean value %s for flag %s", cli_quote(eq + 1, q, sizeof q),
                        flag_text(arg, (size_t)flag_len, q2, sizeof q2)),
               -1;
      if (!eq)
        *(bool *)o->value = true;
      continue;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
      if (i + 1 >= argc)
        return cli_fail(usage->name, "flag %s needs an argument", flag_text(arg, strlen(arg), q, sizeof q)),
               -1;
      value = argv[++i];
    }
    if (o->parse) {
      const char *why = o->parse(value, o->value);
      if (why)
        return cli_fail(usage->name, "invalid value %s for flag %s: %s", cli_quote(value, q, sizeof q),
                        flag_text(arg, (size_t)flag_len, q2, sizeof q2), why),
               -1;
      continue;
    }
    if (o->type == CLI_OPT_STRING) {
      *(const char **)o->value = value;
      continue;
    }
    if (o->type == CLI_OPT_LIST) {
      struct cli_list *list = o->value;
      char **bigger = realloc(list->v, (list->n + 2) * sizeof *bigger);
      if (!bigger)
        return cli_fail(usage->name, "out of memory"), -1;
      list->v = bigger;
      list->v[list->n++] = (char *)value;
      list->v[list->n] = NULL;
      continue;
    }
    char *end;
    errno = 0;
    long v = strtol(value, &end, 0);
    if (errno || end == value || *end || v < 0 || v > INT_MAX)
      return cli_fail(usage->name, "invalid value %s for flag %s", cli_quote(value, q, sizeof q),
                      flag_text(arg, (size_t)flag_len, q2, sizeof q2)),
             -1;
    *(int *)o->value = (int)v;
  }
  /* what follows "--", or the first argument of a command whose flags end there */
  if (!gathered) {
    *args = argv + i;
    n_args = argc - i;
  } else {
    while (i < argc)
      gathered[n_args++] = argv[i++];
    *args = gathered; /* NULL-terminated, as argv */
  }
  if (check_arg_count(usage, n_args, *args))
    return -1;
  *status = 0;
  /* *args, the caller's until the process exits: held here, so that a leak checker sees it
     reachable (one command line per process gathers) */
  static char **volatile kept __attribute__((used));
  kept = steal_pointer(&gathered);
  return n_args;
}

const char *cli_absolute_path(const char *path, char *buf, size_t size) {
  if (path[0] == '/')
    return path;
  if (!getcwd(buf, size))
    return NULL;
  size_t n = strlen(buf);
  if (n == 1) /* "/" */
    n = 0;
  /* Clean lexically as Go's filepath.Abs does: drop "." and empty components, ".." pops. */
  for (const char *p = path; *p;) {
    const char *end = strchrnul(p, '/');
    size_t len = (size_t)(end - p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      while (n > 0 && buf[n - 1] != '/')
        n--;
      if (n > 0)
        n--;
    } else if (len > 0 && !(len == 1 && p[0] == '.')) {
      if (n + 1 + len >= size)
        return errno = ENAMETOOLONG, NULL;
      buf[n++] = '/';
      memcpy(buf + n, p, len);
      n += len;
    }
    p = *end ? end + 1 : end;
  }
  if (n == 0)
    buf[n++] = '/';
  buf[n] = '\0';
  return buf;
}

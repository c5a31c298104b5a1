/* skiff list [--format table|json] [--quiet]: byte for byte what runc list prints. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/log.h"
#include "oci/cleanup.h"

struct row {
  const struct oci_state *state;
  const char *status;
  int pid; /* 0 when stopped, as runc */
  char created[64];
  char owner[256];
};

/* runc shows the owner of the container's state directory by name, read from /etc/passwd
 * (not NSS), or "#<uid>" when it has none. */
static void owner_name(uid_t uid, char *out, size_t size) {
  static uid_t cached_uid;
  static char cached[256];
  if (cached[0] && cached_uid == uid) {
    snprintf(out, size, "%s", cached);
    return;
  }
  snprintf(out, size, "#%u", (unsigned)uid);
  cleanup_fclose FILE *f = fopen("/etc/passwd", "re");
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    char *name_end = strchr(line, ':');
    char *uid_field = name_end ? strchr(name_end + 1, ':') : NULL;
    if (!uid_field)
      continue;
    char *end;
    unsigned long v = strtoul(uid_field + 1, &end, 10);
    if (end == uid_field + 1 || *end != ':' || v != uid)
      continue;
    snprintf(out, size, "%.*s", (int)(name_end - line), line);
    break;
  }
  cached_uid = uid;
  snprintf(cached, sizeof cached, "%s", out);
}

/* Go's time.RFC3339Nano drops the fraction's trailing zeros, and the dot with them. */
static void format_created(const char *in, char *out, size_t size) {
  snprintf(out, size, "%s", in ? in : "");
  char *dot = strchr(out, '.');
  if (!dot)
    return;
  char *digits_end = dot + 1 + strspn(dot + 1, "0123456789");
  char *keep = digits_end;
  while (keep > dot + 1 && keep[-1] == '0')
    keep--;
  if (keep == dot + 1)
    keep = dot;
  memmove(keep, digits_end, strlen(digits_end) + 1);
}

static const char *str(const char *s) {
  return s ? s : "";
}

/* Go's text/tabwriter counts runes. */
static size_t display_width(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static void print_cell(const char *s, size_t width) {
  fputs(s, stdout);
  for (size_t w = display_width(s); w < width; w++)
    putchar(' ');
}

/* runc: tabwriter.NewWriter(stdout, 12, 1, 3, ' ', 0): each column as wide as its widest cell
 * plus 3, at least 12; the last column is not padded. */
static void print_table(const struct row *rows, size_t n) {
  enum { N_PADDED = 5, MIN_WIDTH = 12, PADDING = 3 };
  static const char *const header[N_PADDED + 1] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  size_t width[N_PADDED];
  char pid[16];
  for (int c = 0; c < N_PADDED; c++)
    width[c] = strlen(header[c]) + PADDING > MIN_WIDTH ? strlen(header[c]) + PADDING : MIN_WIDTH;
  for (size_t i = 0; i < n; i++) {
    snprintf(pid, sizeof pid, "%d", rows[i].pid);
    const char *cells[N_PADDED] = {str(rows[i].state->id), pid, rows[i].status, str(rows[i].state->bundle),
                                   rows[i].created};
    for (int c = 0; c < N_PADDED; c++)
      if (display_width(cells[c]) + PADDING > width[c])
        width[c] = display_width(cells[c]) + PADDING;
  }
  for (int c = 0; c < N_PADDED; c++)
    print_cell(header[c], width[c]);
  puts(header[N_PADDED]);
  for (size_t i = 0; i < n; i++) {
    snprintf(pid, sizeof pid, "%d", rows[i].pid);
    const char *cells[N_PADDED] = {str(rows[i].state->id), pid, rows[i].status, str(rows[i].state->bundle),
                                   rows[i].created};
    for (int c = 0; c < N_PADDED; c++)
      print_cell(cells[c], width[c]);
    puts(rows[i].owner);
  }
}

static void stdout_sink(void *arg, const char *data, size_t len) {
  fwrite(data, 1, len, stdout);
}

static void json_field(const char *key, const char *value) {
  printf("\"%s\":", key);
  log_quote_json(value ? value : "", stdout_sink, NULL);
}

/* A Go map marshals with its keys sorted (and a repeated key keeps its last value): pick the
 * next key above the previous one each time, with no copy; there are few annotations. */
static void json_annotations(const struct oci_state *s) {
  const char *prev = NULL;
  fputs(",\"annotations\":{", stdout);
  for (size_t printed = 0;; printed++) {
    const struct oci_kv *next = NULL;
    for (size_t i = 0; i < s->n_annotations; i++) {
      const struct oci_kv *kv = &s->annotations[i];
      if ((!prev || strcmp(kv->key, prev) > 0) && (!next || strcmp(kv->key, next->key) <= 0))
        next = kv;
    }
    if (!next)
      break;
    if (printed)
      putchar(',');
    json_field(next->key, next->value);
    prev = next->key;
  }
  putchar('}');
}

/* runc: json.NewEncoder(stdout).Encode(list): compact, "null" for no containers. */
static void print_json(const struct row *rows, size_t n) {
  if (n == 0) {
    puts("null");
    return;
  }
  putchar('[');
  for (size_t i = 0; i < n; i++) {
    const struct oci_state *s = rows[i].state;
    fputs(i ? ",{" : "{", stdout);
    json_field("ociVersion", s->oci_version);
    putchar(',');
    json_field("id", s->id);
    printf(",\"pid\":%d,", rows[i].pid);
    json_field("status", rows[i].status);
    putchar(',');
    json_field("bundle", s->bundle);
    putchar(',');
    json_field("rootfs", s->rootfs);
    putchar(',');
    json_field("created", rows[i].created);
    if (s->n_annotations) /* omitempty */
      json_annotations(s);
    putchar(',');
    json_field("owner", rows[i].owner);
    putchar('}');
  }
  puts("]");
}

static int print_list(struct cli_global *g, const char *format, bool quiet, struct container_summary *list,
                      size_t n) {
  static const char *const cmd = "list";
  cleanup_free struct row *rows = calloc(n ? n : 1, sizeof *rows);
  if (!rows)
    return cli_fail(cmd, "%s", strerror(ENOMEM));
  cleanup_close int root = n ? open(g->ctx.root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (n && root < 0)
    return cli_fail(cmd, "open %s: %s", g->ctx.root, strerror(errno));
  size_t n_rows = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (fstatat(root, list[i].state->id, &st, 0) < 0) {
      if (errno == ENOENT) /* deleted meanwhile, as runc skips it */
        continue;
      return cli_fail(cmd, "stat %s/%s: %s", g->ctx.root, list[i].state->id, strerror(errno));
    }
    struct row *r = &rows[n_rows++];
    r->state = list[i].state;
    r->status = list[i].status;
    r->pid = strcmp(list[i].status, "stopped") == 0 ? 0 : list[i].state->pid;
    format_created(list[i].state->created, r->created, sizeof r->created);
    owner_name(st.st_uid, r->owner, sizeof r->owner);
  }
  /* runc's order of checks: --quiet wins over a bad --format. */
  if (quiet) {
    for (size_t i = 0; i < n_rows; i++)
      puts(rows[i].state->id);
  } else if (strcmp(format, "table") == 0) {
    print_table(rows, n_rows);
  } else if (strcmp(format, "json") == 0) {
    print_json(rows, n_rows);
  } else {
    return cli_fail(cmd, "invalid format option \"%s\": table or json", format); /* runc's words, and which */
  }
  return fflush(stdout) == 0 ? 0 : cli_fail(cmd, "write: %s", strerror(errno));
}

int cmd_list(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "list", "", "", 0, 0, "List the containers whose state is under the global --root."};
  const char *format = "table";
  bool quiet = false;
  struct cli_option options[] = {
      {"format", 'f', CLI_OPT_STRING, &format, "FORMAT", "table (default) or json"},
      {"quiet", 'q', CLI_OPT_BOOL, &quiet, NULL, "print the container ids only"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  struct container_summary *summaries = NULL;
  size_t n = 0;
  if (container_list(&g->ctx, &summaries, &n, &err) < 0)
    return cli_fail_error(usage.name, &err);
  int ret = print_list(g, format, quiet, summaries, n);
  container_list_free(summaries, n);
  return ret;
}

/* skiff's entry point: the global options, then one subcommand from the table below.
 *
 * Where skiff deliberately differs from runc 1.1's command line:
 * - a usage error prints one line, `skiff: <cmd>: <what>`, not the whole help; exit status 1
 *   as runc's, 3 for an unknown subcommand as runc's;
 * - a flag after the container id is a flag wherever runc's reordering makes it one, without
 *   its quirk of taking the id as the value of a boolean flag before it (`run -d ID --bundle B`);
 * - a library error prints `skiff: <cmd>: <message>` to stderr, not a logrus line; with --log
 *   the same text is also the msg of an error line in the log file, as runc's;
 * - no --criu (checkpoint/restore run the criu found in $PATH) and no --rootless: engines do not pass
 *   them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/log.h"
#include "lib/libseccomp.h"

/* The version of the runtime-spec skiff implements, printed by --version (the ociVersion that
 * oci/spec-default.c writes too). */

struct command {
  const char *name;
  int (*run)(struct cli_global *g, int argc, char **argv);
  const char *summary;
};

#ifdef SKIFF_CRIU_PROGRAM
/* skiff-criu (criu-program.c): skiff's checkpoint and restore, which skiff executes it for. */
static const struct command commands[] = {
    {"checkpoint", cmd_checkpoint, "checkpoint a running container (CRIU)"},
    {"restore", cmd_restore, "restore a container from a checkpoint (CRIU)"},
};
#else
#ifdef HAVE_CRIU /* in skiff-criu, not linked into skiff (criu-program.c) */
#define cmd_checkpoint cli_criu_program
#define cmd_restore cli_criu_program
#endif
static const struct command commands[] = {
    {"create", cmd_create, "create a container"},
    {"start", cmd_start, "start the user process of a created container"},
    {"state", cmd_state, "output the state of a container"},
    {"kill", cmd_kill, "send a signal (default: SIGTERM) to the container's init process"},
    {"delete", cmd_delete, "delete a container and the resources it holds"},
    {"run", cmd_run, "create and start a container"},
    {"list", cmd_list, "list the containers under the state root"},
    {"spec", cmd_spec, "write a default config.json to a bundle"},
    {"exec", cmd_exec, "run a new process inside a running container"},
    {"features", cmd_features, "print the features this runtime supports, as JSON"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"pause", cmd_pause, "suspend every process of a container"},
    {"resume", cmd_resume, "resume every process of a paused container"},
    {"update", cmd_update, "update the resource limits of a running container"},
    {"events", cmd_events, "print a container's resource stats and oom events"},
    {"checkpoint", cmd_checkpoint, "checkpoint a running container (CRIU)"},
    {"restore", cmd_restore, "restore a container from a checkpoint (CRIU)"},
};
#endif
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(struct cli_option *options, size_t n_options) {
#ifdef SKIFF_CRIU_PROGRAM
  printf("Usage: skiff-criu [global options] <command> [command options] [arguments...]\n\n"
         "skiff-criu is the program that `skiff checkpoint` and `skiff restore` execute, with their\n"
         "command line: skiff's global options and these two commands.\n\nCommands:\n");
#else
  printf("Usage: skiff [global options] <command> [command options] [arguments...]\n\n"
         "skiff runs containers from OCI bundles: a directory holding config.json and a root\n"
         "filesystem. It takes runc's commands and options.\n\nCommands:\n");
#endif
  for (size_t i = 0; i < N_COMMANDS; i++)
    printf("  %-11s%s\n", commands[i].name, commands[i].summary);
  printf("  %-11s%s\n\nGlobal options:\n", "help", "show the help of skiff or of a command");
  cli_print_options(options, n_options);
}

static void print_version(void) {
  struct skiff_error ignored;
  const struct libseccomp *scmp = libseccomp_open(&ignored);
  const struct scmp_version *v = scmp ? scmp->version() : NULL;
  printf("skiff version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n", PACKAGE_VERSION, SKIFF_COMMIT,
         OCI_SPEC_VERSION, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
}

/* runc's rule: $XDG_RUNTIME_DIR when not root, and when root only inside a user namespace
 * whose $USER is not root (rootless podman's setup); /run otherwise. */
static bool use_xdg_runtime_dir(void) {
  if (geteuid() != 0)
    return true;
  FILE *f = fopen("/proc/self/uid_map", "re");
  if (!f)
    return false;
  unsigned long inside, outside, count;
  int n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
  fclose(f);
  if (n == 3 && inside == 0 && outside == 0 && count == 4294967295UL)
    return false; /* the initial user namespace */
  const char *user = getenv("USER");
  return !user || strcmp(user, "root") != 0;
}

/* The state root holds the locks and state of every container: a symbolic link there (whose
 * target whoever owns its directory may swap between two commands) is refused, not followed.
 * Links above it (/var/run -> /run) are the host's own. */
static int check_root_not_symlink(const char *root) {
  struct stat st;
  if (lstat(root, &st) == 0 && S_ISLNK(st.st_mode))
    return cli_fail(NULL, "--root %s: is a symbolic link: give the directory it points to", root);
  return 0;
}

static int resolve_root(struct cli_global *g, bool given) {
  static char buf[PATH_MAX];
  if (!given) {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] && use_xdg_runtime_dir()) {
      if ((size_t)snprintf(buf, sizeof buf, "%s/skiff", xdg) >= sizeof buf)
        return cli_fail(NULL, "$XDG_RUNTIME_DIR is too long");
      g->ctx.root = buf;
    } else {
      g->ctx.root = "/run/skiff";
    }
    return check_root_not_symlink(g->ctx.root);
  }
  /* runc makes --root absolute; "" would be the current directory there, an accident. */
  if (!g->ctx.root[0])
    return cli_fail(NULL, "option --root argument should not be empty");
  const char *abs = cli_absolute_path(g->ctx.root, buf, sizeof buf);
  if (!abs)
    return cli_fail(NULL, "--root %s: %s", g->ctx.root, strerror(errno));
  if (strcmp(abs, "/") == 0)
    return cli_fail(NULL, "option --root argument should not be set to /");
  g->ctx.root = abs;
  return check_root_not_symlink(g->ctx.root);
}

/* --log-format json among the global options: an error in the options themselves is a JSON line
 * too (log_init proper comes once they are parsed). */
static void early_log_format(int argc, char **argv) {
  struct skiff_error ignored;
  for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
    const char *name = argv[i] + (argv[i][1] == '-' ? 2 : 1);
    const char *value = NULL;
    if (!strncmp(name, "log-format=", 11))
      value = name + 11;
    else if (!strcmp(name, "log-format") && i + 1 < argc)
      value = argv[++i];
    else if (!strcmp(name, "root") || !strcmp(name, "log")) /* the other global options with a value */
      i++;
    if (value && !strcmp(value, "json"))
      log_init(NULL, "json", false, &ignored);
  }
}

int main(int argc, char **argv) {
  static const struct cli_usage usage = {NULL, "", "", 0, INT_MAX, "", true};
  struct cli_global g = {.log_format = "text", .ctx.argv = argv};
  bool help = false, version = false;
  struct cli_option options[] = {
      {"root", 0, CLI_OPT_STRING, &g.ctx.root, "DIR",
       "where container state lives, best on tmpfs, not a symbolic link (default: /run/skiff; rootless: "
       "$XDG_RUNTIME_DIR/skiff)"},
      {"log", 0, CLI_OPT_STRING, &g.log_path, "FILE", "append log lines to FILE (default: stderr)"},
      {"log-format", 0, CLI_OPT_STRING, &g.log_format, "FORMAT",
       "format of log lines: text (default) or json"},
      {"debug", 0, CLI_OPT_BOOL, &g.ctx.debug, NULL, "log debug lines too"},
      {"systemd-cgroup", 0, CLI_OPT_BOOL, &g.ctx.systemd_cgroup, NULL,
       "the systemd cgroup driver: the cgroup is a transient unit (cgroupsPath slice:prefix:name)"},
      {"help", 'h', CLI_OPT_BOOL, &help, NULL, "show this help"},
      {"version", 'v', CLI_OPT_BOOL, &version, NULL, "print the version"},
  };
  const size_t n_options = sizeof options / sizeof options[0];

  char **rest;
  int status;
  early_log_format(argc, argv);
  int n = cli_parse(&usage, options, n_options, argc, argv, &rest, &status);
  if (n < 0)
    return status;
  if (help) {
    print_help(options, n_options);
    return 0;
  }
  if (version) {
    print_version();
    return 0;
  }
  if (n == 0) { /* as runc: the help, successfully */
    print_help(options, n_options);
    return 0;
  }

  struct skiff_error err = {0};
  if (log_init(g.log_path, g.log_format, g.ctx.debug, &err) < 0)
    return cli_fail(NULL, "%s", err.msg);
  if (resolve_root(&g, g.ctx.root != NULL))
    return 1;

  const char *name = rest[0];
  if (strcmp(name, "help") == 0 || strcmp(name, "h") == 0) {
    if (n < 2) {
      print_help(options, n_options);
      return 0;
    }
    name = rest[1];
    char *help_argv[] = {rest[1], "--help", NULL};
    for (size_t c = 0; c < N_COMMANDS; c++)
      if (strcmp(commands[c].name, name) == 0)
        return commands[c].run(&g, 2, help_argv);
    cli_fail(name, "unknown command");
    return 3;
  }
  for (size_t c = 0; c < N_COMMANDS; c++)
    if (strcmp(commands[c].name, name) == 0)
      return commands[c].run(&g, n, rest);
  cli_fail(name, "unknown command");
  return 3; /* runc's status for an unknown command */
}

/* The thin CLI: runc's command line, so that engines (podman, containerd, docker) drive skiff
 * unchanged. Each subcommand parses its flags, calls one entry point of lib/container.h and
 * prints the error. */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/container.h"

/* The global options, given before the subcommand. */
struct cli_global {
  struct skiff_context ctx;
  const char *log_path;   /* --log, NULL: stderr */
  const char *log_format; /* --log-format: "text" or "json" */
};

/* Flags are parsed as runc's flag library does: "-name" and "--name" are the same, a value
 * follows as "--name value" or "--name=value", a boolean takes "--name=false". */
enum cli_option_type { CLI_OPT_BOOL, CLI_OPT_STRING, CLI_OPT_INT, CLI_OPT_LIST };

/* A flag that may be repeated (`-e A=1 -e B=2`): the values in order, NULL-terminated. */
struct cli_list {
  char **v;
  size_t n;
};

struct cli_option {
  const char *name; /* long name, without dashes */
  char short_name;  /* 0: none */
  enum cli_option_type type;
  void *value; /* bool *, const char **, int * (an int flag takes 0..INT_MAX) or struct cli_list * */
  const char *arg_name; /* in the help: "DIR"; NULL for a boolean */
  const char *help;
  /* Optional, for a value flag: parses the value into *value at once; returns NULL, or why the
   * value is refused (the flag is then named as typed, and nothing else of the command runs). */
  const char *(*parse)(const char *text, void *value);
};

struct cli_usage {
  const char *name;      /* the subcommand, as typed: "create" */
  const char *args;      /* synopsis of the positional arguments: "<container-id> [signal]" */
  const char *args_what; /* what the arguments are, for the count error: "container id [signal]" */
  int min_args, max_args;
  const char *description;
  /* Flags end at the first positional argument (exec, ps: what follows is the command's or ps's
   * own). Otherwise, as runc's flag library reorders them, a known flag after the container id is
   * still a flag (`update ID --memory 1g`); anything else there stays an argument. */
  bool flags_end_at_args;
};

/* Parses the flags in argv[1..] (argv[0] is the subcommand), before and (unless
 * usage->flags_end_at_args) after the positional arguments, which are gathered, in order, into a
 * NULL-terminated list (argv is left as it is); "--" ends the flags. Checks the count of positional arguments against
 * usage. Returns that count and points *args at them, or -1 when the command must end now with
 * exit status *status: 0 after printing the help asked for, 1 after printing a usage error. */
int cli_parse(const struct cli_usage *usage, struct cli_option *options, size_t n_options, int argc,
              char **argv, char ***args, int *status);

void cli_print_options(const struct cli_option *options, size_t n_options);

/* Prints `skiff: <cmd>: <message>` to stderr and, when --log names a file, writes the message to
 * it as an error line. Returns 1, the exit status. cmd NULL: `skiff: <message>`. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_fail with a library error's message. */
int cli_fail_error(const char *cmd, const struct skiff_error *err);

/* s quoted as Go's %q does (as runc quotes values in its messages), cut to fit buf. */
const char *cli_quote(const char *s, char *buf, size_t size);

/* Makes a path absolute against the current directory, cleaned as Go's filepath.Abs does.
 * Returns path itself when already absolute, buf otherwise, NULL (errno set) on failure. */
const char *cli_absolute_path(const char *path, char *buf, size_t size);

/* The flags create and run share, pointing into opts. */
#define CLI_CREATE_N_OPTIONS 6
void cli_create_options(struct create_options *opts, struct cli_option out[CLI_CREATE_N_OPTIONS]);

/* What create and run do once their flags are parsed, as runc does: an empty value is no value,
 * and --pid-file is made absolute before the library may change directory. Returns 0, or 1
 * after printing the error. */
int cli_create_prepare(const char *cmd, struct create_options *opts);

int cmd_create(struct cli_global *g, int argc, char **argv);
int cmd_start(struct cli_global *g, int argc, char **argv);
int cmd_state(struct cli_global *g, int argc, char **argv);
int cmd_kill(struct cli_global *g, int argc, char **argv);
int cmd_delete(struct cli_global *g, int argc, char **argv);
int cmd_run(struct cli_global *g, int argc, char **argv);
int cmd_list(struct cli_global *g, int argc, char **argv);
int cmd_spec(struct cli_global *g, int argc, char **argv);
int cmd_exec(struct cli_global *g, int argc, char **argv);
int cmd_features(struct cli_global *g, int argc, char **argv);
int cmd_pause(struct cli_global *g, int argc, char **argv);
int cmd_resume(struct cli_global *g, int argc, char **argv);
int cmd_update(struct cli_global *g, int argc, char **argv);
int cmd_events(struct cli_global *g, int argc, char **argv);
int cmd_ps(struct cli_global *g, int argc, char **argv);
int cmd_checkpoint(struct cli_global *g, int argc, char **argv);
int cmd_restore(struct cli_global *g, int argc, char **argv);
/* checkpoint and restore in a build with criu support: executes skiff-criu with skiff's command
 * line (criu-program.c); returns only on failure. */
int cli_criu_program(struct cli_global *g, int argc, char **argv);

#endif

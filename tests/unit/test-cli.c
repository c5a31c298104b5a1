/* cli_parse() (src/cli/options.c), the command line parser of every subcommand: the inputs
 * tests/fuzz/fuzz-cli found faults with. TAP output. Its usage errors go to stderr. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/unit/tap.h"

static bool detach;
static const char *bundle;
static struct cli_list env;

static int parse(bool flags_end_at_args, int min_args, int max_args, int argc, char **argv, char ***args,
                 int *status) {
  struct cli_usage usage = {"test", "<id>", "container id", min_args, max_args, "test", flags_end_at_args};
  struct cli_option options[] = {
      {"detach", 'd', CLI_OPT_BOOL, &detach, NULL, "detach"},
      {"bundle", 'b', CLI_OPT_STRING, &bundle, "DIR", "bundle"},
      {"env", 'e', CLI_OPT_LIST, &env, "NAME=VALUE", "env"},
  };
  return cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, args, status);
}

/* argv strings each in an allocation of their own size, so that ASan sees a read past one */
static char *arg(const char *s) {
  char *p = malloc(strlen(s) + 1);
  return p ? strcpy(p, s) : NULL;
}

int main(void) {
  char **args;
  int status;

  /* An empty argument: cli_parse read arg[1] of "" (one byte past it) to find the flag's name
     before it knew it was an argument (ASan: heap-buffer-overflow in cli_parse). */
  char *argv1[] = {arg("test"), arg("-d"), arg(""), NULL};
  int n = parse(false, 1, 1, 3, argv1, &args, &status);
  tap_ok(n == 1 && status == 0 && detach && strcmp(args[0], "") == 0, "an empty argument after a flag is an argument");
  if (n > 0 && (args < argv1 || args > argv1 + 3)) /* gathered: the caller's */
    free(args);
  char *argv2[] = {arg("test"), arg("id"), arg(""), NULL};
  n = parse(false, 2, 2, 3, argv2, &args, &status);
  tap_ok(n == 2 && strcmp(args[0], "id") == 0 && strcmp(args[1], "") == 0, "an empty argument last");
  if (n > 0 && (args < argv2 || args > argv2 + 3))
    free(args);

  /* The list of arguments gathered among flags was left behind when a later flag was refused
     (LeakSanitizer, under --enable-sanitizers). */
  char *argv3[] = {arg("test"), arg("id"), arg("-b"), arg("b"), arg("--nope"), NULL};
  n = parse(false, 1, 1, 5, argv3, &args, &status);
  tap_ok(n == -1 && status == 1, "an unknown flag after an argument is refused");
  char *argv4[] = {arg("test"), arg("id"), arg("--detach"), arg("extra"), NULL};
  n = parse(false, 1, 1, 4, argv4, &args, &status);
  tap_ok(n == -1 && status == 1, "one argument too many, after a flag, is refused");

  char **all[] = {argv1, argv2, argv3, argv4};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    for (char **p = all[i]; *p; p++)
      free(*p);
  free(env.v);
  return tap_done();
}

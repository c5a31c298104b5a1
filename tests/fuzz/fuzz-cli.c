/* libFuzzer target: the command line parser every subcommand goes through (cli_parse, with
 * cli_quote and cli_absolute_path that its callers use on what it returns).
 *
 * Input: the arguments separated by NUL bytes (argv[0] is the subcommand's name, as the
 * subcommands pass it); the first byte chooses the usage (positional argument counts, and whether
 * flags end at the first argument as for exec and ps). The option table has one flag of every
 * type, with short names as runc's, and one flag with a value parser that refuses some values.
 * The parser's messages go to stderr (libFuzzer's -close_fd_mask=2 silences them). */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define MAX_ARGS 64

static const char *parse_even(const char *text, void *value) {
  size_t n = strlen(text);
  if (n % 2)
    return "odd length";
  *(size_t *)value = n;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t mode = data[0];
  /* argv: the input after the mode byte, NUL-terminated pieces */
  char *text = malloc(size);
  if (!text)
    return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  for (char *p = text; p < text + size && argc < MAX_ARGS;) {
    argv[argc++] = p;
    p += strlen(p) + 1;
  }
  argv[argc] = NULL;

  static const int counts[][2] = {{0, 0}, {1, 1}, {1, 2}, {2, 3}, {0, INT_MAX}, {1, INT_MAX}};
  const int *count = counts[(mode & 0x7f) % (sizeof counts / sizeof counts[0])];
  struct cli_usage usage = {"fuzz", "<a> [b]", "a and b", count[0], count[1], "fuzzing", (mode & 0x80) != 0};

  bool detach = false, tty = false;
  const char *bundle = NULL, *pid_file = NULL;
  int preserve_fds = -1;
  size_t even = 0;
  struct cli_list env = {0}, caps = {0};
  struct cli_option options[] = {
      {"detach", 'd', CLI_OPT_BOOL, &detach, NULL, "detach"},
      {"tty", 't', CLI_OPT_BOOL, &tty, NULL, "tty"},
      {"bundle", 'b', CLI_OPT_STRING, &bundle, "DIR", "bundle"},
      {"pid-file", 0, CLI_OPT_STRING, &pid_file, "FILE", "pid file"},
      {"preserve-fds", 0, CLI_OPT_INT, &preserve_fds, "N", "fds"},
      {"env", 'e', CLI_OPT_LIST, &env, "NAME=VALUE", "env"},
      {"cap", 'c', CLI_OPT_LIST, &caps, "CAP", "cap"},
      {"even", 0, CLI_OPT_STRING, &even, "TEXT", "an even length", parse_even},
  };
  char **args = NULL;
  int status = -1;
  int n = cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status);
  if (n < 0) {
    if (status != 0 && status != 1)
      __builtin_trap();
  } else {
    if (status != 0 || n < usage.min_args || n > usage.max_args || args[n] != NULL)
      __builtin_trap();
    char quoted[64], abs[PATH_MAX];
    for (int i = 0; i < n; i++) {
      if (!memchr(args[i], '\0', (size_t)(text + size - args[i]))) /* each one of the input's */
        __builtin_trap();
      cli_quote(args[i], quoted, sizeof quoted);
      if (args[i][0]) /* as create and exec make --pid-file absolute */
        cli_absolute_path(args[i], abs, sizeof abs);
    }
    if (pid_file && pid_file[0])
      cli_absolute_path(pid_file, abs, sizeof abs);
    if (preserve_fds < -1)
      __builtin_trap();
    if (env.n && env.v[env.n] != NULL)
      __builtin_trap();
    /* the positional arguments are argv's tail, or a list the caller owns (gathered among flags) */
    if (args < argv || args > argv + argc)
      free(args);
  }
  free(env.v);
  free(caps.v);
  free(text);
  return 0;
}

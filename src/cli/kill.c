/* skiff kill [--all] <container-id> [signal] */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"

/* The names runc's kill knows (Go's signal table for Linux), indexed by number. */
static const char *const signal_names[] = {
    [SIGHUP] = "HUP",       [SIGINT] = "INT",   [SIGQUIT] = "QUIT",   [SIGILL] = "ILL",   [SIGTRAP] = "TRAP",
    [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",   [SIGFPE] = "FPE",     [SIGKILL] = "KILL", [SIGUSR1] = "USR1",
    [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2", [SIGPIPE] = "PIPE",   [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
    [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",   [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
    [SIGTTIN] = "TTIN",     [SIGTTOU] = "TTOU", [SIGURG] = "URG",     [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
    [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO",     [SIGPWR] = "PWR",
    [SIGSYS] = "SYS",
};

/* The kernel's highest signal; glibc's SIGRTMAX is the same. */
#define MAX_SIGNAL 64

/* "", "+N" or "-N" after RTMIN/RTMAX: the offset, or -1000 (outside any range) when malformed. */
static int rt_offset(const char *s, int sign_allowed) {
  if (!*s)
    return 0;
  if (*s != sign_allowed || !isdigit((unsigned char)s[1]))
    return -1000;
  char *end;
  long n = strtol(s + 1, &end, 10);
  return *end || n > MAX_SIGNAL ? -1000 : (int)n;
}

/* A number, or a name with or without "SIG" in any case, as runc's kill reads its argument.
 * Beyond runc: RTMIN, RTMIN+N, RTMAX-N, RTMAX (as crun and kill(1)); numbers outside 0..64 are
 * refused here rather than by kill(2). Returns -1 when unknown. */
static int parse_signal(const char *s) {
  if (isdigit((unsigned char)s[0])) {
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    return errno || *end || n > MAX_SIGNAL ? -1 : (int)n;
  }
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (int i = 1; i < (int)(sizeof signal_names / sizeof signal_names[0]); i++)
    if (signal_names[i] && strcasecmp(s, signal_names[i]) == 0)
      return i;
  int sig = -1;
  if (strncasecmp(s, "RTMIN", 5) == 0)
    sig = SIGRTMIN + rt_offset(s + 5, '+');
  else if (strncasecmp(s, "RTMAX", 5) == 0)
    sig = SIGRTMAX - rt_offset(s + 5, '-');
  return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int cmd_kill(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "kill",
      "<container-id> [signal]",
      "container id [signal]",
      1,
      2,
      "Send a signal to the container's init process (default: SIGTERM). The signal is a number\n"
      "or a name, with or without SIG, in any case: 9, KILL, SIGKILL, sigkill, RTMIN+3."};
  bool all = false;
  struct cli_option options[] = {
      {"all", 'a', CLI_OPT_BOOL, &all, NULL, "send the signal to every process of the container"},
  };
  char **args;
  int status;
  int n = cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status);
  if (n < 0)
    return status;
  int sig = SIGTERM;
  char q[256];
  /* As runc, an empty signal is the default one. */
  if (n == 2 && args[1][0] && (sig = parse_signal(args[1])) < 0)
    return cli_fail(usage.name, "unknown signal %s", cli_quote(args[1], q, sizeof q)); /* runc's words */
  struct skiff_error err = {0};
  if (container_kill(&g->ctx, args[0], sig, all, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}

/* skiff checkpoint and skiff restore in a build with criu support: both run in skiff-criu, a program
 * of their own (main.c built with SKIFF_CRIU_PROGRAM: skiff's global options, those two commands),
 * which this executes with skiff's whole command line. Linked into skiff, the criu code and
 * libprotobuf-c's message descriptors cost every `run` ~40 KiB of peak RSS: the descriptors are
 * pointers that the loader relocates, so writes, at every start, and the code spreads the pages
 * that run touches (README, Performance). checkpoint and restore pay one exec instead.
 *
 * skiff-criu is looked up where skiff itself is installed, never in $PATH or the current
 * directory: beside the running binary (/proc/self/exe: the build tree, or an install that puts
 * both in one directory), else $(pkglibexecdir), configure's libexec directory for skiff. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define CRIU_PROGRAM "skiff-criu"

/* path := the directory of /proc/self/exe + "/skiff-criu"; false when that does not fit or the
 * link cannot be read (then only the libexec directory is tried). A binary replaced while it runs
 * reads as "DIR/skiff (deleted)": its directory is still DIR. */
static bool beside_self(char *path, size_t size) {
  ssize_t n = readlink("/proc/self/exe", path, size - 1);
  if (n <= 0)
    return false;
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  if (!slash || (size_t)(slash + 1 - path) + sizeof CRIU_PROGRAM > size)
    return false;
  memcpy(slash + 1, CRIU_PROGRAM, sizeof CRIU_PROGRAM);
  return true;
}

int cli_criu_program(struct cli_global *g, int argc, char **argv) {
  (void)argc;
  static const char installed[] = SKIFF_PKGLIBEXECDIR "/" CRIU_PROGRAM;
  char path[PATH_MAX];
  bool beside = beside_self(path, sizeof path);
  if (beside) {
    execv(path, g->ctx.argv);
    if (errno != ENOENT && errno != ENOTDIR)
      return cli_fail(argv[0], "execute %s: %s", path, strerror(errno));
  }
  execv(installed, g->ctx.argv);
  if (errno != ENOENT && errno != ENOTDIR)
    return cli_fail(argv[0], "execute %s: %s", installed, strerror(errno));
  if (beside)
    return cli_fail(argv[0], CRIU_PROGRAM ", which runs checkpoint and restore, is neither at %s nor at %s", path,
                    installed);
  return cli_fail(argv[0], CRIU_PROGRAM ", which runs checkpoint and restore, is not at %s", installed);
}

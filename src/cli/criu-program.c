/* skiff checkpoint and skiff restore in a build with criu support: both run in skiff-criu, a program
 * of their own (main.c built with SKIFF_CRIU_PROGRAM: skiff's global options, those two commands),
 * which this executes with skiff's whole command line. Linked into skiff, the criu code and
 * libprotobuf-c's message descriptors cost every `run` ~50 KiB of peak RSS: the descriptors are
 * pointers that the loader relocates, so writes, at every start, and the code spreads the pages
 * that run touches (README, Performance). checkpoint and restore pay one exec instead.
 *
 * skiff-criu is looked up where skiff itself is installed, never in $PATH or the current
 * directory: beside the running binary (/proc/self/exe: the build tree, or an install that puts
 * both in one directory), else $(pkglibexecdir), configure's libexec directory for skiff. What is
 * executed is the file checked (execveat of the fd opened): a regular file owned by root or by the
 * owner of skiff's own binary, writable by no one else, so that a skiff run from a shared directory
 * (/tmp) does not execute what another user put beside it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/cleanup.h"

#define CRIU_PROGRAM "skiff-criu"

extern char **environ;

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

/* Executes path if it is there and trusted. Returns only when it is not: 0 when there is no such
 * file, else 1 after printing why it was not executed. */
static int try_program(const char *cmd, const char *path, uid_t owner, char **argv) {
  cleanup_close int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : cli_fail(cmd, "open %s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0)
    return cli_fail(cmd, "stat %s: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return cli_fail(cmd, "%s: not a regular file, not executed", path);
  if (st.st_uid != 0 && st.st_uid != owner)
    return cli_fail(cmd, "%s: owned by uid %u, neither root nor the owner of skiff's binary: not executed", path,
                    (unsigned)st.st_uid);
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return cli_fail(cmd, "%s: writable by group or others: not executed", path);
  syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  return cli_fail(cmd, "execute %s: %s", path, strerror(errno));
}

int cli_criu_program(struct cli_global *g, int argc, char **argv) {
  (void)argc;
  static const char installed[] = SKIFF_PKGLIBEXECDIR "/" CRIU_PROGRAM;
  struct stat self;
  if (stat("/proc/self/exe", &self) < 0)
    return cli_fail(argv[0], "stat /proc/self/exe: %s", strerror(errno));
  char path[PATH_MAX];
  bool beside = beside_self(path, sizeof path);
  if (beside && try_program(argv[0], path, self.st_uid, g->ctx.argv))
    return 1;
  if (try_program(argv[0], installed, self.st_uid, g->ctx.argv))
    return 1;
  if (beside)
    return cli_fail(argv[0], CRIU_PROGRAM ", which runs checkpoint and restore, is neither at %s nor at %s", path,
                    installed);
  return cli_fail(argv[0], CRIU_PROGRAM ", which runs checkpoint and restore, is not at %s", installed);
}

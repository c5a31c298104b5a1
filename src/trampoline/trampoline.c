/* skiff's exec trampoline (CVE-2019-5736). skiff's init and exec children execute this program
 * from a sealed memfd as their very last step, and it executes the container's program. So the
 * process that the kernel sees executing the container's program is this one: a script starting
 * with `#!/proc/self/exe` runs the sealed copy of this program (static, without an ELF interpreter
 * that the image could supply, no write access to anything), never the host's skiff binary.
 *
 * It makes a handful of system calls, all after the container's seccomp filter is loaded:
 * fcntl(F_SETFD) on the fds it was given (the filter's stub allows it, src/lib/seccomp-stub.c),
 * a write of "0" into a memory cgroup's tasks file and of an LSM exec label where there are
 * some, execve, and on failure write and exit_group.
 * Its command line: src/trampoline/protocol.h. Built without libc (nolibc.h), embedded in skiff
 * by make as bytes (trampoline-image.c). */
#include "trampoline/nolibc.h"

#include <linux/errno.h>
#include <linux/fcntl.h>

#include "lib/sync-protocol.h"
#include "trampoline/protocol.h"

/* What execve (and the label write) can fail with, in the words of strerror (lower case, as
 * skiff's other messages and runc's). */
static const struct {
  int code;
  const char *text;
} errno_texts[] = {
    {EPERM, "operation not permitted"},
    {ENOENT, "no such file or directory"},
    {EIO, "input/output error"},
    {E2BIG, "argument list too long"},
    {ENOEXEC, "exec format error"},
    {EBADF, "bad file descriptor"},
    {EAGAIN, "resource temporarily unavailable"},
    {ENOMEM, "cannot allocate memory"},
    {EACCES, "permission denied"},
    {EFAULT, "bad address"},
    {ENOTDIR, "not a directory"},
    {EISDIR, "is a directory"},
    {EINVAL, "invalid argument"},
    {ENFILE, "too many open files in system"},
    {EMFILE, "too many open files"},
    {ETXTBSY, "text file busy"},
    {EROFS, "read-only file system"},
    {ENAMETOOLONG, "file name too long"},
    {ENOSYS, "function not implemented"},
    {ELOOP, "too many levels of symbolic links"},
    {ELIBBAD, "accessing a corrupted shared library"},
};

struct text {
  char *buf;
  size_t len, cap;
};

static void add(struct text *t, const char *s) {
  while (*s && t->len + 1 < t->cap)
    t->buf[t->len++] = *s++;
  t->buf[t->len] = '\0';
}

static void add_errno(struct text *t, int code) {
  for (size_t i = 0; i < sizeof errno_texts / sizeof errno_texts[0]; i++)
    if (errno_texts[i].code == code) {
      add(t, errno_texts[i].text);
      return;
    }
  char digits[12], *p = digits + sizeof digits - 1;
  *p = '\0';
  unsigned v = (unsigned)code;
  do
    *--p = (char)('0' + v % 10);
  while (v /= 10);
  add(t, "errno ");
  add(t, p);
}

struct report {
  char kind; /* '-', 't' or 'm' */
  int fd;
};

static struct report parse_report(const char *arg) {
  struct report r = {'-', -1};
  if ((arg[0] == 't' || arg[0] == 'm') && nolibc_atol(arg + 1) >= 0) {
    r.kind = arg[0];
    r.fd = (int)nolibc_atol(arg + 1);
  }
  return r;
}

/* "<what><subject>: <error>" where skiff would have put it; stderr when that fails. */
static int fail(const struct report *r, const char *what, const char *subject, long rc) {
  struct sync_msg msg = {.type = SYNC_ERROR, .value = (int32_t)-rc};
  struct text t = {msg.text, 0, sizeof msg.text};
  add(&t, what);
  add(&t, subject);
  add(&t, ": ");
  add_errno(&t, (int)-rc);
  if (r->kind == 'm' && nolibc_write_all(r->fd, (const char *)&msg, offsetof(struct sync_msg, text) + t.len + 1) == 0)
    return TRAMPOLINE_EXIT;
  if (r->kind == 't' && nolibc_write_all(r->fd, t.buf, t.len) == 0)
    return TRAMPOLINE_EXIT;
  nolibc_write_all(2, "skiff: ", 7);
  add(&t, "\n");
  nolibc_write_all(2, t.buf, t.len);
  return TRAMPOLINE_EXIT;
}

int nolibc_main(int argc, char **argv, char **envp) {
  if (argc < 4 || !nolibc_streq(argv[0], TRAMPOLINE_MARKER)) {
    static const char usage[] = "skiff-exec: skiff's exec trampoline, not a command\n";
    nolibc_write_all(2, usage, sizeof usage - 1);
    return TRAMPOLINE_EXIT;
  }
  struct report r = parse_report(argv[1]);
  long rc;
  if (r.fd >= 0 && NOLIBC_FAILED(rc = nolibc_syscall(__NR_fcntl, r.fd, F_SETFD, FD_CLOEXEC, 0, 0))) {
    r.kind = '-'; /* it would stay open in the program: `start` or `exec` would wait for ever */
    return fail(&r, "trampoline: ", "set the report fd close-on-exec", rc);
  }
  int i = 2;
  for (; i + 2 < argc && !nolibc_streq(argv[i], "--"); i += 3) {
    long fd = nolibc_atol(argv[i]);
    rc = nolibc_write_all((int)fd, argv[i + 2], nolibc_strlen(argv[i + 2]));
    if (fd < 0 || NOLIBC_FAILED(rc))
      return fail(&r, argv[i + 1], "", fd < 0 ? -EBADF : rc);
    /* closed by the execve: fcntl(F_SETFD) is what the seccomp stub lets through in any profile */
    rc = nolibc_syscall(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0);
    if (NOLIBC_FAILED(rc))
      return fail(&r, argv[i + 1], ": close-on-exec", rc);
  }
  if (i + 1 >= argc || !nolibc_streq(argv[i], "--"))
    return fail(&r, "trampoline: ", "malformed command line", -EINVAL);
  rc = nolibc_syscall(__NR_execve, (long)argv[i + 1], (long)(argv + i + 2), (long)envp, 0, 0);
  return fail(&r, "exec ", argv[i + 1], rc);
}

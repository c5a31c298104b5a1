/* syscall-errno NR...: makes each system call NR with all arguments 0 and prints "NR <result>" per
 * line, the result being "ok" or the errno's name (ENOSYS, EPERM, ...). Static, for containers
 * whose image has no libc (seccomp.bats). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    long nr = strtol(argv[i], NULL, 10);
    errno = 0;
    long rc = syscall(nr, 0, 0, 0, 0, 0, 0);
    const char *name = errno ? strerrorname_np(errno) : NULL;
    printf("%ld %s\n", nr, rc >= 0 ? "ok" : name ? name : "unknown");
  }
  return 0;
}

/* flock-hold FILE COMMAND [ARG...]: takes an exclusive flock(2) on FILE (made if missing) and execs
 * COMMAND with the locked descriptor open, so the lock lives as long as COMMAND's process. Static,
 * for containers whose image has no flock (checkpoint.bats: criu's --file-locks). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: flock-hold FILE COMMAND [ARG...]\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
  if (fd < 0 || flock(fd, LOCK_EX) < 0) {
    perror(argv[1]);
    return 1;
  }
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}

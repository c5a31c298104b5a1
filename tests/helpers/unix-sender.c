/* unix-sender PATH: a datagram unix socket connected to PATH (bound by someone else, outside the
 * container) that sends "1\n", "2\n", ... every 0.1 s from one socket for its whole life, waiting
 * while the receiver is away. Static, for the busybox image (checkpoint.bats: criu's --ext-unix-sk). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (argc != 2 || strlen(argv[1]) >= sizeof addr.sun_path) {
    fprintf(stderr, "usage: unix-sender PATH\n");
    return 2;
  }
  strcpy(addr.sun_path, argv[1]);
  int sk = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (sk < 0 || connect(sk, (struct sockaddr *)&addr, sizeof addr) < 0) {
    perror(argv[1]);
    return 1;
  }
  const struct timespec tick = {0, 100 * 1000 * 1000};
  for (unsigned long i = 1;; i++) {
    char line[32];
    int len = snprintf(line, sizeof line, "%lu\n", i);
    while (send(sk, line, (size_t)len, 0) < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOBUFS))
      nanosleep(&tick, NULL);
    nanosleep(&tick, NULL);
  }
}

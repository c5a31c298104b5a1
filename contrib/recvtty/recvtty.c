/* recvtty: the receiving end of --console-socket, for tests and by hand.
 *
 *   recvtty [--mode single|null] [--pid-file FILE] [--no-stdin] SOCKET_PATH
 *
 * Listens on a unix stream socket at SOCKET_PATH and takes the pty master a runtime sends
 * there (one message, one SCM_RIGHTS fd).
 *   single (default): accepts one connection, removes the socket, clears ONLCR on the pty (so
 *          that output reads as the container wrote it) and relays its own stdin to the pty and
 *          the pty to its stdout until the container side closes; then exits 0.
 *   null:  accepts any number of connections and discards their output, until SIGTERM/SIGINT.
 * The pid file is written once the socket is listening: its existence means "ready". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MAX_TTYS 64
#define BUF_SIZE 4096

static const char *socket_path;
static volatile sig_atomic_t stop_requested;

static void die(const char *what) {
  fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
  if (socket_path)
    unlink(socket_path);
  exit(1);
}

static void usage(void) {
  fprintf(stderr, "usage: recvtty [--mode single|null] [--pid-file FILE] [--no-stdin] SOCKET_PATH\n");
  exit(2);
}

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int listen_at(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    die(path);
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die("socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    die(path);
  socket_path = path; /* ours to remove from now on */
  if (listen(fd, 16) < 0)
    die("listen");
  return fd;
}

static void write_pid_file(const char *path) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    die(path);
  }
  FILE *f = fopen(tmp, "we");
  if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0)
    die(tmp);
  if (rename(tmp, path) < 0)
    die(path);
}

/* One message carrying one fd; the payload (the sender's name for it) is not needed. */
static int receive_master(int conn) {
  char name[4096];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control};
  ssize_t n;
  do
    n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die("recvmsg");
  if (mh.msg_flags & MSG_CTRUNC) {
    errno = EPROTO;
    die("more than one fd received");
  }
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int))) {
    errno = EPROTO;
    die("no fd received");
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static int accept_master(int listener) {
  int conn;
  do
    conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR && !stop_requested);
  if (conn < 0)
    return -1;
  int master = receive_master(conn);
  close(conn);
  return master;
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Output as the program wrote it: "\n", not the "\r\n" a terminal shows. */
static void clear_onlcr(int master) {
  struct termios t;
  if (tcgetattr(master, &t) == 0) {
    t.c_oflag &= ~(tcflag_t)ONLCR;
    tcsetattr(master, TCSANOW, &t);
  }
}

static void relay_single(int master, bool use_stdin) {
  char buf[BUF_SIZE];
  bool in_open = use_stdin;
  clear_onlcr(master);
  while (!stop_requested) {
    struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
    if (poll(p, in_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      die("poll");
    }
    if (p[0].revents) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) /* EIO: every slave fd is closed */
        return;
      if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
        die("write stdout");
    }
    if (in_open && p[1].revents) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || write_all(master, buf, (size_t)n) < 0)
        in_open = false;
    }
  }
}

static void run_null(int listener) {
  struct pollfd p[MAX_TTYS + 1];
  int n = 1;
  char buf[BUF_SIZE];
  p[0] = (struct pollfd){.fd = listener, .events = POLLIN};
  while (!stop_requested) {
    if (poll(p, (nfds_t)n, -1) < 0) {
      if (errno == EINTR)
        continue;
      die("poll");
    }
    for (int i = n - 1; i >= 1; i--) {
      if (!p[i].revents)
        continue;
      ssize_t r = read(p[i].fd, buf, sizeof buf);
      if (r > 0 || (r < 0 && errno == EINTR))
        continue;
      close(p[i].fd);
      p[i] = p[--n];
    }
    if (p[0].revents & POLLIN) {
      int master = accept_master(listener);
      if (master < 0)
        continue;
      if (n > MAX_TTYS) {
        close(master);
        continue;
      }
      p[n++] = (struct pollfd){.fd = master, .events = POLLIN};
    }
  }
}

int main(int argc, char **argv) {
  const char *mode = "single", *pid_file = NULL, *path = NULL;
  bool use_stdin = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] == '-' && a[1] == '-' && a[2] != '\0')
      a++; /* --opt and -opt alike, as Go's flag package takes them */
    const char *eq = strchr(a, '=');
    size_t name_len = eq ? (size_t)(eq - a) : strlen(a);
    const char **value = NULL;
    if (a[0] == '-' &&
        ((name_len == 5 && !strncmp(a, "-mode", 5)) || (name_len == 2 && !strncmp(a, "-m", 2))))
      value = &mode;
    else if (a[0] == '-' && name_len == 9 && !strncmp(a, "-pid-file", 9))
      value = &pid_file;
    else if (!strcmp(a, "-no-stdin"))
      use_stdin = false;
    else if (!strcmp(a, "-h") || !strcmp(a, "-help"))
      usage();
    else if (a[0] == '-' && a[1] != '\0')
      usage();
    else if (!path)
      path = argv[i];
    else
      usage();
    if (value) {
      if (eq)
        *value = eq + 1;
      else if (i + 1 < argc)
        *value = argv[++i];
      else
        usage();
    }
  }
  if (!path || (strcmp(mode, "single") && strcmp(mode, "null")))
    usage();

  struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll/accept return EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int listener = listen_at(path);
  if (pid_file)
    write_pid_file(pid_file);

  if (!strcmp(mode, "null")) {
    run_null(listener);
    unlink(path);
    return 0;
  }
  int master = accept_master(listener);
  close(listener);
  unlink(path);
  socket_path = NULL;
  if (master < 0) {
    if (stop_requested)
      return 0;
    die("accept");
  }
  relay_single(master, use_stdin);
  close(master);
  return 0;
}

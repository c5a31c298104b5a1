/* A seccomp agent for the tests of SCMP_ACT_NOTIFY: it listens on a unix socket for the one
 * connection the runtime makes, saves the container process state it receives, and answers
 * every notification of the filter it got with the same reply until the container is gone.
 *
 *   listener [-o STATE_FILE] [-l LOG_FILE] [-e ERRNO | -v VALUE | -c] [-t SECONDS] SOCKET
 *
 *   -o  write the container process state (JSON) there
 *   -l  append one line per notification: "<syscall nr> <arg0> <arg1>" (decimal)
 *   -e  fail the system call with ERRNO (the default: 95, EOPNOTSUPP)
 *   -v  make it return VALUE without running it
 *   -c  let the kernel run it (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 *   -t  give up when no runtime connects within SECONDS (default 30)
 *
 * SOCKET appears only once it accepts connections (bound under a temporary name, renamed), so
 * a test can wait for the file. Exits 0 when every process of the filter has exited. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

enum reply { REPLY_ERRNO, REPLY_VALUE, REPLY_CONTINUE };

struct options {
  const char *socket_path;
  const char *state_file;
  const char *log_file;
  enum reply reply;
  long long value; /* errno or return value */
  unsigned int timeout;
};

static void die(const char *what) {
  fprintf(stderr, "listener: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: listener [-o STATE_FILE] [-l LOG_FILE] [-e ERRNO | -v VALUE | -c] [-t SECONDS] SOCKET\n");
  exit(2);
}

static void parse_options(int argc, char **argv, struct options *o) {
  int c;
  *o = (struct options){.reply = REPLY_ERRNO, .value = 95, .timeout = 30};
  while ((c = getopt(argc, argv, "o:l:e:v:ct:")) != -1) {
    switch (c) {
    case 'o':
      o->state_file = optarg;
      break;
    case 'l':
      o->log_file = optarg;
      break;
    case 'e':
      o->reply = REPLY_ERRNO;
      o->value = strtoll(optarg, NULL, 10);
      break;
    case 'v':
      o->reply = REPLY_VALUE;
      o->value = strtoll(optarg, NULL, 10);
      break;
    case 'c':
      o->reply = REPLY_CONTINUE;
      break;
    case 't':
      o->timeout = (unsigned int)strtoul(optarg, NULL, 10);
      break;
    default:
      usage();
    }
  }
  if (optind != argc - 1)
    usage();
  o->socket_path = argv[optind];
}

/* Listening under a temporary name first, so that SOCKET never exists without accepting. */
static int listen_on(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char tmp[sizeof addr.sun_path];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    die(path);
  }
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    die("socket");
  unlink(tmp);
  memcpy(addr.sun_path, tmp, strlen(tmp) + 1);
  if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
    die("bind");
  if (listen(sock, 1) < 0)
    die("listen");
  if (rename(tmp, path) < 0)
    die("rename");
  return sock;
}

/* Where the top-level JSON object of buf[0..len) ends (one past its closing brace), or 0 while
 * it is incomplete. A runtime need not close the connection right after the state (runc 1.1
 * keeps it open), so the end of the object, not EOF, ends the message. */
static size_t object_end(const char *buf, size_t len) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

/* Reads the container process state; the fd comes along with the first bytes. */
static char *receive_state(int conn, int *seccomp_fd) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf)
    die("malloc");
  *seccomp_fd = -1;
  for (;;) {
    if (cap - len < 1024 && !(buf = realloc(buf, cap *= 2)))
      die("realloc");
    union {
      char buf[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf + len, .iov_len = cap - len - 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die("recvmsg");
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && *seccomp_fd < 0)
        memcpy(seccomp_fd, CMSG_DATA(c), sizeof(int));
    if (n == 0)
      break;
    len += (size_t)n;
    size_t end = object_end(buf, len);
    if (end) {
      len = end;
      break;
    }
  }
  buf[len] = '\0';
  if (*seccomp_fd < 0) {
    fprintf(stderr, "listener: no seccomp fd received\n");
    exit(1);
  }
  return buf;
}

static void write_file(const char *path, const char *data) {
  FILE *f = fopen(path, "w");
  if (!f || fputs(data, f) == EOF || fclose(f) == EOF)
    die(path);
}

static void answer(int fd, const struct options *o) {
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die("SECCOMP_GET_NOTIF_SIZES");
  /* the kernel's structs may be larger than this program's headers know */
  struct seccomp_notif *req =
      calloc(1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
  struct seccomp_notif_resp *resp =
      calloc(1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);
  FILE *log = o->log_file ? fopen(o->log_file, "a") : NULL;
  if (!req || !resp || (o->log_file && !log))
    die(o->log_file ? o->log_file : "calloc");
  for (;;) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      die("poll");
    }
    if (!(p.revents & POLLIN)) /* POLLHUP: no process uses the filter any more */
      break;
    memset(req, 0, sizes.seccomp_notif);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
      if (errno == EINTR || errno == ENOENT) /* the caller died meanwhile */
        continue;
      die("SECCOMP_IOCTL_NOTIF_RECV");
    }
    if (log) {
      fprintf(log, "%d %llu %llu\n", req->data.nr, (unsigned long long)req->data.args[0],
              (unsigned long long)req->data.args[1]);
      fflush(log);
    }
    memset(resp, 0, sizes.seccomp_notif_resp);
    resp->id = req->id;
    if (o->reply == REPLY_ERRNO)
      resp->error = -(int32_t)o->value;
    else if (o->reply == REPLY_VALUE)
      resp->val = o->value;
    else
      resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
      die("SECCOMP_IOCTL_NOTIF_SEND");
  }
  if (log)
    fclose(log);
  free(req);
  free(resp);
}

int main(int argc, char **argv) {
  struct options o;
  parse_options(argc, argv, &o);
  int sock = listen_on(o.socket_path);
  alarm(o.timeout); /* no runtime came: do not linger in a test run */
  int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die("accept");
  alarm(0);
  close(sock);
  unlink(o.socket_path);
  int seccomp_fd;
  char *state = receive_state(conn, &seccomp_fd);
  close(conn);
  if (o.state_file)
    write_file(o.state_file, state);
  free(state);
  answer(seccomp_fd, &o);
  close(seccomp_fd);
  return 0;
}

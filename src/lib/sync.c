#include "lib/sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oci/format.h"

static const char *sync_type_name(uint32_t type) {
  switch (type) {
  case SYNC_CGROUP:
    return "cgroup";
  case SYNC_USERNS_READY:
    return "userns-ready";
  case SYNC_IDMAP_DONE:
    return "idmap-done";
  case SYNC_PID:
    return "pid";
  case SYNC_NS_READY:
    return "ns-ready";
  case SYNC_NS_READY_ACK:
    return "ns-ready-ack";
  case SYNC_CREATED:
    return "created";
  case SYNC_START:
    return "start";
  case SYNC_ERROR:
    return "error";
  case SYNC_TERMINAL:
    return "terminal";
  }
  return "unknown";
}

int sync_socketpair(int fds[2], struct skiff_error *err) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return skiff_fail_errno(err, errno, "socketpair");
  return 0;
}

/* Only the used part of text travels: messages are small and the socket is datagram-like. */
static int send_msg(int fd, const struct sync_msg *msg, const int *fds, size_t n_fds, struct skiff_error *err) {
  size_t len = offsetof(struct sync_msg, text) + strnlen(msg->text, SYNC_TEXT_MAX - 1) + 1;
  struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * SYNC_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n_fds > SYNC_MAX_FDS)
    return skiff_fail(err, E2BIG, "sync: %zu fds in one message", n_fds);
  if (n_fds) {
    memset(&control, 0, sizeof control);
    mh.msg_control = control.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
  }
  ssize_t n;
  do
    n = sendmsg(fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_fail_errno(err, errno, "sync: send %s", sync_type_name(msg->type));
  return 0;
}

int sync_send(int fd, enum sync_type type, int32_t value, struct skiff_error *err) {
  struct sync_msg msg = {.type = type, .value = value};
  return send_msg(fd, &msg, NULL, 0, err);
}

int sync_send_fd(int fd, enum sync_type type, int passed_fd, struct skiff_error *err) {
  struct sync_msg msg = {.type = type};
  return send_msg(fd, &msg, &passed_fd, 1, err);
}

int sync_send_fds(int fd, enum sync_type type, int32_t value, const int *fds, size_t n_fds,
                  struct skiff_error *err) {
  struct sync_msg msg = {.type = type, .value = value};
  return send_msg(fd, &msg, fds, n_fds, err);
}

int sync_send_error(int fd, const struct skiff_error *failure) {
  struct sync_msg msg = {.type = SYNC_ERROR, .value = failure->code};
  struct skiff_error ignored;
  format_string(msg.text, sizeof msg.text, "%s", failure->msg);
  return send_msg(fd, &msg, NULL, 0, &ignored);
}

/* Keeps up to max of the fds that came with the message in fds (the others are closed). */
static size_t take_fds(struct msghdr *mh, int *fds, size_t max) {
  size_t kept = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (kept < max)
        fds[kept++] = got;
      else
        close(got);
    }
  }
  return kept;
}

int sync_recv_fds(int fd, struct sync_msg *msg, int *fds, size_t max, size_t *n_fds, struct skiff_error *err) {
  struct iovec iov = {.iov_base = msg, .iov_len = sizeof *msg};
  union {
    char buf[CMSG_SPACE(sizeof(int) * SYNC_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  *n_fds = 0;
  memset(msg, 0, sizeof *msg);
  ssize_t n;
  do
    n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_fail_errno(err, errno, "sync: receive");
  *n_fds = take_fds(&mh, fds, max);
  if (n == 0)
    return skiff_fail(err, EPIPE, "sync: peer exited");
  if ((size_t)n < offsetof(struct sync_msg, text))
    return skiff_fail(err, EPROTO, "sync: short message");
  msg->text[SYNC_TEXT_MAX - 1] = '\0';
  if (msg->type == SYNC_ERROR)
    return skiff_fail(err, msg->value, "%s", msg->text);
  return 0;
}

int sync_recv(int fd, struct sync_msg *msg, int *passed_fd, struct skiff_error *err) {
  int got = -1;
  size_t n;
  int r = sync_recv_fds(fd, msg, &got, passed_fd ? 1 : 0, &n, err);
  if (passed_fd)
    *passed_fd = n ? got : -1;
  return r;
}

int sync_expect(int fd, enum sync_type expected, struct sync_msg *msg, int *passed_fd,
                struct skiff_error *err) {
  if (sync_recv(fd, msg, passed_fd, err) < 0)
    return -1;
  if (msg->type != (uint32_t)expected)
    return skiff_fail(err, EPROTO, "sync: got %s while waiting for %s", sync_type_name(msg->type),
                      sync_type_name(expected));
  return 0;
}

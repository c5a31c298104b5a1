#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cni.h"
#include "oci/cleanup.h"
#include "oci/format.h"

int nl_open_bus(struct nl *nl, int bus, struct skiff_error *err) {
  *nl = (struct nl){0};
  nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
  if (!nl->sock)
    return skiff_fail_errno(err, errno, "netlink socket");
  if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
    int saved = errno;
    nl_close(nl);
    return skiff_fail_errno(err, saved, "netlink bind");
  }
  /* a failed request then says what the kernel disliked, not only its errno */
  int one = 1;
  mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
  nl->portid = mnl_socket_get_portid(nl->sock);
  nl->seq = (uint32_t)getpid() << 8;
  return 0;
}

int nl_open(struct nl *nl, struct skiff_error *err) {
  return nl_open_bus(nl, NETLINK_ROUTE, err);
}

void nl_close(struct nl *nl) {
  if (nl->sock)
    mnl_socket_close(nl->sock);
  nl->sock = NULL;
}

struct nlmsghdr *nl_request(struct nl *nl, char *buf, uint16_t type, uint16_t flags, void **extra,
                            size_t extra_size) {
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = ++nl->seq;
  void *p = mnl_nlmsg_put_extra_header(nlh, extra_size);
  if (extra)
    *extra = p;
  return nlh;
}

/* The kernel's own words from an extended ACK (NLMSGERR_ATTR_MSG), into msg. */
static void ext_ack_message(const struct nlmsghdr *nlh, char *msg, size_t size) {
  msg[0] = '\0';
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
    return;
  const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
  size_t offset = sizeof *e; /* with NETLINK_CAP_ACK the failed request is not echoed */
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
    offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
  const struct nlattr *a;
  mnl_attr_for_each(a, nlh, offset) {
    if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
      format_string(msg, size, " (%s)", mnl_attr_get_str(a));
      return;
    }
  }
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
            struct skiff_error *err) {
  char buf[32768] __attribute__((aligned(8)));
  nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  uint32_t seq = nlh->nlmsg_seq;
  if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
    return skiff_fail_errno(err, errno, "%s: netlink send", what);
  bool interrupted = false;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
    if (n < 0)
      return skiff_fail_errno(err, errno, "%s: netlink receive", what);
    /* errors by hand, to keep the kernel's message; the rest through libmnl */
    for (const struct nlmsghdr *m = (const void *)buf; mnl_nlmsg_ok(m, (int)n); m = mnl_nlmsg_next(m, (int *)&n)) {
      if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
        continue;
      if (m->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
        if (e->error == 0)
          return 0;
        char msg[256];
        ext_ack_message(m, msg, sizeof msg);
        return skiff_fail_errno(err, -e->error, "%s%s", what, msg);
      }
      interrupted |= (m->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
      if (m->nlmsg_type == NLMSG_DONE) { /* the end of a dump: no ACK follows */
        int e = mnl_nlmsg_get_payload_len(m) >= sizeof(int) ? *(const int *)mnl_nlmsg_get_payload(m) : 0;
        if (e < 0)
          return skiff_fail_errno(err, -e, "%s", what);
        return interrupted ? skiff_fail(err, EINTR, "%s: the dump was interrupted by a change", what) : 0;
      }
      if (m->nlmsg_type >= NLMSG_MIN_TYPE && cb && cb(m, data) < MNL_CB_OK)
        return skiff_fail(err, EPROTO, "%s: malformed netlink answer", what);
    }
  }
}

int netns_enter(int ns_fd, int *home, struct skiff_error *err) {
  *home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (*home < 0)
    return skiff_fail_errno(err, errno, "open the current network namespace");
  if (setns(ns_fd, CLONE_NEWNET) < 0) {
    int saved = errno;
    close(*home);
    *home = -1;
    return skiff_fail_errno(err, saved, "enter the container's network namespace");
  }
  return 0;
}

int netns_leave(int *home, struct skiff_error *err) {
  if (*home < 0)
    return 0;
  int r = setns(*home, CLONE_NEWNET);
  int saved = errno;
  close(*home);
  *home = -1;
  return r < 0 ? skiff_fail_errno(err, saved, "return to the host's network namespace") : 0;
}

int sysctl_write(const char *key, const char *value, bool only_if_different, struct skiff_error *err) {
  char path[256];
  format_string(path, sizeof path, "/proc/sys/%s", key);
  cleanup_close int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open %s", path);
  size_t len = strlen(value);
  if (only_if_different) {
    char cur[64];
    ssize_t n = read(fd, cur, sizeof cur - 1);
    if (n >= 0 && (size_t)n >= len && !memcmp(cur, value, len) && (cur[len] == '\n' || (size_t)n == len))
      return 0;
  }
  if (pwrite(fd, value, len, 0) != (ssize_t)len)
    return skiff_fail_errno(err, errno, "write %s", path);
  return 0;
}

int random_bytes(void *buf, size_t len, struct skiff_error *err) {
  if (getrandom(buf, len, GRND_NONBLOCK) != (ssize_t)len) /* urandom's pool is ready long after boot */
    return skiff_fail_errno(err, errno ? errno : EIO, "getrandom");
  return 0;
}

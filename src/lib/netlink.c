/* One rtnetlink request on a raw socket: a library for it would cost every run its mapping. */
#include "lib/netlink.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <sys/socket.h>

#include "oci/cleanup.h"

#define LOOPBACK_IFINDEX 1

int netlink_loopback_up(struct skiff_error *err) {
  cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "bring up lo: netlink socket");

  const uint32_t seq = 1;
  struct {
    struct nlmsghdr hdr;
    struct ifinfomsg ifm;
  } req = {
      .hdr = {.nlmsg_len = NLMSG_LENGTH(sizeof req.ifm),
              .nlmsg_type = RTM_NEWLINK,
              .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
              .nlmsg_seq = seq},
      .ifm = {.ifi_family = AF_UNSPEC,
              .ifi_index = LOOPBACK_IFINDEX,
              .ifi_flags = IFF_UP,
              .ifi_change = IFF_UP},
  };
  /* No bind: the kernel assigns the port on send; the sockaddr sends to the kernel (port 0). */
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &req, req.hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
    return skiff_fail_errno(err, errno, "bring up lo: netlink send");

  /* Big enough for the ack: an nlmsgerr echoing our request's header. */
  char buf[256] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return skiff_fail_errno(err, errno, "bring up lo: netlink receive");
    }
    size_t len = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
        continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
        return skiff_fail(err, EPROTO, "bring up lo: short netlink ack");
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error != 0)
        return skiff_fail_errno(err, -e->error, "bring up lo");
      return 0;
    }
  }
}

#include "lib/netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <sys/socket.h>

#define LOOPBACK_IFINDEX 1

static void close_mnl_socket(struct mnl_socket **nl) {
  if (*nl) {
    int saved = errno;
    mnl_socket_close(*nl);
    errno = saved;
  }
}

int netlink_loopback_up(struct skiff_error *err) {
  /* Big enough for the ack: an nlmsgerr echoing our request's header. */
  char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
  __attribute__((cleanup(close_mnl_socket))) struct mnl_socket *nl =
      mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!nl)
    return skiff_fail_errno(err, errno, "bring up lo: netlink socket");

  struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  const uint32_t seq = 1;
  nlh->nlmsg_seq = seq;
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = LOOPBACK_IFINDEX;
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;

  /* No bind: the kernel assigns the port on send, and its replies come from port 0, which
   * mnl_cb_run accepts when given portid 0. */
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
    return skiff_fail_errno(err, errno, "bring up lo: netlink send");
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
    if (n < 0)
      return skiff_fail_errno(err, errno, "bring up lo: netlink receive");
    int rc = mnl_cb_run(buf, n, seq, 0, NULL, NULL);
    if (rc < 0)
      return skiff_fail_errno(err, errno, "bring up lo");
    if (rc == MNL_CB_STOP)
      return 0;
  }
}

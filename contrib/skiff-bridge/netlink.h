/* rtnetlink through libmnl: one socket per network namespace, requests answered by an ACK or a
 * dump; and the two ways a plugin reaches into a container's namespace (setns of this thread,
 * /proc/sys opened while there). */
#ifndef SKIFF_BRIDGE_NETLINK_H
#define SKIFF_BRIDGE_NETLINK_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/error.h"

struct nl {
  struct mnl_socket *sock;
  uint32_t portid;
  uint32_t seq;
};

/* Room for any request skiff-bridge sends. */
#define NL_REQUEST_SIZE 1024

/* An rtnetlink socket of the network namespace this thread is in now (it stays bound to it). */
int nl_open(struct nl *nl, struct skiff_error *err);
/* The same for another netlink family (NETLINK_NETFILTER). */
int nl_open_bus(struct nl *nl, int bus, struct skiff_error *err);
void nl_close(struct nl *nl);

/* A request header in buf (NL_REQUEST_SIZE bytes) with room for extra bytes of family header. */
struct nlmsghdr *nl_request(struct nl *nl, char *buf, uint16_t type, uint16_t flags, void **extra,
                            size_t extra_size);

/* Sends nlh (NLM_F_REQUEST and NLM_F_ACK are added) and reads the answer to its end: every data
 * message goes to cb (may be NULL). -1 with err->code the errno the kernel answered, the message
 * prefixed by what; EINTR for a dump that a concurrent change made inconsistent (NLM_F_DUMP_INTR):
 * the caller starts over. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
            struct skiff_error *err);

/* Enters the network namespace ns_fd with this thread; *home gets an fd of the one it left
 * (netns_leave() goes back and closes it). */
int netns_enter(int ns_fd, int *home, struct skiff_error *err);
int netns_leave(int *home, struct skiff_error *err);

/* Writes value to /proc/sys/<key> of the current network namespace ("net/ipv4/ip_forward").
 * only_if: write only when the file does not hold it already (saves the kernel's work on a
 * forwarding switch). */
int sysctl_write(const char *key, const char *value, bool only_if_different, struct skiff_error *err);

/* The random bytes of names and addresses. */
int random_bytes(void *buf, size_t len, struct skiff_error *err);

#endif

/* rtnetlink, just what the init needs in a new network namespace. */
#ifndef SKIFF_NETLINK_H
#define SKIFF_NETLINK_H

#include "oci/error.h"

/* Brings the loopback interface up in the caller's network namespace: one RTM_NEWLINK for
 * ifindex 1 (lo is always ifindex 1 in a network namespace) setting IFF_UP, acknowledged. */
int netlink_loopback_up(struct skiff_error *err);

#endif

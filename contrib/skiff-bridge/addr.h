/* Addresses and routes over rtnetlink: the container's, and the gateway's on the bridge. */
#ifndef SKIFF_BRIDGE_ADDR_H
#define SKIFF_BRIDGE_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "ip.h"
#include "link.h"
#include "netlink.h"
#include "result.h"

/* Adds a (its prefix as given: the on-link route follows) to link index; present already is no
 * error. nodad: an IPv6 address usable at once, without duplicate address detection. */
int addr_add(struct nl *nl, int index, const struct ip_net *a, bool nodad, struct skiff_error *err);
int addr_del(struct nl *nl, int index, const struct ip_net *a, struct skiff_error *err);

/* The addresses of link index in family (AF_UNSPEC: both); *out is malloc'd. */
int addr_list(struct nl *nl, int index, int family, struct ip_net **out, size_t *n, struct skiff_error *err);

/* Adds route r out of link index, through gw (r's own gw first); present already is no error. */
int route_add(struct nl *nl, int index, const struct cni_route *r, const struct ip_addr *gw,
              struct skiff_error *err);

/* Whether the main table (r's table when set) has a route to r's destination, through r's gw when
 * it names one. */
int route_exists(struct nl *nl, const struct cni_route *r, bool *found, struct skiff_error *err);

/* The bridge plugin's ensureAddr: gw on link l, unless there already; another address of the
 * family (IPv4) or of an overlapping subnet (IPv6) is an error, or replaced with force. */
int gateway_ensure(struct nl *nl, const struct link *l, const struct ip_net *gw, bool force,
                   struct skiff_error *err);

#endif

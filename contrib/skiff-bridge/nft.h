/* Masquerade and port mappings through nf_tables over netlink (libnftnl). Everything lives in one
 * table, "ip skiff-bridge", with three NAT base chains (prerouting, output, postrouting) that stay
 * once made; each rule carries in its comment a hash of its network and one of its attachment
 * (container id, ifname), so that DEL and GC remove exactly the rules of an attachment, and one
 * transaction adds an attachment's rules all or none. IPv4 only. */
#ifndef SKIFF_BRIDGE_NFT_H
#define SKIFF_BRIDGE_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "ip.h"

#define NFT_TABLE "skiff-bridge"

struct nft_attachment {
  const char *network, *container_id, *ifname;
};

/* The rules of one attachment: for each IPv4 address (its prefix the subnet's), masquerade of what
 * it sends out of its subnet when masq; each port mapping as DNAT from the host's own addresses
 * (or hostIP) and localhost, and masquerade of what reaches it so through a DNAT from localhost or
 * its own subnet. */
int nft_add(const struct nft_attachment *a, const struct ip_net *addrs, size_t n_addrs, bool masq,
            const struct port_mapping *ports, size_t n_ports, struct skiff_error *err);

/* How many rules nft_add makes for these. */
size_t nft_rule_count(const struct ip_net *addrs, size_t n_addrs, bool masq, size_t n_ports);

/* Removes every rule of the attachment; none is no error. */
int nft_del(const struct nft_attachment *a, struct skiff_error *err);

/* How many rules of the attachment there are. */
int nft_count(const struct nft_attachment *a, size_t *n, struct skiff_error *err);

/* Removes the rules of network whose attachment is not in valid. */
int nft_gc(const char *network, const struct attachment *valid, size_t n_valid, struct skiff_error *err);

#endif

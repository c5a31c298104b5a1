/* Links over rtnetlink: the bridge, the veth pair, bridge port options (hairpin, VLAN), the VLAN
 * interface that carries a VLAN's gateway. */
#ifndef SKIFF_BRIDGE_LINK_H
#define SKIFF_BRIDGE_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netlink.h"

struct link {
  int index;
  unsigned flags;  /* IFF_* */
  uint32_t mtu;
  int master;      /* IFLA_MASTER: the bridge of a port */
  int peer;        /* IFLA_LINK: a veth's peer (an index in the peer's namespace), a VLAN's parent */
  bool has_mac;
  uint8_t mac[6];
  char name[IFNAMSIZ];
  char kind[16];   /* IFLA_INFO_KIND: "bridge", "veth", "vlan"; "" for a physical device */
  bool vlan_filtering; /* a bridge's */
};

/* The link named name: 1 found (out filled), 0 none, -1 error. */
int link_get(struct nl *nl, const char *name, struct link *out, struct skiff_error *err);

/* "aa:bb:cc:dd:ee:ff" of a link's address. */
void mac_format(const uint8_t mac[6], char out[18]);

/* Sets flags (IFF_UP, IFF_PROMISC) in mask to their values in flags. */
int link_set_flags(struct nl *nl, int index, unsigned flags, unsigned mask, struct skiff_error *err);
/* Gives the link its own address again, so that a bridge stops taking its ports' lowest one. */
int link_set_mac(struct nl *nl, int index, const uint8_t mac[6], struct skiff_error *err);

/* Deletes the link named name; 0 also when there is none. */
int link_delete(struct nl *nl, const char *name, struct skiff_error *err);

struct bridge_conf;
/* The configuration's bridge, made when missing (with a random address of its own, up, MTU,
 * VLAN filtering when a VLAN is asked for, promiscuous when promiscMode): an existing link of that
 * name must be a bridge. Returns 1 when it made the bridge, 0 when it was there. */
int bridge_ensure(struct nl *nl, const struct bridge_conf *conf, struct link *br, struct skiff_error *err);

/* A veth pair: host_name in this namespace, a port of master, up; peer_name in the namespace
 * netns_fd, with mac when not NULL; both with mtu when not 0. EEXIST when either name is taken. */
int veth_create(struct nl *nl, const char *host_name, int master, const char *peer_name, int netns_fd,
                uint32_t mtu, const uint8_t *mac, struct skiff_error *err);

/* Bridge port options of the host end: hairpin mode; vlan (untagged, the port's PVID) and the
 * default VLAN 1 removed unless preserved. */
int bridge_port_setup(struct nl *nl, int port, bool hairpin, uint16_t vlan, bool preserve_default_vlan,
                      struct skiff_error *err);

/* "<bridge>.<vlan>", a VLAN interface on the bridge for the gateway of a VLAN, up, the bridge
 * itself made a member of the VLAN. */
int vlan_gateway_ensure(struct nl *nl, const struct link *br, uint16_t vlan, struct link *out,
                        struct skiff_error *err);

#endif

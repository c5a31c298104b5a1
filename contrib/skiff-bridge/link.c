#include "link.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>

#include "cni.h"
#include "conf.h"
#include "oci/format.h"

void mac_format(const uint8_t mac[6], char out[18]) {
  format_string(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* ---- reading a link ----------------------------------------------------------------------- */

struct attrs {
  const struct nlattr *tb[IFLA_MAX + 1];
};

static int collect_attr(const struct nlattr *a, void *data) {
  const struct nlattr **tb = data;
  uint16_t type = mnl_attr_get_type(a) & NLA_TYPE_MASK;
  if (type <= IFLA_MAX) /* a newer kernel's attributes are not ours to read */
    tb[type] = a;
  return MNL_CB_OK;
}

static int collect_nested(const struct nlattr *a, void *data) {
  const struct nlattr **tb = data;
  uint16_t type = mnl_attr_get_type(a) & NLA_TYPE_MASK;
  if (type <= IFLA_INFO_MAX)
    tb[type] = a;
  return MNL_CB_OK;
}

static void read_linkinfo(const struct nlattr *info, struct link *l) {
  const struct nlattr *tb[IFLA_INFO_MAX + 1] = {0};
  mnl_attr_parse_nested(info, collect_nested, tb);
  if (tb[IFLA_INFO_KIND] && mnl_attr_validate(tb[IFLA_INFO_KIND], MNL_TYPE_STRING) == 0)
    format_string(l->kind, sizeof l->kind, "%.*s", (int)mnl_attr_get_payload_len(tb[IFLA_INFO_KIND]),
                  (const char *)mnl_attr_get_payload(tb[IFLA_INFO_KIND]));
  if (strcmp(l->kind, "bridge") || !tb[IFLA_INFO_DATA])
    return;
  const struct nlattr *a;
  mnl_attr_for_each_nested(a, tb[IFLA_INFO_DATA]) {
    if ((mnl_attr_get_type(a) & NLA_TYPE_MASK) == IFLA_BR_VLAN_FILTERING && mnl_attr_get_payload_len(a) >= 1)
      l->vlan_filtering = mnl_attr_get_u8(a) != 0;
  }
}

static int link_cb(const struct nlmsghdr *nlh, void *data) {
  struct link *l = data;
  if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
    return MNL_CB_ERROR;
  const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
  struct attrs at = {{0}};
  if (mnl_attr_parse(nlh, sizeof *ifi, collect_attr, at.tb) < 0)
    return MNL_CB_ERROR;
  *l = (struct link){.index = ifi->ifi_index, .flags = ifi->ifi_flags};
  const struct nlattr *const *tb = at.tb;
  if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
    format_string(l->name, sizeof l->name, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
  if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
    l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
  if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) == 0)
    l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
  if (tb[IFLA_LINK] && mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32) == 0)
    l->peer = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
  if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
    memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
    l->has_mac = true;
  }
  if (tb[IFLA_LINKINFO])
    read_linkinfo(tb[IFLA_LINKINFO], l);
  return MNL_CB_OK;
}

int link_get(struct nl *nl, const char *name, struct link *out, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_GETLINK, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  *out = (struct link){0};
  char what[64];
  format_string(what, sizeof what, "look up %s", name);
  if (nl_talk(nl, nlh, link_cb, out, what, err) == 0)
    return out->index > 0;
  return err->code == ENODEV ? 0 : -1;
}

/* ---- changing links ----------------------------------------------------------------------- */

int link_set_flags(struct nl *nl, int index, unsigned flags, unsigned mask, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = flags;
  ifi->ifi_change = mask;
  return nl_talk(nl, nlh, NULL, NULL, "set link flags", err);
}

int link_set_mac(struct nl *nl, int index, const uint8_t mac[6], struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
  return nl_talk(nl, nlh, NULL, NULL, "set the bridge's address", err);
}

int link_delete(struct nl *nl, const char *name, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_DELLINK, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  char what[64];
  format_string(what, sizeof what, "delete %s", name);
  if (nl_talk(nl, nlh, NULL, NULL, what, err) == 0)
    return 0;
  return err->code == ENODEV ? 0 : -1;
}

static int random_mac(uint8_t mac[6], struct skiff_error *err) {
  if (random_bytes(mac, 6, err) < 0)
    return -1;
  mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
  return 0;
}

static int create_bridge(struct nl *nl, const struct bridge_conf *conf, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  uint8_t mac[6];
  if (random_mac(mac, err) < 0)
    return -1;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP | (conf->promisc_mode ? IFF_PROMISC : 0);
  ifi->ifi_change = IFF_UP | (conf->promisc_mode ? IFF_PROMISC : 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, conf->bridge);
  if (conf->mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, conf->mtu);
  /* an address of its own, so that it does not follow its ports' lowest one as they come and go */
  mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  if (conf->vlan) {
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
    mnl_attr_nest_end(nlh, data);
  }
  mnl_attr_nest_end(nlh, info);
  char what[96];
  format_string(what, sizeof what, "create bridge %s%s", conf->bridge,
                conf->vlan ? " with VLAN filtering" : "");
  return nl_talk(nl, nlh, NULL, NULL, what, err);
}

static int set_vlan_filtering(struct nl *nl, const struct link *br, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = br->index;
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
  struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return nl_talk(nl, nlh, NULL, NULL, "turn on VLAN filtering", err);
}

int bridge_ensure(struct nl *nl, const struct bridge_conf *conf, struct link *br, struct skiff_error *err) {
  bool created = create_bridge(nl, conf, err) == 0;
  if (!created && err->code != EEXIST)
    return -1;
  int found = link_get(nl, conf->bridge, br, err);
  if (found <= 0)
    return found < 0 ? -1 : skiff_fail(err, ENODEV, "bridge %s vanished as it was made", conf->bridge);
  if (strcmp(br->kind, "bridge"))
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "\"%s\" already exists but is not a bridge", conf->bridge);
  if (created) {
    char key[64];
    struct skiff_error ignored; /* without IPv6 there is nothing to turn off */
    format_string(key, sizeof key, "net/ipv6/conf/%s/accept_ra", conf->bridge);
    sysctl_write(key, "0", false, &ignored); /* its routes are ours, not a router's */
    return 1;
  }
  unsigned want = IFF_UP | (conf->promisc_mode ? IFF_PROMISC : 0);
  if ((br->flags & want) != want && link_set_flags(nl, br->index, want, want, err) < 0)
    return -1;
  if (conf->vlan && !br->vlan_filtering && set_vlan_filtering(nl, br, err) < 0)
    return -1;
  /* A bridge made elsewhere follows its ports' lowest address (the zero address when it has none)
   * unless one was set: its own is set, or a random one, before a port comes or goes. */
  static const uint8_t zero[6];
  if (!br->has_mac || !memcmp(br->mac, zero, 6)) {
    if (random_mac(br->mac, err) < 0)
      return -1;
    br->has_mac = true;
  }
  return link_set_mac(nl, br->index, br->mac, err);
}

int veth_create(struct nl *nl, const char *host_name, int master, const char *peer_name, int netns_fd,
                uint32_t mtu, const uint8_t *mac, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
  if (mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  /* the peer's attributes follow an ifinfomsg of its own */
  struct ifinfomsg *pifi = mnl_nlmsg_get_payload_tail(nlh);
  memset(pifi, 0, sizeof *pifi);
  nlh->nlmsg_len += MNL_ALIGN(sizeof *pifi);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
  if (mtu)
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  if (mac)
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return nl_talk(nl, nlh, NULL, NULL, "create the veth pair", err);
}

/* RTM_SETLINK or RTM_DELLINK of one VLAN on a port (or, with self, on the bridge itself). */
static int bridge_vlan(struct nl *nl, uint16_t type, int index, uint16_t vid, uint16_t flags, bool self,
                       struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, type, 0, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
  if (self)
    mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
  struct bridge_vlan_info vinfo = {.flags = flags, .vid = vid};
  mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof vinfo, &vinfo);
  mnl_attr_nest_end(nlh, spec);
  return nl_talk(nl, nlh, NULL, NULL, type == RTM_DELLINK ? "remove a VLAN" : "add a VLAN", err);
}

int bridge_port_setup(struct nl *nl, int port, bool hairpin, uint16_t vlan, bool preserve_default_vlan,
                      struct skiff_error *err) {
  if (hairpin) {
    char buf[NL_REQUEST_SIZE];
    struct ifinfomsg *ifi;
    struct nlmsghdr *nlh = nl_request(nl, buf, RTM_SETLINK, 0, (void **)&ifi, sizeof *ifi);
    ifi->ifi_family = AF_BRIDGE;
    ifi->ifi_index = port;
    struct nlattr *protinfo = mnl_attr_nest_start(nlh, IFLA_PROTINFO | NLA_F_NESTED);
    mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 1);
    mnl_attr_nest_end(nlh, protinfo);
    if (nl_talk(nl, nlh, NULL, NULL, "set hairpin mode", err) < 0)
      return -1;
  }
  if (!vlan)
    return 0;
  if (!preserve_default_vlan && vlan != 1 && bridge_vlan(nl, RTM_DELLINK, port, 1, 0, false, err) < 0 &&
      err->code != ENOENT && err->code != EINVAL)
    return -1;
  return bridge_vlan(nl, RTM_SETLINK, port, vlan, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, false, err);
}

int vlan_gateway_ensure(struct nl *nl, const struct link *br, uint16_t vlan, struct link *out,
                        struct skiff_error *err) {
  char name[32];
  if (format_string(name, sizeof name, "%s.%u", br->name, vlan) >= IFNAMSIZ)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "bridge name too long for its VLAN interface \"%s\"", name);
  int found = link_get(nl, name, out, err);
  if (found < 0)
    return -1;
  if (found)
    return strcmp(out->kind, "vlan") ? cni_fail(err, CNI_ERR_INVALID_CONFIG, "\"%s\" exists but is not a VLAN",
                                                name) : 0;
  if (bridge_vlan(nl, RTM_SETLINK, br->index, vlan, 0, true, err) < 0)
    return -1;
  char buf[NL_REQUEST_SIZE];
  struct ifinfomsg *ifi;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifi, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)br->index);
  struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
  struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  mnl_attr_put_u16(nlh, IFLA_VLAN_ID, vlan);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  if (nl_talk(nl, nlh, NULL, NULL, "create the VLAN interface", err) < 0 && err->code != EEXIST)
    return -1;
  found = link_get(nl, name, out, err);
  return found > 0 ? 0 : found < 0 ? -1 : skiff_fail(err, ENODEV, "%s vanished as it was made", name);
}

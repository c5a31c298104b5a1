#include "addr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"

int addr_add(struct nl *nl, int index, const struct ip_net *a, bool nodad, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifaddrmsg *ifa;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, (void **)&ifa, sizeof *ifa);
  ifa->ifa_family = a->ip.family;
  ifa->ifa_prefixlen = a->prefix;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = (uint32_t)index;
  ifa->ifa_flags = a->ip.family == AF_INET6 && nodad ? IFA_F_NODAD : 0;
  mnl_attr_put(nlh, IFA_LOCAL, ip_len(&a->ip), a->ip.b);
  mnl_attr_put(nlh, IFA_ADDRESS, ip_len(&a->ip), a->ip.b);
  if (a->ip.family == AF_INET && a->prefix < 31) {
    struct ip_addr brd = ip_net_last(a);
    mnl_attr_put(nlh, IFA_BROADCAST, 4, brd.b);
  }
  if (nl_talk(nl, nlh, NULL, NULL, "add address", err) < 0 && err->code != EEXIST)
    return skiff_error_prefix(err, "%s", IP_NET_STR(a));
  return 0;
}

int addr_del(struct nl *nl, int index, const struct ip_net *a, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifaddrmsg *ifa;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_DELADDR, 0, (void **)&ifa, sizeof *ifa);
  ifa->ifa_family = a->ip.family;
  ifa->ifa_prefixlen = a->prefix;
  ifa->ifa_index = (uint32_t)index;
  mnl_attr_put(nlh, IFA_LOCAL, ip_len(&a->ip), a->ip.b);
  if (nl_talk(nl, nlh, NULL, NULL, "remove address", err) < 0 && err->code != EADDRNOTAVAIL)
    return skiff_error_prefix(err, "%s", IP_NET_STR(a));
  return 0;
}

struct addr_dump {
  int index;
  struct ip_net *v;
  size_t n;
  bool oom;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data) {
  struct addr_dump *d = data;
  if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
    return MNL_CB_ERROR;
  const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
  if ((int)ifa->ifa_index != d->index || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
    return MNL_CB_OK;
  struct ip_net a = {.ip.family = ifa->ifa_family, .prefix = ifa->ifa_prefixlen};
  const struct nlattr *attr, *local = NULL, *address = NULL;
  mnl_attr_for_each(attr, nlh, sizeof *ifa) {
    uint16_t type = mnl_attr_get_type(attr);
    if (mnl_attr_get_payload_len(attr) != ip_len(&a.ip))
      continue;
    if (type == IFA_LOCAL)
      local = attr;
    else if (type == IFA_ADDRESS)
      address = attr;
  }
  if (local)
    address = local; /* the peer's address is in IFA_ADDRESS on point-to-point links */
  if (!address)
    return MNL_CB_OK;
  memcpy(a.ip.b, mnl_attr_get_payload(address), ip_len(&a.ip));
  struct ip_net *v = realloc(d->v, (d->n + 1) * sizeof *v);
  if (!v) {
    d->oom = true;
    return MNL_CB_ERROR;
  }
  d->v = v;
  v[d->n++] = a;
  return MNL_CB_OK;
}

int addr_list(struct nl *nl, int index, int family, struct ip_net **out, size_t *n, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct ifaddrmsg *ifa;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_GETADDR, NLM_F_DUMP, (void **)&ifa, sizeof *ifa);
  ifa->ifa_family = (uint8_t)family;
  struct addr_dump d = {.index = index};
  int r = nl_talk(nl, nlh, addr_cb, &d, "list addresses", err);
  for (int attempt = 0; r < 0 && !d.oom && err->code == EINTR && attempt < 20; attempt++) {
    free(d.v); /* changed meanwhile: again */
    d = (struct addr_dump){.index = index};
    nlh->nlmsg_seq = ++nl->seq;
    r = nl_talk(nl, nlh, addr_cb, &d, "list addresses", err);
  }
  if (r < 0) {
    free(d.v);
    return d.oom ? skiff_fail(err, ENOMEM, "list addresses: out of memory") : -1;
  }
  *out = d.v;
  *n = d.n;
  return 0;
}

int route_add(struct nl *nl, int index, const struct cni_route *r, const struct ip_addr *gw,
              struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct rtmsg *rtm;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, (void **)&rtm, sizeof *rtm);
  struct ip_net dst = ip_net_network(&r->dst);
  if (r->has_gw)
    gw = &r->gw;
  if (gw && gw->family != dst.ip.family)
    gw = NULL; /* no gateway of the route's family: on link */
  rtm->rtm_family = dst.ip.family;
  rtm->rtm_dst_len = dst.prefix;
  rtm->rtm_protocol = RTPROT_BOOT;
  rtm->rtm_type = RTN_UNICAST;
  rtm->rtm_scope = (r->set & ROUTE_SCOPE) ? (uint8_t)r->scope : gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  uint32_t table = (r->set & ROUTE_TABLE) ? r->table : RT_TABLE_MAIN;
  rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
  mnl_attr_put_u32(nlh, RTA_TABLE, table);
  if (dst.prefix)
    mnl_attr_put(nlh, RTA_DST, ip_len(&dst.ip), dst.ip.b);
  if (gw)
    mnl_attr_put(nlh, RTA_GATEWAY, ip_len(gw), gw->b);
  mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
  if (r->set & ROUTE_PRIORITY)
    mnl_attr_put_u32(nlh, RTA_PRIORITY, r->priority);
  if (r->set & (ROUTE_MTU | ROUTE_ADVMSS)) {
    struct nlattr *metrics = mnl_attr_nest_start(nlh, RTA_METRICS);
    if (r->set & ROUTE_MTU)
      mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
    if (r->set & ROUTE_ADVMSS)
      mnl_attr_put_u32(nlh, RTAX_ADVMSS, r->advmss);
    mnl_attr_nest_end(nlh, metrics);
  }
  if (nl_talk(nl, nlh, NULL, NULL, "add route", err) < 0 && err->code != EEXIST)
    return skiff_error_prefix(err, "route to %s", IP_NET_STR(&dst));
  return 0;
}

struct route_match {
  const struct cni_route *want;
  struct ip_net dst;
  uint32_t table;
  bool found;
};

static int route_cb(const struct nlmsghdr *nlh, void *data) {
  struct route_match *m = data;
  if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
    return MNL_CB_ERROR;
  const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
  if (rtm->rtm_family != m->dst.ip.family || rtm->rtm_dst_len != m->dst.prefix)
    return MNL_CB_OK;
  uint32_t table = rtm->rtm_table;
  bool dst_ok = m->dst.prefix == 0, gw_ok = !m->want->has_gw;
  size_t len = ip_len(&m->dst.ip);
  const struct nlattr *a;
  mnl_attr_for_each(a, nlh, sizeof *rtm) {
    uint16_t type = mnl_attr_get_type(a);
    if (type == RTA_TABLE && mnl_attr_get_payload_len(a) == 4)
      table = mnl_attr_get_u32(a);
    else if (type == RTA_DST && mnl_attr_get_payload_len(a) == len)
      dst_ok = !memcmp(mnl_attr_get_payload(a), m->dst.ip.b, len);
    else if (type == RTA_GATEWAY && m->want->has_gw && mnl_attr_get_payload_len(a) == len)
      gw_ok = !memcmp(mnl_attr_get_payload(a), m->want->gw.b, len);
  }
  if (table == m->table && dst_ok && gw_ok)
    m->found = true;
  return MNL_CB_OK;
}

int route_exists(struct nl *nl, const struct cni_route *r, bool *found, struct skiff_error *err) {
  char buf[NL_REQUEST_SIZE];
  struct rtmsg *rtm;
  struct nlmsghdr *nlh = nl_request(nl, buf, RTM_GETROUTE, NLM_F_DUMP, (void **)&rtm, sizeof *rtm);
  rtm->rtm_family = r->dst.ip.family;
  struct route_match m = {.want = r, .dst = ip_net_network(&r->dst),
                          .table = (r->set & ROUTE_TABLE) ? r->table : RT_TABLE_MAIN};
  int ret = nl_talk(nl, nlh, route_cb, &m, "list routes", err);
  for (int attempt = 0; ret < 0 && err->code == EINTR && attempt < 20; attempt++) {
    m.found = false; /* changed meanwhile: again */
    nlh->nlmsg_seq = ++nl->seq;
    ret = nl_talk(nl, nlh, route_cb, &m, "list routes", err);
  }
  if (ret < 0)
    return -1;
  *found = m.found;
  return 0;
}

int gateway_ensure(struct nl *nl, const struct link *l, const struct ip_net *gw, bool force,
                   struct skiff_error *err) {
  struct ip_net *have = NULL;
  size_t n = 0;
  if (addr_list(nl, l->index, gw->ip.family, &have, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    if (ip_equal(&have[i].ip, &gw->ip) && have[i].prefix == gw->prefix) {
      free(have);
      return 0;
    }
    if (gw->ip.family == AF_INET6 && !ip_net_overlaps(&have[i], gw))
      continue; /* several IPv6 subnets may share a bridge */
    if (force)
      ret = addr_del(nl, l->index, &have[i], err);
    else
      ret = cni_fail(err, CNI_ERR_INVALID_CONFIG, "\"%s\" already has an IP address different from %s "
                     "(forceAddress replaces it)", l->name, IP_NET_STR(gw));
  }
  free(have);
  return ret < 0 ? -1 : addr_add(nl, l->index, gw, true, err);
}

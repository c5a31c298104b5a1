/* ADD: lease addresses, make the bridge and the veth pair (its container end created in the
 * container's namespace under CNI_IFNAME), configure the container's end from inside its namespace,
 * give the bridge the gateway, add the NAT rules; undo it all when a step fails. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "bridge.h"
#include "link.h"
#include "netlink.h"
#include "nft.h"
#include "oci/cleanup.h"
#include "oci/format.h"

int bridge_open_netns(const char *path, struct skiff_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return cni_fail(err, CNI_ERR_UNKNOWN_CONTAINER, "netns %s does not exist", path);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open netns %s", path);
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
    close(fd);
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_NETNS: %s is not a network namespace", path);
  }
  return fd;
}

struct add {
  const struct cni_request *req;
  const struct bridge_conf *conf;
  int netns_fd;
  struct nl host;
  struct link br, veth, container, vlan_if;
  bool veth_made, ipam_done, nft_done;
  char veth_name[IFNAMSIZ];
  struct cni_result ipam; /* what IPAM leased, gateways and default routes added */
};

static int make_veth(struct add *a, struct skiff_error *err) {
  for (int attempt = 0; attempt < 4; attempt++) {
    uint8_t r[4];
    if (random_bytes(r, sizeof r, err) < 0)
      return -1;
    format_string(a->veth_name, sizeof a->veth_name, "veth%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    if (veth_create(&a->host, a->veth_name, a->br.index, a->req->ifname, a->netns_fd, a->conf->mtu,
                    a->conf->has_mac ? a->conf->mac : NULL, err) == 0) {
      a->veth_made = true;
      int found = link_get(&a->host, a->veth_name, &a->veth, err);
      return found > 0 ? 0 : found < 0 ? -1 : skiff_fail(err, ENODEV, "%s vanished as it was made", a->veth_name);
    }
    if (err->code != EEXIST)
      return -1;
    /* taken: our random host name (try another), or CNI_IFNAME in the container (an error) */
  }
  return skiff_fail(err, EEXIST, "create the veth pair: an interface named \"%s\" exists in the container's "
                    "network namespace", a->req->ifname);
}

/* isGateway: the gateway of each address (the subnet's first one when IPAM gave none);
 * isDefaultGateway: a default route through it per family, unless IPAM's routes have one. */
static int fill_gateways(struct add *a, struct skiff_error *err) {
  struct cni_result *r = &a->ipam;
  bool default_route[2] = {false, false}; /* IPv4, IPv6 */
  for (size_t i = 0; i < r->n_routes; i++)
    if (ip_net_is_default(&r->routes[i].dst) && r->routes[i].has_gw)
      default_route[r->routes[i].dst.ip.family == AF_INET6] = true;
  for (size_t i = 0; i < r->n_ips; i++) {
    struct cni_ip *ip = &r->ips[i];
    if (!ip->has_gateway && a->conf->is_gateway) {
      ip->gateway = ip_net_network(&ip->address).ip;
      ip_next(&ip->gateway);
      ip->has_gateway = true;
    }
    bool v6 = ip->address.ip.family == AF_INET6;
    if (a->conf->is_default_gateway && !default_route[v6] && ip->has_gateway) {
      struct cni_route route = {.dst = {.ip.family = ip->address.ip.family}, .has_gw = true, .gw = ip->gateway};
      if (cni_result_add_route(r, &route) < 0)
        return skiff_fail(err, ENOMEM, "out of memory");
      default_route[v6] = true;
    }
  }
  return 0;
}

static void container_sysctls(const struct add *a) {
  struct skiff_error ignored; /* as the bridge plugin: best effort, IPv6 may be off */
  char key[96];
  const char *ifname = a->req->ifname;
  format_string(key, sizeof key, "net/ipv4/conf/%s/arp_notify", ifname);
  sysctl_write(key, "1", false, &ignored);
  format_string(key, sizeof key, "net/ipv6/conf/%s/accept_dad", ifname);
  sysctl_write(key, a->conf->enable_dad ? "1" : "0", false, &ignored);
  if (a->conf->enable_dad) {
    format_string(key, sizeof key, "net/ipv6/conf/%s/enhanced_dad", ifname);
    sysctl_write(key, "1", false, &ignored);
  }
}

/* Inside the container's namespace: its end of the veth, addresses, up, routes. */
static int configure_container(struct add *a, struct nl *c, struct skiff_error *err) {
  int found = link_get(c, a->req->ifname, &a->container, err);
  if (found <= 0)
    return found < 0 ? -1 : skiff_fail(err, ENODEV, "%s is not in the container", a->req->ifname);
  container_sysctls(a);
  const struct cni_result *r = &a->ipam;
  const struct ip_addr *gw[2] = {NULL, NULL};
  for (size_t i = 0; i < r->n_ips; i++) {
    bool v6 = r->ips[i].address.ip.family == AF_INET6;
    if (r->ips[i].has_gateway && !gw[v6])
      gw[v6] = &r->ips[i].gateway;
    if (addr_add(c, a->container.index, &r->ips[i].address, !a->conf->enable_dad, err) < 0)
      return -1;
  }
  if (link_set_flags(c, a->container.index, IFF_UP, IFF_UP, err) < 0)
    return -1;
  for (size_t i = 0; i < r->n_routes; i++)
    if (route_add(c, a->container.index, &r->routes[i], gw[r->routes[i].dst.ip.family == AF_INET6], err) < 0)
      return -1;
  return 0;
}

static int setup_container(struct add *a, struct skiff_error *err) {
  int home;
  if (netns_enter(a->netns_fd, &home, err) < 0)
    return -1;
  struct nl c;
  int ret = nl_open(&c, err);
  if (ret == 0) {
    ret = configure_container(a, &c, err);
    nl_close(&c);
  }
  struct skiff_error leave_err;
  if (netns_leave(&home, &leave_err) < 0) {
    /* everything after this would happen in the container's namespace: stop here */
    *err = leave_err;
    return -1;
  }
  return ret;
}

/* isGateway: each gateway on the bridge (on "<bridge>.<vlan>" with a VLAN), forwarding on. */
static int setup_gateway(struct add *a, struct skiff_error *err) {
  const struct link *gw_link = &a->br;
  if (a->conf->vlan) {
    if (vlan_gateway_ensure(&a->host, &a->br, a->conf->vlan, &a->vlan_if, err) < 0)
      return -1;
    gw_link = &a->vlan_if;
  }
  bool forward[2] = {false, false};
  for (size_t i = 0; i < a->ipam.n_ips; i++) {
    const struct cni_ip *ip = &a->ipam.ips[i];
    if (!ip->has_gateway)
      continue;
    struct ip_net gw = {ip->gateway, ip->address.prefix};
    if (gateway_ensure(&a->host, gw_link, &gw, a->conf->force_address, err) < 0)
      return -1;
    forward[ip->address.ip.family == AF_INET6] = true;
  }
  if (forward[0] && sysctl_write("net/ipv4/ip_forward", "1", true, err) < 0)
    return -1;
  if (forward[1] && sysctl_write("net/ipv6/conf/all/forwarding", "1", true, err) < 0)
    return -1;
  return 0;
}

static int setup_nat(struct add *a, struct skiff_error *err) {
  const struct bridge_conf *conf = a->conf;
  size_t n = a->ipam.n_ips;
  cleanup_free struct ip_net *addrs = calloc(n + 1, sizeof *addrs);
  if (!addrs)
    return skiff_fail(err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    addrs[i] = a->ipam.ips[i].address;
  if (!nft_rule_count(addrs, n, conf->ip_masq, conf->n_port_mappings))
    return 0;
  struct nft_attachment att = {conf->name, a->req->container_id, a->req->ifname};
  if (nft_add(&att, addrs, n, conf->ip_masq, conf->port_mappings, conf->n_port_mappings, err) < 0)
    return -1;
  a->nft_done = true;
  return 0;
}

/* DNAT from 127.0.0.1 routes a packet with a loopback source out of the gateway's link. */
static int allow_localnet(struct add *a, struct skiff_error *err) {
  char key[96];
  format_string(key, sizeof key, "net/ipv4/conf/%s/route_localnet", a->vlan_if.index ? a->vlan_if.name : a->br.name);
  return sysctl_write(key, "1", true, err);
}

static int add_interface(struct cni_result *r, const struct link *l, const char *sandbox, struct skiff_error *err) {
  char mac[18] = "";
  if (l->has_mac)
    mac_format(l->mac, mac);
  return cni_result_add_interface(r, l->name, mac, sandbox, 0) < 0 ? skiff_fail(err, ENOMEM, "out of memory") : 0;
}

/* prevResult's entries, then bridge, veth, container interface (the leased addresses point at
 * it), the VLAN interface; IPAM's routes; the config's DNS, else IPAM's. */
static int build_result(struct add *a, struct cni_result *out, struct skiff_error *err) {
  if (a->conf->has_prev_result && cni_result_copy(out, &a->conf->prev_result) < 0)
    return skiff_fail(err, ENOMEM, "out of memory");
  int base = (int)out->n_interfaces;
  if (add_interface(out, &a->br, NULL, err) < 0 || add_interface(out, &a->veth, NULL, err) < 0 ||
      add_interface(out, &a->container, a->req->netns, err) < 0)
    return -1;
  if (a->conf->vlan && a->vlan_if.index && add_interface(out, &a->vlan_if, NULL, err) < 0)
    return -1;
  for (size_t i = 0; i < a->ipam.n_ips; i++) {
    struct cni_ip ip = a->ipam.ips[i];
    ip.interface = base + 2;
    if (cni_result_add_ip(out, &ip) < 0)
      return skiff_fail(err, ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < a->ipam.n_routes; i++)
    if (cni_result_add_route(out, &a->ipam.routes[i]) < 0)
      return skiff_fail(err, ENOMEM, "out of memory");
  const struct cni_dns *dns = !cni_dns_empty(&a->conf->dns) ? &a->conf->dns : &a->ipam.dns;
  if (!cni_dns_empty(dns) && cni_dns_copy(&out->dns, dns) < 0)
    return skiff_fail(err, ENOMEM, "out of memory");
  return 0;
}

static int add_steps(struct add *a, struct cni_result *result, struct skiff_error *err) {
  const struct bridge_conf *conf = a->conf;
  if (conf->has_ipam) {
    if (bridge_ipam_add(a->req, conf, &a->ipam, err) < 0)
      return -1;
    a->ipam_done = true;
    if (!a->ipam.n_ips)
      return cni_fail(err, CNI_ERR_PLUGIN, "IPAM plugin returned missing IP config");
    /* NAT first: the kernel's release of the transaction runs meanwhile (nft.c) */
    if (fill_gateways(a, err) < 0 || setup_nat(a, err) < 0)
      return -1;
  }
  if (nl_open(&a->host, err) < 0)
    return -1;
  if (bridge_ensure(&a->host, conf, &a->br, err) < 0 || make_veth(a, err) < 0 ||
      bridge_port_setup(&a->host, a->veth.index, conf->hairpin_mode, conf->vlan, conf->preserve_default_vlan, err) < 0 ||
      setup_container(a, err) < 0)
    return -1;
  if (conf->has_ipam && conf->is_gateway && setup_gateway(a, err) < 0)
    return -1;
  if (conf->has_ipam && conf->n_port_mappings && allow_localnet(a, err) < 0)
    return -1;
  return build_result(a, result, err);
}

static void undo(struct add *a) {
  struct skiff_error ignored;
  if (a->nft_done) {
    struct nft_attachment att = {a->conf->name, a->req->container_id, a->req->ifname};
    nft_del(&att, &ignored);
  }
  if (a->veth_made) /* its peer in the container goes with it */
    link_delete(&a->host, a->veth_name, &ignored);
  if (a->ipam_done)
    bridge_ipam_del(a->req, a->conf, &ignored);
}

int bridge_check_own_netns(int netns_fd, const char *path, struct skiff_error *err) {
  struct stat theirs, ours;
  if (fstat(netns_fd, &theirs) < 0 || stat("/proc/thread-self/ns/net", &ours) < 0)
    return skiff_fail_errno(err, errno, "stat the network namespaces");
  if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_NETNS: %s is the plugin's own network namespace, not a "
                    "container's of its own", path);
  return 0;
}

int bridge_add(const struct cni_request *req, const struct bridge_conf *conf, struct cni_result *result,
               struct skiff_error *err) {
  struct add a = {.req = req, .conf = conf, .netns_fd = -1};
  a.netns_fd = bridge_open_netns(req->netns, err);
  if (a.netns_fd < 0)
    return -1;
  if (bridge_check_own_netns(a.netns_fd, req->netns, err) < 0) {
    close(a.netns_fd);
    return -1;
  }
  int ret = add_steps(&a, result, err);
  if (ret < 0)
    undo(&a);
  if (a.host.sock)
    nl_close(&a.host);
  close(a.netns_fd);
  cni_result_free(&a.ipam);
  return ret;
}

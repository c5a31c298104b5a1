/* DEL, CHECK, GC and STATUS, and the choice between the built-in IPAM and a delegated one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bridge.h"
#include "ipam.h"
#include "link.h"
#include "netlink.h"
#include "nft.h"
#include "oci/cleanup.h"
#include "plugin-exec.h"

int bridge_ipam_add(const struct cni_request *req, const struct bridge_conf *conf, struct cni_result *out,
                    struct skiff_error *err) {
  if (conf->ipam.builtin)
    return ipam_add(&conf->ipam, conf->name, req->container_id, req->ifname, out, err);
  return plugin_exec_add(conf->ipam.type, req->path, req->config, req->config_len, out, err);
}

int bridge_ipam_del(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err) {
  if (conf->ipam.builtin)
    return ipam_del(&conf->ipam, conf->name, req->container_id, req->ifname, err);
  return plugin_exec(conf->ipam.type, req->path, "DEL", req->config, req->config_len, NULL, err);
}

/* ---- DEL ------------------------------------------------------------------------------------- */

/* The container's end of the veth, from inside its namespace (the host's end goes with it). */
static int delete_container_link(const struct cni_request *req, const char *netns, struct skiff_error *err) {
  if (!netns)
    return 0;
  int fd = bridge_open_netns(netns, err);
  if (fd < 0)
    return err->code == CNI_CODE(CNI_ERR_UNKNOWN_CONTAINER) ? 0 : -1; /* gone: so is the veth */
  int home, ret = bridge_check_own_netns(fd, netns, err);
  if (ret < 0) { /* never the plugin's own interface */
    close(fd);
    return 0;
  }
  ret = netns_enter(fd, &home, err);
  close(fd);
  if (ret < 0)
    return -1;
  struct nl c;
  ret = nl_open(&c, err);
  if (ret == 0) {
    ret = link_delete(&c, req->ifname, err);
    nl_close(&c);
  }
  struct skiff_error leave_err;
  if (netns_leave(&home, &leave_err) < 0) {
    *err = leave_err;
    return -1;
  }
  return ret;
}

int bridge_del(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err) {
  /* the NAT rules first, found by their comment whatever ipMasq and the port mappings say now; the
   * kernel's release of the transaction then overlaps the link's removal (nft.c) */
  struct nft_attachment att = {conf->name, req->container_id, req->ifname};
  if (nft_del(&att, err) < 0)
    return -1;
  /* The namespace: CNI_NETNS, else (a runtime may leave it out of a DEL) the sandbox prevResult gives
   * CNI_IFNAME, but not a /proc/<pid> path, whose pid may be another process's by now. Without one
   * there is no veth to remove: it went with the namespace, or goes when the runtime destroys that. */
  const char *netns = req->netns && *req->netns ? req->netns : NULL;
  for (size_t i = 0; !netns && i < conf->prev_result.n_interfaces; i++) {
    const struct cni_interface *f = &conf->prev_result.interfaces[i];
    if (f->name && f->sandbox && f->sandbox[0] == '/' && !strcmp(f->name, req->ifname) &&
        strncmp(f->sandbox, "/proc/", 6))
      netns = f->sandbox;
  }
  if (delete_container_link(req, netns, err) < 0)
    return -1;
  return conf->has_ipam ? bridge_ipam_del(req, conf, err) : 0;
}

/* ---- CHECK ----------------------------------------------------------------------------------- */

struct check {
  const struct cni_request *req;
  const struct bridge_conf *conf;
  const struct cni_interface *br_if, *container_if;
  int container_idx; /* in prevResult's interfaces */
  struct link br, container;
};

static int mac_matches(const struct cni_interface *f, const struct link *l) {
  char mac[18] = "";
  if (l->has_mac)
    mac_format(l->mac, mac);
  return !f->mac || !*f->mac || !strcasecmp(f->mac, mac);
}

static int check_container(struct check *k, struct nl *c, struct skiff_error *err) {
  int found = link_get(c, k->req->ifname, &k->container, err);
  if (found <= 0)
    return found < 0 ? -1 : cni_fail(err, CNI_ERR_INVALID_CONFIG, "CNI created interface in container %s not found",
                                     k->req->ifname);
  if (strcmp(k->container.kind, "veth"))
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "container interface %s not of type veth", k->req->ifname);
  if (!mac_matches(k->container_if, &k->container))
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "interface %s MAC %s does not match the container's",
                    k->req->ifname, k->container_if->mac);
  cleanup_free struct ip_net *have = NULL;
  size_t n = 0;
  if (addr_list(c, k->container.index, AF_UNSPEC, &have, &n, err) < 0)
    return -1;
  const struct cni_result *r = &k->conf->prev_result;
  for (size_t i = 0; i < r->n_ips; i++) {
    if (r->ips[i].interface != k->container_idx)
      continue;
    bool present = false;
    for (size_t j = 0; j < n && !present; j++)
      present = ip_equal(&have[j].ip, &r->ips[i].address.ip) && have[j].prefix == r->ips[i].address.prefix;
    if (!present)
      return cni_fail(err, CNI_ERR_INVALID_CONFIG, "address %s of %s not found", IP_NET_STR(&r->ips[i].address),
                      k->req->ifname);
  }
  for (size_t i = 0; i < r->n_routes; i++) {
    bool present;
    if (route_exists(c, &r->routes[i], &present, err) < 0)
      return -1;
    if (!present)
      return cni_fail(err, CNI_ERR_INVALID_CONFIG, "route to %s not found in the container",
                      IP_NET_STR(&r->routes[i].dst));
  }
  return 0;
}

static int check_in_netns(struct check *k, struct skiff_error *err) {
  int fd = bridge_open_netns(k->req->netns, err);
  if (fd < 0)
    return -1;
  int home, ret = netns_enter(fd, &home, err);
  close(fd);
  if (ret < 0)
    return -1;
  struct nl c;
  ret = nl_open(&c, err);
  if (ret == 0) {
    ret = check_container(k, &c, err);
    nl_close(&c);
  }
  struct skiff_error leave_err;
  if (netns_leave(&home, &leave_err) < 0) {
    *err = leave_err;
    return -1;
  }
  return ret;
}

/* The bridge as configured, and among prevResult's host interfaces the veth whose peer is the
 * container's interface, a port of the bridge. */
static int check_host(struct check *k, struct nl *nl, struct skiff_error *err) {
  int found = link_get(nl, k->conf->bridge, &k->br, err);
  if (found <= 0 || strcmp(k->br.kind, "bridge"))
    return found < 0 ? -1 : cni_fail(err, CNI_ERR_INVALID_CONFIG, "CNI created bridge %s in host namespace was not "
                                     "found", k->conf->bridge);
  if (!mac_matches(k->br_if, &k->br))
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "bridge interface %s MAC does not match: %s", k->conf->bridge,
                    k->br_if->mac);
  if (!(k->br.flags & IFF_PROMISC) != !k->conf->promisc_mode)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "bridge interface %s promiscuous mode does not match the config",
                    k->conf->bridge);
  const struct cni_result *r = &k->conf->prev_result;
  for (size_t i = 0; i < r->n_interfaces; i++) {
    const struct cni_interface *f = &r->interfaces[i];
    struct link l;
    if (f == k->br_if || f == k->container_if || !f->name || (f->sandbox && *f->sandbox))
      continue;
    found = link_get(nl, f->name, &l, err);
    if (found < 0)
      return -1;
    if (found && !strcmp(l.kind, "veth") && l.index == k->container.peer && l.master == k->br.index &&
        l.peer == k->container.index)
      return mac_matches(f, &l) ? 0 : cni_fail(err, CNI_ERR_INVALID_CONFIG, "interface %s MAC does not match",
                                               f->name);
  }
  return cni_fail(err, CNI_ERR_INVALID_CONFIG, "CNI veth created for bridge %s was not found", k->conf->bridge);
}

static int check_nat(const struct check *k, struct skiff_error *err) {
  const struct cni_result *r = &k->conf->prev_result;
  cleanup_free struct ip_net *addrs = calloc(r->n_ips + 1, sizeof *addrs);
  if (!addrs)
    return skiff_fail(err, ENOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < r->n_ips; i++)
    if (r->ips[i].interface == k->container_idx)
      addrs[n++] = r->ips[i].address;
  size_t want = nft_rule_count(addrs, n, k->conf->ip_masq, k->conf->n_port_mappings), have;
  struct nft_attachment att = {k->conf->name, k->req->container_id, k->req->ifname};
  if (nft_count(&att, &have, err) < 0)
    return -1;
  if (have != want)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "%zu NAT rules of the attachment in table ip %s, not %zu", have,
                    NFT_TABLE, want);
  return 0;
}

int bridge_check(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err) {
  if (!conf->has_prev_result)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "required prevResult missing");
  struct check k = {.req = req, .conf = conf, .container_idx = -1};
  const struct cni_result *r = &conf->prev_result;
  for (size_t i = 0; i < r->n_interfaces; i++) {
    const struct cni_interface *f = &r->interfaces[i];
    if (f->name && !strcmp(f->name, conf->bridge) && !(f->sandbox && *f->sandbox))
      k.br_if = f;
    else if (f->name && !strcmp(f->name, req->ifname) && f->sandbox && !strcmp(f->sandbox, req->netns)) {
      k.container_if = f;
      k.container_idx = (int)i;
    }
  }
  if (!k.br_if)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "prevResult has no interface for bridge %s", conf->bridge);
  if (!k.container_if)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "prevResult has no interface %s in sandbox %s", req->ifname,
                    req->netns);
  if (conf->has_ipam) {
    int r2 = conf->ipam.builtin ? ipam_check(&conf->ipam, conf->name, req->container_id, req->ifname, r, err)
                                : plugin_exec(conf->ipam.type, req->path, "CHECK", req->config, req->config_len, NULL, err);
    if (r2 < 0)
      return -1;
  }
  if (check_in_netns(&k, err) < 0)
    return -1;
  struct nl nl;
  if (nl_open(&nl, err) < 0)
    return -1;
  int ret = check_host(&k, &nl, err);
  nl_close(&nl);
  return ret < 0 ? -1 : check_nat(&k, err);
}

/* ---- GC and STATUS --------------------------------------------------------------------------- */

int bridge_gc(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err) {
  if (!conf->has_valid_attachments)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "cni.dev/valid-attachments: required");
  /* as much as possible: both are tried, the first failure reported */
  struct skiff_error nft_err;
  int nft = nft_gc(conf->name, conf->valid_attachments, conf->n_valid_attachments, &nft_err);
  int ipam = 0;
  if (conf->has_ipam)
    ipam = conf->ipam.builtin
               ? ipam_gc(&conf->ipam, conf->name, conf->valid_attachments, conf->n_valid_attachments, err)
               : plugin_exec(conf->ipam.type, req->path, "GC", req->config, req->config_len, NULL, err);
  if (ipam < 0)
    return -1;
  if (nft < 0) {
    *err = nft_err;
    return -1;
  }
  return 0;
}

int bridge_status(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err) {
  if (!conf->has_ipam)
    return 0;
  if (conf->ipam.builtin)
    return ipam_status(&conf->ipam, conf->name, err);
  return plugin_exec(conf->ipam.type, req->path, "STATUS", req->config, req->config_len, NULL, err);
}

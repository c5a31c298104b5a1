#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "oci/cleanup.h"
#include "oci/json-write.h"

const char *const cni_supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
const size_t cni_n_supported_versions = sizeof cni_supported_versions / sizeof cni_supported_versions[0];

bool cni_version_supported(const char *v) {
  for (size_t i = 0; v && i < cni_n_supported_versions; i++)
    if (!strcmp(v, cni_supported_versions[i]))
      return true;
  return false;
}

/* Numeric comparison part by part; what is not a number compares as 0. */
int cni_version_cmp(const char *a, const char *b) {
  for (int part = 0; part < 3; part++) {
    unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
    if (x != y)
      return x < y ? -1 : 1;
    a += *a == '.';
    b += *b == '.';
  }
  return 0;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int parse_interface(struct json_ctx *c, uint32_t node, void *item) {
  struct cni_interface *i = item;
  if (json_get_string(c, node, "name", &i->name, JSON_OPTIONAL) < 0 ||
      json_get_string(c, node, "mac", &i->mac, JSON_OPTIONAL) < 0 ||
      json_get_u32(c, node, "mtu", &i->mtu, JSON_OPTIONAL) < 0 ||
      json_get_string(c, node, "sandbox", &i->sandbox, JSON_OPTIONAL) < 0 ||
      json_get_string(c, node, "socketPath", &i->socket_path, JSON_OPTIONAL) < 0 ||
      json_get_string(c, node, "pciID", &i->pci_id, JSON_OPTIONAL) < 0)
    return -1;
  return 0;
}

static int parse_ip(struct json_ctx *c, uint32_t node, void *item) {
  struct cni_ip *ip = item;
  int32_t index = -1;
  int r = json_get_i32(c, node, "interface", &index, JSON_OPTIONAL);
  if (r < 0 || json_get_ip_net(c, node, "address", &ip->address, JSON_REQUIRED) < 0)
    return -1;
  if (r > 0 && index < 0)
    return json_fail_key(c, "interface", "must not be negative");
  ip->interface = index;
  r = json_get_ip(c, node, "gateway", &ip->gateway, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  ip->has_gateway = r > 0;
  if (ip->has_gateway && ip->gateway.family != ip->address.ip.family)
    return json_fail_key(c, "gateway", "is not of the address's family");
  return 0;
}

static int parse_route(struct json_ctx *c, uint32_t node, void *item) {
  struct cni_route *rt = item;
  if (json_get_ip_net(c, node, "dst", &rt->dst, JSON_REQUIRED) < 0)
    return -1;
  int r = json_get_ip(c, node, "gw", &rt->gw, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  rt->has_gw = r > 0;
  if (rt->has_gw && rt->gw.family != rt->dst.ip.family)
    return json_fail_key(c, "gw", "is not of the destination's family");
  static const struct {
    const char *key;
    unsigned bit;
    size_t offset;
  } numbers[] = {
      {"mtu", ROUTE_MTU, offsetof(struct cni_route, mtu)},
      {"advmss", ROUTE_ADVMSS, offsetof(struct cni_route, advmss)},
      {"priority", ROUTE_PRIORITY, offsetof(struct cni_route, priority)},
      {"table", ROUTE_TABLE, offsetof(struct cni_route, table)},
      {"scope", ROUTE_SCOPE, offsetof(struct cni_route, scope)},
  };
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    r = json_get_u32(c, node, numbers[i].key, (uint32_t *)((char *)rt + numbers[i].offset), JSON_OPTIONAL);
    if (r < 0)
      return -1;
    if (r > 0)
      rt->set |= numbers[i].bit;
  }
  if ((rt->set & ROUTE_SCOPE) && rt->scope > 255)
    return json_fail_key(c, "scope", "must be at most 255");
  return 0;
}

int cni_routes_parse(struct json_ctx *c, uint32_t obj, const char *key, struct cni_route **out, size_t *n) {
  return json_get_object_array(c, obj, key, sizeof **out, out, n, parse_route, JSON_OPTIONAL);
}

int cni_dns_parse(struct json_ctx *c, uint32_t obj, const char *key, struct cni_dns *out) {
  uint32_t dns;
  size_t mark;
  int r = json_enter_object(c, obj, key, &dns, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (json_get_strv(c, dns, "nameservers", &out->nameservers, JSON_OPTIONAL) < 0 ||
      json_get_string(c, dns, "domain", &out->domain, JSON_OPTIONAL) < 0 ||
      json_get_strv(c, dns, "search", &out->search, JSON_OPTIONAL) < 0 ||
      json_get_strv(c, dns, "options", &out->options, JSON_OPTIONAL) < 0)
    return -1;
  json_path_pop(c, mark);
  return 1;
}

int cni_result_parse(struct json_ctx *c, uint32_t node, struct cni_result *out) {
  if (json_expect_object(c, node) < 0)
    return -1;
  if (json_get_object_array(c, node, "interfaces", sizeof *out->interfaces, &out->interfaces,
                            &out->n_interfaces, parse_interface, JSON_OPTIONAL) < 0 ||
      json_get_object_array(c, node, "ips", sizeof *out->ips, &out->ips, &out->n_ips, parse_ip,
                            JSON_OPTIONAL) < 0 ||
      cni_routes_parse(c, node, "routes", &out->routes, &out->n_routes) < 0 ||
      cni_dns_parse(c, node, "dns", &out->dns) < 0)
    return -1;
  for (size_t i = 0; i < out->n_ips; i++)
    if (out->ips[i].interface >= (int)out->n_interfaces) {
      json_path_key(c, "ips");
      json_path_index(c, i);
      return json_fail_key(c, "interface", "%d is not an index of interfaces", out->ips[i].interface);
    }
  return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static void write_strv(struct json_writer *w, const char *key, const struct oci_strv *v) {
  if (v->n)
    json_write_kstrings(w, key, (const char *const *)v->v, v->n);
}

static void write_dns(struct json_writer *w, const struct cni_dns *d) {
  json_write_key(w, "dns");
  json_write_begin_object(w);
  write_strv(w, "nameservers", &d->nameservers);
  if (d->domain && *d->domain)
    json_write_kstring(w, "domain", d->domain);
  write_strv(w, "search", &d->search);
  write_strv(w, "options", &d->options);
  json_write_end_object(w);
}

static void write_interface(struct json_writer *w, const struct cni_interface *i, bool v1) {
  json_write_begin_object(w);
  json_write_kstring(w, "name", i->name ? i->name : "");
  if (i->mac && *i->mac)
    json_write_kstring(w, "mac", i->mac);
  if (v1 && i->mtu)
    json_write_kuint(w, "mtu", i->mtu);
  if (i->sandbox && *i->sandbox)
    json_write_kstring(w, "sandbox", i->sandbox);
  if (v1 && i->socket_path && *i->socket_path)
    json_write_kstring(w, "socketPath", i->socket_path);
  if (v1 && i->pci_id && *i->pci_id)
    json_write_kstring(w, "pciID", i->pci_id);
  json_write_end_object(w);
}

static void write_ip(struct json_writer *w, const struct cni_ip *ip, bool v1) {
  json_write_begin_object(w);
  if (!v1)
    json_write_kstring(w, "version", ip->address.ip.family == AF_INET ? "4" : "6");
  if (ip->interface >= 0)
    json_write_kint(w, "interface", ip->interface);
  json_write_kstring(w, "address", IP_NET_STR(&ip->address));
  if (ip->has_gateway)
    json_write_kstring(w, "gateway", IP_STR(&ip->gateway));
  json_write_end_object(w);
}

static void write_route(struct json_writer *w, const struct cni_route *r, bool v11) {
  json_write_begin_object(w);
  json_write_kstring(w, "dst", IP_NET_STR(&r->dst));
  if (r->has_gw)
    json_write_kstring(w, "gw", IP_STR(&r->gw));
  if (v11) {
    if (r->set & ROUTE_MTU)
      json_write_kuint(w, "mtu", r->mtu);
    if (r->set & ROUTE_ADVMSS)
      json_write_kuint(w, "advmss", r->advmss);
    if (r->set & ROUTE_PRIORITY)
      json_write_kuint(w, "priority", r->priority);
    if (r->set & ROUTE_TABLE)
      json_write_kuint(w, "table", r->table);
    if (r->set & ROUTE_SCOPE)
      json_write_kuint(w, "scope", r->scope);
  }
  json_write_end_object(w);
}

void cni_result_write(struct json_writer *w, const struct cni_result *r, const char *cni_version) {
  bool v1 = cni_version_cmp(cni_version, "1.0.0") >= 0, v11 = cni_version_cmp(cni_version, "1.1.0") >= 0;
  json_write_begin_object(w);
  json_write_kstring(w, "cniVersion", cni_version);
  if (r->n_interfaces) {
    json_write_key(w, "interfaces");
    json_write_begin_array(w);
    for (size_t i = 0; i < r->n_interfaces; i++)
      write_interface(w, &r->interfaces[i], v1);
    json_write_end_array(w);
  }
  if (r->n_ips) {
    json_write_key(w, "ips");
    json_write_begin_array(w);
    for (size_t i = 0; i < r->n_ips; i++)
      write_ip(w, &r->ips[i], v1);
    json_write_end_array(w);
  }
  if (r->n_routes) {
    json_write_key(w, "routes");
    json_write_begin_array(w);
    for (size_t i = 0; i < r->n_routes; i++)
      write_route(w, &r->routes[i], v11);
    json_write_end_array(w);
  }
  write_dns(w, &r->dns);
  json_write_end_object(w);
}

char *cni_result_to_json(const struct cni_result *r, const char *cni_version) {
  struct json_writer w;
  json_writer_init(&w, "    ");
  cni_result_write(&w, r, cni_version);
  return json_writer_finish(&w);
}

/* ---- building ----------------------------------------------------------------------------- */

static bool grow(void **v, size_t n, size_t size) {
  void *p = realloc(*v, (n + 1) * size);
  if (!p)
    return false;
  *v = p;
  return true;
}

static bool dup_or_null(const char *s, char **out) {
  *out = NULL;
  return !s || (*out = strdup(s)) != NULL;
}

int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac, const char *sandbox,
                             uint32_t mtu) {
  if (!grow((void **)&r->interfaces, r->n_interfaces, sizeof *r->interfaces))
    return -1;
  struct cni_interface *i = &r->interfaces[r->n_interfaces];
  *i = (struct cni_interface){.mtu = mtu};
  if (!dup_or_null(name, &i->name) || !dup_or_null(mac, &i->mac) || !dup_or_null(sandbox, &i->sandbox)) {
    free(i->name);
    free(i->mac);
    return -1;
  }
  return (int)r->n_interfaces++;
}

int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip) {
  if (!grow((void **)&r->ips, r->n_ips, sizeof *r->ips))
    return -1;
  r->ips[r->n_ips++] = *ip;
  return 0;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *route) {
  if (!grow((void **)&r->routes, r->n_routes, sizeof *r->routes))
    return -1;
  r->routes[r->n_routes++] = *route;
  return 0;
}

static int strv_copy(struct oci_strv *to, const struct oci_strv *from) {
  if (!from->n)
    return 0;
  to->v = calloc(from->n + 1, sizeof *to->v);
  if (!to->v)
    return -1;
  for (size_t i = 0; i < from->n; i++, to->n++)
    if (!(to->v[i] = strdup(from->v[i])))
      return -1;
  return 0;
}

int cni_dns_copy(struct cni_dns *to, const struct cni_dns *from) {
  cni_dns_free(to);
  if (strv_copy(&to->nameservers, &from->nameservers) < 0 || strv_copy(&to->search, &from->search) < 0 ||
      strv_copy(&to->options, &from->options) < 0 || !dup_or_null(from->domain, &to->domain))
    return -1;
  return 0;
}

int cni_result_copy(struct cni_result *to, const struct cni_result *from) {
  int base = (int)to->n_interfaces;
  for (size_t i = 0; i < from->n_interfaces; i++) {
    const struct cni_interface *f = &from->interfaces[i];
    int idx = cni_result_add_interface(to, f->name, f->mac, f->sandbox, f->mtu);
    if (idx < 0 || !dup_or_null(f->socket_path, &to->interfaces[idx].socket_path) ||
        !dup_or_null(f->pci_id, &to->interfaces[idx].pci_id))
      return -1;
  }
  for (size_t i = 0; i < from->n_ips; i++) {
    struct cni_ip ip = from->ips[i];
    if (ip.interface >= 0)
      ip.interface += base;
    if (cni_result_add_ip(to, &ip) < 0)
      return -1;
  }
  for (size_t i = 0; i < from->n_routes; i++)
    if (cni_result_add_route(to, &from->routes[i]) < 0)
      return -1;
  return cni_dns_empty(&to->dns) ? cni_dns_copy(&to->dns, &from->dns) : 0;
}

bool cni_dns_empty(const struct cni_dns *d) {
  return !d->nameservers.n && !d->search.n && !d->options.n && !(d->domain && *d->domain);
}

static void strv_clear(struct oci_strv *v) {
  for (size_t i = 0; v->v && i < v->n; i++)
    free(v->v[i]);
  free(v->v);
  *v = (struct oci_strv){0};
}

void cni_dns_free(struct cni_dns *d) {
  strv_clear(&d->nameservers);
  strv_clear(&d->search);
  strv_clear(&d->options);
  free(d->domain);
  *d = (struct cni_dns){0};
}

void cni_result_free(struct cni_result *r) {
  for (size_t i = 0; i < r->n_interfaces; i++) {
    struct cni_interface *f = &r->interfaces[i];
    free(f->name);
    free(f->mac);
    free(f->sandbox);
    free(f->socket_path);
    free(f->pci_id);
  }
  free(r->interfaces);
  free(r->ips);
  free(r->routes);
  cni_dns_free(&r->dns);
  *r = (struct cni_result){0};
}

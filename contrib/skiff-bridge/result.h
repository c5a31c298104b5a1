/* The CNI result (SPEC.md section 5): what ADD prints, what a delegated IPAM plugin answers, what
 * prevResult holds. Parsed from any supported version, written in the version of the request. */
#ifndef SKIFF_BRIDGE_RESULT_H
#define SKIFF_BRIDGE_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "oci/config.h"
#include "oci/json.h"

struct cni_interface {
  char *name, *mac, *sandbox, *socket_path, *pci_id;
  uint32_t mtu; /* 0: not given */
};

struct cni_ip {
  struct ip_net address;
  bool has_gateway;
  struct ip_addr gateway;
  int interface; /* index into interfaces; -1: not given */
};

enum { ROUTE_MTU = 1, ROUTE_ADVMSS = 2, ROUTE_PRIORITY = 4, ROUTE_TABLE = 8, ROUTE_SCOPE = 16 };

struct cni_route {
  struct ip_net dst;
  bool has_gw;
  struct ip_addr gw;
  unsigned set; /* ROUTE_* bits: which of the numbers below were given */
  uint32_t mtu, advmss, priority, table, scope;
};

struct cni_dns {
  struct oci_strv nameservers, search, options;
  char *domain;
};

struct cni_result {
  struct cni_interface *interfaces;
  size_t n_interfaces;
  struct cni_ip *ips;
  size_t n_ips;
  struct cni_route *routes;
  size_t n_routes;
  struct cni_dns dns;
};

/* Reads the result object at node (an ADD result, prevResult, an IPAM answer). */
int cni_result_parse(struct json_ctx *c, uint32_t node, struct cni_result *out);
/* Reads the routes array of node's member key (ipam.routes has the result's route type). */
int cni_routes_parse(struct json_ctx *c, uint32_t obj, const char *key, struct cni_route **out, size_t *n);
int cni_dns_parse(struct json_ctx *c, uint32_t obj, const char *key, struct cni_dns *out);

struct json_writer;
/* Writes the result as cni_version has it (0.3.x and 0.4.0: "version" in each ip, no route or
 * interface extras; 1.1.0: everything). */
void cni_result_write(struct json_writer *w, const struct cni_result *r, const char *cni_version);
/* The whole result document, indented as the reference plugins print it. NULL when out of memory. */
char *cni_result_to_json(const struct cni_result *r, const char *cni_version);

/* Appends a copy of an interface; returns its index, -1 when out of memory. */
int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac, const char *sandbox,
                             uint32_t mtu);
int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip);
int cni_result_add_route(struct cni_result *r, const struct cni_route *route);
int cni_dns_copy(struct cni_dns *to, const struct cni_dns *from);
/* Appends a deep copy of every entry of from to to, and from's DNS when to has none. */
int cni_result_copy(struct cni_result *to, const struct cni_result *from);
bool cni_dns_empty(const struct cni_dns *d);

void cni_dns_free(struct cni_dns *d);
void cni_result_free(struct cni_result *r);

/* The version strings this plugin speaks, oldest first, and whether v is one of them. */
extern const char *const cni_supported_versions[];
extern const size_t cni_n_supported_versions;
bool cni_version_supported(const char *v);
/* Compares two "X.Y.Z" versions. */
int cni_version_cmp(const char *a, const char *b);

#endif

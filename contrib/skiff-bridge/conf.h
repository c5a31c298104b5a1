/* skiff-bridge's configuration: one request's stdin (the plugin's options, its ipam section,
 * runtimeConfig, prevResult, GC's valid attachments), parsed and checked.
 *
 * bridge_conf_parse() is a pure function of its input: no file, no environment, no system call,
 * nothing but memory it returns; every rejection names the JSON path. It is what a fuzzer calls. */
#ifndef SKIFF_BRIDGE_CONF_H
#define SKIFF_BRIDGE_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip.h"
#include "result.h"

#define BRIDGE_DEFAULT_NAME "cni0"
#define IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

struct ipam_range {
  struct ip_net subnet; /* host bits cleared */
  struct ip_addr start, end, gateway; /* inside subnet, start <= end; defaults filled in */
};

struct ipam_range_set {
  struct ipam_range *ranges; /* one family, no two overlapping */
  size_t n;
};

struct ipam_conf {
  char *type;   /* "host-local": built in; anything else: a plugin found on CNI_PATH */
  bool builtin;
  /* the rest is parsed only when builtin (a delegated plugin reads its own section) */
  struct ipam_range_set *sets; /* runtimeConfig.ipRanges first, then subnet/rangeStart/..., then ranges */
  size_t n_sets;
  struct cni_route *routes;
  size_t n_routes;
  char *data_dir;    /* IPAM_DEFAULT_DATA_DIR when not given */
  char *resolv_conf; /* NULL when not given */
  struct ip_addr *requested; /* args.cni.ips, runtimeConfig.ips (and CNI_ARGS IP when neither) */
  size_t n_requested;
};

struct port_mapping {
  uint16_t host_port, container_port;
  uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
  bool has_host_ip;
  struct ip_addr host_ip;
};

struct attachment {
  char *container_id;
  char *ifname;
};

struct bridge_conf {
  char *cni_version;
  char *name;
  char *type;
  char bridge[IFNAMSIZ];
  bool is_gateway; /* also true when isDefaultGateway is */
  bool is_default_gateway, ip_masq, hairpin_mode, promisc_mode, force_address, enable_dad;
  bool preserve_default_vlan; /* true unless the config says false */
  uint32_t mtu;  /* 0: the kernel's default */
  uint16_t vlan; /* 0: none */
  bool has_ipam;
  struct ipam_conf ipam;
  struct cni_dns dns;
  struct port_mapping *port_mappings; /* runtimeConfig.portMappings */
  size_t n_port_mappings;
  bool has_mac;
  uint8_t mac[6]; /* runtimeConfig.mac or args.cni.mac (or CNI_ARGS MAC): the container side's */
  bool has_prev_result;
  struct cni_result prev_result;
  bool has_valid_attachments; /* GC's cni.dev/valid-attachments */
  struct attachment *valid_attachments;
  size_t n_valid_attachments;
};

/* Parses len bytes of JSON into *out (zeroed first; free it with bridge_conf_free() whatever the
 * outcome). On failure err->code is CNI_CODE() of: CNI_ERR_DECODE for text that is not JSON,
 * CNI_ERR_INCOMPATIBLE_VERSION for a cniVersion outside 0.3.0..1.1.0, CNI_ERR_UNSUPPORTED_FIELD for
 * an option skiff-bridge does not implement (its key and value in the message),
 * CNI_ERR_INVALID_CONFIG for anything else. */
int bridge_conf_parse(const char *json, size_t len, struct bridge_conf *out, struct skiff_error *err);

/* CNI_ARGS ("K=V;K=V"): IP and MAC where the config has no ips or mac of its own; other keys are
 * refused unless IgnoreUnknown is set (as Go's CommonArgs does). Pure as well. */
int bridge_conf_apply_cni_args(struct bridge_conf *conf, const char *cni_args, struct skiff_error *err);

void bridge_conf_free(struct bridge_conf *conf);

/* The ipam section alone (conf-ipam.c), for a parsed document: obj is the request's root object. */
int ipam_conf_parse(struct json_ctx *c, uint32_t root, struct ipam_conf *out);
void ipam_conf_free(struct ipam_conf *ipam);

/* "aa:bb:cc:dd:ee:ff" into 6 bytes. */
bool mac_parse(const char *s, uint8_t mac[6]);

#endif

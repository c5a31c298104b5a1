#include "conf.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni.h"
#include "json-util.h"
#include "oci/cleanup.h"
#include "oci/format.h"

bool mac_parse(const char *s, uint8_t mac[6]) {
  for (int i = 0; i < 6; i++) {
    unsigned v = 0;
    for (int d = 0; d < 2; d++, s++) {
      char ch = *s;
      int x = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
      if (x < 0)
        return false;
      v = v << 4 | (unsigned)x;
    }
    mac[i] = (uint8_t)v;
    if (*s != (i == 5 ? '\0' : ':'))
      return false;
    s += i < 5;
  }
  return true;
}

/* A value this plugin knows but does not implement: SPEC.md's code 2, naming key and value. */
static int fail_unsupported(struct json_ctx *c, uint32_t obj, const char *key) {
  struct json_writer w;
  json_writer_init(&w, NULL);
  json_write_node(&w, c, json_member(c, obj, key));
  cleanup_free char *value = json_writer_finish(&w);
  char shown[80];
  format_string(shown, sizeof shown, "%s", value ? value : "?");
  json_fail_key(c, key, "unsupported field: %s is not implemented by skiff-bridge", shown);
  c->err->code = CNI_CODE(CNI_ERR_UNSUPPORTED_FIELD);
  return -1;
}

static bool valid_network_name(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
    return false;
  size_t n = 0;
  for (; *s; s++, n++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.' || *s == '-'))
      return false;
  return n <= 200; /* a directory name under dataDir, with room for what host-local adds */
}

static int parse_version_and_name(struct json_ctx *c, uint32_t root, struct bridge_conf *out) {
  int r = json_get_string(c, root, "cniVersion", &out->cni_version, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (!cni_version_supported(out->cni_version)) {
    json_fail_key(c, "cniVersion", "incompatible CNI version %s: skiff-bridge supports 0.3.0, 0.3.1, 0.4.0, "
                  "1.0.0 and 1.1.0", out->cni_version ? JSON_Q(out->cni_version) : "(none, so 0.1.0)");
    c->err->code = CNI_CODE(CNI_ERR_INCOMPATIBLE_VERSION);
    return -1;
  }
  if (json_get_string(c, root, "name", &out->name, JSON_REQUIRED) < 0 ||
      json_get_string(c, root, "type", &out->type, JSON_OPTIONAL) < 0)
    return -1;
  if (!valid_network_name(out->name))
    return json_fail_key(c, "name", "%s is not a network name (a letter or digit, then letters, digits, "
                         "'_', '.' or '-')", JSON_Q(out->name));
  return 0;
}

static int parse_bridge_options(struct json_ctx *c, uint32_t root, struct bridge_conf *out) {
  cleanup_free char *bridge = NULL, *backend = NULL;
  int64_t vlan = 0;
  bool macspoofchk = false;
  out->preserve_default_vlan = true;
  if (json_get_string(c, root, "bridge", &bridge, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "isGateway", &out->is_gateway, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "isDefaultGateway", &out->is_default_gateway, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "forceAddress", &out->force_address, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "ipMasq", &out->ip_masq, JSON_OPTIONAL) < 0 ||
      json_get_u32(c, root, "mtu", &out->mtu, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "hairpinMode", &out->hairpin_mode, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "promiscMode", &out->promisc_mode, JSON_OPTIONAL) < 0 ||
      json_get_i64(c, root, "vlan", &vlan, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "preserveDefaultVlan", &out->preserve_default_vlan, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "enabledad", &out->enable_dad, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, root, "macspoofchk", &macspoofchk, JSON_OPTIONAL) < 0 ||
      json_get_string(c, root, "ipMasqBackend", &backend, JSON_OPTIONAL) < 0)
    return -1;
  if (bridge && strlen(bridge) >= IFNAMSIZ)
    return json_fail_key(c, "bridge", "bridge name %s too long: at most %d bytes", JSON_Q(bridge), IFNAMSIZ - 1);
  if (bridge && !cni_valid_ifname(bridge))
    return json_fail_key(c, "bridge", "%s is not an interface name", JSON_Q(bridge));
  strcpy(out->bridge, bridge ? bridge : BRIDGE_DEFAULT_NAME);
  if (out->mtu && (out->mtu < 68 || out->mtu > 65535))
    return json_fail_key(c, "mtu", "%u is out of range (68 to 65535)", out->mtu);
  if (vlan < 0 || vlan > 4094)
    return json_fail_key(c, "vlan", "invalid VLAN ID %lld (must be between 0 and 4094)", (long long)vlan);
  out->vlan = (uint16_t)vlan;
  if (out->is_default_gateway)
    out->is_gateway = true;
  if (out->hairpin_mode && out->promisc_mode)
    return json_fail(c, "cannot set hairpin mode and promiscuous mode at the same time");
  if (json_member(c, root, "vlanTrunk"))
    return fail_unsupported(c, root, "vlanTrunk");
  if (macspoofchk)
    return fail_unsupported(c, root, "macspoofchk");
  if (backend && strcmp(backend, "nftables"))
    return fail_unsupported(c, root, "ipMasqBackend");
  return 0;
}

static int parse_port_mapping(struct json_ctx *c, uint32_t node, void *item) {
  struct port_mapping *pm = item;
  cleanup_free char *protocol = NULL, *host_ip = NULL;
  if (json_get_u16(c, node, "hostPort", &pm->host_port, JSON_REQUIRED) < 0 ||
      json_get_u16(c, node, "containerPort", &pm->container_port, JSON_REQUIRED) < 0 ||
      json_get_string(c, node, "protocol", &protocol, JSON_OPTIONAL) < 0 ||
      json_get_string(c, node, "hostIP", &host_ip, JSON_OPTIONAL) < 0)
    return -1;
  if (!pm->host_port)
    return json_fail_key(c, "hostPort", "must be 1 to 65535");
  if (!pm->container_port)
    return json_fail_key(c, "containerPort", "must be 1 to 65535");
  if (!protocol || !*protocol || !strcasecmp(protocol, "tcp"))
    pm->protocol = IPPROTO_TCP;
  else if (!strcasecmp(protocol, "udp"))
    pm->protocol = IPPROTO_UDP;
  else if (!strcasecmp(protocol, "sctp"))
    pm->protocol = IPPROTO_SCTP;
  else
    return json_fail_key(c, "protocol", "unknown protocol %s (tcp, udp or sctp)", JSON_Q(protocol));
  if (host_ip && *host_ip) {
    if (!ip_parse(host_ip, &pm->host_ip))
      return json_fail_key(c, "hostIP", "invalid IP address %s", JSON_Q(host_ip));
    static const uint8_t zero[16];
    pm->has_host_ip = memcmp(pm->host_ip.b, zero, sizeof zero) != 0; /* 0.0.0.0 and :: mean any */
  }
  return 0;
}

/* mac at member key of obj (runtimeConfig, args.cni), overriding what came before. */
static int parse_mac(struct json_ctx *c, uint32_t obj, struct bridge_conf *out) {
  cleanup_free char *mac = NULL;
  if (json_get_string(c, obj, "mac", &mac, JSON_OPTIONAL) < 0)
    return -1;
  if (mac && *mac) {
    if (!mac_parse(mac, out->mac))
      return json_fail_key(c, "mac", "invalid MAC address %s", JSON_Q(mac));
    out->has_mac = true;
  }
  return 0;
}

static int parse_runtime(struct json_ctx *c, uint32_t root, struct bridge_conf *out) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, root, "args", &node, &mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (r > 0) {
    uint32_t cni;
    size_t m;
    r = json_enter_object(c, node, "cni", &cni, &m, JSON_OPTIONAL);
    if (r < 0 || (r > 0 && parse_mac(c, cni, out) < 0))
      return -1;
    json_path_pop(c, mark);
  }
  r = json_enter_object(c, root, "runtimeConfig", &node, &mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (r > 0) {
    if (parse_mac(c, node, out) < 0 ||
        json_get_object_array(c, node, "portMappings", sizeof *out->port_mappings, &out->port_mappings,
                              &out->n_port_mappings, parse_port_mapping, JSON_OPTIONAL) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  return 0;
}

static int parse_attachment(struct json_ctx *c, uint32_t node, void *item) {
  struct attachment *a = item;
  if (json_get_string(c, node, "containerID", &a->container_id, JSON_REQUIRED) < 0 ||
      json_get_string(c, node, "ifname", &a->ifname, JSON_REQUIRED) < 0)
    return -1;
  return 0;
}

static int parse_protocol_fields(struct json_ctx *c, uint32_t root, struct bridge_conf *out) {
  uint32_t prev = json_member(c, root, "prevResult");
  if (prev) {
    size_t mark = json_path_key(c, "prevResult");
    if (cni_result_parse(c, prev, &out->prev_result) < 0)
      return -1;
    json_path_pop(c, mark);
    out->has_prev_result = true;
  }
  int r = json_get_object_array(c, root, "cni.dev/valid-attachments", sizeof *out->valid_attachments,
                                &out->valid_attachments, &out->n_valid_attachments, parse_attachment,
                                JSON_OPTIONAL);
  if (r < 0)
    return -1;
  out->has_valid_attachments = r > 0;
  return 0;
}

int bridge_conf_parse(const char *json, size_t len, struct bridge_conf *out, struct skiff_error *err) {
  *out = (struct bridge_conf){0};
  struct json_doc doc;
  if (json_doc_parse(&doc, json, len, "network config", err) < 0) {
    err->code = CNI_CODE(CNI_ERR_DECODE);
    return -1;
  }
  struct json_ctx c;
  json_ctx_init(&c, &doc, "network config", err);
  int ret = -1, ipam = -1;
  if (json_node(&c, 0)->type != JSON_OBJECT) {
    json_fail_type(&c, 0, "an object");
    err->code = CNI_CODE(CNI_ERR_DECODE);
  } else if (parse_version_and_name(&c, 0, out) == 0 && parse_bridge_options(&c, 0, out) == 0 &&
             (ipam = ipam_conf_parse(&c, 0, &out->ipam)) >= 0 && cni_dns_parse(&c, 0, "dns", &out->dns) >= 0 &&
             parse_runtime(&c, 0, out) == 0 && parse_protocol_fields(&c, 0, out) == 0) {
    ret = 0;
  }
  out->has_ipam = ipam > 0;
  if (ret < 0 && err->code >= 0)
    err->code = CNI_CODE(CNI_ERR_INVALID_CONFIG);
  json_doc_free(&doc);
  return ret;
}

/* One "KEY=VALUE" of CNI_ARGS (len bytes at s). */
static int apply_cni_arg(struct bridge_conf *conf, const char *s, size_t len, bool ignore_unknown,
                         struct skiff_error *err) {
  char pair[256];
  if (len >= sizeof pair)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: pair too long");
  memcpy(pair, s, len);
  pair[len] = '\0';
  char *eq = strchr(pair, '=');
  if (!eq || strchr(eq + 1, '='))
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: invalid pair \"%s\"", pair);
  *eq = '\0';
  const char *value = eq + 1;
  if (!strcmp(pair, "IgnoreUnknown"))
    return 0;
  if (!strcmp(pair, "IP")) {
    struct ip_addr a;
    struct ip_net n;
    if (ip_net_parse(value, &n))
      a = n.ip;
    else if (!ip_parse(value, &a))
      return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: IP: invalid IP address \"%s\"", value);
    if (conf->ipam.n_requested || !conf->ipam.builtin) /* args and runtimeConfig win (CONVENTIONS.md) */
      return 0;
    if (!(conf->ipam.requested = malloc(sizeof *conf->ipam.requested)))
      return cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
    conf->ipam.requested[0] = a;
    conf->ipam.n_requested = 1;
    return 0;
  }
  if (!strcmp(pair, "MAC")) {
    uint8_t mac[6];
    if (!mac_parse(value, mac))
      return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: MAC: invalid MAC address \"%s\"", value);
    if (!conf->has_mac)
      memcpy(conf->mac, mac, sizeof mac);
    conf->has_mac = true;
    return 0;
  }
  if (!ignore_unknown)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: unknown args [\"%s\"]", pair);
  return 0;
}

static bool cni_args_ignore_unknown(const char *args) {
  for (const char *s = args; *s;) {
    size_t n = strcspn(s, ";");
    if (n > 14 && !strncmp(s, "IgnoreUnknown=", 14)) {
      const char *v = s + 14;
      size_t vn = n - 14;
      return (vn == 1 && *v == '1') || (vn == 4 && !strncasecmp(v, "true", 4));
    }
    s += n + (s[n] == ';');
  }
  return false;
}

int bridge_conf_apply_cni_args(struct bridge_conf *conf, const char *cni_args, struct skiff_error *err) {
  if (!cni_args || !*cni_args)
    return 0;
  bool ignore_unknown = cni_args_ignore_unknown(cni_args);
  for (const char *s = cni_args; *s;) {
    size_t n = strcspn(s, ";");
    if (n && apply_cni_arg(conf, s, n, ignore_unknown, err) < 0)
      return -1;
    s += n + (s[n] == ';');
  }
  return 0;
}

void bridge_conf_free(struct bridge_conf *conf) {
  free(conf->cni_version);
  free(conf->name);
  free(conf->type);
  ipam_conf_free(&conf->ipam);
  cni_dns_free(&conf->dns);
  free(conf->port_mappings);
  cni_result_free(&conf->prev_result);
  for (size_t i = 0; i < conf->n_valid_attachments; i++) {
    free(conf->valid_attachments[i].container_id);
    free(conf->valid_attachments[i].ifname);
  }
  free(conf->valid_attachments);
  *conf = (struct bridge_conf){0};
}

/* The ipam section, read as host-local reads it: "subnet"/"rangeStart"/"rangeEnd"/"gateway" (one
 * range), "ranges" (sets of ranges, one address from each set), runtimeConfig.ipRanges, "routes",
 * "dataDir", "resolvConf"; each range canonicalised with host-local's defaults and checks. */
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "conf.h"
#include "json-util.h"

/* host-local's defaults: gateway and start at .1 (the iterator skips the gateway), the end at the
 * last address but the IPv4 broadcast. */
static int canonicalize_range(struct json_ctx *c, struct ipam_range *r, bool has_start, bool has_end,
                              bool has_gateway) {
  r->subnet = ip_net_network(&r->subnet);
  unsigned bits = (unsigned)ip_len(&r->subnet.ip) * 8;
  if (r->subnet.prefix > bits - 2)
    return json_fail_key(c, "subnet", "network %s too small to allocate from", IP_NET_STR(&r->subnet));
  struct ip_addr first = r->subnet.ip;
  ip_next(&first);
  if (!has_gateway)
    r->gateway = first;
  else if (!ip_net_contains(&r->subnet, &r->gateway))
    return json_fail_key(c, "gateway", "%s is not in network %s", IP_STR(&r->gateway), IP_NET_STR(&r->subnet));
  if (!has_start)
    r->start = first;
  else if (!ip_net_contains(&r->subnet, &r->start))
    return json_fail_key(c, "rangeStart", "%s is not in network %s", IP_STR(&r->start), IP_NET_STR(&r->subnet));
  if (!has_end) {
    r->end = ip_net_last(&r->subnet);
    if (r->end.family == AF_INET)
      ip_prev(&r->end);
  } else if (!ip_net_contains(&r->subnet, &r->end)) {
    return json_fail_key(c, "rangeEnd", "%s is not in network %s", IP_STR(&r->end), IP_NET_STR(&r->subnet));
  }
  if (ip_cmp(&r->start, &r->end) > 0)
    return json_fail_key(c, "rangeEnd", "%s is before rangeStart %s", IP_STR(&r->end), IP_STR(&r->start));
  return 0;
}

/* One range object: obj holds "subnet" (required), "rangeStart", "rangeEnd", "gateway". */
static int parse_range(struct json_ctx *c, uint32_t obj, void *item) {
  struct ipam_range *r = item;
  int start, end, gateway;
  if (json_get_ip_net(c, obj, "subnet", &r->subnet, JSON_REQUIRED) < 0 ||
      (start = json_get_ip(c, obj, "rangeStart", &r->start, JSON_OPTIONAL)) < 0 ||
      (end = json_get_ip(c, obj, "rangeEnd", &r->end, JSON_OPTIONAL)) < 0 ||
      (gateway = json_get_ip(c, obj, "gateway", &r->gateway, JSON_OPTIONAL)) < 0)
    return -1;
  return canonicalize_range(c, r, start > 0, end > 0, gateway > 0);
}

static int parse_range_set(struct json_ctx *c, uint32_t node, struct ipam_range_set *set) {
  if (json_expect_array(c, node, "an array of ranges") < 0)
    return -1;
  size_t n = json_count(c, node);
  if (n == 0)
    return json_fail(c, "empty range set");
  set->ranges = calloc(n, sizeof *set->ranges);
  if (!set->ranges)
    return json_oom(c);
  set->n = n;
  size_t i = 0;
  for (uint32_t e = json_first(c, node); e; e = json_next(c, e), i++) {
    size_t mark = json_path_index(c, i);
    if (json_expect_object(c, e) < 0 || parse_range(c, e, &set->ranges[i]) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  for (i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++) {
      const struct ipam_range *a = &set->ranges[j], *b = &set->ranges[i];
      if (a->subnet.ip.family != b->subnet.ip.family)
        return json_fail(c, "mixed address families");
      if (ip_net_overlaps(&a->subnet, &b->subnet))
        return json_fail(c, "subnets %s and %s overlap", IP_NET_STR(&a->subnet), IP_NET_STR(&b->subnet));
    }
  return 0;
}

static bool set_overlaps(const struct ipam_range_set *a, const struct ipam_range_set *b) {
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < b->n; j++)
      if (ip_net_overlaps(&a->ranges[i].subnet, &b->ranges[j].subnet))
        return true;
  return false;
}

static struct ipam_range_set *add_set(struct json_ctx *c, struct ipam_conf *ipam) {
  struct ipam_range_set *sets = realloc(ipam->sets, (ipam->n_sets + 1) * sizeof *sets);
  if (!sets) {
    json_oom(c);
    return NULL;
  }
  ipam->sets = sets;
  sets[ipam->n_sets] = (struct ipam_range_set){0};
  return &sets[ipam->n_sets++];
}

/* An array of range sets (ranges, runtimeConfig.ipRanges) at member key of obj, appended. */
static int parse_sets(struct json_ctx *c, uint32_t obj, const char *key, struct ipam_conf *ipam) {
  uint32_t arr;
  size_t mark;
  int r = json_enter_array(c, obj, key, "an array of range sets", &arr, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  size_t i = 0;
  for (uint32_t e = json_first(c, arr); e; e = json_next(c, e), i++) {
    size_t item = json_path_index(c, i);
    struct ipam_range_set *set = add_set(c, ipam);
    if (!set || parse_range_set(c, e, set) < 0)
      return -1;
    json_path_pop(c, item);
  }
  json_path_pop(c, mark);
  return 0;
}

/* "ip" or "ip/prefix" (the prefix is not used): host-local's requested addresses. */
static int parse_requested(struct json_ctx *c, uint32_t obj, const char *key, struct ipam_conf *ipam) {
  uint32_t arr;
  size_t mark;
  int r = json_enter_array(c, obj, key, "an array of addresses", &arr, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  size_t i = 0;
  for (uint32_t e = json_first(c, arr); e; e = json_next(c, e), i++) {
    size_t item = json_path_index(c, i);
    if (json_node(c, e)->type != JSON_STRING)
      return json_fail_type(c, e, "an address string");
    struct ip_addr a;
    struct ip_net n;
    const char *s = json_text(c, e);
    if (ip_net_parse(s, &n))
      a = n.ip;
    else if (!ip_parse(s, &a))
      return json_fail(c, "invalid IP address %s", JSON_Q(s));
    struct ip_addr *v = realloc(ipam->requested, (ipam->n_requested + 1) * sizeof *v);
    if (!v)
      return json_oom(c);
    ipam->requested = v;
    v[ipam->n_requested++] = a;
    json_path_pop(c, item);
  }
  json_path_pop(c, mark);
  return 0;
}

static int parse_host_local(struct json_ctx *c, uint32_t root, uint32_t ipam_node, struct ipam_conf *ipam) {
  uint32_t rc = json_member(c, root, "runtimeConfig"), args = json_member(c, root, "args"), cni = 0;
  if (args && json_node(c, args)->type == JSON_OBJECT)
    cni = json_member(c, args, "cni");
  if (rc && json_node(c, rc)->type == JSON_OBJECT) {
    size_t mark = json_path_key(c, "runtimeConfig");
    if (parse_sets(c, rc, "ipRanges", ipam) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  size_t mark = json_path_key(c, "ipam");
  if (json_member(c, ipam_node, "subnet")) {
    struct ipam_range_set *set = add_set(c, ipam);
    if (!set || !(set->ranges = calloc(1, sizeof *set->ranges)))
      return json_oom(c);
    set->n = 1;
    if (parse_range(c, ipam_node, set->ranges) < 0)
      return -1;
  }
  if (parse_sets(c, ipam_node, "ranges", ipam) < 0 ||
      cni_routes_parse(c, ipam_node, "routes", &ipam->routes, &ipam->n_routes) < 0 ||
      json_get_string(c, ipam_node, "dataDir", &ipam->data_dir, JSON_OPTIONAL) < 0 ||
      json_get_string(c, ipam_node, "resolvConf", &ipam->resolv_conf, JSON_OPTIONAL) < 0)
    return -1;
  if (ipam->n_sets == 0)
    return json_fail(c, "no IP ranges specified");
  for (size_t i = 0; i < ipam->n_sets; i++)
    for (size_t j = 0; j < i; j++)
      if (set_overlaps(&ipam->sets[j], &ipam->sets[i]))
        return json_fail(c, "range set %zu overlaps with %zu", j, i);
  if (ipam->data_dir && !ipam->data_dir[0]) { /* as host-local: the default */
    free(ipam->data_dir);
    ipam->data_dir = NULL;
  }
  json_path_pop(c, mark);
  if (!ipam->data_dir && !(ipam->data_dir = strdup(IPAM_DEFAULT_DATA_DIR)))
    return json_oom(c);
  if (cni && json_node(c, cni)->type == JSON_OBJECT) {
    size_t a = json_path_key(c, "args");
    json_path_key(c, "cni");
    if (parse_requested(c, cni, "ips", ipam) < 0)
      return -1;
    json_path_pop(c, a);
  }
  if (rc && json_node(c, rc)->type == JSON_OBJECT) {
    size_t m = json_path_key(c, "runtimeConfig");
    if (parse_requested(c, rc, "ips", ipam) < 0)
      return -1;
    json_path_pop(c, m);
  }
  return 0;
}

int ipam_conf_parse(struct json_ctx *c, uint32_t root, struct ipam_conf *out) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, root, "ipam", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (json_get_string(c, node, "type", &out->type, JSON_REQUIRED) < 0)
    return -1;
  if (!out->type[0] || strchr(out->type, '/') || !strcmp(out->type, ".") || !strcmp(out->type, ".."))
    return json_fail_key(c, "type", "%s cannot name a plugin", JSON_Q(out->type));
  json_path_pop(c, mark);
  out->builtin = !strcmp(out->type, "host-local");
  if (out->builtin && parse_host_local(c, root, node, out) < 0)
    return -1;
  return 1;
}

void ipam_conf_free(struct ipam_conf *ipam) {
  for (size_t i = 0; i < ipam->n_sets; i++)
    free(ipam->sets[i].ranges);
  free(ipam->sets);
  free(ipam->routes);
  free(ipam->type);
  free(ipam->data_dir);
  free(ipam->resolv_conf);
  free(ipam->requested);
  *ipam = (struct ipam_conf){0};
}

/* linux.resources: the cgroup limits. */
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"
#include "oci/str.h"

static const struct oci_name cgroup_device_types[] = {{"a", 'a'}, {"b", 'b'}, {"c", 'c'}, {NULL, 0}};

static int parse_device_rule(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_device_cgroup *d = item;
  int r;
  if (json_get_bool(c, obj, "allow", &d->allow, JSON_REQUIRED) < 0 ||
      json_get_string(c, obj, "type", &d->type, JSON_OPTIONAL) < 0 ||
      (d->type && oci_check_name(c, "type", d->type, cgroup_device_types, "device type") < 0))
    return -1;
  if ((r = json_get_i64(c, obj, "major", &d->major, JSON_OPTIONAL)) < 0)
    return -1;
  d->has_major = r > 0;
  if ((r = json_get_i64(c, obj, "minor", &d->minor, JSON_OPTIONAL)) < 0)
    return -1;
  d->has_minor = r > 0;
  if (json_get_string(c, obj, "access", &d->access, JSON_OPTIONAL) < 0)
    return -1;
  if (d->access && d->access[str_span(d->access, "rwm")] != '\0')
    return json_fail_key(c, "access", "expected a combination of \"r\", \"w\" and \"m\", got %s",
                         JSON_Q(d->access));
  return 0;
}

/* The memory limits are int64 where -1 means unlimited. */
static int parse_memory(struct json_ctx *c, uint32_t obj, struct oci_memory *m) {
  static const struct {
    const char *key;
    size_t value, has;
  } limits[] = {
      {"limit", offsetof(struct oci_memory, limit), offsetof(struct oci_memory, has_limit)},
      {"reservation", offsetof(struct oci_memory, reservation), offsetof(struct oci_memory, has_reservation)},
      {"swap", offsetof(struct oci_memory, swap), offsetof(struct oci_memory, has_swap)},
      {"kernel", offsetof(struct oci_memory, kernel), offsetof(struct oci_memory, has_kernel)},
      {"kernelTCP", offsetof(struct oci_memory, kernel_tcp), offsetof(struct oci_memory, has_kernel_tcp)},
  };
  int r;
  for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
    if ((r = json_get_i64(c, obj, limits[i].key, (int64_t *)((char *)m + limits[i].value), JSON_OPTIONAL)) <
        0)
      return -1;
    *(bool *)((char *)m + limits[i].has) = r > 0;
  }
  if ((r = json_get_u64(c, obj, "swappiness", &m->swappiness, JSON_OPTIONAL)) < 0)
    return -1;
  m->has_swappiness = r > 0;
  if (m->swappiness > 100)
    return json_fail_key(c, "swappiness", "must be between 0 and 100, got %llu",
                         (unsigned long long)m->swappiness);
  if ((r = json_get_bool(c, obj, "disableOOMKiller", &m->disable_oom_killer, JSON_OPTIONAL)) < 0)
    return -1;
  m->has_disable_oom_killer = r > 0;
  if ((r = json_get_bool(c, obj, "useHierarchy", &m->use_hierarchy, JSON_OPTIONAL)) < 0)
    return -1;
  m->has_use_hierarchy = r > 0;
  if ((r = json_get_bool(c, obj, "checkBeforeUpdate", &m->check_before_update, JSON_OPTIONAL)) < 0)
    return -1;
  m->has_check_before_update = r > 0;
  return 0;
}

static int parse_cpu(struct json_ctx *c, uint32_t obj, struct oci_cpu *cpu) {
  int r;
#define U64(key, field)                                                                                      \
  if ((r = json_get_u64(c, obj, key, &cpu->field, JSON_OPTIONAL)) < 0)                                       \
    return -1;                                                                                               \
  cpu->has_##field = r > 0
#define I64(key, field)                                                                                      \
  if ((r = json_get_i64(c, obj, key, &cpu->field, JSON_OPTIONAL)) < 0)                                       \
    return -1;                                                                                               \
  cpu->has_##field = r > 0
  U64("shares", shares);
  I64("quota", quota);
  U64("burst", burst);
  U64("period", period);
  I64("realtimeRuntime", realtime_runtime);
  U64("realtimePeriod", realtime_period);
  I64("idle", idle);
#undef U64
#undef I64
  if (json_get_string(c, obj, "cpus", &cpu->cpus, JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "mems", &cpu->mems, JSON_OPTIONAL) < 0)
    return -1;
  return 0;
}

static int parse_weight_device(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_weight_device *w = item;
  int r;
  if (json_get_i64(c, obj, "major", &w->major, JSON_REQUIRED) < 0 ||
      json_get_i64(c, obj, "minor", &w->minor, JSON_REQUIRED) < 0)
    return -1;
  if ((r = json_get_u16(c, obj, "weight", &w->weight, JSON_OPTIONAL)) < 0)
    return -1;
  w->has_weight = r > 0;
  if ((r = json_get_u16(c, obj, "leafWeight", &w->leaf_weight, JSON_OPTIONAL)) < 0)
    return -1;
  w->has_leaf_weight = r > 0;
  if (!w->has_weight && !w->has_leaf_weight)
    return json_fail(c, "needs weight or leafWeight");
  return 0;
}

static int parse_throttle_device(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_throttle_device *t = item;
  if (json_get_i64(c, obj, "major", &t->major, JSON_REQUIRED) < 0 ||
      json_get_i64(c, obj, "minor", &t->minor, JSON_REQUIRED) < 0 ||
      json_get_u64(c, obj, "rate", &t->rate, JSON_REQUIRED) < 0)
    return -1;
  return 0;
}

static int parse_throttle_list(struct json_ctx *c, uint32_t obj, const char *key,
                               struct oci_throttle_list *list) {
  return json_get_object_array(c, obj, key, sizeof *list->v, &list->v, &list->n, parse_throttle_device,
                               JSON_OPTIONAL);
}

static int parse_block_io(struct json_ctx *c, uint32_t obj, struct oci_block_io *b) {
  int r;
  if ((r = json_get_u16(c, obj, "weight", &b->weight, JSON_OPTIONAL)) < 0)
    return -1;
  b->has_weight = r > 0;
  if ((r = json_get_u16(c, obj, "leafWeight", &b->leaf_weight, JSON_OPTIONAL)) < 0)
    return -1;
  b->has_leaf_weight = r > 0;
  if (json_get_object_array(c, obj, "weightDevice", sizeof *b->weight_device, &b->weight_device,
                            &b->n_weight_device, parse_weight_device, JSON_OPTIONAL) < 0 ||
      parse_throttle_list(c, obj, "throttleReadBpsDevice", &b->throttle_read_bps) < 0 ||
      parse_throttle_list(c, obj, "throttleWriteBpsDevice", &b->throttle_write_bps) < 0 ||
      parse_throttle_list(c, obj, "throttleReadIOPSDevice", &b->throttle_read_iops) < 0 ||
      parse_throttle_list(c, obj, "throttleWriteIOPSDevice", &b->throttle_write_iops) < 0)
    return -1;
  return 0;
}

/* "<digits>KB|MB|GB" with no leading zero, as the hugetlb controller names its files. */
static bool valid_page_size(const char *s) {
  if (*s < '1' || *s > '9')
    return false;
  s += str_span(s, "0123456789");
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int parse_hugepage_limit(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_hugepage_limit *h = item;
  if (json_get_string(c, obj, "pageSize", &h->page_size, JSON_REQUIRED) < 0)
    return -1;
  if (!valid_page_size(h->page_size))
    return json_fail_key(c, "pageSize", "expected a size like \"2MB\", got %s", JSON_Q(h->page_size));
  return json_get_u64(c, obj, "limit", &h->limit, JSON_REQUIRED) < 0 ? -1 : 0;
}

static int parse_net_priority(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_net_priority *p = item;
  if (json_get_string(c, obj, "name", &p->name, JSON_REQUIRED) < 0 ||
      json_get_u32(c, obj, "priority", &p->priority, JSON_REQUIRED) < 0)
    return -1;
  return 0;
}

static int parse_network(struct json_ctx *c, uint32_t obj, struct oci_resources *res) {
  int r = json_get_u32(c, obj, "classID", &res->class_id, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  res->has_class_id = r > 0;
  return json_get_object_array(c, obj, "priorities", sizeof *res->net_priorities, &res->net_priorities,
                               &res->n_net_priorities, parse_net_priority, JSON_OPTIONAL) < 0
             ? -1
             : 0;
}

static int parse_rdma(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_rdma *rdma = item;
  int r;
  rdma->device = strdup(json_key(c, obj));
  if (!rdma->device)
    return json_oom(c);
  if ((r = json_get_u32(c, obj, "hcaHandles", &rdma->hca_handles, JSON_OPTIONAL)) < 0)
    return -1;
  rdma->has_hca_handles = r > 0;
  if ((r = json_get_u32(c, obj, "hcaObjects", &rdma->hca_objects, JSON_OPTIONAL)) < 0)
    return -1;
  rdma->has_hca_objects = r > 0;
  if (!rdma->has_hca_handles && !rdma->has_hca_objects)
    return json_fail(c, "needs hcaHandles or hcaObjects");
  return 0;
}

/* The controllers held in sub-objects: find, type-check, parse, restore the path. */
#define WITH_OBJECT(key, has, body)                                                                          \
  do {                                                                                                       \
    uint32_t node;                                                                                           \
    size_t mark;                                                                                             \
    int found = json_enter_object(c, obj, key, &node, &mark, JSON_OPTIONAL);                                 \
    if (found < 0)                                                                                           \
      return -1;                                                                                             \
    if (found > 0) {                                                                                         \
      has = true;                                                                                            \
      if ((body) < 0)                                                                                        \
        return -1;                                                                                           \
      json_path_pop(c, mark);                                                                                \
    }                                                                                                        \
  } while (0)

int oci_parse_resources(struct json_ctx *c, uint32_t obj, struct oci_resources *res) {
  if (json_get_object_array(c, obj, "devices", sizeof *res->devices, &res->devices, &res->n_devices,
                            parse_device_rule, JSON_OPTIONAL) < 0)
    return -1;
  WITH_OBJECT("memory", res->has_memory, parse_memory(c, node, &res->memory));
  WITH_OBJECT("cpu", res->has_cpu, parse_cpu(c, node, &res->cpu));
  WITH_OBJECT("pids", res->has_pids, json_get_i64(c, node, "limit", &res->pids_limit, JSON_REQUIRED));
  WITH_OBJECT("blockIO", res->has_block_io, parse_block_io(c, node, &res->block_io));
  if (json_get_object_array(c, obj, "hugepageLimits", sizeof *res->hugepage_limits, &res->hugepage_limits,
                            &res->n_hugepage_limits, parse_hugepage_limit, JSON_OPTIONAL) < 0)
    return -1;
  WITH_OBJECT("network", res->has_network, parse_network(c, node, res));
  if (json_get_object_map(c, obj, "rdma", sizeof *res->rdma, &res->rdma, &res->n_rdma, parse_rdma) < 0 ||
      json_get_kv(c, obj, "unified", &res->unified, &res->n_unified) < 0)
    return -1;
  return 0;
}

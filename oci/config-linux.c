/* linux: namespaces, id mappings, devices, paths, and the smaller Linux objects. */
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"
#include "oci/str.h"

/* Reads a required string member that must be one of table's names without keeping a copy. */
static int name_member(struct json_ctx *c, uint32_t obj, const char *key, const struct oci_name *table,
                       const char *what) {
  uint32_t node = json_member(c, obj, key);
  if (!node)
    return json_fail_key(c, key, "required");
  size_t mark = json_path_key(c, key);
  if (json_node(c, node)->type != JSON_STRING)
    return json_fail_type(c, node, "a string");
  int v = oci_check_name(c, NULL, json_text(c, node), table, what);
  json_path_pop(c, mark);
  return v;
}

static int parse_namespace(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_namespace *ns = item;
  int type = name_member(c, obj, "type", oci_namespace_names, "namespace");
  if (type < 0)
    return -1;
  ns->type = (enum oci_ns_type)type;
  int r = json_get_string(c, obj, "path", &ns->path, JSON_OPTIONAL);
  if (r < 0 || (r > 0 && json_check_absolute(c, "path", ns->path) < 0))
    return -1;
  return 0;
}

static int parse_namespaces(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  if (json_get_object_array(c, obj, "namespaces", sizeof *l->namespaces, &l->namespaces, &l->n_namespaces,
                            parse_namespace, JSON_OPTIONAL) < 0)
    return -1;
  for (size_t i = 1; i < l->n_namespaces; i++) {
    for (size_t j = 0; j < i; j++) {
      if (l->namespaces[i].type != l->namespaces[j].type)
        continue;
      json_path_key(c, "namespaces");
      json_path_index(c, i);
      return json_fail_key(c, "type", "duplicate namespace \"%s\"", oci_ns_type_name(l->namespaces[i].type));
    }
  }
  return 0;
}

static const struct oci_name device_types[] = {{"c", 'c'}, {"b", 'b'}, {"u", 'u'}, {"p", 'p'}, {NULL, 0}};

static int parse_device(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_device *d = item;
  int r;
  if (json_get_string(c, obj, "type", &d->type, JSON_REQUIRED) < 0 ||
      oci_check_name(c, "type", d->type, device_types, "device type") < 0 ||
      json_get_string(c, obj, "path", &d->path, JSON_REQUIRED) < 0 ||
      json_check_absolute(c, "path", d->path) < 0)
    return -1;
  int numbers = strcmp(d->type, "p") == 0 ? JSON_OPTIONAL : JSON_REQUIRED;
  if (json_get_i64(c, obj, "major", &d->major, numbers) < 0 ||
      json_get_i64(c, obj, "minor", &d->minor, numbers) < 0)
    return -1;
  if ((r = json_get_u32(c, obj, "fileMode", &d->file_mode, JSON_OPTIONAL)) < 0)
    return -1;
  d->has_file_mode = r > 0;
  if ((r = json_get_u32(c, obj, "uid", &d->uid, JSON_OPTIONAL)) < 0)
    return -1;
  d->has_uid = r > 0;
  if ((r = json_get_u32(c, obj, "gid", &d->gid, JSON_OPTIONAL)) < 0)
    return -1;
  d->has_gid = r > 0;
  return 0;
}

static int parse_paths(struct json_ctx *c, uint32_t obj, const char *key, struct oci_strv *paths, bool *has) {
  int r = json_get_strv(c, obj, key, paths, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  *has = r > 0;
  for (size_t i = 0; i < paths->n; i++) {
    if (paths->v[i][0] == '/')
      continue;
    json_path_key(c, key);
    json_path_index(c, i);
    return json_check_absolute(c, NULL, paths->v[i]);
  }
  return 0;
}

static bool valid_schema_line(const char *s) {
  return strchr(s, '\n') == NULL;
}

static int parse_intel_rdt(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "intelRdt", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_intel_rdt *rdt = &l->intel_rdt;
  if (json_get_string(c, node, "closID", &rdt->clos_id, JSON_OPTIONAL) < 0)
    return -1;
  /* closID names a directory under /sys/fs/resctrl: "/" is the root group, anything else
   * must stay one level below it. */
  if (rdt->clos_id && strcmp(rdt->clos_id, "/") != 0 &&
      (!*rdt->clos_id || strchr(rdt->clos_id, '/') || strcmp(rdt->clos_id, ".") == 0 ||
       strcmp(rdt->clos_id, "..") == 0 || !valid_schema_line(rdt->clos_id)))
    return json_fail_key(c, "closID", "invalid CLOS name %s", JSON_Q(rdt->clos_id));
  if (json_get_string(c, node, "l3CacheSchema", &rdt->l3_cache_schema, JSON_OPTIONAL) < 0)
    return -1;
  if (rdt->l3_cache_schema && !valid_schema_line(rdt->l3_cache_schema))
    return json_fail_key(c, "l3CacheSchema", "must not contain a newline");
  if (json_get_string(c, node, "memBwSchema", &rdt->mem_bw_schema, JSON_OPTIONAL) < 0)
    return -1;
  if (rdt->mem_bw_schema &&
      (strncmp(rdt->mem_bw_schema, "MB:", 3) != 0 || !valid_schema_line(rdt->mem_bw_schema)))
    return json_fail_key(c, "memBwSchema", "expected one line starting with \"MB:\", got %s",
                         JSON_Q(rdt->mem_bw_schema));
  if (json_get_strv(c, node, "schemata", &rdt->schemata, JSON_OPTIONAL) < 0)
    return -1;
  for (size_t i = 0; i < rdt->schemata.n; i++) {
    if (valid_schema_line(rdt->schemata.v[i]))
      continue;
    json_path_key(c, "schemata");
    json_path_index(c, i);
    return json_fail(c, "must not contain a newline");
  }
  if (json_get_bool(c, node, "enableCMT", &rdt->enable_cmt, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, node, "enableMBM", &rdt->enable_mbm, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, node, "enableMonitoring", &rdt->enable_monitoring, JSON_OPTIONAL) < 0)
    return -1;
  l->has_intel_rdt = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_personality(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "personality", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_personality *p = &l->personality;
  if (json_get_string(c, node, "domain", &p->domain, JSON_REQUIRED) < 0 ||
      oci_check_name(c, "domain", p->domain, oci_personality_names, "domain") < 0 ||
      json_get_strv(c, node, "flags", &p->flags, JSON_OPTIONAL) < 0)
    return -1;
  l->has_personality = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_time_offset(struct json_ctx *c, uint32_t obj, struct oci_time_offset *t) {
  int r = json_get_i64(c, obj, "secs", &t->secs, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  t->has_secs = r > 0;
  if ((r = json_get_u32(c, obj, "nanosecs", &t->nanosecs, JSON_OPTIONAL)) < 0)
    return -1;
  t->has_nanosecs = r > 0;
  if (t->nanosecs >= 1000000000)
    return json_fail_key(c, "nanosecs", "must be less than 1000000000, got %u", t->nanosecs);
  return 0;
}

static int parse_time_offsets(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "timeOffsets", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  for (uint32_t m = json_first(c, node); m; m = json_next(c, m)) {
    const char *clock = json_key(c, m);
    struct oci_time_offset *t;
    if (strcmp(clock, "monotonic") == 0)
      t = &l->time_monotonic;
    else if (strcmp(clock, "boottime") == 0)
      t = &l->time_boottime;
    else
      return json_fail(c, "unknown clock %s", JSON_Q(clock));
    if (json_node(c, m)->type == JSON_NULL)
      continue;
    size_t item = json_path_key(c, clock);
    if (json_expect_object(c, m) < 0 || parse_time_offset(c, m, t) < 0)
      return -1;
    json_path_pop(c, item);
  }
  l->has_time_offsets = true;
  json_path_pop(c, mark);
  return 0;
}

/* What the kernel takes as an interface name (dev_valid_name), minus ':' that the ioctl
 * interface reserves for aliases. */
static bool valid_ifname(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 15 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return false;
  return name[str_cspan(name, "/: \t\n\r\v\f")] == '\0';
}

static int parse_net_device(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_net_device *d = item;
  const char *host_name = json_key(c, obj);
  if (!valid_ifname(host_name))
    return json_fail(c, "invalid interface name %s", JSON_Q(host_name));
  d->host_name = strdup(host_name);
  if (!d->host_name)
    return json_oom(c);
  int r = json_get_string(c, obj, "name", &d->name, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  /* "eth%d" lets the kernel pick the number. */
  if (r > 0 && !valid_ifname(d->name))
    return json_fail_key(c, "name", "invalid interface name %s", JSON_Q(d->name));
  return 0;
}

static int parse_memory_policy(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "memoryPolicy", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_memory_policy *mp = &l->memory_policy;
  if (json_get_string(c, node, "mode", &mp->mode, JSON_REQUIRED) < 0)
    return -1;
  mp->mode_id = oci_check_name(c, "mode", mp->mode, oci_mempolicy_mode_names, "mode");
  if (mp->mode_id < 0 || json_get_string(c, node, "nodes", &mp->nodes, JSON_OPTIONAL) < 0 ||
      json_get_strv(c, node, "flags", &mp->flags, JSON_OPTIONAL) < 0 ||
      oci_check_names(c, "flags", &mp->flags, oci_mempolicy_flag_names, "flag") < 0)
    return -1;
  l->has_memory_policy = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_sub(struct json_ctx *c, uint32_t obj, const char *key, bool *has,
                     int (*parse)(struct json_ctx *, uint32_t, void *), void *out) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, key, &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  *has = true;
  if (parse(c, node, out) < 0)
    return -1;
  json_path_pop(c, mark);
  return 0;
}

static int parse_resources(struct json_ctx *c, uint32_t node, void *out) {
  return oci_parse_resources(c, node, out);
}

static int parse_seccomp(struct json_ctx *c, uint32_t node, void *out) {
  return oci_parse_seccomp(c, node, out);
}

int oci_parse_linux(struct json_ctx *c, uint32_t obj, struct oci_linux *l) {
  if (parse_namespaces(c, obj, l) < 0 ||
      oci_parse_id_mappings(c, obj, "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
      oci_parse_id_mappings(c, obj, "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0 ||
      json_get_object_array(c, obj, "devices", sizeof *l->devices, &l->devices, &l->n_devices, parse_device,
                            JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "cgroupsPath", &l->cgroups_path, JSON_OPTIONAL) < 0 ||
      parse_sub(c, obj, "resources", &l->has_resources, parse_resources, &l->resources) < 0 ||
      json_get_kv(c, obj, "sysctl", &l->sysctl, &l->n_sysctl) < 0 ||
      parse_sub(c, obj, "seccomp", &l->has_seccomp, parse_seccomp, &l->seccomp) < 0)
    return -1;
  if (json_get_string(c, obj, "rootfsPropagation", &l->rootfs_propagation, JSON_OPTIONAL) < 0 ||
      (l->rootfs_propagation && oci_check_name(c, "rootfsPropagation", l->rootfs_propagation,
                                               oci_propagation_names, "propagation") < 0))
    return -1;
  if (parse_paths(c, obj, "maskedPaths", &l->masked_paths, &l->has_masked_paths) < 0 ||
      parse_paths(c, obj, "readonlyPaths", &l->readonly_paths, &l->has_readonly_paths) < 0 ||
      json_get_string(c, obj, "mountLabel", &l->mount_label, JSON_OPTIONAL) < 0 ||
      parse_intel_rdt(c, obj, l) < 0 || parse_personality(c, obj, l) < 0 ||
      parse_time_offsets(c, obj, l) < 0 ||
      json_get_object_map(c, obj, "netDevices", sizeof *l->net_devices, &l->net_devices, &l->n_net_devices,
                          parse_net_device) < 0 ||
      parse_memory_policy(c, obj, l) < 0)
    return -1;
  return 0;
}

/* config.json: the top level, root, mounts, hooks and annotations; the entry points. */
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"

static int parse_id_mapping(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_id_mapping *m = item;
  if (json_get_u32(c, obj, "containerID", &m->container_id, JSON_REQUIRED) < 0 ||
      json_get_u32(c, obj, "hostID", &m->host_id, JSON_REQUIRED) < 0 ||
      json_get_u32(c, obj, "size", &m->size, JSON_REQUIRED) < 0)
    return -1;
  if (m->size == 0)
    return json_fail_key(c, "size", "must be greater than zero");
  return 0;
}

int oci_parse_id_mappings(struct json_ctx *c, uint32_t obj, const char *key, struct oci_id_mapping **out,
                          size_t *n) {
  return json_get_object_array(c, obj, key, sizeof **out, out, n, parse_id_mapping, JSON_OPTIONAL);
}

static int parse_root(struct json_ctx *c, uint32_t obj, struct oci_config *config) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "root", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (json_get_string(c, node, "path", &config->root.path, JSON_REQUIRED) < 0 ||
      json_get_bool(c, node, "readonly", &config->root.readonly, JSON_OPTIONAL) < 0)
    return -1;
  config->has_root = true;
  json_path_pop(c, mark);
  return 0;
}

/* The spec: a destination MAY be relative, to the container's "/" (runc warns and goes on). */
static int absolute_destination(struct json_ctx *c, struct oci_mount *m) {
  if (m->destination[0] == '/')
    return 0;
  if (!m->destination[0])
    return json_fail_key(c, "destination", "must not be empty");
  size_t n = strlen(m->destination);
  char *abs = malloc(n + 2);
  if (!abs)
    return json_fail_key(c, "destination", "out of memory");
  abs[0] = '/';
  memcpy(abs + 1, m->destination, n + 1);
  free(m->destination);
  m->destination = abs;
  m->destination_was_relative = true;
  return 0;
}

static int parse_mount(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_mount *m = item;
  if (json_get_string(c, obj, "destination", &m->destination, JSON_REQUIRED) < 0 ||
      absolute_destination(c, m) < 0 ||
      json_get_string(c, obj, "type", &m->type, JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "source", &m->source, JSON_OPTIONAL) < 0 ||
      json_get_strv(c, obj, "options", &m->options, JSON_OPTIONAL) < 0 ||
      oci_parse_id_mappings(c, obj, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
      oci_parse_id_mappings(c, obj, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
    return -1;
  if (m->n_uid_mappings && !m->n_gid_mappings)
    return json_fail(c, "uidMappings without gidMappings");
  if (m->n_gid_mappings && !m->n_uid_mappings)
    return json_fail(c, "gidMappings without uidMappings");
  return 0;
}

static int parse_hook(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_hook *h = item;
  if (json_get_string(c, obj, "path", &h->path, JSON_REQUIRED) < 0 ||
      json_check_absolute(c, "path", h->path) < 0 ||
      json_get_strv(c, obj, "args", &h->args, JSON_OPTIONAL) < 0 ||
      json_get_strv(c, obj, "env", &h->env, JSON_OPTIONAL) < 0)
    return -1;
  uint32_t node = json_member(c, obj, "timeout");
  if (node) {
    size_t mark = json_path_key(c, "timeout");
    int64_t v;
    if (json_node_i64(c, node, INT32_MIN, INT32_MAX, "an integer", &v) < 0)
      return -1;
    if (v <= 0)
      return json_fail(c, "must be greater than zero, got %lld", (long long)v);
    h->timeout = (int)v;
    h->has_timeout = true;
    json_path_pop(c, mark);
  }
  return 0;
}

int oci_parse_hook_list(struct json_ctx *c, uint32_t obj, const char *key, struct oci_hook_list *list) {
  return json_get_object_array(c, obj, key, sizeof *list->v, &list->v, &list->n, parse_hook, JSON_OPTIONAL);
}

static int parse_hooks(struct json_ctx *c, uint32_t obj, struct oci_hooks *hooks) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "hooks", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (oci_parse_hook_list(c, node, "prestart", &hooks->prestart) < 0 ||
      oci_parse_hook_list(c, node, "createRuntime", &hooks->create_runtime) < 0 ||
      oci_parse_hook_list(c, node, "createContainer", &hooks->create_container) < 0 ||
      oci_parse_hook_list(c, node, "startContainer", &hooks->start_container) < 0 ||
      oci_parse_hook_list(c, node, "poststart", &hooks->poststart) < 0 ||
      oci_parse_hook_list(c, node, "poststop", &hooks->poststop) < 0)
    return -1;
  json_path_pop(c, mark);
  return 0;
}

static int parse_config(struct json_ctx *c, struct oci_config *config) {
  const uint32_t top = 0;
  if (json_expect_object(c, top) < 0)
    return -1;
  if (json_get_string(c, top, "ociVersion", &config->oci_version, JSON_REQUIRED) < 0 ||
      parse_root(c, top, config) < 0)
    return -1;

  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, top, "process", &node, &mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (r > 0) {
    config->has_process = true;
    if (oci_parse_process(c, node, &config->process) < 0)
      return -1;
    json_path_pop(c, mark);
  }

  if (json_get_string(c, top, "hostname", &config->hostname, JSON_OPTIONAL) < 0 ||
      json_get_string(c, top, "domainname", &config->domainname, JSON_OPTIONAL) < 0 ||
      json_get_object_array(c, top, "mounts", sizeof *config->mounts, &config->mounts, &config->n_mounts,
                            parse_mount, JSON_OPTIONAL) < 0 ||
      parse_hooks(c, top, &config->hooks) < 0 ||
      json_get_kv(c, top, "annotations", &config->annotations, &config->n_annotations) < 0)
    return -1;

  r = json_enter_object(c, top, "linux", &node, &mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (r > 0) {
    config->has_linux = true;
    if (oci_parse_linux(c, node, &config->linux_) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  return 0;
}

struct oci_config *oci_config_parse(const char *json, size_t len, const char *source,
                                    struct skiff_error *err) {
  struct json_doc doc;
  if (json_doc_parse(&doc, json, len, source, err) < 0)
    return NULL;
  struct json_ctx c;
  json_ctx_init(&c, &doc, source, err);
  struct oci_config *config = calloc(1, sizeof *config);
  if (!config)
    json_oom(&c);
  else if (parse_config(&c, config) < 0) {
    oci_config_free(config);
    config = NULL;
  }
  json_doc_free(&doc);
  return config;
}

/* A document that is one object of the config on its own (exec --process, update --resources):
 * paths in messages start at the object. */
static void *parse_standalone(const char *json, size_t len, const char *source, struct skiff_error *err,
                              size_t size, int (*parse)(struct json_ctx *, uint32_t, void *),
                              void (*release)(void *)) {
  struct json_doc doc;
  if (json_doc_parse(&doc, json, len, source, err) < 0)
    return NULL;
  struct json_ctx c;
  json_ctx_init(&c, &doc, source, err);
  void *out = calloc(1, size);
  if (!out)
    json_oom(&c);
  else if (json_expect_object(&c, 0) < 0 || parse(&c, 0, out) < 0) {
    release(out);
    out = NULL;
  }
  json_doc_free(&doc);
  return out;
}

static int parse_process_object(struct json_ctx *c, uint32_t obj, void *out) {
  return oci_parse_process(c, obj, out);
}

static int parse_resources_object(struct json_ctx *c, uint32_t obj, void *out) {
  return oci_parse_resources(c, obj, out);
}

static void release_process(void *p) {
  oci_process_free(p);
}

static void release_resources(void *p) {
  oci_resources_free(p);
}

struct oci_process *oci_process_parse(const char *json, size_t len, const char *source,
                                      struct skiff_error *err) {
  return parse_standalone(json, len, source, err, sizeof(struct oci_process), parse_process_object,
                          release_process);
}

struct oci_resources *oci_resources_parse(const char *json, size_t len, const char *source,
                                          struct skiff_error *err) {
  return parse_standalone(json, len, source, err, sizeof(struct oci_resources), parse_resources_object,
                          release_resources);
}

const struct oci_namespace *oci_config_namespace(const struct oci_config *config, enum oci_ns_type type) {
  for (size_t i = 0; i < config->linux_.n_namespaces; i++)
    if (config->linux_.namespaces[i].type == type)
      return &config->linux_.namespaces[i];
  return NULL;
}

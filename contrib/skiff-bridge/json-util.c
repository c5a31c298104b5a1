#include "json-util.h"

#include <string.h>

int json_node_ip(struct json_ctx *c, uint32_t node, struct ip_addr *out) {
  if (json_node(c, node)->type != JSON_STRING)
    return json_fail_type(c, node, "an IP address string");
  if (!ip_parse(json_text(c, node), out))
    return json_fail(c, "invalid IP address %s", JSON_Q(json_text(c, node)));
  return 0;
}

int json_get_ip(struct json_ctx *c, uint32_t obj, const char *key, struct ip_addr *out, int flags) {
  uint32_t node = json_member(c, obj, key);
  if (!node)
    return flags & JSON_REQUIRED ? json_fail_key(c, key, "required") : 0;
  size_t mark = json_path_key(c, key);
  int r = json_node_ip(c, node, out);
  json_path_pop(c, mark);
  return r < 0 ? -1 : 1;
}

int json_get_ip_net(struct json_ctx *c, uint32_t obj, const char *key, struct ip_net *out, int flags) {
  uint32_t node = json_member(c, obj, key);
  if (!node)
    return flags & JSON_REQUIRED ? json_fail_key(c, key, "required") : 0;
  if (json_node(c, node)->type != JSON_STRING) {
    size_t mark = json_path_key(c, key);
    json_fail_type(c, node, "a CIDR string");
    json_path_pop(c, mark);
    return -1;
  }
  if (!ip_net_parse(json_text(c, node), out))
    return json_fail_key(c, key, "invalid CIDR address %s", JSON_Q(json_text(c, node)));
  return 1;
}

void json_write_node(struct json_writer *w, const struct json_ctx *c, uint32_t node) {
  const struct json_node *n = json_node(c, node);
  switch ((enum json_type)n->type) {
  case JSON_NULL:
    json_write_number_literal(w, "null");
    break;
  case JSON_BOOL:
    json_write_bool(w, n->boolean);
    break;
  case JSON_NUMBER:
    json_write_number_literal(w, json_text(c, node));
    break;
  case JSON_STRING:
    json_write_string(w, json_text(c, node));
    break;
  case JSON_ARRAY:
    json_write_begin_array(w);
    for (uint32_t e = json_first(c, node); e; e = json_next(c, e))
      json_write_node(w, c, e);
    json_write_end_array(w);
    break;
  case JSON_OBJECT:
    json_write_begin_object(w);
    json_write_members_except(w, c, node, NULL);
    json_write_end_object(w);
    break;
  }
}

static bool listed(const char *key, const char *const *list) {
  for (; list && *list; list++)
    if (!strcmp(key, *list))
      return true;
  return false;
}

void json_write_members_except(struct json_writer *w, const struct json_ctx *c, uint32_t obj,
                               const char *const *skip) {
  for (uint32_t e = json_first(c, obj); e; e = json_next(c, e)) {
    if (listed(json_key(c, e), skip))
      continue;
    json_write_key(w, json_key(c, e));
    json_write_node(w, c, e);
  }
}

/* What skiff-bridge adds to oci/json.h: addresses as typed members, and a parsed subtree written
 * back out (configs and results passed through to other plugins unchanged). */
#ifndef SKIFF_BRIDGE_JSON_UTIL_H
#define SKIFF_BRIDGE_JSON_UTIL_H

#include "ip.h"
#include "oci/json-write.h"
#include "oci/json.h"

/* Member getters as json_get_string: -1 on error (naming the path), 0 absent, 1 set. */
int json_get_ip(struct json_ctx *c, uint32_t obj, const char *key, struct ip_addr *out, int flags);
int json_get_ip_net(struct json_ctx *c, uint32_t obj, const char *key, struct ip_net *out, int flags);
int json_node_ip(struct json_ctx *c, uint32_t node, struct ip_addr *out);

/* Writes the value at node as it was parsed. */
void json_write_node(struct json_writer *w, const struct json_ctx *c, uint32_t node);

/* Writes the members of object obj but those named in skip (NULL-terminated), inside the object
 * the caller opened. */
void json_write_members_except(struct json_writer *w, const struct json_ctx *c, uint32_t obj,
                               const char *const *skip);

#endif

/* A compact read-only JSON document built with yajl's callback parser, and typed accessors
 * that know the JSON path of what they read so that every error names it.
 *
 * The whole document lives in two allocations: a node array in document order and one text
 * arena holding member names, strings and number literals. A container's first child is the
 * node right after it; siblings are chained by index. Numbers are kept as their literal text
 * so that the full int64 and uint64 ranges convert exactly. */
#ifndef SKIFF_OCI_JSON_H
#define SKIFF_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"
#include "oci/error.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_node {
  uint8_t type;
  uint8_t boolean;
  uint32_t key;  /* arena offset of the member name; 0 (the empty string) outside objects */
  uint32_t text; /* arena offset of the string or number literal */
  uint32_t len;  /* byte length of the string or literal; number of children of a container */
  uint32_t next; /* index of the next sibling, 0 for the last one */
};

struct json_doc {
  struct json_node *nodes; /* nodes[0] is the document's root value */
  size_t n_nodes;
  char *text;
};

/* What a document may hold: nothing the OCI spec describes comes near, and a hostile one (50 MB of
 * "[") fails early, in memory bounded by a small multiple of its size. The depth is Go's
 * encoding/json limit, so runc refuses deeper documents too. */
#define JSON_DEPTH_MAX 10000
#define JSON_VALUES_MAX 2000000

/* Parses len bytes of JSON. Malformed input fails with "<source>: line L column C: <why>", as
 * does one nested deeper than JSON_DEPTH_MAX or holding more than JSON_VALUES_MAX values. */
int json_doc_parse(struct json_doc *doc, const char *json, size_t len, const char *source,
                   struct skiff_error *err);
void json_doc_free(struct json_doc *doc);

/* ---- reading, with the path of the value being read ------------------------------------ */

#define JSON_PATH_MAX 320

struct json_ctx {
  const struct json_doc *doc;
  const char *source;
  struct skiff_error *err;
  size_t path_len;
  char path[JSON_PATH_MAX];
};

void json_ctx_init(struct json_ctx *c, const struct json_doc *doc, const char *source,
                   struct skiff_error *err);

/* The path grows as the reader descends: push returns a mark that pop restores. */
size_t json_path_key(struct json_ctx *c, const char *key);     /* ".key" (no dot at the top) */
size_t json_path_index(struct json_ctx *c, size_t index);      /* "[3]" */
size_t json_path_map_key(struct json_ctx *c, const char *key); /* "[\"key\"]" */
static inline void json_path_pop(struct json_ctx *c, size_t mark) {
  c->path_len = mark;
  c->path[mark] = '\0';
}

/* Writes s quoted for a message: escapes quotes and control characters, shortens long values.
 * JSON_Q(s) does it in a compound literal that lives until the end of the enclosing block. */
const char *json_quoted(char *buf, size_t size, const char *s);
#define JSON_Q(s) json_quoted((char[96]){0}, 96, (s))

/* Fails with "<source>: <path>: <message>"; returns -1. */
int json_fail(struct json_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As json_fail, about the member key of the current object. */
int json_fail_key(struct json_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int json_oom(struct json_ctx *c);
/* "<path>: expected <what>, got <type of node>" */
int json_fail_type(struct json_ctx *c, uint32_t node, const char *what);

static inline const struct json_node *json_node(const struct json_ctx *c, uint32_t n) {
  return &c->doc->nodes[n];
}
static inline const char *json_text(const struct json_ctx *c, uint32_t n) {
  return c->doc->text + c->doc->nodes[n].text;
}
static inline const char *json_key(const struct json_ctx *c, uint32_t n) {
  return c->doc->text + c->doc->nodes[n].key;
}
static inline size_t json_count(const struct json_ctx *c, uint32_t n) {
  return c->doc->nodes[n].len;
}
/* First child of a container, 0 when empty; then json_next until 0. */
static inline uint32_t json_first(const struct json_ctx *c, uint32_t n) {
  return c->doc->nodes[n].len ? n + 1 : 0;
}
static inline uint32_t json_next(const struct json_ctx *c, uint32_t n) {
  return c->doc->nodes[n].next;
}
const char *json_type_name(enum json_type type);

/* The value of member key of object obj; 0 when absent or null (as Go's decoder, null means
 * "not set"). With duplicate keys the last one wins, as with Go. */
uint32_t json_member(const struct json_ctx *c, uint32_t obj, const char *key);

/* Checks that node is an object (or array), else fails naming the current path. */
int json_expect_object(struct json_ctx *c, uint32_t node);
int json_expect_array(struct json_ctx *c, uint32_t node, const char *what);

/* Conversions of the node at the current path. */
int json_node_string(struct json_ctx *c, uint32_t node, char **out);
int json_node_bool(struct json_ctx *c, uint32_t node, bool *out);
int json_node_i64(struct json_ctx *c, uint32_t node, int64_t min, int64_t max, const char *what,
                  int64_t *out);
int json_node_u64(struct json_ctx *c, uint32_t node, uint64_t max, const char *what, uint64_t *out);
int json_node_i32(struct json_ctx *c, uint32_t node, int32_t *out);
int json_node_u32(struct json_ctx *c, uint32_t node, uint32_t *out);
int json_node_u16(struct json_ctx *c, uint32_t node, uint16_t *out);
int json_node_strv(struct json_ctx *c, uint32_t node, struct oci_strv *out);
int json_node_kv(struct json_ctx *c, uint32_t node, struct oci_kv **out, size_t *n_out);

/* Member getters: -1 on error, 0 when absent (out untouched), 1 when set. With JSON_REQUIRED
 * an absent member is the error "<path>.<key>: required". */
enum { JSON_OPTIONAL = 0, JSON_REQUIRED = 1 };

int json_get_string(struct json_ctx *c, uint32_t obj, const char *key, char **out, int flags);
int json_get_bool(struct json_ctx *c, uint32_t obj, const char *key, bool *out, int flags);
int json_get_i64(struct json_ctx *c, uint32_t obj, const char *key, int64_t *out, int flags);
int json_get_i32(struct json_ctx *c, uint32_t obj, const char *key, int32_t *out, int flags);
int json_get_u64(struct json_ctx *c, uint32_t obj, const char *key, uint64_t *out, int flags);
int json_get_u32(struct json_ctx *c, uint32_t obj, const char *key, uint32_t *out, int flags);
int json_get_u16(struct json_ctx *c, uint32_t obj, const char *key, uint16_t *out, int flags);
int json_get_strv(struct json_ctx *c, uint32_t obj, const char *key, struct oci_strv *out, int flags);
int json_get_kv(struct json_ctx *c, uint32_t obj, const char *key, struct oci_kv **out, size_t *n_out);

/* For members holding an object or array parsed by the caller: finds it, checks its type
 * and pushes its key on the path (the caller pops *mark). 0 when absent. */
int json_enter_object(struct json_ctx *c, uint32_t obj, const char *key, uint32_t *out, size_t *mark,
                      int flags);
int json_enter_array(struct json_ctx *c, uint32_t obj, const char *key, const char *what, uint32_t *out,
                     size_t *mark, int flags);

/* Arrays of objects and objects of objects: allocates *n zeroed items of item_size in *out
 * (NULL when there are none), then calls parse for each with the path at the item ("[i]" or
 * "[\"key\"]"; json_key(c, node) gives the key of a map item). 0 when absent. */
typedef int (*json_item_parser)(struct json_ctx *c, uint32_t node, void *item);
int json_get_object_array(struct json_ctx *c, uint32_t obj, const char *key, size_t item_size, void *out,
                          size_t *n, json_item_parser parse, int flags);
int json_get_object_map(struct json_ctx *c, uint32_t obj, const char *key, size_t item_size, void *out,
                        size_t *n, json_item_parser parse);

/* Path checks shared by the parsers. */
int json_check_absolute(struct json_ctx *c, const char *key, const char *value);

#endif

#include "oci/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "oci/format.h"

/* ---- building the document -------------------------------------------------------------- */

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

struct frame {
  uint32_t node; /* the open container */
  uint32_t last; /* its last child so far */
};

struct builder {
  struct json_node *nodes;
  size_t n_nodes, cap_nodes;
  char *text;
  size_t text_len, text_cap;
  struct frame *stack;
  size_t depth, cap_stack;
  uint32_t pending_key;
  bool oom;
  const char *limit; /* why a callback stopped the parse: a limit of json.h */
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return true;
  size_t n = *cap ? *cap : 16;
  while (n < need)
    n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q)
    return false;
  *p = q;
  *cap = n;
  return true;
}

/* Offsets are 32-bit: documents are bounded well below that by json_doc_parse. */
static int text_add(struct builder *b, const unsigned char *s, size_t len, uint32_t *off) {
  if (!grow((void **)&b->text, &b->text_cap, b->text_len + len + 1, 1)) {
    b->oom = true;
    return 0;
  }
  *off = (uint32_t)b->text_len;
  memcpy(b->text + b->text_len, s, len);
  b->text[b->text_len + len] = '\0';
  b->text_len += len + 1;
  return 1;
}

static struct json_node *node_add(struct builder *b, enum json_type type) {
  if (b->n_nodes >= JSON_VALUES_MAX) {
    b->limit = "more than " STRINGIFY(JSON_VALUES_MAX) " values in the document";
    return NULL;
  }
  if (!grow((void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof *b->nodes)) {
    b->oom = true;
    return NULL;
  }
  uint32_t idx = (uint32_t)b->n_nodes++;
  struct json_node *n = &b->nodes[idx];
  *n = (struct json_node){.type = (uint8_t)type};
  if (b->depth > 0) {
    struct frame *f = &b->stack[b->depth - 1];
    struct json_node *parent = &b->nodes[f->node];
    if (parent->type == JSON_OBJECT)
      n->key = b->pending_key;
    if (parent->len > 0)
      b->nodes[f->last].next = idx;
    parent->len++;
    f->last = idx;
  }
  return n;
}

static int on_null(void *ctx) {
  return node_add(ctx, JSON_NULL) != NULL;
}

static int on_boolean(void *ctx, int value) {
  struct json_node *n = node_add(ctx, JSON_BOOL);
  if (!n)
    return 0;
  n->boolean = value != 0;
  return 1;
}

static int on_scalar(struct builder *b, enum json_type type, const unsigned char *s, size_t len) {
  uint32_t off;
  if (!text_add(b, s, len, &off))
    return 0;
  struct json_node *n = node_add(b, type);
  if (!n)
    return 0;
  n->text = off;
  n->len = (uint32_t)len;
  return 1;
}

static int on_number(void *ctx, const char *s, size_t len) {
  return on_scalar(ctx, JSON_NUMBER, (const unsigned char *)s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
  return on_scalar(ctx, JSON_STRING, s, len);
}

static int on_open(struct builder *b, enum json_type type) {
  if (b->depth >= JSON_DEPTH_MAX) {
    b->limit = "nested deeper than " STRINGIFY(JSON_DEPTH_MAX) " levels";
    return 0;
  }
  if (!grow((void **)&b->stack, &b->cap_stack, b->depth + 1, sizeof *b->stack)) {
    b->oom = true;
    return 0;
  }
  if (!node_add(b, type))
    return 0;
  b->stack[b->depth++] = (struct frame){.node = (uint32_t)(b->n_nodes - 1)};
  return 1;
}

static int on_start_map(void *ctx) {
  return on_open(ctx, JSON_OBJECT);
}

static int on_start_array(void *ctx) {
  return on_open(ctx, JSON_ARRAY);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len) {
  struct builder *b = ctx;
  return text_add(b, s, len, &b->pending_key);
}

static int on_close(void *ctx) {
  struct builder *b = ctx;
  b->depth--;
  return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_close,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_close,
};

/* yajl reports a byte offset and a message that may end in a newline; people want a line and
 * a column on one line. */
static int fail_syntax(yajl_handle h, const char *json, size_t len, size_t offset, const char *source,
                       const char *why, struct skiff_error *err) {
  unsigned long line = 1;
  size_t line_start = 0;
  if (offset > len)
    offset = len;
  for (size_t i = 0; i < offset; i++) {
    if (json[i] == '\n') {
      line++;
      line_start = i + 1;
    }
  }
  unsigned char *msg = why ? NULL : yajl_get_error(h, 0, (const unsigned char *)json, len);
  char text[256];
  format_string(text, sizeof text, "%s", why ? why : msg ? (const char *)msg : "malformed JSON");
  if (msg)
    yajl_free_error(h, msg);
  for (char *p = text; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  size_t n = strlen(text);
  while (n > 0 && text[n - 1] == ' ')
    text[--n] = '\0';
  return skiff_fail(err, 0, "%s: line %lu column %zu: %s", source, line, offset - line_start + 1, text);
}

int json_doc_parse(struct json_doc *doc, const char *json, size_t len, const char *source,
                   struct skiff_error *err) {
  *doc = (struct json_doc){0};
  if (len >= UINT32_MAX / 2)
    return skiff_fail(err, EFBIG, "%s: document too large", source);

  /* Strings and numbers never take more room unescaped than in the source (quotes pay for
   * the NULs), so the arena is sized once; only the node array grows. */
  struct builder b = {0};
  b.text_cap = len + 2;
  b.text = malloc(b.text_cap);
  b.cap_nodes = len / 24 + 16;
  b.nodes = malloc(b.cap_nodes * sizeof *b.nodes);
  yajl_handle h = (b.text && b.nodes) ? yajl_alloc(&callbacks, NULL, &b) : NULL;
  if (!h) {
    free(b.text);
    free(b.nodes);
    return skiff_fail(err, ENOMEM, "%s: out of memory", source);
  }
  b.text[0] = '\0';
  b.text_len = 1;

  int ret = 0;
  yajl_status st = yajl_parse(h, (const unsigned char *)json, len);
  size_t offset = yajl_get_bytes_consumed(h);
  if (st == yajl_status_ok) {
    st = yajl_complete_parse(h);
    offset = len;
  }
  if (st != yajl_status_ok) {
    if (b.oom)
      ret = skiff_fail(err, ENOMEM, "%s: out of memory", source);
    else
      ret = fail_syntax(h, json, len, offset, source, b.limit, err);
  } else if (b.n_nodes == 0) {
    ret = skiff_fail(err, 0, "%s: line 1 column 1: empty document", source);
  }
  yajl_free(h);
  free(b.stack);
  if (ret < 0) {
    free(b.nodes);
    free(b.text);
    return -1;
  }
  doc->nodes = b.nodes;
  doc->n_nodes = b.n_nodes;
  doc->text = b.text;
  return 0;
}

void json_doc_free(struct json_doc *doc) {
  free(doc->nodes);
  free(doc->text);
  *doc = (struct json_doc){0};
}

/* ---- paths and errors ------------------------------------------------------------------- */

void json_ctx_init(struct json_ctx *c, const struct json_doc *doc, const char *source,
                   struct skiff_error *err) {
  c->doc = doc;
  c->source = source;
  c->err = err;
  c->path_len = 0;
  c->path[0] = '\0';
}

static size_t path_append(struct json_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_append(struct json_ctx *c, const char *fmt, ...) {
  size_t mark = c->path_len;
  size_t room = sizeof c->path - mark;
  va_list ap;
  va_start(ap, fmt);
  int n = format_string_va(c->path + mark, room, fmt, ap);
  va_end(ap);
  if (n < 0)
    c->path[mark] = '\0';
  else
    c->path_len = (size_t)n < room ? mark + (size_t)n : sizeof c->path - 1;
  return mark;
}

size_t json_path_key(struct json_ctx *c, const char *key) {
  return path_append(c, "%s%s", c->path_len ? "." : "", key);
}

size_t json_path_index(struct json_ctx *c, size_t index) {
  return path_append(c, "[%zu]", index);
}

size_t json_path_map_key(struct json_ctx *c, const char *key) {
  char q[96];
  return path_append(c, "[%s]", json_quoted(q, sizeof q, key));
}

const char *json_quoted(char *buf, size_t size, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  const size_t limit = size - 6; /* room for an escape, the ellipsis, the quote and the NUL */
  buf[o++] = '"';
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (o + 4 >= limit) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    if (ch == '"' || ch == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)ch;
    } else if (ch < 0x20 || ch == 0x7f) {
      buf[o++] = '\\';
      buf[o++] = 'x';
      buf[o++] = hex[ch >> 4];
      buf[o++] = hex[ch & 15];
    } else {
      buf[o++] = (char)ch;
    }
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

static int vfail(struct json_ctx *c, int code, const char *fmt, va_list ap) {
  char msg[SKIFF_ERROR_MSG_MAX];
  format_string_va(msg, sizeof msg, fmt, ap);
  const char *source = c->source ? c->source : "";
  const char *sep1 = *source ? ": " : "";
  const char *sep2 = c->path_len ? ": " : "";
  return skiff_fail(c->err, code, "%s%s%s%s%s", source, sep1, c->path, sep2, msg);
}

int json_fail(struct json_ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(c, 0, fmt, ap);
  va_end(ap);
  return -1;
}

int json_fail_key(struct json_ctx *c, const char *key, const char *fmt, ...) {
  size_t mark = json_path_key(c, key);
  va_list ap;
  va_start(ap, fmt);
  vfail(c, 0, fmt, ap);
  va_end(ap);
  json_path_pop(c, mark);
  return -1;
}

int json_oom(struct json_ctx *c) {
  const char *source = c->source ? c->source : "";
  return skiff_fail(c->err, ENOMEM, "%s%sout of memory", source, *source ? ": " : "");
}

const char *json_type_name(enum json_type type) {
  switch (type) {
  case JSON_NULL:
    return "null";
  case JSON_BOOL:
    return "boolean";
  case JSON_NUMBER:
    return "number";
  case JSON_STRING:
    return "string";
  case JSON_ARRAY:
    return "array";
  case JSON_OBJECT:
    return "object";
  }
  return "?";
}

int json_fail_type(struct json_ctx *c, uint32_t node, const char *what) {
  return json_fail(c, "expected %s, got %s", what, json_type_name(json_node(c, node)->type));
}

/* ---- lookups and conversions ------------------------------------------------------------ */

uint32_t json_member(const struct json_ctx *c, uint32_t obj, const char *key) {
  uint32_t found = 0;
  if (json_node(c, obj)->type != JSON_OBJECT)
    return 0;
  for (uint32_t m = json_first(c, obj); m; m = json_next(c, m))
    if (strcmp(json_key(c, m), key) == 0)
      found = m;
  if (found && json_node(c, found)->type == JSON_NULL)
    return 0;
  return found;
}

int json_expect_object(struct json_ctx *c, uint32_t node) {
  if (json_node(c, node)->type != JSON_OBJECT)
    return json_fail_type(c, node, "an object");
  return 0;
}

int json_expect_array(struct json_ctx *c, uint32_t node, const char *what) {
  if (json_node(c, node)->type != JSON_ARRAY)
    return json_fail_type(c, node, what);
  return 0;
}

int json_node_string(struct json_ctx *c, uint32_t node, char **out) {
  const struct json_node *n = json_node(c, node);
  if (n->type != JSON_STRING)
    return json_fail_type(c, node, "a string");
  const char *s = json_text(c, node);
  if (strlen(s) != n->len)
    return json_fail(c, "must not contain a NUL character");
  char *copy = malloc(n->len + 1);
  if (!copy)
    return json_oom(c);
  memcpy(copy, s, n->len + 1);
  free(*out);
  *out = copy;
  return 0;
}

int json_node_bool(struct json_ctx *c, uint32_t node, bool *out) {
  const struct json_node *n = json_node(c, node);
  if (n->type != JSON_BOOL)
    return json_fail_type(c, node, "a boolean");
  *out = n->boolean;
  return 0;
}

/* The value of an integer literal: "-"? digits (yajl checked the grammar; a fraction or an exponent
 * makes it no integer, even 1.0, as Go says too). false when it is none or its magnitude passes
 * 2^64 - 1. By hand: strtoull would cost the run libc's locale-aware number parser. */
static bool integer_literal(const char *s, bool *negative, uint64_t *magnitude) {
  *negative = *s == '-';
  s += *negative;
  if (!*s)
    return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return false;
    unsigned digit = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  *magnitude = v;
  return true;
}

int json_node_i64(struct json_ctx *c, uint32_t node, int64_t min, int64_t max, const char *what,
                  int64_t *out) {
  if (json_node(c, node)->type != JSON_NUMBER)
    return json_fail_type(c, node, what);
  const char *s = json_text(c, node);
  bool negative;
  uint64_t magnitude = 0;
  if (!integer_literal(s, &negative, &magnitude) || magnitude > (uint64_t)INT64_MAX + negative)
    return json_fail(c, "expected %s, got %s", what, s);
  int64_t v = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
  if (v < min || v > max)
    return json_fail(c, "expected %s, got %s", what, s);
  *out = v;
  return 0;
}

int json_node_u64(struct json_ctx *c, uint32_t node, uint64_t max, const char *what, uint64_t *out) {
  if (json_node(c, node)->type != JSON_NUMBER)
    return json_fail_type(c, node, what);
  const char *s = json_text(c, node);
  bool negative;
  uint64_t v = 0;
  if (!integer_literal(s, &negative, &v) || negative || v > max)
    return json_fail(c, "expected %s, got %s", what, s);
  *out = v;
  return 0;
}

int json_node_strv(struct json_ctx *c, uint32_t node, struct oci_strv *out) {
  if (json_node(c, node)->type != JSON_ARRAY)
    return json_fail_type(c, node, "an array of strings");
  size_t n = json_count(c, node);
  char **v = calloc(n + 1, sizeof *v);
  if (!v)
    return json_oom(c);
  out->v = v;
  out->n = n;
  size_t i = 0;
  for (uint32_t e = json_first(c, node); e; e = json_next(c, e), i++) {
    size_t mark = json_path_index(c, i);
    int r = json_node_string(c, e, &v[i]);
    json_path_pop(c, mark);
    if (r < 0)
      return -1;
  }
  return 0;
}

struct kv_member {
  const char *key;
  uint32_t node;
  size_t pos;
};

static int compare_members(const void *a, const void *b) {
  const struct kv_member *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : x->pos < y->pos ? -1 : 1;
}

/* A repeated key keeps its first place and its last value, as a Go map would; sorted, so that an
 * object of a million annotations costs n log n, not n squared. */
int json_node_kv(struct json_ctx *c, uint32_t node, struct oci_kv **out, size_t *n_out) {
  if (json_node(c, node)->type != JSON_OBJECT)
    return json_fail_type(c, node, "an object");
  size_t n = json_count(c, node), i = 0;
  if (n == 0)
    return 0;
  for (uint32_t m = json_first(c, node); m; m = json_next(c, m))
    if (json_node(c, m)->type != JSON_STRING) {
      size_t mark = json_path_map_key(c, json_key(c, m));
      json_fail_type(c, m, "a string");
      json_path_pop(c, mark);
      return -1;
    }
  struct kv_member *members = malloc(n * sizeof *members);
  uint32_t *last_at_first = calloc(n, sizeof *last_at_first);
  struct oci_kv *kv = calloc(n, sizeof *kv);
  if (!members || !last_at_first || !kv) {
    free(members);
    free(last_at_first);
    free(kv);
    return json_oom(c);
  }
  for (uint32_t m = json_first(c, node); m; m = json_next(c, m), i++)
    members[i] = (struct kv_member){json_key(c, m), m, i};
  qsort(members, n, sizeof *members, compare_members);
  for (size_t g = 0; g < n;) {
    size_t e = g;
    while (e + 1 < n && strcmp(members[e + 1].key, members[g].key) == 0)
      e++;
    last_at_first[members[g].pos] = members[e].node;
    g = e + 1;
  }
  free(members);
  *out = kv;
  *n_out = 0;
  int r = 0;
  for (i = 0; i < n && r == 0; i++) {
    uint32_t m = last_at_first[i];
    if (!m)
      continue;
    struct oci_kv *slot = &kv[(*n_out)++];
    size_t mark = json_path_map_key(c, json_key(c, m));
    slot->key = strdup(json_key(c, m));
    r = slot->key ? json_node_string(c, m, &slot->value) : json_oom(c);
    json_path_pop(c, mark);
  }
  free(last_at_first);
  return r < 0 ? -1 : 0;
}

/* ---- member getters --------------------------------------------------------------------- */

static int get_member(struct json_ctx *c, uint32_t obj, const char *key, int flags, uint32_t *node) {
  *node = json_member(c, obj, key);
  if (*node)
    return 1;
  if (flags & JSON_REQUIRED)
    return json_fail_key(c, key, "required");
  return 0;
}

#define MEMBER_GETTER(body)                                                                                  \
  uint32_t node;                                                                                             \
  int r = get_member(c, obj, key, flags, &node);                                                             \
  if (r <= 0)                                                                                                \
    return r;                                                                                                \
  size_t mark = json_path_key(c, key);                                                                       \
  r = (body);                                                                                                \
  json_path_pop(c, mark);                                                                                    \
  return r < 0 ? -1 : 1

int json_get_string(struct json_ctx *c, uint32_t obj, const char *key, char **out, int flags) {
  MEMBER_GETTER(json_node_string(c, node, out));
}

int json_get_bool(struct json_ctx *c, uint32_t obj, const char *key, bool *out, int flags) {
  MEMBER_GETTER(json_node_bool(c, node, out));
}

int json_get_i64(struct json_ctx *c, uint32_t obj, const char *key, int64_t *out, int flags) {
  MEMBER_GETTER(json_node_i64(c, node, INT64_MIN, INT64_MAX, "an int64", out));
}

int json_node_i32(struct json_ctx *c, uint32_t node, int32_t *out) {
  int64_t v;
  if (json_node_i64(c, node, INT32_MIN, INT32_MAX, "an int32", &v) < 0)
    return -1;
  *out = (int32_t)v;
  return 0;
}

int json_get_i32(struct json_ctx *c, uint32_t obj, const char *key, int32_t *out, int flags) {
  MEMBER_GETTER(json_node_i32(c, node, out));
}

int json_get_u64(struct json_ctx *c, uint32_t obj, const char *key, uint64_t *out, int flags) {
  MEMBER_GETTER(json_node_u64(c, node, UINT64_MAX, "a uint64", out));
}

int json_node_u32(struct json_ctx *c, uint32_t node, uint32_t *out) {
  uint64_t v = 0;
  if (json_node_u64(c, node, UINT32_MAX, "a uint32", &v) < 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

int json_get_u32(struct json_ctx *c, uint32_t obj, const char *key, uint32_t *out, int flags) {
  MEMBER_GETTER(json_node_u32(c, node, out));
}

int json_node_u16(struct json_ctx *c, uint32_t node, uint16_t *out) {
  uint64_t v = 0;
  if (json_node_u64(c, node, UINT16_MAX, "a uint16", &v) < 0)
    return -1;
  *out = (uint16_t)v;
  return 0;
}

int json_get_u16(struct json_ctx *c, uint32_t obj, const char *key, uint16_t *out, int flags) {
  MEMBER_GETTER(json_node_u16(c, node, out));
}

int json_get_strv(struct json_ctx *c, uint32_t obj, const char *key, struct oci_strv *out, int flags) {
  MEMBER_GETTER(json_node_strv(c, node, out));
}

int json_get_kv(struct json_ctx *c, uint32_t obj, const char *key, struct oci_kv **out, size_t *n_out) {
  int flags = JSON_OPTIONAL;
  MEMBER_GETTER(json_node_kv(c, node, out, n_out));
}

int json_enter_object(struct json_ctx *c, uint32_t obj, const char *key, uint32_t *out, size_t *mark,
                      int flags) {
  int r = get_member(c, obj, key, flags, out);
  if (r <= 0)
    return r;
  *mark = json_path_key(c, key);
  if (json_expect_object(c, *out) < 0) {
    json_path_pop(c, *mark);
    return -1;
  }
  return 1;
}

int json_enter_array(struct json_ctx *c, uint32_t obj, const char *key, const char *what, uint32_t *out,
                     size_t *mark, int flags) {
  int r = get_member(c, obj, key, flags, out);
  if (r <= 0)
    return r;
  *mark = json_path_key(c, key);
  if (json_expect_array(c, *out, what) < 0) {
    json_path_pop(c, *mark);
    return -1;
  }
  return 1;
}

static int parse_items(struct json_ctx *c, uint32_t container, size_t item_size, void *out, size_t *n,
                       json_item_parser parse) {
  size_t count = json_count(c, container);
  if (count == 0)
    return 0;
  char *items = calloc(count, item_size);
  if (!items)
    return json_oom(c);
  *(void **)out = items;
  *n = count;
  bool is_map = json_node(c, container)->type == JSON_OBJECT;
  size_t i = 0;
  for (uint32_t e = json_first(c, container); e; e = json_next(c, e), i++) {
    size_t mark = is_map ? json_path_map_key(c, json_key(c, e)) : json_path_index(c, i);
    if (json_expect_object(c, e) < 0 || parse(c, e, items + i * item_size) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  return 0;
}

int json_get_object_array(struct json_ctx *c, uint32_t obj, const char *key, size_t item_size, void *out,
                          size_t *n, json_item_parser parse, int flags) {
  uint32_t arr;
  size_t mark;
  int r = json_enter_array(c, obj, key, "an array of objects", &arr, &mark, flags);
  if (r <= 0)
    return r;
  if (parse_items(c, arr, item_size, out, n, parse) < 0)
    return -1;
  json_path_pop(c, mark);
  return 1;
}

int json_get_object_map(struct json_ctx *c, uint32_t obj, const char *key, size_t item_size, void *out,
                        size_t *n, json_item_parser parse) {
  uint32_t map;
  size_t mark;
  int r = json_enter_object(c, obj, key, &map, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (parse_items(c, map, item_size, out, n, parse) < 0)
    return -1;
  json_path_pop(c, mark);
  return 1;
}

int json_check_absolute(struct json_ctx *c, const char *key, const char *value) {
  if (value[0] == '/')
    return 0;
  char q[96];
  if (key)
    return json_fail_key(c, key, "must be an absolute path, got %s", json_quoted(q, sizeof q, value));
  return json_fail(c, "must be an absolute path, got %s", json_quoted(q, sizeof q, value));
}

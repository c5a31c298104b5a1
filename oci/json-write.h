/* A small JSON writer that formats like Go's encoding/json (what runc prints): compact, or
 * indented with a given string and "key": value; empty containers as {} and []; strings
 * escaped with Go's HTML-safe rules (<, >, &, U+2028, U+2029 as \u escapes, invalid UTF-8 as
 * \ufffd). */
#ifndef SKIFF_OCI_JSON_WRITE_H
#define SKIFF_OCI_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_WRITER_DEPTH 16

struct json_writer {
  char *buf;
  size_t len, cap;
  bool failed;        /* out of memory or nesting too deep: json_writer_finish returns NULL */
  const char *indent; /* NULL: compact */
  int depth;
  bool after_key;
  bool has_items[JSON_WRITER_DEPTH];
};

void json_writer_init(struct json_writer *w, const char *indent);
void json_write_begin_object(struct json_writer *w);
void json_write_end_object(struct json_writer *w);
void json_write_begin_array(struct json_writer *w);
void json_write_end_array(struct json_writer *w);
void json_write_key(struct json_writer *w, const char *key);
void json_write_string(struct json_writer *w, const char *s);
void json_write_int(struct json_writer *w, long long v);
void json_write_uint(struct json_writer *w, unsigned long long v);
void json_write_bool(struct json_writer *w, bool v);
/* A number as its JSON literal, written as given (a parsed document's numbers, passed through). */
void json_write_number_literal(struct json_writer *w, const char *literal);

/* Shorthands for members. */
void json_write_kstring(struct json_writer *w, const char *key, const char *s);
void json_write_kint(struct json_writer *w, const char *key, long long v);
void json_write_kuint(struct json_writer *w, const char *key, unsigned long long v);
void json_write_kbool(struct json_writer *w, const char *key, bool v);
void json_write_kstrings(struct json_writer *w, const char *key, const char *const *v, size_t n);

/* The NUL-terminated text (caller frees), or NULL when anything failed. */
char *json_writer_finish(struct json_writer *w);

struct oci_kv;
/* key: {map}, the map's keys sorted as Go marshals a map (so output matches runc's). */
int json_write_sorted_map(struct json_writer *w, const char *key, const struct oci_kv *kv, size_t n);

#endif

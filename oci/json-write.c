#include "oci/json-write.h"

#include "oci/config.h"
#include "oci/format.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_writer_init(struct json_writer *w, const char *indent) {
  *w = (struct json_writer){.indent = indent};
}

static void put(struct json_writer *w, const char *s, size_t n) {
  if (w->failed)
    return;
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + n + 1)
      cap *= 2;
    char *buf = realloc(w->buf, cap);
    if (!buf) {
      w->failed = true;
      return;
    }
    w->buf = buf;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void puts_(struct json_writer *w, const char *s) {
  put(w, s, strlen(s));
}

static void newline(struct json_writer *w) {
  put(w, "\n", 1);
  for (int i = 0; i < w->depth; i++)
    puts_(w, w->indent);
}

/* Separates this value (or key) from the previous element of its container. */
static void before_value(struct json_writer *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->depth == 0)
    return;
  if (w->has_items[w->depth - 1])
    put(w, ",", 1);
  w->has_items[w->depth - 1] = true;
  if (w->indent)
    newline(w);
}

static void open_container(struct json_writer *w, const char *bracket) {
  before_value(w);
  put(w, bracket, 1);
  if (w->depth == JSON_WRITER_DEPTH) {
    w->failed = true;
    return;
  }
  w->has_items[w->depth++] = false;
}

static void close_container(struct json_writer *w, const char *bracket) {
  if (w->depth == 0) {
    w->failed = true;
    return;
  }
  w->depth--;
  if (w->has_items[w->depth] && w->indent)
    newline(w);
  put(w, bracket, 1);
}

void json_write_begin_object(struct json_writer *w) {
  open_container(w, "{");
}

void json_write_end_object(struct json_writer *w) {
  close_container(w, "}");
}

void json_write_begin_array(struct json_writer *w) {
  open_container(w, "[");
}

void json_write_end_array(struct json_writer *w) {
  close_container(w, "]");
}

/* Length of the valid UTF-8 sequence at s (its code point in *cp), or 0 when invalid: no
 * overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, uint32_t *cp) {
  size_t n;
  uint32_t min;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    n = 2;
    *cp = s[0] & 0x1f;
    min = 0x80;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    n = 3;
    *cp = s[0] & 0x0f;
    min = 0x800;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    n = 4;
    *cp = s[0] & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    *cp = (*cp << 6) | (s[i] & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
    return 0;
  return n;
}

void json_write_string(struct json_writer *w, const char *str) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  before_value(w);
  put(w, "\"", 1);
  const unsigned char *run = s; /* start of bytes copied as they are */
  while (*s) {
    char esc[8];
    size_t esc_len = 0, skip = 1;
    unsigned char ch = *s;
    if (ch < 0x80) {
      if (ch == '"' || ch == '\\') {
        esc[0] = '\\';
        esc[1] = (char)ch;
        esc_len = 2;
      } else if (ch == '\n' || ch == '\r' || ch == '\t') {
        esc[0] = '\\';
        esc[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
        esc_len = 2;
      } else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[ch >> 4];
        esc[5] = hex[ch & 15];
        esc_len = 6;
      }
    } else {
      uint32_t cp;
      skip = utf8_sequence(s, &cp);
      if (skip == 0) {
        memcpy(esc, "\\ufffd", 6);
        esc_len = 6;
        skip = 1;
      } else if (cp == 0x2028 || cp == 0x2029) {
        memcpy(esc, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
        esc_len = 6;
      }
    }
    if (esc_len) {
      put(w, (const char *)run, (size_t)(s - run));
      put(w, esc, esc_len);
      run = s + skip;
    }
    s += skip;
  }
  put(w, (const char *)run, (size_t)(s - run));
  put(w, "\"", 1);
}

void json_write_key(struct json_writer *w, const char *key) {
  json_write_string(w, key);
  puts_(w, w->indent ? ": " : ":");
  w->after_key = true;
}

void json_write_int(struct json_writer *w, long long v) {
  char buf[32];
  before_value(w);
  put(w, buf, (size_t)format_string(buf, sizeof buf, "%lld", v));
}

void json_write_number_literal(struct json_writer *w, const char *literal) {
  before_value(w);
  puts_(w, literal);
}

void json_write_uint(struct json_writer *w, unsigned long long v) {
  char buf[32];
  before_value(w);
  put(w, buf, (size_t)format_string(buf, sizeof buf, "%llu", v));
}

void json_write_bool(struct json_writer *w, bool v) {
  before_value(w);
  puts_(w, v ? "true" : "false");
}

void json_write_kstring(struct json_writer *w, const char *key, const char *s) {
  json_write_key(w, key);
  json_write_string(w, s);
}

void json_write_kint(struct json_writer *w, const char *key, long long v) {
  json_write_key(w, key);
  json_write_int(w, v);
}

void json_write_kuint(struct json_writer *w, const char *key, unsigned long long v) {
  json_write_key(w, key);
  json_write_uint(w, v);
}

void json_write_kbool(struct json_writer *w, const char *key, bool v) {
  json_write_key(w, key);
  json_write_bool(w, v);
}

void json_write_kstrings(struct json_writer *w, const char *key, const char *const *v, size_t n) {
  json_write_key(w, key);
  json_write_begin_array(w);
  for (size_t i = 0; i < n; i++)
    json_write_string(w, v[i]);
  json_write_end_array(w);
}

char *json_writer_finish(struct json_writer *w) {
  if (w->failed || w->depth != 0 || !w->buf) {
    free(w->buf);
    *w = (struct json_writer){0};
    return NULL;
  }
  char *buf = w->buf;
  w->buf = NULL;
  return buf;
}

static int compare_kv(const void *a, const void *b) {
  return strcmp((*(const struct oci_kv *const *)a)->key, (*(const struct oci_kv *const *)b)->key);
}

int json_write_sorted_map(struct json_writer *w, const char *key, const struct oci_kv *kv, size_t n) {
  const struct oci_kv **sorted = malloc((n ? n : 1) * sizeof *sorted);
  if (!sorted)
    return -1;
  for (size_t i = 0; i < n; i++)
    sorted[i] = &kv[i];
  qsort(sorted, n, sizeof *sorted, compare_kv);
  json_write_key(w, key);
  json_write_begin_object(w);
  for (size_t i = 0; i < n; i++)
    json_write_kstring(w, sorted[i]->key, sorted[i]->value);
  json_write_end_object(w);
  free(sorted);
  return 0;
}

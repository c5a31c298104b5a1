/* libFuzzer target: skiff's snprintf (oci/format.c) against glibc's, on the conversions it claims
 * (format.h): flags - + space # 0, width and precision (digits or *), lengths hh h l ll z j t,
 * conversions d i u x X o c s p %.
 *
 * Input: a format (up to the first NUL byte), then the bytes the arguments are taken from: 8 for
 * each number or pointer, and for each %s a string up to the next NUL. The format is skiff's code,
 * not its input, so a format outside that subset, or one C leaves undefined (a flag that a
 * conversion does not take, "%0s"), is skipped; the arguments are the input. Both run on the same
 * arguments and the same buffer size (from the first argument byte): the text and the return value
 * must be the same. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/format.h"

#define MAX_ARGS 12
/* widths and precisions of more than this many columns are left out of the comparison with
   glibc (only skiff's runs): glibc fails them with EOVERFLOW near INT_MAX, and takes as long */
#define COMPARE_MAX_WIDTH 100000

struct input {
  const uint8_t *p, *end;
};

static uint64_t take_u64(struct input *in) {
  uint64_t v = 0;
  for (int i = 0; i < 8 && in->p < in->end; i++)
    v |= (uint64_t)*in->p++ << (8 * i);
  return v;
}

static const char *take_string(struct input *in) {
  const uint8_t *nul = memchr(in->p, '\0', (size_t)(in->end - in->p));
  if (!nul)
    return NULL;
  const char *s = (const char *)in->p;
  in->p = nul + 1;
  return s;
}

/* Walks fmt as format.c does, collecting the arguments it will read into args (as 64-bit slots:
 * on x86-64 every integer and pointer argument takes one, whatever its C type). Returns the
 * count, or -1 for a format to skip. */
static int collect_args(const char *fmt, struct input *in, uint64_t args[MAX_ARGS], bool *huge) {
  int n = 0;
  for (const char *p = fmt; *p; p++) {
    if (*p != '%')
      continue;
    bool zero = false, alt = false, sign = false;
    for (p++; *p && strchr("-0#+ ", *p); p++) {
      zero |= *p == '0';
      alt |= *p == '#';
      sign |= *p == '+' || *p == ' ';
    }
    if (*p == '*') {
      if (n == MAX_ARGS)
        return -1;
      int w = (int)(int32_t)take_u64(in);
      args[n++] = (uint64_t)(int64_t)w;
      *huge |= w > COMPARE_MAX_WIDTH || w < -COMPARE_MAX_WIDTH;
      p++;
    } else {
      long w = 0;
      for (; *p >= '0' && *p <= '9'; p++)
        w = w < 1000000000L ? w * 10 + (*p - '0') : w;
      *huge |= w > COMPARE_MAX_WIDTH;
    }
    bool precision = false;
    if (*p == '.') {
      precision = true;
      p++;
      if (*p == '*') {
        if (n == MAX_ARGS)
          return -1;
        int v = (int)(int32_t)take_u64(in);
        args[n++] = (uint64_t)(int64_t)v;
        *huge |= v > COMPARE_MAX_WIDTH;
        p++;
      } else {
        long v = 0;
        for (; *p >= '0' && *p <= '9'; p++)
          v = v < 1000000000L ? v * 10 + (*p - '0') : v;
        *huge |= v > COMPARE_MAX_WIDTH;
      }
    }
    bool has_length = false;
    if (*p == 'h' || *p == 'l') {
      has_length = true;
      p += p[1] == p[0] ? 2 : 1;
    } else if (*p == 'z' || *p == 'j' || *p == 't') {
      has_length = true;
      p++;
    }
    if (!*p || !strchr("diuxXocsp%", *p))
      return -1;
    if (n == MAX_ARGS)
      return -1;
    switch (*p) {
    case 'd':
    case 'i':
      if (alt)
        return -1;
      args[n++] = take_u64(in);
      break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
      if (sign) /* glibc ignores them as format.c does, but C does not define them */
        return -1;
      if (*p == 'u' && alt)
        return -1;
      args[n++] = take_u64(in);
      break;
    case 'c':
      if (zero || alt || sign || precision || has_length)
        return -1;
      args[n++] = take_u64(in);
      break;
    case 's': {
      if (zero || alt || sign || has_length)
        return -1;
      const char *s = take_string(in);
      if (!s)
        return -1;
      args[n++] = (uintptr_t)s;
      break;
    }
    case 'p':
      if (zero || alt || sign || precision || has_length)
        return -1;
      args[n++] = take_u64(in);
      break;
    case '%':
      /* "%%" alone: anything between the two is undefined */
      if (p[-1] != '%')
        return -1;
      break;
    }
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, '\0', size);
  if (!nul)
    return 0;
  const char *fmt = (const char *)data;
  struct input in = {nul + 1, data + size};
  size_t buf_size = in.p < in.end ? *in.p++ : 0;
  uint64_t a[MAX_ARGS] = {0};
  bool huge = false;
  if (collect_args(fmt, &in, a, &huge) < 0)
    return 0;

  char *ours = malloc(buf_size + 1), *theirs = malloc(buf_size + 1);
  if (!ours || !theirs)
    abort();
  memset(ours, 0x55, buf_size + 1);
  memset(theirs, 0x55, buf_size + 1);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
  int n_ours = format_string(ours, buf_size, fmt, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                             a[9], a[10], a[11]);
  if (ours[buf_size] != 0x55) /* wrote past size */
    __builtin_trap();
  if (!huge) {
    int n_theirs = snprintf(theirs, buf_size, fmt, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                            a[9], a[10], a[11]);
#pragma GCC diagnostic pop
    if (n_ours != n_theirs || (buf_size && strcmp(ours, theirs) != 0)) {
      fprintf(stderr, "format \"%s\" (size %zu): skiff %d \"%s\", glibc %d \"%s\"\n", fmt, buf_size, n_ours,
              buf_size ? ours : "", n_theirs, buf_size ? theirs : "");
      __builtin_trap();
    }
  }
  free(ours);
  free(theirs);
  return 0;
}

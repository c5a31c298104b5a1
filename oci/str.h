/* strspn and strcspn as plain loops: the runtime measures the few bytes of a name or a line it
 * scans, and glibc's SSE4.2 versions read a lookup table that faults a 64 KiB window of libc's
 * .rodata into the run (into the runtime and again into the container's init). */
#ifndef SKIFF_STR_H
#define SKIFF_STR_H

#include <stdbool.h>
#include <stddef.h>

static inline bool str_has(const char *set, char c) {
  for (; *set; set++)
    if (*set == c)
      return true;
  return false;
}

/* Length of the prefix of s made of characters of accept. */
static inline size_t str_span(const char *s, const char *accept) {
  size_t n = 0;
  while (s[n] && str_has(accept, s[n]))
    n++;
  return n;
}

/* Length of the prefix of s made of characters not in reject. */
static inline size_t str_cspan(const char *s, const char *reject) {
  size_t n = 0;
  while (s[n] && !str_has(reject, s[n]))
    n++;
  return n;
}

#endif

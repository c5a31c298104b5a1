/* format_string() against libc's snprintf: every flag, width, precision, length and conversion skiff's
 * formats use, with truncation at several buffer sizes. TAP output. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "oci/format.h"
#include "tests/unit/tap.h"

static unsigned bad;

#define SAME(...)                                                                                            \
  do {                                                                                                       \
    static const size_t sizes[] = {0, 1, 4, 11, 200};                                                        \
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {                                              \
      char got[256], want[256];                                                                              \
      memset(got, 'X', sizeof got);                                                                          \
      memset(want, 'X', sizeof want);                                                                        \
      int ng = format_string(got, sizes[i], __VA_ARGS__), nw = snprintf(want, sizes[i], __VA_ARGS__);        \
      if (ng != nw || memcmp(got, want, sizeof got) != 0) {                                                  \
        if (bad++ < 20)                                                                                      \
          tap_diag("%s (size %zu): got %d \"%.*s\", want %d \"%.*s\"", #__VA_ARGS__, sizes[i], ng,           \
                   (int)(sizes[i] ? strnlen(got, sizes[i]) : 0), got, nw,                                    \
                   (int)(sizes[i] ? strnlen(want, sizes[i]) : 0), want);                                     \
      }                                                                                                      \
    }                                                                                                        \
  } while (0)

int main(void) {
  SAME("plain text, no conversion");
  SAME("");
  SAME("100%% sure");
  SAME("%s/%s", "/run/skiff", "container-id");
  SAME("[%s]", "");
  SAME("%.*s|", 3, "abcdef");
  SAME("%.*s|", 10, "abc");
  SAME("%.*s|", -1, "abc");
  SAME("%.2s|%-6s|%6s|%-*s|%*s|", "xyz", "ab", "ab", 5, "c", -5, "d");
  SAME("%s", (char *)NULL);
  SAME("%.3s|%.8s", (char *)NULL, (char *)NULL);
  SAME("%c%c%-3c|%3c|", 'a', 0x7e, 'b', 'c');
  static const long long ints[] = {0, 1, -1, 7, 42, -42, 99999, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 255};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    long long v = ints[i];
    SAME("%d|%i|%5d|%-5d|%05d|%+d|% d|%.3d|%.0d|%8.3d", (int)v, (int)v, (int)v, (int)v, (int)v, (int)v,
         (int)v, (int)v, (int)v, (int)v);
    SAME("%ld|%lld|%zd|%jd|%td|%hd|%hhd", (long)v, v, (ssize_t)v, (intmax_t)v, (ptrdiff_t)v, (short)v,
         (signed char)v);
    SAME("%u|%lu|%llu|%zu|%ju|%hu|%hhu", (unsigned)v, (unsigned long)v, (unsigned long long)v, (size_t)v,
         (uintmax_t)v, (unsigned short)v, (unsigned char)v);
    SAME("%x|%X|%#x|%#X|%04x|%08x|%#lx|%llx|%.0x", (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v,
         (unsigned)v, (unsigned)v, (unsigned long)v, (unsigned long long)v, (unsigned)v);
    SAME("%o|%#o|%04o|%#.0o|%#5o|%-#6o|", (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v,
         (unsigned)v);
    SAME("%02ld:%02ld|%*d|%-*d|%0*d", (long)v, (long)v % 60, 6, (int)v, 6, (int)v, 6, (int)v);
  }
  SAME("%p|%p", (void *)0x1234, (void *)NULL);
  SAME("%" PRIu64 " %" PRId64 " %" PRIu32 " %" PRIx64, UINT64_MAX, INT64_MIN, UINT32_MAX,
       (uint64_t)0xdeadbeef);
  SAME("/proc/self/fd/%d", 12);
  SAME("%s: %s", "a long enough prefix to be truncated",
       "and a long enough message to go past 200 bytes of "
       "output in the biggest of the buffers the test gives, so that the end is cut and the count still "
       "right");
  tap_ok(bad == 0, "format_string() writes what snprintf writes and returns the same count (%u differ)", bad);

  /* found by tests/fuzz/fuzz-format: a width or precision past INT_MAX in the format overflowed an
     int (UBSan: signed integer overflow in format.c); snprintf fails those with EOVERFLOW */
  char buf[16];
  tap_ok(format_string(buf, sizeof buf, "%99999999999d|", 1) == -1, "a width past INT_MAX fails, as snprintf's");
  tap_ok(format_string(buf, sizeof buf, "%.8446744073709551615d", 1) == -1,
         "a precision past INT_MAX fails, as snprintf's");
  tap_ok(format_string(buf, sizeof buf, "%2147483647d", 1) == INT_MAX && strcmp(buf, "               ") == 0,
         "a width of INT_MAX is counted, what fits written");
  /* and a huge width only counted past the buffer: it took 2^27 calls of put() */
  tap_ok(format_string(buf, sizeof buf, "%+.*d", INT_MAX, 1) == -1,
         "a precision of INT_MAX with a sign is too long for an int");
  return tap_done();
}

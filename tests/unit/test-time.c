/* format_rfc3339_nano_at (civil time by hand) against gmtime_r + strftime over four centuries and
 * the edges: leap days, century years, the epoch, before it. TAP output. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/utils.h"
#include "tests/unit/tap.h"

static void reference(time_t secs, long nsec, char *buf, size_t size) {
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  snprintf(frac, sizeof frac, ".%09ld", nsec);
  size_t flen = strlen(frac);
  while (flen > 1 && frac[flen - 1] == '0')
    frac[--flen] = '\0';
  snprintf(buf + n, size - n, "%sZ", flen == 1 ? "" : frac);
}

static unsigned check(time_t secs, long nsec) {
  char got[RFC3339_NANO_MAX], want[RFC3339_NANO_MAX + 16];
  struct timespec ts = {.tv_sec = secs, .tv_nsec = nsec};
  format_rfc3339_nano_at(&ts, got);
  reference(secs, nsec, want, sizeof want);
  if (strcmp(got, want) == 0)
    return 0;
  tap_diag("%lld.%09ld: got %s, want %s", (long long)secs, nsec, got, want);
  return 1;
}

int main(void) {
  static const long nsecs[] = {0, 1, 10, 999999999, 123456789, 500000000, 120};
  unsigned bad = 0;
  /* every day from 1900 to 2300, at a time of day and a fraction that move along */
  for (time_t day = -25567; day < 120000 && bad < 10; day++) {
    time_t i = day + 25567; /* >= 0 */
    bad += check(day * 86400 + (i * 7919) % 86400, nsecs[i % 7]);
  }
  tap_ok(bad == 0, "every day 1900..2300: same as gmtime_r + strftime");
  bad = 0;
  static const time_t edges[] = {0,         -1,         86399,      86400,       951782400,
                                 951868799, 4107542400, 4107542399, -2208988800, 253402300799};
  for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
    for (size_t j = 0; j < sizeof nsecs / sizeof *nsecs; j++)
      bad += check(edges[i], nsecs[j]);
  tap_ok(bad == 0, "epoch, before it, leap days, 2100, 9999-12-31T23:59:59");
  char now[RFC3339_NANO_MAX];
  format_rfc3339_nano(now);
  tap_ok(strlen(now) >= 20 && now[4] == '-' && now[10] == 'T' && now[strlen(now) - 1] == 'Z', "now: %s", now);
  return tap_done();
}

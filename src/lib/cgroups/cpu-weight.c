/* The shares -> weight conversion without floating point: libm was linked for this one formula
 * only, and mapping it costs every run a few hundred KiB of RSS. The weight is the smallest w with
 * w >= 10^x, x = (L^2 + 125 L - 126) / 612, i.e. 612 log2(w) >= log2(10) (L^2 + 125 L - 126); both
 * sides are evaluated in 48-bit fixed point, far finer than the distance of 10^x from an integer for
 * any valid shares (tests/unit/test-cpu-weight.c checks every value against the double formula). */
#include "lib/cgroups/cpu-weight.h"

#define FRAC 48
#define LOG2_10 935039633142894ll /* log2(10) * 2^48 */

/* log2(x) * 2^48, rounded down (to within 2^-48), for 1 <= x < 2^62: the integer part from the top
 * bit, the fraction bit by bit by squaring the mantissa (each squaring doubles its logarithm). */
static int64_t log2_fixed(uint64_t x) {
  int top = 63 - __builtin_clzll(x);
  uint64_t m = x << (62 - top); /* x / 2^top in [1, 2), 62 fraction bits */
  int64_t r = (int64_t)top << FRAC;
  for (int bit = FRAC - 1; bit >= 0; bit--) {
    m = (uint64_t)(((unsigned __int128)m * m) >> 62);
    if (m >> 63) {
      r |= 1ll << bit;
      m >>= 1;
    }
  }
  return r;
}

uint64_t cg_shares_to_weight(uint64_t shares) {
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  __int128 l = log2_fixed(shares);
  __int128 exponent = ((l * l) >> FRAC) + 125 * l - ((__int128)126 << FRAC); /* 612 x, 2^48 scale */
  __int128 want = exponent * LOG2_10;                                        /* 2^96 scale */
  uint64_t lo = 1, hi = 10000;
  while (lo < hi) { /* smallest w in [lo, hi] with 612 log2(w) >= log2(10) 612 x */
    uint64_t mid = lo + (hi - lo) / 2;
    if (((__int128)612 * log2_fixed(mid)) << FRAC >= want)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

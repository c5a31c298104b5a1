/* cg_shares_to_weight (integer arithmetic) against the floating-point formula it replaces, for every
 * valid cpu.shares and a few out-of-range values. TAP output. */
#include <math.h>
#include <stdint.h>

#include "lib/cgroups/cpu-weight.h"
#include "tests/unit/tap.h"

/* The conversion as runc and crun write it, and as skiff computed it before it dropped libm. */
static uint64_t weight_double(uint64_t shares) {
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  double l = log2((double)shares);
  double w = ceil(pow(10.0, (l * l + 125.0 * l - 126.0) / 612.0));
  return w < 1 ? 1 : w > 10000 ? 10000 : (uint64_t)w;
}

int main(void) {
  unsigned mismatches = 0;
  for (uint64_t shares = 0; shares <= 300000; shares++) {
    uint64_t got = cg_shares_to_weight(shares), want = weight_double(shares);
    if (got != want && mismatches++ < 10)
      tap_diag("shares %llu: weight %llu, the double formula gives %llu", (unsigned long long)shares,
               (unsigned long long)got, (unsigned long long)want);
  }
  tap_ok(mismatches == 0, "shares 0..300000: integer weight equals the double formula (%u differ)",
         mismatches);
  tap_ok(cg_shares_to_weight(2) == 1 && cg_shares_to_weight(1024) == 100 &&
             cg_shares_to_weight(262144) == 10000,
         "ends and default: 2 -> 1, 1024 -> 100, 262144 -> 10000");
  tap_ok(cg_shares_to_weight(UINT64_MAX) == 10000, "shares above the range clamp to 10000");
  return tap_done();
}

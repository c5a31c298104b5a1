/* cpu.shares (v1) to cpu.weight (v2), in integer arithmetic so that skiff needs no libm. */
#ifndef SKIFF_CGROUPS_CPU_WEIGHT_H
#define SKIFF_CGROUPS_CPU_WEIGHT_H

#include <stdint.h>

/* ceil(10^((L^2 + 125 L) / 612 - 7/34)), L = log2(shares), within [1, 10000]: the conversion runc and
 * crun use, giving the same value as their floating-point formula for every shares in [2, 262144]. */
uint64_t cg_shares_to_weight(uint64_t shares);

#endif

/* linux.resources.pids: pids.max, the same file on v1 and v2. -1 is "max"; 0 is a real limit
 * (the spec says so, unlike runc, which reads 0 as unset). */
#include "lib/cgroups/internal.h"

#include <errno.h>

int cg_apply_pids(const struct cg_target *t, int64_t limit, struct skiff_error *err) {
  if (t->fd[CG_PIDS] < 0)
    return skiff_fail(err, ENOENT, "linux.resources.pids: pids controller not available");
  return cg_set_max(t->fd[CG_PIDS], "pids.max", limit, "linux.resources.pids.limit", err);
}

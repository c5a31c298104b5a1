/* linux.resources.memory. The spec's swap is memory+swap (v1's memsw); v2 limits swap alone, so
 * memory.swap.max = swap - limit. v1 insists on limit <= memsw at every moment, which decides
 * the order of the two writes on update. As runc, 0 means "not set" for the byte limits, and
 * the deprecated kernel limit is ignored (kernels since 6.x ignore it themselves). */
#include "lib/cgroups/internal.h"
#include "oci/format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define F "linux.resources.memory"

static int check_limit(bool has, int64_t v, const char *name, struct skiff_error *err) {
  if (has && v < -1)
    return skiff_fail(err, EINVAL, F ".%s: invalid value %" PRId64 " (-1 means no limit)", name, v);
  return 0;
}

int cg_validate_memory(const struct oci_memory *m, struct skiff_error *err) {
  if (check_limit(m->has_limit, m->limit, "limit", err) < 0 ||
      check_limit(m->has_reservation, m->reservation, "reservation", err) < 0 ||
      check_limit(m->has_swap, m->swap, "swap", err) < 0 ||
      check_limit(m->has_kernel, m->kernel, "kernel", err) < 0 ||
      check_limit(m->has_kernel_tcp, m->kernel_tcp, "kernelTCP", err) < 0)
    return -1;
  if (m->has_swappiness && m->swappiness > 100)
    return skiff_fail(err, EINVAL, F ".swappiness: invalid value %" PRIu64 " (0 to 100)", m->swappiness);
  if (m->has_limit && m->has_swap && m->limit > 0 && m->swap > 0 && m->swap < m->limit)
    return skiff_fail(err, EINVAL,
                      F ".swap: %" PRId64 " is below the memory limit %" PRId64 " (swap counts memory+swap)",
                      m->swap, m->limit);
  return 0;
}

static int check_usage(const struct cg_target *t, int fd, const struct oci_memory *m, bool v2,
                       struct skiff_error *err) {
  if (t->fresh || !m->check_before_update || !m->has_limit || m->limit <= 0)
    return 0;
  uint64_t usage;
  if (cg_read_u64(fd, v2 ? "memory.current" : "memory.usage_in_bytes", &usage) < 0)
    return skiff_fail_errno(err, errno, F ".checkBeforeUpdate: read current usage");
  if ((uint64_t)m->limit < usage)
    return skiff_fail(err, EBUSY,
                      F ".limit: %" PRId64 " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                      m->limit, usage);
  return 0;
}

static int set_v1_limit(int fd, int64_t limit, struct skiff_error *err) {
  if (cg_set_i64(fd, "memory.limit_in_bytes", limit, F ".limit", err) == 0)
    return 0;
  uint64_t usage, memsw;
  if (err->code == EBUSY && cg_read_u64(fd, "memory.usage_in_bytes", &usage) == 0)
    return skiff_fail(err, EBUSY, F ".limit: %" PRId64 " is below the current usage %" PRIu64, limit, usage);
  if (err->code == EINVAL && cg_read_u64(fd, "memory.memsw.limit_in_bytes", &memsw) == 0 &&
      (limit == -1 || (uint64_t)limit > memsw))
    return skiff_fail(err, EINVAL,
                      F ".limit: %" PRId64 " is above the memory+swap limit %" PRIu64 " (set swap too)",
                      limit, memsw);
  return -1;
}

static int apply_v1(const struct cg_target *t, int fd, const struct oci_memory *m, struct skiff_error *err) {
  bool limit = m->has_limit && m->limit != 0;
  bool swap = m->has_swap && m->swap != 0;
  int64_t swap_v = m->swap;
  bool memsw = cg_exists(fd, "memory.memsw.limit_in_bytes");
  if (limit && m->limit == -1 && !m->has_swap && memsw) {
    swap = true; /* no memory limit: no memory+swap limit either */
    swap_v = -1;
  }
  if (swap && !memsw)
    return skiff_fail(err, EOPNOTSUPP, F ".swap: swap accounting is off (no memory.memsw.limit_in_bytes)");
  bool swap_first = false;
  if (limit && swap && !t->fresh) {
    /* the kernel keeps limit <= memsw at every step: raise memsw first when the new limit is
     * above the current memsw */
    uint64_t cur;
    if (cg_read_u64(fd, "memory.memsw.limit_in_bytes", &cur) < 0)
      return skiff_fail_errno(err, errno, F ".swap: read memory.memsw.limit_in_bytes");
    swap_first = m->limit == -1 || (uint64_t)m->limit > cur;
  }
  if (swap_first && cg_set_i64(fd, "memory.memsw.limit_in_bytes", swap_v, F ".swap", err) < 0)
    return -1;
  if (limit && set_v1_limit(fd, m->limit, err) < 0)
    return -1;
  if (swap && !swap_first && cg_set_i64(fd, "memory.memsw.limit_in_bytes", swap_v, F ".swap", err) < 0)
    return -1;
  if (m->has_reservation && m->reservation != 0 &&
      cg_set_i64(fd, "memory.soft_limit_in_bytes", m->reservation, F ".reservation", err) < 0)
    return -1;
  if (m->has_kernel_tcp && m->kernel_tcp != 0 &&
      cg_set_i64(fd, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, F ".kernelTCP", err) < 0)
    return -1;
  if (m->has_swappiness &&
      cg_set_i64(fd, "memory.swappiness", (int64_t)m->swappiness, F ".swappiness", err) < 0)
    return -1;
  if (m->has_disable_oom_killer &&
      cg_set(fd, "memory.oom_control", m->disable_oom_killer ? "1" : "0", F ".disableOOMKiller", err) < 0)
    return -1;
  if (m->has_use_hierarchy &&
      cg_set(fd, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", F ".useHierarchy", err) < 0) {
    if (!m->use_hierarchy && err->code == EINVAL)
      return skiff_fail(err, EINVAL,
                        F ".useHierarchy: false is not supported: this kernel is always hierarchical");
    return -1;
  }
  return 0;
}

static int no_v2(const char *field, struct skiff_error *err) {
  return skiff_fail(err, EOPNOTSUPP, F ".%s: has no cgroup v2 equivalent", field);
}

/* memory.swap.max from the spec's memory+swap. */
static int v2_swap_value(const struct cg_target *t, int fd, const struct oci_memory *m, char *out,
                         size_t size, struct skiff_error *err) {
  if (m->swap == -1) {
    format_string(out, size, "max");
    return 0;
  }
  int64_t limit = m->has_limit ? m->limit : 0;
  if (!m->has_limit || m->limit == 0) {
    uint64_t cur = UINT64_MAX;
    if (!t->fresh && cg_read_u64(fd, "memory.max", &cur) < 0)
      return skiff_fail_errno(err, errno, F ".swap: read memory.max");
    limit = cur == UINT64_MAX ? -1 : (int64_t)cur;
  }
  if (limit == -1)
    return skiff_fail(err, EINVAL, F ".swap: a memory+swap limit needs a memory limit");
  if (m->swap < limit)
    return skiff_fail(err, EINVAL, F ".swap: %" PRId64 " is below the memory limit %" PRId64, m->swap, limit);
  format_string(out, size, "%" PRId64, m->swap - limit);
  return 0;
}

static int apply_v2(const struct cg_target *t, int fd, const struct oci_memory *m, struct skiff_error *err) {
  if (m->has_swappiness)
    return no_v2("swappiness", err);
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return no_v2("disableOOMKiller", err);
  if (m->has_use_hierarchy && !m->use_hierarchy)
    return skiff_fail(err, EOPNOTSUPP, F ".useHierarchy: cgroup v2 is always hierarchical");
  if (m->has_kernel_tcp && m->kernel_tcp != 0)
    return no_v2("kernelTCP", err);
  char swap[32] = "";
  if (m->has_swap && m->swap != 0 && v2_swap_value(t, fd, m, swap, sizeof swap, err) < 0)
    return -1;
  if (!swap[0] && m->has_limit && m->limit == -1 && !m->has_swap)
    format_string(swap, sizeof swap, "max");
  if (m->has_limit && m->limit != 0 && cg_set_max(fd, "memory.max", m->limit, F ".limit", err) < 0)
    return -1;
  if (swap[0] && !cg_exists(fd, "memory.swap.max")) {
    if (strcmp(swap, "max") != 0 && strcmp(swap, "0") != 0)
      return skiff_fail(err, EOPNOTSUPP, F ".swap: swap accounting is off (no memory.swap.max)");
    swap[0] = '\0'; /* no swap accounting: nothing to limit */
  }
  if (swap[0] && cg_set(fd, "memory.swap.max", swap, F ".swap", err) < 0)
    return -1;
  if (m->has_reservation && m->reservation != 0 &&
      cg_set_max(fd, "memory.low", m->reservation, F ".reservation", err) < 0)
    return -1;
  return 0;
}

int cg_apply_memory(const struct cg_target *t, const struct oci_memory *m, struct skiff_error *err) {
  bool any = m->has_limit || m->has_reservation || m->has_swap || m->has_kernel_tcp || m->has_swappiness ||
             m->has_disable_oom_killer || m->has_use_hierarchy;
  int fd = t->fd[CG_MEMORY];
  if (!any)
    return 0;
  if (fd < 0)
    return skiff_fail(err, ENOENT, F ": memory controller not available");
  bool v2 = t->v2[CG_MEMORY];
  if (check_usage(t, fd, m, v2, err) < 0)
    return -1;
  return v2 ? apply_v2(t, fd, m, err) : apply_v1(t, fd, m, err);
}

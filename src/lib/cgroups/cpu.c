/* linux.resources.cpu: the cpu controller (shares/weight, CFS quota and period, burst, idle,
 * realtime) and cpuset (cpus, mems). On v2 shares become cpu.weight with the conversion runc
 * and crun use since 2025, which keeps the defaults equal (1024 -> 100) and the ends of both
 * ranges (2 -> 1, 262144 -> 10000): weight = ceil(10^((L^2 + 125 L) / 612 - 7/34)), L = log2(shares). */
#include "lib/cgroups/internal.h"
#include "lib/cgroups/cpu-weight.h"
#include "oci/format.h"
#include "oci/str.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define F "linux.resources.cpu"

bool cg_valid_list(const char *s) {
  const char *p = s;
  for (;;) {
    const char *start = p;
    unsigned long lo = 0, hi;
    while (*p >= '0' && *p <= '9')
      lo = lo * 10 + (unsigned long)(*p++ - '0');
    if (p == start || p - start > 9)
      return false;
    hi = lo;
    if (*p == '-') {
      start = ++p;
      hi = 0;
      while (*p >= '0' && *p <= '9')
        hi = hi * 10 + (unsigned long)(*p++ - '0');
      if (p == start || p - start > 9 || hi < lo)
        return false;
      if (*p == ':') { /* the kernel's stride form "0-7:2/4" */
        start = ++p;
        while (*p >= '0' && *p <= '9')
          p++;
        if (p == start || *p++ != '/')
          return false;
        start = p;
        while (*p >= '0' && *p <= '9')
          p++;
        if (p == start)
          return false;
      }
    }
    if (*p == '\0' || (*p == '\n' && p[1] == '\0'))
      return true;
    if (*p++ != ',')
      return false;
  }
}

int cg_validate_cpu(const struct oci_cpu *c, struct skiff_error *err) {
  if (c->has_shares && c->shares != 0 && (c->shares < 2 || c->shares > 262144))
    return skiff_fail(err, EINVAL, F ".shares: invalid value %" PRIu64 " (2 to 262144)", c->shares);
  if (c->has_quota && c->quota < -1)
    return skiff_fail(err, EINVAL, F ".quota: invalid value %" PRId64 " (-1 means no limit)", c->quota);
  if (c->has_burst && c->has_quota && c->quota > 0 && c->burst > (uint64_t)c->quota)
    return skiff_fail(err, EINVAL, F ".burst: %" PRIu64 " is above the quota %" PRId64, c->burst, c->quota);
  if (c->has_realtime_runtime && c->realtime_runtime < -1)
    return skiff_fail(err, EINVAL, F ".realtimeRuntime: invalid value %" PRId64, c->realtime_runtime);
  if (c->has_idle && c->idle != 0 && c->idle != 1)
    return skiff_fail(err, EINVAL, F ".idle: invalid value %" PRId64 " (0 or 1)", c->idle);
  if (c->cpus && *c->cpus && !cg_valid_list(c->cpus))
    return skiff_fail(err, EINVAL, F ".cpus: invalid cpu list \"%s\"", c->cpus);
  if (c->mems && *c->mems && !cg_valid_list(c->mems))
    return skiff_fail(err, EINVAL, F ".mems: invalid memory node list \"%s\"", c->mems);
  return 0;
}

int cg_apply_cpuset(const struct cg_target *t, const struct oci_cpu *c, struct skiff_error *err) {
  bool cpus = c->cpus && *c->cpus, mems = c->mems && *c->mems;
  int fd = t->fd[CG_CPUSET];
  if ((cpus || mems) && fd < 0)
    return skiff_fail(err, ENOENT, F ".%s: cpuset controller not available", cpus ? "cpus" : "mems");
  if (cpus && cg_set(fd, "cpuset.cpus", c->cpus, F ".cpus", err) < 0)
    return -1;
  if (mems && cg_set(fd, "cpuset.mems", c->mems, F ".mems", err) < 0)
    return -1;
  return 0;
}

static int apply_v1(int fd, const struct oci_cpu *c, struct skiff_error *err) {
  if (c->has_shares && c->shares != 0 &&
      cg_set_i64(fd, "cpu.shares", (int64_t)c->shares, F ".shares", err) < 0)
    return -1;
  bool period = c->has_period && c->period != 0, quota = c->has_quota && c->quota != 0;
  if (period) {
    char buf[32];
    format_string(buf, sizeof buf, "%" PRIu64, c->period);
    if (cg_write_str(fd, "cpu.cfs_period_us", buf) < 0) {
      /* a shorter period can clash with the current quota's ratio: set the quota first */
      if (errno != EINVAL || !quota)
        return skiff_fail_errno(err, errno, F ".period: write cpu.cfs_period_us \"%s\"", buf);
      if (cg_set_i64(fd, "cpu.cfs_quota_us", c->quota, F ".quota", err) < 0)
        return -1;
      quota = false;
      if (cg_set(fd, "cpu.cfs_period_us", buf, F ".period", err) < 0)
        return -1;
    }
  }
  if (quota && cg_set_i64(fd, "cpu.cfs_quota_us", c->quota, F ".quota", err) < 0)
    return -1;
  if (c->has_burst) {
    if (!cg_exists(fd, "cpu.cfs_burst_us"))
      return skiff_fail(err, EOPNOTSUPP, F ".burst: not supported by this kernel (no cpu.cfs_burst_us)");
    if (cg_set_i64(fd, "cpu.cfs_burst_us", (int64_t)c->burst, F ".burst", err) < 0)
      return -1;
  }
  bool rt_period = c->has_realtime_period && c->realtime_period != 0;
  bool rt_runtime = c->has_realtime_runtime && c->realtime_runtime != 0;
  if ((rt_period || rt_runtime) && !cg_exists(fd, "cpu.rt_runtime_us"))
    return skiff_fail(err, EOPNOTSUPP,
                      F ".%s: realtime group scheduling not available (no cpu.rt_runtime_us)",
                      rt_runtime ? "realtimeRuntime" : "realtimePeriod");
  if (rt_period &&
      cg_set_i64(fd, "cpu.rt_period_us", (int64_t)c->realtime_period, F ".realtimePeriod", err) < 0)
    return -1;
  if (rt_runtime && cg_set_i64(fd, "cpu.rt_runtime_us", c->realtime_runtime, F ".realtimeRuntime", err) < 0)
    return -1;
  if (c->has_idle && cg_set_i64(fd, "cpu.idle", c->idle, F ".idle", err) < 0)
    return -1;
  return 0;
}

static int apply_v2(const struct cg_target *t, int fd, const struct oci_cpu *c, struct skiff_error *err) {
  if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
      (c->has_realtime_period && c->realtime_period != 0))
    return skiff_fail(err, EOPNOTSUPP, F ".%s: realtime group scheduling is not supported on cgroup v2",
                      c->has_realtime_runtime && c->realtime_runtime ? "realtimeRuntime" : "realtimePeriod");
  if (c->has_shares && c->shares != 0 &&
      cg_set_i64(fd, "cpu.weight", (int64_t)cg_shares_to_weight(c->shares), F ".shares", err) < 0)
    return -1;
  bool period = c->has_period && c->period != 0, quota = c->has_quota && c->quota != 0;
  if (period || quota) {
    char cur[64] = "max", max[64];
    if (!quota && !t->fresh && cg_read(fd, "cpu.max", cur, sizeof cur) >= 0)
      cur[str_cspan(cur, " \n")] = '\0'; /* only the period changes: keep the quota */
    int n = quota && c->quota > 0 ? format_string(max, sizeof max, "%" PRId64, c->quota)
                                  : format_string(max, sizeof max, "%s", quota ? "max" : cur);
    if (period)
      format_string(max + n, sizeof max - (size_t)n, " %" PRIu64, c->period);
    if (cg_set(fd, "cpu.max", max, quota ? F ".quota" : F ".period", err) < 0)
      return -1;
  }
  if (c->has_burst) {
    if (!cg_exists(fd, "cpu.max.burst"))
      return skiff_fail(err, EOPNOTSUPP, F ".burst: not supported by this kernel (no cpu.max.burst)");
    if (cg_set_i64(fd, "cpu.max.burst", (int64_t)c->burst, F ".burst", err) < 0)
      return -1;
  }
  if (c->has_idle && cg_set_i64(fd, "cpu.idle", c->idle, F ".idle", err) < 0)
    return -1;
  return 0;
}

int cg_apply_cpu(const struct cg_target *t, const struct oci_cpu *c, struct skiff_error *err) {
  bool any = (c->has_shares && c->shares) || (c->has_quota && c->quota) || (c->has_period && c->period) ||
             c->has_burst || (c->has_realtime_runtime && c->realtime_runtime) ||
             (c->has_realtime_period && c->realtime_period) || c->has_idle;
  if (!any)
    return 0;
  int fd = t->fd[CG_CPU];
  if (fd < 0)
    return skiff_fail(err, ENOENT, F ": cpu controller not available");
  return t->v2[CG_CPU] ? apply_v2(t, fd, c, err) : apply_v1(fd, c, err);
}

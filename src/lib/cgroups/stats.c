/* events --stats: the "data" object of runc's stats event, from the v1 files (cpuacct.*,
 * memory.*, blkio.*, hugetlb.*) or their v2 counterparts (cpu.stat, memory.*, io.stat). Names,
 * units (nanoseconds, bytes) and the members runc leaves out when zero are runc's. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

struct out {
  char *buf;
  size_t len, cap;
  bool failed;
  bool comma; /* a member was written at this level: the next one needs a ',' */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...) {
  for (int tries = 0; tries < 2 && !o->failed; tries++) {
    va_list ap;
    va_start(ap, fmt);
    int n = format_string_va(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      o->failed = true;
      return;
    }
    if (o->buf && o->len + (size_t)n < o->cap) {
      o->len += (size_t)n;
      return;
    }
    size_t cap = (o->cap ? o->cap * 2 : 4096) + (size_t)n;
    char *b = realloc(o->buf, cap);
    if (!b) {
      o->failed = true;
      return;
    }
    o->buf = b;
    o->cap = cap;
  }
}

static void key(struct out *o, const char *k) {
  put(o, "%s\"%s\":", o->comma ? "," : "", k);
  o->comma = true;
}
static void open_obj(struct out *o, const char *k) {
  key(o, k);
  put(o, "{");
  o->comma = false;
}
static void close_obj(struct out *o) {
  put(o, "}");
  o->comma = true;
}
static void u64(struct out *o, const char *k, uint64_t v) {
  key(o, k);
  put(o, "%" PRIu64, v);
}
static void u64_nz(struct out *o, const char *k, uint64_t v) { /* Go's omitempty */
  if (v)
    u64(o, k, v);
}

static uint64_t rd(int fd, const char *file) {
  uint64_t v = 0;
  if (fd < 0 || cg_read_u64(fd, file, &v) < 0)
    return 0;
  return v;
}

static uint64_t rd_key(int fd, const char *file, const char *k) {
  uint64_t v = 0;
  if (fd < 0 || cg_read_key(fd, file, k, &v) < 0)
    return 0;
  return v;
}

/* "1 2 3" -> [1,2,3]; omitted when empty. column: the n-th number of each line after a header. */
static void u64_list(struct out *o, const char *k, const char *text) {
  bool first = true;
  for (const char *p = text; p && *p;) {
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p)
      break;
    if (first)
      key(o, k), put(o, "[");
    put(o, "%s%llu", first ? "" : ",", v);
    first = false;
    p = end + str_span(end, " \n");
  }
  if (!first)
    put(o, "]");
}

static void cpu_v1(struct out *o, int acct, int cpu) {
  char percpu[4096] = "";
  cleanup_free char *all = acct >= 0 ? cg_read_all(acct, "cpuacct.usage_all", NULL) : NULL;
  open_obj(o, "usage");
  u64_nz(o, "total", rd(acct, "cpuacct.usage"));
  if (acct >= 0 && cg_read(acct, "cpuacct.usage_percpu", percpu, sizeof percpu) >= 0)
    u64_list(o, "percpu", percpu);
  for (int col = 2; col >= 1 && all; col--) { /* "cpu user system" per line */
    bool first = true;
    const char *p = strchr(all, '\n');
    while (p && *++p) {
      unsigned long long c, user, sys;
      if (sscanf(p, "%llu %llu %llu", &c, &user, &sys) == 3) {
        if (first)
          key(o, col == 2 ? "percpu_kernel" : "percpu_user"), put(o, "[");
        put(o, "%s%llu", first ? "" : ",", col == 2 ? sys : user);
        first = false;
      }
      p = strchr(p, '\n');
    }
    if (!first)
      put(o, "]");
  }
  long hz = sysconf(_SC_CLK_TCK);
  uint64_t tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
  u64(o, "kernel", rd_key(acct, "cpuacct.stat", "system") * tick);
  u64(o, "user", rd_key(acct, "cpuacct.stat", "user") * tick);
  close_obj(o);
  open_obj(o, "throttling");
  u64_nz(o, "periods", rd_key(cpu, "cpu.stat", "nr_periods"));
  u64_nz(o, "throttledPeriods", rd_key(cpu, "cpu.stat", "nr_throttled"));
  u64_nz(o, "throttledTime", rd_key(cpu, "cpu.stat", "throttled_time"));
  close_obj(o);
}

static void cpu_v2(struct out *o, int fd) {
  open_obj(o, "usage");
  u64_nz(o, "total", rd_key(fd, "cpu.stat", "usage_usec") * 1000);
  u64(o, "kernel", rd_key(fd, "cpu.stat", "system_usec") * 1000);
  u64(o, "user", rd_key(fd, "cpu.stat", "user_usec") * 1000);
  close_obj(o);
  open_obj(o, "throttling");
  u64_nz(o, "periods", rd_key(fd, "cpu.stat", "nr_periods"));
  u64_nz(o, "throttledPeriods", rd_key(fd, "cpu.stat", "nr_throttled"));
  u64_nz(o, "throttledTime", rd_key(fd, "cpu.stat", "throttled_usec") * 1000);
  close_obj(o);
}

/* "0-2,5" -> [0,1,2,5] */
static void cpu_list(struct out *o, const char *k, int fd, const char *file) {
  char text[4096];
  if (fd < 0 || cg_read(fd, file, text, sizeof text) < 0 || !cg_valid_list(text))
    return;
  bool first = true;
  for (const char *p = text; *p && *p != '\n';) {
    char *end;
    unsigned long lo = strtoul(p, &end, 10), hi = lo;
    if (*end == '-')
      hi = strtoul(end + 1, &end, 10);
    for (unsigned long c = lo; c <= hi && c - lo < 65536; c++) {
      if (first)
        key(o, k), put(o, "[");
      put(o, "%s%lu", first ? "" : ",", c);
      first = false;
    }
    p = end + (*end == ',');
  }
  if (!first)
    put(o, "]");
}

static void cpuset(struct out *o, int fd, bool v2) {
  static const char *const flags[] = {"cpu_exclusive",   "mem_hardwall",       "mem_exclusive",
                                      "memory_migrate",  "memory_spread_page", "memory_spread_slab",
                                      "memory_pressure", "sched_load_balance"};
  open_obj(o, "cpuset");
  cpu_list(o, "cpus", fd, v2 ? "cpuset.cpus.effective" : "cpuset.cpus");
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    char file[64];
    format_string(file, sizeof file, "cpuset.%s", flags[i]);
    if (i == 1)
      cpu_list(o, "mems", fd, v2 ? "cpuset.mems.effective" : "cpuset.mems");
    u64(o, flags[i], v2 ? 0 : rd(fd, file));
  }
  char level[32] = "0";
  if (!v2 && fd >= 0 && cg_read(fd, "cpuset.sched_relax_domain_level", level, sizeof level) < 0)
    strcpy(level, "0");
  key(o, "sched_relax_domain_level");
  put(o, "%lld", strtoll(level, NULL, 10));
  close_obj(o);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* memory.stat as a map, keys sorted (as Go prints a map). */
static void raw_stat(struct out *o, char *text, uint64_t *cache, const char *cache_key) {
  char *keys[256];
  size_t n = 0;
  for (char *p = text; *p && n < 256;) {
    keys[n++] = p;
    char *nl = strchr(p, '\n');
    if (!nl)
      break;
    *nl = '\0';
    p = nl + 1;
  }
  qsort(keys, n, sizeof keys[0], cmp_str);
  open_obj(o, "raw");
  for (size_t i = 0; i < n; i++) {
    char *sp = strchr(keys[i], ' ');
    if (!sp)
      continue;
    *sp = '\0';
    uint64_t v = strtoull(sp + 1, NULL, 10);
    if (!strcmp(keys[i], cache_key))
      *cache = v;
    u64(o, keys[i], v);
  }
  close_obj(o);
}

static void entry(struct out *o, const char *k, uint64_t limit, uint64_t usage, uint64_t max,
                  uint64_t failcnt) {
  open_obj(o, k);
  u64(o, "limit", limit);
  u64_nz(o, "usage", usage);
  u64_nz(o, "max", max);
  u64(o, "failcnt", failcnt);
  close_obj(o);
}

static void memory(struct out *o, int fd, bool v2) {
  open_obj(o, "memory");
  cleanup_free char *stat = fd >= 0 ? cg_read_all(fd, "memory.stat", NULL) : NULL;
  uint64_t cache = 0;
  /* raw first into a side buffer: "cache" comes before it but is read from it */
  struct out raw = {0};
  if (stat && *stat)
    raw_stat(&raw, stat, &cache, v2 ? "file" : "cache");
  u64_nz(o, "cache", cache);
  if (!v2) {
    entry(o, "usage", rd(fd, "memory.limit_in_bytes"), rd(fd, "memory.usage_in_bytes"),
          rd(fd, "memory.max_usage_in_bytes"), rd(fd, "memory.failcnt"));
    entry(o, "swap", rd(fd, "memory.memsw.limit_in_bytes"), rd(fd, "memory.memsw.usage_in_bytes"),
          rd(fd, "memory.memsw.max_usage_in_bytes"), rd(fd, "memory.memsw.failcnt"));
    entry(o, "kernel", rd(fd, "memory.kmem.limit_in_bytes"), rd(fd, "memory.kmem.usage_in_bytes"),
          rd(fd, "memory.kmem.max_usage_in_bytes"), rd(fd, "memory.kmem.failcnt"));
    entry(o, "kernelTCP", rd(fd, "memory.kmem.tcp.limit_in_bytes"), rd(fd, "memory.kmem.tcp.usage_in_bytes"),
          rd(fd, "memory.kmem.tcp.max_usage_in_bytes"), rd(fd, "memory.kmem.tcp.failcnt"));
  } else {
    uint64_t cur = rd(fd, "memory.current"), max = rd(fd, "memory.max");
    uint64_t swap = rd(fd, "memory.swap.current"), swap_max = rd(fd, "memory.swap.max");
    entry(o, "usage", fd >= 0 ? max : 0, cur, rd(fd, "memory.peak"), rd_key(fd, "memory.events", "max"));
    /* v1's memsw view: memory plus swap */
    entry(o, "swap", swap_max == UINT64_MAX || max == UINT64_MAX ? UINT64_MAX : swap_max + max, cur + swap, 0,
          rd_key(fd, "memory.swap.events", "max"));
    entry(o, "kernel", 0, 0, 0, 0);
    entry(o, "kernelTCP", 0, 0, 0, 0);
  }
  if (raw.buf && !raw.failed) {
    put(o, ",%.*s", (int)raw.len, raw.buf);
    o->comma = true;
  }
  free(raw.buf);
  close_obj(o);
}

static void blkio_v1_list(struct out *o, const char *k, int fd, const char *file, bool *any) {
  cleanup_free char *text = fd >= 0 ? cg_read_all(fd, file, NULL) : NULL;
  bool first = true;
  for (char *p = text; p && *p;) {
    unsigned long long major, minor, v;
    char op[16];
    if (sscanf(p, "%llu:%llu %15s %llu", &major, &minor, op, &v) == 4) {
      if (first)
        key(o, k), put(o, "[");
      put(o, "%s{", first ? "" : ",");
      o->comma = false;
      u64_nz(o, "major", major);
      u64_nz(o, "minor", minor);
      key(o, "op");
      put(o, "\"%s\"", op);
      u64_nz(o, "value", v);
      put(o, "}");
      first = false;
    }
    char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : NULL;
  }
  if (!first) {
    put(o, "]");
    o->comma = true;
    *any = true;
  }
}

static void blkio_v2_list(struct out *o, const char *k, int fd, const char *rkey, const char *wkey) {
  cleanup_free char *text = fd >= 0 ? cg_read_all(fd, "io.stat", NULL) : NULL;
  bool first = true;
  for (char *p = text; p && *p;) {
    unsigned long long major, minor;
    if (sscanf(p, "%llu:%llu", &major, &minor) == 2) {
      for (int w = 0; w < 2; w++) {
        const char *f = strstr(p, w ? wkey : rkey);
        char *nl = strchr(p, '\n');
        if (!f || (nl && f > nl))
          continue;
        if (first)
          key(o, k), put(o, "[");
        put(o, "%s{", first ? "" : ",");
        o->comma = false;
        u64_nz(o, "major", major);
        u64_nz(o, "minor", minor);
        key(o, "op");
        put(o, "\"%s\"", w ? "Write" : "Read");
        u64_nz(o, "value", strtoull(f + strlen(w ? wkey : rkey), NULL, 10));
        put(o, "}");
        first = false;
      }
    }
    char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : NULL;
  }
  if (!first) {
    put(o, "]");
    o->comma = true;
  }
}

static void blkio(struct out *o, int fd, bool v2) {
  open_obj(o, "blkio");
  if (v2) {
    blkio_v2_list(o, "ioServiceBytesRecursive", fd, "rbytes=", "wbytes=");
    blkio_v2_list(o, "ioServicedRecursive", fd, "rios=", "wios=");
  } else {
    bool any = false;
    blkio_v1_list(o, "ioServiceBytesRecursive", fd, "blkio.bfq.io_service_bytes_recursive", &any);
    blkio_v1_list(o, "ioServicedRecursive", fd, "blkio.bfq.io_serviced_recursive", &any);
    if (!any) {
      blkio_v1_list(o, "ioServiceBytesRecursive", fd, "blkio.throttle.io_service_bytes_recursive", &any);
      blkio_v1_list(o, "ioServicedRecursive", fd, "blkio.throttle.io_serviced_recursive", &any);
    }
  }
  close_obj(o);
}

static void hugetlb(struct out *o, int fd, bool v2) {
  open_obj(o, "hugetlb");
  cleanup_closedir DIR *d = fd >= 0 ? opendir("/sys/kernel/mm/hugepages") : NULL;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    unsigned long kb;
    if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
      continue;
    char size[32], file[96];
    if (kb % (1024 * 1024) == 0)
      format_string(size, sizeof size, "%luGB", kb / (1024 * 1024));
    else if (kb % 1024 == 0)
      format_string(size, sizeof size, "%luMB", kb / 1024);
    else
      format_string(size, sizeof size, "%luKB", kb);
    open_obj(o, size);
    format_string(file, sizeof file, "hugetlb.%s.%s", size, v2 ? "current" : "usage_in_bytes");
    u64_nz(o, "usage", rd(fd, file));
    if (!v2) {
      format_string(file, sizeof file, "hugetlb.%s.max_usage_in_bytes", size);
      u64_nz(o, "max", rd(fd, file));
      format_string(file, sizeof file, "hugetlb.%s.failcnt", size);
      u64(o, "failcnt", rd(fd, file));
    } else {
      format_string(file, sizeof file, "hugetlb.%s.events", size);
      u64(o, "failcnt", rd_key(fd, file, "max"));
    }
    close_obj(o);
  }
  close_obj(o);
}

/* The directory holding a controller's files, -1 when it has none (on v2: the controller is
 * not enabled there; cpu.stat is the exception, every cgroup2 has it). */
static int open_for(struct cg_dirs *dirs, enum cg_controller c, bool *v2) {
  int i = cg_dirs_index_for(dirs, c, v2);
  if (i < 0)
    return -1;
  if (dirs->d[i].fd < 0)
    dirs->d[i].fd = cg_dir_open(&dirs->d[i]);
  char ctl[512];
  if (*v2 && c != CG_CPU &&
      (cg_read(dirs->d[i].fd, "cgroup.controllers", ctl, sizeof ctl) < 0 ||
       !(cg_v2_parse_controllers(ctl) & CG_BIT(c))))
    return -1;
  return dirs->d[i].fd;
}

char *cgroup_stats_json(const char *path, struct skiff_error *err) {
  struct cg_dirs dirs;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return NULL;
  struct out o = {0};
  /* each fd is opened before its v2 flag is read: C leaves argument order open */
  bool v2 = false, v2m = false, v2p = false, v2b = false, v2h = false, v2s = false, ignore;
  int cpu = open_for(&dirs, CG_CPU, &v2);
  int acct = v2 ? -1 : open_for(&dirs, CG_CPUACCT, &ignore);
  int cs = open_for(&dirs, CG_CPUSET, &v2s);
  int mem = open_for(&dirs, CG_MEMORY, &v2m);
  int pids = open_for(&dirs, CG_PIDS, &v2p);
  int io = open_for(&dirs, CG_BLKIO, &v2b);
  int huge = open_for(&dirs, CG_HUGETLB, &v2h);
  put(&o, "{");
  open_obj(&o, "cpu");
  if (v2)
    cpu_v2(&o, cpu);
  else
    cpu_v1(&o, acct, cpu);
  close_obj(&o);
  cpuset(&o, cs, v2s);
  memory(&o, mem, v2m);
  open_obj(&o, "pids");
  u64_nz(&o, "current", rd(pids, "pids.current"));
  uint64_t limit = rd(pids, "pids.max");
  u64_nz(&o, "limit", limit == UINT64_MAX ? 0 : limit);
  close_obj(&o);
  blkio(&o, io, v2b);
  hugetlb(&o, huge, v2h);
  put(&o, ",\"intel_rdt\":{},\"network_interfaces\":null}");
  cg_dirs_release(&dirs);
  if (o.failed) {
    free(o.buf);
    skiff_fail_errno(err, ENOMEM, "cgroup stats");
    return NULL;
  }
  return o.buf;
}

/* skiff update [--resources FILE|-] [resource flags] <container-id>: change the limits of a running
 * container. runc's flags; a --resources document and flags combine, the flags winning. */
#include "cli/cli.h"

#include <ctype.h>
#include <stdint.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/config.h"

/* A numeric flag once parsed. */
struct num_flag {
  bool set;
  int64_t v;
};

struct update_flags {
  const char *resources, *cpuset_cpus, *cpuset_mems, *l3_cache_schema, *mem_bw_schema;
  struct num_flag blkio_weight, cpu_period, cpu_quota, cpu_share, cpu_rt_period, cpu_rt_runtime, cpu_idle;
  struct num_flag kernel_memory, kernel_memory_tcp, memory, memory_reservation, memory_swap, pids_limit;
};

/* Go's strconv.ParseInt/ParseUint(s, base, 64), which runc's update applies to these flags: an
 * optional sign (ParseInt only), digits and nothing else; base 0 also takes 0x and 0 prefixes. */
static const char *parse_go_int(const char *s, int base, bool is_signed, struct num_flag *out) {
  if (!*s || isspace((unsigned char)*s) || (!is_signed && (*s == '-' || *s == '+')))
    return "not a number";
  char *end;
  errno = 0;
  if (is_signed) {
    long long v = strtoll(s, &end, base);
    if (*end || end == s)
      return "not a number";
    if (errno == ERANGE)
      return "out of range";
    out->v = v;
  } else {
    unsigned long long v = strtoull(s, &end, base);
    if (*end || end == s)
      return "not a number";
    if (errno == ERANGE || v > INT64_MAX)
      return "out of range";
    out->v = (int64_t)v;
  }
  out->set = true;
  return NULL;
}

static const char *parse_int(const char *s, void *out) {
  return parse_go_int(s, 10, true, out);
}

static const char *parse_uint(const char *s, void *out) {
  return parse_go_int(s, 10, false, out);
}

static const char *parse_pids(const char *s, void *out) {
  return parse_go_int(s, 0, true, out); /* runc's --pids-limit is an Int64Flag: base 0 */
}

static const char *parse_cpu_idle(const char *s, void *out) {
  const char *why = parse_go_int(s, 10, true, out);
  return why ? why : ((struct num_flag *)out)->v == 0 || ((struct num_flag *)out)->v == 1 ? NULL : "0 or 1";
}

static const char *parse_weight(const char *s, void *out) {
  const char *why = parse_go_int(s, 0, false, out);
  int64_t v = ((struct num_flag *)out)->v;
  return why ? why : v >= 10 && v <= 1000 ? NULL : "a weight from 10 to 1000";
}

/* A size as runc reads it (go-units' RAMInBytes, or -1 for no limit): a decimal number, an
 * optional space, then an optional binary unit k, m, g, t, p, with an optional "i" and "b"
 * ("512m", "1.5GiB", "100kb"). */
static const char *parse_size(const char *s, void *out) {
  struct num_flag *f = out;
  if (!strcmp(s, "-1")) {
    f->set = true;
    f->v = -1;
    return NULL;
  }
  const char *p = s;
  if (!isdigit((unsigned char)*p))
    return "not a size";
  while (isdigit((unsigned char)*p))
    p++;
  if (*p == '.') {
    if (!isdigit((unsigned char)p[1]))
      return "not a size";
    for (p++; isdigit((unsigned char)*p);)
      p++;
  }
  size_t digits = (size_t)(p - s);
  if (*p == ' ')
    p++;
  static const char units[] = "kmgtp";
  const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
  int shift = 0;
  if (u) {
    shift = 10 * (int)(u - units + 1);
    p++;
  }
  if (tolower((unsigned char)*p) == 'i')
    p++;
  if (tolower((unsigned char)*p) == 'b')
    p++;
  if (*p)
    return "not a size";
  char number[64];
  if (digits >= sizeof number)
    return "out of range";
  memcpy(number, s, digits);
  number[digits] = '\0';
  long double v = strtold(number, NULL) * (long double)(1ULL << shift);
  if (v >= 9223372036854775807.0L)
    return "out of range";
  f->set = true;
  f->v = (int64_t)v;
  return NULL;
}

static int read_resources(const char *path, struct oci_resources **out) {
  struct skiff_error err = {0};
  size_t len;
  *out = NULL;
  char *json = read_file_limited(AT_FDCWD, strcmp(path, "-") ? path : "/dev/stdin", OCI_CONFIG_MAX_BYTES, &len, &err);
  if (!json)
    return cli_fail("update", "--resources %s: %s", path, err.msg);
  *out = oci_resources_parse(json, len, strcmp(path, "-") ? path : "stdin", &err);
  free(json);
  return *out ? 0 : cli_fail_error("update", &err);
}

/* Each flag given overrides the document's field. */
static int apply_flags(const struct update_flags *f, struct oci_resources *r) {
#define SET(flag, field, has, type)                                                                          \
  if (f->flag.set) {                                                                                         \
    field = (type)f->flag.v;                                                                                 \
    has = true;                                                                                              \
  }
  SET(blkio_weight, r->block_io.weight, r->block_io.has_weight, uint16_t);
  r->has_block_io |= f->blkio_weight.set;
  SET(cpu_period, r->cpu.period, r->cpu.has_period, uint64_t);
  SET(cpu_quota, r->cpu.quota, r->cpu.has_quota, int64_t);
  SET(cpu_share, r->cpu.shares, r->cpu.has_shares, uint64_t);
  SET(cpu_rt_period, r->cpu.realtime_period, r->cpu.has_realtime_period, uint64_t);
  SET(cpu_rt_runtime, r->cpu.realtime_runtime, r->cpu.has_realtime_runtime, int64_t);
  SET(cpu_idle, r->cpu.idle, r->cpu.has_idle, int64_t);
  if (f->cpuset_cpus && (free(r->cpu.cpus), !(r->cpu.cpus = strdup(f->cpuset_cpus))))
    return cli_fail("update", "out of memory");
  if (f->cpuset_mems && (free(r->cpu.mems), !(r->cpu.mems = strdup(f->cpuset_mems))))
    return cli_fail("update", "out of memory");
  r->has_cpu |= f->cpu_period.set || f->cpu_quota.set || f->cpu_share.set || f->cpu_rt_period.set ||
                f->cpu_rt_runtime.set || f->cpu_idle.set || f->cpuset_cpus || f->cpuset_mems;
  SET(memory, r->memory.limit, r->memory.has_limit, int64_t);
  SET(memory_reservation, r->memory.reservation, r->memory.has_reservation, int64_t);
  SET(memory_swap, r->memory.swap, r->memory.has_swap, int64_t);
  SET(kernel_memory, r->memory.kernel, r->memory.has_kernel, int64_t);
  SET(kernel_memory_tcp, r->memory.kernel_tcp, r->memory.has_kernel_tcp, int64_t);
  r->has_memory |= f->memory.set || f->memory_reservation.set || f->memory_swap.set || f->kernel_memory.set ||
                   f->kernel_memory_tcp.set;
  bool pids = false;
  SET(pids_limit, r->pids_limit, pids, int64_t);
  r->has_pids |= pids;
#undef SET
  if (f->l3_cache_schema || f->mem_bw_schema)
    return cli_fail("update", "intel RDT is not supported on this host: no resctrl filesystem");
  return 0;
}

int cmd_update(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "update",
      "<container-id>",
      "container id",
      1,
      1,
      "Update the resource limits of a running container. Memory sizes take k, m, g, t, p suffixes\n"
      "(\"512m\", \"1.5g\"). A --resources document and flags combine, the flags winning. Every value\n"
      "is checked before any is written; a value the kernel refuses undoes the ones written before it."};
  struct update_flags f = {0};
  struct cli_option options[] = {
      {"resources", 'r', CLI_OPT_STRING, &f.resources, "FILE", "linux.resources JSON, or - for stdin"},
      {"blkio-weight", 0, CLI_OPT_STRING, &f.blkio_weight, "N", "block IO weight, 10 to 1000", parse_weight},
      {"cpu-period", 0, CLI_OPT_STRING, &f.cpu_period, "USEC", "CPU CFS period", parse_uint},
      {"cpu-quota", 0, CLI_OPT_STRING, &f.cpu_quota, "USEC", "CPU CFS quota per period, -1 for none", parse_int},
      {"cpu-share", 0, CLI_OPT_STRING, &f.cpu_share, "N", "CPU shares (relative weight)", parse_uint},
      {"cpu-rt-period", 0, CLI_OPT_STRING, &f.cpu_rt_period, "USEC", "CPU realtime period", parse_uint},
      {"cpu-rt-runtime", 0, CLI_OPT_STRING, &f.cpu_rt_runtime, "USEC", "CPU realtime runtime per period",
       parse_int},
      {"cpuset-cpus", 0, CLI_OPT_STRING, &f.cpuset_cpus, "LIST", "CPUs to use, e.g. 0-1"},
      {"cpuset-mems", 0, CLI_OPT_STRING, &f.cpuset_mems, "LIST", "memory nodes to use"},
      {"kernel-memory", 0, CLI_OPT_STRING, &f.kernel_memory, "BYTES", "kernel memory limit (obsolete)",
       parse_size},
      {"kernel-memory-tcp", 0, CLI_OPT_STRING, &f.kernel_memory_tcp, "BYTES",
       "kernel TCP memory limit (obsolete)", parse_size},
      {"memory", 0, CLI_OPT_STRING, &f.memory, "BYTES", "memory limit", parse_size},
      {"cpu-idle", 0, CLI_OPT_STRING, &f.cpu_idle, "0|1", "1: SCHED_IDLE for the cgroup", parse_cpu_idle},
      {"memory-reservation", 0, CLI_OPT_STRING, &f.memory_reservation, "BYTES", "memory soft limit",
       parse_size},
      {"memory-swap", 0, CLI_OPT_STRING, &f.memory_swap, "BYTES", "memory + swap limit, -1 for unlimited",
       parse_size},
      {"pids-limit", 0, CLI_OPT_STRING, &f.pids_limit, "N", "maximum number of pids", parse_pids},
      {"l3-cache-schema", 0, CLI_OPT_STRING, &f.l3_cache_schema, "SCHEMA", "Intel RDT L3 cache schema"},
      {"mem-bw-schema", 0, CLI_OPT_STRING, &f.mem_bw_schema, "SCHEMA", "Intel RDT memory bandwidth schema"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  struct oci_resources *res = NULL;
  if (f.resources && read_resources(f.resources, &res))
    return 1;
  if (!res && !(res = calloc(1, sizeof *res)))
    return cli_fail(usage.name, "out of memory");
  struct skiff_error err = {0};
  status = apply_flags(&f, res);
  if (status == 0 && container_update(&g->ctx, args[0], res, &err) < 0)
    status = cli_fail_error(usage.name, &err);
  oci_resources_free(res);
  return status ? 1 : 0;
}

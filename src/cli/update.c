/* skiff update [--resources FILE|-] [resource flags] <container-id>: change the limits of a running
 * container. runc's flags; a --resources document and flags combine, the flags winning. */
#include "cli/cli.h"

#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/config.h"

struct update_flags {
  const char *resources, *blkio_weight, *cpu_period, *cpu_quota, *cpu_share, *cpu_rt_period, *cpu_rt_runtime;
  const char *cpuset_cpus, *cpuset_mems, *kernel_memory, *kernel_memory_tcp, *memory, *cpu_idle;
  const char *memory_reservation, *memory_swap, *pids_limit, *l3_cache_schema, *mem_bw_schema;
};

/* A number with an optional binary unit (k, m, g, t; "b" and "ib" accepted), or -1. */
static int parse_size(const char *flag, const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s)
    return cli_fail("update", "invalid value \"%s\" for flag --%s", s, flag);
  int shift = 0;
  switch (tolower((unsigned char)*end)) {
  case 'k':
    shift = 10;
    end++;
    break;
  case 'm':
    shift = 20;
    end++;
    break;
  case 'g':
    shift = 30;
    end++;
    break;
  case 't':
    shift = 40;
    end++;
    break;
  }
  if (shift && tolower((unsigned char)*end) == 'i')
    end++;
  if (tolower((unsigned char)*end) == 'b')
    end++;
  if (*end || v < -1 || (shift && v < 0) || (shift && v > (INT64_MAX >> shift)))
    return cli_fail("update", "invalid value \"%s\" for flag --%s", s, flag);
  *out = (int64_t)v << shift;
  return 0;
}

static int read_resources(const char *path, struct oci_resources **out) {
  struct skiff_error err = {0};
  size_t len;
  char *json = read_file_limited(AT_FDCWD, strcmp(path, "-") ? path : "/dev/stdin", OCI_CONFIG_MAX_BYTES, &len, &err);
  if (!json)
    return cli_fail("update", "resources %s: %s", path, err.msg);
  *out = oci_resources_parse(json, len, strcmp(path, "-") ? path : "stdin", &err);
  free(json);
  return *out ? 0 : cli_fail_error("update", &err);
}

/* Each flag given overrides the document's field. */
static int apply_flags(const struct update_flags *f, struct oci_resources *r) {
  int64_t v;
#define SET(flag, field, has, type)                                                                          \
  if (f->flag) {                                                                                             \
    if (parse_size(#flag, f->flag, &v) < 0)                                                                  \
      return -1;                                                                                             \
    field = (type)v;                                                                                         \
    has = true;                                                                                              \
  }
  SET(blkio_weight, r->block_io.weight, r->block_io.has_weight, uint16_t);
  r->has_block_io |= f->blkio_weight != NULL;
  SET(cpu_period, r->cpu.period, r->cpu.has_period, uint64_t);
  SET(cpu_quota, r->cpu.quota, r->cpu.has_quota, int64_t);
  SET(cpu_share, r->cpu.shares, r->cpu.has_shares, uint64_t);
  SET(cpu_rt_period, r->cpu.realtime_period, r->cpu.has_realtime_period, uint64_t);
  SET(cpu_rt_runtime, r->cpu.realtime_runtime, r->cpu.has_realtime_runtime, int64_t);
  SET(cpu_idle, r->cpu.idle, r->cpu.has_idle, int64_t);
  if (f->cpuset_cpus && !(r->cpu.cpus = strdup(f->cpuset_cpus)))
    return cli_fail("update", "out of memory");
  if (f->cpuset_mems && !(r->cpu.mems = strdup(f->cpuset_mems)))
    return cli_fail("update", "out of memory");
  r->has_cpu |= f->cpu_period || f->cpu_quota || f->cpu_share || f->cpu_rt_period || f->cpu_rt_runtime ||
                f->cpu_idle || f->cpuset_cpus || f->cpuset_mems;
  SET(memory, r->memory.limit, r->memory.has_limit, int64_t);
  SET(memory_reservation, r->memory.reservation, r->memory.has_reservation, int64_t);
  SET(memory_swap, r->memory.swap, r->memory.has_swap, int64_t);
  SET(kernel_memory, r->memory.kernel, r->memory.has_kernel, int64_t);
  SET(kernel_memory_tcp, r->memory.kernel_tcp, r->memory.has_kernel_tcp, int64_t);
  r->has_memory |=
      f->memory || f->memory_reservation || f->memory_swap || f->kernel_memory || f->kernel_memory_tcp;
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
      "Update the resource limits of a running container. Memory sizes take k, m, g suffixes."};
  struct update_flags f = {0};
  struct cli_option options[] = {
      {"resources", 'r', CLI_OPT_STRING, &f.resources, "FILE", "linux.resources JSON, or - for stdin"},
      {"blkio-weight", 0, CLI_OPT_STRING, &f.blkio_weight, "N", "block IO weight, 10 to 1000"},
      {"cpu-period", 0, CLI_OPT_STRING, &f.cpu_period, "USEC", "CPU CFS period"},
      {"cpu-quota", 0, CLI_OPT_STRING, &f.cpu_quota, "USEC", "CPU CFS quota per period, -1 for none"},
      {"cpu-share", 0, CLI_OPT_STRING, &f.cpu_share, "N", "CPU shares (relative weight)"},
      {"cpu-rt-period", 0, CLI_OPT_STRING, &f.cpu_rt_period, "USEC", "CPU realtime period"},
      {"cpu-rt-runtime", 0, CLI_OPT_STRING, &f.cpu_rt_runtime, "USEC", "CPU realtime runtime per period"},
      {"cpuset-cpus", 0, CLI_OPT_STRING, &f.cpuset_cpus, "LIST", "CPUs to use, e.g. 0-1"},
      {"cpuset-mems", 0, CLI_OPT_STRING, &f.cpuset_mems, "LIST", "memory nodes to use"},
      {"kernel-memory", 0, CLI_OPT_STRING, &f.kernel_memory, "BYTES", "kernel memory limit (obsolete)"},
      {"kernel-memory-tcp", 0, CLI_OPT_STRING, &f.kernel_memory_tcp, "BYTES",
       "kernel TCP memory limit (obsolete)"},
      {"memory", 0, CLI_OPT_STRING, &f.memory, "BYTES", "memory limit"},
      {"cpu-idle", 0, CLI_OPT_STRING, &f.cpu_idle, "0|1", "1: SCHED_IDLE for the cgroup"},
      {"memory-reservation", 0, CLI_OPT_STRING, &f.memory_reservation, "BYTES", "memory soft limit"},
      {"memory-swap", 0, CLI_OPT_STRING, &f.memory_swap, "BYTES", "memory + swap limit, -1 for unlimited"},
      {"pids-limit", 0, CLI_OPT_STRING, &f.pids_limit, "N", "maximum number of pids"},
      {"l3-cache-schema", 0, CLI_OPT_STRING, &f.l3_cache_schema, "SCHEMA", "Intel RDT L3 cache schema"},
      {"mem-bw-schema", 0, CLI_OPT_STRING, &f.mem_bw_schema, "SCHEMA", "Intel RDT memory bandwidth schema"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  struct oci_resources *res = NULL;
  if (f.resources ? read_resources(f.resources, &res) : !(res = calloc(1, sizeof *res)))
    return res ? 1 : cli_fail(usage.name, "out of memory");
  struct skiff_error err = {0};
  status = apply_flags(&f, res);
  if (status == 0 && container_update(&g->ctx, args[0], res, &err) < 0)
    status = cli_fail_error(usage.name, &err);
  oci_resources_free(res);
  return status ? 1 : 0;
}

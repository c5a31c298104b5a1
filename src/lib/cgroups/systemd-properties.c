/* The properties of the container's transient unit. Besides what makes it a container's unit
 * (Delegate, no default dependencies, accounting on), it carries the limits that systemd itself
 * writes into the unit's cgroup: without them, the next daemon-reload or unit change would reset
 * the values skiff wrote to systemd's defaults. Conversions are those of runc's systemd driver. */
#include "lib/cgroups/systemd.h"
#include "lib/cgroups/cpu-weight.h"
#include "lib/cgroups/internal.h"

#include <stdint.h>
#include <stdio.h>
#include "lib/libsystemd.h"

/* the library, for the helpers below: set by cg_systemd_append_properties */
static const struct libsystemd *sd;

#define USEC_PER_SEC 1000000ULL

static int add_bool(sd_bus_message *m, const char *name, int value) {
  return sd->message_append(m, "(sv)", name, "b", value);
}

static int add_u64(sd_bus_message *m, const char *name, uint64_t value) {
  return sd->message_append(m, "(sv)", name, "t", value);
}

static int add_cpu(sd_bus_message *m, const struct oci_cpu *c, bool v2) {
  int r = 0;
  if (c->has_shares && c->shares)
    r = v2 ? add_u64(m, "CPUWeight", cg_shares_to_weight(c->shares)) : add_u64(m, "CPUShares", c->shares);
  uint64_t period = c->has_period && c->period ? c->period : 100000;
  if (r >= 0 && c->has_period && c->period)
    r = add_u64(m, "CPUQuotaPeriodUSec", c->period);
  if (r >= 0 && c->has_quota && c->quota != 0) {
    uint64_t per_sec = UINT64_MAX; /* -1: no quota */
    if (c->quota > 0) {
      per_sec = (uint64_t)c->quota * USEC_PER_SEC / period;
      /* systemd keeps the quota in whole percent of a CPU: round up, not to the next lower limit */
      per_sec = (per_sec + 9999) / 10000 * 10000;
    }
    r = add_u64(m, "CPUQuotaPerSecUSec", per_sec);
  }
  return r;
}

int cg_systemd_append_limits(const struct libsystemd *lib, sd_bus_message *m, const struct oci_resources *res,
                             bool v2) {
  sd = lib;
  int r = 0;
  if (res->has_memory && res->memory.has_limit && res->memory.limit != 0)
    r = add_u64(m, v2 ? "MemoryMax" : "MemoryLimit",
                res->memory.limit > 0 ? (uint64_t)res->memory.limit : UINT64_MAX);
  if (r >= 0 && res->has_pids)
    r = add_u64(m, "TasksMax", res->pids_limit > 0 ? (uint64_t)res->pids_limit : UINT64_MAX);
  if (r >= 0 && res->has_cpu)
    r = add_cpu(m, &res->cpu, v2);
  if (r >= 0 && res->has_block_io && res->block_io.has_weight && res->block_io.weight)
    r = v2 ? add_u64(m, "IOWeight", cg_blkio_to_io_weight(res->block_io.weight))
           : add_u64(m, "BlockIOWeight", res->block_io.weight);
  return r;
}

int cg_systemd_append_properties(const struct libsystemd *lib, sd_bus_message *m,
                                 const struct cg_systemd_unit *u, const char *id, pid_t pid,
                                 const struct oci_resources *res, bool v2) {
  sd = lib;
  char description[128];
  snprintf(description, sizeof description, "skiff container %s", id);
  int r = sd->message_append(m, "(sv)", "Description", "s", description);
  if (r >= 0 && !u->is_slice)
    r = sd->message_append(m, "(sv)", "Slice", "s", u->slice);
  if (r >= 0 && !u->is_slice)
    r = sd->message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
  if (r >= 0 && !u->is_slice) /* systemd delegates scopes and services, never slices */
    r = add_bool(m, "Delegate", 1);
  if (r >= 0)
    r = add_bool(m, "DefaultDependencies", 0);
  if (r >= 0)
    r = add_bool(m, "MemoryAccounting", 1);
  if (r >= 0)
    r = add_bool(m, "CPUAccounting", 1);
  if (r >= 0)
    r = add_bool(m, "TasksAccounting", 1);
  if (r >= 0)
    r = add_bool(m, v2 ? "IOAccounting" : "BlockIOAccounting", 1);
  if (r >= 0 && res)
    r = cg_systemd_append_limits(sd, m, res, v2);
  return r;
}

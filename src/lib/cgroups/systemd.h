/* The systemd cgroup driver: the container's cgroup is a transient unit that systemd makes
 * (StartTransientUnit over D-Bus), as runc's and crun's --systemd-cgroup do. The unit holds the
 * init from before its first instruction; skiff then writes every limit into the unit's cgroup
 * with the same code as the fs driver (Delegate=yes leaves the inside to us), and delete stops
 * the unit.
 *
 * linux.cgroupsPath "slice:prefix:name" names the unit "prefix-name.scope" ("name.scope" when the
 * prefix is empty) in the slice "slice" (empty: "system.slice"); a name ending in ".slice" makes a
 * slice unit instead (its parent follows from its name, as in systemd). Without a cgroupsPath:
 * "system.slice:skiff:<id>". The unit's cgroup path is the slice's expanded path plus the unit
 * ("a-b.slice" -> "a.slice/a-b.slice"). */
#ifndef SKIFF_CGROUP_SYSTEMD_H
#define SKIFF_CGROUP_SYSTEMD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/error.h"

#define CG_SYSTEMD_UNIT_MAX 256

struct cg_systemd_unit {
  char name[CG_SYSTEMD_UNIT_MAX];  /* "skiff-abc.scope" or "a-b.slice" */
  char slice[CG_SYSTEMD_UNIT_MAX]; /* the parent slice of a scope; "" for a slice unit */
  char path[PATH_MAX];             /* its cgroup, relative to each hierarchy's root, no leading '/' */
  bool is_slice;
};

/* "slice:prefix:name" (or NULL/"" with the default above) -> unit, or a one-line error naming
 * linux.cgroupsPath. */
int cg_systemd_parse(const char *cgroups_path, const char *id, struct cg_systemd_unit *u,
                     struct skiff_error *err);

/* Whether systemd manages this host (PID 1 is systemd: /run/systemd/system exists). */
bool cg_systemd_booted(void);

/* Starts the unit with pid in it (a scope; a slice takes no pids) and the properties that carry
 * res, waits for the job; fails when the unit exists already. The system bus as root, the
 * user's otherwise. */
int cg_systemd_start(const struct cg_systemd_unit *u, const char *id, pid_t pid,
                     const struct oci_resources *res, struct skiff_error *err);

/* Stops the unit; a unit that is gone already is no error. */
int cg_systemd_stop(const char *unit, struct skiff_error *err);

/* update: the unit's properties for the limits of res (SetUnitProperties, runtime), so that systemd,
 * when it next writes the unit's cgroup, writes the new values and not the ones the unit started with. */
int cg_systemd_update(const char *unit, const struct oci_resources *res, bool v2, struct skiff_error *err);

/* ---- systemd-properties.c ---- */
struct sd_bus_message;
/* Appends the unit's properties (inside the "a(sv)" container already open). v2: the cgroup2
 * names (MemoryMax, CPUWeight, IOWeight...), else the v1 ones (MemoryLimit, CPUShares...). */
struct libsystemd;
int cg_systemd_append_properties(const struct libsystemd *sd, struct sd_bus_message *m,
                                 const struct cg_systemd_unit *u, const char *id, pid_t pid,
                                 const struct oci_resources *res, bool v2);
/* Only the limits of res that systemd writes itself (update). */
int cg_systemd_append_limits(const struct libsystemd *sd, struct sd_bus_message *m,
                             const struct oci_resources *res, bool v2);

#endif

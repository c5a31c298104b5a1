/* The container's cgroup: placement, resource limits, freeze, kill, stats.
 *
 * Works on cgroup v1, hybrid (v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified) and
 * pure v2; the layout is detected once per process. linux.cgroupsPath is resolved as runc
 * does: absolute -> under each hierarchy's mount; relative -> under skiff's own cgroup in each
 * hierarchy; absent -> the relative path "<id>".
 *
 * Lifecycle, in the parent:
 *   cgroup_create()       before clone: the cgroup2 directory (for CLONE_INTO_CGROUP); on a pure
 *                         v2 host (or without root) everything, as cgroup_finish does
 *   clone3(CLONE_INTO_CGROUP) into placement->cgroup2_fd when that is >= 0
 *   cgroup_finish()       after clone, while the child makes its network namespace: the v1
 *                         directories, every limit, each v1 "tasks" file opened
 *                         (cgroup_placement()), for the child to move itself in as its first act
 *   on failure: cgroup_destroy() (removes only what create made), then cgroup_free()
 *   otherwise: store cgroup_path() in the state, cgroup_free() (the cgroup stays)
 * The systemd driver (systemd.h) makes nothing before clone: cgroup_finish starts the unit with
 * the init's pid, then makes and writes the rest as above.
 * Later commands work from that stored string alone. */
#ifndef SKIFF_CGROUP_H
#define SKIFF_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/error.h"

struct cgroup; /* resolved paths, per-hierarchy directory fds, what create made */

/* Given to cgroup_create: record() gets the path the cgroup will have (as cgroup_path() gives it)
 * before any directory is made, so that a create killed at any moment leaves it on record. */
struct cgroup_recorder {
  int (*record)(const char *planned_path, void *opaque, struct skiff_error *err);
  void *opaque;
};

/* Resolves linux.cgroupsPath, creates the directories and writes every limit of
 * linux.resources (when it has device rules, runc's default devices are allowed after them;
 * linux.devices[] entries are not allowed implicitly, as in runc), so that they hold before
 * the container's first instruction. Values are checked before anything is created.
 * systemd, or a "slice:prefix:name" cgroupsPath: the systemd driver (systemd.h), which only
 * checks here and does the rest in cgroup_finish; on a host whose PID 1 is not systemd it fails
 * with a one-line error naming the cgroupsPath. A pre-existing cgroup is used as it is (it must
 * not be frozen) and is never removed. */
int cgroup_create(const struct oci_config *config, const char *id, bool systemd, struct cgroup **out,
                  const struct cgroup_recorder *recorder, struct skiff_error *err);

/* The second half of cgroup_create (see above), pid being the init; nothing when done already.
 * The systemd driver does everything here: its unit starts with the init in it. */
int cgroup_finish(struct cgroup *cg, pid_t pid, struct skiff_error *err);
bool cgroup_finished(const struct cgroup *cg);
/* Whether the init may join the v1 memory cgroup after its mounts instead of at step 1 (init.c
 * says why): the fs driver, memory a v1 controller, the v1 part still to be made by cgroup_finish. */
bool cgroup_memory_join_deferrable(const struct cgroup *cg);

/* The "tasks" file of the v1 memory cgroup skiff itself runs in, open for writing: where the init
 * steps back to after its late join (init.c). -1 with err filled when there is none. */
int cgroup_memory_origin_open(struct skiff_error *err);

/* The resolved path to keep in the state file and give to the functions below. Opaque:
 * "/a/b" usually, one "hierarchy:/path" line per hierarchy when they differ, '~' in front when
 * the cgroup existed before, '@' in front for a systemd unit's (delete stops the unit). Owned by
 * cg. */
const char *cgroup_path(const struct cgroup *cg);

#define CGROUP_MAX_HIERARCHIES 16

/* What a new process needs to move itself into a cgroup as its first act (placement.c says
 * why it is the child that moves). All fds close-on-exec. */
struct cgroup_placement {
  int cgroup2_fd;        /* the cgroup2 directory, for clone3(CLONE_INTO_CGROUP); -1: none */
  int cgroup2_procs;     /* its cgroup.procs, for kernels without CLONE_INTO_CGROUP; -1: none */
  bool cgroup2_by_clone; /* set by the parent before clone3: the child is born in cgroup2_fd */
  size_t n_tasks;
  int tasks[CGROUP_MAX_HIERARCHIES]; /* each v1 hierarchy's "tasks", open for writing */
  int memory_task;                   /* index in tasks of the v1 memory hierarchy's; -1: none */
};

/* The placement of the container's cgroup, opened by cgroup_create. Owned by cg. */
struct cgroup_placement *cgroup_placement(struct cgroup *cg);

/* exec: the placement for the stored path's cgroup in every hierarchy, or for an existing
 * sub-cgroup of it where one of subs applies: "sub" everywhere (then the only one, as runc has
 * it), "memory:sub" or "cpu,cpuacct:sub" in the hierarchies of the controllers named; the first
 * that applies wins. Close with cgroup_placement_close. */
int cgroup_placement_open(const char *path, char *const *subs, size_t n_subs, struct cgroup_placement *p,
                          struct skiff_error *err);
void cgroup_placement_init(struct cgroup_placement *p);
void cgroup_placement_close(struct cgroup_placement *p);

/* In the new process, before anything else: writes "0" into each v1 "tasks" file, and into
 * cgroup2's cgroup.procs unless clone3 placed it. Only write(2): safe between clone and exec. */
int cgroup_place_self(const struct cgroup_placement *p, struct skiff_error *err);

/* The fds cgroup_place_self would write "0" into, for a child that receives them (at most
 * CGROUP_MAX_HIERARCHIES + 1); returns how many. The v1 memory hierarchy's comes last. */
size_t cgroup_placement_fds(const struct cgroup_placement *p, int *fds);

/* The receiving child's half: "0" into each fd, which it then closes. */
int cgroup_place_self_fds(const int *fds, size_t n, struct skiff_error *err);

/* After a failed create: removes the directories create made (sub-cgroups included), and the
 * parents it made if they are empty. A pre-existing cgroup is left alone. Does not free cg. */
int cgroup_destroy(struct cgroup *cg, struct skiff_error *err);

/* Closes the fds and frees; the cgroup itself stays. NULL is fine. */
void cgroup_free(struct cgroup *cg);

/* delete: kills nothing; stops a systemd unit (one gone already is fine), removes the cgroup (and sub-cgroups) in every hierarchy, retrying
 * briefly on EBUSY while the last processes exit. Missing directories are fine; a cgroup
 * marked pre-existing is left in place. */
int cgroup_destroy_path(const char *path, struct skiff_error *err);

/* kill --all: signals every process in the cgroup and its sub-cgroups, frozen meanwhile so that
 * nothing forks away (then thawed). v2 SIGKILL: cgroup.kill. A missing cgroup is no error. */
int cgroup_kill_all(const char *path, int signal, struct skiff_error *err);

/* ps: every pid in the cgroup and its sub-cgroups, malloc'd (*n may be 0). */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct skiff_error *err);

/* pause/resume: v1 freezer.state (waits until FROZEN/THAWED), v2 cgroup.freeze (waits on
 * cgroup.events). */
int cgroup_freeze(const char *path, bool frozen, struct skiff_error *err);

/* checkpoint: the absolute directory of the stored path's cgroup in the hierarchy that freezes
 * (v2, else the v1 freezer's), for criu's freeze_cgroup; malloc'd, NULL with err set. */
char *cgroup_freezer_dir(const char *path, struct skiff_error *err);

/* Whether the cgroup is frozen ("paused"). A missing cgroup reads as not frozen. */
int cgroup_is_frozen(const char *path, bool *frozen, struct skiff_error *err);

/* update: writes the resources that are set (the others keep their values). Values are checked
 * before anything is written. Device rules, when given, are replayed after the defaults. */
int cgroup_update(const char *path, const struct oci_resources *res, struct skiff_error *err);

/* events --stats: the "data" object of runc's stats event, compact JSON, malloc'd:
 * {"cpu":{...},"cpuset":{...},"memory":{...},"pids":{...},"blkio":{...},"hugetlb":{...},
 *  "intel_rdt":{},"network_interfaces":null}. Field names and omissions as runc's. */
char *cgroup_stats_json(const char *path, struct skiff_error *err);

/* What this host offers the cgroup drivers, for `skiff features`: a v1 controller hierarchy mounted
 * (v1 or hybrid), a cgroup2 hierarchy mounted (v2, or a hybrid's unified one), the rdma controller in
 * either, systemd as PID 1. All false when no cgroup filesystem is mounted. */
struct cgroup_support {
  bool v1, v2, rdma, systemd;
};
void cgroup_host_support(struct cgroup_support *s);

/* events: OOM notification. open gives a watch whose fd turns readable (poll POLLIN) when an
 * OOM may have happened; then cgroup_oom_watch_read stores how many OOM events happened since
 * the previous call (0 for a spurious wakeup) and returns 0, or 1 when the cgroup is gone (stop
 * watching), or -1. v1: memory.oom_control eventfd (one per OOM condition); v2: inotify on
 * memory.events (the oom_kill counter). */
struct cgroup_oom_watch;
/* Whether the kernel's OOM killer killed a process of the cgroup at path (its memory cgroup's
 * oom_kill counter): why a container's init died during create. */
bool cgroup_oom_killed(const char *path);
int cgroup_oom_watch_open(const char *path, struct cgroup_oom_watch **out, struct skiff_error *err);
int cgroup_oom_watch_fd(const struct cgroup_oom_watch *w);
int cgroup_oom_watch_read(struct cgroup_oom_watch *w, uint64_t *events, struct skiff_error *err);
void cgroup_oom_watch_free(struct cgroup_oom_watch *w);

#endif

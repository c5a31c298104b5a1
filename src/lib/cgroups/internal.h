/* What the files of src/lib/cgroups/ share and nobody else sees: the host's layout, the
 * per-hierarchy directories of one cgroup, the fd-relative file helpers and the resource
 * writers (one per controller). */
#ifndef SKIFF_CGROUPS_INTERNAL_H
#define SKIFF_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cgroups/cgroup.h"
#include "oci/config.h"
#include "oci/error.h"

/* ---- layout (layout.c) ------------------------------------------------ */

enum cg_controller {
  CG_CPU,
  CG_CPUACCT,
  CG_CPUSET,
  CG_MEMORY,
  CG_DEVICES,
  CG_FREEZER,
  CG_BLKIO, /* "io" on v2 */
  CG_PIDS,
  CG_HUGETLB,
  CG_NET_CLS,
  CG_NET_PRIO,
  CG_PERF_EVENT,
  CG_RDMA,
  CG_MISC,
  CG_N_CONTROLLERS
};
#define CG_BIT(c) (1u << (c))

enum cg_mode { CG_MODE_V1, CG_MODE_HYBRID, CG_MODE_V2 };

#define CG_MAX_HIERARCHIES CGROUP_MAX_HIERARCHIES

struct cg_hierarchy {
  char *mount;          /* where it is mounted: "/sys/fs/cgroup/cpu" */
  char *root;           /* the mount's root inside the hierarchy, "/" unless a bind of a subtree */
  char name[64];        /* "cpu,cpuacct", "name=systemd"; "" for the unified hierarchy */
  unsigned controllers; /* v1: the controllers mounted here; unified: 0 (they vary per cgroup) */
  bool unified;
  char *own; /* this process's cgroup relative to the mount ("" = its root); see cg_layout_own */
};

struct cg_layout {
  enum cg_mode mode;
  size_t n;
  struct cg_hierarchy h[CG_MAX_HIERARCHIES];
  int unified;                 /* index of the cgroup2 hierarchy, -1 when none */
  int v1_of[CG_N_CONTROLLERS]; /* index of the v1 hierarchy holding a controller, -1 when none */
  bool own_loaded;
};

/* The layout, detected once per process (statfs of /sys/fs/cgroup; mountinfo only when it is
 * not a cgroup2 mount). */
const struct cg_layout *cg_layout_get(struct skiff_error *err);
/* Fills h[].own from /proc/self/cgroup (read once). */
int cg_layout_load_own(struct skiff_error *err);

const char *cg_v2_name(enum cg_controller c); /* NULL: no such cgroup2 controller */
/* Bitmask of the v2 controllers named in a space-separated list ("cpu io memory"). */
unsigned cg_v2_parse_controllers(const char *list);

/* ---- one cgroup's directories (paths.c) ------------------------------- */

struct cg_dir {
  int h;      /* index into the layout */
  char *path; /* relative to the mount, no leading '/', "" = the mount's root */
  bool keep;  /* existed before skiff: delete leaves it */
  int fd;     /* O_DIRECTORY fd of the leaf, -1 when not open */
};

struct cg_dirs {
  size_t n;
  struct cg_dir d[CG_MAX_HIERARCHIES];
};

/* Parses the string cgroup_path() produced into the directories of this host's layout. */
int cg_dirs_parse(const char *stored, struct cg_dirs *dirs, struct skiff_error *err);
/* The inverse: "/a/b" when every hierarchy uses the same path, else "name:/p;..."; a leading
 * '~' marks a pre-existing directory. malloc'd. */
char *cg_dirs_format(const struct cg_dirs *dirs);
void cg_dirs_release(struct cg_dirs *dirs);
/* Opens the leaf of dirs->d[i] (O_RDONLY|O_DIRECTORY). ENOENT is returned as -1/errno. */
int cg_dir_open(const struct cg_dir *d);
/* Adds the cgroup open at dirfd, in hierarchy h, to a placement (placement.c). */
int cg_placement_add(struct cgroup_placement *p, const struct cg_hierarchy *h, int dirfd, const char *shown,
                     struct skiff_error *err);
/* The entry to read processes / freeze from: unified when present, else freezer, else any. */
struct cg_dir *cg_dirs_find(struct cg_dirs *dirs, int hierarchy);
int cg_dirs_index_for(const struct cg_dirs *dirs, enum cg_controller c, bool *v2);

/* Lexical clean of a cgroupsPath: "." and ".." resolved without climbing above the start,
 * duplicate '/' dropped. Writes the result without leading '/' into out. */
int cg_clean_path(const char *in, char *out, size_t size);

/* ---- making directories (v1.c, v2.c) ----------------------------------- */

size_t cg_path_depth(const char *path);
void cg_path_prefix(const char *path, size_t depth, char *out, size_t size);
/* mkdir of mount/path, parents as needed. Returns the leaf's O_DIRECTORY fd; *existing is the
 * number of leading components that were already there (== depth: nothing created). */
int cg_v1_make(const char *mount, const char *path, size_t *existing, struct skiff_error *err);
/* Fills cpuset.cpus/mems of the levels just created (leaf_*: the config sets it at the leaf). */
int cg_v1_cpuset_fill(int mountfd, const char *path, size_t existing, bool leaf_cpus, bool leaf_mems,
                      struct skiff_error *err);
/* As cg_v1_make on the unified hierarchy, enabling controllers in cgroup.subtree_control of
 * every level above the leaf: `wanted` of them, or all a level offers when wanted is ~0u.
 * create false: a missing level is ENOENT. *leaf_controllers (when not NULL): the leaf's
 * cgroup.controllers. */
int cg_v2_make(const char *mount, const char *path, unsigned wanted, bool create, size_t *existing,
               unsigned *leaf_controllers, struct skiff_error *err);

/* ---- file helpers (files.c) ------------------------------------------- */

/* 0 or -1 with errno. One open + write + close. */
int cg_write(int dirfd, const char *file, const char *buf, size_t len);
int cg_write_str(int dirfd, const char *file, const char *s);
/* Reads up to size-1 bytes, NUL-terminates; returns the length or -1 with errno. */
ssize_t cg_read(int dirfd, const char *file, char *buf, size_t size);
/* Whole file, malloc'd (NULL with errno). */
char *cg_read_all(int dirfd, const char *file, size_t *len);

/* Calls visit with each sub-cgroup of dirfd (opened O_DIRECTORY|O_NOFOLLOW, closed after; one removed
 * meanwhile is skipped), until the first that fails. */
typedef int (*cg_child_fn)(int childfd, const char *name, void *ctx, struct skiff_error *err);
int cg_for_each_child(int dirfd, cg_child_fn visit, void *ctx, struct skiff_error *err);
/* A single number; "max" reads as UINT64_MAX. */
int cg_read_u64(int dirfd, const char *file, uint64_t *v);
/* "key value" line of a flat-keyed file (memory.events, cgroup.events, cpu.stat). */
int cg_read_key(int dirfd, const char *file, const char *key, uint64_t *v);
bool cg_exists(int dirfd, const char *file);
/* Writes or fails with "<field>: write <file> "<value>": strerror". */
int cg_set(int dirfd, const char *file, const char *value, const char *field, struct skiff_error *err);
int cg_set_i64(int dirfd, const char *file, int64_t v, const char *field, struct skiff_error *err);
/* -1 -> "max", else the number. */
int cg_set_max(int dirfd, const char *file, int64_t v, const char *field, struct skiff_error *err);

/* ---- update's undo log (journal.c) --------------------------------------- */

#define CG_JOURNAL_MAX 64
#define CG_JOURNAL_VALUE_MAX 4096

struct cg_journal_entry {
  int dirfd; /* open for as long as the journal */
  char *file, *old;
  size_t len;
};

struct cg_journal {
  struct cg_journal_entry e[CG_JOURNAL_MAX];
  size_t n;
  bool overflow;
};

/* The journal cg_write() records into, or NULL (always, outside cgroup_update). */
extern struct cg_journal *cg_active_journal;
void cg_journal_start(struct cg_journal *j);
/* The content of dirfd/file before cg_write() changes it. */
void cg_journal_record(int dirfd, const char *file);
/* Stops recording and writes every recorded file back, newest first. */
int cg_journal_undo(struct cg_journal *j, struct skiff_error *err);
/* Stops recording and frees the entries. */
void cg_journal_end(struct cg_journal *j);

/* Removes a cgroup directory and its sub-cgroups, retrying briefly on EBUSY. ENOENT is fine. */
int cg_rmdir_tree(int parentfd, const char *path, struct skiff_error *err);

/* ---- resources (resources.c and one file per controller) ---------------- */

/* Where each controller's files are for one cgroup. */
struct cg_target {
  int fd[CG_N_CONTROLLERS];  /* -1: controller not available for this cgroup */
  bool v2[CG_N_CONTROLLERS]; /* fd is in the unified hierarchy */
  int unified_fd;            /* the cgroup2 directory, -1 when none */
  bool fresh;                /* just created: every file holds its default, no need to read current values */
  enum cg_mode mode;
};

/* Which fd serves which controller, from the open leaves of dirs. leaf_v2: the cgroup2 leaf's
 * cgroup.controllers. */
void cg_target_build(struct cg_target *t, const struct cg_layout *l, const struct cg_dirs *dirs,
                     unsigned leaf_v2, bool fresh);
unsigned cg_unified_controllers(const struct oci_resources *res);
/* linux.resources.unified outside pure v2: refused, in runc's words, on a v1 host and on a
 * hybrid one whose cgroup2 hierarchy offers no controller (nothing would hold the limits);
 * a hybrid host's cgroup2 controllers (hugetlb, ...) and core files take them (v2.c). */
int cg_check_unified(const struct cg_layout *l, const struct oci_resources *res, struct skiff_error *err);

/* blkio.weight [10, 1000] to io.weight [1, 10000], linearly, as runc (blkio.c). */
uint64_t cg_blkio_to_io_weight(uint64_t blkio_weight);

/* Range and syntax checks for all of linux.resources, before anything is written. */
int cg_validate(const struct oci_resources *res, struct skiff_error *err);
/* Bitmask of the controllers the resources need. */
unsigned cg_needed_controllers(const struct oci_resources *res);
/* Writes everything that is set, controller by controller (res may be NULL). creating: a new
 * container's cgroup, whose devices are restricted even when res names none (runc's default
 * list); else (update) what res leaves out stays as it is. */
int cg_apply(const struct cg_target *t, const struct oci_resources *res, bool creating, struct skiff_error *err);

int cg_apply_memory(const struct cg_target *t, const struct oci_memory *m, struct skiff_error *err);
int cg_apply_cpu(const struct cg_target *t, const struct oci_cpu *c, struct skiff_error *err);
int cg_apply_cpuset(const struct cg_target *t, const struct oci_cpu *c, struct skiff_error *err);
int cg_apply_pids(const struct cg_target *t, int64_t limit, struct skiff_error *err);
int cg_apply_blkio(const struct cg_target *t, const struct oci_block_io *b, struct skiff_error *err);
int cg_apply_hugetlb(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err);
int cg_apply_network(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err);
int cg_apply_rdma(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err);
int cg_apply_unified(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err);

int cg_validate_cpu(const struct oci_cpu *c, struct skiff_error *err);
int cg_validate_memory(const struct oci_memory *m, struct skiff_error *err);
int cg_validate_blkio(const struct oci_block_io *b, struct skiff_error *err);
int cg_validate_hugetlb(const struct oci_resources *res, struct skiff_error *err);
/* "0-3,7": digits, ranges with lo <= hi, commas. */
bool cg_valid_list(const char *s);

/* ---- devices (devices.c, devices-v1.c, devices-bpf.c) ------------------- */

enum { CG_DEV_MKNOD = 1, CG_DEV_READ = 2, CG_DEV_WRITE = 4, CG_DEV_RWM = 7 };

struct cg_dev_rule {
  bool allow;
  char type;            /* 'a', 'b', 'c' */
  int64_t major, minor; /* -1: any */
  unsigned access;
};

struct cg_dev_rules {
  struct cg_dev_rule *v;
  size_t n;
};

int cg_validate_devices(const struct oci_resources *res, struct skiff_error *err);
/* linux.resources.devices (res may be NULL), then the devices every container gets (/dev/null,
 * zero, full, random, urandom, tty, ptmx, pts, mknod of anything). Without any rule of the config,
 * everything else is denied first: a config that names no device gets only those, as with runc. */
int cg_dev_rules_build(const struct oci_resources *res, struct cg_dev_rules *out, struct skiff_error *err);
/* Folds rules into the v1 kernel's model: a default and a list of exceptions to it. */
struct cg_dev_state {
  bool default_allow;
  struct cg_dev_rule *ex; /* type 'b' or 'c', allow == !default_allow */
  size_t n;
};
int cg_dev_emulate(const struct cg_dev_rules *rules, struct cg_dev_state *st, struct skiff_error *err);

int cg_devices_v1_apply(int dirfd, const struct cg_dev_rules *rules, struct skiff_error *err);
int cg_devices_bpf_apply(int cgroup_fd, const struct cg_dev_state *st, struct skiff_error *err);

/* ---- freezer (freezer.c) ---------------------------------------------- */

int cg_freeze_fd(int dirfd, bool v2, bool frozen, struct skiff_error *err);
int cg_is_frozen_fd(int dirfd, bool v2, bool *frozen, struct skiff_error *err);

#endif

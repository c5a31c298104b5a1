/* The OCI runtime-spec configuration (config.json) as C structs.
 *
 * This layer knows the spec and JSON only: no Linux calls. Every other layer reads these
 * structs, never the JSON tree. A field the config does not set is NULL / 0 with its has_
 * flag clear, so "absent" and "zero" stay distinguishable where the spec gives them
 * different meanings. */
#ifndef SKIFF_OCI_CONFIG_H
#define SKIFF_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/error.h"

/* The version of the runtime spec skiff implements. */
#define OCI_SPEC_VERSION "1.2.0"

struct oci_kv {
  char *key;
  char *value;
};

struct oci_strv { /* NULL-terminated array plus its length */
  char **v;
  size_t n;
};

/* ---- process ---------------------------------------------------------- */

struct oci_rlimit {
  char *type; /* "RLIMIT_NOFILE" ...; validated against the known names */
  int resource; /* RLIMIT_* number, resolved by the parser from its own table */
  uint64_t hard;
  uint64_t soft;
};

struct oci_capabilities {
  bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
  struct oci_strv bounding, effective, inheritable, permitted, ambient;
};

struct oci_user {
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* windows only; kept for completeness */
};

struct oci_console_size {
  uint32_t height;
  uint32_t width;
};

struct oci_io_priority {
  char *class_name; /* IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE */
  int class_id; /* 1, 2, 3 */
  int32_t priority;
};

struct oci_scheduler {
  char *policy; /* SCHED_OTHER ... */
  int policy_id;
  bool has_nice, has_priority, has_runtime, has_deadline, has_period;
  int32_t nice;
  int32_t priority;
  struct oci_strv flags;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

struct oci_process {
  bool terminal;
  bool has_console_size;
  struct oci_console_size console_size;
  struct oci_user user;
  struct oci_strv args;
  char *command_line; /* windows only */
  struct oci_strv env;
  char *cwd;
  struct oci_capabilities capabilities;
  bool has_capabilities;
  struct oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *selinux_label;
  bool has_io_priority;
  struct oci_io_priority io_priority;
  bool has_scheduler;
  struct oci_scheduler scheduler;
  struct oci_strv exec_cpu_affinity_initial_final; /* [initial, final], either may be NULL */
};

/* ---- root, mounts, hooks ---------------------------------------------- */

struct oci_root {
  char *path;
  bool readonly;
};

struct oci_id_mapping {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_mount {
  char *destination; /* absolute: a relative one (the spec allows it) is made relative to "/" */
  bool destination_was_relative; /* for the runtime's warning */
  char *type;
  char *source;
  struct oci_strv options;
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct oci_hook {
  char *path;
  struct oci_strv args;
  struct oci_strv env;
  bool has_timeout;
  int timeout; /* seconds, > 0 */
};

struct oci_hook_list {
  struct oci_hook *v;
  size_t n;
};

struct oci_hooks {
  struct oci_hook_list prestart;
  struct oci_hook_list create_runtime;
  struct oci_hook_list create_container;
  struct oci_hook_list start_container;
  struct oci_hook_list poststart;
  struct oci_hook_list poststop;
};

/* ---- linux ------------------------------------------------------------ */

enum oci_ns_type {
  OCI_NS_PID,
  OCI_NS_NETWORK,
  OCI_NS_MOUNT,
  OCI_NS_IPC,
  OCI_NS_UTS,
  OCI_NS_USER,
  OCI_NS_CGROUP,
  OCI_NS_TIME,
  OCI_NS_COUNT
};

struct oci_namespace {
  enum oci_ns_type type;
  char *path; /* NULL: create a new one */
};

struct oci_device {
  char *type; /* "c", "b", "u", "p" */
  char *path;
  int64_t major;
  int64_t minor;
  bool has_file_mode, has_uid, has_gid;
  uint32_t file_mode;
  uint32_t uid;
  uint32_t gid;
};

struct oci_device_cgroup { /* linux.resources.devices[] */
  bool allow;
  char *type; /* "a", "c", "b" or NULL (= all) */
  bool has_major, has_minor;
  int64_t major;
  int64_t minor;
  char *access; /* "rwm" subset or NULL */
};

struct oci_memory {
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  uint64_t swappiness;
  bool has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
  bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct oci_cpu {
  bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period, has_idle;
  uint64_t shares;
  int64_t quota;
  uint64_t burst;
  uint64_t period;
  int64_t realtime_runtime;
  uint64_t realtime_period;
  int64_t idle;
  char *cpus;
  char *mems;
};

struct oci_weight_device {
  int64_t major, minor;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
};

struct oci_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct oci_throttle_list {
  struct oci_throttle_device *v;
  size_t n;
};

struct oci_block_io {
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
  struct oci_weight_device *weight_device;
  size_t n_weight_device;
  struct oci_throttle_list throttle_read_bps, throttle_write_bps, throttle_read_iops, throttle_write_iops;
};

struct oci_hugepage_limit {
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct oci_net_priority {
  char *name;
  uint32_t priority;
};

struct oci_rdma {
  char *device;
  bool has_hca_handles, has_hca_objects;
  uint32_t hca_handles, hca_objects;
};

struct oci_resources {
  struct oci_device_cgroup *devices;
  size_t n_devices;
  bool has_memory, has_cpu, has_pids, has_block_io, has_network;
  struct oci_memory memory;
  struct oci_cpu cpu;
  int64_t pids_limit; /* valid when has_pids */
  struct oci_block_io block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  bool has_class_id;
  uint32_t class_id;
  struct oci_net_priority *net_priorities;
  size_t n_net_priorities;
  struct oci_rdma *rdma;
  size_t n_rdma;
  struct oci_kv *unified;
  size_t n_unified;
};

struct oci_seccomp_arg {
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op; /* SCMP_CMP_NE ... */
};

struct oci_seccomp_syscall {
  struct oci_strv names;
  char *action;
  bool has_errno_ret;
  uint32_t errno_ret;
  struct oci_seccomp_arg *args;
  size_t n_args;
};

struct oci_seccomp {
  char *default_action;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  struct oci_strv architectures;
  struct oci_strv flags;
  char *listener_path;
  char *listener_metadata;
  struct oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct oci_time_offset {
  bool has_secs, has_nanosecs;
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_personality {
  char *domain; /* LINUX | LINUX32 */
  struct oci_strv flags;
};

struct oci_intel_rdt {
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_cmt, enable_mbm;
  struct oci_strv schemata; /* lines for the resctrl schemata file, written after the two above */
  bool enable_monitoring;
};

struct oci_net_device { /* linux.netDevices: move host interface `host_name` into the container */
  char *host_name; /* the object key */
  char *name; /* name inside the container, NULL: keep host_name */
};

struct oci_memory_policy {
  char *mode; /* MPOL_* */
  int mode_id; /* MPOL_DEFAULT = 0 ... as numbered by <linux/mempolicy.h> */
  char *nodes; /* "0-3,7" or NULL */
  struct oci_strv flags; /* MPOL_F_* */
};

struct oci_linux {
  struct oci_namespace *namespaces;
  size_t n_namespaces;
  struct oci_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct oci_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct oci_device *devices;
  size_t n_devices;
  char *cgroups_path;
  bool has_resources;
  struct oci_resources resources;
  struct oci_kv *sysctl;
  size_t n_sysctl;
  bool has_seccomp;
  struct oci_seccomp seccomp;
  char *rootfs_propagation; /* validated: shared|slave|private|unbindable and r-forms */
  struct oci_strv masked_paths;
  bool has_masked_paths;
  struct oci_strv readonly_paths;
  bool has_readonly_paths;
  char *mount_label;
  bool has_intel_rdt;
  struct oci_intel_rdt intel_rdt;
  bool has_personality;
  struct oci_personality personality;
  bool has_time_offsets;
  struct oci_time_offset time_monotonic, time_boottime;
  struct oci_net_device *net_devices;
  size_t n_net_devices;
  bool has_memory_policy;
  struct oci_memory_policy memory_policy;
};

/* ---- the whole document ----------------------------------------------- */

struct oci_config {
  char *oci_version;
  struct oci_root root;
  bool has_root;
  struct oci_process process;
  bool has_process;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t n_mounts;
  struct oci_hooks hooks;
  struct oci_kv *annotations;
  size_t n_annotations;
  bool has_linux;
  struct oci_linux linux_;
};

/* The largest config.json (or --process, --resources file) skiff reads: 16 MiB. A config runc
 * runs is far below (execve takes 2 MiB of args and env in all; a large seccomp profile is 100 KiB);
 * a larger one is refused before it is read, and nothing it says is made. */
#define OCI_CONFIG_MAX_BYTES ((size_t)16 << 20)

/* Parses a config.json document held in memory. On failure returns NULL and fills err with
 * "<source>: <json.path>: <what is wrong>", or for malformed JSON "<source>: line L column C:
 * <yajl's message>". source is the name used in messages (e.g. "config.json"). */
struct oci_config *oci_config_parse(const char *json, size_t len, const char *source, struct skiff_error *err);

/* Parses a standalone process object (the --process FILE of exec). */
struct oci_process *oci_process_parse(const char *json, size_t len, const char *source, struct skiff_error *err);

/* Parses a standalone linux.resources object (update --resources), paths relative to it. */
struct oci_resources *oci_resources_parse(const char *json, size_t len, const char *source,
                                          struct skiff_error *err);

void oci_config_free(struct oci_config *config);
void oci_resources_free(struct oci_resources *resources);
void oci_process_free(struct oci_process *process);

/* Name of a namespace type as the spec spells it ("pid", "network", ...). */
const char *oci_ns_type_name(enum oci_ns_type type);

/* Returns the namespace entry of a type, or NULL when the config does not list it. */
const struct oci_namespace *oci_config_namespace(const struct oci_config *config, enum oci_ns_type type);

#endif

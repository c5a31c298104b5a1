/* state.json: what `skiff state` prints (runc's format) and what skiff keeps in
 * <root>/<id>/state.json to act on a container later without re-reading its config. */
#ifndef SKIFF_OCI_STATE_H
#define SKIFF_OCI_STATE_H

#include "oci/config.h"

struct oci_state {
  char *oci_version;
  char *id;
  int pid; /* host pid of the container's init; 0 when there is none */
  uint64_t pid_start_time; /* field 22 of /proc/<pid>/stat, guards against pid reuse */
  char *bundle; /* absolute */
  char *rootfs; /* absolute */
  char *created; /* RFC 3339 with nanoseconds, UTC: "2026-11-25T18:01:27.123456789Z" */
  char *owner; /* "" for root, as runc */
  struct oci_kv *annotations;
  size_t n_annotations;
  /* skiff's own fields, written to state.json but not printed by `state`: */
  char *cgroup_path; /* the resolved cgroupsPath, NULL when none */
  bool systemd_cgroup;
  bool rootless;
  bool new_pid_ns; /* false: the container shares a pid namespace, kill --all must walk the cgroup */
  bool exec_ptrace; /* an exec has given a process CAP_SYS_PTRACE (sealed-exe.h: later execs' choice) */
  struct oci_hook_list poststop; /* run by delete */
  struct oci_hook_list poststart; /* run by start */
};

/* Serializes the state. with_status: the status string to print ("created", ...), included
 * as runc does; internal: include skiff's own fields (for the state file), otherwise only
 * runc's fields in runc's order with two-space indentation (what `skiff state` prints; like
 * runc, no final newline). With internal, status may be NULL (not written) and the output is
 * one compact line. Returns a malloc'd NUL-terminated string, or NULL with err set. */
char *oci_state_to_json(const struct oci_state *state, const char *status, bool internal,
                        struct skiff_error *err);

/* The state object the spec passes to hooks on stdin: ociVersion, id, status, pid, bundle,
 * annotations, compact. */
char *oci_state_hook_json(const struct oci_state *state, const char *status, struct skiff_error *err);

/* Parses a state file written with internal = true. */
struct oci_state *oci_state_parse(const char *json, size_t len, const char *source, struct skiff_error *err);

void oci_state_free(struct oci_state *state);

/* `skiff spec --network`: skiff-bridge as the createRuntime hook that attaches the container's
 * network namespace to the bridge network and the poststop hook that detaches it. */
struct oci_spec_network {
  const char *hook;   /* the skiff-bridge binary, absolute */
  const char *config; /* its --config FILE; NULL: the hook's default */
};

/* The config.json that `skiff spec` writes (runc's default; rootless adds a user namespace,
 * uid/gid mappings for the given host ids, no network namespace and ro bind of /sys as runc
 * does; network, when not NULL, adds its hooks). Returns a malloc'd string without a final
 * newline, byte for byte what runc writes without network (runc's config.json ends in "}"); NULL
 * when out of memory. */
char *oci_spec_default(bool rootless, uint32_t host_uid, uint32_t host_gid, const struct oci_spec_network *network);

#endif

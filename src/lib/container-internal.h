/* Shared between container.c (create, run, start) and container-ops.c (state, kill, delete,
 * list): not for the CLI. */
#ifndef SKIFF_CONTAINER_INTERNAL_H
#define SKIFF_CONTAINER_INTERNAL_H

#include "lib/container.h"

/* Loads <root>/<id>: locked (exclusive) or not, with its status. */
struct loaded_container {
  int dirfd;
  struct oci_state *state;
  const char *status;
};

/* A bundle as create and restore read it: the directory's real path, config.json's bytes (kept
 * in the state dir for exec) and what they parse to; then the rootfs, a directory, by its real path. */
int bundle_read_config(const char *dir, char **bundle, char **config_json, size_t *config_len,
                       struct oci_config **config, struct skiff_error *err);
int bundle_resolve_rootfs(const char *bundle, const struct oci_config *config, char **rootfs,
                          struct skiff_error *err);

int container_load(const struct skiff_context *ctx, const char *id, bool lock, struct loaded_container *out,
                   struct skiff_error *err);
void container_unload(struct loaded_container *lc);

/* Everything delete does once the container's processes are gone: poststop hooks, cgroup, state
 * directory. */
int container_cleanup(const struct skiff_context *ctx, const char *id, struct loaded_container *lc,
                      struct skiff_error *err);

/* poststop hooks, each failure a warning. */
void container_run_poststop(const struct oci_state *state);

/* poststart hooks; a failure is returned (the caller stops the container). */
int container_run_poststart(const struct oci_state *state, struct skiff_error *err);

/* ps without a cgroup: the processes in the init's mount namespace (else its pid namespace, when
 * that is not the caller's; else the init alone), from /proc (container-procs.c). */
int container_procs_by_namespace(pid_t init, pid_t **pids, size_t *n, struct skiff_error *err);

/* Waits up to timeout_ms for the init to exit (pidfd poll). */
int container_wait_exit(const struct oci_state *state, int timeout_ms, struct skiff_error *err);

#endif

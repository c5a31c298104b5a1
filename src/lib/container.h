/* The container lifecycle: the one file that knows the order of things. Each entry point is
 * what one CLI subcommand calls. */
#ifndef SKIFF_CONTAINER_H
#define SKIFF_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/error.h"
#include "oci/state.h"

struct skiff_context {
  const char *root;    /* state root: --root, default /run/skiff (rootless: $XDG_RUNTIME_DIR/skiff) */
  bool systemd_cgroup; /* --systemd-cgroup */
  bool debug;
  char **argv; /* skiff's own command line, to start over from a sealed copy (sealed-exe.h) */
};

struct create_options {
  const char *bundle;         /* NULL: the current directory */
  const char *pid_file;       /* NULL: none */
  const char *console_socket; /* NULL: none */
  bool no_pivot;
  bool no_new_keyring;
  bool detach;      /* run only */
  bool keep;        /* run only: in the foreground, do not delete the container once it stopped */
  int preserve_fds; /* extra fds after 0,1,2 passed to the container */
};

/* create: the container ends in "created", its init waiting for start. */
int container_create(const struct skiff_context *ctx, const char *id, const struct create_options *opts,
                     struct skiff_error *err);

/* run: create + start. In the foreground (!opts->detach) waits for the container, deletes it and
 * stores the exit status (128+n when killed by signal n) in *exit_status. */
int container_run(const struct skiff_context *ctx, const char *id, const struct create_options *opts,
                  int *exit_status, struct skiff_error *err);

int container_start(const struct skiff_context *ctx, const char *id, struct skiff_error *err);

/* The container's state as runc prints it (JSON, two-space indent), malloc'd. */
char *container_state_json(const struct skiff_context *ctx, const char *id, struct skiff_error *err);

int container_kill(const struct skiff_context *ctx, const char *id, int signal, bool all,
                   struct skiff_error *err);

int container_delete(const struct skiff_context *ctx, const char *id, bool force, struct skiff_error *err);

struct container_summary {
  struct oci_state *state;
  const char *status; /* "created", "running", "paused", "stopped" */
};

/* Every container under ctx->root, sorted by id. Free with container_list_free. */
int container_list(const struct skiff_context *ctx, struct container_summary **out, size_t *n,
                   struct skiff_error *err);
void container_list_free(struct container_summary *list, size_t n);

/* pause / resume: freeze and thaw the container's cgroup; state then shows "paused". */
int container_pause(const struct skiff_context *ctx, const char *id, struct skiff_error *err);
int container_resume(const struct skiff_context *ctx, const char *id, struct skiff_error *err);

/* update: writes the resources that are set into the running container's cgroup. */
struct oci_resources;
int container_update(const struct skiff_context *ctx, const char *id, const struct oci_resources *res,
                     struct skiff_error *err);

/* ps: the pids in the container's cgroup (malloc'd). */
int container_pids(const struct skiff_context *ctx, const char *id, pid_t **pids, size_t *n,
                   struct skiff_error *err);

/* events: one runc event line ({"type":"stats","id":...,"data":{...}}), malloc'd. */
char *container_stats_event(const struct skiff_context *ctx, const char *id, struct skiff_error *err);

/* events: streams stats every interval_ms and an "oom" event whenever the kernel OOM-kills in the
 * container, calling emit with each line, until the container stops. stats_once: one stats line. */
int container_events(const struct skiff_context *ctx, const char *id, int interval_ms,
                     void (*emit)(const char *line), struct skiff_error *err);

/* Checks an id as runc does (letters, digits, "_+-."; not "." or ".."). */
int container_validate_id(const char *id, struct skiff_error *err);

#endif

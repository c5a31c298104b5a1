/* The commands that act on a running container through its cgroup: pause, resume, update,
 * ps, events. */
#include "lib/container-internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroups/cgroup.h"
#include "lib/state.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

/* Loads a container that must be alive and have a cgroup. */
static int load_live(const struct skiff_context *ctx, const char *id, bool lock, struct loaded_container *lc,
                     struct skiff_error *err) {
  if (container_load(ctx, id, lock, lc, err) < 0)
    return -1;
  if (!strcmp(lc->status, "stopped") || !strcmp(lc->status, "creating")) {
    skiff_fail(err, ESRCH, "container %s is not running", id);
    container_unload(lc);
    return -1;
  }
  if (!lc->state->cgroup_path) {
    skiff_fail(err, ENOENT, "container %s has no cgroup", id);
    container_unload(lc);
    return -1;
  }
  return 0;
}

int container_pause(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc;
  if (load_live(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret = strcmp(lc.status, "running")
                ? skiff_fail(err, EINVAL, "container %s is not running: %s", id, lc.status)
                : cgroup_freeze(lc.state->cgroup_path, true, err);
  container_unload(&lc);
  return ret;
}

int container_resume(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc;
  if (load_live(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret = strcmp(lc.status, "paused")
                ? skiff_fail(err, EINVAL, "container %s is not paused: %s", id, lc.status)
                : cgroup_freeze(lc.state->cgroup_path, false, err);
  container_unload(&lc);
  return ret;
}

int container_update(const struct skiff_context *ctx, const char *id, const struct oci_resources *res,
                     struct skiff_error *err) {
  struct loaded_container lc;
  if (load_live(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret = cgroup_update(lc.state->cgroup_path, res, err);
  container_unload(&lc);
  return ret;
}

int container_pids(const struct skiff_context *ctx, const char *id, pid_t **pids, size_t *n,
                   struct skiff_error *err) {
  struct loaded_container lc;
  *pids = NULL;
  *n = 0;
  if (container_load(ctx, id, false, &lc, err) < 0)
    return -1;
  int ret = 0;
  if (!strcmp(lc.status, "stopped") || !strcmp(lc.status, "creating"))
    ret = 0; /* as runc: no process, and no error */
  else if (lc.state->cgroup_path)
    ret = cgroup_pids(lc.state->cgroup_path, pids, n, err);
  else if ((ret = container_procs_by_namespace(lc.state->pid, pids, n, err)) == 0 &&
           !state_init_alive(lc.state))
    *n = 0; /* its pid may name another process by now */
  container_unload(&lc);
  return ret;
}

static char *stats_line(const char *id, const char *cgroup_path, struct skiff_error *err) {
  cleanup_free char *data = cgroup_stats_json(cgroup_path, err);
  if (!data)
    return NULL;
  char *line = xasprintf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}", id, data);
  if (!line)
    skiff_fail(err, ENOMEM, "stats");
  return line;
}

char *container_stats_event(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc;
  if (load_live(ctx, id, false, &lc, err) < 0)
    return NULL;
  char *line = stats_line(id, lc.state->cgroup_path, err);
  container_unload(&lc);
  return line;
}

/* One poll round: the OOM watch wakes it early; the timeout is the stats interval. */
static int events_round(struct loaded_container *lc, const char *id, struct cgroup_oom_watch *oom,
                        int interval_ms, void (*emit)(const char *line), struct skiff_error *err) {
  struct pollfd p = {.fd = oom ? cgroup_oom_watch_fd(oom) : -1, .events = POLLIN};
  int n = poll(&p, 1, interval_ms);
  if (n < 0 && errno != EINTR)
    return skiff_fail_errno(err, errno, "poll");
  if (n > 0 && (p.revents & POLLIN)) {
    uint64_t kills = 0;
    if (cgroup_oom_watch_read(oom, &kills, err) < 0)
      return -1;
    if (kills) {
      cleanup_free char *line = xasprintf("{\"type\":\"oom\",\"id\":\"%s\"}", id);
      if (line)
        emit(line);
    }
    return 0;
  }
  cleanup_free char *line = stats_line(id, lc->state->cgroup_path, err);
  if (!line)
    return -1;
  emit(line);
  return 0;
}

int container_events(const struct skiff_context *ctx, const char *id, int interval_ms,
                     void (*emit)(const char *line), struct skiff_error *err) {
  struct loaded_container lc;
  if (load_live(ctx, id, false, &lc, err) < 0)
    return -1;
  struct cgroup_oom_watch *oom = NULL;
  struct skiff_error ignored;
  if (cgroup_oom_watch_open(lc.state->cgroup_path, &oom, &ignored) < 0)
    oom = NULL; /* no memory controller: stats only */
  int ret = 0;
  while (ret == 0 && state_init_alive(lc.state))
    ret = events_round(&lc, id, oom, interval_ms, emit, err);
  cgroup_oom_watch_free(oom);
  container_unload(&lc);
  return ret;
}

/* The commands that act on an existing container: state, kill, delete, list. */
#include "lib/container-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/hooks.h"
#include "lib/log.h"
#include "lib/state.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

int container_validate_id(const char *id, struct skiff_error *err) {
  if (!id || !*id)
    return skiff_fail(err, EINVAL, "container id cannot be empty");
  if (!strcmp(id, ".") || !strcmp(id, ".."))
    return skiff_fail(err, EINVAL, "invalid container id \"%s\"", id);
  for (const char *p = id; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '+' || c == '-' || c == '.';
    if (!ok)
      return skiff_fail(
          err, EINVAL,
          "invalid container id \"%s\": only letters, digits, \"_\", \"+\", \"-\" and \".\" are allowed", id);
  }
  if (strlen(id) > 1024)
    return skiff_fail(err, EINVAL, "invalid container id: longer than 1024 characters");
  return 0;
}

int container_load(const struct skiff_context *ctx, const char *id, bool lock, struct loaded_container *out,
                   struct skiff_error *err) {
  out->dirfd = -1;
  out->state = NULL;
  if (container_validate_id(id, err) < 0)
    return -1;
  out->dirfd = lock ? state_dir_open(ctx->root, id, err) : state_dir_open_unlocked(ctx->root, id, err);
  if (out->dirfd < 0) {
    if (err->code == ENOENT)
      skiff_fail(err, ENOENT, "container %s does not exist", id);
    return -1;
  }
  bool creating = false;
  out->state = state_read(out->dirfd, lock ? NULL : &creating, err);
  if (!out->state) {
    if (creating)
      skiff_fail(err, EBUSY, "container %s is being created", id);
    container_unload(out);
    return -1;
  }
  /* holding the lock ourselves, pid 0 can only be a create that died */
  out->status = lock && out->state->pid == 0 ? "stopped" : state_status(out->dirfd, out->state);
  return 0;
}

void container_unload(struct loaded_container *lc) {
  if (lc->dirfd >= 0)
    close(lc->dirfd);
  lc->dirfd = -1;
  if (lc->state)
    oci_state_free(lc->state);
  lc->state = NULL;
}

char *container_state_json(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc;
  if (container_load(ctx, id, false, &lc, err) < 0)
    return NULL;
  if (!strcmp(lc.status, "stopped"))
    lc.state->pid = 0; /* as runc: a stopped container has no process */
  char *json = oci_state_to_json(lc.state, lc.status, false, err);
  container_unload(&lc);
  return json;
}

/* A pidfd pins the process: a signal sent through it cannot reach a recycled pid. */
static int open_init_pidfd(const struct oci_state *state, struct skiff_error *err) {
  int fd = (int)syscall(SYS_pidfd_open, state->pid, 0);
  if (fd < 0)
    return skiff_fail(err, ESRCH, "container not running");
  if (!state_init_alive(state)) {
    close(fd);
    return skiff_fail(err, ESRCH, "container not running");
  }
  return fd;
}

int container_wait_exit(const struct oci_state *state, int timeout_ms, struct skiff_error *err) {
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, state->pid, 0);
  if (pidfd < 0 || !state_init_alive(state))
    return 0;
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int n;
  do
    n = poll(&p, 1, timeout_ms);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return skiff_fail(err, ETIMEDOUT, "container init (pid %d) did not exit", state->pid);
  return 0;
}

int container_kill(const struct skiff_context *ctx, const char *id, int signal, bool all,
                   struct skiff_error *err) {
  struct loaded_container lc;
  if (container_load(ctx, id, false, &lc, err) < 0)
    return -1;
  int ret = 0;
  if (all && lc.state->cgroup_path) {
    /* the whole cgroup, even once the init is gone: what it left running still gets the signal */
    ret = cgroup_kill_all(lc.state->cgroup_path, signal, err);
  } else if (!strcmp(lc.status, "stopped")) {
    ret = skiff_fail(err, ESRCH, "container %s is not running", id);
  } else {
    cleanup_close int pidfd = open_init_pidfd(lc.state, err);
    if (pidfd < 0)
      ret = -1;
    else if (syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0) < 0)
      ret = skiff_fail_errno(err, errno, "kill container init (pid %d)", lc.state->pid);
    /* a frozen container cannot act on SIGKILL until it is thawed */
    if (ret == 0 && signal == SIGKILL && !strcmp(lc.status, "paused"))
      ret = cgroup_freeze(lc.state->cgroup_path, false, err);
  }
  container_unload(&lc);
  return ret;
}

static void warn_hook_failure(const struct skiff_error *failure) {
  log_warning("%s", failure->msg);
}

/* poststop: a failing hook is a warning and the others still run (runtime.md lifecycle 13). */
void container_run_poststop(const struct oci_state *state) {
  const struct oci_hook_list *hooks = &state->poststop;
  if (!hooks->n)
    return;
  struct skiff_error err;
  cleanup_free char *json = oci_state_hook_json(state, "stopped", &err);
  if (!json) {
    log_warning("poststop hooks: %s", err.msg);
    return;
  }
  hooks_run_all(hooks, "poststop", json, warn_hook_failure);
}

/* poststart: a failure is start's error, and the caller stops the container (lifecycle 9). */
int container_run_poststart(const struct oci_state *state, struct skiff_error *err) {
  if (!state->poststart.n)
    return 0;
  cleanup_free char *json = oci_state_hook_json(state, "running", err);
  return json ? hooks_run(&state->poststart, "poststart", json, err) : -1;
}

int container_cleanup(const struct skiff_context *ctx, const char *id, struct loaded_container *lc,
                      struct skiff_error *err) {
  /* pid 0: a create killed before its init was on record; that init dies of it (sync-protocol.h),
   * maybe not yet: what is in the cgroup goes first, so that the cgroup can go */
  struct skiff_error ignored;
  if (lc->state->pid == 0 && lc->state->cgroup_path)
    cgroup_kill_all(lc->state->cgroup_path, SIGKILL, &ignored);
  if (lc->state->cgroup_path && cgroup_destroy_path(lc->state->cgroup_path, err) < 0)
    return -1;
  if (state_dir_remove(ctx->root, id, lc->dirfd, err) < 0)
    return -1;
  /* after the container is deleted, before delete returns (runtime.md) */
  container_run_poststop(lc->state);
  return 0;
}

static int kill_for_delete(struct loaded_container *lc, struct skiff_error *err) {
  const struct oci_state *st = lc->state;
  if (st->cgroup_path && !st->new_pid_ns && cgroup_kill_all(st->cgroup_path, SIGKILL, err) < 0)
    return -1;
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pidfd >= 0 && state_init_alive(st))
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  if (!strcmp(lc->status, "paused") && cgroup_freeze(st->cgroup_path, false, err) < 0)
    return -1;
  return container_wait_exit(st, 10000, err);
}

/* delete --force never waits forever and leaves nothing that a killed command made: a lock still
 * held after DELETE_LOCK_WAIT_MS (its holder stuck) is gone without; a directory without
 * state.json (a create killed before it wrote any, or a create still running past the wait) is
 * removed; state.json with pid 0 (a create killed before the init existed) is "stopped" when the
 * lock was free, else the create is stopped: its cgroup's processes killed, then all removed. */
#define DELETE_LOCK_WAIT_MS 5000

static int delete_forced(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc = {.dirfd = -1};
  if (container_validate_id(id, err) < 0)
    return -1;
  lc.dirfd = state_dir_open_unlocked(ctx->root, id, err);
  if (lc.dirfd < 0)
    return err->code == ENOENT ? 0 : -1; /* engines delete --force what may be gone */
  bool locked = state_dir_lock_bounded(lc.dirfd, DELETE_LOCK_WAIT_MS);
  if (!locked)
    log_warning("delete %s: the container's lock is still held after %d s: removing it anyway", id,
                DELETE_LOCK_WAIT_MS / 1000);
  lc.state = state_read(lc.dirfd, NULL, err);
  int ret = 0;
  if (!lc.state && err->code == ENOENT) {
    ret = state_dir_remove(ctx->root, id, lc.dirfd, err);
  } else if (!lc.state) {
    ret = -1;
  } else {
    /* pid 0 with the lock still held: a create going on (container_cleanup kills its cgroup) */
    lc.status = locked && lc.state->pid == 0 ? "stopped" : state_status(lc.dirfd, lc.state);
    if (strcmp(lc.status, "stopped") && lc.state->pid != 0)
      ret = kill_for_delete(&lc, err);
    if (ret == 0)
      ret = container_cleanup(ctx, id, &lc, err);
  }
  if (ret == 0)
    log_debug("delete %s: removed", id);
  container_unload(&lc);
  return ret;
}

int container_delete(const struct skiff_context *ctx, const char *id, bool force, struct skiff_error *err) {
  if (force)
    return delete_forced(ctx, id, err);
  struct loaded_container lc;
  if (container_load(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret = 0;
  bool stopped = !strcmp(lc.status, "stopped");
  if (!stopped && strcmp(lc.status, "created"))
    ret = skiff_fail(err, EBUSY, "cannot delete container %s that is not stopped: %s", id, lc.status);
  else if (!stopped)
    ret = kill_for_delete(&lc, err);
  if (ret == 0)
    ret = container_cleanup(ctx, id, &lc, err);
  if (ret == 0)
    log_debug("delete %s: removed", id);
  container_unload(&lc);
  return ret;
}

static int compare_summary(const void *a, const void *b) {
  const struct container_summary *x = a, *y = b;
  return strcmp(x->state->id, y->state->id);
}

int container_list(const struct skiff_context *ctx, struct container_summary **out, size_t *n,
                   struct skiff_error *err) {
  *out = NULL;
  *n = 0;
  cleanup_closedir DIR *d = opendir(ctx->root);
  if (!d) {
    if (errno == ENOENT)
      return 0;
    return skiff_fail_errno(err, errno, "open state root %s", ctx->root);
  }
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) /* ".x" is a valid id (runc lists it too) */
      continue;
    struct loaded_container lc;
    struct skiff_error ignored;
    if (container_load(ctx, e->d_name, false, &lc, &ignored) < 0)
      continue; /* being created, or what a dead create left: not a container yet */
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      struct container_summary *bigger = realloc(*out, cap * sizeof **out);
      if (!bigger) {
        container_unload(&lc);
        container_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return skiff_fail_errno(err, ENOMEM, "list");
      }
      *out = bigger;
    }
    (*out)[*n].state = steal_pointer(&lc.state);
    (*out)[*n].status = lc.status;
    (*n)++;
    container_unload(&lc);
  }
  if (*n > 1)
    qsort(*out, *n, sizeof **out, compare_summary);
  return 0;
}

void container_list_free(struct container_summary *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    oci_state_free(list[i].state);
  free(list);
}

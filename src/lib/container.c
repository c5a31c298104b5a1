/* create, run and start: the order of things from config.json to the user's process. */
#include "lib/container-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/hooks.h"
#include "lib/namespaces.h"
#include "lib/spawn.h"
#include "lib/state.h"
#include "lib/sync.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

/* What a create holds until the container is handed over or torn down. */
struct launch {
  const struct skiff_context *ctx;
  const char *id;
  char bundle[PATH_MAX];
  char rootfs[PATH_MAX];
  struct oci_config *config;
  int dirfd;
  bool dir_created;
  struct cgroup *cgroup;
  struct spawn_config sc;
  struct spawn_result spawned;
  struct oci_state state;
};

static void launch_init(struct launch *l, const struct skiff_context *ctx, const char *id) {
  memset(l, 0, sizeof *l);
  l->ctx = ctx;
  l->id = id;
  l->dirfd = -1;
  l->sc.exec_fifo_fd = -1;
  l->spawned.pid = -1;
  l->spawned.sync_fd = -1;
  for (int t = 0; t < OCI_NS_COUNT; t++)
    l->sc.ns_fds[t] = -1;
}

/* Releases what the launch holds; with teardown, also undoes what it made on the host. */
static void launch_finish(struct launch *l, bool teardown) {
  struct skiff_error ignored;
  if (teardown && l->spawned.pid > 0) {
    kill(l->spawned.pid, SIGKILL);
    waitpid(l->spawned.pid, NULL, __WALL | WNOHANG);
  }
  if (l->spawned.sync_fd >= 0)
    close(l->spawned.sync_fd);
  if (l->sc.exec_fifo_fd >= 0)
    close(l->sc.exec_fifo_fd);
  ns_close_paths(l->sc.ns_fds);
  if (l->cgroup) {
    if (teardown)
      cgroup_destroy_path(cgroup_path(l->cgroup), &ignored);
    cgroup_free(l->cgroup);
  }
  if (teardown && l->dir_created)
    state_dir_remove(l->ctx->root, l->id, l->dirfd, &ignored);
  if (l->dirfd >= 0)
    close(l->dirfd);
  if (l->config)
    oci_config_free(l->config);
}

static int resolve_bundle(struct launch *l, const char *bundle, struct skiff_error *err) {
  if (!realpath(bundle ? bundle : ".", l->bundle))
    return skiff_fail_errno(err, errno, "bundle %s", bundle ? bundle : ".");
  cleanup_free char *config_path = xasprintf("%s/config.json", l->bundle);
  if (!config_path)
    return skiff_fail_errno(err, ENOMEM, "bundle");
  l->config = oci_config_parse_file(config_path, "config.json", err);
  if (!l->config)
    return -1;
  if (!l->config->has_process)
    return skiff_fail(err, EINVAL, "config.json: process: required");
  if (!l->config->has_root)
    return skiff_fail(err, EINVAL, "config.json: root: required");
  const char *root = l->config->root.path;
  cleanup_free char *joined = root[0] == '/' ? strdup(root) : xasprintf("%s/%s", l->bundle, root);
  struct stat st;
  if (!joined || !realpath(joined, l->rootfs) || stat(l->rootfs, &st) < 0)
    return skiff_fail(err, ENOENT, "config.json: root.path: rootfs \"%s\" does not exist",
                      joined ? joined : root);
  if (!S_ISDIR(st.st_mode))
    return skiff_fail(err, ENOTDIR, "config.json: root.path: rootfs \"%s\" is not a directory", l->rootfs);
  if (!oci_config_namespace(l->config, OCI_NS_MOUNT))
    return skiff_fail(err, EINVAL, "config.json: linux.namespaces: a mount namespace is required");
  return 0;
}

/* The fds the parent hands to the init must sit above the range --preserve-fds passes on. */
static int move_fds_above_preserved(struct launch *l, int preserve_fds, struct skiff_error *err) {
  int min = 3 + preserve_fds;
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (l->sc.ns_fds[t] >= 0 && (l->sc.ns_fds[t] = fd_move_above(l->sc.ns_fds[t], min, err)) < 0)
      return -1;
  if (l->sc.exec_fifo_fd >= 0 && (l->sc.exec_fifo_fd = fd_move_above(l->sc.exec_fifo_fd, min, err)) < 0)
    return -1;
  if ((l->dirfd = fd_move_above(l->dirfd, min, err)) < 0)
    return -1;
  return 0;
}

static int make_exec_fifo(struct launch *l, struct skiff_error *err) {
  if (mkfifoat(l->dirfd, EXEC_FIFO, 0600) < 0)
    return skiff_fail_errno(err, errno, "create exec fifo");
  /* the init opens it for writing after it became the configured user */
  if (fchmodat(l->dirfd, EXEC_FIFO, 0622, 0) < 0)
    return skiff_fail_errno(err, errno, "chmod exec fifo");
  l->sc.exec_fifo_fd = openat(l->dirfd, EXEC_FIFO, O_PATH | O_CLOEXEC);
  if (l->sc.exec_fifo_fd < 0)
    return skiff_fail_errno(err, errno, "open exec fifo");
  return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct skiff_error *err) {
  char abs[PATH_MAX], num[32];
  if (path[0] != '/') {
    if (!getcwd(abs, sizeof abs) || strlen(abs) + strlen(path) + 2 > sizeof abs)
      return skiff_fail_errno(err, errno ? errno : ENAMETOOLONG, "pid file %s", path);
    strcat(abs, "/");
    strcat(abs, path);
  } else {
    snprintf(abs, sizeof abs, "%s", path);
  }
  char dir[PATH_MAX], base[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", abs);
  snprintf(base, sizeof base, "%s", abs);
  cleanup_close int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return skiff_fail_errno(err, errno, "pid file %s", path);
  int len = snprintf(num, sizeof num, "%d", pid);
  if (write_file_atomic(dirfd, basename(base), num, (size_t)len, 0644, err) < 0)
    return skiff_error_prefix(err, "pid file");
  return 0;
}

static int record_state(struct launch *l, struct skiff_error *err) {
  char created[64];
  struct oci_state *s = &l->state;
  format_rfc3339_nano(created, sizeof created);
  s->oci_version = l->config->oci_version;
  s->id = (char *)l->id;
  s->pid = l->spawned.pid;
  if (proc_start_time(s->pid, &s->pid_start_time, NULL) < 0)
    return skiff_fail(err, ESRCH, "container init exited during create");
  s->bundle = l->bundle;
  s->rootfs = l->rootfs;
  s->created = created;
  s->owner = "";
  s->annotations = l->config->annotations;
  s->n_annotations = l->config->n_annotations;
  s->cgroup_path = l->cgroup ? (char *)cgroup_path(l->cgroup) : NULL;
  s->systemd_cgroup = l->ctx->systemd_cgroup;
  s->new_pid_ns = oci_config_namespace(l->config, OCI_NS_PID) && !oci_config_namespace(l->config, OCI_NS_PID)->path;
  s->poststop = l->config->hooks.poststop;
  s->poststart = l->config->hooks.poststart;
  int ret = state_write(l->dirfd, s, err);
  s->created = NULL; /* points into this stack frame */
  return ret;
}

/* Step 5: prestart (deprecated, same moment) and createRuntime hooks, in the runtime's namespaces. */
static int run_create_runtime_hooks(struct spawn_config *sc, pid_t pid, struct skiff_error *err) {
  struct launch *l = sc->opaque;
  const struct oci_hooks *h = &l->config->hooks;
  if (!h->prestart.n && !h->create_runtime.n)
    return 0;
  struct oci_state st = {.oci_version = l->config->oci_version, .id = (char *)l->id, .pid = pid,
                         .bundle = l->bundle, .rootfs = l->rootfs, .annotations = l->config->annotations,
                         .n_annotations = l->config->n_annotations};
  cleanup_free char *json = oci_state_hook_json(&st, "creating", err);
  if (!json || hooks_run(&h->prestart, "prestart", json, err) < 0)
    return -1;
  return hooks_run(&h->create_runtime, "createRuntime", json, err);
}

/* Everything of create up to a container in "created" (or, for run, ready for step 8). */
static int launch_container(struct launch *l, const struct create_options *opts, bool run_mode,
                            struct skiff_error *err) {
  if (container_validate_id(l->id, err) < 0 || resolve_bundle(l, opts->bundle, err) < 0)
    return -1;
  if (ns_open_paths(l->config, l->sc.ns_fds, err) < 0)
    return -1;
  l->dirfd = state_dir_create(l->ctx->root, l->id, err);
  if (l->dirfd < 0)
    return -1;
  l->dir_created = true;
  if (cgroup_create(l->config, l->id, l->ctx->systemd_cgroup, &l->cgroup, err) < 0)
    return -1;
  if (!run_mode && make_exec_fifo(l, err) < 0)
    return -1;
  if (move_fds_above_preserved(l, opts->preserve_fds, err) < 0)
    return -1;
  l->sc.config = l->config;
  l->sc.bundle = l->bundle;
  l->sc.rootfs = l->rootfs;
  l->sc.no_pivot = opts->no_pivot;
  l->sc.no_new_keyring = opts->no_new_keyring;
  l->sc.preserve_fds = opts->preserve_fds;
  l->sc.cgroup = l->cgroup;
  l->sc.id = l->id;
  l->sc.on_namespaces_ready = run_create_runtime_hooks;
  l->sc.opaque = l;
  if (spawn_container(&l->sc, &l->spawned, err) < 0)
    return -1;
  if (record_state(l, err) < 0)
    return -1;
  if (opts->pid_file && write_pid_file(opts->pid_file, l->spawned.pid, err) < 0)
    return -1;
  return 0;
}

int container_create(const struct skiff_context *ctx, const char *id, const struct create_options *opts,
                     struct skiff_error *err) {
  struct launch l;
  launch_init(&l, ctx, id);
  int ret = launch_container(&l, opts, false, err);
  launch_finish(&l, ret < 0);
  return ret;
}

/* Foreground run: signals sent to skiff go to the container; SIGCHLD reaps (skiff is a
 * subreaper, so an init forked inside a new pid namespace is reaped here too). */
static int wait_and_forward(int sigfd, pid_t init, int *exit_status, struct skiff_error *err) {
  for (;;) {
    struct signalfd_siginfo si;
    ssize_t n = read(sigfd, &si, sizeof si);
    if (n < 0 && errno == EINTR)
      continue;
    if (n != (ssize_t)sizeof si)
      return skiff_fail_errno(err, errno, "read signalfd");
    if (si.ssi_signo != SIGCHLD) {
      kill(init, (int)si.ssi_signo);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
      if (pid != init)
        continue;
      *exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      return 0;
    }
  }
}

static int forwarded_signals(sigset_t *set) {
  sigfillset(set);
  static const int synchronous[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
  for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
    sigdelset(set, synchronous[i]);
  return 0;
}

int container_run(const struct skiff_context *ctx, const char *id, const struct create_options *opts,
                  int *exit_status, struct skiff_error *err) {
  struct launch l;
  sigset_t set, old;
  cleanup_close int sigfd = -1;
  launch_init(&l, ctx, id);
  if (!opts->detach) {
    forwarded_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    sigfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sigfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
      sigprocmask(SIG_SETMASK, &old, NULL);
      return skiff_fail_errno(err, errno, "signalfd");
    }
  }
  int ret = launch_container(&l, opts, true, err);
  if (ret == 0)
    ret = sync_send(l.spawned.sync_fd, SYNC_START, 0, err); /* step 8 */
  if (ret < 0 || opts->detach) {
    launch_finish(&l, ret < 0);
    if (!opts->detach)
      sigprocmask(SIG_SETMASK, &old, NULL);
    *exit_status = 0;
    return ret;
  }
  close(steal_fd(&l.spawned.sync_fd));
  container_run_poststart(&l.state);
  flock(l.dirfd, LOCK_UN); /* other commands (kill, delete --force) may act on it meanwhile */
  ret = wait_and_forward(sigfd, l.spawned.pid, exit_status, err);
  l.spawned.pid = -1;
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (ret == 0 && flock(l.dirfd, LOCK_EX) == 0 && faccessat(l.dirfd, STATE_FILE, F_OK, 0) == 0) {
    struct loaded_container lc = {.dirfd = l.dirfd, .state = &l.state, .status = "stopped"};
    ret = container_cleanup(ctx, id, &lc, err);
  }
  launch_finish(&l, false);
  return ret;
}

/* Opening the fifo for reading releases the init blocked opening it for writing; its byte
 * says the init got past the open. A dead init is seen on its pidfd instead. */
static int release_init(struct loaded_container *lc, struct skiff_error *err) {
  cleanup_close int fifo = openat(lc->dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return skiff_fail_errno(err, errno, "open exec fifo");
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, lc->state->pid, 0);
  struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  for (;;) {
    int n = poll(p, pidfd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return skiff_fail_errno(err, errno, "poll exec fifo");
    if (p[0].revents & POLLIN) {
      char c;
      if (read(fifo, &c, 1) == 1)
        break;
    }
    if (p[1].revents & POLLIN)
      return skiff_fail(err, ESRCH, "container init exited before start");
  }
  if (unlinkat(lc->dirfd, EXEC_FIFO, 0) < 0)
    return skiff_fail_errno(err, errno, "remove exec fifo");
  return 0;
}

int container_start(const struct skiff_context *ctx, const char *id, struct skiff_error *err) {
  struct loaded_container lc;
  if (container_load(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret;
  if (!strcmp(lc.status, "created"))
    ret = release_init(&lc, err);
  else if (!strcmp(lc.status, "stopped"))
    ret = skiff_fail(err, EINVAL, "cannot start a container that has stopped");
  else
    ret = skiff_fail(err, EINVAL, "cannot start an already running container");
  if (ret == 0)
    container_run_poststart(lc.state);
  container_unload(&lc);
  return ret;
}

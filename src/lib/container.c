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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/foreground.h"
#include "lib/hooks.h"
#include "lib/log.h"
#include "lib/lsm.h"
#include "lib/mounts.h"
#include "lib/process-sched.h"
#include "lib/process.h"
#include "lib/rootfs.h"
#include "lib/namespaces.h"
#include "lib/sealed-exe.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"
#include "lib/state.h"
#include "lib/sync.h"
#include "lib/terminal.h"
#include "lib/trampoline.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/names.h"

/* What a create holds until the container is handed over or torn down. */
struct launch {
  const struct skiff_context *ctx;
  const char *id;
  char *bundle, *rootfs; /* absolute, malloc'd: two PATH_MAX arrays made every frame below deeper */
  struct oci_config *config;
  char *config_json; /* the bytes parsed, kept in the state dir for exec */
  size_t config_len;
  int dirfd;
  bool dir_created;
  struct cgroup *cgroup;
  struct seccomp_program *seccomp;
  struct spawn_config sc;
  struct spawn_result spawned;
  struct oci_state state;
  struct foreground *fg; /* run in the foreground: its signal handling, else NULL */
  bool runtime_hooks_ran; /* prestart/createRuntime hooks began: a teardown owes the poststop ones */
  const char *planned_cgroup; /* the cgroup's path before cgroup_create made it (record_state) */
  bool planned_recorded;      /* state.json (pid 0) holds that path */
};

static void launch_init(struct launch *l, const struct skiff_context *ctx, const char *id) {
  memset(l, 0, sizeof *l);
  l->ctx = ctx;
  l->id = id;
  l->dirfd = -1;
  l->sc.exec_fifo_fd = -1;
  l->sc.trampoline_fd = -1;
  l->spawned.pid = -1;
  l->spawned.sync_fd = -1;
  l->spawned.terminal_master = -1;
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
  if (l->spawned.terminal_master >= 0)
    close(l->spawned.terminal_master);
  if (l->sc.exec_fifo_fd >= 0)
    close(l->sc.exec_fifo_fd);
  if (l->sc.trampoline_fd >= 0)
    close(l->sc.trampoline_fd);
  ns_close_paths(l->sc.ns_fds);
  if (l->config)
    mounts_close_sources(l->sc.mount_fds, l->config->n_mounts);
  if (l->cgroup) {
    if (teardown)
      cgroup_destroy(l->cgroup, &ignored);
    cgroup_free(l->cgroup);
  }
  if (teardown && l->dir_created)
    state_dir_remove(l->ctx->root, l->id, l->dirfd, &ignored);
  /* runtime.md lifecycle: a create that fails once hooks may have acted on the host goes on to
   * step 12 (the container destroyed: above) and 13, the poststop hooks, as runc's destroy() does;
   * they undo what createRuntime hooks made (a network, say), even when one of those failed */
  if (teardown && l->config && l->config->hooks.poststop.n && (l->runtime_hooks_ran || l->spawned.pid > 0)) {
    struct oci_state st = {.oci_version = l->config->oci_version,
                           .id = (char *)l->id,
                           .bundle = l->bundle,
                           .rootfs = l->rootfs,
                           .annotations = l->config->annotations,
                           .n_annotations = l->config->n_annotations,
                           .poststop = l->config->hooks.poststop};
    container_run_poststop(&st);
  }
  if (l->dirfd >= 0)
    close(l->dirfd);
  if (l->config)
    oci_config_free(l->config);
  free(l->config_json);
  free(l->bundle);
  free(l->rootfs);
  seccomp_program_free(l->seccomp);
}

/* The spec has runtimes log capabilities they do not know and go on (the kernel may be older
 * than the config). */
static void warn_unknown_capabilities(const struct oci_process *p) {
  const struct oci_capabilities *c = &p->capabilities;
  const struct oci_strv *sets[] = {&c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient};
  static const char *const names[] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
  for (size_t s = 0; s < 5; s++)
    for (size_t i = 0; i < sets[s]->n; i++)
      if (oci_cap_from_name(sets[s]->v[i]) < 0)
        log_warning("config.json: process.capabilities.%s[%zu]: unknown capability \"%s\" ignored", names[s],
                    i, sets[s]->v[i]);
}

int bundle_read_config(const char *dir, char **bundle, char **config_json, size_t *config_len,
                       struct oci_config **config, struct skiff_error *err) {
  if (!(*bundle = realpath(dir ? dir : ".", NULL)))
    return skiff_fail_errno(err, errno, "bundle %s", dir ? dir : ".");
  cleanup_close int bundle_fd = open(*bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (bundle_fd < 0)
    return skiff_fail_errno(err, errno, "bundle %s", *bundle);
  *config_json = read_file_limited(bundle_fd, "config.json", OCI_CONFIG_MAX_BYTES, config_len, err);
  if (!*config_json)
    return err->code == EFBIG ? -1 : skiff_fail_errno(err, err->code, "config.json");
  *config = oci_config_parse(*config_json, *config_len, "config.json", err);
  return *config ? 0 : -1;
}

int bundle_resolve_rootfs(const char *bundle, const struct oci_config *config, char **rootfs,
                          struct skiff_error *err) {
  if (!config->has_root)
    return skiff_fail(err, EINVAL, "config.json: root: required");
  const char *root = config->root.path;
  cleanup_free char *joined = root[0] == '/' ? strdup(root) : xasprintf("%s/%s", bundle, root);
  struct stat st;
  if (!joined)
    return skiff_fail_errno(err, ENOMEM, "config.json: root.path");
  /* runc's words: "no such file or directory", "permission denied" (a rootfs the caller cannot reach) */
  if (!(*rootfs = realpath(joined, NULL)) || stat(*rootfs, &st) < 0)
    return skiff_fail_errno(err, errno, "config.json: root.path: rootfs \"%s\"", joined);
  if (!S_ISDIR(st.st_mode))
    return skiff_fail(err, ENOTDIR, "config.json: root.path: rootfs \"%s\" is not a directory", *rootfs);
  return 0;
}

static int resolve_bundle(struct launch *l, const char *bundle, struct skiff_error *err) {
  if (bundle_read_config(bundle, &l->bundle, &l->config_json, &l->config_len, &l->config, err) < 0)
    return -1;
  if (!l->config->has_process)
    return skiff_fail(err, EINVAL, "config.json: process: required");
  if (bundle_resolve_rootfs(l->bundle, l->config, &l->rootfs, err) < 0)
    return -1;
  warn_unknown_capabilities(&l->config->process);
  for (size_t i = 0; i < l->config->n_mounts; i++)
    if (l->config->mounts[i].destination_was_relative)
      log_warning("config.json: mounts[%zu].destination: \"%s\" is not absolute: taken relative to the "
                  "container's /, as the spec allows",
                  i, l->config->mounts[i].destination + 1);
  if (process_validate_sysctl(l->config, err) < 0 || process_check_host_support(l->config, err) < 0 ||
      lsm_check_host(l->config, err) < 0)
    return -1;
  if (process_check_exec_size(&l->config->process, err) < 0)
    return skiff_error_prefix(err, "config.json");
  if (!oci_config_namespace(l->config, OCI_NS_MOUNT) && rootfs_check_shared_mount_ns(l->config, err) < 0)
    return -1;
  /* without root on the host, only the capabilities of a user namespace of its own make a container */
  if (geteuid() != 0 && !oci_config_namespace(l->config, OCI_NS_USER))
    return skiff_fail(err, EPERM,
                      "config.json: linux.namespaces: rootless container requires user namespaces (skiff runs as "
                      "uid %u, without root, and the config has no user namespace)",
                      (unsigned)geteuid());
  return 0;
}

/* systemd socket activation (LISTEN_FDS and LISTEN_PID naming this process): the listening fds
 * 3 .. 3+n-1 go to the container, before those of --preserve-fds, and its process is told so with
 * LISTEN_FDS=n and LISTEN_PID=1, as runc does. */
static int activation_fds(void) {
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  return fds && pid && atoi(pid) == getpid() && atoi(fds) > 0 ? atoi(fds) : 0;
}

static int socket_activation(struct oci_config *config, int *n_fds, struct skiff_error *err) {
  *n_fds = 0;
  int n = activation_fds();
  if (!n)
    return 0;
  struct oci_strv *env = &config->process.env;
  char **bigger = realloc(env->v, (env->n + 3) * sizeof *bigger);
  if (!bigger)
    return skiff_fail_errno(err, ENOMEM, "LISTEN_FDS");
  env->v = bigger;
  env->v[env->n] = xasprintf("LISTEN_FDS=%d", n);
  env->v[env->n + 1] = strdup("LISTEN_PID=1");
  env->v[env->n + 2] = NULL;
  env->n += 2;
  if (!env->v[env->n - 2] || !env->v[env->n - 1])
    return skiff_fail_errno(err, ENOMEM, "LISTEN_FDS");
  *n_fds = n;
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
  for (size_t i = 0; l->sc.mount_fds && i < l->config->n_mounts; i++)
    if (l->sc.mount_fds[i] >= 0 &&
        (l->sc.mount_fds[i] = fd_move_above(l->sc.mount_fds[i], min, err)) < 0)
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

/* Written twice: once before the init exists (pid 0, status "creating"), so that a create that
 * dies leaves the cgroup to remove on record, then with the init's pid. */
static int record_state(struct launch *l, pid_t pid, struct skiff_error *err) {
  char created[RFC3339_NANO_MAX];
  struct oci_state *s = &l->state;
  format_rfc3339_nano(created);
  s->oci_version = l->config->oci_version;
  s->id = (char *)l->id;
  s->pid = pid;
  if (pid > 0 && proc_start_time(s->pid, &s->pid_start_time, NULL) < 0)
    return skiff_fail(err, ESRCH, "container init exited during create");
  s->bundle = l->bundle;
  s->rootfs = l->rootfs;
  s->created = created;
  s->owner = "";
  s->annotations = l->config->annotations;
  s->n_annotations = l->config->n_annotations;
  s->cgroup_path = l->cgroup ? (char *)cgroup_path(l->cgroup) : (char *)l->planned_cgroup;
  s->systemd_cgroup = l->ctx->systemd_cgroup;
  s->new_pid_ns =
      oci_config_namespace(l->config, OCI_NS_PID) && !oci_config_namespace(l->config, OCI_NS_PID)->path;
  s->poststop = l->config->hooks.poststop;
  s->poststart = l->config->hooks.poststart;
  int ret = state_write(l->dirfd, s, err);
  s->created = NULL; /* points into this stack frame */
  return ret;
}

/* Who gets the pty: the console socket, or skiff run's own relay in the foreground. */
static int check_terminal(const struct oci_config *config, const struct create_options *opts, bool run_mode,
                          struct skiff_error *err) {
  if (config->process.terminal && !opts->console_socket && (!run_mode || opts->detach))
    return skiff_fail(err, EINVAL, "cannot allocate tty if skiff will detach without setting console socket");
  if (!config->process.terminal && opts->console_socket)
    return skiff_fail(err, EINVAL, "cannot use console socket if skiff will not allocate tty");
  return 0;
}

/* The spec's state of the container being created, as hooks and the seccomp agent read it. */
static char *creating_state_json(const struct launch *l, pid_t pid, struct skiff_error *err) {
  struct oci_state st = {.oci_version = l->config->oci_version,
                         .id = (char *)l->id,
                         .pid = pid,
                         .bundle = (char *)l->bundle,
                         .rootfs = (char *)l->rootfs,
                         .annotations = l->config->annotations,
                         .n_annotations = l->config->n_annotations};
  return oci_state_hook_json(&st, "creating", err);
}

/* Step 5: prestart (deprecated, same moment) and createRuntime hooks, in the runtime's namespaces. */
static int run_create_runtime_hooks(struct spawn_config *sc, pid_t pid, struct skiff_error *err) {
  struct launch *l = sc->opaque;
  const struct oci_hooks *h = &l->config->hooks;
  if (!h->prestart.n && !h->create_runtime.n)
    return 0;
  cleanup_free char *json = creating_state_json(l, pid, err);
  l->runtime_hooks_ran = true;
  if (!json || hooks_run(&h->prestart, "prestart", json, err) < 0)
    return -1;
  return hooks_run(&h->create_runtime, "createRuntime", json, err);
}

/* SCMP_ACT_NOTIFY: the agent gets the init's listener with the state of a container "creating". */
static int send_seccomp_listener(struct spawn_config *sc, pid_t pid, int listener_fd,
                                 struct skiff_error *err) {
  struct launch *l = sc->opaque;
  cleanup_free char *json = creating_state_json(l, pid, err);
  if (!json)
    return -1;
  return seccomp_send_listener(&l->config->linux_.seccomp, listener_fd, json, pid, err);
}

/* Rootless (euid != 0) with no cgroup it may write to (none delegated): as runc, the container
 * runs without a cgroup of its own, unless the config asks for limits only a cgroup can give. */
static bool sets_limits(const struct oci_config *c) {
  const struct oci_resources *r = &c->linux_.resources;
  return c->linux_.has_resources && (r->has_memory || r->has_cpu || r->has_pids || r->has_block_io ||
                                     r->has_network || r->n_hugepage_limits || r->n_rdma || r->n_unified);
}

/* The state before the first cgroup directory exists, with that cgroup's path (pid 0). */
static int record_planned_cgroup(const char *planned_path, void *opaque, struct skiff_error *err) {
  struct launch *l = opaque;
  l->planned_cgroup = planned_path;
  int ret = record_state(l, 0, err);
  l->planned_cgroup = NULL;
  l->planned_recorded = ret == 0;
  return ret;
}

static int create_cgroup(struct launch *l, struct skiff_error *err) {
  const struct cgroup_recorder recorder = {.record = record_planned_cgroup, .opaque = l};
  if (cgroup_create(l->config, l->id, l->ctx->systemd_cgroup, &l->cgroup, &recorder, err) == 0)
    return 0;
  if (geteuid() == 0 || (err->code != EACCES && err->code != EPERM && err->code != EROFS))
    return -1;
  if (sets_limits(l->config))
    return skiff_error_prefix(err, "linux.resources: rootless, the limits need a cgroup delegated to "
                                   "the user");
  log_debug("rootless: no writable cgroup (%s), the container runs in the caller's", err->msg);
  l->cgroup = NULL;
  return 0;
}

/* Everything of create up to a container in "created" (or, for run, ready for step 8). */
static int launch_container(struct launch *l, const struct create_options *opts, bool run_mode,
                            struct skiff_error *err) {
  if (container_validate_id(l->id, err) < 0 ||
      fds_check_open(3, activation_fds() + opts->preserve_fds, "--preserve-fds", err) < 0 ||
      resolve_bundle(l, opts->bundle, err) < 0)
    return -1;
  if (sealed_exe_needed(l->config, NULL, false) && !sealed_exe_running()) {
    if (l->fg)
      foreground_end(l->fg);
    return sealed_exe_restart(l->ctx->argv, err);
  }
  if (check_terminal(l->config, opts, run_mode, err) < 0 || ns_open_paths(l->config, l->sc.ns_fds, err) < 0)
    return -1;
  if (mounts_open_sources(l->config, l->bundle, l->sc.ns_fds[OCI_NS_USER], &l->sc.mount_fds, err) < 0)
    return -1;
  /* the trampoline's fd number is in the filter (its execveat is allowed), above the container's fds */
  l->sc.trampoline_fd = trampoline_memfd(3 + activation_fds() + opts->preserve_fds, err);
  if (l->sc.trampoline_fd < 0)
    return -1;
  if (seccomp_prepare(l->config, l->sc.trampoline_fd, &l->seccomp, err) < 0)
    return skiff_error_prefix(err, "config.json");
  l->dirfd = state_dir_create(l->ctx->root, l->id, err);
  if (l->dirfd < 0)
    return -1;
  l->dir_created = true;
  if (create_cgroup(l, err) < 0)
    return -1;
  /* once, with the path the cgroup got, unless its plan is on record already (the same path) */
  if (!(l->cgroup && l->planned_recorded) && record_state(l, 0, err) < 0)
    return -1;
  if (!run_mode && make_exec_fifo(l, err) < 0)
    return -1;
  int extra_fds = 0;
  if (socket_activation(l->config, &extra_fds, err) < 0)
    return -1;
  if (move_fds_above_preserved(l, extra_fds + opts->preserve_fds, err) < 0)
    return -1;
  l->sc.config = l->config;
  l->sc.bundle = l->bundle;
  l->sc.rootfs = l->rootfs;
  l->sc.no_pivot = opts->no_pivot;
  l->sc.no_new_keyring = opts->no_new_keyring;
  l->sc.preserve_fds = extra_fds + opts->preserve_fds;
  l->sc.cgroup = l->cgroup;
  log_debug("create %s: bundle %s, rootfs %s, cgroup %s", l->id, l->bundle, l->rootfs,
            l->cgroup ? cgroup_path(l->cgroup) : "none");
  l->sc.id = l->id;
  l->sc.on_namespaces_ready = run_create_runtime_hooks;
  l->sc.seccomp = l->seccomp;
  l->sc.on_seccomp_listener = send_seccomp_listener;
  l->sc.opaque = l;
  if (spawn_container(&l->sc, &l->spawned, err) < 0)
    return -1;
  log_debug("create %s: init pid %d is ready", l->id, l->spawned.pid);
  if (l->spawned.terminal_master >= 0 && opts->console_socket) {
    int master = steal_fd(&l->spawned.terminal_master);
    int sent = terminal_send_to_console_socket(opts->console_socket, master, err);
    close(master);
    if (sent < 0)
      return -1;
  }
  if (write_file_atomic(l->dirfd, STATE_CONFIG, l->config_json, l->config_len, 0600, err) < 0 ||
      record_state(l, l->spawned.pid, err) < 0)
    return -1;
  /* step 7a: on record, the init may outlive us; the pid file only for a container that can */
  if (!run_mode && sync_send(l->spawned.sync_fd, SYNC_CREATED_ACK, 0, err) < 0)
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

/* The init's end of the socket closes when the container's program runs: poststart hooks run
 * after that. What fails before (a startContainer hook, the exec) comes as SYNC_ERROR instead.
 * Meanwhile the terminal is served, or a startContainer hook writing much to it would wait on us
 * forever. */
static int wait_for_exec(int sync_fd, struct terminal_relay *relay, struct skiff_error *err) {
  for (;;) {
    struct pollfd fds[4] = {{.fd = sync_fd, .events = POLLIN}};
    int n = 1 + (relay ? terminal_relay_poll_fds(relay, fds + 1, 3) : 0);
    if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
      return skiff_fail_errno(err, errno, "poll");
    for (int i = 1; i < n; i++)
      if (fds[i].revents)
        terminal_relay_handle(relay, &fds[i]);
    if (fds[0].revents) {
      struct sync_msg msg;
      if (sync_recv(sync_fd, &msg, NULL, err) == 0)
        continue;
      return err->code == EPIPE ? 0 : -1; /* EOF: the program runs (or the init died) */
    }
  }
}

int container_run(const struct skiff_context *ctx, const char *id, const struct create_options *opts,
                  int *exit_status, struct skiff_error *err) {
  struct launch l;
  struct foreground fg = {.sigfd = -1};
  struct terminal_relay relay;
  struct skiff_error poststart_err = {0};
  bool relaying = false, poststart_failed = false;
  *exit_status = 0;
  launch_init(&l, ctx, id);
  l.fg = &fg;
  int ret = fds_check_open(3, activation_fds() + opts->preserve_fds, "--preserve-fds", err);
  if (ret == 0 && !opts->detach)
    ret = foreground_begin(&fg, 3 + activation_fds() + opts->preserve_fds, err);
  if (ret == 0)
    ret = launch_container(&l, opts, true, err);
  if (ret == 0 && l.spawned.terminal_master >= 0) {
    relaying = true; /* the relay owns the master from here, even when starting it fails */
    ret = terminal_relay_start(&relay, steal_fd(&l.spawned.terminal_master), err);
  }
  if (ret == 0)
    ret = sync_send(l.spawned.sync_fd, SYNC_START, 0, err); /* step 8 */
  if (ret == 0)
    ret = wait_for_exec(l.spawned.sync_fd, relaying ? &relay : NULL, err);
  if (ret == 0) {
    close(steal_fd(&l.spawned.sync_fd));
    /* runtime.md lifecycle 9: a failed poststart hook stops the container, which is destroyed */
    poststart_failed = container_run_poststart(&l.state, &poststart_err) < 0;
    if (poststart_failed)
      kill(l.spawned.pid, SIGKILL);
  }
  if (ret < 0 || (opts->detach && !poststart_failed)) {
    if (relaying)
      terminal_relay_finish(&relay);
    launch_finish(&l, ret < 0);
    foreground_end(&fg);
    return ret;
  }
  flock(l.dirfd, LOCK_UN); /* other commands (kill, delete --force) may act on it meanwhile */
  if (opts->detach)
    waitpid(l.spawned.pid, NULL, 0);
  else
    ret = foreground_wait(&fg, l.spawned.pid, relaying ? &relay : NULL, exit_status, err);
  l.spawned.pid = -1;
  foreground_end(&fg);
  /* --keep: the stopped container stays, with its cgroup, until delete (which runs poststop) */
  bool keep = opts->keep && !poststart_failed;
  if (!keep && (ret == 0 || poststart_failed) && flock(l.dirfd, LOCK_EX) == 0 &&
      faccessat(l.dirfd, STATE_FILE, F_OK, 0) == 0) {
    struct loaded_container lc = {.dirfd = l.dirfd, .state = &l.state, .status = "stopped"};
    struct skiff_error cleanup_err;
    if (container_cleanup(ctx, id, &lc, poststart_failed ? &cleanup_err : err) < 0 && !poststart_failed)
      ret = -1;
  }
  if (poststart_failed)
    ret = skiff_fail(err, poststart_err.code, "%s", poststart_err.msg);
  launch_finish(&l, false);
  return ret;
}

/* Opening the fifo for reading releases the init blocked opening it for writing; its byte
 * says the init got past the open, the end of the fifo that it execed (its write end is
 * close-on-exec). A dead init is seen on its pidfd instead. */
static int release_init(struct loaded_container *lc, struct skiff_error *err) {
  cleanup_close int fifo = openat(lc->dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return skiff_fail_errno(err, errno, "open exec fifo");
  cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, lc->state->pid, 0);
  struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  bool released = false;
  char failure[SKIFF_ERROR_MSG_MAX];
  size_t failure_len = 0;
  for (;;) {
    int n = poll(p, pidfd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return skiff_fail_errno(err, errno, "poll exec fifo");
    if (p[0].revents & (POLLIN | POLLHUP)) {
      char c;
      ssize_t n = read(fifo, &c, 1);
      if (n == 0 && !released)
        return skiff_fail(err, ESRCH, "container init exited before start");
      if (n == 0) /* the init's write end closed on exec (or it died) */
        break;
      if (n == 1 && released && failure_len < sizeof failure - 1) /* what failed after release */
        failure[failure_len++] = c;
      if (n == 1)
        released = true;
    }
    if ((p[1].revents & POLLIN) && !released)
      return skiff_fail(err, ESRCH, "container init exited before start");
    if (p[1].revents & POLLIN)
      p[1].fd = -1; /* exited after release: the fifo's EOF follows */
  }
  if (unlinkat(lc->dirfd, EXEC_FIFO, 0) < 0)
    return skiff_fail_errno(err, errno, "remove exec fifo");
  if (failure_len) {
    failure[failure_len] = '\0';
    return skiff_fail(err, ECANCELED, "%s", failure);
  }
  log_debug("start %s: init pid %d released", lc->state->id, lc->state->pid);
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
    ret = skiff_fail(err, EINVAL, "cannot start container %s: it has stopped", id);
  else
    ret = skiff_fail(err, EINVAL, "cannot start container %s: it is already %s", id, lc.status);
  if (ret == 0 && container_run_poststart(lc.state, err) < 0) {
    kill(lc.state->pid, SIGKILL); /* runtime.md: a failed poststart hook stops the container */
    ret = -1;
  }
  container_unload(&lc);
  return ret;
}

/* restore: a new container whose processes CRIU brings back from a checkpoint's images (criu.h). The
 * state directory, cgroup and state.json are made as create makes them; criu then creates the
 * namespaces and mounts from the images, over the rootfs of the bundle, and forks the processes
 * into the cgroup; the init becomes skiff's child (rst_sibling). */
#include "lib/container-internal.h"
#include "lib/criu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "lib/cgroups/cgroup.h"
#include "lib/criu-describe.h"
#include "lib/foreground.h"
#include "lib/hooks.h"
#include "lib/log.h"
#include "lib/state.h"
#include "lib/terminal.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

#define CRIU_ROOT "criu-root" /* in the state directory: the rootfs bind-mounted for criu's --root */

struct restoring {
  const struct skiff_context *ctx;
  const char *id;
  const struct create_options *copts;
  char *bundle, *rootfs;
  char *config_json;
  size_t config_len;
  struct oci_config *config;
  int dirfd;
  bool dir_created, root_mounted;
  char root_path[PATH_MAX];
  struct cgroup *cgroup;
  const char *planned_cgroup; /* its path before cgroup_create made it (record_planned_cgroup) */
  pid_t pid;                  /* the restored init */
  bool hooks_ran;             /* prestart/createRuntime hooks began: a teardown owes the poststop ones */
  bool notify_failed;         /* skiff's part of a notification failed, not criu */
};

static int load_bundle(struct restoring *r, struct skiff_error *err) {
  if (bundle_read_config(r->copts->bundle, &r->bundle, &r->config_json, &r->config_len, &r->config, err) < 0 ||
      bundle_resolve_rootfs(r->bundle, r->config, &r->rootfs, err) < 0)
    return -1;
  if (r->config->process.terminal && !r->copts->console_socket)
    return skiff_fail(err, EINVAL, "cannot restore a container with a terminal without --console-socket");
  if (!r->config->process.terminal && r->copts->console_socket)
    return skiff_fail(err, EINVAL, "cannot use console socket if skiff will not allocate tty");
  return 0;
}

static int record_state(struct restoring *r, struct skiff_error *err) {
  char created[RFC3339_NANO_MAX];
  format_rfc3339_nano(created);
  struct oci_state s = {.oci_version = r->config->oci_version,
                        .id = (char *)r->id,
                        .pid = r->pid > 0 ? r->pid : 0,
                        .bundle = r->bundle,
                        .rootfs = r->rootfs,
                        .created = created,
                        .owner = "",
                        .annotations = r->config->annotations,
                        .n_annotations = r->config->n_annotations,
                        .cgroup_path = r->cgroup ? (char *)cgroup_path(r->cgroup) : (char *)r->planned_cgroup,
                        .systemd_cgroup = r->ctx->systemd_cgroup,
                        .poststop = r->config->hooks.poststop,
                        .poststart = r->config->hooks.poststart};
  const struct oci_namespace *pidns = oci_config_namespace(r->config, OCI_NS_PID);
  s.new_pid_ns = pidns && !pidns->path;
  if (r->pid > 0 && proc_start_time(r->pid, &s.pid_start_time, NULL) < 0)
    return skiff_fail(err, ESRCH, "restored init (pid %d) exited", (int)r->pid);
  return state_write(r->dirfd, &s, err);
}

/* The state names the cgroup before its first directory exists, so that a restore killed in
 * between leaves nothing `delete --force` does not find (as create, container.c). */
static int record_planned_cgroup(const char *planned_path, void *opaque, struct skiff_error *err) {
  struct restoring *r = opaque;
  r->planned_cgroup = planned_path;
  int ret = record_state(r, err);
  r->planned_cgroup = NULL;
  return ret;
}

/* criu's --root must be a mount point of its own: the rootfs bound onto <state dir>/criu-root. */
static int mount_root(struct restoring *r, struct skiff_error *err) {
  if ((size_t)snprintf(r->root_path, sizeof r->root_path, "%s/%s/%s", r->ctx->root, r->id, CRIU_ROOT) >=
      sizeof r->root_path)
    return skiff_fail(err, ENAMETOOLONG, "state directory path too long");
  if (mkdirat(r->dirfd, CRIU_ROOT, 0700) < 0 && errno != EEXIST)
    return skiff_fail_errno(err, errno, "mkdir %s", r->root_path);
  if (mount(r->rootfs, r->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return skiff_fail_errno(err, errno, "bind mount rootfs %s on %s", r->rootfs, r->root_path);
  r->root_mounted = true;
  /* nothing mounted here for criu must reach the host's other mount namespaces */
  if (mount(NULL, r->root_path, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return skiff_fail_errno(err, errno, "make %s private", r->root_path);
  return 0;
}

static void unmount_root(struct restoring *r) {
  if (r->root_mounted && umount2(r->root_path, MNT_DETACH) < 0)
    log_warning("restore: unmount %s: %s", r->root_path, strerror(errno));
  r->root_mounted = false;
  if (r->dirfd >= 0)
    unlinkat(r->dirfd, CRIU_ROOT, AT_REMOVEDIR);
}

/* descriptors.json (checkpoint.c): the init's stdio that were pipes get criu's own stdio instead. */
static int inherit_stdio(int images_fd, InheritFd *fds, InheritFd **ptrs, char **keys, size_t *n,
                         struct skiff_error *err) {
  size_t len;
  struct skiff_error ignored;
  cleanup_free char *json = read_file_limited(images_fd, "descriptors.json", 65536, &len, &ignored);
  if (!json)
    return 0; /* a checkpoint of another runtime's may not have it */
  char why[128];
  yajl_val tree = yajl_tree_parse(json, why, sizeof why);
  if (!tree || !YAJL_IS_ARRAY(tree)) {
    yajl_tree_free(tree);
    return skiff_fail(err, EINVAL, "descriptors.json: not an array of strings");
  }
  for (size_t i = 0; i < 3 && i < tree->u.array.len; i++) {
    const char *link = YAJL_GET_STRING(tree->u.array.values[i]);
    if (!link || strncmp(link, "pipe:", 5) != 0)
      continue;
    if (!(keys[*n] = strdup(link))) {
      yajl_tree_free(tree);
      return skiff_fail_errno(err, ENOMEM, "descriptors.json");
    }
    inherit_fd__init(&fds[*n]);
    fds[*n].key = keys[*n];
    fds[*n].fd = (int32_t)i;
    ptrs[*n] = &fds[*n];
    (*n)++;
  }
  yajl_tree_free(tree);
  return 0;
}

/* The spec's state for the hooks: the container "creating", as create's createRuntime hooks see it
 * (runc 1.1 hands them "stopped", the status of the container object it restores into). */
static struct oci_state hook_state(const struct restoring *r, pid_t pid) {
  return (struct oci_state){.oci_version = r->config->oci_version,
                            .id = (char *)r->id,
                            .pid = pid,
                            .bundle = r->bundle,
                            .rootfs = r->rootfs,
                            .annotations = r->config->annotations,
                            .n_annotations = r->config->n_annotations,
                            .poststop = r->config->hooks.poststop};
}

/* criu's "setup-namespaces": the restored init (pid) and its namespaces exist, it runs nothing yet.
 * As runc, the prestart and createRuntime hooks run here (create's step 5), in skiff's namespaces:
 * a network hook finds the new network namespace at /proc/<pid>/ns/net. A failure aborts the
 * restore. The init's own hooks (startContainer) and poststart are not run: nothing is exec'd, and
 * runc runs neither on restore. */
static int run_restore_hooks(struct restoring *r, pid_t pid, struct skiff_error *err) {
  const struct oci_hooks *h = &r->config->hooks;
  if (!h->prestart.n && !h->create_runtime.n)
    return 0;
  struct oci_state st = hook_state(r, pid);
  cleanup_free char *json = oci_state_hook_json(&st, "creating", err);
  r->hooks_ran = true;
  if (!json || hooks_run(&h->prestart, "prestart", json, err) < 0)
    return -1;
  return hooks_run(&h->create_runtime, "createRuntime", json, err);
}

/* criu's notifications: the hooks at setup-namespaces; the pty master of a restored terminal goes to
 * the console socket. */
static int on_notify(void *opaque, const char *script, int pid, int fd, struct skiff_error *err) {
  struct restoring *r = opaque;
  int ret = 0;
  if (!strcmp(script, "setup-namespaces")) {
    if (pid <= 0)
      ret = skiff_fail(err, EPROTO, "criu's setup-namespaces named no process");
    else {
      r->pid = pid; /* from here a teardown kills and reaps it */
      ret = run_restore_hooks(r, pid, err);
    }
  } else if (!strcmp(script, "orphan-pts-master")) {
    ret = fd < 0 ? skiff_fail(err, EPROTO, "criu sent no pty master")
                 : terminal_send_to_console_socket(r->copts->console_socket, fd, err);
  } else if (!strcmp(script, "post-restore") && pid > 0) {
    r->pid = pid;
  }
  r->notify_failed = ret < 0;
  return ret;
}

/* /proc/self/cgroup of a child placed in the container's cgroups as criu will be, on a v1 or hybrid
 * host, into *out: where the restored container's cgroup mounts come from
 * (criu_describe_cgroup_mounts). NULL on a v2 host, where the cgroup mount is cgroup2's own. */
static int placed_cgroups(struct restoring *r, char **out, struct skiff_error *err) {
  struct statfs st;
  *out = NULL;
  if (!r->cgroup || (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC))
    return 0;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0)
    return skiff_fail_errno(err, errno, "restore: pipe");
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return skiff_fail_errno(err, e, "restore: fork");
  }
  if (pid == 0) {
    struct skiff_error ignored;
    char buf[8192];
    if (cgroup_place_self(cgroup_placement(r->cgroup), &ignored) < 0)
      _exit(1);
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    _exit(n > 0 && write(fds[1], buf, (size_t)n) == n ? 0 : 1);
  }
  close(fds[1]);
  char *text = malloc(8193);
  size_t len = 0;
  ssize_t n = 1;
  while (text && len < 8192 && (n = read(fds[0], text + len, 8192 - len)) != 0) {
    if (n < 0 && errno != EINTR)
      break;
    len += n > 0 ? (size_t)n : 0;
  }
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!text || n < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0) {
    free(text);
    return skiff_fail(err, EIO, "restore: cannot read the cgroups of a process placed in the container's");
  }
  text[len] = '\0';
  *out = text;
  return 0;
}

static int run_criu(struct restoring *r, const struct criu_options *opts, struct skiff_error *err) {
  const char *image_path = opts->image_path && opts->image_path[0] ? opts->image_path : "checkpoint";
  CriuOpts o = CRIU_OPTS__INIT;
  cleanup_close int images_fd = -1, work_fd = -1;
  if (criu_open_dirs(&o, image_path, false, opts->work_path, &images_fd, &work_fd, err) < 0)
    return -1;
  struct criu_description d;
  criu_description_init(&d);
  o.log_file = "restore.log";
  o.root = r->root_path;
  o.has_rst_sibling = true;
  o.rst_sibling = true;
  o.has_orphan_pts_master = true;
  o.orphan_pts_master = r->config->process.terminal;
  o.lsm_profile = (char *)(opts->lsm_profile && opts->lsm_profile[0] ? opts->lsm_profile : NULL);
  o.lsm_mount_context = (char *)(opts->lsm_mount_context && opts->lsm_mount_context[0] ? opts->lsm_mount_context : NULL);
  InheritFd stdio[3 + CRIU_MAX_INHERIT];
  InheritFd *stdio_ptrs[3 + CRIU_MAX_INHERIT];
  char *keys[3] = {0};
  size_t n_stdio = 0;
  int ret = criu_describe_flags(&o, opts, err);
  if (ret == 0)
    ret = criu_describe_config(&d, &o, r->config, r->bundle, 0, err);
  cleanup_free char *cgroups = NULL;
  if (ret == 0)
    ret = placed_cgroups(r, &cgroups, err);
  if (ret == 0)
    ret = criu_describe_cgroup_mounts(&d, &o, r->config, 0, cgroups, err);
  if (ret == 0)
    ret = criu_describe_cgroup_roots(&d, &o, r->cgroup ? cgroup_path(r->cgroup) : NULL, err);
  if (ret == 0)
    ret = inherit_stdio(images_fd, stdio, stdio_ptrs, keys, &n_stdio, err);
  if (ret == 0 && n_stdio) { /* the namespaces' fds and the stdio pipes, in one list */
    for (size_t i = 0; i < o.n_inherit_fd; i++)
      stdio_ptrs[n_stdio + i] = o.inherit_fd[i];
    o.n_inherit_fd += n_stdio;
    o.inherit_fd = stdio_ptrs;
  }
  struct criu_session s = {.pid = -1, .sk = -1};
  if (ret == 0)
    ret = criu_rpc_start(&s, d.inherit_fds, d.n_inherit, r->cgroup ? cgroup_placement(r->cgroup) : NULL,
                         n_stdio && stdio[n_stdio - 1].fd == STDERR_FILENO, err);
  if (ret == 0) {
    CriuReq req = CRIU_REQ__INIT;
    req.type = CRIU_REQ_TYPE__RESTORE;
    req.opts = &o;
    CriuResp *resp = criu_rpc_call(&s, &req, "criu restore", on_notify, r, err);
    if (resp && resp->restore)
      r->pid = resp->restore->pid;
    if (resp)
      criu_resp__free_unpacked(resp, NULL);
    else if (r->notify_failed) /* a hook's error: criu's log has nothing to add */
      ret = -1;
    else
      ret = criu_error_log_hint(err, opts->work_path, image_path, o.log_file);
  }
  criu_rpc_end(&s);
  for (size_t i = 0; i < 3; i++)
    free(keys[i]);
  criu_description_free(&d);
  return ret;
}

static int restore_container(struct restoring *r, const struct criu_options *opts, struct skiff_error *err) {
  CriuOpts flags = CRIU_OPTS__INIT; /* checked before anything is made */
  if (container_validate_id(r->id, err) < 0 || criu_describe_flags(&flags, opts, err) < 0 ||
      load_bundle(r, err) < 0 || criu_rpc_check(err) < 0)
    return -1;
  if ((r->dirfd = state_dir_create(r->ctx->root, r->id, err)) < 0)
    return -1;
  r->dir_created = true;
  const struct cgroup_recorder recorder = {.record = record_planned_cgroup, .opaque = r};
  if (cgroup_create(r->config, r->id, r->ctx->systemd_cgroup, &r->cgroup, &recorder, err) < 0)
    return -1;
  /* the v1 part (and a systemd unit, with skiff in it until criu has forked the processes) */
  if (cgroup_finish(r->cgroup, getpid(), err) < 0 || record_state(r, err) < 0 || mount_root(r, err) < 0)
    return -1;
  int ret = run_criu(r, opts, err);
  unmount_root(r);
  if (ret < 0)
    return -1;
  if (r->pid <= 0)
    return skiff_fail(err, EPROTO, "criu restore: no pid in criu's response");
  log_debug("restore %s: init pid %d restored", r->id, (int)r->pid);
  if (write_file_atomic(r->dirfd, STATE_CONFIG, r->config_json, r->config_len, 0600, err) < 0 ||
      record_state(r, err) < 0)
    return -1;
  if (r->copts->pid_file && write_pid_file(r->copts->pid_file, r->pid, err) < 0)
    return -1;
  return 0;
}

static void restoring_finish(struct restoring *r, bool teardown) {
  struct skiff_error ignored;
  unmount_root(r);
  if (teardown && r->pid > 0) {
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, __WALL);
  }
  if (r->cgroup) {
    if (teardown)
      cgroup_destroy(r->cgroup, &ignored);
    cgroup_free(r->cgroup);
  }
  if (teardown && r->dir_created)
    state_dir_remove(r->ctx->root, r->id, r->dirfd, &ignored);
  /* as a create that fails (container.c): once hooks may have acted on the host, the poststop
   * ones undo it (a network a createRuntime hook made), even when one of those failed */
  if (teardown && r->hooks_ran && r->config->hooks.poststop.n) {
    struct oci_state st = hook_state(r, 0);
    container_run_poststop(&st);
  }
  if (r->dirfd >= 0)
    close(r->dirfd);
  if (r->config)
    oci_config_free(r->config);
  free(r->config_json);
  free(r->bundle);
  free(r->rootfs);
}

int container_restore(const struct skiff_context *ctx, const char *id, const struct create_options *copts,
                      const struct criu_options *opts, int *exit_status, struct skiff_error *err) {
  struct restoring r = {.ctx = ctx, .id = id, .copts = copts, .dirfd = -1, .pid = -1};
  struct foreground fg = {.sigfd = -1};
  *exit_status = 0;
  int ret = copts->detach ? 0 : foreground_begin(&fg, 3, err);
  if (ret == 0)
    ret = restore_container(&r, opts, err);
  if (ret < 0 || copts->detach) {
    restoring_finish(&r, ret < 0);
    foreground_end(&fg);
    return ret;
  }
  /* in the foreground, as run: wait, then delete */
  pid_t pid = r.pid;
  r.pid = -1;
  ret = foreground_wait(&fg, pid, NULL, exit_status, err);
  foreground_end(&fg);
  struct oci_state *state = state_read(r.dirfd, NULL, err);
  if (ret == 0 && state) {
    struct loaded_container lc = {.dirfd = r.dirfd, .state = state, .status = "stopped"};
    ret = container_cleanup(ctx, id, &lc, err);
  }
  if (state)
    oci_state_free(state);
  restoring_finish(&r, false);
  return ret;
}

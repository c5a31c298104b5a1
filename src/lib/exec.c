/* exec: clone a process that joins every namespace of the container's init and its cgroup,
 * takes the process settings and execs. It reports failures over a socket that closes on
 * exec, so EOF means the command runs.
 *
 * Exec steps (sync-protocol.h numbers them X1, XT, X2):
 *   X1 exec, no message: its first act, it moves itself into the container's cgroup
 *                                     (cgroup_place_self, as step 1 of the init)
 *   XT exec -> parent  SYNC_TERMINAL  -t: the pty master, made in the container's devpts
 *   X2 exec -> parent  EOF at execve, or SYNC_ERROR (from the exec trampoline when its execve fails) */
#include "lib/exec-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef SKIFF_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif

#include "lib/cgroups/cgroup.h"
#include "lib/container-internal.h"
#include "lib/foreground.h"
#include "lib/init.h"
#include "lib/lsm.h"
#include "lib/namespaces.h"
#include "lib/process-sched.h"
#include "lib/process.h"
#include "lib/sealed-exe.h"
#include "lib/seccomp.h"
#include "lib/spawn.h"
#include "lib/state.h"
#include "lib/sync.h"
#include "lib/terminal.h"
#include "lib/trampoline.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

static const char *const proc_ns_names[OCI_NS_COUNT] = {
    [OCI_NS_PID] = "pid", [OCI_NS_NETWORK] = "net", [OCI_NS_MOUNT] = "mnt",     [OCI_NS_IPC] = "ipc",
    [OCI_NS_UTS] = "uts", [OCI_NS_USER] = "user",   [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

struct exec_run {
  const struct exec_options *opts;
  struct loaded_container lc;
  struct exec_process ep;
  int ns_fds[OCI_NS_COUNT];
  pid_t pid;
  int sync_fd;
  int master;
  struct cgroup_placement placement; /* the container's cgroup (or --cgroup's sub-cgroup) */
  struct seccomp_program *seccomp;
  int root_fd; /* a container without a mount namespace: its init's root, to chroot into; else -1 */
  int trampoline_fd;
};

/* The init's namespaces, for each type the container's config has (new or joined). Opened
 * while the init is known alive, so a recycled pid cannot hand us someone else's. */
static int open_init_namespaces(struct exec_run *x, struct skiff_error *err) {
  const struct oci_linux *l = &x->ep.config->linux_;
  for (size_t i = 0; i < l->n_namespaces; i++) {
    enum oci_ns_type t = l->namespaces[i].type;
    char path[64];
    format_string(path, sizeof path, "/proc/%d/ns/%s", x->lc.state->pid, proc_ns_names[t]);
    x->ns_fds[t] = open(path, O_RDONLY | O_CLOEXEC);
    if (x->ns_fds[t] < 0)
      return skiff_fail_errno(err, errno, "open %s", path);
  }
  if (!oci_config_namespace(x->ep.config, OCI_NS_MOUNT)) { /* the host's mount namespace, chrooted */
    char path[64];
    format_string(path, sizeof path, "/proc/%d/root", x->lc.state->pid);
    x->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (x->root_fd < 0)
      return skiff_fail_errno(err, errno, "open %s", path);
  }
  if (!state_init_alive(x->lc.state))
    return skiff_fail(err, ESRCH, "cannot exec in a stopped container");
  return 0;
}

__attribute__((noreturn)) static void exec_child(struct exec_run *x, int fd) {
  struct skiff_error err = {0};
  __attribute__((cleanup(process_exec_free))) struct process_exec px = {.join_fd = -1};
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (cgroup_place_self(&x->placement, &err) < 0) /* X1 */
    goto fail;
  int keep[OCI_NS_COUNT + 3], n = 0;
  keep[n++] = fd;
  if (x->root_fd >= 0)
    keep[n++] = x->root_fd;
  keep[n++] = x->trampoline_fd;
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (x->ns_fds[t] >= 0)
      keep[n++] = x->ns_fds[t];
  fds_close_except(keep, n, 3 + x->opts->preserve_fds);
  if (ns_join(x->ns_fds, ~(1u << OCI_NS_PID), &err) < 0)
    goto fail;
  if (x->root_fd >= 0 && (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
    skiff_fail_errno(&err, errno, "chroot to the container's root");
    goto fail;
  }
  if (x->ep.process.terminal) { /* XT */
    int master;
    if (terminal_setup_in_exec(&x->ep.process, &master, &err) < 0 ||
        sync_send_fd(fd, SYNC_TERMINAL, master, &err) < 0)
      goto fail;
    close(master);
  }
  if (process_apply_sched(&x->ep.process, &err) < 0 || process_enter_cwd(&x->ep.process, &err) < 0)
    goto fail;
  if (init_process_setup(&x->ep.process, x->opts->preserve_fds, x->seccomp, fd, &px, &err) < 0)
    goto fail;
  /* X2: EOF once the trampoline has executed the program, or its SYNC_ERROR */
  trampoline_exec(&px.call, x->trampoline_fd, TRAMPOLINE_REPORT_SYNC_MSG, fd, px.envp, &err);
fail:
  sync_send_error(fd, &err);
  _exit(1);
}

static int wait_for_exec(struct exec_run *x, struct skiff_error *err) {
  struct sync_msg msg;
  if (x->ep.process.terminal && sync_expect(x->sync_fd, SYNC_TERMINAL, &msg, &x->master, err) < 0)
    return -1;
  if (x->seccomp && x->seccomp->notify) {
    int listener;
    if (sync_expect(x->sync_fd, SYNC_SECCOMP_FD, &msg, &listener, err) < 0)
      return -1;
    cleanup_free char *json = oci_state_hook_json(x->lc.state, "running", err);
    int r = json ? seccomp_send_listener(&x->ep.config->linux_.seccomp, listener, json, x->pid, err) : -1;
    close(listener);
    if (r < 0 || sync_send(x->sync_fd, SYNC_SECCOMP_DONE, 0, err) < 0)
      return -1;
  }
  if (sync_recv(x->sync_fd, &msg, NULL, err) == 0) /* X2 */
    return skiff_fail(err, EPROTO, "exec: unexpected message %u", msg.type);
  return err->code == EPIPE ? 0 : -1;
}

static int spawn_exec(struct exec_run *x, struct skiff_error *err) {
  int fds[2];
  if (sync_socketpair(fds, err) < 0)
    return -1;
  cleanup_close int child_fd = fds[1];
  x->sync_fd = fds[0];
  cleanup_close int saved_pidns = -1;
  const char *cg = x->lc.state->cgroup_path;
  if (cg && cgroup_placement_open(cg, x->opts->sub_cgroups, x->opts->n_sub_cgroups, &x->placement, err) < 0)
    return -1;
  /* Without root on the host, entering the container's pid namespace takes the capabilities of
   * its user namespace: this process joins that first, for good (nothing it does afterwards needs
   * the host's), non-dumpable so that the container cannot ptrace it; the child finds itself in
   * it already. */
  bool in_userns = geteuid() != 0 && x->ns_fds[OCI_NS_USER] >= 0;
  if (in_userns) {
#ifdef SKIFF_SANITIZERS
    /* LeakSanitizer's check at exit stops this process from a clone of it, which would be born in
       the container's pid namespace, unable to trace it: the check would spin forever. Checked
       here instead, which turns the one at exit off. */
    __lsan_do_leak_check();
#endif
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (setns(x->ns_fds[OCI_NS_USER], CLONE_NEWUSER) < 0)
      return skiff_fail_errno(err, errno, "join the container's user namespace");
    close(x->ns_fds[OCI_NS_USER]);
    x->ns_fds[OCI_NS_USER] = -1;
  }
  if (spawn_enter_pid_ns(x->ns_fds[OCI_NS_PID], &saved_pidns, err) < 0)
    return -1;
  struct clone_args args = {.exit_signal = SIGCHLD};
  x->pid = spawn_clone3(&args, &x->placement);
  if (x->pid == 0)
    exec_child(x, child_fd);
  int clone_errno = errno;
  close(steal_fd(&child_fd)); /* else X2's EOF never comes */
  cgroup_placement_close(&x->placement);
  if (!in_userns && spawn_leave_pid_ns(saved_pidns, err) < 0)
    return -1;
  if (x->pid < 0)
    return skiff_fail_errno(err, clone_errno, "clone3");
  return wait_for_exec(x, err);
}

/* The exec gives its process CAP_SYS_PTRACE: every later exec into the container must know
 * (sealed-exe.h). Written under the container's lock, to the state as it is then. */
static int record_exec_ptrace(struct exec_run *x, struct skiff_error *err) {
  if (flock(x->lc.dirfd, LOCK_EX) < 0)
    return skiff_fail_errno(err, errno, "lock the container's state");
  struct oci_state *now = state_read(x->lc.dirfd, NULL, err);
  int ret = now ? 0 : -1;
  if (now && !now->exec_ptrace) {
    now->exec_ptrace = true;
    ret = state_write(x->lc.dirfd, now, err);
  }
  oci_state_free(now);
  flock(x->lc.dirfd, LOCK_UN);
  x->lc.state->exec_ptrace = true;
  return ret;
}

static int check_exec(struct exec_run *x, struct skiff_error *err) {
  const char *status = x->lc.status;
  if (!strcmp(status, "stopped"))
    return skiff_fail(err, EINVAL, "cannot exec in a stopped container");
  if (!strcmp(status, "paused") && !x->opts->ignore_paused)
    return skiff_fail(err, EINVAL, "cannot exec in a paused container (use --ignore-paused to override)");
  const struct exec_options *o = x->opts;
  if (o->tty && !o->console_socket && o->detach)
    return skiff_fail(err, EINVAL, "cannot allocate tty if skiff will detach without setting console socket");
  if (!o->tty && o->console_socket && !x->ep.process.terminal)
    return skiff_fail(err, EINVAL, "cannot use console socket if skiff will not allocate tty");
  return 0;
}

static int exec_and_wait(struct exec_run *x, int *exit_status, struct skiff_error *err) {
  const struct exec_options *o = x->opts;
  struct foreground fg = {.sigfd = -1};
  struct terminal_relay relay;
  bool relaying = false;
  int ret = o->detach ? 0 : foreground_begin(&fg, 3 + o->preserve_fds, err);
  if (ret == 0)
    ret = spawn_exec(x, err);
  if (ret == 0 && x->master >= 0 && o->console_socket)
    ret = terminal_send_to_console_socket(o->console_socket, x->master, err);
  else if (ret == 0 && x->master >= 0) {
    relaying = true;
    ret = terminal_relay_start(&relay, steal_fd(&x->master), err);
  }
  if (ret == 0 && o->pid_file)
    ret = write_pid_file(o->pid_file, x->pid, err);
  if (ret == 0 && !o->detach) {
    ret = foreground_wait(&fg, x->pid, relaying ? &relay : NULL, exit_status, err);
    relaying = false;
    x->pid = -1;
  }
  if (relaying)
    terminal_relay_finish(&relay);
  if (ret < 0 && x->pid > 0) {
    kill(x->pid, SIGKILL);
    waitpid(x->pid, NULL, 0);
  }
  foreground_end(&fg);
  return ret;
}

int container_exec(const struct skiff_context *ctx, const char *id, const struct exec_options *opts,
                   int *exit_status, struct skiff_error *err) {
  struct exec_run x = {.opts = opts, .pid = -1, .sync_fd = -1, .master = -1, .root_fd = -1,
                     .trampoline_fd = -1};
  cgroup_placement_init(&x.placement);
  for (int t = 0; t < OCI_NS_COUNT; t++)
    x.ns_fds[t] = -1;
  *exit_status = 0;
  if (fds_check_open(3, opts->preserve_fds, "--preserve-fds", err) < 0 ||
      container_load(ctx, id, false, &x.lc, err) < 0)
    return -1;
  int ret = exec_process_build(&x.ep, x.lc.dirfd, opts, err);
  if (ret == 0 && sealed_exe_needed(x.ep.config, &x.ep.process, x.lc.state->exec_ptrace) && !sealed_exe_running())
    ret = sealed_exe_restart(ctx->argv, err);
  if (ret == 0)
    ret = check_exec(&x, err);
  if (ret == 0)
    ret = process_check_exec_size(&x.ep.process, err);
  if (ret == 0)
    ret = lsm_check_process(&x.ep.process, err);
  if (ret == 0 && (x.trampoline_fd = trampoline_memfd(3 + opts->preserve_fds, err)) < 0)
    ret = -1;
  if (ret == 0 && seccomp_prepare(x.ep.config, x.trampoline_fd, &x.seccomp, err) < 0)
    ret = skiff_error_prefix(err, "config.json");
  if (ret == 0 && sealed_exe_has_ptrace(&x.ep.process) && !x.lc.state->exec_ptrace)
    ret = record_exec_ptrace(&x, err);
  if (ret == 0)
    ret = open_init_namespaces(&x, err);
  if (ret == 0)
    ret = exec_and_wait(&x, exit_status, err);
  ns_close_paths(x.ns_fds);
  if (x.root_fd >= 0)
    close(x.root_fd);
  if (x.sync_fd >= 0)
    close(x.sync_fd);
  if (x.master >= 0)
    close(x.master);
  if (x.trampoline_fd >= 0)
    close(x.trampoline_fd);
  cgroup_placement_close(&x.placement);
  seccomp_program_free(x.seccomp);
  exec_process_free(&x.ep);
  container_unload(&x.lc);
  return ret;
}

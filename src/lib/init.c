/* The container's init: everything between clone and exec, in the order of sync-protocol.h.
 * It is single-threaded (skiff starts no threads), and reports every failure to the parent
 * instead of printing it. */
#include "lib/init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/capabilities.h"
#include "lib/cgroups/cgroup.h"
#include "lib/hooks.h"
#include "lib/lsm.h"
#include "lib/namespaces.h"
#include "lib/loopback.h"
#include "lib/mounts.h"
#include "lib/process-sched.h"
#include "lib/process.h"
#include "lib/rootfs.h"
#include "lib/seccomp.h"
#include "lib/sync.h"
#include "lib/terminal.h"
#include "lib/trampoline.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/state.h"
#include "oci/format.h"

/* The v1 memory cgroup the init joins late (step 6a), and where it is on the host. */
struct late_memory_join {
  int tasks_fd;  /* -1: none */
  int origin_fd; /* skiff's own memory cgroup, stepped back into before the trampoline; -1: none */
  char *dir;
};

/* Closes every inherited fd the init does not need (the parent's state directory, log file,
 * ...), so that none can reach the container even by mistake. */
static void close_inherited_fds(const struct spawn_config *sc, int sync_fd, const struct late_memory_join *late) {
  size_t n_mount_fds = sc->mount_fds ? sc->config->n_mounts : 0;
  int keep[OCI_NS_COUNT + 5 + n_mount_fds], n = 0;
  keep[n++] = sc->trampoline_fd;
  if (late->tasks_fd >= 0)
    keep[n++] = late->tasks_fd;
  if (late->origin_fd >= 0)
    keep[n++] = late->origin_fd;
  for (size_t i = 0; i < n_mount_fds; i++)
    if (sc->mount_fds[i] >= 0)
      keep[n++] = sc->mount_fds[i];
  keep[n++] = sync_fd;
  if (sc->exec_fifo_fd >= 0)
    keep[n++] = sc->exec_fifo_fd;
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (sc->ns_fds[t] >= 0)
      keep[n++] = sc->ns_fds[t];
  fds_close_except(keep, n, 3 + sc->preserve_fds);
}

/* PR_SET_PDEATHSIG(SIGKILL), then whether the parent is still there: dead before the prctl, it
 * would never send the signal. getppid() tells outside a new pid namespace (inside, it is 0); the
 * socket tells everywhere: with the parent's end closed in the init too, it is POLLHUP once the
 * parent is gone. */
static bool parent_alive_with_deathsig(const struct spawn_config *sc, int sync_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  pid_t parent = getppid();
  if (parent != 0 && parent != sc->parent_pid)
    return false;
  struct pollfd p = {.fd = sync_fd, .events = POLLIN};
  return poll(&p, 1, 0) < 1 || !(p.revents & (POLLHUP | POLLERR));
}

/* Step 4: a pid namespace made by unshare() only holds children: fork the real init. The
 * child waits for the pipe to close (its parent has sent SYNC_PID and exited) so that the
 * parent reads SYNC_PID before anything the new init sends. */
static int fork_into_pid_ns(int sync_fd, struct skiff_error *err) {
  int gate[2];
  if (unshare(CLONE_NEWPID) < 0)
    return skiff_fail_errno(err, errno, "unshare pid namespace");
  if (pipe2(gate, O_CLOEXEC) < 0)
    return skiff_fail_errno(err, errno, "pipe");
  pid_t pid = fork();
  if (pid < 0)
    return skiff_fail_errno(err, errno, "fork into pid namespace");
  if (pid > 0) {
    struct skiff_error ignored;
    sync_send(sync_fd, SYNC_PID, pid, &ignored);
    _exit(0);
  }
  close(gate[1]);
  char c;
  while (read(gate[0], &c, 1) < 0 && errno == EINTR)
    ;
  close(gate[0]);
  return 0;
}

/* The state the createContainer and startContainer hooks read on stdin: they run in the
 * container's namespaces, so the pid is the init's as they see it. */
static char *hook_state_json(const struct spawn_config *sc, const char *status, struct skiff_error *err) {
  const struct oci_config *c = sc->config;
  struct oci_state st = {.oci_version = c->oci_version,
                         .id = (char *)sc->id,
                         .pid = getpid(),
                         .bundle = (char *)sc->bundle,
                         .rootfs = (char *)sc->rootfs,
                         .annotations = c->annotations,
                         .n_annotations = c->n_annotations};
  return oci_state_hook_json(&st, status, err);
}

static int run_init_hooks(const struct spawn_config *sc, const struct oci_hook_list *hooks, const char *stage,
                          const char *status, struct skiff_error *err) {
  if (!hooks->n)
    return 0;
  cleanup_free char *json = hook_state_json(sc, status, err);
  return json ? hooks_run(hooks, stage, json, err) : -1;
}

/* The init's ids were the host's, unmapped in its new user namespace: it takes the namespace's
 * root so that the files it creates have an owner there (mkdir would fail with EOVERFLOW). */
static int become_userns_root(struct skiff_error *err) {
  if (setresgid(0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "setresgid to the user namespace's root");
  if (setresuid(0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "setresuid to the user namespace's root");
  return 0;
}

/* The directory of a cgroup's "tasks" file open at fd, as the host names it. */
static char *tasks_fd_dir(int fd, struct skiff_error *err) {
  char link[64], path[PATH_MAX];
  format_string(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path);
  if (n <= 0 || (size_t)n >= sizeof path)
    return skiff_fail_errno(err, n < 0 ? errno : ENAMETOOLONG, "memory cgroup: readlink %s", link), NULL;
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  if (!slash || strcmp(slash, "/tasks") != 0)
    return skiff_fail(err, EINVAL, "memory cgroup: %s is not a tasks file", path), NULL;
  *slash = '\0';
  char *dir = strdup(path);
  if (!dir)
    skiff_fail_errno(err, ENOMEM, "memory cgroup");
  return dir;
}

/* Step 1: the network namespace first when spawn_plan left it to the init (the parent makes the
 * cgroups meanwhile), then into the cgroups, but for a memory cgroup the parent says to join
 * late: that fd is kept in late. */
static int join_cgroup(const struct spawn_config *sc, int fd, struct late_memory_join *late,
                       struct skiff_error *err) {
  if (sc->early_unshare && unshare((int)sc->early_unshare) < 0)
    return skiff_fail_errno(err, errno, "unshare network namespace");
  if (!sc->cgroup)
    return 0;
  struct sync_msg msg;
  int fds[SYNC_MAX_FDS];
  size_t n;
  int r = sync_recv_fds(fd, &msg, fds, SYNC_MAX_FDS, &n, err);
  if (r == 0 && msg.type != SYNC_CGROUP)
    r = skiff_fail(err, EPROTO, "sync: unexpected message %u before cgroup", msg.type);
  if (r == 0 && msg.value == SYNC_CGROUP_DEFER_LAST_RETURN && n > 1)
    late->origin_fd = fds[--n];
  if (r == 0 && (msg.value == SYNC_CGROUP_DEFER_LAST || late->origin_fd >= 0) && n > 0) {
    late->tasks_fd = fds[--n];
    late->dir = tasks_fd_dir(late->tasks_fd, err);
    if (!late->dir)
      r = -1;
  }
  if (r < 0) {
    for (size_t i = 0; i < n; i++)
      close(fds[i]);
    return -1;
  }
  return cgroup_place_self_fds(fds, n, err);
}

/* "0" into a v1 "tasks" file: the calling thread moves into that cgroup. */
static int move_self(int tasks_fd, const char *where, struct skiff_error *err) {
  if (write(tasks_fd, "0", 1) != 1)
    return skiff_fail_errno(err, errno, "memory cgroup: move into %s", where);
  return 0;
}

/* Step 6a. Whatever the init allocates while in a memory cgroup is charged to it: its own
 * copy-on-write pages, and the kernel's objects for each mount and namespace it makes (about
 * 100 KiB for the default spec, measured). Joined only now, that setup is charged where skiff
 * runs, as the rest of the runtime's work is. The cgroup namespace is made in it (so that it is
 * the namespace's root), and the init stays there: engines read a created container's cgroups
 * from /proc/<init>/cgroup (containerd's shim watches that memory cgroup for OOM events and reads
 * its stats), so after step 7 the init must be in them all. A v1 memory cgroup can be joined this
 * late at no cost (one write of "0"); on cgroup2 the init is born in its cgroup (clone3). */
static int join_memory_cgroup_late(const struct spawn_config *sc, struct late_memory_join *late,
                                   struct skiff_error *err) {
  if (late->tasks_fd >= 0 && move_self(late->tasks_fd, "the container's", err) < 0)
    return -1;
  if (sc->late_cgroup_ns && unshare(CLONE_NEWCGROUP) < 0)
    return skiff_fail_errno(err, errno, "unshare cgroup namespace");
  if (late->origin_fd >= 0)
    return 0; /* both kept: step_out_for_trampoline() and the trampoline use them */
  if (late->tasks_fd >= 0)
    close(late->tasks_fd);
  late->tasks_fd = -1;
  return 0;
}

/* Released (step 8 or the fifo), just before the exec trampoline: the init steps back into
 * skiff's own memory cgroup, and the trampoline joins the container's again first thing, before it
 * executes the program. So the trampoline's own exec (its page tables, freed only after an RCU
 * grace period, ~32 KiB) is not charged to the container, whose limit counts from its own process
 * on: `echo` starts under 128 KiB. Best effort: where skiff's cgroup is gone, the init stays. */
static void step_out_for_trampoline(const struct late_memory_join *late) {
  if (late->origin_fd >= 0 && write(late->origin_fd, "0", 1) < 0)
    return; /* the init stays; the trampoline's join is then a no-op */
}

/* Steps 2 to 4. */
static int init_namespaces(const struct spawn_config *sc, int fd, struct skiff_error *err) {
  struct sync_msg msg;
  int ns_fds[OCI_NS_COUNT];
  memcpy(ns_fds, sc->ns_fds, sizeof ns_fds);
  if (ns_join(ns_fds, ~(1u << OCI_NS_PID), err) < 0)
    return -1;
  if (sc->new_user_ns && !(sc->clone_flags & CLONE_NEWUSER) && unshare(CLONE_NEWUSER) < 0)
    return skiff_fail_errno(err, errno, "unshare user namespace");
  /* A parent without root writes /proc/<pid>/uid_map itself, and that file of a non-dumpable
   * process belongs to root: dumpable until the maps are written (nothing of the container runs
   * yet), as runc does. */
  if (sc->unprivileged_maps)
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  if (sc->new_user_ns && (sync_send(fd, SYNC_USERNS_READY, 0, err) < 0 ||       /* step 2 */
                          sync_expect(fd, SYNC_IDMAP_DONE, &msg, NULL, err) < 0)) /* step 3 */
    return -1;
  if (sc->unprivileged_maps)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (oci_config_namespace(sc->config, OCI_NS_USER) && become_userns_root(err) < 0)
    return -1;
  if (sc->unshare_flags && unshare((int)sc->unshare_flags) < 0)
    return skiff_fail_errno(err, errno, "unshare namespaces");
  if (sc->new_time_ns && ns_enter_new_time(&sc->config->linux_, err) < 0)
    return -1;
  if (sc->unshare_pid && fork_into_pid_ns(fd, err) < 0) /* step 4 */
    return -1;
  return 0;
}

/* A session keyring of its own, so the container cannot see or use the keys of the caller's
 * session. Kernels without keyrings (ENOSYS) simply have nothing to leak. */
static int join_session_keyring(const struct spawn_config *sc, struct skiff_error *err) {
  char name[1100];
  if (sc->no_new_keyring)
    return 0;
  format_string(name, sizeof name, "_ses.%s", sc->id);
  long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
  if (key < 0 && errno != ENOSYS)
    return skiff_fail_errno(err, errno, "join session keyring");
  /* possessor and owner keep every right; group and others get none */
  if (key >= 0 && syscall(SYS_keyctl, KEYCTL_SETPERM, key, 0x3f3f0000, 0, 0) < 0 && errno != ENOSYS)
    return skiff_fail_errno(err, errno, "set session keyring permissions");
  return 0;
}

/* The pty is made inside the container (its devpts, its /dev/console) and only the master
 * travels to the parent; the init keeps the slave as its stdio and controlling terminal. */
static int send_terminal(const struct oci_config *c, int sync_fd, struct skiff_error *err) {
  int master;
  if (terminal_setup_in_container(&c->process, &master, err) < 0)
    return -1;
  int ret = sync_send_fd(sync_fd, SYNC_TERMINAL, master, err);
  close(master);
  return ret;
}

/* The runtime environment: namespaces given their settings, the config's mounts done; then
 * steps 5 and 6 (the parent's prestart and createRuntime hooks see all that, as the spec has
 * it). */
static int init_environment(const struct spawn_config *sc, int sync_fd, const struct late_memory_join *late,
                            struct skiff_error *err) {
  const struct oci_config *c = sc->config;
  unsigned long created = sc->clone_flags | sc->unshare_flags | sc->early_unshare;
  struct sync_msg msg;
  if (join_session_keyring(sc, err) < 0 || ns_set_hostname(c, err) < 0)
    return -1;
  if ((created & CLONE_NEWNET) && loopback_up(err) < 0)
    return -1;
  if (chdir(sc->bundle) < 0)
    return skiff_fail_errno(err, errno, "chdir to bundle %s", sc->bundle);
  bool in_user_ns = oci_config_namespace(c, OCI_NS_USER) != NULL;
  if (sc->mount_sources_step && (sync_send(sync_fd, SYNC_MOUNT_SOURCES_READY, 0, err) < 0 || /* step M */
                                 mounts_receive_sources(c, sync_fd, sc->mount_fds, err) < 0))
    return -1;
  struct mount_cgroup_view view = {.ns_pending = sc->late_cgroup_ns, .memory_dir = late->dir};
  if (oci_config_namespace(c, OCI_NS_MOUNT) && rootfs_setup(c, sc->rootfs, in_user_ns, sc->mount_fds, &view, err) < 0)
    return -1;
  if (!sc->hook_steps)
    return 0;
  if (sync_send(sync_fd, SYNC_NS_READY, 0, err) < 0) /* step 5 */
    return -1;
  return sync_expect(sync_fd, SYNC_NS_READY_ACK, &msg, NULL, err); /* step 6 */
}

/* Without a mount namespace: the host's /proc, for what goes through /proc/self after the chroot. */
static int host_proc = -1;

/* createContainer hooks (in the rootfs, as runc runs them: a hook's relative paths are the
 * container's), pivot_root, the terminal, sysctls, masked and read-only paths. */
static int init_rootfs(const struct spawn_config *sc, int sync_fd, struct skiff_error *err) {
  const struct oci_config *c = sc->config;
  /* as runc's init: a session of its own, terminal or not (the terminal's makes one below). CRIU
   * cannot checkpoint a container whose session leader is outside its pid namespace. */
  if (!c->process.terminal && setsid() < 0 && getsid(0) != getpid())
    return skiff_fail_errno(err, errno, "setsid");
  if (c->hooks.create_container.n && chdir(sc->rootfs) < 0)
    return skiff_fail_errno(err, errno, "chdir to the rootfs %s", sc->rootfs);
  if (run_init_hooks(sc, &c->hooks.create_container, "createContainer", "creating", err) < 0)
    return -1;
  if (!oci_config_namespace(c, OCI_NS_MOUNT)) /* the host's: nothing mounted (rootfs.h) */
    return rootfs_enter_shared(c, sc->rootfs, &host_proc, err);
  if (rootfs_pivot(sc->rootfs, sc->no_pivot, err) < 0)
    return -1;
  if (c->process.terminal && send_terminal(c, sync_fd, err) < 0)
    return -1;
  if (process_apply_sysctl(&c->linux_, err) < 0)
    return -1;
  return rootfs_finalize(c, err);
}

/* The filter's listener (SCMP_ACT_NOTIFY) goes to the parent, which hands it to the agent and
 * answers once the agent has it. */
static int load_seccomp(const struct seccomp_program *prog, int sync_fd, struct skiff_error *err) {
  int listener;
  struct sync_msg msg;
  if (seccomp_program_load(prog, &listener, err) < 0)
    return -1;
  if (listener < 0)
    return 0;
  int r = sync_send_fd(sync_fd, SYNC_SECCOMP_FD, listener, err);
  close(listener);
  return r < 0 ? -1 : sync_expect(sync_fd, SYNC_SECCOMP_DONE, &msg, NULL, err);
}

/* The process settings, then the seccomp filter. Everything the runtime itself does comes before
 * the filter, so that no profile can stand in its way: the executable is looked up as the final
 * user from the final cwd, as execvp would; the environment (HOME from the container's
 * /etc/passwd) is built; fds are marked close-on-exec; the exec trampoline's command line is
 * built and the LSM label files it writes are opened. After the filter only what cannot move:
 * without noNewPrivileges the kernel wants CAP_SYS_ADMIN to load it, so the capability sets are
 * applied with CAP_SYS_ADMIN kept until then and set exactly after it (one capset). Then the
 * caller's own last steps (the init: steps 7 and 8, startContainer hooks), and the trampoline's
 * execveat, which the filter's stub allows (seccomp-stub.h).
 * The filter is loaded before step 7 so that its listener reaches a parent that `create` has not
 * yet let go, and a failure to load it is create's. */
int init_process_setup(const struct oci_process *p, int preserve_fds, const struct seccomp_program *seccomp,
                       int sync_fd, struct process_exec *px, struct skiff_error *err) {
  struct capabilities_final caps;
  uint64_t keep = seccomp && !p->no_new_privileges ? (uint64_t)1 << CAP_SYS_ADMIN : 0;
  if (process_apply_rlimits(p, err) < 0 || process_apply_oom_score_adj(p, err) < 0)
    return -1;
  px->envp = process_build_env(p, err);
  if (!px->envp)
    return -1;
  if (capabilities_apply_bounding(p, err) < 0 || process_set_user(p, err) < 0 ||
      capabilities_apply(p, keep, &caps, err) < 0)
    return -1;
  if (process_chdir_umask(p, err) < 0 || process_apply_no_new_privs(p, err) < 0)
    return -1;
  px->exe = process_find_executable(p, err);
  if (!px->exe || process_close_fds(preserve_fds, err) < 0 ||
      trampoline_prepare(&px->call, p, px->exe, px->join_fd, err) < 0)
    return -1;
  if (seccomp && load_seccomp(seccomp, sync_fd, err) < 0)
    return -1;
  return capabilities_finish(&caps, err);
}

void process_exec_free(struct process_exec *px) {
  free(px->exe);
  free(px->envp);
  trampoline_call_free(&px->call);
}

/* A created container's init is pid 1 of its pid namespace, which ignores every signal it has no
 * handler for: without these, `kill` of a created container would do nothing. execve resets
 * them to the default for the container's process. */
static void die_of_signal(int sig) {
  _exit(128 + sig);
}

static void catch_terminating_signals(void) {
  static const int terminating[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,   SIGUSR1,
                                    SIGUSR2, SIGALRM, SIGPIPE, SIGVTALRM, SIGPROF};
  struct sigaction sa = {.sa_handler = die_of_signal};
  for (size_t i = 0; i < sizeof terminating / sizeof terminating[0]; i++)
    sigaction(terminating[i], &sa, NULL);
}

/* create: block until `start` opens the fifo for reading. The fifo is reopened through the
 * O_PATH fd taken on the host, since its path is not reachable from the new root. The write end
 * stays open, close-on-exec: `start` reads until it closes, so it returns (and runs poststart)
 * only once the container's process runs. run: step 8, the socket closing on exec likewise. */
/* The write end of the exec fifo once start released us: an error after that (startContainer
 * hook, exec) is written there for `start` to report. */
static int released_fifo = -1;

static int wait_for_start(const struct spawn_config *sc, int sync_fd, struct skiff_error *err) {
  struct sync_msg msg;
  bool run = sc->exec_fifo_fd < 0;
  if (sync_expect(sync_fd, run ? SYNC_START : SYNC_CREATED_ACK, &msg, NULL, err) < 0) { /* step 8 / 7a */
    if (err->code == EPIPE)
      _exit(1); /* the parent was killed: nobody to tell, nothing of the container ran */
    return -1;
  }
  if (run)
    return 0;
  char path[64];
  format_string(path, sizeof path, "%sself/fd/%d", host_proc >= 0 ? "" : "/proc/", sc->exec_fifo_fd);
  released_fifo = openat(host_proc >= 0 ? host_proc : AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
  if (released_fifo < 0)
    return skiff_fail_errno(err, errno, "open exec fifo");
  if (write(released_fifo, "0", 1) != 1)
    return skiff_fail_errno(err, errno, "write exec fifo");
  return 0;
}

void init_main(const struct spawn_config *sc, int sync_fd) {
  struct skiff_error err = {0};
  __attribute__((cleanup(process_exec_free))) struct process_exec px = {.join_fd = -1};
  const struct oci_hooks *hooks = &sc->config->hooks;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* Until exec nothing in the container may ptrace us or open /proc/<pid>/{mem,fd,exe}. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct late_memory_join late = {.tasks_fd = -1, .origin_fd = -1};
  /* first, the parent's end of the socket and its state directory's lock among them, then the
   * parent's death is ours (sync-protocol.h) */
  close_inherited_fds(sc, sync_fd, &late);
  if (!parent_alive_with_deathsig(sc, sync_fd))
    _exit(1);
  if (join_cgroup(sc, sync_fd, &late, &err) < 0 || /* step 1 */
      init_namespaces(sc, sync_fd, &err) < 0)
    goto fail;
  /* a new user namespace changed the credentials, which clears the death signal: again (not in
   * the forked init of step 4, whose parent has exited: it has the socket's EOF) */
  if (!sc->unshare_pid && !parent_alive_with_deathsig(sc, sync_fd))
    _exit(1);
  if (init_environment(sc, sync_fd, &late, &err) < 0 || init_rootfs(sc, sync_fd, &err) < 0 ||
      join_memory_cgroup_late(sc, &late, &err) < 0 || /* step 6a */
      process_apply_scheduling(sc->config, &err) < 0 || process_enter_cwd(&sc->config->process, &err) < 0)
    goto fail;
  catch_terminating_signals();
  /* create's parent exits once the container is created: the init must outlive it. Before the
   * seccomp filter, which may forbid prctl; until step 7a only the socket is waited on. */
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* the memory cgroup the trampoline joins again (step 6a), if the init steps out before it */
  px.join_fd = late.tasks_fd;
  if (init_process_setup(&sc->config->process, sc->preserve_fds, sc->seccomp, sync_fd, &px, &err) < 0)
    goto fail;
  /* The seccomp filter holds from here: only steps 7 and 8, the startContainer hooks (the
   * filter is the container's, and holds for them too, as in runc) and the exec. */
  if (sync_send(sync_fd, SYNC_CREATED, 0, &err) < 0) /* step 7 */
    goto fail;
  if (wait_for_start(sc, sync_fd, &err) < 0)
    goto fail_late;
  if (run_init_hooks(sc, &hooks->start_container, "startContainer", "created", &err) < 0)
    goto fail_late;
  step_out_for_trampoline(&late);
  /* run: exec failures go back on the socket (SYNC_ERROR); create: on the fifo `start` reads */
  if (released_fifo >= 0)
    trampoline_exec(&px.call, sc->trampoline_fd, TRAMPOLINE_REPORT_TEXT, released_fifo, px.envp, &err);
  else
    trampoline_exec(&px.call, sc->trampoline_fd, TRAMPOLINE_REPORT_SYNC_MSG, sync_fd, px.envp, &err);
  goto fail_late;
fail:
  sync_send_error(sync_fd, &err);
  _exit(1);
fail_late:
  /* After step 7 create's parent is gone: `start` reads the fifo. run's is still on the socket. The
   * container's stderr is the last resort. */
  if (released_fifo >= 0 ? write(released_fifo, err.msg, strnlen(err.msg, sizeof err.msg)) < 0
                         : sync_send_error(sync_fd, &err) < 0)
    dprintf(STDERR_FILENO, "skiff: %s\n", err.msg);
  _exit(127);
}

#include "lib/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/init.h"
#include "lib/log.h"
#include "lib/mounts.h"
#include "lib/namespaces.h"
#include "lib/seccomp.h"
#include "lib/sync.h"
#include "oci/cleanup.h"

/* Decides which namespaces clone3 creates and which the init creates itself.
 *
 * The common case creates every namespace in clone3, so all of them belong to the new user
 * namespace (if any) and no extra fork is needed. When the config also joins namespaces by
 * path and involves a user namespace, those must be joined while the init still has the host's
 * privileges, before its own user namespace exists: then the init creates the rest with
 * unshare() after step 3, and a new pid namespace costs one fork (step 4). The cgroup namespace
 * is always unshared by the init once it is in all its cgroups, so that its root is the
 * container's cgroup: after step 1, or after the late memory join (init.c). */
static void spawn_plan(struct spawn_config *sc) {
  const struct oci_config *c = sc->config;
  unsigned long new_flags = 0;
  sc->early_unshare = 0;
  bool joins_other = false, has_user = false;
  for (size_t i = 0; i < c->linux_.n_namespaces; i++) {
    const struct oci_namespace *ns = &c->linux_.namespaces[i];
    if (ns->type == OCI_NS_USER)
      has_user = true;
    if (ns->path) {
      if (ns->type != OCI_NS_PID && ns->type != OCI_NS_USER)
        joins_other = true;
      continue;
    }
    new_flags |= ns_clone_flag(ns->type);
  }
  const struct oci_namespace *user = oci_config_namespace(c, OCI_NS_USER);
  bool user_path = user && user->path;
  sc->new_user_ns = (new_flags & CLONE_NEWUSER) != 0;
  sc->new_time_ns = (new_flags & CLONE_NEWTIME) != 0;
  sc->unprivileged_maps = sc->new_user_ns && geteuid() != 0;
  unsigned long late = new_flags & (CLONE_NEWCGROUP | CLONE_NEWTIME);
  new_flags &= ~late;
  if (has_user && (joins_other || user_path)) {
    sc->clone_flags = 0;
    sc->unshare_flags = new_flags & ~(unsigned long)CLONE_NEWPID;
    sc->unshare_pid = (new_flags & CLONE_NEWPID) != 0;
  } else {
    sc->clone_flags = new_flags;
    sc->unshare_flags = 0;
    sc->unshare_pid = false;
    /* The kernel takes as long to make a network namespace as the parent takes to make the v1
     * cgroups: the init makes it itself (step 1) while the parent makes them. */
    if ((new_flags & CLONE_NEWNET) && sc->cgroup && !cgroup_finished(sc->cgroup)) {
      sc->clone_flags &= ~(unsigned long)CLONE_NEWNET;
      sc->early_unshare = CLONE_NEWNET;
    }
  }
  /* Steps 5 and 6 are there for the hooks that run before step 7; those may look at the init's
   * cgroups, so with them it joins every one at step 1. */
  const struct oci_hooks *h = &c->hooks;
  sc->hook_steps = h->prestart.n || h->create_runtime.n || h->create_container.n;
  sc->mount_sources_step = sc->mount_fds && mounts_sources_step(c);
  /* startContainer hooks too: the init runs them between step 6a and the trampoline's join */
  sc->defer_memory_join =
      sc->cgroup && cgroup_memory_join_deferrable(sc->cgroup) && !sc->hook_steps && !h->start_container.n;
  /* a cgroup namespace is rooted where the init is when it is made: after the late join then */
  sc->late_cgroup_ns = sc->defer_memory_join && (late & CLONE_NEWCGROUP);
  if (!sc->late_cgroup_ns)
    sc->unshare_flags |= late & CLONE_NEWCGROUP;
}

/* A pid namespace given by path is entered by the parent: only children go into it, and the
 * parent steps back to its own afterwards (spawn_leave_pid_ns) so that its later children
 * (hooks) stay on the host. */
int spawn_enter_pid_ns(int pidns_fd, int *saved_fd, struct skiff_error *err) {
  *saved_fd = -1;
  if (pidns_fd < 0)
    return 0;
  /* The children are born beside the container's processes: non-dumpable from birth (they inherit
     it), or the container could open /proc/<child>/exe, skiff's binary, before the child's own
     PR_SET_DUMPABLE (CVE-2019-5736; cve.bats saw it under ASan, which widens that window). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  *saved_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (*saved_fd < 0)
    return skiff_fail_errno(err, errno, "open /proc/self/ns/pid");
  if (setns(pidns_fd, CLONE_NEWPID) < 0)
    return skiff_fail_errno(err, errno, "join pid namespace");
  return 0;
}

int spawn_leave_pid_ns(int saved_fd, struct skiff_error *err) {
  if (saved_fd >= 0 && setns(saved_fd, CLONE_NEWPID) < 0)
    return skiff_fail_errno(err, errno, "return to the host pid namespace");
  return 0;
}

pid_t spawn_clone3(struct clone_args *args, struct cgroup_placement *p) {
  if (p && p->cgroup2_fd >= 0) {
    args->flags |= CLONE_INTO_CGROUP;
    args->cgroup = (uint64_t)p->cgroup2_fd;
    p->cgroup2_by_clone = true; /* the child's copy of p says so from birth */
    pid_t pid = (pid_t)syscall(SYS_clone3, args, sizeof *args);
    if (pid >= 0 || (errno != EINVAL && errno != ENOSYS && errno != E2BIG))
      return pid;
    /* kernels before 5.7 lack CLONE_INTO_CGROUP: the child writes cgroup.procs itself */
    args->flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
    args->cgroup = 0;
    p->cgroup2_by_clone = false;
  }
  return (pid_t)syscall(SYS_clone3, args, sizeof *args);
}

static pid_t clone_init(struct spawn_config *sc, int init_sync_fd, struct skiff_error *err) {
  struct clone_args args = {.flags = sc->clone_flags, .exit_signal = SIGCHLD};
  sc->parent_pid = getpid();
  pid_t pid = spawn_clone3(&args, sc->cgroup ? cgroup_placement(sc->cgroup) : NULL);
  if (pid < 0)
    return skiff_fail_errno(err, errno, "clone3");
  if (pid == 0)
    init_main(sc, init_sync_fd);
  return pid;
}

static void kill_and_reap(pid_t pid) {
  if (pid <= 0)
    return;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
    ;
}

/* Step 4: the init that unshared its pid namespace forked the real init and exits. */
static int adopt_forked_init(pid_t *pid, const struct sync_msg *msg) {
  pid_t middle = *pid;
  *pid = msg->value;
  while (waitpid(middle, NULL, 0) < 0 && errno == EINTR)
    ;
  return 0;
}

/* Step 1: the rest of the cgroup, and the files the init moves itself in with. */
static int send_cgroup(struct cgroup *cg, bool defer_memory, int fd, pid_t pid, struct skiff_error *err) {
  int fds[CGROUP_MAX_HIERARCHIES + 2];
  if (cgroup_finish(cg, pid, err) < 0)
    return -1;
  const struct cgroup_placement *p = cgroup_placement(cg);
  size_t n = cgroup_placement_fds(p, fds);
  int defer = defer_memory && p->memory_task >= 0 ? SYNC_CGROUP_DEFER_LAST : 0;
  /* The init steps back where skiff runs after step 6a, so that nothing the runtime still does
   * (the exec trampoline's own exec above all) is charged to the container: see init.c. */
  struct skiff_error ignored;
  int origin = defer ? cgroup_memory_origin_open(&ignored) : -1;
  if (origin >= 0) {
    fds[n++] = origin;
    defer = SYNC_CGROUP_DEFER_LAST_RETURN;
  }
  int ret = sync_send_fds(fd, SYNC_CGROUP, defer, fds, n, err);
  if (origin >= 0)
    close(origin);
  return ret;
}

/* EOF before step 7: the init died. How it died says more than the EOF: a signal, and which; out
 * of memory when its memory cgroup saw the OOM killer. The init is reaped here (*pid = -1) when
 * it is this process's child (not so after step 4). */
static void explain_init_death(const struct spawn_config *sc, pid_t *pid, struct skiff_error *err) {
  int status;
  pid_t r;
  while ((r = waitpid(*pid, &status, __WALL)) < 0 && errno == EINTR)
    ;
  if (r != *pid)
    return;
  *pid = -1;
  if (WIFEXITED(status)) {
    skiff_fail(err, ECHILD, "container init exited with status %d during setup", WEXITSTATUS(status));
    return;
  }
  bool oom = sc->cgroup && WTERMSIG(status) == SIGKILL && cgroup_oom_killed(cgroup_path(sc->cgroup));
  skiff_fail(err, ECHILD, "container init was killed by signal %d (%s) during setup%s", WTERMSIG(status),
             sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
             oom ? ": out of memory (linux.resources.memory.limit too low?)" : "");
}

static int parent_steps(struct spawn_config *sc, int fd, pid_t *pid, int *terminal_master,
                        struct skiff_error *err) {
  struct sync_msg msg;
  if (sc->cgroup && send_cgroup(sc->cgroup, sc->defer_memory_join, fd, *pid, err) < 0) /* step 1 */
    return -1;
  /* step 2 -> 3 */
  if (sc->new_user_ns && (sync_expect(fd, SYNC_USERNS_READY, &msg, NULL, err) < 0 ||
                          ns_write_id_maps(*pid, &sc->config->linux_, err) < 0 ||
                          sync_send(fd, SYNC_IDMAP_DONE, 0, err) < 0))
    return -1;
  if (sc->unshare_pid) { /* step 4 */
    if (sync_expect(fd, SYNC_PID, &msg, NULL, err) < 0)
      return -1;
    adopt_forked_init(pid, &msg);
  }
  /* step M: the bind sources, opened in the init's mount namespace with the host's root */
  if (sc->mount_sources_step && (sync_expect(fd, SYNC_MOUNT_SOURCES_READY, &msg, NULL, err) < 0 ||
                                 mounts_send_sources(sc->config, sc->bundle, *pid, fd, err) < 0))
    return -1;
  /* steps 5 and 6, for the prestart, createRuntime and createContainer hooks */
  if (sc->hook_steps && (sync_expect(fd, SYNC_NS_READY, &msg, NULL, err) < 0 ||
                         (sc->on_namespaces_ready && sc->on_namespaces_ready(sc, *pid, err) < 0) ||
                         sync_send(fd, SYNC_NS_READY_ACK, *pid, err) < 0))
    return -1;
  /* the pty master (process.terminal), then step 7 */
  if (sc->config->process.terminal && sync_expect(fd, SYNC_TERMINAL, &msg, terminal_master, err) < 0)
    return -1;
  if (sc->seccomp && sc->seccomp->notify) {
    int listener;
    if (sync_expect(fd, SYNC_SECCOMP_FD, &msg, &listener, err) < 0)
      return -1;
    int r = sc->on_seccomp_listener(sc, *pid, listener, err);
    close(listener);
    if (r < 0 || sync_send(fd, SYNC_SECCOMP_DONE, 0, err) < 0)
      return -1;
  }
  return sync_expect(fd, SYNC_CREATED, &msg, NULL, err);
}

int spawn_container(struct spawn_config *sc, struct spawn_result *result, struct skiff_error *err) {
  int fds[2];
  spawn_plan(sc);
  if (sync_socketpair(fds, err) < 0)
    return -1;
  cleanup_close int parent_fd = fds[0];
  cleanup_close int init_fd = fds[1];
  cleanup_close int saved_pidns = -1;
  if (spawn_enter_pid_ns(sc->ns_fds[OCI_NS_PID], &saved_pidns, err) < 0)
    return -1;
  pid_t pid = clone_init(sc, init_fd, err);
  if (spawn_leave_pid_ns(saved_pidns, err) < 0 && pid > 0) {
    kill_and_reap(pid);
    return -1;
  }
  if (pid < 0)
    return -1;
  log_debug("clone3: pid %d, namespaces %#lx at clone, %#lx by the init%s", pid, sc->clone_flags,
            sc->unshare_flags,
            sc->cgroup && cgroup_placement(sc->cgroup)->cgroup2_by_clone ? ", born in its cgroup2 cgroup" : "");
  close(steal_fd(&init_fd));
  result->terminal_master = -1;
  if (parent_steps(sc, parent_fd, &pid, &result->terminal_master, err) < 0) {
    if (err->code == EPIPE)
      explain_init_death(sc, &pid, err);
    kill_and_reap(pid);
    return -1;
  }
  result->pid = pid;
  result->sync_fd = steal_fd(&parent_fd);
  return 0;
}

/* The parent side of container creation: clone3 into the namespaces and cgroup, then the
 * parent's half of every step of sync-protocol.h up to SYNC_CREATED. */
#ifndef SKIFF_SPAWN_H
#define SKIFF_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/error.h"

struct cgroup;
struct seccomp_program;

/* Everything the init needs crosses clone as this struct: the child is a copy of the parent's
 * memory, so nothing is serialized or parsed twice. */
struct spawn_config {
  const char *id;
  const struct oci_config *config;
  const char *bundle; /* absolute; init's cwd while it resolves relative mount sources */
  const char *rootfs; /* absolute */
  int exec_fifo_fd;   /* create: O_PATH fd of <state>/exec.fifo the init blocks on; run: -1 */
  pid_t parent_pid;   /* skiff's pid: the init sees that it died (sync-protocol.h) */
  int trampoline_fd;  /* the exec trampoline's sealed memfd (trampoline.h) */
  bool no_pivot;
  bool no_new_keyring; /* keep the caller's session keyring instead of a fresh one */
  int preserve_fds;
  int ns_fds[OCI_NS_COUNT]; /* namespaces joined by path, -1 elsewhere */
  struct cgroup *cgroup;    /* NULL: no cgroup */
  int *mount_fds;           /* per mount, what the parent opened for it (mounts_open_sources), or NULL */
  /* step 5, in the parent: prestart and createRuntime hooks; may be NULL */
  int (*on_namespaces_ready)(struct spawn_config *sc, pid_t pid, struct skiff_error *err);
  void *opaque;                          /* for on_namespaces_ready */
  const struct seccomp_program *seccomp; /* NULL: no filter */
  /* the init's SCMP_ACT_NOTIFY listener, to hand to the agent */
  int (*on_seccomp_listener)(struct spawn_config *sc, pid_t pid, int listener_fd, struct skiff_error *err);
  /* filled by spawn_plan(): */
  unsigned long clone_flags;   /* CLONE_NEW* given to clone3 */
  unsigned long unshare_flags; /* CLONE_NEW* the init creates itself after step 3 */
  unsigned long early_unshare; /* CLONE_NEWNET the init creates itself before step 1 */
  bool new_user_ns;            /* the user namespace is new (maps to write) */
  bool unshare_pid;            /* new pid ns entered with unshare + fork (step 4) */
  bool new_time_ns;
  bool unprivileged_maps; /* new user ns whose maps a parent without root writes (init dumpable meanwhile) */
  bool hook_steps;        /* steps 5 and 6: prestart, createRuntime or createContainer hooks */
  bool mount_sources_step; /* step M: bind sources opened by the parent (mounts_sources_step) */
  bool defer_memory_join; /* the init joins the v1 memory cgroup after its mounts (init.c) */
  bool late_cgroup_ns;    /* ... and makes its cgroup namespace only then */
};

struct spawn_result {
  pid_t pid;           /* host pid of the container's init */
  int sync_fd;         /* parent's end of the socket, still open (run sends step 8 on it) */
  int terminal_master; /* process.terminal: the pty master the init sent, else -1 */
};

/* Runs steps 1..7. On failure the init is killed and reaped; the caller removes the cgroup and
 * the state directory. */
int spawn_container(struct spawn_config *sc, struct spawn_result *result, struct skiff_error *err);

/* clone3 with args, into p's cgroup2 cgroup when it has one (CLONE_INTO_CGROUP, recorded in
 * p->cgroup2_by_clone); p may be NULL. Returns as clone3 does, in both processes. */
struct clone_args;
struct cgroup_placement;
pid_t spawn_clone3(struct clone_args *args, struct cgroup_placement *p);

/* Enter a pid namespace for the children to come (the caller non-dumpable from then on, so that
 * they are born so) / step back to the one saved. */
int spawn_enter_pid_ns(int pidns_fd, int *saved_fd, struct skiff_error *err);
int spawn_leave_pid_ns(int saved_fd, struct skiff_error *err);

#endif

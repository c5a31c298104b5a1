/* The conversation between skiff (the parent) and the container's init, over a SOCK_SEQPACKET
 * socketpair. Every message is one struct sync_msg; the table below is the only order in which
 * they may be sent. Both sides cite the step numbers ("step 3") in comments where they act.
 *
 * | step | direction       | type                 | what has happened / what the receiver does next        |
 * |------|-----------------|----------------------|--------------------------------------------------------|
 * |  1   | parent -> init  | SYNC_CGROUP          | only with a cgroup. The parent has made the v1         |
 * |      |                 |                      | cgroups and written every limit while the init made    |
 * |      |                 |                      | its network namespace (spawn_plan moves it out of      |
 * |      |                 |                      | clone3 then). With it come the fds of each v1 "tasks"  |
 * |      |                 |                      | file (and cgroup2's cgroup.procs when clone3 could not |
 * |      |                 |                      | place the init at birth): init writes "0" into each,   |
 * |      |                 |                      | moving itself in, before anything else. The v1 memory  |
 * |      |                 |                      | hierarchy's comes last; value SYNC_CGROUP_DEFER_LAST:  |
 * |      |                 |                      | init keeps that one for step 6a.                       |
 * |  2   | init -> parent  | SYNC_USERNS_READY    | only when the user namespace is new (steps 2 and 3).   |
 * |      |                 |                      | init has joined the namespaces given by path and       |
 * |      |                 |                      | created or joined its user namespace. The parent       |
 * |      |                 |                      | writes uid_map/gid_map when the user ns is new.        |
 * |  3   | parent -> init  | SYNC_IDMAP_DONE      | maps written; init may act as root in its user ns and  |
 * |      |                 |                      | creates its remaining namespaces (cgroup ns last, so   |
 * |      |                 |                      | it is rooted at the cgroup of step 1).                 |
 * |  4   | init -> parent  | SYNC_PID             | only when a new pid namespace had to be entered by     |
 * |      |                 |                      | unshare+fork: value = host pid of the new init; the    |
 * |      |                 |                      | process that sent it exits, the parent adopts the pid. |
 * |  M1  | init -> parent  | SYNC_MOUNT_SOURCES_  | only with mounts_sources_step() (a user namespace,     |
 * |      |                 | READY                | bind mounts, a parent with root): every namespace is   |
 * |      |                 |                      | made. The parent's helper joins the init's mount ns    |
 * |      |                 |                      | and opens the bind sources there as the host's root.   |
 * |  M2  | parent -> init  | SYNC_MOUNT_SOURCES   | their fds, in mount order (value: how many with this   |
 * |      |                 |                      | message, SYNC_MAX_FDS at most; as many messages as it  |
 * |      |                 |                      | takes). Init mounts from them.                         |
 * |  5   | init -> parent  | SYNC_NS_READY        | only with prestart, createRuntime or createContainer   |
 * |      |                 |                      | hooks (without, two wakeups less). Every namespace is  |
 * |      |                 |                      | set up (hostname, lo) and the                          |
 * |      |                 |                      | config's mounts are done. The parent runs prestart and |
 * |      |                 |                      | createRuntime hooks now.                               |
 * |  6   | parent -> init  | SYNC_NS_READY_ACK    | the hooks ran. Init runs createContainer               |
 * |      |                 |                      | hooks, pivots, and applies the process settings.       |
 * |  6a  | (init alone)    |                      | with SYNC_CGROUP_DEFER_LAST, after its mounts and      |
 * |      |                 |                      | pivot, before the process settings: init writes "0"    |
 * |      |                 |                      | into the memory "tasks" fd, then makes its cgroup ns.  |
 * |      |                 |                      | It stays there (engines read /proc/<init>/cgroup after |
 * |      |                 |                      | step 7). With _RETURN, once released (8 or the fifo),  |
 * |      |                 |                      | it steps back into skiff's memory cgroup and the exec  |
 * |      |                 |                      | trampoline writes "0" into the memory "tasks" fd again |
 * |      |                 |                      | just before it executes the program.                   |
 * |  7   | init -> parent  | SYNC_CREATED         | init is ready to exec and waits: on the exec fifo for  |
 * |      |                 |                      | `start` (create), or for step 8 (run). The parent      |
 * |      |                 |                      | writes state.json and the pid file.                    |
 * |  7a  | parent -> init  | SYNC_CREATED_ACK     | create only: state.json holds the init's pid. Until   |
 * |      |                 |                      | then a parent that dies leaves nothing on record that |
 * |      |                 |                      | would kill the init, so the init waits for this (EOF: |
 * |      |                 |                      | it exits) before it blocks on the exec fifo. The pid  |
 * |      |                 |                      | file comes after it.                                  |
 * |  8   | parent -> init  | SYNC_START           | run only: exec now. The parent reads on until EOF: the |
 * |      |                 |                      | socket closes when the container's program runs (the   |
 * |      |                 |                      | trampoline's execve, trampoline.h).                    |
 * |  E   | init -> parent  | SYNC_ERROR           | instead of any init step: errno in value, the message  |
 * |      |                 |                      | in text. The parent prints it and cleans up; init      |
 * |      |                 |                      | exits. After step 8 too (startContainer hook, exec),   |
 * |      |                 |                      | from the init or the exec trampoline.                  |
 * |  T   | init -> parent  | SYNC_TERMINAL        | process.terminal: the pty master travels as an         |
 * |      |                 |                      | SCM_RIGHTS fd before step 7.                           |
 * |  S1  | init -> parent  | SYNC_SECCOMP_FD      | a filter with SCMP_ACT_NOTIFY is loaded: its listener  |
 * |      |                 |                      | fd (SCM_RIGHTS), after T and before step 7. The parent |
 * |      |                 |                      | hands it to linux.seccomp.listenerPath.                |
 * |  S2  | parent -> init  | SYNC_SECCOMP_DONE    | the agent has the fd; init goes on.                    |
 *
 * The parent answers every init step or closes the socket; init treats EOF as "abort" and
 * exits without running anything from the config. A parent killed at any moment must not leave
 * an init waiting forever: the init closes the parent's end of the socket first thing (else it
 * would never see that EOF), carries no fd of the state directory (its flock would outlive the
 * parent), and has PR_SET_PDEATHSIG(SIGKILL) from clone until its credentials are final (before
 * the process settings: the seccomp filter may forbid prctl after them), so that a parent that
 * dies while the init mounts or runs createContainer hooks takes it along. From there to step 7a
 * the init only blocks reading the socket, where EOF ends it. */
#ifndef SKIFF_SYNC_PROTOCOL_H
#define SKIFF_SYNC_PROTOCOL_H

#include <stdint.h>

enum sync_type {
  SYNC_CGROUP = 1,
  SYNC_USERNS_READY = 2,
  SYNC_IDMAP_DONE = 3,
  SYNC_PID = 4,
  SYNC_NS_READY = 5,
  SYNC_NS_READY_ACK = 6,
  SYNC_CREATED = 7,
  SYNC_START = 8,
  SYNC_MOUNT_SOURCES_READY = 9,
  SYNC_MOUNT_SOURCES = 10,
  SYNC_CREATED_ACK = 11,
  SYNC_ERROR = 100,
  SYNC_TERMINAL = 101,
  SYNC_SECCOMP_FD = 102,
  SYNC_SECCOMP_DONE = 103,
};

/* SYNC_CGROUP's value: the last fd is the v1 memory hierarchy's, to be joined at step 6a; with
 * _RETURN, the last is the tasks file of skiff's own memory cgroup and the memory hierarchy's comes
 * before it: the init steps back there just before the exec trampoline, which joins again. */
#define SYNC_CGROUP_DEFER_LAST 1
#define SYNC_CGROUP_DEFER_LAST_RETURN 2

#define SYNC_TEXT_MAX 1024
#define SYNC_MAX_FDS 20 /* fds with one message */

struct sync_msg {
  uint32_t type;            /* enum sync_type */
  int32_t value;            /* SYNC_PID: the pid; SYNC_ERROR: errno */
  char text[SYNC_TEXT_MAX]; /* SYNC_ERROR: the message, NUL-terminated */
};

#endif

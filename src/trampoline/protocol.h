/* The command line of the exec trampoline (src/trampoline/trampoline.c), as skiff's init and exec
 * children build it (src/lib/trampoline.c):
 *
 *   argv[0]   TRAMPOLINE_MARKER
 *   argv[1]   how an execve failure is reported:
 *               "-"      on stderr, "skiff: <message>" (run: the container's stderr is run's)
 *               "t<fd>"  the message as bytes to fd (create: the exec fifo `start` reads)
 *               "m<fd>"  a struct sync_msg SYNC_ERROR to fd (exec: its sync socket, step X2)
 *             fd is made close-on-exec first, so that it closes when the program runs.
 *   then, zero or more times, three arguments "<fd>" "<what>" "<bytes>": bytes are written to
 *             fd, which is then made close-on-exec: "0" into a v1 memory cgroup's "tasks" (the init joins it
 *             only now: src/lib/init.c, step 6a), an LSM's exec label into
 *             /proc/thread-self/attr/...exec; what names the write in an error message
 *   "--"
 *   the path to execute, then the process's argv
 *
 * The environment is the process's, passed on unchanged. Every failure exits TRAMPOLINE_EXIT. */
#ifndef SKIFF_TRAMPOLINE_PROTOCOL_H
#define SKIFF_TRAMPOLINE_PROTOCOL_H

#define TRAMPOLINE_MARKER "skiff-exec"
#define TRAMPOLINE_EXIT 127

#endif

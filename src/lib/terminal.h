/* process.terminal: the pty of the container and the two places its master may go.
 *
 * The init creates the pty inside the container (so that the pair belongs to the container's
 * devpts instance) and hands the master to the parent (SYNC_TERMINAL). The parent then either
 * passes it on to --console-socket (create, run -d) or relays between its own stdio and the
 * master (foreground run), as runc does. */
#ifndef SKIFF_TERMINAL_H
#define SKIFF_TERMINAL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "oci/config.h"
#include "oci/error.h"

/* Init side, after pivot_root, before the rootfs is made read-only (devpts is mounted at
 * /dev/pts with newinstance, /dev/ptmx -> pts/ptmx), before the uid change (CAP_CHOWN).
 * Opens /dev/ptmx beneath "/" (checked to be the ptmx device, char 5:2), unlocks it, opens
 * the peer with TIOCGPTPEER (no path lookup; checked to be a pty slave on devpts), applies
 * process.consoleSize, gives the slave to process.user.uid (as runc does), bind-mounts it
 * onto /dev/console (creating an empty file there if missing), makes it the controlling
 * terminal of a new session (setsid, TIOCSCTTY) and dup2s it onto 0, 1 and 2. The peer is not
 * kept open otherwise. *master gets the master (close-on-exec, > 2): send it to the parent,
 * then close it. */
int terminal_setup_in_container(const struct oci_process *process, int *master, struct skiff_error *err);

/* The same for a process that joins a running container (exec -t): no /dev/console mount,
 * which the container's init already has. */
int terminal_setup_in_exec(const struct oci_process *process, int *master, struct skiff_error *err);

/* Parent: connects to the unix socket at socket_path (stream; seqpacket when the listener is
 * one) and sends the master as one message with one SCM_RIGHTS fd, its payload the master's
 * name "/dev/ptmx", as runc does (runc's recvtty, containerd, conmon expect exactly that).
 * The caller still owns (and closes) master. */
int terminal_send_to_console_socket(const char *socket_path, int master, struct skiff_error *err);

#define TERMINAL_RELAY_BUF 4096

/* Parent, foreground run without --console-socket: skiff's stdio <-> the master. */
struct terminal_relay {
  int master;  /* non-blocking; -1 once closed by terminal_relay_finish */
  int in_fd;   /* STDIN_FILENO while it may still give input, else -1 */
  int out_fd;  /* STDOUT_FILENO, -1 after a write error (output is then read and dropped) */
  int console; /* stdin when it is a tty put in raw mode (termios saved), else -1 */
  int size_fd; /* the first of 0, 1, 2 that is a tty: the window size to copy, or -1 */
  bool in_is_tty;
  bool master_done;            /* the slave side is closed: no more output */
  bool send_eof;               /* stdin (not a tty) ended: an EOF character is due once pending is written */
  char last_in;                /* last byte written to the master, to know whether a line is open */
  struct termios saved;        /* the console's termios before raw mode */
  size_t pending, pending_off; /* stdin bytes read but not yet accepted by the master */
  char buf[TERMINAL_RELAY_BUF];
};

/* Takes ownership of master (made non-blocking). If stdin is a tty: saves its termios and puts
 * it in raw mode. Copies the window size of the first of stdin, stdout, stderr that is a tty
 * to the master (a 0x0 size is not copied, leaving process.consoleSize). On failure the
 * master is still owned by the relay: call terminal_relay_finish. */
int terminal_relay_start(struct terminal_relay *relay, int master, struct skiff_error *err);

/* Fills fds (at most max, 2 suffice) with what the caller's poll loop must watch, events set
 * (POLLIN on stdin while open; POLLIN, and POLLOUT while input is pending, on the master);
 * returns the count, 0 when there is nothing left to relay. Call it before each poll(). */
int terminal_relay_poll_fds(const struct terminal_relay *relay, struct pollfd *fds, int max);

/* Called for each of those pollfds whose revents is non-zero: copies stdin -> master and
 * master -> stdout. EIO or a hangup on the master (the slave side closed) ends the output. */
void terminal_relay_handle(struct terminal_relay *relay, const struct pollfd *fd);

/* SIGWINCH: copies the host terminal's window size to the master again. */
void terminal_relay_resize(struct terminal_relay *relay);

/* After the container exited: copies what is left in the master to stdout (waiting at most
 * a moment for output still in flight), restores the console's termios, closes the master.
 * Safe to call more than once, and after a failed terminal_relay_start. */
void terminal_relay_finish(struct terminal_relay *relay);

#endif

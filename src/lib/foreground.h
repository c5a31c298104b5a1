/* A runtime process that stays in the foreground (run, exec without --detach): it forwards the
 * signals it gets to the container process, relays a terminal when it owns one, reaps, and
 * reports the exit status as a shell would (128+n after signal n). */
#ifndef SKIFF_FOREGROUND_H
#define SKIFF_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/error.h"

struct terminal_relay;

struct foreground {
  int sigfd;
  sigset_t saved_mask;
  bool active;
};

/* Blocks the forwarded signals (before the container process exists, so none is lost) and
 * makes skiff a subreaper, so that a process forked into a new pid namespace is reaped here.
 * The signalfd sits at min_fd or above: below are the fds the container is given. */
int foreground_begin(struct foreground *fg, int min_fd, struct skiff_error *err);

/* Runs until pid exits. relay: NULL, or a started terminal relay to serve meanwhile. */
int foreground_wait(struct foreground *fg, pid_t pid, struct terminal_relay *relay, int *exit_status,
                    struct skiff_error *err);

/* Restores the signal mask; safe when foreground_begin was not called or failed. */
void foreground_end(struct foreground *fg);

#endif

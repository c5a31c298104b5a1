/* Sending and receiving the steps of sync-protocol.h. */
#ifndef SKIFF_SYNC_H
#define SKIFF_SYNC_H

#include <stddef.h>

#include "lib/sync-protocol.h"
#include "oci/error.h"

/* A SOCK_SEQPACKET|SOCK_CLOEXEC pair: fds[0] for the parent, fds[1] for init. */
int sync_socketpair(int fds[2], struct skiff_error *err);

int sync_send(int fd, enum sync_type type, int32_t value, struct skiff_error *err);

/* Sends an fd along with the message (SCM_RIGHTS). */
int sync_send_fd(int fd, enum sync_type type, int passed_fd, struct skiff_error *err);

/* Sends up to SYNC_MAX_FDS fds along with the message. */
int sync_send_fds(int fd, enum sync_type type, int32_t value, const int *fds, size_t n_fds,
                  struct skiff_error *err);

/* Init reports a failure: the message of err travels to the parent. Best effort: -1 when the
 * parent could not be told. */
int sync_send_error(int fd, const struct skiff_error *failure);

/* Receives the next message, whatever its type; SYNC_ERROR and EOF become err. */
int sync_recv(int fd, struct sync_msg *msg, int *passed_fd, struct skiff_error *err);

/* As sync_recv, keeping up to max of the fds that came with it in fds (*n_fds of them; the rest
 * are closed). Received fds are close-on-exec. */
int sync_recv_fds(int fd, struct sync_msg *msg, int *fds, size_t max, size_t *n_fds, struct skiff_error *err);

/* Receives the next message and checks that it is `expected`. A SYNC_ERROR from the peer is
 * turned into err (returns -1); EOF is "init exited" / "parent went away". When passed_fd is
 * not NULL, an SCM_RIGHTS fd is stored there (or -1). */
int sync_expect(int fd, enum sync_type expected, struct sync_msg *msg, int *passed_fd,
                struct skiff_error *err);

#endif

/* The state directory <root>/<id>/: a lock, state.json written atomically, the exec fifo.
 * Commands on one id are serialized by flock() on the directory itself, which the kernel
 * releases when a command dies: a crashed create never blocks the id. */
#ifndef SKIFF_STATE_H
#define SKIFF_STATE_H

#include <stdbool.h>

#include "oci/error.h"
#include "oci/state.h"

#define STATE_FILE "state.json"
#define EXEC_FIFO "exec.fifo"
#define STATE_CONFIG "config.json" /* the config as create parsed it: exec's defaults */

/* Creates <root>/<id> and returns its fd, locked. An existing directory without state.json
 * whose lock is free is what a crashed create left: it is reclaimed. Otherwise:
 * "container with id exists: <id>". */
int state_dir_create(const char *root, const char *id, struct skiff_error *err);

/* Opens and locks (exclusive) <root>/<id>: "container does not exist" when it is missing. */
int state_dir_open(const char *root, const char *id, struct skiff_error *err);

/* delete --force: waits at most timeout_ms for the lock of an open state directory. false: its
 * holder (a command stuck, in a hook say) still has it, and the caller goes on without. */
bool state_dir_lock_bounded(int dirfd, int timeout_ms);

/* Opens without locking, for readers (state, list): state.json is replaced atomically. */
int state_dir_open_unlocked(const char *root, const char *id, struct skiff_error *err);

int state_write(int dirfd, const struct oci_state *state, struct skiff_error *err);

/* Reads state.json. A directory whose creator still holds the lock and has not written it yet
 * yields *creating = true and NULL (when creating is not NULL). */
struct oci_state *state_read(int dirfd, bool *creating, struct skiff_error *err);

/* Removes the directory's files and the directory. */
int state_dir_remove(const char *root, const char *id, int dirfd, struct skiff_error *err);

/* "created", "running", "paused" or "stopped", from the live process and the exec fifo. */
const char *state_status(int dirfd, const struct oci_state *state);

/* true while the container's init process (pid + start time) is alive and not a zombie. */
bool state_init_alive(const struct oci_state *state);

#endif

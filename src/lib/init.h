/* The container's init between clone and exec: the init's half of sync-protocol.h. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include "lib/spawn.h"

/* Never returns: execs the container process or exits after reporting an error. */
__attribute__((noreturn)) void init_main(const struct spawn_config *sc, int sync_fd);

#endif

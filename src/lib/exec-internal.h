/* exec.c and exec-process.c. */
#ifndef SKIFF_EXEC_INTERNAL_H
#define SKIFF_EXEC_INTERNAL_H

#include "lib/exec.h"
#include "oci/config.h"

struct exec_process {
  struct oci_config *config;  /* the container's, from the state dir */
  struct oci_process *parsed; /* --process, or NULL */
  struct oci_process process; /* what runs: a shallow copy with our arrays below */
  char **env;
  uint32_t *gids;
  char **caps[4];
};

int exec_process_build(struct exec_process *ep, int state_dirfd, const struct exec_options *opts,
                       struct skiff_error *err);
void exec_process_free(struct exec_process *ep);

#endif

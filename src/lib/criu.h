/* checkpoint and restore: a running container frozen to image files by CRIU and brought back from
 * them, through criu's RPC (`criu swrk`, criu-rpc.h). runc's commands and flags. Built only with
 * criu support (configure.ac: HAVE_CRIU). */
#ifndef SKIFF_CRIU_H
#define SKIFF_CRIU_H

#include <stdbool.h>

#include "lib/container.h"

/* The flags checkpoint and restore share (runc's names). */
struct criu_options {
  const char *image_path;          /* NULL: ./checkpoint, as runc */
  const char *work_path;           /* NULL: the image directory */
  const char *parent_path;         /* checkpoint: previous (pre-dump) images, relative to image_path */
  const char *manage_cgroups_mode; /* "soft", "full", "strict", "ignore"; NULL: criu's default (soft) */
  const char *empty_ns;            /* "network": criu makes the namespace but restores nothing into it */
  const char *page_server;         /* checkpoint: ADDRESS:PORT of a page server */
  const char *lsm_profile;         /* restore: TYPE:NAME, in place of the dumped one */
  const char *lsm_mount_context;   /* restore: the SELinux context of the restored mounts */
  bool leave_running, pre_dump;    /* checkpoint */
  bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup, lazy_pages;
  int status_fd; /* -1: none; criu writes '\0' to it once lazy pages are served */
};

/* checkpoint: dumps the running (or paused) container into opts->image_path. Then, unless
 * leave_running or pre_dump, the container has stopped and is deleted, as runc's checkpoint does. */
int container_checkpoint(const struct skiff_context *ctx, const char *id, const struct criu_options *opts,
                         struct skiff_error *err);

/* restore: a new container id from the bundle (copts: bundle, pid_file, console_socket, no_pivot,
 * detach) whose processes are those of the images; state "running". In the foreground (!detach)
 * waits for it as run does, deletes it and stores its exit status in *exit_status. */
int container_restore(const struct skiff_context *ctx, const char *id, const struct create_options *copts,
                      const struct criu_options *opts, int *exit_status, struct skiff_error *err);

#endif

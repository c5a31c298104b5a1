/* What the parent hands the init for its mounts (mounts.h: mounts_open_sources, step M of
 * sync-protocol.h). The init has left the host's user namespace by the time it mounts: what only
 * the host's root may reach (a filesystem to idmap, a bind source below a 0700 directory) is
 * opened by the parent, which still has the host's privileges, and crosses over as an fd. */
#include "lib/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/sync.h"
#include "oci/cleanup.h"
#include "oci/format.h"

bool mounts_bind_source_wanted(const struct oci_mount *m) {
  bool recursive;
  return mount_is_bind(m) && m->source && *m->source && !mount_wants_idmap(m, &recursive);
}

bool mounts_sources_step(const struct oci_config *c) {
  const struct oci_namespace *mnt = oci_config_namespace(c, OCI_NS_MOUNT);
  if (geteuid() != 0 || !oci_config_namespace(c, OCI_NS_USER) || !mnt || mnt->path)
    return false;
  for (size_t i = 0; i < c->n_mounts; i++)
    if (mounts_bind_source_wanted(&c->mounts[i]))
      return true;
  return false;
}

void mounts_close_sources(int *fds, size_t n) {
  if (!fds)
    return;
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  free(fds);
}

int mounts_open_sources(const struct oci_config *c, const char *bundle, int joined_userns, int **out,
                        struct skiff_error *err) {
  *out = NULL;
  bool any = mounts_sources_step(c), recursive;
  for (size_t i = 0; i < c->n_mounts && !any; i++)
    any = mount_wants_idmap(&c->mounts[i], &recursive);
  if (!any)
    return 0;
  cleanup_close int bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (bundle_fd < 0)
    return skiff_fail_errno(err, errno, "open bundle %s", bundle);
  int *fds = malloc(c->n_mounts * sizeof *fds);
  if (!fds)
    return skiff_fail_errno(err, ENOMEM, "mount sources");
  for (size_t i = 0; i < c->n_mounts; i++)
    fds[i] = -1;
  if (mounts_idmap_prepare(c, bundle_fd, joined_userns, fds, err) < 0) {
    mounts_close_sources(fds, c->n_mounts);
    return -1;
  }
  *out = fds;
  return 0;
}

/* The helper of step M: in the init's mount namespace, still the host's root, it opens each bind
 * source there (a mount of another namespace could not be bound) and sends them to the init in
 * mount order, SYNC_MAX_FDS a message. A failure is written to report, for the parent. */
__attribute__((noreturn)) static void open_and_send(const struct oci_config *c, const char *bundle, pid_t init,
                                                    int sync_fd, int report) {
  struct skiff_error err = {0};
  char path[64];
  int fds[SYNC_MAX_FDS];
  size_t n = 0;
  format_string(path, sizeof path, "/proc/%d/ns/mnt", (int)init);
  int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNS) < 0) {
    skiff_fail_errno(&err, errno, "join the container's mount namespace");
    goto fail;
  }
  int bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (bundle_fd < 0) {
    skiff_fail_errno(&err, errno, "open bundle %s", bundle);
    goto fail;
  }
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct oci_mount *m = &c->mounts[i];
    if (!mounts_bind_source_wanted(m))
      continue;
    /* followed as the init's own open of it would be: the config names a host path */
    fds[n] = openat(bundle_fd, m->source, O_PATH | O_CLOEXEC);
    if (fds[n] < 0) {
      skiff_fail_errno(&err, errno, "bind source %s", m->source);
      skiff_error_prefix(&err, "mounts[%zu] (%s)", i, m->destination);
      goto fail;
    }
    if (++n == SYNC_MAX_FDS) {
      if (sync_send_fds(sync_fd, SYNC_MOUNT_SOURCES, (int32_t)n, fds, n, &err) < 0)
        goto fail;
      while (n)
        close(fds[--n]);
    }
  }
  if (n && sync_send_fds(sync_fd, SYNC_MOUNT_SOURCES, (int32_t)n, fds, n, &err) < 0)
    goto fail;
  _exit(0);
fail:
  if (write(report, err.msg, strnlen(err.msg, sizeof err.msg)) < 0)
    _exit(2);
  _exit(1);
}

int mounts_send_sources(const struct oci_config *c, const char *bundle, pid_t init, int sync_fd,
                        struct skiff_error *err) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0)
    return skiff_fail_errno(err, errno, "pipe");
  pid_t helper = fork();
  if (helper == 0) {
    close(report[0]);
    open_and_send(c, bundle, init, sync_fd, report[1]);
  }
  int saved = errno;
  close(report[1]);
  cleanup_close int from_helper = report[0];
  if (helper < 0)
    return skiff_fail_errno(err, saved, "fork");
  char msg[SKIFF_ERROR_MSG_MAX];
  ssize_t len;
  while ((len = read(from_helper, msg, sizeof msg - 1)) < 0 && errno == EINTR)
    ;
  int status = 0;
  while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
    ;
  if (len > 0) {
    msg[len] = '\0';
    return skiff_fail(err, EIO, "%s", msg);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return skiff_fail(err, EIO, "mount sources: the helper failed");
  return 0;
}

int mounts_receive_sources(const struct oci_config *c, int sync_fd, int *fds, struct skiff_error *err) {
  size_t want = 0, got = 0;
  for (size_t i = 0; i < c->n_mounts; i++)
    want += mounts_bind_source_wanted(&c->mounts[i]);
  int batch[SYNC_MAX_FDS];
  size_t n = 0, used = 0, next = 0;
  while (got < want) {
    if (used == n) {
      struct sync_msg msg;
      if (sync_recv_fds(sync_fd, &msg, batch, SYNC_MAX_FDS, &n, err) < 0)
        return -1;
      if (msg.type != SYNC_MOUNT_SOURCES || n == 0)
        return skiff_fail(err, EPROTO, "sync: unexpected message %u for the mount sources", msg.type);
      used = 0;
    }
    while (next < c->n_mounts && !mounts_bind_source_wanted(&c->mounts[next]))
      next++;
    fds[next++] = batch[used++];
    got++;
  }
  while (used < n)
    close(batch[used++]);
  return 0;
}

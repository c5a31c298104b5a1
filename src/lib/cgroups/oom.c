/* OOM notification for `events`. v1: an eventfd registered for memory.oom_control through
 * cgroup.event_control, signalled on each OOM in the cgroup (and once when the cgroup goes
 * away). v2: inotify on memory.events, whose oom_kill counter says how many processes the
 * kernel killed. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"

struct cgroup_oom_watch {
  int fd;    /* eventfd (v1) or inotify fd (v2): poll for POLLIN */
  int dirfd; /* the memory cgroup */
  bool v2;
  uint64_t seen; /* v2: oom_kill count already reported */
};

int cgroup_oom_watch_open(const char *path, struct cgroup_oom_watch **out, struct skiff_error *err) {
  *out = NULL;
  struct cg_dirs dirs;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  bool v2;
  int i = cg_dirs_index_for(&dirs, CG_MEMORY, &v2);
  cleanup_close int dirfd = i >= 0 ? cg_dir_open(&dirs.d[i]) : -1;
  int e = errno;
  cg_dirs_release(&dirs);
  if (i < 0)
    return skiff_fail(err, ENOENT, "memory controller not available");
  if (dirfd < 0)
    return skiff_fail_errno(err, e, "open memory cgroup");
  struct cgroup_oom_watch *w = calloc(1, sizeof *w);
  if (!w)
    return skiff_fail_errno(err, ENOMEM, "oom watch");
  w->fd = -1;
  w->v2 = v2;
  if (v2) {
    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    char proc[64];
    format_string(proc, sizeof proc, "/proc/self/fd/%d/memory.events", dirfd);
    if (w->fd < 0 || inotify_add_watch(w->fd, proc, IN_MODIFY) < 0) {
      skiff_fail_errno(err, errno, "watch memory.events");
      goto fail;
    }
    cg_read_key(dirfd, "memory.events", "oom_kill", &w->seen);
  } else {
    w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    cleanup_close int control = openat(dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
    char line[64];
    int n = format_string(line, sizeof line, "%d %d", w->fd, control);
    if (w->fd < 0 || control < 0 || cg_write(dirfd, "cgroup.event_control", line, (size_t)n) < 0) {
      skiff_fail_errno(err, errno, "register for memory.oom_control");
      goto fail;
    }
  }
  w->dirfd = steal_fd(&dirfd);
  *out = w;
  return 0;
fail:
  if (w->fd >= 0)
    close(w->fd);
  free(w);
  return -1;
}

int cgroup_oom_watch_fd(const struct cgroup_oom_watch *w) {
  return w->fd;
}

/* Returns 1 when the cgroup is gone (stop watching), 0 otherwise. */
int cgroup_oom_watch_read(struct cgroup_oom_watch *w, uint64_t *events, struct skiff_error *err) {
  *events = 0;
  if (!w->v2) {
    uint64_t n = 0;
    ssize_t r = read(w->fd, &n, sizeof n);
    if (r < 0 && errno != EAGAIN)
      return skiff_fail_errno(err, errno, "read oom eventfd");
    if (!cg_exists(w->dirfd, "cgroup.event_control"))
      return 1; /* the eventfd also fires when the cgroup is removed */
    *events = r == (ssize_t)sizeof n ? n : 0;
    return 0;
  }
  char buf[4096];
  bool gone = false;
  for (;;) {
    ssize_t n = read(w->fd, buf, sizeof buf);
    if (n <= 0)
      break;
    for (char *p = buf; p < buf + n;) {
      struct inotify_event *ev = (struct inotify_event *)p;
      gone = gone || (ev->mask & IN_IGNORED);
      p += sizeof *ev + ev->len;
    }
  }
  uint64_t kills;
  if (cg_read_key(w->dirfd, "memory.events", "oom_kill", &kills) < 0)
    return errno == ENOENT || errno == ENODEV || gone ? 1
                                                      : skiff_fail_errno(err, errno, "read memory.events");
  if (kills > w->seen)
    *events = kills - w->seen;
  w->seen = kills;
  return gone ? 1 : 0;
}

void cgroup_oom_watch_free(struct cgroup_oom_watch *w) {
  if (!w)
    return;
  close(w->fd);
  close(w->dirfd);
  free(w);
}

bool cgroup_oom_killed(const char *path) {
  struct cg_dirs dirs;
  struct skiff_error ignored;
  if (!path || cg_dirs_parse(path, &dirs, &ignored) < 0)
    return false;
  bool v2;
  int i = cg_dirs_index_for(&dirs, CG_MEMORY, &v2);
  cleanup_close int dirfd = i >= 0 ? cg_dir_open(&dirs.d[i]) : -1;
  cg_dirs_release(&dirs);
  uint64_t kills = 0;
  return dirfd >= 0 && cg_read_key(dirfd, v2 ? "memory.events" : "memory.oom_control", "oom_kill", &kills) == 0 &&
         kills > 0;
}

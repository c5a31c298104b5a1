/* pause/resume. v1: freezer.state, which passes through FREEZING and may stay there while a
 * task is in an uninterruptible sleep, so the request is repeated until FROZEN or a timeout
 * (then thawed again: half-frozen is worse than running). v2: cgroup.freeze, and
 * cgroup.events says when the kernel has finished ("frozen 1"), with POLLPRI on each change. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"

#define FREEZE_TIMEOUT_MS 2000

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int v1_freeze(int dirfd, bool frozen, struct skiff_error *err) {
  const char *want = frozen ? "FROZEN" : "THAWED";
  long deadline = now_ms() + FREEZE_TIMEOUT_MS;
  long delay_us = 100;
  for (;;) {
    if (cg_write_str(dirfd, "freezer.state", want) < 0)
      return skiff_fail_errno(err, errno, "write freezer.state \"%s\"", want);
    char state[32];
    if (cg_read(dirfd, "freezer.state", state, sizeof state) < 0)
      return skiff_fail_errno(err, errno, "read freezer.state");
    if (!strncmp(state, want, strlen(want)))
      return 0;
    if (now_ms() > deadline)
      break;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = delay_us * 1000};
    nanosleep(&ts, NULL);
    if (delay_us < 10000)
      delay_us *= 2;
  }
  if (frozen)
    cg_write_str(dirfd, "freezer.state", "THAWED");
  return skiff_fail(err, ETIMEDOUT, "the cgroup did not %s within %d ms", frozen ? "freeze" : "thaw",
                    FREEZE_TIMEOUT_MS);
}

static int v2_state(int events_fd, bool *frozen) {
  char buf[256];
  ssize_t n = pread(events_fd, buf, sizeof buf - 1, 0);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  const char *p = strstr(buf, "frozen ");
  *frozen = p && p[7] == '1';
  return 0;
}

static int v2_freeze(int dirfd, bool frozen, struct skiff_error *err) {
  cleanup_close int events = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (events < 0)
    return skiff_fail_errno(err, errno, "open cgroup.events");
  if (cg_write_str(dirfd, "cgroup.freeze", frozen ? "1" : "0") < 0)
    return skiff_fail_errno(err, errno, "write cgroup.freeze");
  long deadline = now_ms() + FREEZE_TIMEOUT_MS;
  for (;;) {
    bool state;
    if (v2_state(events, &state) < 0)
      return skiff_fail_errno(err, errno, "read cgroup.events");
    if (state == frozen)
      return 0;
    long left = deadline - now_ms();
    if (left <= 0)
      break;
    struct pollfd pfd = {.fd = events, .events = POLLPRI};
    if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
      return skiff_fail_errno(err, errno, "wait for cgroup.events");
  }
  if (frozen)
    cg_write_str(dirfd, "cgroup.freeze", "0");
  return skiff_fail(err, ETIMEDOUT, "the cgroup did not %s within %d ms", frozen ? "freeze" : "thaw",
                    FREEZE_TIMEOUT_MS);
}

int cg_freeze_fd(int dirfd, bool v2, bool frozen, struct skiff_error *err) {
  return v2 ? v2_freeze(dirfd, frozen, err) : v1_freeze(dirfd, frozen, err);
}

int cg_is_frozen_fd(int dirfd, bool v2, bool *frozen, struct skiff_error *err) {
  *frozen = false;
  if (v2) {
    cleanup_close int events = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
    if (events < 0 || v2_state(events, frozen) < 0)
      return errno == ENOENT ? 0 : skiff_fail_errno(err, errno, "read cgroup.events");
    return 0;
  }
  char state[32];
  if (cg_read(dirfd, "freezer.state", state, sizeof state) < 0)
    return errno == ENOENT ? 0 : skiff_fail_errno(err, errno, "read freezer.state");
  *frozen = !strncmp(state, "FROZEN", 6);
  return 0;
}

/* The freezer's directory of a stored path, opened; -1 with *missing when the cgroup is gone. */
static int open_freezer(const char *path, bool *v2, bool *missing, struct skiff_error *err) {
  struct cg_dirs dirs;
  *missing = false;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  int i = cg_dirs_index_for(&dirs, CG_FREEZER, v2);
  int fd = -1;
  if (i < 0) {
    skiff_fail(err, ENOENT, "freezer controller not available");
  } else {
    fd = cg_dir_open(&dirs.d[i]);
    if (fd < 0) {
      *missing = errno == ENOENT;
      skiff_fail_errno(err, errno, "cgroup %s", dirs.d[i].path);
    }
  }
  cg_dirs_release(&dirs);
  return fd;
}

int cgroup_freeze(const char *path, bool frozen, struct skiff_error *err) {
  bool v2, missing;
  cleanup_close int fd = open_freezer(path, &v2, &missing, err);
  if (fd < 0)
    return -1;
  if (cg_freeze_fd(fd, v2, frozen, err) < 0)
    return skiff_error_prefix(err, "%s", frozen ? "pause" : "resume");
  return 0;
}

int cgroup_is_frozen(const char *path, bool *frozen, struct skiff_error *err) {
  bool v2, missing;
  *frozen = false;
  cleanup_close int fd = open_freezer(path, &v2, &missing, err);
  if (fd < 0)
    return missing ? 0 : -1;
  return cg_is_frozen_fd(fd, v2, frozen, err);
}

char *cgroup_freezer_dir(const char *path, struct skiff_error *err) {
  struct cg_dirs dirs;
  bool v2;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return NULL;
  int i = cg_dirs_index_for(&dirs, CG_FREEZER, &v2);
  const struct cg_layout *l = i >= 0 ? cg_layout_get(err) : NULL;
  char *dir = NULL;
  if (i < 0)
    skiff_fail(err, ENOENT, "freezer controller not available");
  else if (l && !(dir = xasprintf("%s/%s", l->h[dirs.d[i].h].mount, dirs.d[i].path)))
    skiff_fail_errno(err, ENOMEM, "cgroup path");
  cg_dirs_release(&dirs);
  return dir;
}

/* Reading and writing cgroup control files relative to a directory fd: each file is opened,
 * written once and closed, so a value the kernel refuses is reported with that file's name. */
#include "lib/cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

int cg_write(int dirfd, const char *file, const char *buf, size_t len) {
  if (cg_active_journal) /* update: what this write replaces, for an undo */
    cg_journal_record(dirfd, file);
  cleanup_close int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  return write_once(fd, buf, len);
}

int cg_write_str(int dirfd, const char *file, const char *s) {
  return cg_write(dirfd, file, s, strlen(s));
}

ssize_t cg_read(int dirfd, const char *file, char *buf, size_t size) {
  cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -1;
  size_t len = 0;
  while (len + 1 < size) {
    ssize_t n = read(fd, buf + len, size - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    len += (size_t)n;
    if ((size_t)n < size - 1 - (len - (size_t)n))
      break; /* cgroupfs hands a small file over in one read: a short one is the end */
  }
  buf[len] = '\0';
  return (ssize_t)len;
}

char *cg_read_all(int dirfd, const char *file, size_t *lenp) {
  cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return NULL;
  struct skiff_error err;
  char *all = fd_read_all(fd, file, SIZE_MAX, lenp, &err);
  if (!all)
    errno = err.code;
  return all;
}

static int parse_u64(const char *s, uint64_t *v) {
  while (*s == ' ')
    s++;
  if (!strncmp(s, "max", 3)) {
    *v = UINT64_MAX;
    return 0;
  }
  if (*s == '-') { /* v1 files print -1 for "unlimited" in a few places */
    *v = UINT64_MAX;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long n = strtoull(s, &end, 10);
  if (errno || end == s) {
    errno = EINVAL;
    return -1;
  }
  *v = n;
  return 0;
}

int cg_read_u64(int dirfd, const char *file, uint64_t *v) {
  char buf[64];
  if (cg_read(dirfd, file, buf, sizeof buf) < 0)
    return -1;
  return parse_u64(buf, v);
}

int cg_read_key(int dirfd, const char *file, const char *key, uint64_t *v) {
  char buf[4096];
  if (cg_read(dirfd, file, buf, sizeof buf) < 0)
    return -1;
  size_t kl = strlen(key);
  for (const char *p = buf; *p;) {
    if (!strncmp(p, key, kl) && p[kl] == ' ')
      return parse_u64(p + kl + 1, v);
    const char *nl = strchr(p, '\n');
    if (!nl)
      break;
    p = nl + 1;
  }
  errno = ENOENT;
  return -1;
}

bool cg_exists(int dirfd, const char *file) {
  return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_set(int dirfd, const char *file, const char *value, const char *field, struct skiff_error *err) {
  if (cg_write_str(dirfd, file, value) < 0)
    return skiff_fail_errno(err, errno, "%s: write %s \"%s\"", field, file, value);
  return 0;
}

int cg_set_i64(int dirfd, const char *file, int64_t v, const char *field, struct skiff_error *err) {
  char buf[32];
  format_string(buf, sizeof buf, "%" PRId64, v);
  return cg_set(dirfd, file, buf, field, err);
}

int cg_set_max(int dirfd, const char *file, int64_t v, const char *field, struct skiff_error *err) {
  if (v == -1)
    return cg_set(dirfd, file, "max", field, err);
  return cg_set_i64(dirfd, file, v, field, err);
}

static int rmdir_retry(int dirfd, const char *name) {
  /* The last processes of a killed container leave their cgroup a moment after they are
   * reaped; give them up to about 4 s (a loaded machine: kill-safety.bats saw 0.5 s fall short). */
  long delay_us = 1000;
  for (int tries = 0;; tries++) {
    if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || tries >= 12)
      return -1;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = delay_us * 1000};
    nanosleep(&ts, NULL);
    delay_us *= 2;
  }
}

int cg_for_each_child(int dirfd, cg_child_fn visit, void *ctx, struct skiff_error *err) {
  cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open cgroup directory");
  struct dir_reader d;
  dir_reader_init(&d, fd);
  struct dirent64 *de;
  while ((de = dir_reader_next(&d))) {
    if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    cleanup_close int child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (child < 0 && errno == ENOENT)
      continue;
    if (child < 0)
      return skiff_fail_errno(err, errno, "open cgroup %s", de->d_name);
    if (visit(child, de->d_name, ctx, err) < 0)
      return -1;
  }
  if (errno)
    return skiff_fail_errno(err, errno, "read cgroup directory");
  return 0;
}

static int rmdir_children(int dirfd, int depth, struct skiff_error *err);

struct rmdir_walk {
  int parentfd, depth;
};

/* depth first: a cgroup goes once its sub-cgroups have */
static int rmdir_child(int childfd, const char *name, void *ctx, struct skiff_error *err) {
  const struct rmdir_walk *w = ctx;
  if (rmdir_children(childfd, w->depth + 1, err) < 0)
    return skiff_error_prefix(err, "%s", name);
  if (rmdir_retry(w->parentfd, name) < 0)
    return skiff_fail_errno(err, errno, "rmdir cgroup %s", name);
  return 0;
}

static int rmdir_children(int dirfd, int depth, struct skiff_error *err) {
  if (depth > 64)
    return skiff_fail(err, ELOOP, "cgroup tree too deep");
  struct rmdir_walk w = {.parentfd = dirfd, .depth = depth};
  return cg_for_each_child(dirfd, rmdir_child, &w, err);
}

int cg_rmdir_tree(int parentfd, const char *path, struct skiff_error *err) {
  if (!*path)
    return 0; /* never the hierarchy's root */
  if (unlinkat(parentfd, path, AT_REMOVEDIR) == 0 || errno == ENOENT)
    return 0; /* the usual case: empty, no sub-cgroups */
  if (errno != EBUSY && errno != ENOTEMPTY)
    return skiff_fail_errno(err, errno, "rmdir cgroup %s", path);
  cleanup_close int fd = openat(parentfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : skiff_fail_errno(err, errno, "open cgroup %s", path);
  if (rmdir_children(fd, 0, err) < 0)
    return skiff_error_prefix(err, "remove cgroup %s", path);
  if (rmdir_retry(parentfd, path) < 0)
    return skiff_fail_errno(err, errno, "rmdir cgroup %s", path);
  return 0;
}

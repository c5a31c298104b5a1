#include "lib/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"
#include "lib/utils.h"

/* openat2 fails with EAGAIN when a rename or mount raced a ".." walk under RESOLVE_IN_ROOT. */
#define OPENAT2_RETRIES 32
/* Symlinks spliced while creating a path, as the kernel's own limit. */
#define MAX_SPLICES 40
/* The inode number of every procfs root (the kernel's PROC_ROOT_INO). */
#define PROC_ROOT_INO 1

enum create_kind { CREATE_DIR, CREATE_FILE };

char *proc_fd_path(int fd, char buf[PROC_FD_PATH_MAX]) {
  format_string(buf, PROC_FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

static int openat2_in_root(int root_fd, const char *path, int flags, uint64_t resolve) {
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC),
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
  };
  for (int i = 0; i < OPENAT2_RETRIES; i++) {
    int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN)
      return fd;
  }
  return -1;
}

int path_open_in_root(int root_fd, const char *path, int flags, uint64_t resolve, struct skiff_error *err) {
  int fd = openat2_in_root(root_fd, path, flags, resolve);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open %s in rootfs", path);
  return fd;
}

/* Replaces the component path[pos, end) - a symlink whose target is missing - by the link's
 * target, keeping what follows; the result is resolved in the root again, so an absolute or ".."
 * target stays inside it. */
static int splice_symlink(char *path, size_t size, size_t pos, bool has_rest, size_t end,
                          const char *target) {
  char out[PATH_MAX];
  const char *rest = has_rest ? path + end + 1 : "";
  const char *sep = *rest ? "/" : "";
  int n;
  if (target[0] == '/')
    n = format_string(out, sizeof out, "%s%s%s", target, sep, rest);
  else
    n = format_string(out, sizeof out, "%.*s%s%s%s", (int)pos, path, target, sep, rest);
  if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof out)
    return -1;
  memcpy(path, out, (size_t)n + 1);
  return 0;
}

/* Walks path one component at a time from the root, creating what is missing in the fd of its
 * parent. Sets *spliced (and returns -1) when it met a dangling symlink and rewrote path: the
 * caller starts over. */
static int create_walk(int root_fd, char *path, size_t size, enum create_kind kind, mode_t mode,
                       uint64_t resolve, bool *spliced, struct skiff_error *err) {
  cleanup_close int parent = -1; /* the prefix walked so far; -1: the root itself */
  size_t len = strlen(path), pos = 0;
  *spliced = false;
  for (;;) {
    while (pos < len && path[pos] == '/')
      pos++;
    if (pos >= len)
      break;
    size_t end = pos;
    while (end < len && path[end] != '/')
      end++;
    size_t next = end;
    while (next < len && path[next] == '/')
      next++;
    bool last = next >= len, has_rest = end < len;
    bool file = last && kind == CREATE_FILE;
    int flags = O_PATH | (file ? 0 : O_DIRECTORY);

    path[end] = '\0';
    int fd = openat2_in_root(root_fd, path, flags, resolve);
    if (fd < 0 && errno == ENOENT) {
      int dir = parent >= 0 ? parent : root_fd;
      const char *name = path + pos;
      int r =
          file ? mknodat(dir, name, S_IFREG | mode, 0) : mkdirat(dir, name, kind == CREATE_DIR ? mode : 0755);
      if (r < 0 && errno == EEXIST) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dir, name, target, sizeof target - 1);
        if (n < 0)
          return skiff_fail_errno(err, EEXIST, "create %s in rootfs", path);
        target[n] = '\0';
        if (splice_symlink(path, size, pos, has_rest, end, target) < 0)
          return skiff_fail_errno(err, ENAMETOOLONG, "follow symlink %s in rootfs", name);
        *spliced = true;
        return -1;
      }
      if (r < 0)
        return skiff_fail_errno(err, errno, "%s %s in rootfs", file ? "create" : "mkdir", path);
      fd = openat2_in_root(root_fd, path, flags, resolve);
    }
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open %s in rootfs", path);
    if (has_rest)
      path[end] = '/';
    if (parent >= 0)
      close(parent);
    parent = fd;
    pos = end;
  }
  if (parent < 0) /* "/" or "": the root itself */
    return path_open_in_root(root_fd, "/", O_PATH | O_DIRECTORY, resolve, err);
  return steal_fd(&parent);
}

static int resolve_create(int root_fd, const char *path, enum create_kind kind, mode_t mode, uint64_t resolve,
                          struct skiff_error *err) {
  char buf[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof buf)
    return skiff_fail_errno(err, ENAMETOOLONG, "open %s in rootfs", path);
  memcpy(buf, path, len + 1);
  int flags = O_PATH | (kind == CREATE_DIR ? O_DIRECTORY : 0);
  for (int splices = 0; splices <= MAX_SPLICES; splices++) {
    int fd = openat2_in_root(root_fd, buf, flags, resolve);
    if (fd >= 0)
      return fd;
    if (errno != ENOENT)
      return skiff_fail_errno(err, errno, "open %s in rootfs", buf);
    bool spliced;
    fd = create_walk(root_fd, buf, sizeof buf, kind, mode, resolve, &spliced, err);
    if (!spliced)
      return fd;
  }
  return skiff_fail_errno(err, ELOOP, "open %s in rootfs", path);
}

int path_mkdir_in_root(int root_fd, const char *path, mode_t mode, uint64_t resolve,
                       struct skiff_error *err) {
  return resolve_create(root_fd, path, CREATE_DIR, mode, resolve, err);
}

int path_create_file_in_root(int root_fd, const char *path, mode_t mode, struct skiff_error *err) {
  return resolve_create(root_fd, path, CREATE_FILE, mode, 0, err);
}

char *path_clean(const char *path, char *buf, size_t size) {
  size_t out = 0;
  const char *p = path;
  if (size < 2)
    return NULL;
  while (*p) {
    while (*p == '/')
      p++;
    if (!*p)
      break;
    const char *s = p;
    while (*p && *p != '/')
      p++;
    size_t n = (size_t)(p - s);
    if (n == 1 && s[0] == '.')
      continue;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      while (out > 0 && buf[out - 1] != '/')
        out--;
      if (out > 0)
        out--;
      continue;
    }
    if (out + 1 + n + 1 > size)
      return NULL;
    buf[out++] = '/';
    memcpy(buf + out, s, n);
    out += n;
  }
  if (out == 0)
    buf[out++] = '/';
  buf[out] = '\0';
  return buf;
}

/* ---- procfs ------------------------------------------------------------ */

static bool on_procfs(int fd) {
  struct statfs st;
  return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

int proc_open(const char *path, int flags, uint64_t resolve, struct skiff_error *err) {
  cleanup_close int root = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (root < 0 || fd_stat(root, &st) < 0)
    return skiff_fail_errno(err, errno, "open /proc");
  if (!on_procfs(root) || st.st_ino != PROC_ROOT_INO)
    return skiff_fail(err, EXDEV, "/proc is not the root of a procfs");
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | resolve,
  };
  int fd = -1;
  for (int i = 0; i < OPENAT2_RETRIES; i++) {
    fd = (int)syscall(SYS_openat2, root, path, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN)
      break;
  }
  if (fd < 0 && errno == EXDEV)
    return skiff_fail(err, EXDEV, "/proc/%s: a mount covers it", path);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open /proc/%s", path);
  if (!on_procfs(fd)) {
    close(fd);
    return skiff_fail(err, EXDEV, "/proc/%s is not on procfs", path);
  }
  return fd;
}

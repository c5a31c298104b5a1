/* tmpcopyup (a runc extension podman relies on): a tmpfs mounted over a directory of the image
 * starts with that directory's contents. Both trees are walked by fd, never by path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mounts-internal.h"
#include "oci/cleanup.h"

static int copy_data(int src, int dst, off_t size) {
  while (size > 0) {
    ssize_t n = sendfile(dst, src, NULL, size > 0x7ffff000 ? 0x7ffff000 : (size_t)size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? -1 : 0; /* a file that shrank meanwhile: keep what was read */
    size -= n;
  }
  return 0;
}

static int copy_entry(int from_fd, int to_fd, const char *name, struct skiff_error *err) {
  struct stat st;
  if (fstatat(from_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return skiff_fail_errno(err, errno, "stat %s", name);
  mode_t perm = st.st_mode & 07777;
  switch (st.st_mode & S_IFMT) {
  case S_IFDIR: {
    if (mkdirat(to_fd, name, 0700) < 0)
      return skiff_fail_errno(err, errno, "mkdir %s", name);
    cleanup_close int src = openat(from_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    cleanup_close int dst = openat(to_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (src < 0 || dst < 0)
      return skiff_fail_errno(err, errno, "open %s", name);
    if (copy_tree(src, dst, err) < 0)
      return skiff_error_prefix(err, "%s", name);
    if (fchown(dst, st.st_uid, st.st_gid) < 0 || fchmod(dst, perm) < 0)
      return skiff_fail_errno(err, errno, "set owner and mode of %s", name);
    return 0;
  }
  case S_IFREG: {
    cleanup_close int src = openat(from_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    cleanup_close int dst = openat(to_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (src < 0 || dst < 0)
      return skiff_fail_errno(err, errno, "open %s", name);
    if (copy_data(src, dst, st.st_size) < 0)
      return skiff_fail_errno(err, errno, "copy %s", name);
    if (fchown(dst, st.st_uid, st.st_gid) < 0 || fchmod(dst, perm) < 0)
      return skiff_fail_errno(err, errno, "set owner and mode of %s", name);
    return 0;
  }
  case S_IFLNK: {
    char target[PATH_MAX];
    ssize_t n = readlinkat(from_fd, name, target, sizeof target - 1);
    if (n < 0)
      return skiff_fail_errno(err, errno, "readlink %s", name);
    target[n] = '\0';
    if (symlinkat(target, to_fd, name) < 0 ||
        fchownat(to_fd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
      return skiff_fail_errno(err, errno, "symlink %s", name);
    return 0;
  }
  case S_IFCHR:
  case S_IFBLK:
  case S_IFIFO:
    if (mknodat(to_fd, name, st.st_mode, st.st_rdev) < 0 ||
        fchownat(to_fd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        fchmodat(to_fd, name, perm, 0) < 0)
      return skiff_fail_errno(err, errno, "mknod %s", name);
    return 0;
  default: /* sockets belong to a process that is not there */
    return 0;
  }
}

int copy_tree(int from_fd, int to_fd, struct skiff_error *err) {
  int fd = openat(from_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open directory");
  cleanup_closedir DIR *dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return skiff_fail_errno(err, errno, "open directory");
  }
  struct dirent *de;
  errno = 0;
  while ((de = readdir(dir))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (copy_entry(from_fd, to_fd, de->d_name, err) < 0)
      return -1;
    errno = 0;
  }
  if (errno)
    return skiff_fail_errno(err, errno, "read directory");
  return 0;
}

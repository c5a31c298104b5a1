/* cgroup v1 directories: mkdir (parents on demand) and the cpuset quirk: a new v1 cpuset
 * cgroup starts with empty cpuset.cpus/mems and refuses processes until they are filled, so
 * every level skiff creates gets its parent's values. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

size_t cg_path_depth(const char *path) {
  size_t n = 0;
  for (const char *p = path; *p; p++)
    if (p == path || p[-1] == '/')
      n++;
  return n;
}

/* The first `depth` components of path, or "." for none. */
void cg_path_prefix(const char *path, size_t depth, char *out, size_t size) {
  if (!depth) {
    strcpy(out, ".");
    return;
  }
  size_t len = 0, seen = 0;
  for (; path[len]; len++)
    if (path[len] == '/' && ++seen == depth)
      break;
  if (len >= size)
    len = size - 1;
  memcpy(out, path, len);
  out[len] = '\0';
}

int cg_v1_make(const char *mount, const char *path, size_t *existing, struct skiff_error *err) {
  size_t depth = cg_path_depth(path);
  char full[PATH_MAX];
  if (format_string(full, sizeof full, "%s/%s", mount, path) >= (int)sizeof full)
    return skiff_fail(err, ENAMETOOLONG, "cgroup path %s", path);
  *existing = depth;
  if (depth) {
    if (mkdir(full, 0755) == 0) {
      *existing = depth - 1;
    } else if (errno == ENOENT) { /* parents missing: one level at a time */
      char prefix[PATH_MAX];
      cleanup_close int mountfd = open(mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (mountfd < 0)
        return skiff_fail_errno(err, errno, "open %s", mount);
      *existing = depth;
      for (size_t k = 1; k <= depth; k++) {
        cg_path_prefix(path, k, prefix, sizeof prefix);
        if (mkdirat(mountfd, prefix, 0755) == 0) {
          if (*existing == depth)
            *existing = k - 1;
        } else if (errno != EEXIST) {
          return skiff_fail_errno(err, errno, "mkdir %s", prefix);
        }
      }
    } else if (errno != EEXIST) {
      return skiff_fail_errno(err, errno, "mkdir %s", full);
    }
  }
  int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open %s", full);
  return fd;
}

static bool blank(const char *s) {
  return s[str_span(s, " \n")] == '\0';
}

int cg_v1_cpuset_fill(int mountfd, const char *path, size_t existing, bool leaf_cpus, bool leaf_mems,
                      struct skiff_error *err) {
  size_t depth = cg_path_depth(path);
  char prefix[PATH_MAX], cpus[4096], mems[1024];
  size_t first = existing + 1; /* first level to fill */
  if (existing == depth) {
    /* a pre-existing leaf: only if someone left it empty */
    if (!depth)
      return 0;
    char c[8], m[8];
    int fd = openat(mountfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open %s", path);
    bool empty = cg_read(fd, "cpuset.cpus", c, sizeof c) >= 0 &&
                 cg_read(fd, "cpuset.mems", m, sizeof m) >= 0 && (blank(c) || blank(m));
    close(fd);
    if (!empty)
      return 0;
    first = depth;
  }
  /* the nearest ancestor with values (the root always has them); the empty levels between get
   * them too, or no child of theirs could */
  size_t src = first - 1;
  for (;; src--) {
    cg_path_prefix(path, src, prefix, sizeof prefix);
    cleanup_close int fd = openat(mountfd, prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open %s", prefix);
    if (cg_read(fd, "cpuset.cpus", cpus, sizeof cpus) < 0 ||
        cg_read(fd, "cpuset.mems", mems, sizeof mems) < 0)
      return skiff_fail_errno(err, errno, "read cpuset of %s", prefix);
    if ((!blank(cpus) && !blank(mems)) || src == 0)
      break;
  }
  for (size_t k = src + 1; k <= depth; k++) {
    bool leaf = k == depth;
    if (leaf && leaf_cpus && leaf_mems)
      break; /* the config's values go there */
    cg_path_prefix(path, k, prefix, sizeof prefix);
    cleanup_close int fd = openat(mountfd, prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open %s", prefix);
    if (!(leaf && leaf_cpus) && cg_write_str(fd, "cpuset.cpus", cpus) < 0)
      return skiff_fail_errno(err, errno, "cpuset: copy cpuset.cpus into %s", prefix);
    if (!(leaf && leaf_mems) && cg_write_str(fd, "cpuset.mems", mems) < 0)
      return skiff_fail_errno(err, errno, "cpuset: copy cpuset.mems into %s", prefix);
  }
  return 0;
}

/* cgroup v2 directories: a controller only appears in a cgroup when every level above it lists
 * it in cgroup.subtree_control, so the levels are walked from the root enabling what is
 * wanted; and linux.resources.unified, written as given. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

static bool has_word(const char *list, const char *w, size_t wl) {
  for (const char *p = list; *p;) {
    p += str_span(p, " \n");
    size_t l = str_cspan(p, " \n");
    if (l == wl && !strncmp(p, w, wl))
      return true;
    p += l;
  }
  return false;
}

/* Errors are not reported here: a controller that cannot be enabled (a parent with processes
 * of its own, a threaded subtree) is missing from the leaf, and a limit that needs it fails
 * there with the controller's name. */
static void enable_controllers(int levelfd, unsigned wanted) {
  char avail[512], enabled[512], req[600];
  if (cg_read(levelfd, "cgroup.controllers", avail, sizeof avail) < 0 ||
      cg_read(levelfd, "cgroup.subtree_control", enabled, sizeof enabled) < 0)
    return;
  size_t len = 0;
  for (const char *p = avail; *p;) {
    p += str_span(p, " \n");
    size_t l = str_cspan(p, " \n");
    if (!l)
      break;
    char name[64];
    if (l < sizeof name) {
      memcpy(name, p, l);
      name[l] = '\0';
      unsigned bit = cg_v2_parse_controllers(name);
      bool want = wanted == ~0u || (bit & wanted);
      if (want && !has_word(enabled, p, l) && len + l + 3 < sizeof req)
        len += (size_t)format_string(req + len, sizeof req - len, "%s+%s", len ? " " : "", name);
    }
    p += l;
  }
  if (!len || cg_write(levelfd, "cgroup.subtree_control", req, len) == 0)
    return;
  /* EBUSY: the level holds processes. Enabling the threaded controllers alone would succeed
     and turn it into a thread root, breaking its new children: leave it as it is. */
  if (errno == EBUSY)
    return;
  /* one refused controller fails the whole write: enable the others one by one */
  for (char *tok = strtok(req, " "); tok; tok = strtok(NULL, " "))
    cg_write_str(levelfd, "cgroup.subtree_control", tok);
}

int cg_v2_make(const char *mount, const char *path, unsigned wanted, bool create, size_t *existing,
               unsigned *leaf_controllers, struct skiff_error *err) {
  size_t depth = cg_path_depth(path);
  int fd;
  *existing = depth;
  if (!wanted && create) {
    fd = cg_v1_make(mount, path, existing, err);
    if (fd < 0)
      return -1;
  } else {
    fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open cgroup2 root");
    const char *p = path;
    for (size_t k = 1; k <= depth; k++) {
      size_t cl = str_cspan(p, "/");
      char comp[NAME_MAX + 1];
      if (cl > NAME_MAX) {
        close(fd);
        return skiff_fail(err, ENAMETOOLONG, "cgroup path %s", path);
      }
      memcpy(comp, p, cl);
      comp[cl] = '\0';
      p += cl + (p[cl] == '/');
      if (wanted)
        enable_controllers(fd, wanted);
      if (create) {
        if (mkdirat(fd, comp, 0755) == 0) {
          if (*existing == depth)
            *existing = k - 1;
        } else if (errno != EEXIST) {
          int e = errno;
          close(fd);
          return skiff_fail_errno(err, e, "mkdir %s", path);
        }
      }
      int child = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      int e = errno;
      close(fd);
      if (child < 0)
        return skiff_fail_errno(err, e, "open cgroup %s", path);
      fd = child;
    }
  }
  char ctl[512];
  if (leaf_controllers)
    *leaf_controllers =
        cg_read(fd, "cgroup.controllers", ctl, sizeof ctl) >= 0 ? cg_v2_parse_controllers(ctl) : 0;
  return fd;
}

int cg_check_unified(const struct cg_layout *l, const struct oci_resources *res, struct skiff_error *err) {
  if (!res || !res->n_unified || l->mode == CG_MODE_V2)
    return 0;
  if (l->unified < 0)
    return skiff_fail(err, EOPNOTSUPP,
                      "linux.resources.unified: cannot use unified on cgroup v1 (this host has no cgroup2 hierarchy)");
  const char *mount = l->h[l->unified].mount;
  char ctl[512] = "";
  cleanup_close int fd = open(mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || cg_read(fd, "cgroup.controllers", ctl, sizeof ctl) < 0)
    return skiff_fail_errno(err, errno, "linux.resources.unified: read %s/cgroup.controllers", mount);
  if (!ctl[str_span(ctl, " \n")])
    return skiff_fail(err, EOPNOTSUPP,
                      "linux.resources.unified: cannot use unified on cgroup v1: the cgroup2 hierarchy of this "
                      "hybrid host (%s) has no controllers",
                      mount);
  return 0;
}

int cg_apply_unified(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err) {
  for (size_t i = 0; i < res->n_unified; i++) {
    const char *key = res->unified[i].key, *value = res->unified[i].value;
    char field[300];
    format_string(field, sizeof field, "linux.resources.unified.%s", key);
    if (!*key || strchr(key, '/') || !strcmp(key, ".") || !strcmp(key, ".."))
      return skiff_fail(err, EINVAL, "%s: not a cgroup file name", field);
    if (t->unified_fd < 0)
      return skiff_fail(err, EOPNOTSUPP, "%s: cannot use unified on cgroup v1 (no cgroup2 hierarchy)", field);
    size_t pl = str_cspan(key, ".");
    char prefix[64];
    format_string(prefix, sizeof prefix, "%.*s", (int)(pl < 63 ? pl : 63), key);
    unsigned bit = cg_v2_parse_controllers(prefix);
    if (bit) {
      int c = __builtin_ctz(bit);
      if (t->fd[c] != t->unified_fd || !t->v2[c])
        return skiff_fail(
            err, ENOENT, "%s: %s controller not available in the cgroup2 hierarchy%s", field, prefix,
            t->mode == CG_MODE_HYBRID ? " (hybrid host: it is a cgroup v1 controller here)" : "");
    }
    if (cg_write_str(t->unified_fd, key, value) < 0) {
      if (errno == ENOENT)
        return skiff_fail(err, ENOENT, "%s: no such file in the container's cgroup", field);
      return skiff_fail_errno(err, errno, "%s: write \"%s\"", field, value);
    }
  }
  return 0;
}

/* The controllers linux.resources.unified names, by prefix ("memory.max" -> memory). */
unsigned cg_unified_controllers(const struct oci_resources *res) {
  unsigned mask = 0;
  for (size_t i = 0; i < res->n_unified; i++) {
    char prefix[64];
    const char *key = res->unified[i].key;
    size_t pl = str_cspan(key, ".");
    format_string(prefix, sizeof prefix, "%.*s", (int)(pl < 63 ? pl : 63), key);
    mask |= cg_v2_parse_controllers(prefix);
  }
  return mask;
}

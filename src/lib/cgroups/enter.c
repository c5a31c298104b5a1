/* exec: a new process joins the cgroup of a running container, from the stored path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"
#include "oci/cleanup.h"
#include "oci/format.h"

/* --cgroup "sub" applies to every hierarchy; "memory:sub" (or "cpu,cpuacct:sub") only to the
 * hierarchies holding one of those controllers, the others keep the container's own cgroup. */
static bool sub_applies(const struct cg_hierarchy *h, const char *sub, const char **path) {
  const char *colon = strchr(sub, ':');
  *path = colon ? colon + 1 : sub;
  if (!colon)
    return true;
  char list[256];
  format_string(list, sizeof list, "%.*s", (int)(colon - sub), sub);
  if (!h->name[0]) /* the unified hierarchy: a named controller it actually has */
    return (cg_v2_parse_controllers(list) & h->controllers) != 0;
  for (char *save, *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
    size_t n = strlen(c);
    for (const char *p = h->name; (p = strstr(p, c)); p += n)
      if ((p == h->name || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
        return true;
  }
  return false;
}

/* An existing sub-cgroup (runc does not create them either): relative, no "..". */
static int open_sub(int dirfd, const char *sub, const char *shown, struct skiff_error *err) {
  if (!*sub || sub[0] == '/' || strstr(sub, ".."))
    return skiff_fail(err, EINVAL, "cgroup \"%s\": must be a relative path below the container's cgroup",
                      shown);
  int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "cgroup \"%s\": no such sub-cgroup of the container's", shown);
  return fd;
}

int cgroup_enter_path(const char *path, const char *sub, pid_t pid, struct skiff_error *err) {
  const struct cg_layout *l = cg_layout_get(err);
  struct cg_dirs dirs;
  if (!l || cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  char buf[24];
  int len = snprintf(buf, sizeof buf, "%d", (int)pid);
  int ret = 0;
  for (size_t i = 0; i < dirs.n && ret == 0; i++) {
    cleanup_close int fd = cg_dir_open(&dirs.d[i]);
    if (fd < 0) {
      ret = skiff_fail_errno(err, errno, "open cgroup %s", dirs.d[i].path);
      break;
    }
    const char *sub_path = NULL;
    bool into_sub = sub && *sub && sub_applies(&l->h[dirs.d[i].h], sub, &sub_path);
    cleanup_close int target = into_sub ? open_sub(fd, sub_path, sub, err) : dup(fd);
    if (target < 0)
      ret = -1;
    else if (cg_write(target, "cgroup.procs", buf, (size_t)len) < 0)
      ret = skiff_fail_errno(err, errno, "join cgroup %s", dirs.d[i].path);
  }
  cg_dirs_release(&dirs);
  return ret;
}

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

/* The sub-cgroup of --cgroup: relative, no "..", created when missing. Returns its fd. */
static int open_sub(int dirfd, const char *sub, struct skiff_error *err) {
  char buf[4096];
  if (sub[0] == '/' || strstr(sub, "..") || snprintf(buf, sizeof buf, "%s", sub) >= (int)sizeof buf)
    return skiff_fail(err, EINVAL, "cgroup \"%s\": must be a relative path below the container's cgroup",
                      sub);
  int fd = dup(dirfd);
  for (char *save, *part = strtok_r(buf, "/", &save); part && fd >= 0; part = strtok_r(NULL, "/", &save)) {
    if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
      int saved = errno;
      close(fd);
      return skiff_fail_errno(err, saved, "create cgroup %s", sub);
    }
    int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    close(fd);
    fd = next;
  }
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open cgroup %s", sub);
  return fd;
}

int cgroup_enter_path(const char *path, const char *sub, pid_t pid, struct skiff_error *err) {
  struct cg_dirs dirs;
  if (cg_dirs_parse(path, &dirs, err) < 0)
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
    cleanup_close int target = sub && *sub ? open_sub(fd, sub, err) : dup(fd);
    if (target < 0)
      ret = -1;
    else if (cg_write(target, "cgroup.procs", buf, (size_t)len) < 0)
      ret = skiff_fail_errno(err, errno, "join cgroup %s", dirs.d[i].path);
  }
  cg_dirs_release(&dirs);
  return ret;
}

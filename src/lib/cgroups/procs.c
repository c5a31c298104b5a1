/* The processes of a cgroup (sub-cgroups included): listing them for ps, and signalling all
 * of them for kill --all. The cgroup is frozen while they are signalled so that none forks a
 * child the list missed; on v2 a SIGKILL is one write to cgroup.kill. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/str.h"

struct pid_list {
  pid_t *v;
  size_t n, cap;
};

struct collect_walk {
  struct pid_list *l;
  int depth;
};

static int collect_child(int childfd, const char *name, void *ctx, struct skiff_error *err);

/* The pids of cgroup.procs here and, depth first, in every sub-cgroup. */
static int collect(int dirfd, struct pid_list *l, int depth, struct skiff_error *err) {
  size_t len;
  cleanup_free char *procs = cg_read_all(dirfd, "cgroup.procs", &len);
  if (!procs)
    return skiff_fail_errno(err, errno, "read cgroup.procs");
  for (char *p = procs; *p;) {
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p)
      break;
    if (l->n == l->cap) {
      size_t nc = l->cap ? l->cap * 2 : 32;
      pid_t *v = realloc(l->v, nc * sizeof *v);
      if (!v)
        return skiff_fail_errno(err, ENOMEM, "cgroup.procs");
      l->v = v;
      l->cap = nc;
    }
    l->v[l->n++] = (pid_t)pid;
    p = end + str_span(end, "\n");
  }
  if (depth > 64)
    return 0;
  struct collect_walk w = {.l = l, .depth = depth};
  return cg_for_each_child(dirfd, collect_child, &w, err);
}

static int collect_child(int childfd, const char *name, void *ctx, struct skiff_error *err) {
  struct collect_walk *w = ctx;
  return collect(childfd, w->l, w->depth + 1, err);
}

/* The directory processes are read from: the freezer's when there is one (so the list is the
 * frozen set), else the unified one, else the first. */
static int pick(struct cg_dirs *dirs, bool *freezer, bool *v2) {
  const struct cg_layout *l = cg_layout_get(&(struct skiff_error){0});
  int i = cg_dirs_index_for(dirs, CG_FREEZER, v2);
  *freezer = i >= 0;
  if (i >= 0)
    return i;
  for (size_t k = 0; l && k < dirs->n; k++)
    if (l->h[dirs->d[k].h].unified)
      return (int)k;
  return dirs->n ? 0 : -1;
}

int cgroup_pids(const char *path, pid_t **pids, size_t *n, struct skiff_error *err) {
  *pids = NULL;
  *n = 0;
  struct cg_dirs dirs;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  bool freezer, v2;
  int i = pick(&dirs, &freezer, &v2);
  struct pid_list l = {0};
  int ret = 0;
  int fd = i >= 0 ? cg_dir_open(&dirs.d[i]) : -1;
  if (fd < 0 && i >= 0 && errno != ENOENT)
    ret = skiff_fail_errno(err, errno, "cgroup %s", dirs.d[i].path);
  else if (fd >= 0)
    ret = collect(fd, &l, 0, err);
  if (fd >= 0)
    close(fd);
  cg_dirs_release(&dirs);
  if (ret < 0) {
    free(l.v);
    return -1;
  }
  *pids = l.v;
  *n = l.n;
  return 0;
}

static int kill_v2(struct cg_dirs *dirs, bool *done, struct skiff_error *err) {
  const struct cg_layout *l = cg_layout_get(err);
  *done = false;
  for (size_t k = 0; l && k < dirs->n; k++) {
    if (!l->h[dirs->d[k].h].unified)
      continue;
    cleanup_close int fd = cg_dir_open(&dirs->d[k]);
    if (fd < 0) {
      *done = errno == ENOENT; /* gone: nothing left to kill */
      return 0;
    }
    if (!cg_exists(fd, "cgroup.kill"))
      return 0; /* before Linux 5.14 */
    if (cg_write_str(fd, "cgroup.kill", "1") < 0)
      return skiff_fail_errno(err, errno, "write cgroup.kill");
    *done = true;
    return 0;
  }
  return 0;
}

/* Signals what is in dirfd's cgroup, frozen meanwhile when there is a freezer. A cgroup that
 * was paused before stays paused, unless the signal is SIGKILL (a frozen v1 task dies only
 * once thawed). */
static int signal_frozen(int fd, bool freezer, bool v2, int signal, struct skiff_error *err) {
  bool was_frozen = false;
  if (freezer && (cg_is_frozen_fd(fd, v2, &was_frozen, err) < 0 || cg_freeze_fd(fd, v2, true, err) < 0))
    return -1;
  struct pid_list l = {0};
  int ret = collect(fd, &l, 0, err);
  for (size_t k = 0; ret == 0 && k < l.n; k++)
    if (kill(l.v[k], signal) < 0 && errno != ESRCH)
      ret = skiff_fail_errno(err, errno, "kill %d", (int)l.v[k]);
  free(l.v);
  if (freezer && (!was_frozen || signal == SIGKILL)) {
    struct skiff_error thaw_err;
    if (cg_freeze_fd(fd, v2, false, &thaw_err) < 0 && ret == 0) {
      *err = thaw_err;
      ret = -1;
    }
  }
  return ret;
}

int cgroup_kill_all(const char *path, int signal, struct skiff_error *err) {
  struct cg_dirs dirs;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  bool done = false, freezer, v2;
  int ret = signal == SIGKILL ? kill_v2(&dirs, &done, err) : 0;
  if (ret == 0 && done) {
    /* hybrid: tasks a v1 freezer holds die only once thawed (v2's freezer lets SIGKILL through) */
    int i = pick(&dirs, &freezer, &v2);
    int fd = freezer && !v2 ? cg_dir_open(&dirs.d[i]) : -1;
    bool frozen = false;
    if (fd >= 0 && cg_is_frozen_fd(fd, false, &frozen, err) == 0 && frozen)
      ret = cg_freeze_fd(fd, false, false, err);
    if (fd >= 0)
      close(fd);
  } else if (ret == 0) {
    int i = pick(&dirs, &freezer, &v2);
    int fd = i >= 0 ? cg_dir_open(&dirs.d[i]) : -1;
    if (fd >= 0) {
      ret = signal_frozen(fd, freezer, v2, signal, err);
      close(fd);
    } else if (i >= 0 && errno != ENOENT) {
      ret = skiff_fail_errno(err, errno, "cgroup %s", dirs.d[i].path);
    }
  }
  cg_dirs_release(&dirs);
  return ret;
}

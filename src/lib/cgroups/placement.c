/* How a new process gets into the container's cgroup: it moves itself, as its first act.
 *
 * The parent opens, before clone, each v1 hierarchy's "tasks" file; the child writes "0" (itself)
 * into each. Moving the calling thread that way skips the kernel's global threadgroup lock,
 * whose writer waits for an RCU grace period (5-15 ms measured here) every time a pid is
 * written into cgroup.procs. On cgroup2 (pure v2 or the hybrid's unified hierarchy)
 * clone3(CLONE_INTO_CGROUP) places the child at birth; cgroup.procs is the fallback for kernels
 * without it. The files are opened by the parent so that the kernel checks its credentials, not
 * those of a child already in a new user namespace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

void cgroup_placement_init(struct cgroup_placement *p) {
  p->cgroup2_fd = -1;
  p->cgroup2_procs = -1;
  p->cgroup2_by_clone = false;
  p->n_tasks = 0;
  p->memory_task = -1;
}

void cgroup_placement_close(struct cgroup_placement *p) {
  if (p->cgroup2_fd >= 0)
    close(p->cgroup2_fd);
  if (p->cgroup2_procs >= 0)
    close(p->cgroup2_procs);
  for (size_t i = 0; i < p->n_tasks; i++)
    close(p->tasks[i]);
  cgroup_placement_init(p);
}

/* Adds the cgroup open at dirfd (in hierarchy h) to p. */
int cg_placement_add(struct cgroup_placement *p, const struct cg_hierarchy *h, int dirfd, const char *shown,
                     struct skiff_error *err) {
  if (h->unified) {
    p->cgroup2_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    p->cgroup2_procs = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (p->cgroup2_fd < 0 || p->cgroup2_procs < 0)
      return skiff_fail_errno(err, errno, "open cgroup %s/%s", h->mount, shown);
    return 0;
  }
  if (p->n_tasks == CGROUP_MAX_HIERARCHIES)
    return skiff_fail(err, E2BIG, "more than %d cgroup hierarchies", CGROUP_MAX_HIERARCHIES);
  int fd = openat(dirfd, "tasks", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open cgroup %s/%s/tasks", h->mount, shown);
  if (h->controllers & CG_BIT(CG_MEMORY))
    p->memory_task = (int)p->n_tasks;
  p->tasks[p->n_tasks++] = fd;
  return 0;
}

size_t cgroup_placement_fds(const struct cgroup_placement *p, int *fds) {
  size_t n = 0;
  if (!p->cgroup2_by_clone && p->cgroup2_procs >= 0)
    fds[n++] = p->cgroup2_procs;
  for (size_t i = 0; i < p->n_tasks; i++)
    if ((int)i != p->memory_task)
      fds[n++] = p->tasks[i];
  if (p->memory_task >= 0)
    fds[n++] = p->tasks[p->memory_task];
  return n;
}

/* "0" (the calling thread) into each of fds. */
static int write_self(const int *fds, size_t n, struct skiff_error *err) {
  for (size_t i = 0; i < n; i++)
    if (write_once(fds[i], "0", 1) < 0)
      return skiff_fail_errno(err, errno, "join the container's cgroup (hierarchy %zu of %zu)", i + 1, n);
  return 0;
}

int cgroup_place_self_fds(const int *fds, size_t n, struct skiff_error *err) {
  int ret = write_self(fds, n, err);
  for (size_t i = 0; i < n; i++)
    close(fds[i]);
  return ret;
}

int cgroup_place_self(const struct cgroup_placement *p, struct skiff_error *err) {
  int fds[CGROUP_MAX_HIERARCHIES + 1];
  return write_self(fds, cgroup_placement_fds(p, fds), err);
}

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

/* Whether a relative path climbs out of its start with "..". */
static bool climbs_out(const char *path) {
  long depth = 0;
  for (const char *p = path; *p;) {
    size_t n = str_cspan(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.')
      depth--;
    else if (n && !(n == 1 && p[0] == '.'))
      depth++;
    if (depth < 0)
      return true;
    p += n;
    while (*p == '/')
      p++;
  }
  return false;
}

/* An existing sub-cgroup (runc does not create them either), below the container's cgroup: as
 * runc joins it to that cgroup, a leading "/" is that cgroup's root, and ".." may not leave it. */
static int open_sub(int dirfd, const char *sub, const char *shown, struct skiff_error *err) {
  char clean[PATH_MAX];
  if (climbs_out(sub))
    return skiff_fail(err, EINVAL, "cgroup \"%s\": %s is not a sub cgroup path", shown, sub);
  if (cg_clean_path(sub, clean, sizeof clean) < 0)
    return skiff_fail(err, ENAMETOOLONG, "cgroup \"%s\": too long", shown);
  int fd = openat(dirfd, clean[0] ? clean : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "cgroup \"%s\": no such sub-cgroup of the container's", shown);
  return fd;
}

static int add_stored_dir(struct cgroup_placement *p, const struct cg_layout *l, const struct cg_dir *d,
                          char *const *subs, size_t n_subs, struct skiff_error *err) {
  cleanup_close int fd = cg_dir_open(d);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open cgroup %s", d->path);
  const char *sub_path = NULL;
  for (size_t i = 0; i < n_subs; i++)
    if (*subs[i] && sub_applies(&l->h[d->h], subs[i], &sub_path)) {
      cleanup_close int sub_fd = open_sub(fd, sub_path, subs[i], err);
      return sub_fd < 0 ? -1 : cg_placement_add(p, &l->h[d->h], sub_fd, subs[i], err);
    }
  return cg_placement_add(p, &l->h[d->h], fd, d->path, err);
}

int cgroup_placement_open(const char *path, char *const *subs, size_t n_subs, struct cgroup_placement *p,
                          struct skiff_error *err) {
  cgroup_placement_init(p);
  for (size_t i = 0; n_subs > 1 && i < n_subs; i++)
    if (!strchr(subs[i], ':')) /* runc's rule and words */
      return skiff_fail(err, EINVAL, "invalid --cgroup argument: %s (missing <controller>: prefix)", subs[i]);
  const struct cg_layout *l = cg_layout_get(err);
  struct cg_dirs dirs;
  if (!l || cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < dirs.n && ret == 0; i++)
    ret = add_stored_dir(p, l, &dirs.d[i], subs, n_subs, err);
  cg_dirs_release(&dirs);
  if (ret < 0)
    cgroup_placement_close(p);
  return ret;
}

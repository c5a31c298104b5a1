/* Placing a container: resolve linux.cgroupsPath in every hierarchy, create the directories,
 * write the limits, put the init in; and the undo of that. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"
#include "lib/cgroups/systemd.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

struct cgroup {
  struct cg_dirs dirs;                 /* leaf fds open */
  size_t existing[CG_MAX_HIERARCHIES]; /* per dirs.d[i]: leading path components that were there before */
  struct cgroup_placement placement;   /* what the init moves itself in with */
  char *stored;
  /* what cgroup_finish needs */
  const struct oci_resources *res;
  char clean[PATH_MAX];
  bool absolute;
  unsigned leaf_v2;
  const char *shown;
  bool finished;
  /* the systemd driver: the unit, and whether we started it (delete stops it then) */
  struct cg_systemd_unit *unit;
  char *id;
  bool unit_started;
  bool warned_busy;
};

/* "slice:prefix:name", the systemd driver's form of cgroupsPath. */
static bool systemd_form(const char *p) {
  if (!p || !*p || p[0] == '/')
    return false;
  int colons = 0;
  for (; *p; p++)
    colons += *p == ':';
  return colons == 2;
}

static int no_systemd_driver(const char *cgroups_path, struct skiff_error *err) {
  return skiff_fail(err, ENOTSUP,
                    "linux.cgroupsPath \"%s\": the systemd cgroup driver needs systemd as PID 1, and this host "
      "does not run systemd",
      cgroups_path && *cgroups_path ? cgroups_path : "");
}

/* The path of the cgroup under hierarchy h's mount: absolute as given; relative under our own,
 * except on cgroup2, where our own cgroup holds processes (us) and so cannot give controllers to
 * children: there, as runc does, under its parent. */
static int resolve(const struct cg_hierarchy *h, const char *clean, bool absolute, char *out, size_t size) {
  size_t own_len = absolute || !h->own ? 0 : strlen(h->own);
  if (own_len && h->unified) {
    const char *slash = strrchr(h->own, '/');
    own_len = slash ? (size_t)(slash - h->own) : 0;
  }
  int n = absolute || !own_len ? format_string(out, size, "%s", clean)
                               : format_string(out, size, "%.*s/%s", (int)own_len, h->own, clean);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int check_not_frozen(struct cgroup *cg, const struct cg_layout *l, const char *shown,
                            struct skiff_error *err) {
  bool v2;
  int i = cg_dirs_index_for(&cg->dirs, CG_FREEZER, &v2);
  if (i < 0 || cg->existing[i] < cg_path_depth(cg->dirs.d[i].path))
    return 0; /* created now, or no freezer */
  bool frozen = false;
  if (cg_is_frozen_fd(cg->dirs.d[i].fd, v2, &frozen, err) < 0)
    return -1;
  if (frozen)
    return skiff_fail(err, EBUSY, "linux.cgroupsPath \"%s\": container's cgroup unexpectedly frozen (%s/%s)",
                      shown, l->h[cg->dirs.d[i].h].mount, cg->dirs.d[i].path);
  return 0;
}

/* A cgroup that was there before and holds processes: the container shares it with them (its
 * limits, kill --all, pause). runc's warning, in its words, once per create. */
static void warn_if_busy(struct cgroup *cg, int fd) {
  size_t len = 0, n = 0;
  if (cg->warned_busy || cg->unit) /* systemd's unit holds the init by then */
    return;
  cleanup_free char *procs = cg_read_all(fd, "cgroup.procs", &len);
  for (size_t i = 0; procs && i < len; i++)
    n += procs[i] == '\n';
  if (n) {
    cg->warned_busy = true;
    log_warning("linux.cgroupsPath \"%s\": container's cgroup is not empty: %zu process(es) found", cg->shown,
                n);
  }
}

/* The directories of the cgroup2 hierarchy (unified true) or of the v1 ones. */
static int make_dirs(struct cgroup *cg, const struct cg_layout *l, bool unified, const char *clean,
                     bool absolute, const struct oci_resources *res, unsigned *leaf_v2, struct skiff_error *err) {
  unsigned needed = res ? cg_needed_controllers(res) : 0;
  unsigned v1_mounted = 0;
  for (size_t i = 0; i < l->n; i++)
    v1_mounted |= l->h[i].controllers;
  for (size_t i = 0; i < l->n; i++) {
    const struct cg_hierarchy *h = &l->h[i];
    if (h->unified != unified)
      continue;
    struct cg_dir *d = &cg->dirs.d[cg->dirs.n];
    char path[PATH_MAX];
    if (resolve(h, clean, absolute, path, sizeof path) < 0)
      return skiff_fail(err, ENAMETOOLONG, "cgroup path too long");
    d->h = (int)i;
    d->fd = -1;
    d->keep = true; /* until we know we made it */
    d->path = strdup(path);
    if (!d->path)
      return skiff_fail_errno(err, ENOMEM, "cgroup path");
    cg->dirs.n++;
    size_t *existing = &cg->existing[cg->dirs.n - 1];
    if (h->unified) {
      /* pure v2: every controller on offer, as runc; hybrid: only those the config needs that
       * no v1 hierarchy has, so that the host's root cgroup2 is left alone otherwise */
      unsigned wanted = l->mode == CG_MODE_V2 ? ~0u : needed & ~v1_mounted;
      d->fd =
          cg_v2_make(h->mount, path, wanted, true, existing, (needed & ~v1_mounted) ? leaf_v2 : NULL, err);
    } else {
      d->fd = cg_v1_make(h->mount, path, existing, err);
    }
    d->keep = *existing == cg_path_depth(path);
    if (d->fd < 0)
      return skiff_error_prefix(err, "cgroup %s", h->mount);
    if (d->keep)
      warn_if_busy(cg, d->fd);
    if (h->controllers & CG_BIT(CG_CPUSET)) {
      bool cpus = res && res->has_cpu && res->cpu.cpus && *res->cpu.cpus;
      bool mems = res && res->has_cpu && res->cpu.mems && *res->cpu.mems;
      cleanup_close int mountfd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (mountfd < 0)
        return skiff_fail_errno(err, errno, "open %s", h->mount);
      if (cg_v1_cpuset_fill(mountfd, path, *existing, cpus, mems, err) < 0)
        return skiff_error_prefix(err, "cgroup %s", h->mount);
    }
  }
  return 0;
}

/* The path cgroup_finish will store, for the state written before clone (a crashed create is
 * reclaimed from it): the v1 directories (all_hierarchies: every one) resolved but not made yet,
 * '~' on those already there. */
static char *planned_path(const struct cgroup *cg, const struct cg_layout *l, bool all_hierarchies) {
  struct cg_dirs plan = cg->dirs;
  size_t first = plan.n;
  char *stored = NULL;
  for (size_t i = 0; i < l->n && plan.n < CG_MAX_HIERARCHIES; i++) {
    if (l->h[i].unified && !all_hierarchies)
      continue;
    char path[PATH_MAX];
    if (resolve(&l->h[i], cg->clean, cg->absolute, path, sizeof path) < 0)
      goto out;
    struct cg_dir *d = &plan.d[plan.n];
    d->h = (int)i;
    d->fd = -1;
    d->path = strdup(path);
    if (!d->path)
      goto out;
    plan.n++;
    char full[PATH_MAX];
    int n = format_string(full, sizeof full, "%s/%s", l->h[i].mount, path);
    d->keep = n > 0 && (size_t)n < sizeof full && access(full, F_OK) == 0;
  }
  stored = cg_dirs_format(&plan);
out:
  for (size_t i = first; i < plan.n; i++)
    free(plan.d[i].path);
  return stored;
}

static struct cgroup *cgroup_alloc(const char *cp, const struct oci_resources *res, struct skiff_error *err) {
  struct cgroup *cg = calloc(1, sizeof *cg);
  if (!cg)
    return skiff_fail_errno(err, ENOMEM, "cgroup"), NULL;
  cgroup_placement_init(&cg->placement);
  cg->res = res;
  cg->shown = cp ? cp : "";
  return cg;
}

/* The systemd driver's half of create: the unit is named and checked, nothing is made yet; the
 * unit can only start with the init's pid (cgroup_finish). */
static int systemd_create(const char *cp, const char *id, const struct oci_resources *res,
                          struct cgroup **out, struct skiff_error *err) {
  struct cg_systemd_unit unit;
  if (cg_systemd_parse(cp, id, &unit, err) < 0)
    return -1;
  if (!cg_systemd_booted())
    return no_systemd_driver(cp, err);
  if (res && cg_validate(res, err) < 0)
    return -1;
  const struct cg_layout *l = cg_layout_get(err);
  if (!l || cg_check_unified(l, res, err) < 0)
    return -1;
  struct cgroup *cg = cgroup_alloc(cp, res, err);
  if (!cg)
    return -1;
  cg->absolute = true;
  snprintf(cg->clean, sizeof cg->clean, "%s", unit.path);
  cg->unit = malloc(sizeof unit);
  cg->id = strdup(id);
  if (cg->unit)
    *cg->unit = unit;
  if (!cg->unit || !cg->id || asprintf(&cg->stored, "@/%s", unit.path) < 0) {
    cg->stored = NULL;
    cgroup_free(cg);
    return skiff_fail_errno(err, ENOMEM, "cgroup");
  }
  *out = cg;
  return 0;
}

int cgroup_create(const struct oci_config *config, const char *id, bool systemd, struct cgroup **out,
                  const struct cgroup_recorder *recorder, struct skiff_error *err) {
  *out = NULL;
  const struct oci_linux *lnx = config->has_linux ? &config->linux_ : NULL;
  const char *cp = lnx ? lnx->cgroups_path : NULL;
  const struct oci_resources *res = lnx && lnx->has_resources ? &lnx->resources : NULL;
  if (systemd || systemd_form(cp))
    return systemd_create(cp, id, res, out, err);
  if (cp && strchr(cp, '\n'))
    return skiff_fail(err, EINVAL, "linux.cgroupsPath: contains a newline");
  if (res && cg_validate(res, err) < 0)
    return -1;
  const struct cg_layout *l = cg_layout_get(err);
  if (!l || cg_check_unified(l, res, err) < 0)
    return -1;
  struct cgroup *cg = cgroup_alloc(cp, res, err);
  if (!cg)
    return -1;
  cg->absolute = cp && cp[0] == '/';
  if (cg_clean_path(cp && *cp ? cp : id, cg->clean, sizeof cg->clean) < 0) {
    skiff_fail(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
    goto fail;
  }
  if (!cg->absolute && !*cg->clean) {
    skiff_fail(err, EINVAL, "linux.cgroupsPath \"%s\": resolves to skiff's own cgroup", cp);
    goto fail;
  }
  if (!cg->absolute && cg_layout_load_own(err) < 0)
    goto fail;
  if (recorder) { /* on record before the first mkdir: a create killed after it leaves no stray cgroup */
    cleanup_free char *planned = planned_path(cg, l, true);
    if (!planned) {
      skiff_fail_errno(err, ENOMEM, "cgroup path");
      goto fail;
    }
    if (recorder->record(planned, recorder->opaque, err) < 0)
      goto fail;
  }
  if (make_dirs(cg, l, true, cg->clean, cg->absolute, res, &cg->leaf_v2, err) < 0)
    goto fail;
  for (size_t i = 0; i < cg->dirs.n; i++)
    if (cg_placement_add(&cg->placement, &l->h[cg->dirs.d[i].h], cg->dirs.d[i].fd, cg->dirs.d[i].path, err) < 0)
      goto fail;
  /* Without root nothing may be deferred: a directory we may not make must show now, so that the
   * caller can run the container without a cgroup (rootless) before anything is cloned. */
  if (l->mode == CG_MODE_V2 || geteuid() != 0) {
    if (cgroup_finish(cg, 0, err) < 0)
      goto fail;
  } else if (!(cg->stored = planned_path(cg, l, false))) {
    skiff_fail_errno(err, ENOMEM, "cgroup path");
    goto fail;
  }
  *out = cg;
  return 0;
fail:;
  struct skiff_error ignored;
  cgroup_destroy(cg, &ignored);
  cgroup_free(cg);
  return -1;
}

bool cgroup_finished(const struct cgroup *cg) {
  return cg->finished;
}

bool cgroup_memory_join_deferrable(const struct cgroup *cg) {
  struct skiff_error ignored;
  const struct cg_layout *l = cg_layout_get(&ignored);
  return l && !cg->unit && !cg->finished && l->v1_of[CG_MEMORY] >= 0;
}

int cgroup_memory_origin_open(struct skiff_error *err) {
  const struct cg_layout *l = cg_layout_get(err);
  if (!l || cg_layout_load_own(err) < 0)
    return -1;
  if (l->v1_of[CG_MEMORY] < 0)
    return skiff_fail(err, ENOENT, "no v1 memory hierarchy");
  const struct cg_hierarchy *h = &l->h[l->v1_of[CG_MEMORY]];
  cleanup_free char *path = xasprintf("%s/%s%stasks", h->mount, h->own, *h->own ? "/" : "");
  if (!path)
    return skiff_fail_errno(err, ENOMEM, "memory cgroup");
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open %s", path);
  return fd;
}

/* systemd: the unit, started with the init in it, gives the cgroup in the hierarchies systemd
 * manages; the others (v1 controllers systemd does not use) are made here, and every limit is
 * written as the fs driver does. The init still moves itself in everywhere: a no-op where systemd
 * put it already. */
static int systemd_finish(struct cgroup *cg, const struct cg_layout *l, pid_t pid, struct skiff_error *err) {
  if (cg_systemd_start(cg->unit, cg->id, pid, cg->res, err) < 0)
    return -1;
  cg->unit_started = true;
  if (make_dirs(cg, l, true, cg->clean, true, cg->res, &cg->leaf_v2, err) < 0 ||
      make_dirs(cg, l, false, cg->clean, true, cg->res, &cg->leaf_v2, err) < 0)
    return skiff_error_prefix(err, "systemd unit %s", cg->unit->name);
  struct cg_target t;
  cg_target_build(&t, l, &cg->dirs, cg->leaf_v2, false);
  if (cg_apply(&t, cg->res, true, err) < 0)
    return -1;
  for (size_t i = 0; i < cg->dirs.n; i++) {
    const struct cg_dir *d = &cg->dirs.d[i];
    if (cg_placement_add(&cg->placement, &l->h[d->h], d->fd, d->path, err) < 0)
      return -1;
  }
  cg->finished = true;
  return 0;
}

int cgroup_finish(struct cgroup *cg, pid_t pid, struct skiff_error *err) {
  if (cg->finished)
    return 0;
  const struct cg_layout *l = cg_layout_get(err);
  if (!l)
    return -1;
  if (cg->unit)
    return systemd_finish(cg, l, pid, err);
  size_t first_v1 = cg->dirs.n;
  if (make_dirs(cg, l, false, cg->clean, cg->absolute, cg->res, &cg->leaf_v2, err) < 0 ||
      check_not_frozen(cg, l, cg->shown, err) < 0)
    return -1;
  bool fresh = true;
  for (size_t i = 0; i < cg->dirs.n; i++)
    fresh = fresh && !cg->dirs.d[i].keep;
  struct cg_target t;
  cg_target_build(&t, l, &cg->dirs, cg->leaf_v2, fresh);
  if (cg_apply(&t, cg->res, true, err) < 0)
    return -1;
  for (size_t i = first_v1; i < cg->dirs.n; i++) {
    const struct cg_dir *d = &cg->dirs.d[i];
    if (cg_placement_add(&cg->placement, &l->h[d->h], d->fd, d->path, err) < 0)
      return -1;
  }
  char *stored = cg_dirs_format(&cg->dirs);
  if (!stored)
    return skiff_fail_errno(err, ENOMEM, "cgroup path");
  free(cg->stored);
  cg->stored = stored;
  cg->finished = true;
  return 0;
}

struct cgroup_placement *cgroup_placement(struct cgroup *cg) {
  return &cg->placement;
}

const char *cgroup_path(const struct cgroup *cg) {
  return cg->stored;
}

int cgroup_destroy(struct cgroup *cg, struct skiff_error *err) {
  const struct cg_layout *l = cg_layout_get(err);
  if (!l || !cg)
    return l ? 0 : -1;
  int ret = 0;
  if (cg->unit_started && cg_systemd_stop(cg->unit->name, err) < 0)
    ret = -1;
  for (size_t i = 0; i < cg->dirs.n; i++) {
    const struct cg_dir *d = &cg->dirs.d[i];
    size_t depth = cg_path_depth(d->path);
    if (d->keep || !d->path)
      continue;
    cleanup_close int mountfd = open(l->h[d->h].mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (mountfd < 0) {
      ret = skiff_fail_errno(err, errno, "open %s", l->h[d->h].mount);
      continue;
    }
    if (cg_rmdir_tree(mountfd, d->path, err) < 0) {
      ret = skiff_fail_errno(err, err->code, "remove cgroup %s/%s", l->h[d->h].mount, d->path);
      continue;
    }
    /* the parents create made, unless something else moved in meanwhile */
    for (size_t k = depth - 1; k > cg->existing[i]; k--) {
      char prefix[PATH_MAX];
      cg_path_prefix(d->path, k, prefix, sizeof prefix);
      if (unlinkat(mountfd, prefix, AT_REMOVEDIR) < 0)
        break;
    }
  }
  return ret;
}

void cgroup_free(struct cgroup *cg) {
  if (!cg)
    return;
  cgroup_placement_close(&cg->placement);
  cg_dirs_release(&cg->dirs);
  free(cg->stored);
  free(cg->unit);
  free(cg->id);
  free(cg);
}

int cgroup_destroy_path(const char *path, struct skiff_error *err) {
  struct cg_dirs dirs;
  /* a systemd unit's cgroup ("@/slice/unit"): the unit goes first, and systemd removes its part */
  if (path[0] == '@' && cg_systemd_booted() && cg_systemd_stop(strrchr(path, '/') + 1, err) < 0)
    return -1;
  if (cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  const struct cg_layout *l = cg_layout_get(err);
  int ret = 0;
  for (size_t i = 0; i < dirs.n; i++) {
    const struct cg_dir *d = &dirs.d[i];
    if (d->keep || !*d->path)
      continue;
    cleanup_close int mountfd = open(l->h[d->h].mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (mountfd < 0)
      ret = skiff_fail_errno(err, errno, "open %s", l->h[d->h].mount);
    else if (cg_rmdir_tree(mountfd, d->path, err) < 0)
      ret = skiff_fail_errno(err, err->code, "remove cgroup %s/%s", l->h[d->h].mount, d->path);
  }
  cg_dirs_release(&dirs);
  return ret;
}

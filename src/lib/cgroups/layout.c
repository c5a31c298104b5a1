/* Which cgroup hierarchies this host has and where they are mounted: pure v2 (one cgroup2 at
 * /sys/fs/cgroup, found with a single statfs), v1, or hybrid (v1 controllers plus a cgroup2,
 * usually at /sys/fs/cgroup/unified). Detected once per process. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "lib/cgroups/systemd.h"
#include "lib/mountinfo.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const v1_names[CG_N_CONTROLLERS] = {
    [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory",   [CG_DEVICES] = "devices",   [CG_FREEZER] = "freezer",
    [CG_BLKIO] = "blkio",     [CG_PIDS] = "pids",         [CG_HUGETLB] = "hugetlb",
    [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
    [CG_RDMA] = "rdma",       [CG_MISC] = "misc",
};

static const char *const v2_names[CG_N_CONTROLLERS] = {
    [CG_CPU] = "cpu",   [CG_CPUSET] = "cpuset",   [CG_MEMORY] = "memory", [CG_BLKIO] = "io",
    [CG_PIDS] = "pids", [CG_HUGETLB] = "hugetlb", [CG_RDMA] = "rdma",     [CG_MISC] = "misc",
};

static struct cg_layout layout;
static bool layout_ready;

const char *cg_v2_name(enum cg_controller c) {
  return v2_names[c];
}

static int find_name(const char *const *names, const char *s, size_t len) {
  for (int c = 0; c < CG_N_CONTROLLERS; c++)
    if (names[c] && strlen(names[c]) == len && !memcmp(names[c], s, len))
      return c;
  return -1;
}

unsigned cg_v2_parse_controllers(const char *list) {
  unsigned mask = 0;
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == '\n')
      p++;
    size_t len = str_cspan(p, " \n");
    if (!len)
      break;
    int c = find_name(v2_names, p, len);
    if (c >= 0)
      mask |= CG_BIT(c);
    p += len;
  }
  return mask;
}

/* The controllers and the "name=" of a comma-separated v1 option or /proc/self/cgroup list. */
static unsigned parse_v1_list(const char *list, char *name, size_t name_size) {
  unsigned mask = 0;
  name[0] = '\0';
  for (const char *p = list; *p;) {
    size_t len = str_cspan(p, ",");
    int c = find_name(v1_names, p, len);
    if (c >= 0)
      mask |= CG_BIT(c);
    else if (len > 5 && !strncmp(p, "name=", 5) && len < name_size) {
      memcpy(name, p, len);
      name[len] = '\0';
    }
    p += len;
    if (*p == ',')
      p++;
  }
  return mask;
}

static void hierarchy_name(struct cg_hierarchy *h, const char *named) {
  size_t len = 0;
  h->name[0] = '\0';
  for (int c = 0; c < CG_N_CONTROLLERS; c++) {
    if (!(h->controllers & CG_BIT(c)))
      continue;
    size_t l = strlen(v1_names[c]);
    if (len + l + 2 >= sizeof h->name)
      break;
    if (len)
      h->name[len++] = ',';
    memcpy(h->name + len, v1_names[c], l + 1);
    len += l;
  }
  if (!len && named)
    format_string(h->name, sizeof h->name, "%s", named);
}

static int add_hierarchy(const char *mount, const char *root, unsigned controllers, const char *named,
                         bool unified, struct skiff_error *err) {
  if (layout.n >= CG_MAX_HIERARCHIES)
    return 0;
  struct cg_hierarchy *h = &layout.h[layout.n];
  h->mount = strdup(mount);
  h->root = strdup(root);
  if (!h->mount || !h->root)
    return skiff_fail_errno(err, ENOMEM, "cgroup layout");
  h->controllers = controllers;
  h->unified = unified;
  if (!unified)
    hierarchy_name(h, named);
  if (unified)
    layout.unified = (int)layout.n;
  for (int c = 0; c < CG_N_CONTROLLERS; c++)
    if (controllers & CG_BIT(c))
      layout.v1_of[c] = (int)layout.n;
  layout.n++;
  return 0;
}

static int scan_mountinfo(struct skiff_error *err) {
  cleanup_free char *text = read_proc_file("/proc/self/mountinfo", err);
  if (!text)
    return -1;
  struct mountinfo_iter it;
  struct mountinfo_entry e;
  mountinfo_iter_init(&it, text);
  int ret = 0;
  while (ret == 0 && mountinfo_iter_next(&it, &e)) {
    if (!strcmp(e.fstype, "cgroup2")) {
      if (layout.unified < 0)
        ret = add_hierarchy(e.mountpoint, e.root, 0, NULL, true, err);
      continue;
    }
    if (strcmp(e.fstype, "cgroup") != 0)
      continue;
    char named[64];
    unsigned mask = parse_v1_list(e.super_options, named, sizeof named);
    if (!mask && strcmp(named, "name=systemd") != 0)
      continue; /* other named hierarchies are nobody's business here */
    bool seen = false;
    for (size_t i = 0; i < layout.n; i++)
      if (!layout.h[i].unified && layout.h[i].controllers == mask &&
          (mask || !strcmp(layout.h[i].name, named)))
        seen = true; /* the same hierarchy mounted twice */
    if (!seen)
      ret = add_hierarchy(e.mountpoint, e.root, mask, named, false, err);
  }
  mountinfo_iter_release(&it);
  return ret;
}

const struct cg_layout *cg_layout_get(struct skiff_error *err) {
  if (layout_ready)
    return &layout;
  layout.unified = -1;
  for (int c = 0; c < CG_N_CONTROLLERS; c++)
    layout.v1_of[c] = -1;
  struct statfs sf;
  if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
    if (add_hierarchy("/sys/fs/cgroup", "/", 0, NULL, true, err) < 0)
      return NULL;
    layout.mode = CG_MODE_V2;
  } else {
    if (scan_mountinfo(err) < 0)
      return NULL;
    unsigned v1 = 0;
    for (size_t i = 0; i < layout.n; i++)
      v1 |= layout.h[i].controllers;
    if (!v1 && layout.unified >= 0)
      layout.mode = CG_MODE_V2;
    else
      layout.mode = layout.unified >= 0 ? CG_MODE_HYBRID : CG_MODE_V1;
  }
  if (!layout.n) {
    skiff_fail(err, ENOENT, "no cgroup filesystem is mounted");
    return NULL;
  }
  layout_ready = true;
  return &layout;
}

/* Our own cgroup in hierarchy h, relative to its mount. */
static int set_own(struct cg_hierarchy *h, const char *path, size_t len) {
  size_t rl = strlen(h->root);
  if (rl > 1 && len >= rl && !strncmp(path, h->root, rl) && (len == rl || path[rl] == '/')) {
    path += rl;
    len -= rl;
  }
  while (len && *path == '/') {
    path++;
    len--;
  }
  free(h->own);
  h->own = strndup(path, len);
  return h->own ? 0 : -1;
}

int cg_layout_load_own(struct skiff_error *err) {
  if (!cg_layout_get(err))
    return -1;
  if (layout.own_loaded)
    return 0;
  cleanup_free char *text = read_proc_file("/proc/self/cgroup", err);
  if (!text)
    return -1;
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    size_t ll = nl ? (size_t)(nl - line) : strlen(line);
    char *c1 = memchr(line, ':', ll);
    char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;
    if (c2) {
      const char *path = c2 + 1;
      size_t plen = ll - (size_t)(path - line);
      char list[256], named[64];
      size_t cl = (size_t)(c2 - c1 - 1);
      if (cl < sizeof list) {
        memcpy(list, c1 + 1, cl);
        list[cl] = '\0';
        unsigned mask = parse_v1_list(list, named, sizeof named);
        for (size_t i = 0; i < layout.n; i++) {
          struct cg_hierarchy *h = &layout.h[i];
          bool match = cl == 0 ? h->unified && !strncmp(line, "0:", 2)
                               : !h->unified && h->controllers == mask && (mask || !strcmp(h->name, named));
          if (match && set_own(h, path, plen) < 0)
            return skiff_fail_errno(err, ENOMEM, "read /proc/self/cgroup");
        }
      }
    }
    line += ll + (nl ? 1 : 0);
  }
  for (size_t i = 0; i < layout.n; i++)
    if (!layout.h[i].own && !(layout.h[i].own = strdup("")))
      return skiff_fail_errno(err, ENOMEM, "read /proc/self/cgroup");
  layout.own_loaded = true;
  return 0;
}

void cgroup_host_support(struct cgroup_support *s) {
  struct skiff_error ignored;
  const struct cg_layout *l = cg_layout_get(&ignored);
  *s = (struct cgroup_support){.systemd = cg_systemd_booted()};
  if (!l)
    return;
  for (size_t i = 0; i < l->n; i++)
    s->v1 = s->v1 || l->h[i].controllers != 0;
  s->v2 = l->unified >= 0;
  s->rdma = l->v1_of[CG_RDMA] >= 0;
  if (!s->rdma && s->v2) {
    char ctl[512] = "";
    cleanup_close int fd = open(l->h[l->unified].mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
    s->rdma = fd >= 0 && cg_read(fd, "cgroup.controllers", ctl, sizeof ctl) >= 0 &&
              (cg_v2_parse_controllers(ctl) & CG_BIT(CG_RDMA));
  }
}

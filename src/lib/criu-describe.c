#include "lib/criu-describe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mountinfo.h"
#include "lib/mounts.h"
#include "lib/utils.h"
#include "oci/cleanup.h"

void criu_description_init(struct criu_description *d) {
  memset(d, 0, sizeof *d);
  for (size_t i = 0; i < CRIU_MAX_INHERIT; i++)
    d->inherit_fds[i] = -1;
}

void criu_description_free(struct criu_description *d) {
  for (size_t i = 0; i < d->n_strings; i++)
    free(d->strings[i]);
  for (size_t i = 0; i < d->n_inherit; i++)
    if (d->inherit_fds[i] >= 0)
      close(d->inherit_fds[i]);
  free(d->strings);
  free(d->maps);
  free(d->map_ptrs);
  free(d->external);
  free(d->roots);
  free(d->root_ptrs);
  criu_description_init(d);
}

/* s, owned by the description from here (NULL: out of memory). */
static char *keep_string(struct criu_description *d, char *s, size_t cap) {
  if (!s || d->n_strings >= cap) {
    free(s);
    return NULL;
  }
  d->strings[d->n_strings++] = s;
  return s;
}

int criu_describe_flags(CriuOpts *o, const struct criu_options *opts, struct skiff_error *err) {
  static const struct {
    const char *name;
    CriuCgMode mode;
  } modes[] = {{"soft", CRIU_CG_MODE__SOFT},
               {"full", CRIU_CG_MODE__FULL},
               {"strict", CRIU_CG_MODE__STRICT},
               {"ignore", CRIU_CG_MODE__IGNORE}};
  if (opts->manage_cgroups_mode && opts->manage_cgroups_mode[0]) {
    size_t i = 0;
    while (i < sizeof modes / sizeof modes[0] && strcmp(modes[i].name, opts->manage_cgroups_mode) != 0)
      i++;
    if (i == sizeof modes / sizeof modes[0])
      return skiff_fail(err, EINVAL, "--manage-cgroups-mode: invalid value \"%s\" (soft, full, strict or ignore)",
                        opts->manage_cgroups_mode);
    o->has_manage_cgroups_mode = true;
    o->manage_cgroups_mode = modes[i].mode;
  }
  if (opts->empty_ns && opts->empty_ns[0]) {
    if (strcmp(opts->empty_ns, "network") != 0)
      return skiff_fail(err, EINVAL, "--empty-ns: invalid value \"%s\" (only \"network\")", opts->empty_ns);
    o->has_empty_ns = true;
    o->empty_ns = 0x40000000; /* CLONE_NEWNET */
  }
  o->has_manage_cgroups = true;
  o->manage_cgroups = true;
  o->has_notify_scripts = true;
  o->notify_scripts = true;
  o->has_shell_job = true;
  o->shell_job = opts->shell_job;
  o->has_tcp_established = true;
  o->tcp_established = opts->tcp_established;
  o->has_ext_unix_sk = true;
  o->ext_unix_sk = opts->ext_unix_sk;
  o->has_file_locks = true;
  o->file_locks = opts->file_locks;
  o->has_auto_dedup = true;
  o->auto_dedup = opts->auto_dedup;
  o->has_lazy_pages = true;
  o->lazy_pages = opts->lazy_pages;
  if (opts->status_fd >= 0) {
    o->has_status_fd = true;
    o->status_fd = opts->status_fd;
  }
  o->has_log_level = true;
  o->log_level = 4;
  /* the network lock stays criu's default, iptables, as runc's: criu 3.17's nftables lock outlives a
   * restore (its table is named after the dumped pid, the unlock looks for the restored one) */
  return 0;
}

/* The namespaces criu can take as external, by the key both sides use (runc's keys). */
static const struct {
  enum oci_ns_type type;
  const char *criu_name, *key;
} external_ns[] = {{OCI_NS_NETWORK, "net", "extRootNetNS"}, {OCI_NS_PID, "pid", "extRootPidNS"}};

int criu_describe_config(struct criu_description *d, CriuOpts *o, const struct oci_config *config,
                         const char *bundle, pid_t pid, struct skiff_error *err) {
  size_t cap = config->n_mounts + 2 + CRIU_MAX_CGROUP_MOUNTS;
  d->cap_maps = cap;
  d->maps = calloc(cap, sizeof *d->maps);
  d->map_ptrs = calloc(cap, sizeof *d->map_ptrs);
  d->strings = calloc(2 * cap, sizeof *d->strings);
  d->external = calloc(cap, sizeof *d->external);
  if (!d->maps || !d->map_ptrs || !d->strings || !d->external)
    return skiff_fail_errno(err, ENOMEM, "criu request");
  /* bind mounts: criu does not dump the host's file systems; the destination names each one on
   * both sides, the restore maps it to its source */
  for (size_t i = 0; i < config->n_mounts; i++) {
    const struct oci_mount *m = &config->mounts[i];
    if (!mount_is_bind(m))
      continue;
    ExtMountMap *map = &d->maps[d->n_maps];
    ext_mount_map__init(map);
    map->key = m->destination;
    if (pid > 0)
      map->val = m->destination;
    else if (m->source && m->source[0] == '/')
      map->val = m->source;
    else if (!(map->val = keep_string(d, xasprintf("%s/%s", bundle, m->source ? m->source : ""), 2 * cap)))
      return skiff_fail_errno(err, ENOMEM, "criu request");
    d->map_ptrs[d->n_maps++] = map;
  }
  o->n_ext_mnt = d->n_maps;
  o->ext_mnt = d->map_ptrs;
  /* namespaces joined by path: criu leaves them alone on dump and is handed them on restore */
  for (size_t i = 0; i < sizeof external_ns / sizeof external_ns[0]; i++) {
    const struct oci_namespace *ns = oci_config_namespace(config, external_ns[i].type);
    if (!ns || !ns->path)
      continue;
    if (pid > 0) {
      struct stat st;
      if (stat(ns->path, &st) < 0)
        return skiff_fail_errno(err, errno, "linux.namespaces: %s namespace %s", external_ns[i].criu_name, ns->path);
      char *s = keep_string(d, xasprintf("%s[%lu]:%s", external_ns[i].criu_name, (unsigned long)st.st_ino,
                                         external_ns[i].key), 2 * cap);
      if (!s)
        return skiff_fail_errno(err, ENOMEM, "criu request");
      d->external[d->n_external++] = s;
    } else {
      int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return skiff_fail_errno(err, errno, "linux.namespaces: %s namespace %s", external_ns[i].criu_name, ns->path);
      size_t k = d->n_inherit++;
      d->inherit_fds[k] = fd;
      inherit_fd__init(&d->inherit[k]);
      d->inherit[k].key = (char *)external_ns[i].key;
      d->inherit[k].fd = fd;
      d->inherit_ptrs[k] = &d->inherit[k];
    }
  }
  o->n_external = d->n_external;
  o->external = d->external;
  o->n_inherit_fd = d->n_inherit;
  o->inherit_fd = d->inherit_ptrs;
  return 0;
}

static const struct oci_mount *cgroup_mount(const struct oci_config *config) {
  for (size_t i = 0; i < config->n_mounts; i++)
    if (config->mounts[i].type && !strcmp(config->mounts[i].type, "cgroup"))
      return &config->mounts[i];
  return NULL;
}

/* The path of the /proc/<pid>/cgroup line ("id:ctrls:path") whose controllers are all among a v1
 * hierarchy's super options, and its id; NULL when none. */
static const char *own_cgroup(const char *cgroups, const char *super_options, unsigned long *id, size_t *len) {
  for (const char *p = cgroups; *p;) {
    size_t n = strcspn(p, "\n");
    const char *c1 = memchr(p, ':', n);
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p + n - c1 - 1)) : NULL;
    if (c2 && c2 > c1 + 1) {
      bool all = true;
      for (const char *w = c1 + 1; w < c2 && all;) {
        const char *comma = memchr(w, ',', (size_t)(c2 - w));
        size_t wl = comma ? (size_t)(comma - w) : (size_t)(c2 - w);
        all = option_list_has(super_options, w, wl);
        w += wl + 1;
      }
      if (all) {
        *id = strtoul(p, NULL, 10);
        *len = (size_t)(p + n - c2 - 1);
        return c2 + 1;
      }
    }
    p += n;
    if (*p == '\n')
      p++;
  }
  return NULL;
}

static int add_ext_mount(struct criu_description *d, char *key, char *val, struct skiff_error *err) {
  if (d->n_maps >= d->cap_maps) {
    free(key);
    free(val);
    return skiff_fail(err, E2BIG, "criu request: more than %d cgroup hierarchies", CRIU_MAX_CGROUP_MOUNTS);
  }
  if (!(key = keep_string(d, key, 2 * d->cap_maps))) {
    free(val);
    return skiff_fail_errno(err, ENOMEM, "criu request");
  }
  if (!(val = keep_string(d, val, 2 * d->cap_maps)))
    return skiff_fail_errno(err, ENOMEM, "criu request");
  ExtMountMap *map = &d->maps[d->n_maps];
  ext_mount_map__init(map);
  map->key = key;
  map->val = val;
  d->map_ptrs[d->n_maps++] = map;
  return 0;
}

int criu_describe_cgroup_mounts(struct criu_description *d, CriuOpts *o, const struct oci_config *config, pid_t pid,
                                const char *self_cgroups, struct skiff_error *err) {
  const struct oci_mount *m = cgroup_mount(config);
  if (!m || oci_config_namespace(config, OCI_NS_CGROUP) || (pid <= 0 && !self_cgroups))
    return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mountinfo", pid > 0 ? (int)pid : (int)getpid());
  cleanup_free char *mountinfo = read_proc_file(path, err);
  if (!mountinfo)
    return -1;
  size_t dest_len = strlen(m->destination);
  while (dest_len > 1 && m->destination[dest_len - 1] == '/')
    dest_len--;
  struct mountinfo_iter it;
  struct mountinfo_entry e;
  uint64_t done = 0; /* hierarchy ids already described: the host may mount one twice */
  int ret = 0;
  mountinfo_iter_init(&it, mountinfo);
  while (ret == 0 && mountinfo_iter_next(&it, &e)) {
    if (strcmp(e.fstype, "cgroup") != 0)
      continue;
    if (pid > 0) { /* the init's own: under the cgroup mount's destination */
      if (strncmp(e.mountpoint, m->destination, dest_len) != 0 || e.mountpoint[dest_len] != '/')
        continue;
      ret = add_ext_mount(d, strdup(e.mountpoint), strdup(e.mountpoint), err);
      continue;
    }
    unsigned long id;
    size_t len;
    const char *cg = own_cgroup(self_cgroups, e.super_options, &id, &len);
    if (!cg || (id < 64 && (done & (1ull << id))))
      continue;
    if (id < 64)
      done |= 1ull << id;
    const char *name = strrchr(e.mountpoint, '/');
    name = name ? name + 1 : e.mountpoint;
    ret = add_ext_mount(d, xasprintf("%.*s/%s", (int)dest_len, m->destination, name),
                        xasprintf("%s%.*s", e.mountpoint, (int)(len == 1 && cg[0] == '/' ? 0 : len), cg), err);
  }
  mountinfo_iter_release(&it);
  o->n_ext_mnt = d->n_maps;
  o->ext_mnt = d->map_ptrs;
  return ret;
}

int criu_describe_cgroup_roots(struct criu_description *d, CriuOpts *o, const char *stored_path,
                               struct skiff_error *err) {
  if (!stored_path)
    return 0;
  size_t lines = 1;
  for (const char *p = stored_path; *p; p++)
    lines += *p == '\n';
  d->roots = calloc(lines, sizeof *d->roots);
  d->root_ptrs = calloc(lines, sizeof *d->root_ptrs);
  char **strings = realloc(d->strings, (d->n_strings + 2 * lines) * sizeof *strings);
  if (!d->roots || !d->root_ptrs || !strings)
    return skiff_fail_errno(err, ENOMEM, "criu request");
  d->strings = strings;
  size_t cap = d->n_strings + 2 * lines;
  const char *p = stored_path;
  if (*p == '@' || *p == '~')
    p++;
  while (*p) {
    size_t len = strcspn(p, "\n");
    const char *colon = memchr(p, ':', len);
    CgroupRoot *r = &d->roots[d->n_roots];
    cgroup_root__init(r);
    const char *path = p;
    if (colon && *p != '/') { /* "name:/path": one hierarchy's */
      if (colon > p && !(r->ctrl = keep_string(d, strndup(p, (size_t)(colon - p)), cap)))
        return skiff_fail_errno(err, ENOMEM, "criu request");
      path = colon + 1;
      if (*path == '~')
        path++;
    }
    if (!(r->path = keep_string(d, strndup(path, (size_t)(p + len - path)), cap)))
      return skiff_fail_errno(err, ENOMEM, "criu request");
    d->root_ptrs[d->n_roots++] = r;
    p += len;
    if (*p == '\n')
      p++;
  }
  o->n_cg_root = d->n_roots;
  o->cg_root = d->root_ptrs;
  return 0;
}

static int open_dir(const char *path, bool create, const char *what, struct skiff_error *err) {
  if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
    return skiff_fail_errno(err, errno, "%s %s", what, path);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "%s %s", what, path);
  return fd;
}

int criu_open_dirs(CriuOpts *o, const char *image_path, bool create_images, const char *work_path, int *images_fd,
                   int *work_fd, struct skiff_error *err) {
  if ((*images_fd = open_dir(image_path, create_images, "--image-path", err)) < 0)
    return -1;
  o->images_dir_fd = *images_fd;
  if (!work_path || !work_path[0])
    return 0;
  if ((*work_fd = open_dir(work_path, true, "--work-path", err)) < 0)
    return -1;
  o->has_work_dir_fd = true;
  o->work_dir_fd = *work_fd;
  return 0;
}

#include "lib/criu-describe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mounts.h"
#include "lib/utils.h"

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
  size_t cap = config->n_mounts + 2;
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

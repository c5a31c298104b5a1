/* The resolved cgroup path as one string, for the state file: "/a/b" when every hierarchy uses
 * the same path (the usual case), otherwise one "name:/path" line per hierarchy (a relative
 * cgroupsPath under our own cgroup, which may differ between v1 hierarchies). A leading '~'
 * marks a directory that existed before skiff: delete leaves it in place. A leading '@' marks the
 * cgroup of a systemd unit (systemd.h), named by the last component; the path is that of every
 * hierarchy. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/str.h"

int cg_clean_path(const char *in, char *out, size_t size) {
  size_t len = 0;
  const char *p = in;
  while (*p) {
    while (*p == '/')
      p++;
    size_t cl = str_cspan(p, "/");
    if (!cl)
      break;
    if (cl == 1 && p[0] == '.') {
      /* nothing */
    } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
      while (len && out[len - 1] != '/')
        len--; /* ".." never climbs above the start */
      if (len)
        len--;
    } else {
      if (len + (len ? 1 : 0) + cl + 1 > size)
        return -1;
      if (len)
        out[len++] = '/';
      memcpy(out + len, p, cl);
      len += cl;
    }
    p += cl;
  }
  if (size == 0)
    return -1;
  out[len] = '\0';
  return 0;
}

void cg_dirs_release(struct cg_dirs *dirs) {
  for (size_t i = 0; i < dirs->n; i++) {
    free(dirs->d[i].path);
    if (dirs->d[i].fd >= 0)
      close(dirs->d[i].fd);
  }
  dirs->n = 0;
}

static int add_dir(struct cg_dirs *dirs, int h, const char *path, size_t len, bool keep,
                   struct skiff_error *err) {
  char raw[PATH_MAX], clean[PATH_MAX];
  if (len >= sizeof raw)
    return skiff_fail(err, ENAMETOOLONG, "cgroup path too long");
  memcpy(raw, path, len);
  raw[len] = '\0';
  if (cg_clean_path(raw, clean, sizeof clean) < 0)
    return skiff_fail(err, ENAMETOOLONG, "cgroup path too long");
  struct cg_dir *d = &dirs->d[dirs->n];
  d->h = h;
  d->keep = keep;
  d->fd = -1;
  d->path = strdup(clean);
  if (!d->path)
    return skiff_fail_errno(err, ENOMEM, "cgroup path");
  dirs->n++;
  return 0;
}

int cg_dirs_parse(const char *stored, struct cg_dirs *dirs, struct skiff_error *err) {
  dirs->n = 0;
  const struct cg_layout *l = cg_layout_get(err);
  if (!l)
    return -1;
  if (stored[0] == '@')
    stored++;
  if (stored[0] == '/' || (stored[0] == '~' && stored[1] == '/')) {
    bool keep = stored[0] == '~';
    const char *path = stored + (keep ? 1 : 0);
    for (size_t i = 0; i < l->n; i++)
      if (add_dir(dirs, (int)i, path, strlen(path), keep, err) < 0)
        goto fail;
    return 0;
  }
  for (const char *p = stored; *p;) {
    size_t ll = str_cspan(p, "\n");
    bool keep = *p == '~';
    const char *name = p + (keep ? 1 : 0);
    const char *colon = memchr(name, ':', ll - (size_t)(name - p));
    if (!colon || colon[1] != '/') {
      skiff_fail(err, EINVAL, "malformed cgroup path \"%s\"", stored);
      goto fail;
    }
    size_t nl = (size_t)(colon - name);
    for (size_t i = 0; i < l->n; i++) {
      const struct cg_hierarchy *h = &l->h[i];
      if (strlen(h->name) == nl && !strncmp(h->name, name, nl) && !cg_dirs_find(dirs, (int)i) &&
          add_dir(dirs, (int)i, colon + 1, ll - (size_t)(colon + 1 - p), keep, err) < 0)
        goto fail;
    }
    p += ll;
    if (*p == '\n')
      p++;
  }
  return 0;
fail:
  cg_dirs_release(dirs);
  return -1;
}

char *cg_dirs_format(const struct cg_dirs *dirs) {
  const struct cg_layout *l = cg_layout_get(&(struct skiff_error){0});
  bool uniform = l && dirs->n == l->n;
  for (size_t i = 1; uniform && i < dirs->n; i++)
    if (strcmp(dirs->d[i].path, dirs->d[0].path) != 0 || dirs->d[i].keep != dirs->d[0].keep)
      uniform = false;
  size_t cap = 2;
  for (size_t i = 0; i < dirs->n; i++)
    cap += strlen(dirs->d[i].path) + sizeof l->h[0].name + 4;
  char *s = malloc(cap);
  if (!s)
    return NULL;
  if (uniform && dirs->n) {
    format_string(s, cap, "%s/%s", dirs->d[0].keep ? "~" : "", dirs->d[0].path);
    return s;
  }
  size_t len = 0;
  s[0] = '\0';
  for (size_t i = 0; i < dirs->n; i++)
    len += (size_t)format_string(s + len, cap - len, "%s%s%s:/%s", i ? "\n" : "", dirs->d[i].keep ? "~" : "",
                                 l->h[dirs->d[i].h].name, dirs->d[i].path);
  return s;
}

int cg_dir_open(const struct cg_dir *d) {
  const struct cg_layout *l = cg_layout_get(&(struct skiff_error){0});
  char path[PATH_MAX];
  if (!l || format_string(path, sizeof path, "%s/%s", l->h[d->h].mount, d->path) >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

struct cg_dir *cg_dirs_find(struct cg_dirs *dirs, int hierarchy) {
  for (size_t i = 0; i < dirs->n; i++)
    if (dirs->d[i].h == hierarchy)
      return &dirs->d[i];
  return NULL;
}

int cg_dirs_index_for(const struct cg_dirs *dirs, enum cg_controller c, bool *v2) {
  const struct cg_layout *l = cg_layout_get(&(struct skiff_error){0});
  *v2 = false;
  if (!l)
    return -1;
  for (int pass = 0; pass < 2; pass++) {
    int want =
        pass == 0 ? l->v1_of[c] : (cg_v2_name(c) || c == CG_FREEZER || c == CG_DEVICES ? l->unified : -1);
    if (want < 0)
      continue;
    for (size_t i = 0; i < dirs->n; i++)
      if (dirs->d[i].h == want) {
        *v2 = pass == 1;
        return (int)i;
      }
  }
  return -1;
}

/* The Features structure as JSON, in the order of the Go structs runc marshals. */
#include "oci/features.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/json-write.h"

static void write_names(struct json_writer *w, const char *key, const struct oci_names *names) {
  json_write_kstrings(w, key, names->v, names->n);
}

static void write_enabled(struct json_writer *w, const char *key, bool enabled) {
  json_write_key(w, key);
  json_write_begin_object(w);
  json_write_kbool(w, "enabled", enabled);
  json_write_end_object(w);
}

static void write_linux(struct json_writer *w, const struct oci_features_linux *l) {
  json_write_key(w, "linux");
  json_write_begin_object(w);
  write_names(w, "namespaces", &l->namespaces);
  write_names(w, "capabilities", &l->capabilities);

  json_write_key(w, "cgroup");
  json_write_begin_object(w);
  json_write_kbool(w, "v1", l->cgroup_v1);
  json_write_kbool(w, "v2", l->cgroup_v2);
  json_write_kbool(w, "systemd", l->cgroup_systemd);
  json_write_kbool(w, "systemdUser", l->cgroup_systemd_user);
  json_write_kbool(w, "rdma", l->cgroup_rdma);
  json_write_end_object(w);

  json_write_key(w, "seccomp");
  json_write_begin_object(w);
  json_write_kbool(w, "enabled", l->seccomp_enabled);
  write_names(w, "actions", &l->seccomp_actions);
  write_names(w, "operators", &l->seccomp_operators);
  write_names(w, "archs", &l->seccomp_archs);
  write_names(w, "knownFlags", &l->seccomp_known_flags);
  write_names(w, "supportedFlags", &l->seccomp_supported_flags);
  json_write_end_object(w);

  write_enabled(w, "apparmor", l->apparmor_enabled);
  write_enabled(w, "selinux", l->selinux_enabled);
  write_enabled(w, "intelRdt", l->intel_rdt_enabled);

  json_write_key(w, "mountExtensions");
  json_write_begin_object(w);
  write_enabled(w, "idmap", l->idmap_mounts_enabled);
  json_write_end_object(w);
  json_write_end_object(w);
}



char *oci_features_to_json(const struct oci_features *f, struct skiff_error *err) {
  struct json_writer w;
  json_writer_init(&w, "    ");
  json_write_begin_object(&w);
  json_write_kstring(&w, "ociVersionMin", f->oci_version_min);
  json_write_kstring(&w, "ociVersionMax", f->oci_version_max);
  write_names(&w, "hooks", &f->hooks);
  write_names(&w, "mountOptions", &f->mount_options);
  write_linux(&w, &f->linux_);
  if (json_write_sorted_map(&w, "annotations", f->annotations, f->n_annotations) < 0)
    w.failed = true;
  write_names(&w, "potentiallyUnsafeConfigAnnotations", &f->potentially_unsafe_annotations);
  json_write_end_object(&w);
  char *json = json_writer_finish(&w);
  if (!json) {
    skiff_fail(err, ENOMEM, "features: out of memory");
    return NULL;
  }
  size_t len = strlen(json);
  char *out = realloc(json, len + 2);
  if (!out) {
    free(json);
    skiff_fail(err, ENOMEM, "features: out of memory");
    return NULL;
  }
  memcpy(out + len, "\n", 2);
  return out;
}

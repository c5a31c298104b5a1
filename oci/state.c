/* The container state: runc's `state` output, skiff's state file, and the state hooks read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"
#include "oci/json-write.h"
#include "oci/state.h"



static void write_strv(struct json_writer *w, const char *key, const struct oci_strv *v) {
  if (v->n)
    json_write_kstrings(w, key, (const char *const *)v->v, v->n);
}

static void write_hooks(struct json_writer *w, const char *key, const struct oci_hook_list *list) {
  if (!list->n)
    return;
  json_write_key(w, key);
  json_write_begin_array(w);
  for (size_t i = 0; i < list->n; i++) {
    const struct oci_hook *h = &list->v[i];
    json_write_begin_object(w);
    json_write_kstring(w, "path", h->path);
    write_strv(w, "args", &h->args);
    write_strv(w, "env", &h->env);
    if (h->has_timeout)
      json_write_kint(w, "timeout", h->timeout);
    json_write_end_object(w);
  }
  json_write_end_array(w);
}

static char *finish(struct json_writer *w, struct skiff_error *err) {
  char *json = json_writer_finish(w);
  if (!json)
    skiff_fail(err, ENOMEM, "state: out of memory");
  return json;
}

/* Field order and omissions follow runc's struct: annotations only when there are some. */
char *oci_state_to_json(const struct oci_state *s, const char *status, bool internal,
                        struct skiff_error *err) {
  struct json_writer w;
  json_writer_init(&w, internal ? NULL : "  ");
  json_write_begin_object(&w);
  json_write_kstring(&w, "ociVersion", s->oci_version);
  json_write_kstring(&w, "id", s->id);
  json_write_kint(&w, "pid", s->pid);
  if (status)
    json_write_kstring(&w, "status", status);
  json_write_kstring(&w, "bundle", s->bundle);
  json_write_kstring(&w, "rootfs", s->rootfs);
  json_write_kstring(&w, "created", s->created);
  if (s->n_annotations && json_write_sorted_map(&w, "annotations", s->annotations, s->n_annotations) < 0)
    w.failed = true;
  json_write_kstring(&w, "owner", s->owner);
  if (internal) {
    json_write_kuint(&w, "pidStartTime", s->pid_start_time);
    if (s->cgroup_path)
      json_write_kstring(&w, "cgroupPath", s->cgroup_path);
    json_write_kbool(&w, "systemdCgroup", s->systemd_cgroup);
    json_write_kbool(&w, "rootless", s->rootless);
    json_write_kbool(&w, "newPidNs", s->new_pid_ns);
    if (s->exec_ptrace)
      json_write_kbool(&w, "execPtrace", true);
    write_hooks(&w, "poststart", &s->poststart);
    write_hooks(&w, "poststop", &s->poststop);
  }
  json_write_end_object(&w);
  return finish(&w, err);
}

/* runtime-spec's State as runc hands it to hooks: compact, pid and annotations omitted when
 * empty. */
char *oci_state_hook_json(const struct oci_state *s, const char *status, struct skiff_error *err) {
  struct json_writer w;
  json_writer_init(&w, NULL);
  json_write_begin_object(&w);
  json_write_kstring(&w, "ociVersion", s->oci_version);
  json_write_kstring(&w, "id", s->id);
  json_write_kstring(&w, "status", status);
  if (s->pid > 0)
    json_write_kint(&w, "pid", s->pid);
  json_write_kstring(&w, "bundle", s->bundle);
  if (s->n_annotations && json_write_sorted_map(&w, "annotations", s->annotations, s->n_annotations) < 0)
    w.failed = true;
  json_write_end_object(&w);
  return finish(&w, err);
}

static int parse_state(struct json_ctx *c, struct oci_state *s) {
  const uint32_t top = 0;
  int64_t pid = 0;
  uint32_t node = json_member(c, top, "pid");
  if (json_expect_object(c, top) < 0 ||
      json_get_string(c, top, "ociVersion", &s->oci_version, JSON_OPTIONAL) < 0 ||
      json_get_string(c, top, "id", &s->id, JSON_REQUIRED) < 0)
    return -1;
  if (node) {
    size_t mark = json_path_key(c, "pid");
    if (json_node_i64(c, node, 0, INT32_MAX, "a pid", &pid) < 0)
      return -1;
    json_path_pop(c, mark);
  }
  s->pid = (int)pid;
  if (json_get_u64(c, top, "pidStartTime", &s->pid_start_time, JSON_OPTIONAL) < 0 ||
      json_get_string(c, top, "bundle", &s->bundle, JSON_REQUIRED) < 0 ||
      json_get_string(c, top, "rootfs", &s->rootfs, JSON_OPTIONAL) < 0 ||
      json_get_string(c, top, "created", &s->created, JSON_OPTIONAL) < 0 ||
      json_get_string(c, top, "owner", &s->owner, JSON_OPTIONAL) < 0 ||
      json_get_kv(c, top, "annotations", &s->annotations, &s->n_annotations) < 0 ||
      json_get_string(c, top, "cgroupPath", &s->cgroup_path, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, top, "systemdCgroup", &s->systemd_cgroup, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, top, "rootless", &s->rootless, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, top, "newPidNs", &s->new_pid_ns, JSON_OPTIONAL) < 0 ||
      json_get_bool(c, top, "execPtrace", &s->exec_ptrace, JSON_OPTIONAL) < 0 ||
      oci_parse_hook_list(c, top, "poststart", &s->poststart) < 0 ||
      oci_parse_hook_list(c, top, "poststop", &s->poststop) < 0)
    return -1;
  return 0;
}

struct oci_state *oci_state_parse(const char *json, size_t len, const char *source, struct skiff_error *err) {
  struct json_doc doc;
  if (json_doc_parse(&doc, json, len, source, err) < 0)
    return NULL;
  struct json_ctx c;
  json_ctx_init(&c, &doc, source, err);
  struct oci_state *state = calloc(1, sizeof *state);
  if (!state)
    json_oom(&c);
  else if (parse_state(&c, state) < 0) {
    oci_state_free(state);
    state = NULL;
  }
  json_doc_free(&doc);
  return state;
}

void oci_state_free(struct oci_state *s) {
  if (!s)
    return;
  free(s->oci_version);
  free(s->id);
  free(s->bundle);
  free(s->rootfs);
  free(s->created);
  free(s->owner);
  oci_kv_free(s->annotations, s->n_annotations);
  free(s->cgroup_path);
  oci_hook_list_clear(&s->poststart);
  oci_hook_list_clear(&s->poststop);
  free(s);
}

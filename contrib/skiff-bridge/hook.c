#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "conf.h"
#include "ipam.h"
#include "json-util.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "plugin-exec.h"
#include "result.h"

#define INPUT_MAX (1 << 20)
#define SELF_TYPE "skiff-bridge"

/* ---- the container's state -------------------------------------------------------------------- */

struct hook_state {
  char *id;
  int32_t pid;
  char *config; /* the annotation naming the network configuration */
  char *ports;  /* the port mappings annotation, JSON text */
};

static int parse_state(const char *json, size_t len, struct hook_state *st, struct skiff_error *err) {
  struct json_doc doc;
  if (json_doc_parse(&doc, json, len, "state", err) < 0)
    return -1;
  struct json_ctx c;
  json_ctx_init(&c, &doc, "state", err);
  struct oci_kv *kv = NULL;
  size_t n_kv = 0;
  int ret = json_expect_object(&c, 0) < 0 || json_get_string(&c, 0, "id", &st->id, JSON_REQUIRED) < 0 ||
                    json_get_i32(&c, 0, "pid", &st->pid, JSON_OPTIONAL) < 0 ||
                    json_get_kv(&c, 0, "annotations", &kv, &n_kv) < 0
                ? -1
                : 0;
  for (size_t i = 0; i < n_kv; i++) {
    if (!strcmp(kv[i].key, HOOK_CONFIG_ANNOTATION))
      st->config = steal_pointer(&kv[i].value);
    else if (!strcmp(kv[i].key, HOOK_PORTS_ANNOTATION))
      st->ports = steal_pointer(&kv[i].value);
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
  json_doc_free(&doc);
  if (ret == 0 && !cni_valid_id(st->id))
    ret = skiff_fail(err, EINVAL, "state: id: \"%s\" cannot be a CNI container id", st->id);
  return ret;
}

/* ---- the network configuration --------------------------------------------------------------- */

struct netconf {
  const char *path;
  struct json_doc doc;
  struct json_ctx c;
  char *name;
  char version[CNI_VERSION_MAX];
  uint32_t *plugins; /* nodes of the plugin objects; the root for a single plugin config */
  size_t n_plugins;
  char data_dir[4096]; /* where the result is kept */
};

/* The highest version of cniVersion and cniVersions that skiff-bridge speaks. */
static int pick_version(struct netconf *nc, struct skiff_error *err) {
  nc->version[0] = '\0';
  uint32_t v = json_member(&nc->c, 0, "cniVersion"), list = json_member(&nc->c, 0, "cniVersions");
  uint32_t candidates[64];
  size_t n = 0;
  if (v)
    candidates[n++] = v;
  if (list && json_node(&nc->c, list)->type == JSON_ARRAY)
    for (uint32_t e = json_first(&nc->c, list); e && n < 64; e = json_next(&nc->c, e))
      candidates[n++] = e;
  for (size_t i = 0; i < n; i++) {
    const char *s = json_node(&nc->c, candidates[i])->type == JSON_STRING ? json_text(&nc->c, candidates[i]) : NULL;
    if (cni_version_supported(s) && (!nc->version[0] || cni_version_cmp(s, nc->version) > 0))
      format_string(nc->version, sizeof nc->version, "%s", s);
  }
  if (!nc->version[0])
    return skiff_fail(err, EINVAL, "%s: cniVersion: none of the versions given is one skiff-bridge speaks "
                      "(0.3.0 to 1.1.0)", nc->path);
  return 0;
}

/* The first skiff-bridge plugin with the built-in IPAM names the directory, else the default. */
static void pick_data_dir(struct netconf *nc) {
  format_string(nc->data_dir, sizeof nc->data_dir, "%s", IPAM_DEFAULT_DATA_DIR);
  for (size_t i = 0; i < nc->n_plugins; i++) {
    uint32_t p = nc->plugins[i], type = json_member(&nc->c, p, "type"), ipam = json_member(&nc->c, p, "ipam");
    if (!type || json_node(&nc->c, type)->type != JSON_STRING || strcmp(json_text(&nc->c, type), SELF_TYPE))
      continue;
    if (!ipam || json_node(&nc->c, ipam)->type != JSON_OBJECT)
      return;
    uint32_t itype = json_member(&nc->c, ipam, "type"), dir = json_member(&nc->c, ipam, "dataDir");
    if (itype && json_node(&nc->c, itype)->type == JSON_STRING && !strcmp(json_text(&nc->c, itype), "host-local") &&
        dir && json_node(&nc->c, dir)->type == JSON_STRING && *json_text(&nc->c, dir))
      format_string(nc->data_dir, sizeof nc->data_dir, "%s", json_text(&nc->c, dir));
    return;
  }
}

static int load_netconf(const char *path, struct netconf *nc, struct skiff_error *err) {
  nc->path = path;
  size_t len;
  cleanup_free char *text = read_file_limited(AT_FDCWD, path, INPUT_MAX, &len, err);
  if (!text || json_doc_parse(&nc->doc, text, len, path, err) < 0)
    return -1;
  json_ctx_init(&nc->c, &nc->doc, path, err);
  uint32_t plugins;
  size_t mark;
  if (json_expect_object(&nc->c, 0) < 0 || json_get_string(&nc->c, 0, "name", &nc->name, JSON_REQUIRED) < 0)
    return -1;
  int r = json_enter_array(&nc->c, 0, "plugins", "an array of plugin configurations", &plugins, &mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  size_t n = r > 0 ? json_count(&nc->c, plugins) : 1;
  if (!(nc->plugins = calloc(n, sizeof *nc->plugins)))
    return skiff_fail(err, ENOMEM, "out of memory");
  if (r == 0) {
    nc->plugins[nc->n_plugins++] = 0; /* a single plugin configuration */
  } else {
    for (uint32_t e = json_first(&nc->c, plugins); e; e = json_next(&nc->c, e)) {
      size_t item = json_path_index(&nc->c, nc->n_plugins);
      cleanup_free char *type = NULL;
      if (json_expect_object(&nc->c, e) < 0 || json_get_string(&nc->c, e, "type", &type, JSON_REQUIRED) < 0)
        return -1;
      json_path_pop(&nc->c, item);
      nc->plugins[nc->n_plugins++] = e;
    }
    json_path_pop(&nc->c, mark);
    if (!nc->n_plugins)
      return skiff_fail(err, EINVAL, "%s: plugins: empty", path);
  }
  if (pick_version(nc, err) < 0)
    return -1;
  pick_data_dir(nc);
  return 0;
}

static void netconf_free(struct netconf *nc) {
  json_doc_free(&nc->doc);
  free(nc->name);
  free(nc->plugins);
}

/* ---- running the plugins ---------------------------------------------------------------------- */

static bool wants_ports(const struct netconf *nc, uint32_t plugin) {
  uint32_t caps = json_member(&nc->c, plugin, "capabilities");
  uint32_t pm = caps && json_node(&nc->c, caps)->type == JSON_OBJECT ? json_member(&nc->c, caps, "portMappings") : 0;
  return pm && json_node(&nc->c, pm)->type == JSON_BOOL && json_node(&nc->c, pm)->boolean;
}

/* Writes the parsed JSON text s as a member key. */
static int write_json_member(struct json_writer *w, const char *key, const char *s, struct skiff_error *err) {
  struct json_doc doc;
  if (json_doc_parse(&doc, s, strlen(s), key, err) < 0)
    return -1;
  struct json_ctx c;
  json_ctx_init(&c, &doc, key, err);
  json_write_key(w, key);
  json_write_node(w, &c, 0);
  json_doc_free(&doc);
  return 0;
}

/* SPEC.md "Deriving request configuration": the plugin's object with cniVersion and name of the
 * list, runtimeConfig from the capabilities, prevResult; capabilities dropped. */
static char *request_json(const struct netconf *nc, uint32_t plugin, const char *prev, const char *ports,
                          struct skiff_error *err) {
  static const char *const skip[] = {"cniVersion", "cniVersions", "name", "capabilities", "runtimeConfig",
                                     "prevResult", "plugins", "disableCheck", "disableGC",
                                     "loadOnlyInlinedPlugins", NULL};
  struct json_writer w;
  json_writer_init(&w, NULL);
  json_write_begin_object(&w);
  json_write_kstring(&w, "cniVersion", nc->version);
  json_write_kstring(&w, "name", nc->name);
  json_write_members_except(&w, &nc->c, plugin, skip);
  if (ports && wants_ports(nc, plugin)) {
    json_write_key(&w, "runtimeConfig");
    json_write_begin_object(&w);
    if (write_json_member(&w, "portMappings", ports, err) < 0) {
      free(json_writer_finish(&w));
      return NULL;
    }
    json_write_end_object(&w);
  }
  if (prev && write_json_member(&w, "prevResult", prev, err) < 0) {
    free(json_writer_finish(&w));
    return NULL;
  }
  json_write_end_object(&w);
  char *json = json_writer_finish(&w);
  if (!json)
    skiff_fail(err, ENOMEM, "%s: the request configuration: out of memory or nested too deep", nc->path);
  return json;
}

struct run {
  struct netconf nc;
  struct hook_state st;
  char netns[64];
};

/* Plugin i of the list with command; its stdout in *output (NULL allowed). */
static int run_plugin(struct run *r, size_t i, enum cni_command command, const char *prev, char **output,
                      struct skiff_error *err) {
  const struct netconf *nc = &r->nc;
  uint32_t type_node = json_member(&nc->c, nc->plugins[i], "type");
  const char *type = json_text(&nc->c, type_node);
  cleanup_free char *input = request_json(nc, nc->plugins[i], prev, r->st.ports, err);
  if (!input)
    return -1;
  cleanup_free char *out = NULL;
  int ret;
  if (!strcmp(type, SELF_TYPE)) {
    struct cni_request req = {.command = command, .container_id = r->st.id, .ifname = HOOK_IFNAME,
                              .netns = r->netns[0] ? r->netns : NULL, .path = getenv("CNI_PATH"),
                              .config = input, .config_len = strlen(input)};
    char version[CNI_VERSION_MAX];
    ret = cni_run(&req, &out, version, err);
  } else {
    ret = plugin_exec(type, getenv("CNI_PATH"), cni_command_name(command), input, strlen(input), &out, err);
  }
  if (ret < 0)
    return skiff_error_prefix(err, "%s: plugins[%zu] (%s)", nc->path, i, type);
  if (output)
    *output = steal_pointer(&out);
  return 0;
}

/* The environment the plugins of the list share (SPEC.md section 2), and a PATH for the tools they
 * run (iptables...): a hook's environment is only what config.json gives it. */
static int set_env(struct run *r, const char *command, struct skiff_error *err) {
  if ((!getenv("PATH") && setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0) ||
      setenv("CNI_COMMAND", command, 1) < 0 || setenv("CNI_CONTAINERID", r->st.id, 1) < 0 ||
      setenv("CNI_IFNAME", HOOK_IFNAME, 1) < 0 ||
      (r->netns[0] ? setenv("CNI_NETNS", r->netns, 1) : unsetenv("CNI_NETNS")) < 0 || unsetenv("CNI_ARGS") < 0 ||
      (!getenv("CNI_PATH") && setenv("CNI_PATH", CNI_DEFAULT_PATH, 1) < 0))
    return skiff_fail_errno(err, errno, "setenv");
  return 0;
}

static void result_name(const struct run *r, char *out, size_t size) {
  format_string(out, size, "skiff-hook-%s-%s.json", r->st.id, HOOK_IFNAME);
}

static int save_result(struct run *r, const char *result, struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(r->nc.data_dir, r->nc.name, true, err);
  if (dirfd < 0)
    return -1;
  char name[512], tmp[520];
  result_name(r, name, sizeof name);
  format_string(tmp, sizeof tmp, ".%s.tmp", name);
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  size_t len = strlen(result);
  if (fd < 0 || write(fd, result, len) != (ssize_t)len || renameat(dirfd, tmp, dirfd, name) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return skiff_fail_errno(err, saved, "keep the result in %s/%s", r->nc.data_dir, r->nc.name);
  }
  return 0;
}

/* The kept result (NULL when there is none) and, with remove, its file gone. */
static char *kept_result(struct run *r, bool remove) {
  struct skiff_error ignored;
  cleanup_close int dirfd = ipam_open_dir(r->nc.data_dir, r->nc.name, false, &ignored);
  if (dirfd < 0)
    return NULL;
  char name[512];
  result_name(r, name, sizeof name);
  if (remove) {
    unlinkat(dirfd, name, 0);
    return NULL;
  }
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  size_t len;
  return fd < 0 ? NULL : fd_read_all(fd, name, INPUT_MAX, &len, &ignored);
}

/* DEL of plugins [0, n) in reverse order, each given prev; every one is tried, the first failure
 * reported. */
static int del_plugins(struct run *r, size_t n, const char *prev, struct skiff_error *err) {
  int ret = 0;
  struct skiff_error e;
  if (set_env(r, "DEL", err) < 0)
    return -1;
  while (n-- > 0)
    if (run_plugin(r, n, CNI_DEL, prev, NULL, &e) < 0 && ret == 0) {
      *err = e;
      ret = -1;
    }
  return ret;
}

static int hook_add(struct run *r, struct skiff_error *err) {
  if (r->st.pid <= 0)
    return skiff_fail(err, EINVAL, "state: pid: the container has no process (use the hook at createRuntime)");
  format_string(r->netns, sizeof r->netns, "/proc/%d/ns/net", r->st.pid);
  if (set_env(r, "ADD", err) < 0)
    return -1;
  char *result = NULL;
  int ret = 0;
  for (size_t i = 0; i < r->nc.n_plugins && ret == 0; i++) {
    char *next = NULL;
    ret = run_plugin(r, i, CNI_ADD, result, &next, err);
    if (ret == 0) {
      free(result);
      result = next;
    }
  }
  if (ret == 0 && (!result || !*result))
    ret = skiff_fail(err, EPROTO, "%s: the last plugin printed no result", r->nc.path);
  if (ret == 0)
    ret = save_result(r, result, err);
  if (ret < 0) { /* SPEC.md: an ADD that failed is followed by a DEL of the whole list */
    struct skiff_error ignored;
    del_plugins(r, r->nc.n_plugins, result, &ignored);
  }
  free(result);
  return ret;
}

static int hook_del(struct run *r, struct skiff_error *err) {
  cleanup_free char *prev = kept_result(r, false);
  if (del_plugins(r, r->nc.n_plugins, prev, err) < 0)
    return -1;
  kept_result(r, true);
  return 0;
}

int hook_run(bool add, const char *config, struct skiff_error *err) {
  struct run r = {0};
  size_t len;
  cleanup_free char *state = fd_read_all(0, "the state on stdin", INPUT_MAX, &len, err);
  int ret = -1;
  if (state && parse_state(state, len, &r.st, err) == 0) {
    if (!config)
      config = r.st.config && *r.st.config ? r.st.config : SKIFF_NETWORK_CONFIG;
    if (load_netconf(config, &r.nc, err) == 0)
      ret = add ? hook_add(&r, err) : hook_del(&r, err);
  }
  netconf_free(&r.nc);
  free(r.st.id);
  free(r.st.config);
  free(r.st.ports);
  return ret;
}

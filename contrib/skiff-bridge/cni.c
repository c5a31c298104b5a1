#include "cni.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "conf.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/json-write.h"
#include "oci/json.h"
#include "result.h"

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

int cni_request_from_env(struct cni_request *req, struct skiff_error *err) {
  *req = (struct cni_request){0};
  const char *command = env("CNI_COMMAND");
  if (!command)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "required env variables [CNI_COMMAND] missing");
  int c = cni_command_parse(command);
  if (c < 0)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_COMMAND: unknown command \"%s\"", command);
  req->command = (enum cni_command)c;
  req->container_id = env("CNI_CONTAINERID");
  req->netns = env("CNI_NETNS");
  req->ifname = env("CNI_IFNAME");
  req->args = env("CNI_ARGS");
  req->path = env("CNI_PATH");
  /* what each command requires (SPEC.md section 2) */
  bool attach = c == CNI_ADD || c == CNI_DEL || c == CNI_CHECK;
  char missing[96] = "";
  size_t o = 0;
  if (attach && !req->container_id)
    o += (size_t)format_string(missing + o, sizeof missing - o, "%sCNI_CONTAINERID", o ? " " : "");
  if ((c == CNI_ADD || c == CNI_CHECK) && !req->netns)
    o += (size_t)format_string(missing + o, sizeof missing - o, "%sCNI_NETNS", o ? " " : "");
  if (attach && !req->ifname)
    o += (size_t)format_string(missing + o, sizeof missing - o, "%sCNI_IFNAME", o ? " " : "");
  if (o)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "required env variables [%s] missing", missing);
  return 0;
}

int cni_request_check(const struct cni_request *req, struct skiff_error *err) {
  if (req->container_id && !cni_valid_id(req->container_id))
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID: \"%s\" is not a container id (a letter or digit, "
                    "then letters, digits, '_', '.' or '-')", req->container_id);
  if (req->ifname && !cni_valid_ifname(req->ifname))
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_IFNAME: \"%s\" is not an interface name", req->ifname);
  if (req->netns && req->netns[0] != '/')
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_NETNS: \"%s\" is not an absolute path", req->netns);
  return 0;
}

char *cni_error_json(const char *cni_version, int code, const char *msg, const char *details) {
  struct json_writer w;
  json_writer_init(&w, "    ");
  json_write_begin_object(&w);
  json_write_kstring(&w, "cniVersion", cni_version);
  json_write_kint(&w, "code", code);
  json_write_kstring(&w, "msg", msg);
  if (details && *details)
    json_write_kstring(&w, "details", details);
  json_write_end_object(&w);
  return json_writer_finish(&w);
}

/* VERSION answers in the version it was asked in, whatever else stdin holds. */
static char *version_json(const char *config, size_t len) {
  struct json_doc doc;
  struct skiff_error ignored;
  cleanup_free char *asked = NULL;
  if (len && json_doc_parse(&doc, config, len, "stdin", &ignored) == 0) {
    struct json_ctx c;
    json_ctx_init(&c, &doc, "stdin", &ignored);
    if (doc.nodes[0].type == JSON_OBJECT)
      json_get_string(&c, 0, "cniVersion", &asked, JSON_OPTIONAL);
    json_doc_free(&doc);
  }
  struct json_writer w;
  json_writer_init(&w, "    ");
  json_write_begin_object(&w);
  json_write_kstring(&w, "cniVersion", asked && *asked ? asked : "1.1.0");
  json_write_kstrings(&w, "supportedVersions", cni_supported_versions, cni_n_supported_versions);
  json_write_end_object(&w);
  return json_writer_finish(&w);
}

/* Which commands a version has: CHECK from 0.4.0, GC and STATUS from 1.1.0. */
static int check_command_version(enum cni_command c, const char *version, struct skiff_error *err) {
  const char *since = c == CNI_CHECK ? "0.4.0" : (c == CNI_GC || c == CNI_STATUS) ? "1.1.0" : NULL;
  if (since && cni_version_cmp(version, since) < 0)
    return cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION, "config version %s does not allow %s (it came in %s)",
                    version, cni_command_name(c), since);
  return 0;
}

static int run_parsed(const struct cni_request *req, struct bridge_conf *conf, char **output,
                      struct skiff_error *err) {
  if (check_command_version(req->command, conf->cni_version, err) < 0 ||
      bridge_conf_apply_cni_args(conf, req->args, err) < 0 || cni_request_check(req, err) < 0)
    return -1;
  switch (req->command) {
  case CNI_ADD: {
    struct cni_result result = {0};
    int r = bridge_add(req, conf, &result, err);
    if (r == 0 && !(*output = cni_result_to_json(&result, conf->cni_version)))
      r = skiff_fail(err, ENOMEM, "out of memory");
    cni_result_free(&result);
    return r;
  }
  case CNI_DEL:
    return bridge_del(req, conf, err);
  case CNI_CHECK:
    return bridge_check(req, conf, err);
  case CNI_GC:
    return bridge_gc(req, conf, err);
  case CNI_STATUS:
    return bridge_status(req, conf, err);
  case CNI_VERSION:
    break;
  }
  return 0;
}

int cni_run(const struct cni_request *req, char **output, char version[CNI_VERSION_MAX], struct skiff_error *err) {
  *output = NULL;
  format_string(version, CNI_VERSION_MAX, "1.1.0");
  if (req->command == CNI_VERSION) {
    if (!(*output = version_json(req->config, req->config_len)))
      return skiff_fail(err, ENOMEM, "out of memory");
    return 0;
  }
  struct bridge_conf conf;
  int ret = bridge_conf_parse(req->config, req->config_len, &conf, err);
  if (conf.cni_version)
    format_string(version, CNI_VERSION_MAX, "%s", conf.cni_version);
  if (ret == 0)
    ret = run_parsed(req, &conf, output, err);
  bridge_conf_free(&conf);
  return ret;
}

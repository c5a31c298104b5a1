/* checkpoint: the container's processes dumped by CRIU into image files (criu.h). */
#include "lib/container-internal.h"
#include "lib/criu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/criu-describe.h"
#include "lib/log.h"
#include "lib/state.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/json-write.h"

/* What the init's stdio were (runc's descriptors.json: an array of three /proc/<pid>/fd links):
 * restore hands criu its own stdio in place of the pipes among them, as the engine that restores
 * (conmon) gives new pipes. */
static int save_descriptors(int images_fd, pid_t pid, struct skiff_error *err) {
  char links[3][PATH_MAX];
  const char *v[3];
  for (int i = 0; i < 3; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, i);
    ssize_t n = readlink(path, links[i], sizeof links[i] - 1);
    links[i][n > 0 ? n : 0] = '\0';
    v[i] = links[i];
  }
  struct json_writer w;
  json_writer_init(&w, NULL);
  json_write_begin_array(&w);
  for (int i = 0; i < 3; i++)
    json_write_string(&w, v[i]);
  json_write_end_array(&w);
  cleanup_free char *json = json_writer_finish(&w);
  if (!json)
    return skiff_fail_errno(err, ENOMEM, "descriptors.json");
  return write_file_atomic(images_fd, "descriptors.json", json, strlen(json), 0600, err);
}

/* --page-server ADDRESS:PORT, the port after the last ':'; ps->address malloc'd. */
static int parse_page_server(const char *text, CriuPageServerInfo *ps, struct skiff_error *err) {
  const char *colon = strrchr(text, ':');
  char *end = NULL;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!colon || colon == text || !colon[1] || *end || port <= 0 || port > 65535)
    return skiff_fail(err, EINVAL, "--page-server: \"%s\" is not ADDRESS:PORT", text);
  if (!(ps->address = strndup(text, (size_t)(colon - text))))
    return skiff_fail_errno(err, ENOMEM, "--page-server");
  ps->has_port = true;
  ps->port = (int32_t)port;
  return 0;
}

/* The flags checked before anything else: a bad one changes nothing. */
static int check_flags(const struct criu_options *opts, struct skiff_error *err) {
  CriuOpts o = CRIU_OPTS__INIT;
  CriuPageServerInfo ps = CRIU_PAGE_SERVER_INFO__INIT;
  int ret = criu_describe_flags(&o, opts, err);
  if (ret == 0 && opts->page_server && opts->page_server[0])
    ret = parse_page_server(opts->page_server, &ps, err);
  free(ps.address);
  return ret;
}

static int dump(const struct loaded_container *lc, const struct oci_config *config, const struct criu_options *opts,
                struct skiff_error *err) {
  char cwd_images[PATH_MAX];
  const char *image_path = opts->image_path;
  if (!image_path || !image_path[0]) { /* runc's default: ./checkpoint */
    if (!getcwd(cwd_images, sizeof cwd_images - 16))
      return skiff_fail_errno(err, errno, "current directory");
    strcat(cwd_images, "/checkpoint");
    image_path = cwd_images;
  }
  CriuOpts o = CRIU_OPTS__INIT;
  cleanup_close int images_fd = -1, work_fd = -1;
  if (criu_open_dirs(&o, image_path, true, opts->work_path, &images_fd, &work_fd, err) < 0)
    return -1;
  struct criu_description d;
  criu_description_init(&d);
  o.log_file = opts->pre_dump ? "predump.log" : "dump.log";
  o.has_pid = true;
  o.pid = lc->state->pid;
  o.root = lc->state->rootfs;
  o.has_leave_running = true;
  o.leave_running = opts->leave_running || opts->pre_dump;
  o.has_orphan_pts_master = true;
  o.orphan_pts_master = true;
  if (opts->parent_path && opts->parent_path[0])
    o.parent_img = (char *)opts->parent_path;
  if (opts->pre_dump || o.parent_img) { /* memory changes since the pre-dump are what the dump adds */
    o.has_track_mem = true;
    o.track_mem = true;
  }
  /* criu freezes the cgroup while it seizes the processes, as with runc: a tree that forks and
   * exits meanwhile (a shell's short-lived children) is otherwise a race criu can lose */
  struct skiff_error ignored;
  cleanup_free char *freezer = lc->state->cgroup_path ? cgroup_freezer_dir(lc->state->cgroup_path, &ignored) : NULL;
  o.freeze_cgroup = freezer;
  CriuPageServerInfo ps = CRIU_PAGE_SERVER_INFO__INIT;
  int ret = criu_describe_flags(&o, opts, err);
  if (ret == 0 && opts->page_server && opts->page_server[0]) {
    ret = parse_page_server(opts->page_server, &ps, err);
    o.ps = &ps;
  }
  if (ret == 0)
    ret = criu_describe_config(&d, &o, config, lc->state->bundle, lc->state->pid, err);
  if (ret == 0)
    ret = criu_describe_cgroup_mounts(&d, &o, config, lc->state->pid, NULL, err);
  if (ret == 0 && !opts->pre_dump)
    ret = save_descriptors(images_fd, lc->state->pid, err);
  struct criu_session s = {.pid = -1, .sk = -1};
  int keep[1] = {opts->status_fd};
  if (ret == 0)
    ret = criu_rpc_start(&s, keep, 1, NULL, false, err);
  if (ret == 0) {
    CriuReq req = CRIU_REQ__INIT;
    req.type = opts->pre_dump ? CRIU_REQ_TYPE__PRE_DUMP : CRIU_REQ_TYPE__DUMP;
    req.opts = &o;
    CriuResp *resp = criu_rpc_call(&s, &req, opts->pre_dump ? "criu pre-dump" : "criu dump", NULL, NULL, err);
    if (resp)
      criu_resp__free_unpacked(resp, NULL);
    else
      ret = criu_error_log_hint(err, opts->work_path, image_path, o.log_file);
  }
  criu_rpc_end(&s);
  criu_description_free(&d);
  free(ps.address);
  return ret;
}

int container_checkpoint(const struct skiff_context *ctx, const char *id, const struct criu_options *opts,
                         struct skiff_error *err) {
  struct loaded_container lc;
  if (container_load(ctx, id, true, &lc, err) < 0)
    return -1;
  int ret = check_flags(opts, err);
  if (ret == 0 && strcmp(lc.status, "running") != 0 && strcmp(lc.status, "paused") != 0)
    ret = skiff_fail(err, EINVAL, "container %s cannot be checkpointed in %s state", id, lc.status);
  if (ret == 0)
    ret = criu_rpc_check(err);
  size_t len;
  cleanup_free char *json = ret == 0 ? read_file_at(lc.dirfd, STATE_CONFIG, &len, err) : NULL;
  struct oci_config *config = json ? oci_config_parse(json, len, "config.json", err) : NULL;
  if (ret == 0 && !config)
    ret = -1;
  if (ret == 0)
    ret = dump(&lc, config, opts, err);
  if (config)
    oci_config_free(config);
  /* as runc: once dumped (and not left running), the container is gone */
  if (ret == 0 && !opts->leave_running && !opts->pre_dump) {
    log_debug("checkpoint %s: dumped, deleting the container", id);
    if (container_wait_exit(lc.state, 10000, err) < 0)
      ret = -1;
    lc.status = "stopped";
    if (ret == 0)
      ret = container_cleanup(ctx, id, &lc, err);
  }
  container_unload(&lc);
  return ret;
}

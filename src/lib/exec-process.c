/* The process an exec runs: --process FILE as given, or the container's own process settings
 * with the command line's changes, as runc builds it. */
#include "lib/exec-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "lib/state.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

static int parse_u32(const char *s, uint32_t *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
    return -1;
  *out = (uint32_t)v;
  return 0;
}

/* -e NAME=value replaces NAME in the config's env, or is appended. */
static int merge_env(struct exec_process *ep, const struct exec_options *o, struct skiff_error *err) {
  const struct oci_strv *base = &ep->process.env;
  char **env = calloc(base->n + o->n_env + 1, sizeof *env);
  if (!env)
    return skiff_fail_errno(err, ENOMEM, "env");
  size_t n = 0;
  for (size_t i = 0; i < base->n; i++)
    env[n++] = base->v[i];
  for (size_t i = 0; i < o->n_env; i++) {
    const char *eq = strchr(o->env[i], '=');
    if (!eq || eq == o->env[i]) {
      free(env);
      return skiff_fail(err, EINVAL, "env: invalid variable \"%s\": expected NAME=value", o->env[i]);
    }
    size_t name_len = (size_t)(eq - o->env[i]) + 1;
    size_t j = 0;
    while (j < n && strncmp(env[j], o->env[i], name_len))
      j++;
    env[j] = o->env[i];
    if (j == n)
      n++;
  }
  ep->process.env.v = ep->env = env;
  ep->process.env.n = n;
  return 0;
}

static int parse_user(struct exec_process *ep, const char *user, struct skiff_error *err) {
  char buf[64];
  format_string(buf, sizeof buf, "%s", user);
  char *colon = strchr(buf, ':');
  if (colon)
    *colon = '\0';
  if (parse_u32(buf, &ep->process.user.uid) < 0 || (colon && parse_u32(colon + 1, &ep->process.user.gid) < 0))
    return skiff_fail(err, EINVAL, "user: invalid \"%s\": expected uid[:gid]", user);
  if (!colon)
    ep->process.user.gid = 0;
  return 0;
}

static int parse_gids(struct exec_process *ep, const struct exec_options *o, struct skiff_error *err) {
  ep->gids = calloc(o->n_additional_gids, sizeof *ep->gids);
  if (!ep->gids)
    return skiff_fail_errno(err, ENOMEM, "additional gids");
  for (size_t i = 0; i < o->n_additional_gids; i++)
    if (parse_u32(o->additional_gids[i], &ep->gids[i]) < 0)
      return skiff_fail(err, EINVAL, "additional-gids: invalid gid \"%s\"", o->additional_gids[i]);
  ep->process.user.additional_gids = ep->gids;
  ep->process.user.n_additional_gids = o->n_additional_gids;
  return 0;
}

/* A capability set with the --cap names appended; the array is ours, the strings are not. */
static int extend_caps(struct oci_strv *set, char ***owned, const struct exec_options *o,
                       struct skiff_error *err) {
  char **v = calloc(set->n + o->n_caps + 1, sizeof *v);
  if (!v)
    return skiff_fail_errno(err, ENOMEM, "capabilities");
  memcpy(v, set->v, set->n * sizeof *v);
  memcpy(v + set->n, o->caps, o->n_caps * sizeof *v);
  set->v = *owned = v;
  set->n += o->n_caps;
  return 0;
}

static int apply_options(struct exec_process *ep, const struct exec_options *o, struct skiff_error *err) {
  struct oci_process *p = &ep->process;
  p->args.v = o->args;
  p->args.n = o->n_args;
  p->terminal = o->tty;
  if (o->cwd)
    p->cwd = (char *)o->cwd;
  if (o->user && parse_user(ep, o->user, err) < 0)
    return -1;
  if (o->n_additional_gids && parse_gids(ep, o, err) < 0)
    return -1;
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    p->apparmor_profile = (char *)o->apparmor;
  if (o->process_label)
    p->selinux_label = (char *)o->process_label;
  if (o->n_env && merge_env(ep, o, err) < 0)
    return -1;
  if (!o->n_caps)
    return 0;
  struct oci_capabilities *c = &p->capabilities;
  p->has_capabilities = c->has_bounding = c->has_effective = c->has_permitted = true;
  if (extend_caps(&c->bounding, &ep->caps[0], o, err) < 0 ||
      extend_caps(&c->effective, &ep->caps[1], o, err) < 0 ||
      extend_caps(&c->permitted, &ep->caps[2], o, err) < 0)
    return -1;
  /* ambient needs inheritable, which --cap does not add: only where the config has some */
  if (c->inheritable.n && extend_caps(&c->ambient, &ep->caps[3], o, err) < 0)
    return -1;
  c->has_ambient = c->has_ambient || c->inheritable.n;
  return 0;
}

int exec_process_build(struct exec_process *ep, int state_dirfd, const struct exec_options *o,
                       struct skiff_error *err) {
  memset(ep, 0, sizeof *ep);
  size_t len;
  cleanup_free char *json = read_file_at(state_dirfd, STATE_CONFIG, &len, err);
  if (!json)
    return -1;
  ep->config = oci_config_parse(json, len, "config.json", err);
  if (!ep->config)
    return -1;
  if (o->process_file) {
    cleanup_free char *pjson = read_file_limited(AT_FDCWD, o->process_file, OCI_CONFIG_MAX_BYTES, &len, err);
    if (!pjson)
      return skiff_fail_errno(err, err->code, "process %s", o->process_file);
    ep->parsed = oci_process_parse(pjson, len, "process.json", err);
    if (!ep->parsed)
      return -1;
    ep->process = *ep->parsed;
    return 0;
  }
  if (!o->n_args)
    return skiff_fail(err, EINVAL, "args: a command is required");
  ep->process = ep->config->process;
  return apply_options(ep, o, err);
}

void exec_process_free(struct exec_process *ep) {
  free(ep->env);
  free(ep->gids);
  for (size_t i = 0; i < 4; i++)
    free(ep->caps[i]);
  if (ep->parsed)
    oci_process_free(ep->parsed);
  if (ep->config)
    oci_config_free(ep->config);
  memset(ep, 0, sizeof *ep);
}

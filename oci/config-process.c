/* process: the container's process, in config.json or as exec --process. */
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"
#include "oci/str.h"

int oci_check_name(struct json_ctx *c, const char *key, const char *value, const struct oci_name *table,
                   const char *what) {
  const struct oci_name *e = oci_name_find(table, value);
  if (e)
    return e->value;
  if (key)
    return json_fail_key(c, key, "unknown %s %s", what, JSON_Q(value));
  return json_fail(c, "unknown %s %s", what, JSON_Q(value));
}

int oci_check_names(struct json_ctx *c, const char *key, const struct oci_strv *list,
                    const struct oci_name *table, const char *what) {
  for (size_t i = 0; i < list->n; i++) {
    if (oci_name_find(table, list->v[i]))
      continue;
    json_path_key(c, key);
    json_path_index(c, i);
    return json_fail(c, "unknown %s %s", what, JSON_Q(list->v[i]));
  }
  return 0;
}

static int parse_console_size(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "consoleSize", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (json_get_u32(c, node, "height", &p->console_size.height, JSON_REQUIRED) < 0 ||
      json_get_u32(c, node, "width", &p->console_size.width, JSON_REQUIRED) < 0)
    return -1;
  p->has_console_size = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_user(struct json_ctx *c, uint32_t obj, struct oci_user *u) {
  uint32_t node, gids;
  size_t mark, gids_mark;
  int r = json_enter_object(c, obj, "user", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if (json_get_u32(c, node, "uid", &u->uid, JSON_OPTIONAL) < 0 ||
      json_get_u32(c, node, "gid", &u->gid, JSON_OPTIONAL) < 0)
    return -1;
  r = json_get_u32(c, node, "umask", &u->umask, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  u->has_umask = r > 0;
  r = json_enter_array(c, node, "additionalGids", "an array of uint32", &gids, &gids_mark, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  if (r > 0 && json_count(c, gids) > 0) {
    size_t n = json_count(c, gids);
    u->additional_gids = calloc(n, sizeof *u->additional_gids);
    if (!u->additional_gids)
      return json_oom(c);
    u->n_additional_gids = n;
    size_t i = 0;
    for (uint32_t e = json_first(c, gids); e; e = json_next(c, e), i++) {
      size_t item = json_path_index(c, i);
      if (json_node_u32(c, e, &u->additional_gids[i]) < 0)
        return -1;
      json_path_pop(c, item);
    }
  }
  if (r > 0)
    json_path_pop(c, gids_mark);
  if (json_get_string(c, node, "username", &u->username, JSON_OPTIONAL) < 0)
    return -1;
  json_path_pop(c, mark);
  return 0;
}

static int parse_args(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  if (json_get_strv(c, obj, "args", &p->args, JSON_REQUIRED) < 0)
    return -1;
  if (p->args.n == 0)
    return json_fail_key(c, "args", "must not be empty");
  return 0;
}

/* execve takes any string, but runc refuses entries that are not NAME=value; say so before
 * anything is created. */
static int parse_env(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  if (json_get_strv(c, obj, "env", &p->env, JSON_OPTIONAL) < 0)
    return -1;
  for (size_t i = 0; i < p->env.n; i++) {
    const char *eq = strchr(p->env.v[i], '=');
    if (eq && eq != p->env.v[i])
      continue;
    json_path_key(c, "env");
    json_path_index(c, i);
    return json_fail(c, "expected \"NAME=value\", got %s", JSON_Q(p->env.v[i]));
  }
  return 0;
}

static int parse_capabilities(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  static const struct {
    const char *key;
    size_t set, has;
  } sets[] = {
      {"bounding", offsetof(struct oci_capabilities, bounding),
       offsetof(struct oci_capabilities, has_bounding)},
      {"effective", offsetof(struct oci_capabilities, effective),
       offsetof(struct oci_capabilities, has_effective)},
      {"inheritable", offsetof(struct oci_capabilities, inheritable),
       offsetof(struct oci_capabilities, has_inheritable)},
      {"permitted", offsetof(struct oci_capabilities, permitted),
       offsetof(struct oci_capabilities, has_permitted)},
      {"ambient", offsetof(struct oci_capabilities, ambient), offsetof(struct oci_capabilities, has_ambient)},
  };
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "capabilities", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  p->has_capabilities = true;
  for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
    struct oci_strv *set = (struct oci_strv *)((char *)&p->capabilities + sets[i].set);
    r = json_get_strv(c, node, sets[i].key, set, JSON_OPTIONAL);
    /* names unknown here are not errors: the spec has runtimes warn (the runtime does) */
    if (r < 0)
      return -1;
    *(bool *)((char *)&p->capabilities + sets[i].has) = r > 0;
  }
  json_path_pop(c, mark);
  return 0;
}

static int parse_rlimit(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_rlimit *rl = item;
  if (json_get_string(c, obj, "type", &rl->type, JSON_REQUIRED) < 0)
    return -1;
  rl->resource = oci_check_name(c, "type", rl->type, oci_rlimit_names, "rlimit");
  if (rl->resource < 0)
    return -1;
  if (json_get_u64(c, obj, "soft", &rl->soft, JSON_REQUIRED) < 0 ||
      json_get_u64(c, obj, "hard", &rl->hard, JSON_REQUIRED) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  if (json_get_object_array(c, obj, "rlimits", sizeof *p->rlimits, &p->rlimits, &p->n_rlimits, parse_rlimit,
                            JSON_OPTIONAL) < 0)
    return -1;
  for (size_t i = 1; i < p->n_rlimits; i++) {
    for (size_t j = 0; j < i; j++) {
      if (p->rlimits[i].resource != p->rlimits[j].resource)
        continue;
      json_path_key(c, "rlimits");
      json_path_index(c, i);
      return json_fail_key(c, "type", "duplicate rlimit %s", JSON_Q(p->rlimits[i].type));
    }
  }
  return 0;
}

static int parse_oom_score_adj(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  uint32_t node = json_member(c, obj, "oomScoreAdj");
  if (!node)
    return 0;
  size_t mark = json_path_key(c, "oomScoreAdj");
  int64_t v;
  if (json_node_i64(c, node, INT32_MIN, INT32_MAX, "an integer", &v) < 0)
    return -1;
  /* The kernel's OOM_SCORE_ADJ_MIN and _MAX. */
  if (v < -1000 || v > 1000)
    return json_fail(c, "must be between -1000 and 1000, got %lld", (long long)v);
  p->oom_score_adj = (int)v;
  p->has_oom_score_adj = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_io_priority(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "ioPriority", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_io_priority *io = &p->io_priority;
  if (json_get_string(c, node, "class", &io->class_name, JSON_REQUIRED) < 0)
    return -1;
  io->class_id = oci_check_name(c, "class", io->class_name, oci_ioprio_class_names, "class");
  if (io->class_id < 0 || json_get_i32(c, node, "priority", &io->priority, JSON_OPTIONAL) < 0)
    return -1;
  /* IOPRIO_NR_LEVELS: the kernel knows eight levels per class. */
  if (io->priority < 0 || io->priority > 7)
    return json_fail_key(c, "priority", "must be between 0 and 7, got %d", (int)io->priority);
  p->has_io_priority = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_scheduler(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "scheduler", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_scheduler *s = &p->scheduler;
  if (json_get_string(c, node, "policy", &s->policy, JSON_REQUIRED) < 0)
    return -1;
  s->policy_id = oci_check_name(c, "policy", s->policy, oci_sched_policy_names, "policy");
  if (s->policy_id < 0)
    return -1;
  if ((r = json_get_i32(c, node, "nice", &s->nice, JSON_OPTIONAL)) < 0)
    return -1;
  s->has_nice = r > 0;
  if ((r = json_get_i32(c, node, "priority", &s->priority, JSON_OPTIONAL)) < 0)
    return -1;
  s->has_priority = r > 0;
  if (json_get_strv(c, node, "flags", &s->flags, JSON_OPTIONAL) < 0 ||
      oci_check_names(c, "flags", &s->flags, oci_sched_flag_names, "flag") < 0)
    return -1;
  if ((r = json_get_u64(c, node, "runtime", &s->runtime, JSON_OPTIONAL)) < 0)
    return -1;
  s->has_runtime = r > 0;
  if ((r = json_get_u64(c, node, "deadline", &s->deadline, JSON_OPTIONAL)) < 0)
    return -1;
  s->has_deadline = r > 0;
  if ((r = json_get_u64(c, node, "period", &s->period, JSON_OPTIONAL)) < 0)
    return -1;
  s->has_period = r > 0;
  p->has_scheduler = true;
  json_path_pop(c, mark);
  return 0;
}

static int parse_cpu_list(struct json_ctx *c, uint32_t obj, const char *key, char **out) {
  int r = json_get_string(c, obj, key, out, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  if ((*out)[str_span(*out, "0123456789, -")] != '\0')
    return json_fail_key(c, key, "invalid CPU list %s", JSON_Q(*out));
  return 0;
}

static int parse_exec_cpu_affinity(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  uint32_t node;
  size_t mark;
  int r = json_enter_object(c, obj, "execCPUAffinity", &node, &mark, JSON_OPTIONAL);
  if (r <= 0)
    return r;
  struct oci_strv *aff = &p->exec_cpu_affinity_initial_final;
  aff->v = calloc(3, sizeof *aff->v);
  if (!aff->v)
    return json_oom(c);
  aff->n = 2;
  if (parse_cpu_list(c, node, "initial", &aff->v[0]) < 0 || parse_cpu_list(c, node, "final", &aff->v[1]) < 0)
    return -1;
  json_path_pop(c, mark);
  return 0;
}

int oci_parse_process(struct json_ctx *c, uint32_t obj, struct oci_process *p) {
  if (json_get_bool(c, obj, "terminal", &p->terminal, JSON_OPTIONAL) < 0 ||
      parse_console_size(c, obj, p) < 0 || parse_user(c, obj, &p->user) < 0 || parse_args(c, obj, p) < 0 ||
      json_get_string(c, obj, "commandLine", &p->command_line, JSON_OPTIONAL) < 0 || parse_env(c, obj, p) < 0)
    return -1;
  if (json_get_string(c, obj, "cwd", &p->cwd, JSON_REQUIRED) < 0 || json_check_absolute(c, "cwd", p->cwd) < 0)
    return -1;
  if (parse_capabilities(c, obj, p) < 0 || parse_rlimits(c, obj, p) < 0 ||
      json_get_bool(c, obj, "noNewPrivileges", &p->no_new_privileges, JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "apparmorProfile", &p->apparmor_profile, JSON_OPTIONAL) < 0 ||
      parse_oom_score_adj(c, obj, p) < 0 ||
      json_get_string(c, obj, "selinuxLabel", &p->selinux_label, JSON_OPTIONAL) < 0 ||
      parse_io_priority(c, obj, p) < 0 || parse_scheduler(c, obj, p) < 0 ||
      parse_exec_cpu_affinity(c, obj, p) < 0)
    return -1;
  return 0;
}

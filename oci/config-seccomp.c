/* linux.seccomp: names are checked here, the filter is built elsewhere with libseccomp. */
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"

/* Only these actions return an error number to the caller; the spec wants an error rather
 * than silently dropping errnoRet on the others. */
static bool takes_errno(const char *action) {
  return strcmp(action, "SCMP_ACT_ERRNO") == 0 || strcmp(action, "SCMP_ACT_TRACE") == 0;
}

static int parse_action(struct json_ctx *c, uint32_t obj, const char *key, char **action,
                        const char *errno_key, uint32_t *errno_ret, bool *has_errno_ret) {
  if (json_get_string(c, obj, key, action, JSON_REQUIRED) < 0 ||
      oci_check_name(c, key, *action, oci_seccomp_action_names, "action") < 0)
    return -1;
  int r = json_get_u32(c, obj, errno_key, errno_ret, JSON_OPTIONAL);
  if (r < 0)
    return -1;
  *has_errno_ret = r > 0;
  if (r > 0 && !takes_errno(*action))
    return json_fail_key(c, errno_key, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", *action);
  return 0;
}

static int parse_arg(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_seccomp_arg *a = item;
  if (json_get_u32(c, obj, "index", &a->index, JSON_REQUIRED) < 0)
    return -1;
  /* A system call has six arguments. */
  if (a->index > 5)
    return json_fail_key(c, "index", "must be between 0 and 5, got %u", a->index);
  if (json_get_u64(c, obj, "value", &a->value, JSON_REQUIRED) < 0 ||
      json_get_u64(c, obj, "valueTwo", &a->value_two, JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "op", &a->op, JSON_REQUIRED) < 0 ||
      oci_check_name(c, "op", a->op, oci_seccomp_op_names, "operator") < 0)
    return -1;
  return 0;
}

static int parse_syscall(struct json_ctx *c, uint32_t obj, void *item) {
  struct oci_seccomp_syscall *s = item;
  if (json_get_strv(c, obj, "names", &s->names, JSON_REQUIRED) < 0)
    return -1;
  if (s->names.n == 0)
    return json_fail_key(c, "names", "must not be empty");
  if (parse_action(c, obj, "action", &s->action, "errnoRet", &s->errno_ret, &s->has_errno_ret) < 0 ||
      json_get_object_array(c, obj, "args", sizeof *s->args, &s->args, &s->n_args, parse_arg, JSON_OPTIONAL) <
          0)
    return -1;
  return 0;
}

int oci_parse_seccomp(struct json_ctx *c, uint32_t obj, struct oci_seccomp *s) {
  if (parse_action(c, obj, "defaultAction", &s->default_action, "defaultErrnoRet", &s->default_errno_ret,
                   &s->has_default_errno_ret) < 0)
    return -1;
  /* The kernel has no listener to hand the very first system call to. */
  if (strcmp(s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return json_fail_key(c, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  if (json_get_strv(c, obj, "architectures", &s->architectures, JSON_OPTIONAL) < 0 ||
      oci_check_names(c, "architectures", &s->architectures, oci_seccomp_arch_names, "architecture") < 0 ||
      json_get_strv(c, obj, "flags", &s->flags, JSON_OPTIONAL) < 0 ||
      oci_check_names(c, "flags", &s->flags, oci_seccomp_flag_names, "flag") < 0 ||
      json_get_string(c, obj, "listenerPath", &s->listener_path, JSON_OPTIONAL) < 0 ||
      json_get_string(c, obj, "listenerMetadata", &s->listener_metadata, JSON_OPTIONAL) < 0)
    return -1;
  if (s->listener_metadata && !s->listener_path)
    return json_fail_key(c, "listenerMetadata", "requires listenerPath");
  if (json_get_object_array(c, obj, "syscalls", sizeof *s->syscalls, &s->syscalls, &s->n_syscalls,
                            parse_syscall, JSON_OPTIONAL) < 0)
    return -1;
  if (!s->listener_path) {
    for (size_t i = 0; i < s->n_syscalls; i++) {
      if (strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY") != 0)
        continue;
      json_path_key(c, "syscalls");
      json_path_index(c, i);
      return json_fail_key(c, "action", "SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath");
    }
  }
  return 0;
}

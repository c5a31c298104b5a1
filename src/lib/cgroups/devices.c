/* linux.resources.devices as a rule list, and its meaning in the v1 kernel's model (a default
 * verdict plus exceptions), which the v2 eBPF program has to reproduce. As runc, the devices
 * every container needs are allowed after the configured rules, so a config cannot lock the
 * container out of /dev/null; linux.devices[] entries are not allowed implicitly (runc does not
 * either: configs list them in resources.devices). */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define F "linux.resources.devices"

static const struct cg_dev_rule default_rules[] = {
    {true, 'c', -1, -1, CG_DEV_MKNOD}, /* mknod of anything; opening needs a rule below */
    {true, 'b', -1, -1, CG_DEV_MKNOD}, {true, 'c', 1, 3, CG_DEV_RWM}, /* /dev/null */
    {true, 'c', 1, 8, CG_DEV_RWM},                                    /* /dev/random */
    {true, 'c', 1, 7, CG_DEV_RWM},                                    /* /dev/full */
    {true, 'c', 5, 0, CG_DEV_RWM},                                    /* /dev/tty */
    {true, 'c', 1, 5, CG_DEV_RWM},                                    /* /dev/zero */
    {true, 'c', 1, 9, CG_DEV_RWM},                                    /* /dev/urandom */
    {true, 'c', 136, -1, CG_DEV_RWM},                                 /* /dev/pts/N */
    {true, 'c', 5, 2, CG_DEV_RWM},                                    /* /dev/ptmx */
};

static int parse_access(const char *s, unsigned *out) {
  unsigned a = 0;
  if (!s || !*s) {
    *out = CG_DEV_RWM;
    return 0;
  }
  for (; *s; s++) {
    if (*s == 'r')
      a |= CG_DEV_READ;
    else if (*s == 'w')
      a |= CG_DEV_WRITE;
    else if (*s == 'm')
      a |= CG_DEV_MKNOD;
    else
      return -1;
  }
  *out = a;
  return 0;
}

int cg_validate_devices(const struct oci_resources *res, struct skiff_error *err) {
  for (size_t i = 0; i < res->n_devices; i++) {
    const struct oci_device_cgroup *d = &res->devices[i];
    unsigned a;
    if (d->type && strcmp(d->type, "a") && strcmp(d->type, "b") && strcmp(d->type, "c"))
      return skiff_fail(err, EINVAL, F "[%zu].type: unknown device type \"%s\" (a, b or c)", i, d->type);
    if (parse_access(d->access, &a) < 0)
      return skiff_fail(err, EINVAL, F "[%zu].access: invalid access \"%s\" (a subset of \"rwm\")", i,
                        d->access);
    if ((d->has_major && d->major < -1) || (d->has_minor && d->minor < -1))
      return skiff_fail(err, EINVAL, F "[%zu]: invalid device number %" PRId64 ":%" PRId64, i, d->major,
                        d->minor);
  }
  return 0;
}

int cg_dev_rules_build(const struct oci_resources *res, struct cg_dev_rules *out, struct skiff_error *err) {
  size_t nd = sizeof default_rules / sizeof default_rules[0], n_config = res ? res->n_devices : 0;
  out->v = malloc((n_config + nd + 1) * sizeof *out->v);
  if (!out->v)
    return skiff_fail_errno(err, ENOMEM, F);
  out->n = 0;
  if (!n_config) /* a new cgroup allows every device (its parent's): no rule is not "all" */
    out->v[out->n++] = (struct cg_dev_rule){false, 'a', -1, -1, CG_DEV_RWM};
  for (size_t i = 0; i < n_config; i++) {
    const struct oci_device_cgroup *d = &res->devices[i];
    struct cg_dev_rule *r = &out->v[out->n++];
    r->allow = d->allow;
    r->type = d->type ? d->type[0] : 'a';
    r->major = d->has_major ? d->major : -1;
    r->minor = d->has_minor ? d->minor : -1;
    parse_access(d->access, &r->access); /* validated */
  }
  memcpy(out->v + out->n, default_rules, sizeof default_rules);
  out->n += nd;
  return 0;
}

static int add_exception(struct cg_dev_state *st, size_t *cap, char type, const struct cg_dev_rule *r) {
  for (size_t i = 0; i < st->n; i++) {
    struct cg_dev_rule *e = &st->ex[i];
    if (e->type == type && e->major == r->major && e->minor == r->minor) {
      e->access |= r->access;
      return 0;
    }
  }
  if (st->n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    struct cg_dev_rule *v = realloc(st->ex, nc * sizeof *v);
    if (!v)
      return -1;
    st->ex = v;
    *cap = nc;
  }
  st->ex[st->n] = *r;
  st->ex[st->n].type = type;
  st->ex[st->n].allow = !st->default_allow;
  st->n++;
  return 0;
}

/* A rule that agrees with the default takes its access away from the identical exception (the
 * kernel matches exceptions exactly here, wildcards included). */
static void remove_exception(struct cg_dev_state *st, char type, const struct cg_dev_rule *r) {
  for (size_t i = 0; i < st->n; i++) {
    struct cg_dev_rule *e = &st->ex[i];
    if (e->type == type && e->major == r->major && e->minor == r->minor) {
      e->access &= ~r->access;
      if (!e->access)
        st->ex[i--] = st->ex[--st->n];
    }
  }
}

int cg_dev_emulate(const struct cg_dev_rules *rules, struct cg_dev_state *st, struct skiff_error *err) {
  size_t cap = 0;
  st->default_allow = true; /* what a new cgroup inherits from the root */
  st->n = 0;
  for (size_t i = 0; i < rules->n; i++) {
    const struct cg_dev_rule *r = &rules->v[i];
    if (r->type == 'a' && r->major == -1 && r->minor == -1 && r->access == CG_DEV_RWM) {
      st->default_allow = r->allow; /* "a": reset, as writing "a" to devices.allow/deny */
      st->n = 0;
      continue;
    }
    for (int k = 0; k < 2; k++) {
      char type = r->type == 'a' ? (k ? 'c' : 'b') : r->type;
      if (r->type != 'a' && k)
        break;
      if (r->allow == st->default_allow)
        remove_exception(st, type, r);
      else if (add_exception(st, &cap, type, r) < 0)
        return skiff_fail_errno(err, ENOMEM, F);
    }
  }
  return 0;
}

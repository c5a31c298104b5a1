#include "lib/capabilities.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's capability ABI (v3) carries 64 bits, so a uint64_t holds any set. */
typedef uint64_t cap_mask_t;

static cap_value_t kernel_cap_count(void) {
  cap_value_t n = cap_max_bits();
  return n > 64 ? 64 : n;
}

/* runc accepts exactly the upper-case "CAP_" names; libcap alone would also take lower case
 * and numbers. */
static bool is_cap_name(const char *name) {
  if (strncmp(name, "CAP_", 4) != 0 || !name[4])
    return false;
  for (const char *c = name + 4; *c; c++)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
      return false;
  return true;
}

static cap_mask_t names_to_mask(const struct oci_strv *names, cap_value_t count) {
  cap_mask_t mask = 0;
  for (size_t i = 0; i < names->n; i++) {
    cap_value_t v;
    if (is_cap_name(names->v[i]) && cap_from_name(names->v[i], &v) == 0 && v >= 0 && v < count)
      mask |= (cap_mask_t)1 << v;
  }
  return mask;
}

/* An absent process.capabilities, or an absent set in it, is the empty set (runc). */
static cap_mask_t config_mask(const struct oci_process *process, bool has_set, const struct oci_strv *set,
                              cap_value_t count) {
  return process->has_capabilities && has_set ? names_to_mask(set, count) : 0;
}

/* "CAP_SYS_ADMIN", spelled as in config.json (libcap's names are lower case). */
static const char *cap_display_name(cap_value_t v, char buf[static 32]) {
  char *name = cap_to_name(v);
  size_t i = 0;
  for (; name && name[i] && i < 31; i++)
    buf[i] = name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i];
  buf[i] = '\0';
  cap_free(name);
  return buf;
}

int capabilities_apply_bounding(const struct oci_process *process, struct skiff_error *err) {
  cap_value_t count = kernel_cap_count();
  const struct oci_capabilities *c = &process->capabilities;
  cap_mask_t keep = config_mask(process, c->has_bounding, &c->bounding, count);
  for (cap_value_t v = 0; v < count; v++)
    if (!(keep & ((cap_mask_t)1 << v)) && cap_drop_bound(v) < 0) {
      int saved = errno;
      char name[32];
      return skiff_fail_errno(err, saved, "process.capabilities.bounding: drop %s from the bounding set",
                              cap_display_name(v, name));
    }
  return 0;
}

/* capset() says only EPERM: find the capability at fault. Returns -1 with err filled when found. */
static int explain_capset_eperm(cap_mask_t prm, cap_mask_t inh, cap_value_t count, struct skiff_error *err) {
  char name[32];
  cap_t current = cap_get_proc();
  for (cap_value_t v = 0; current && v < count; v++) {
    cap_flag_value_t have;
    if (prm & ((cap_mask_t)1 << v) && cap_get_flag(current, v, CAP_PERMITTED, &have) == 0 &&
        have != CAP_SET) {
      cap_free(current);
      return skiff_fail(err, EPERM, "process.capabilities.permitted: %s is not available to the runtime",
                        cap_display_name(v, name));
    }
  }
  cap_free(current);
  for (cap_value_t v = 0; v < count; v++)
    if (inh & ((cap_mask_t)1 << v) && cap_get_bound(v) != 1)
      return skiff_fail(err, EPERM, "process.capabilities.inheritable: %s is not in the bounding set",
                        cap_display_name(v, name));
  return 0;
}

/* The three sets as capset(2) takes them, for capabilities_finish(). */
static void final_sets(struct capabilities_final *f, cap_mask_t eff, cap_mask_t prm, cap_mask_t inh) {
  memset(f, 0, sizeof *f);
  f->pending = true;
  f->header.version = _LINUX_CAPABILITY_VERSION_3;
  for (int i = 0; i < 2; i++) {
    f->data[i].effective = (uint32_t)(eff >> (32 * i));
    f->data[i].permitted = (uint32_t)(prm >> (32 * i));
    f->data[i].inheritable = (uint32_t)(inh >> (32 * i));
  }
}

int capabilities_apply(const struct oci_process *process, uint64_t keep, struct capabilities_final *later,
                       struct skiff_error *err) {
  cap_value_t count = kernel_cap_count();
  const struct oci_capabilities *c = &process->capabilities;
  cap_mask_t eff = config_mask(process, c->has_effective, &c->effective, count);
  cap_mask_t prm = config_mask(process, c->has_permitted, &c->permitted, count);
  cap_mask_t inh = config_mask(process, c->has_inheritable, &c->inheritable, count);
  cap_mask_t amb = config_mask(process, c->has_ambient, &c->ambient, count);

  /* capset() would only say EPERM; name the capability instead. */
  char name[32];
  if (eff & ~prm)
    return skiff_fail(err, EPERM, "process.capabilities.effective: %s is not in the permitted set",
                      cap_display_name(__builtin_ctzll(eff & ~prm), name));

  later->pending = false;
  if (keep & ~eff) { /* kept now, dropped by capabilities_finish() */
    final_sets(later, eff, prm, inh);
    eff |= keep;
    prm |= keep;
  }
  cap_t caps = cap_init();
  if (!caps)
    return skiff_fail_errno(err, errno, "process.capabilities: cap_init");
  static const cap_flag_t flags[] = {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE};
  const cap_mask_t masks[] = {eff, prm, inh};
  for (int f = 0; f < 3; f++)
    for (cap_value_t v = 0; v < count; v++)
      if (masks[f] & ((cap_mask_t)1 << v) && cap_set_flag(caps, flags[f], 1, &v, CAP_SET) < 0) {
        int saved = errno;
        cap_free(caps);
        return skiff_fail_errno(err, saved, "process.capabilities: cap_set_flag");
      }
  int rc = cap_set_proc(caps);
  int saved = errno;
  cap_free(caps);
  if (rc < 0) {
    if (saved == EPERM && explain_capset_eperm(prm, inh, count, err) < 0)
      return -1;
    return skiff_fail_errno(err, saved,
                            "process.capabilities: set effective, permitted and inheritable sets");
  }

  /* Kernels before 4.3 have no ambient set (EINVAL): fine as long as none is asked for. One prctl:
   * libcap's cap_reset_ambient() first asks the kernel about each capability in turn. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && (amb || errno != EINVAL))
    return skiff_fail_errno(err, errno, "process.capabilities.ambient: clear the ambient set");
  /* The kernel refuses an ambient capability that is not both permitted and inheritable;
   * runc and crun skip those rather than fail. */
  amb &= prm & inh;
  for (cap_value_t v = 0; v < count; v++)
    if (amb & ((cap_mask_t)1 << v) && cap_set_ambient(v, CAP_SET) < 0 && errno != EPERM) {
      int saved = errno;
      return skiff_fail_errno(err, saved, "process.capabilities.ambient: raise %s",
                              cap_display_name(v, name));
    }

  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
  return 0;
}

/* One system call: it runs after the seccomp filter is loaded. The ambient capabilities raised
 * before are both permitted and inheritable in these sets too, so they stay. */
int capabilities_finish(const struct capabilities_final *later, struct skiff_error *err) {
  if (!later->pending)
    return 0;
  if (syscall(SYS_capset, &later->header, later->data) < 0)
    return skiff_fail_errno(err, errno, "process.capabilities: drop the capabilities kept for seccomp");
  return 0;
}

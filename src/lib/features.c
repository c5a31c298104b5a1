#include "lib/features.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/names.h"
#include "oci/format.h"
#include "lib/cgroups/cgroup.h"
#include "lib/libseccomp.h"
#include "lib/libsystemd.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hooks[] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* Every option lib/mounts.c interprets itself (its flag, propagation, recursive and atime
 * tables, tmpcopyup, idmap and ridmap), sorted; anything else it passes to mount(2) as data.
 * "acl" is not here: mounts.c passes it on as data, which tmpfs refuses. */
static const char *const mount_options[] = {
    "async",         "atime",        "bind",
    "defaults",      "dev",          "diratime",
    "dirsync",       "exec",         "idmap",
    "iversion",      "lazytime",     "loud",
    "mand",          "noatime",      "nodev",
    "nodiratime",    "noexec",       "noiversion",
    "nolazytime",    "nomand",       "norelatime",
    "nostrictatime", "nosuid",       "nosymfollow",
    "private",       "ratime",       "rbind",
    "rdev",          "rdiratime",    "relatime",
    "remount",       "rexec",        "ridmap",
    "rnoatime",      "rnodev",       "rnodiratime",
    "rnoexec",       "rnorelatime",  "rnostrictatime",
    "rnosuid",       "rnosymfollow", "ro",
    "rprivate",      "rrelatime",    "rro",
    "rrw",           "rshared",      "rslave",
    "rstrictatime",  "rsuid",        "rsymfollow",
    "runbindable",   "rw",           "shared",
    "silent",        "slave",        "strictatime",
    "suid",          "symfollow",    "sync",
    "tmpcopyup",     "unbindable",
};

static const char *const namespaces[] = {
    "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
};

/* As lib/lsm.c decides (it refuses a profile otherwise): AppArmor's module switch says "Y". */
static bool host_has_apparmor(void) {
  char c = 0;
  FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
  bool yes = f && fread(&c, 1, 1, f) == 1 && c == 'Y';
  if (f)
    fclose(f);
  return yes;
}

/* As lib/lsm.c decides: selinuxfs mounted at /sys/fs/selinux or /selinux. */
static bool host_has_selinux(void) {
  static const char *const mounts[] = {"/sys/fs/selinux", "/selinux"};
  for (size_t i = 0; i < N_ELEMS(mounts); i++) {
    struct statfs st;
    if (statfs(mounts[i], &st) == 0 && (unsigned long)st.f_type == SELINUX_MAGIC)
      return true;
  }
  return false;
}

/* A kernel that knows MOUNT_ATTR_IDMAP (5.12) gets as far as looking up the user namespace fd
 * (EBADF: INT_MAX is above any fd limit) before it looks at the path; one that does not refuses
 * the attribute (EINVAL), one without mount_setattr says ENOSYS. */
static bool kernel_has_idmap_mounts(void) {
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = INT_MAX};
  return syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 && errno == EBADF;
}

/* A filter flag the kernel knows passes the flag check and fails on the NULL program (EFAULT);
 * an unknown one is EINVAL. WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
static bool kernel_has_seccomp_flag(unsigned long flag) {
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* "SCMP_ARCH_X86_64" -> "x86_64", libseccomp's own name for it. */
static bool libseccomp_has_arch(const struct libseccomp *scmp, const char *name) {
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  size_t n = strlen(name), i = 0;
  if (strncmp(name, prefix, sizeof prefix - 1) != 0 || n - (sizeof prefix - 1) >= sizeof lower)
    return false;
  for (const char *s = name + sizeof prefix - 1; *s; s++)
    lower[i++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
  lower[i] = '\0';
  return scmp && scmp->arch_resolve_name(lower) != 0;
}

static int compare_strings(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct oci_names sorted_names(const struct oci_name *table, const char **out) {
  size_t n = 0;
  for (; table->name && n < FEATURES_MAX_NAMES; table++)
    out[n++] = table->name;
  qsort(out, n, sizeof *out, compare_strings);
  return (struct oci_names){out, n};
}

void features_collect(struct features *f) {
  struct oci_features *d = &f->doc;
  struct oci_features_linux *l = &d->linux_;
  memset(d, 0, sizeof *d);
  d->oci_version_min = "1.0.0";
  d->oci_version_max = OCI_SPEC_VERSION;
  d->hooks = (struct oci_names){hooks, N_ELEMS(hooks)};
  d->mount_options = (struct oci_names){mount_options, N_ELEMS(mount_options)};

  l->namespaces = (struct oci_names){namespaces, N_ELEMS(namespaces)};
  /* libcap reads the running kernel's last capability once, at load */
  int cap_bits = (int)cap_max_bits();
  size_t n = 0;
  for (const struct oci_name *c = oci_capability_names; c->name && n < FEATURES_MAX_NAMES; c++)
    if (c->value < cap_bits)
      f->capabilities[n++] = c->name;
  l->capabilities = (struct oci_names){f->capabilities, n};
  /* the cgroup drivers of lib/cgroups/ this host can use: the hierarchies mounted, the rdma
   * controller, and systemd's transient units (root: the system manager; rootless: the user's,
   * which runs under it) when systemd is PID 1 and libsystemd (dlopen'ed) loads */
  struct cgroup_support cg;
  cgroup_host_support(&cg);
  struct skiff_error ignored;
  l->cgroup_v1 = cg.v1;
  l->cgroup_v2 = cg.v2;
  l->cgroup_rdma = cg.rdma;
  l->cgroup_systemd = l->cgroup_systemd_user = cg.systemd && libsystemd_open(&ignored) != NULL;
  /* seccomp: libseccomp (dlopen'ed) loads and the kernel takes filters; without the library no
   * architecture, version 0.0.0 */
  const struct libseccomp *scmp = libseccomp_open(&ignored);
  l->seccomp_enabled = scmp && kernel_has_seccomp_flag(0);
  l->seccomp_actions = sorted_names(oci_seccomp_action_names, f->seccomp_actions);
  l->seccomp_operators = sorted_names(oci_seccomp_op_names, f->seccomp_operators);
  n = 0;
  for (const struct oci_name *a = oci_seccomp_arch_names; a->name && n < FEATURES_MAX_NAMES; a++)
    if (libseccomp_has_arch(scmp, a->name))
      f->seccomp_archs[n++] = a->name;
  qsort(f->seccomp_archs, n, sizeof *f->seccomp_archs, compare_strings);
  l->seccomp_archs = (struct oci_names){f->seccomp_archs, n};
  /* known: what the parser takes, in its order (runc's is not sorted either) */
  size_t known = 0, supported = 0;
  for (const struct oci_name *s = oci_seccomp_flag_names; s->name && known < FEATURES_MAX_NAMES; s++) {
    f->seccomp_known_flags[known++] = s->name;
    if (kernel_has_seccomp_flag((unsigned long)s->value))
      f->seccomp_supported_flags[supported++] = s->name;
  }
  l->seccomp_known_flags = (struct oci_names){f->seccomp_known_flags, known};
  l->seccomp_supported_flags = (struct oci_names){f->seccomp_supported_flags, supported};
  /* The spec would have these independent of the host; they follow it here, as engines read
   * them to decide what to ask for: lib/lsm.c refuses a profile or label the host cannot apply,
   * and an idmapped mount needs the kernel's MOUNT_ATTR_IDMAP. linux.intelRdt is refused
   * whatever the host (lib/process-sched.c): false. */
  l->apparmor_enabled = host_has_apparmor();
  l->selinux_enabled = host_has_selinux();
  l->intel_rdt_enabled = false;
  l->idmap_mounts_enabled = kernel_has_idmap_mounts();

  const struct scmp_version *v = scmp ? scmp->version() : NULL;
  format_string(f->libseccomp_version, sizeof f->libseccomp_version, "%u.%u.%u", v ? v->major : 0,
                v ? v->minor : 0, v ? v->micro : 0);
  /* as runc's: the libseccomp in use, the runtime's version and commit, checkpointing */
  f->annotations[0] = (struct oci_kv){"io.github.seccomp.libseccomp.version", f->libseccomp_version};
#ifdef HAVE_CRIU
  f->annotations[1] = (struct oci_kv){"org.skiff.checkpoint.enabled", "true"};
#else
  f->annotations[1] = (struct oci_kv){"org.skiff.checkpoint.enabled", "false"};
#endif
  f->annotations[2] = (struct oci_kv){"org.skiff.commit", SKIFF_COMMIT};
  f->annotations[3] = (struct oci_kv){"org.skiff.version", PACKAGE_VERSION};
  d->annotations = f->annotations;
  d->n_annotations = N_ELEMS(f->annotations);
  /* no config.json annotation changes what skiff does */
  d->potentially_unsafe_annotations = (struct oci_names){NULL, 0};
}

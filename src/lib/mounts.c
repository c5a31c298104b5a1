#include "lib/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/lsm.h"
#include "lib/mounts-internal.h"
#include "lib/paths.h"
#include "oci/cleanup.h"
#include "lib/utils.h"

struct flag_option {
  const char *name;
  bool clear;
  unsigned long flag;
};

static const struct flag_option flag_options[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

struct propagation_option {
  const char *name;
  unsigned long flag;
};

static const struct propagation_option propagation_options[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive attributes (mount_setattr). The atime ones are an enum: setting one clears the
 * others, which the kernel wants spelled as MOUNT_ATTR__ATIME in attr_clr. */
struct rec_option {
  const char *name;
  bool clear;
  uint64_t attr;
};

static const struct rec_option rec_options[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

static const struct propagation_option rec_atime_options[] = {
    {"rrelatime", MOUNT_ATTR_RELATIME},       {"ratime", MOUNT_ATTR_RELATIME},
    {"rnostrictatime", MOUNT_ATTR_RELATIME},  {"rnoatime", MOUNT_ATTR_NOATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME}, {"rnorelatime", MOUNT_ATTR_STRICTATIME},
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Flags the kernel locks on mounts inherited from a more privileged user namespace. */
#define LOCKABLE_FLAGS (MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | ATIME_FLAGS)
#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/* Destinations under /proc that may be covered (lxcfs emulates them); anything else there is
 * refused, as runc does, so that a mount cannot hide /proc/self/attr or similar. */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",  "/proc/stat",    "/proc/swaps",
    "/proc/uptime",  "/proc/loadavg",   "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

static const struct flag_option *find_flag_option(const char *name) {
  for (size_t i = 0; i < N_ELEMS(flag_options); i++)
    if (strcmp(flag_options[i].name, name) == 0)
      return &flag_options[i];
  return NULL;
}

unsigned long mount_propagation_flag(const char *name) {
  for (size_t i = 0; i < N_ELEMS(propagation_options); i++)
    if (strcmp(propagation_options[i].name, name) == 0)
      return propagation_options[i].flag;
  return 0;
}

static bool parse_rec_option(const char *name, struct mount_attr *rec) {
  for (size_t i = 0; i < N_ELEMS(rec_options); i++) {
    if (strcmp(rec_options[i].name, name) == 0) {
      if (rec_options[i].clear) {
        rec->attr_clr |= rec_options[i].attr;
        rec->attr_set &= ~rec_options[i].attr;
      } else {
        rec->attr_set |= rec_options[i].attr;
        rec->attr_clr &= ~rec_options[i].attr;
      }
      return true;
    }
  }
  for (size_t i = 0; i < N_ELEMS(rec_atime_options); i++) {
    if (strcmp(rec_atime_options[i].name, name) == 0) {
      rec->attr_clr |= MOUNT_ATTR__ATIME;
      rec->attr_set = (rec->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | rec_atime_options[i].flag;
      return true;
    }
  }
  return false;
}

unsigned long mount_option_flags(const struct oci_mount *m) {
  unsigned long flags = 0;
  for (size_t i = 0; i < m->options.n; i++) {
    const struct flag_option *f = find_flag_option(m->options.v[i]);
    if (f && f->clear)
      flags &= ~f->flag;
    else if (f)
      flags |= f->flag;
  }
  return flags;
}

bool mount_is_bind(const struct oci_mount *m) {
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  for (size_t i = 0; i < m->options.n; i++)
    if (strcmp(m->options.v[i], "bind") == 0 || strcmp(m->options.v[i], "rbind") == 0)
      return true;
  return false;
}

/* Fills o from m's options; *data_out receives the malloc'd data string (or NULL). */
static int parse_options(const struct oci_mount *m, struct mount_options *o, char **data_out,
                         struct skiff_error *err) {
  size_t total = 1;
  memset(o, 0, sizeof *o);
  *data_out = NULL;
  o->propagation = &m->options;
  if (m->type && strcmp(m->type, "bind") == 0)
    o->flags |= MS_BIND;
  for (size_t i = 0; i < m->options.n; i++)
    total += strlen(m->options.v[i]) + 1;
  cleanup_free char *data = malloc(total);
  if (!data)
    return skiff_fail_errno(err, ENOMEM, "mount options");
  char *p = data;
  for (size_t i = 0; i < m->options.n; i++) {
    const char *opt = m->options.v[i];
    const struct flag_option *f = find_flag_option(opt);
    if (f && f->clear) {
      o->flags &= ~f->flag;
      o->cleared |= f->flag;
    } else if (f) {
      o->flags |= f->flag;
      o->cleared &= ~f->flag;
    } else if (mount_propagation_flag(opt)) {
      continue; /* applied after the mount, in order */
    } else if (parse_rec_option(opt, &o->rec)) {
      o->has_rec = true;
    } else if (strcmp(opt, "tmpcopyup") == 0) {
      o->copy_up = true;
    } else if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
      continue; /* the tree the parent idmapped: mounts-idmap.c */
    } else {
      size_t n = strlen(opt);
      if (p != data)
        *p++ = ',';
      memcpy(p, opt, n);
      p += n;
    }
  }
  *p = '\0';
  if (p != data)
    o->data = *data_out = steal_pointer(&data);
  return 0;
}

int mount_on_fd(const char *source, int fd, const char *type, unsigned long flags, const char *data) {
  char target[PROC_FD_PATH_MAX];
  return mount(source, proc_fd_path(fd, target), type, flags, data);
}

static bool is_dev(const char *dest) {
  char clean[PATH_MAX];
  return path_clean(dest, clean, sizeof clean) && strcmp(clean, "/dev") == 0;
}

/* Refuses a destination resolved to /proc (unless the source is a procfs) or under it (unless
 * lxcfs-style allowed). The check is on where the fd really is, after symlinks. */
static int check_proc_destination(const struct mount_context *ctx, int fd, bool source_is_proc,
                                  struct skiff_error *err) {
  char fdpath[PROC_FD_PATH_MAX], real[PATH_MAX];
  ssize_t n = readlink(proc_fd_path(fd, fdpath), real, sizeof real - 1);
  if (n < 0)
    return skiff_fail_errno(err, errno, "readlink %s", fdpath);
  real[n] = '\0';
  size_t root_len = strcmp(ctx->root_path, "/") == 0 ? 0 : strlen(ctx->root_path);
  if (strncmp(real, ctx->root_path, root_len) != 0 || (real[root_len] != '/' && real[root_len] != '\0'))
    return skiff_fail(err, EXDEV, "destination resolved outside the rootfs (%s)", real);
  const char *in_root = real[root_len] ? real + root_len : "/";
  if (strcmp(in_root, "/proc") == 0) {
    if (source_is_proc)
      return 0;
    return skiff_fail(err, EPERM, "%s cannot be mounted because it is not of type proc", in_root);
  }
  if (strncmp(in_root, "/proc/", 6) != 0)
    return 0;
  for (size_t i = 0; i < N_ELEMS(proc_allowed); i++)
    if (strcmp(in_root, proc_allowed[i]) == 0)
      return 0;
  return skiff_fail(err, EPERM, "%s cannot be mounted because it is inside /proc", in_root);
}

static int apply_propagation(int fd, const struct mount_options *o, struct skiff_error *err) {
  if (!o->propagation)
    return 0;
  for (size_t i = 0; i < o->propagation->n; i++) {
    unsigned long flag = mount_propagation_flag(o->propagation->v[i]);
    if (flag && mount_on_fd(NULL, fd, NULL, flag, NULL) < 0)
      return skiff_fail_errno(err, errno, "set propagation %s", o->propagation->v[i]);
  }
  return 0;
}

static bool has_propagation(const struct mount_options *o) {
  if (o->propagation)
    for (size_t i = 0; i < o->propagation->n; i++)
      if (mount_propagation_flag(o->propagation->v[i]))
        return true;
  return false;
}

static int apply_rec(int fd, const struct mount_options *o, struct skiff_error *err) {
  struct mount_attr rec = o->rec;
  if (o->has_rec && syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &rec, sizeof rec) < 0)
    return skiff_fail_errno(err, errno, "set recursive mount attributes");
  return 0;
}

int mount_finish(const struct mount_context *ctx, const char *dest, const struct mount_options *o,
                 struct skiff_error *err) {
  if (!has_propagation(o) && !o->has_rec)
    return 0;
  /* The fd the mount went through names what is now covered: the new mount needs a fresh lookup. */
  cleanup_close int fd = path_open_in_root(ctx->root_fd, dest, O_PATH, 0, err);
  if (fd < 0)
    return -1;
  if (apply_propagation(fd, o, err) < 0)
    return -1;
  return apply_rec(fd, o, err);
}

/* MS_REMOUNT|MS_BIND changes only the per-mount flags. In a user namespace the flags inherited
 * from a more privileged one are locked: when refused, retry keeping them, unless the options
 * explicitly asked one off or asked for another atime mode (that cannot be honoured). */
int mount_remount_bind(int fd, unsigned long flags, unsigned long cleared, struct skiff_error *err) {
  unsigned long want = MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
  if (mount_on_fd(NULL, fd, NULL, want, NULL) == 0)
    return 0;
  int saved = errno;
  struct statfs st;
  if (saved != EPERM || fstatfs(fd, &st) < 0)
    return skiff_fail_errno(err, saved, "remount with the mount options");
  /* statfs' ST_* flags have the values of the MS_* ones; strictatime is the absence of the others */
  unsigned long current = (unsigned long)st.f_flags & LOCKABLE_FLAGS;
  if (!(current & (MS_NOATIME | MS_RELATIME)))
    current |= MS_STRICTATIME;
  if ((current & cleared & LOCKABLE_FLAGS) ||
      ((want & ATIME_FLAGS) && (want & ATIME_FLAGS) != (current & ATIME_FLAGS)))
    return skiff_fail_errno(err, saved, "remount with the mount options");
  if (mount_on_fd(NULL, fd, NULL, want | current, NULL) < 0)
    return skiff_fail_errno(err, errno, "remount with the mount options");
  return 0;
}

int mount_bind(const struct mount_context *ctx, const char *dest, const char *source, int tree, int src_fd,
               const struct mount_options *o, struct skiff_error *err) {
  if (!source || !*source)
    return skiff_fail(err, EINVAL, "bind mount without a source");
  cleanup_close int opened = tree >= 0 || src_fd >= 0 ? -1 : open(source, O_PATH | O_CLOEXEC);
  int src = src_fd >= 0 ? src_fd : opened;
  struct stat st;
  struct statfs sfs;
  int from = tree >= 0 ? tree : src;
  if (from < 0 || fd_stat(from, &st) < 0 || fstatfs(from, &sfs) < 0)
    return skiff_fail_errno(err, errno, "bind source %s", source);
  cleanup_close int dst = S_ISDIR(st.st_mode) ? path_mkdir_in_root(ctx->root_fd, dest, 0755, 0, err)
                                              : path_create_file_in_root(ctx->root_fd, dest, 0755, err);
  if (dst < 0 || check_proc_destination(ctx, dst, sfs.f_type == PROC_SUPER_MAGIC, err) < 0)
    return -1;
  char src_path[PROC_FD_PATH_MAX];
  if (tree >= 0) {
    if (mount_fd_move(tree, dst, err) < 0)
      return skiff_error_prefix(err, "attach the idmapped mount of %s", source);
  } else if (mount_on_fd(proc_fd_path(src, src_path), dst, NULL, MS_BIND | (o->flags & MS_REC), NULL) < 0) {
    return skiff_fail_errno(err, errno, "bind mount %s", source);
  }

  unsigned long flags = o->flags;
  if (is_dev(dest)) /* made ro after the devices are in: mounts_finalize_readonly() */
    flags &= ~MS_RDONLY;
  /* as runc 1.1: only options that set a flag trigger the remount ("rw" alone keeps the source's) */
  bool remount = (flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
  if (!remount && !has_propagation(o) && !o->has_rec)
    return 0;
  close(steal_fd(&dst));
  dst = path_open_in_root(ctx->root_fd, dest, O_PATH, 0, err);
  if (dst < 0 || apply_propagation(dst, o, err) < 0)
    return -1;
  if (remount && mount_remount_bind(dst, flags, o->cleared, err) < 0)
    return -1;
  return apply_rec(dst, o, err);
}

/* Opens dest for mounting a new filesystem on it, creating it as a directory. *covered_mode gets
 * the mode of a directory that was already there (-1 if created): the mounted tmpfs takes it. */
static int open_fs_destination(const struct mount_context *ctx, const char *dest, const char *type,
                               bool copy_up, int *covered_mode, struct skiff_error *err) {
  bool pseudo = strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0;
  *covered_mode = -1;
  if (pseudo) {
    /* never through a symlink: "/proc -> /" would put procfs on the container's root */
    int fd = path_mkdir_in_root(ctx->root_fd, dest, 0755, RESOLVE_NO_SYMLINKS, err);
    if (fd < 0 && (err->code == ELOOP || err->code == ENOTDIR)) /* runc's words */
      return skiff_fail(err, err->code, "filesystem \"%s\" must be mounted on ordinary directory (%s)", type,
                        err->code == ELOOP ? "a symlink is in the way" : "a file is in the way");
    return fd;
  }
  if (strcmp(type, "tmpfs") == 0) {
    /* a readable fd: tmpcopyup reads the covered directory through it after the mount */
    int fd = path_open_in_root(ctx->root_fd, dest, (copy_up ? O_RDONLY : O_PATH) | O_DIRECTORY, 0, err);
    struct stat st;
    if (fd >= 0 && fd_stat(fd, &st) == 0) {
      *covered_mode = (int)(st.st_mode & 07777);
      return fd;
    }
    if (fd >= 0)
      close(fd);
    if (err->code != ENOENT)
      return -1;
  }
  return path_mkdir_in_root(ctx->root_fd, dest, 0755, 0, err);
}

int mount_filesystem(const struct mount_context *ctx, const char *dest, const char *type, const char *source,
                     const struct mount_options *o, struct skiff_error *err) {
  bool pseudo = strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0;
  bool tmpfs = strcmp(type, "tmpfs") == 0;
  int covered_mode;
  cleanup_close int fd = open_fs_destination(ctx, dest, type, tmpfs && o->copy_up, &covered_mode, err);
  if (fd < 0)
    return -1;
  if (!pseudo && check_proc_destination(ctx, fd, false, err) < 0)
    return -1;
  unsigned long flags = o->flags & ~(MS_BIND | MS_REC);
  if (tmpfs || is_dev(dest)) /* files go in first: made ro by mounts_finalize_readonly() */
    flags &= ~MS_RDONLY;
  cleanup_free char *labelled = NULL;
  if (lsm_mount_data(type, o->data, ctx->mount_label, &labelled, err) < 0)
    return -1;
  const char *data = labelled ? labelled : o->data;
  if (mount_on_fd(source ? source : type, fd, type, flags, data) < 0) {
    int e = errno;
    if (e == EPERM && ctx->in_user_ns && strcmp(type, "sysfs") == 0) {
      /* sysfs belongs to the network namespace: without one of its own, rbind the host's */
      struct mount_options rbind = *o;
      rbind.flags |= MS_BIND | MS_REC;
      if (o->flags & MS_RDONLY) { /* the host's submounts too, or /sys/fs/cgroup... stay writable */
        rbind.rec.attr_set |= MOUNT_ATTR_RDONLY;
        rbind.has_rec = true;
      }
      return mount_bind(ctx, dest, "/sys", -1, -1, &rbind, err);
    }
    if (data)
      return skiff_fail_errno(err, e, "mount type \"%s\" with data \"%s\"", type, data);
    return skiff_fail_errno(err, e, "mount type \"%s\"", type);
  }
  if (ctx->mount_label && strcmp(type, "mqueue") == 0) {
    cleanup_close int root = path_open_in_root(ctx->root_fd, dest, O_PATH, 0, err);
    if (root < 0 || lsm_label_mount_root(root, type, ctx->mount_label, err) < 0)
      return -1;
  }
  if (tmpfs && (covered_mode >= 0 || o->copy_up)) {
    cleanup_close int root = path_open_in_root(ctx->root_fd, dest, O_RDONLY | O_DIRECTORY, 0, err);
    if (root < 0)
      return -1;
    if (covered_mode >= 0 && fchmod(root, (mode_t)covered_mode) < 0)
      return skiff_fail_errno(err, errno, "chmod tmpfs to %04o", covered_mode);
    if (o->copy_up && covered_mode >= 0 && copy_tree(fd, root, err) < 0)
      return skiff_error_prefix(err, "tmpcopyup");
  }
  return mount_finish(ctx, dest, o, err);
}

/* fd: what the parent opened for this mount (mounts_open_sources), -1 if nothing. */
static int mount_one(const struct mount_context *ctx, const struct oci_mount *m, int *fd,
                     struct skiff_error *err) {
  struct mount_options o;
  cleanup_free char *data = NULL;
  bool recursive, idmap = mount_wants_idmap(m, &recursive);
  if (parse_options(m, &o, &data, err) < 0)
    return -1;
  if (idmap && *fd < 0)
    return skiff_fail(err, EINVAL, "idmapped mount: no idmapped tree was prepared for it");
  if (o.flags & MS_BIND) {
    int r = mount_bind(ctx, m->destination, m->source, idmap ? *fd : -1, idmap ? -1 : *fd, &o, err);
    if (*fd >= 0) { /* used or not, of no more use */
      close(*fd);
      *fd = -1;
    }
    return r;
  }
  if (!m->type || !*m->type)
    return skiff_fail(err, EINVAL, "mount without a type");
  if (strcmp(m->type, "cgroup") == 0)
    return mount_cgroup(ctx, m, &o, err);
  return mount_filesystem(ctx, m->destination, m->type, m->source, &o, err);
}

int mounts_setup(const struct oci_config *config, const struct mount_context *ctx, struct skiff_error *err) {
  for (size_t i = 0; i < config->n_mounts; i++) {
    const struct oci_mount *m = &config->mounts[i];
    int none = -1;
    if (mount_one(ctx, m, ctx->mount_fds ? &ctx->mount_fds[i] : &none, err) < 0)
      return skiff_error_prefix(err, "mounts[%zu] (%s)", i, m->destination);
  }
  return 0;
}

int mounts_finalize_readonly(const struct oci_config *config, int root_fd, struct skiff_error *err) {
  for (size_t i = 0; i < config->n_mounts; i++) {
    const struct oci_mount *m = &config->mounts[i];
    unsigned long flags = mount_option_flags(m);
    if (!(flags & MS_RDONLY))
      continue;
    bool tmpfs = m->type && strcmp(m->type, "tmpfs") == 0 && !mount_is_bind(m);
    if (!tmpfs && !is_dev(m->destination))
      continue;
    cleanup_close int fd = path_open_in_root(root_fd, m->destination, O_PATH, 0, err);
    if (fd < 0 || mount_fd_set_readonly(fd, err) < 0)
      return skiff_error_prefix(err, "mounts[%zu] (%s)", i, m->destination);
  }
  return 0;
}

/* ---- mounts by fd alone --------------------------------------------------- */

int mount_fd_move(int tree, int dst, struct skiff_error *err) {
  if (syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return skiff_fail_errno(err, errno, "move_mount");
  return 0;
}

int mount_fd_bind(int src, int dst, bool recursive, bool readonly, struct skiff_error *err) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  cleanup_close int tree = (int)syscall(SYS_open_tree, src, "", flags);
  if (tree < 0 && errno == ENOSYS) { /* before Linux 5.2: by path, the one way there is */
    char from[PROC_FD_PATH_MAX], to[PROC_FD_PATH_MAX];
    if (mount(proc_fd_path(src, from), proc_fd_path(dst, to), NULL, MS_BIND | (recursive ? MS_REC : 0),
              NULL) < 0)
      return skiff_fail_errno(err, errno, "bind mount");
    return readonly ? mount_remount_bind(dst, MS_RDONLY, 0, err) : 0;
  }
  if (tree < 0)
    return skiff_fail_errno(err, errno, "open_tree");
  /* read-only before it is attached: never visible writable, and no remount through a path */
  struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
  if (readonly && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ro,
                          sizeof ro) < 0)
    return skiff_fail_errno(err, errno, "make the bind mount read-only");
  return mount_fd_move(tree, dst, err);
}

int mount_fd_tmpfs_ro(int dst, struct skiff_error *err) {
  cleanup_close int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 && errno == ENOSYS) {
    char to[PROC_FD_PATH_MAX];
    if (mount("tmpfs", proc_fd_path(dst, to), "tmpfs", MS_RDONLY, NULL) < 0)
      return skiff_fail_errno(err, errno, "mount a read-only tmpfs");
    return 0;
  }
  if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return skiff_fail_errno(err, errno, "create a tmpfs");
  cleanup_close int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
  if (mnt < 0)
    return skiff_fail_errno(err, errno, "fsmount a read-only tmpfs");
  return mount_fd_move(mnt, dst, err);
}

int mount_fd_set_readonly(int fd, struct skiff_error *err) {
  struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &ro, sizeof ro) == 0)
    return 0;
  if (errno != ENOSYS)
    return skiff_fail_errno(err, errno, "make the mount read-only");
  struct statfs st; /* before Linux 5.12: remount by path, keeping the flags it has */
  if (fstatfs(fd, &st) < 0)
    return skiff_fail_errno(err, errno, "statfs");
  return mount_remount_bind(fd, MS_RDONLY | ((unsigned long)st.f_flags & LOCKABLE_FLAGS), 0, err);
}

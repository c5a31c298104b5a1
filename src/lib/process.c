#include "lib/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/paths.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "lib/utils.h"
#include "oci/str.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "additional_gids is passed to setgroups as is");

/* ---- sysctl ----------------------------------------------------------- */

/* Maps a sysctl key to its path under /proc/sys. Rejects keys whose components are empty, "."
 * or "..", so that nothing can name a file outside /proc/sys. */
static int sysctl_key_to_path(const char *key, char *path, size_t size) {
  size_t len = strlen(key);
  if (len == 0 || len >= size)
    return -1;
  /* sysctl(8): when the first separator is '/', '.' is a literal dot (and stays); when it is
   * '.', '.' separates and '/' stands for a literal dot. */
  size_t first_sep = str_cspan(key, "./");
  bool slash_form = key[first_sep] == '/';
  for (size_t i = 0; i <= len; i++) {
    char c = key[i];
    if (!slash_form && c == '.')
      c = '/';
    else if (!slash_form && c == '/')
      c = '.';
    path[i] = c;
  }
  for (const char *comp = path;;) {
    size_t n = str_cspan(comp, "/");
    if (n == 0 || (n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.'))
      return -1;
    if (!comp[n])
      return 0;
    comp += n + 1;
  }
}

/* Each value goes to a file opened beneath a verified procfs root, crossing no mount and no
 * symlink: a bind mount over part of /proc/sys (or a rootfs whose /proc is not a procfs) makes the
 * write fail instead of landing elsewhere. */
int process_apply_sysctl(const struct oci_linux *linux_, struct skiff_error *err) {
  for (size_t i = 0; i < linux_->n_sysctl; i++) {
    const char *key = linux_->sysctl[i].key, *value = linux_->sysctl[i].value;
    char path[PATH_MAX];
    memcpy(path, "sys/", 4);
    if (sysctl_key_to_path(key, path + 4, sizeof path - 4) < 0)
      return skiff_fail(err, EINVAL, "linux.sysctl[\"%s\"]: invalid key", key);
    cleanup_close int fd = proc_open(path, O_WRONLY, RESOLVE_NO_SYMLINKS, err);
    if (fd < 0)
      return skiff_error_prefix(err, "linux.sysctl[\"%s\"]", key);
    if (write_once(fd, value, strlen(value)) < 0)
      return skiff_fail_errno(err, errno, "linux.sysctl[\"%s\"]: write \"%s\" to /proc/%s", key, value, path);
  }
  return 0;
}

/* ---- rlimits, oom score ----------------------------------------------- */

int process_apply_rlimits(const struct oci_process *process, struct skiff_error *err) {
  for (size_t i = 0; i < process->n_rlimits; i++) {
    const struct oci_rlimit *r = &process->rlimits[i];
    struct rlimit limit = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(r->resource, &limit) < 0)
      return skiff_fail_errno(err, errno, "process.rlimits[%zu]: set %s (soft %llu, hard %llu)", i, r->type,
                              (unsigned long long)r->soft, (unsigned long long)r->hard);
  }
  return 0;
}

int process_apply_oom_score_adj(const struct oci_process *process, struct skiff_error *err) {
  if (!process->has_oom_score_adj)
    return 0;
  cleanup_close int fd = proc_open("self/oom_score_adj", O_WRONLY, 0, err);
  if (fd < 0)
    return skiff_error_prefix(err, "process.oomScoreAdj");
  char buf[16];
  int len = format_string(buf, sizeof buf, "%d", process->oom_score_adj);
  if (write_once(fd, buf, len) < 0)
    return skiff_fail_errno(err, errno, "process.oomScoreAdj: write %d to /proc/self/oom_score_adj",
                            process->oom_score_adj);
  return 0;
}

/* ---- user ------------------------------------------------------------- */

static bool setgroups_denied(void) {
  cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return false;
  char buf[8];
  ssize_t n = read(fd, buf, sizeof buf);
  return n >= 4 && memcmp(buf, "deny", 4) == 0;
}

int process_set_user(const struct oci_process *process, struct skiff_error *err) {
  const struct oci_user *user = &process->user;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "prctl(PR_SET_KEEPCAPS, 1)");

  /* setgroups first, while still privileged. Trying it before reading /proc/self/setgroups
   * saves the read in the common case and does not depend on /proc being mounted. */
  size_t n = user->n_additional_gids;
  if (setgroups(n, (const gid_t *)user->additional_gids) < 0) {
    int saved = errno;
    if (!(saved == EPERM && n == 0 && setgroups_denied()))
      return skiff_fail_errno(err, saved, "process.user.additionalGids: setgroups");
  }
  if (setresgid(user->gid, user->gid, user->gid) < 0) {
    if (errno == EINVAL)
      return skiff_fail(err, EINVAL, "process.user.gid: gid %u is not mapped in the user namespace",
                        user->gid);
    return skiff_fail_errno(err, errno, "process.user.gid: setresgid %u", user->gid);
  }
  if (setresuid(user->uid, user->uid, user->uid) < 0) {
    if (errno == EINVAL)
      return skiff_fail(err, EINVAL, "process.user.uid: uid %u is not mapped in the user namespace",
                        user->uid);
    return skiff_fail_errno(err, errno, "process.user.uid: setresuid %u", user->uid);
  }
  return 0;
}

/* Whether process_enter_cwd() made the cwd the process's: this process (the init, or an exec
 * child) sets up exactly one container process. */
static bool cwd_entered;

int process_enter_cwd(const struct oci_process *process, struct skiff_error *err) {
  cwd_entered = false;
  if (!process->cwd || !*process->cwd)
    return 0;
  if (chdir(process->cwd) == 0)
    return cwd_entered = true, 0;
  if (errno == EACCES || errno == EPERM) /* the final user may be let in where root is not (NFS) */
    return 0;
  return skiff_fail_errno(err, errno, "chdir to cwd (\"%s\") set in config.json failed", process->cwd);
}

int process_chdir_umask(const struct oci_process *process, struct skiff_error *err) {
  umask(process->user.has_umask ? (mode_t)process->user.umask : 0022);
  if (!cwd_entered && process->cwd && *process->cwd && chdir(process->cwd) < 0)
    return skiff_fail_errno(err, errno, "chdir to cwd (\"%s\") set in config.json failed", process->cwd);
  return 0;
}

int process_apply_no_new_privs(const struct oci_process *process, struct skiff_error *err) {
  if (process->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return skiff_fail_errno(err, errno, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
  return 0;
}

/* ---- fds -------------------------------------------------------------- */

static int cloexec_from_proc(int first, struct skiff_error *err) {
  cleanup_closedir DIR *dir = opendir("/proc/self/fd");
  if (!dir)
    return skiff_fail_errno(err, errno, "mark fds close-on-exec: open /proc/self/fd");
  int self = dirfd(dir);
  struct dirent *d;
  while ((d = readdir(dir))) {
    char *end;
    long fd = strtol(d->d_name, &end, 10);
    if (*end || end == d->d_name || fd < first || fd == self)
      continue;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
      return skiff_fail_errno(err, errno, "mark fd %ld close-on-exec", fd);
  }
  return 0;
}

int process_close_fds(int preserve_fds, struct skiff_error *err) {
  if (preserve_fds < 0)
    preserve_fds = 0;
  int first = 3 + preserve_fds;
  for (int fd = 3; fd < first; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
      return skiff_fail_errno(err, errno, "preserve fd %d", fd);
  }
  if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  if (errno != ENOSYS && errno != EINVAL)
    return skiff_fail_errno(err, errno, "close_range(%d, CLOSE_RANGE_CLOEXEC)", first);
  return cloexec_from_proc(first, err);
}

/* ---- exec ------------------------------------------------------------- */

/* The value of the last NAME= in env (runc sets them in order, so the last wins), or NULL. */
static const char *env_value(const struct oci_strv *env, const char *name) {
  size_t len = strlen(name);
  for (size_t i = env->n; i-- > 0;)
    if (strncmp(env->v[i], name, len) == 0 && env->v[i][len] == '=')
      return env->v[i] + len + 1;
  return NULL;
}

static bool is_executable(const char *path, const struct stat *st) {
  return S_ISREG(st->st_mode) && faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

char *process_find_executable(const struct oci_process *process, struct skiff_error *err) {
  const char *name = process->args.n > 0 ? process->args.v[0] : NULL;
  if (!name) {
    skiff_fail(err, EINVAL, "process.args: no command to run");
    return NULL;
  }
  if (strchr(name, '/')) {
    struct stat st;
    if (stat(name, &st) < 0) {
      skiff_fail_errno(err, errno, "exec: \"%s\": stat %s", name, name);
      return NULL;
    }
    if (!is_executable(name, &st)) {
      skiff_fail(err, EACCES, "exec: \"%s\": permission denied", name);
      return NULL;
    }
    char *path = strdup(name);
    if (!path)
      skiff_fail_errno(err, ENOMEM, "exec: \"%s\"", name);
    return path;
  }

  const char *search = env_value(&process->env, "PATH");
  if (*name && search && *search) {
    size_t name_len = strlen(name);
    cleanup_free char *candidate = malloc(strlen(search) + name_len + 3);
    if (!candidate) {
      skiff_fail_errno(err, ENOMEM, "exec: \"%s\"", name);
      return NULL;
    }
    for (const char *dir = search;;) {
      size_t dir_len = str_cspan(dir, ":");
      if (dir_len == 0) /* an empty entry is the current directory */
        memcpy(candidate, ".", dir_len = 1);
      else
        memcpy(candidate, dir, dir_len);
      candidate[dir_len] = '/';
      memcpy(candidate + dir_len + 1, name, name_len + 1);
      struct stat st;
      if (stat(candidate, &st) == 0 && is_executable(candidate, &st))
        return steal_pointer(&candidate);
      dir += str_cspan(dir, ":");
      if (!*dir)
        break;
      dir++;
    }
  }
  skiff_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
  return NULL;
}

static enum oci_ns_type sysctl_namespace(const char *dotted) {
  static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                         "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                         "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
    if (!strcmp(dotted, ipc_keys[i]))
      return OCI_NS_IPC;
  if (!strncmp(dotted, "fs.mqueue.", 10))
    return OCI_NS_IPC;
  if (!strcmp(dotted, "kernel.hostname") || !strcmp(dotted, "kernel.domainname"))
    return OCI_NS_UTS;
  if (!strncmp(dotted, "net.", 4))
    return OCI_NS_NETWORK;
  return OCI_NS_COUNT;
}

int process_validate_sysctl(const struct oci_config *config, struct skiff_error *err) {
  const struct oci_linux *l = &config->linux_;
  for (size_t i = 0; i < l->n_sysctl; i++) {
    char dotted[256];
    format_string(dotted, sizeof dotted, "%s", l->sysctl[i].key);
    for (char *p = dotted; *p; p++) /* "net/ipv4/ip_forward" names the same file */
      if (*p == '/')
        *p = '.';
    enum oci_ns_type t = sysctl_namespace(dotted);
    if (t == OCI_NS_COUNT)
      return skiff_fail(err, EINVAL, "config.json: linux.sysctl[\"%s\"]: not in a separate kernel namespace",
                        l->sysctl[i].key);
    if (!oci_config_namespace(config, t))
      return skiff_fail(err, EINVAL, "config.json: linux.sysctl[\"%s\"]: needs a %s namespace",
                        l->sysctl[i].key, oci_ns_type_name(t));
  }
  return 0;
}

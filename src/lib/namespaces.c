#include "lib/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "lib/utils.h"
#include "oci/format.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

extern char **environ;

int ns_clone_flag(enum oci_ns_type type) {
  switch (type) {
  case OCI_NS_PID:
    return CLONE_NEWPID;
  case OCI_NS_NETWORK:
    return CLONE_NEWNET;
  case OCI_NS_MOUNT:
    return CLONE_NEWNS;
  case OCI_NS_IPC:
    return CLONE_NEWIPC;
  case OCI_NS_UTS:
    return CLONE_NEWUTS;
  case OCI_NS_USER:
    return CLONE_NEWUSER;
  case OCI_NS_CGROUP:
    return CLONE_NEWCGROUP;
  case OCI_NS_TIME:
    return CLONE_NEWTIME;
  case OCI_NS_COUNT:
    break;
  }
  return 0;
}

void ns_close_paths(int fds[OCI_NS_COUNT]) {
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (fds[t] >= 0) {
      close(fds[t]);
      fds[t] = -1;
    }
}

int ns_open_paths(const struct oci_config *config, int fds[OCI_NS_COUNT], struct skiff_error *err) {
  for (int t = 0; t < OCI_NS_COUNT; t++)
    fds[t] = -1;
  for (size_t i = 0; i < config->linux_.n_namespaces; i++) {
    const struct oci_namespace *ns = &config->linux_.namespaces[i];
    if (!ns->path)
      continue;
    const char *type_name = oci_ns_type_name(ns->type);
    if (fds[ns->type] >= 0) {
      ns_close_paths(fds);
      return skiff_fail(err, EINVAL, "linux.namespaces[%zu]: more than one %s namespace", i, type_name);
    }
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int saved = errno;
      ns_close_paths(fds);
      return skiff_fail_errno(err, saved, "linux.namespaces[%zu].path: open %s namespace %s", i, type_name,
                              ns->path);
    }
    fds[ns->type] = fd;
    int nstype = ioctl(fd, NS_GET_NSTYPE);
    if (nstype < 0 && errno != ENOTTY) {
      int saved = errno;
      ns_close_paths(fds);
      return skiff_fail_errno(err, saved, "linux.namespaces[%zu].path: NS_GET_NSTYPE on %s", i, ns->path);
    }
    if (nstype != ns_clone_flag(ns->type)) {
      ns_close_paths(fds);
      return skiff_fail(err, EINVAL, "linux.namespaces[%zu].path: %s is not a%s %s namespace", i, ns->path,
                        ns->type == OCI_NS_IPC ? "n" : "", type_name);
    }
  }
  return 0;
}

int ns_join(int fds[OCI_NS_COUNT], unsigned type_mask, struct skiff_error *err) {
  /* The user namespace first: it grants the capabilities the other setns() calls need. Mount
   * last, because it changes the root and cwd nothing after it should depend on. */
  static const enum oci_ns_type order[] = {OCI_NS_USER,   OCI_NS_IPC, OCI_NS_UTS,  OCI_NS_NETWORK,
                                           OCI_NS_CGROUP, OCI_NS_PID, OCI_NS_TIME, OCI_NS_MOUNT};
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    enum oci_ns_type t = order[i];
    if (fds[t] < 0 || !(type_mask & (1u << t)))
      continue;
    if (setns(fds[t], ns_clone_flag(t)) < 0)
      return skiff_fail_errno(err, errno, "setns into %s namespace", oci_ns_type_name(t));
    close(fds[t]);
    fds[t] = -1;
  }
  return 0;
}

/* ---- id maps ---------------------------------------------------------- */

static int write_id_map_file(int procfd, const char *name, const struct oci_id_mapping *maps, size_t n,
                             struct skiff_error *err) {
  size_t cap = n * 3 * 11 + 1;
  cleanup_free char *buf = malloc(cap);
  if (!buf)
    return skiff_fail_errno(err, ENOMEM, "write %s", name);
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += format_string(buf + len, cap - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", maps[i].container_id,
                         maps[i].host_id, maps[i].size);
  return write_file_at(procfd, name, buf, len, err);
}

/* Runs newuidmap/newgidmap, returning its output (trimmed, one line) in the error on failure. */
static int run_id_mapper(const char *tool, pid_t pid, const struct oci_id_mapping *maps, size_t n,
                         struct skiff_error *err) {
  size_t argc = 2 + 3 * n;
  cleanup_free char **argv = calloc(argc + 1, sizeof *argv);
  cleanup_free char *numbers = malloc((argc - 1) * 12);
  if (!argv || !numbers)
    return skiff_fail_errno(err, ENOMEM, "%s", tool);
  argv[0] = (char *)tool;
  char *p = numbers;
  argv[1] = p;
  p += format_string(p, 12, "%d", (int)pid) + 1;
  for (size_t i = 0; i < n; i++) {
    uint32_t v[3] = {maps[i].container_id, maps[i].host_id, maps[i].size};
    for (int k = 0; k < 3; k++) {
      argv[2 + 3 * i + k] = p;
      p += format_string(p, 12, "%" PRIu32, v[k]) + 1;
    }
  }

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return skiff_fail_errno(err, errno, "%s: pipe", tool);
  cleanup_close int rd = pipefd[0];
  cleanup_close int wr = pipefd[1];
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0)
    return skiff_fail_errno(err, ENOMEM, "%s", tool);
  posix_spawn_file_actions_adddup2(&actions, wr, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, wr, STDERR_FILENO);
  pid_t child;
  int rc = posix_spawnp(&child, tool, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT || rc == EACCES)
    return skiff_fail_errno(
        err, rc, "run %s (needed to map more than the caller's own id; it is in the uidmap package)", tool);
  if (rc != 0)
    return skiff_fail_errno(err, rc, "run %s", tool);
  close(steal_fd(&wr));

  char out[512];
  size_t len = 0;
  for (;;) {
    char sink[256];
    char *dst = len < sizeof out - 1 ? out + len : sink;
    size_t room = len < sizeof out - 1 ? sizeof out - 1 - len : sizeof sink;
    ssize_t r = read(rd, dst, room);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (dst == out + len)
      len += r;
  }
  out[len] = '\0';
  while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
    out[--len] = '\0';
  for (char *c = out; *c; c++)
    if (*c == '\n')
      *c = ' ';

  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR)
      return skiff_fail_errno(err, errno, "wait for %s", tool);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (len > 0)
    return skiff_fail(err, EPERM, "%s failed: %s", tool, out);
  if (WIFSIGNALED(status))
    return skiff_fail(err, EPERM, "%s killed by signal %d", tool, WTERMSIG(status));
  return skiff_fail(err, EPERM, "%s exited with status %d", tool, WEXITSTATUS(status));
}

int ns_write_id_maps(pid_t pid, const struct oci_linux *linux_, struct skiff_error *err) {
  char path[32];
  format_string(path, sizeof path, "/proc/%d", (int)pid);
  cleanup_close int procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (procfd < 0)
    return skiff_fail_errno(err, errno, "open %s", path);

  /* Without CAP_SETUID/CAP_SETGID in the parent namespace the kernel only accepts a single
   * line mapping the writer's own id; anything else goes through the setuid helpers, which
   * check /etc/subuid and /etc/subgid. */
  bool privileged = geteuid() == 0;
  const struct oci_id_mapping *u = linux_->uid_mappings, *g = linux_->gid_mappings;
  size_t nu = linux_->n_uid_mappings, ng = linux_->n_gid_mappings;

  if (nu > 0) {
    int rc;
    if (privileged || (nu == 1 && u[0].size == 1 && u[0].host_id == geteuid()))
      rc = write_id_map_file(procfd, "uid_map", u, nu, err);
    else
      rc = run_id_mapper("newuidmap", pid, u, nu, err);
    if (rc < 0)
      return skiff_error_prefix(err, "linux.uidMappings");
  }
  if (ng > 0) {
    int rc;
    if (privileged) {
      rc = write_id_map_file(procfd, "gid_map", g, ng, err);
    } else if (ng == 1 && g[0].size == 1 && g[0].host_id == getegid()) {
      /* An unprivileged gid_map requires setgroups to be denied first, else the container
       * could drop supplementary groups used as negative permissions on the host. */
      rc = write_file_at(procfd, "setgroups", "deny", 4, err);
      if (rc == 0)
        rc = write_id_map_file(procfd, "gid_map", g, ng, err);
    } else {
      rc = run_id_mapper("newgidmap", pid, g, ng, err);
    }
    if (rc < 0)
      return skiff_error_prefix(err, "linux.gidMappings");
  }
  return 0;
}

/* ---- time ------------------------------------------------------------- */

int ns_enter_new_time(const struct oci_linux *linux_, struct skiff_error *err) {
  if (unshare(CLONE_NEWTIME) < 0)
    return skiff_fail_errno(err, errno, "unshare time namespace");

  /* Offsets can only be written while no process is in the namespace, hence unshare (which
   * only affects children) before joining it ourselves. */
  if (linux_->has_time_offsets) {
    char buf[128];
    size_t len = 0;
    const struct oci_time_offset *mono = &linux_->time_monotonic, *boot = &linux_->time_boottime;
    if (mono->has_secs || mono->has_nanosecs)
      len += format_string(buf + len, sizeof buf - len, "monotonic %" PRId64 " %" PRIu32 "\n", mono->secs,
                           mono->nanosecs);
    if (boot->has_secs || boot->has_nanosecs)
      len += format_string(buf + len, sizeof buf - len, "boottime %" PRId64 " %" PRIu32 "\n", boot->secs,
                           boot->nanosecs);
    if (len > 0 && write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, len, err) < 0)
      return skiff_error_prefix(err, "linux.timeOffsets");
  }

  cleanup_close int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open /proc/self/ns/time_for_children");
  if (setns(fd, CLONE_NEWTIME) < 0)
    return skiff_fail_errno(err, errno, "setns into the new time namespace");
  return 0;
}

/* ---- uts -------------------------------------------------------------- */

int ns_set_hostname(const struct oci_config *config, struct skiff_error *err) {
  const char *hostname = config->hostname, *domainname = config->domainname;
  bool has_uts = oci_config_namespace(config, OCI_NS_UTS) != NULL;
  if (hostname && *hostname) {
    if (!has_uts)
      return skiff_fail(err, EINVAL, "unable to set hostname without a private UTS namespace");
    if (sethostname(hostname, strlen(hostname)) < 0)
      return skiff_fail_errno(err, errno, "sethostname \"%s\"", hostname);
  }
  if (domainname && *domainname) {
    if (!has_uts)
      return skiff_fail(err, EINVAL, "unable to set domainname without a private UTS namespace");
    if (setdomainname(domainname, strlen(domainname)) < 0)
      return skiff_fail_errno(err, errno, "setdomainname \"%s\"", domainname);
  }
  return 0;
}

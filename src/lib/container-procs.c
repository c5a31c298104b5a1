/* ps of a container without a cgroup (rootless, none delegated): its processes are found through
 * the namespaces its init made, as /proc shows them. */
#include "lib/container-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"

/* The inode that /proc/<pid>/ns/<type> names ("mnt:[4026531841]"), or "" when unreadable. */
static void ns_id(const char *pid, const char *type, char *buf, size_t size) {
  char path[64];
  format_string(path, sizeof path, "/proc/%s/ns/%s", pid, type);
  ssize_t n = readlink(path, buf, size - 1);
  buf[n > 0 ? n : 0] = '\0';
}

static int add_pid(pid_t **pids, size_t *n, size_t *cap, pid_t pid, struct skiff_error *err) {
  if (*n == *cap) {
    size_t bigger = *cap ? 2 * *cap : 64;
    pid_t *p = realloc(*pids, bigger * sizeof *p);
    if (!p)
      return skiff_fail_errno(err, ENOMEM, "ps");
    *pids = p;
    *cap = bigger;
  }
  (*pids)[(*n)++] = pid;
  return 0;
}

/* Every process in the init's mount namespace, which exec joins too; else (a container sharing
 * ours) in its pid namespace; else the init alone. */
int container_procs_by_namespace(pid_t init, pid_t **pids, size_t *n, struct skiff_error *err) {
  static const char *const types[] = {"mnt", "pid"};
  char init_pid[16], mine[64], want[64] = "", got[64];
  const char *type = NULL;
  format_string(init_pid, sizeof init_pid, "%d", (int)init);
  for (size_t t = 0; t < 2 && !type; t++) {
    ns_id(init_pid, types[t], want, sizeof want);
    ns_id("self", types[t], mine, sizeof mine);
    if (want[0] && strcmp(want, mine) != 0)
      type = types[t];
  }
  size_t cap = 0;
  *pids = NULL;
  *n = 0;
  if (!type)
    return add_pid(pids, n, &cap, init, err);
  cleanup_closedir DIR *proc = opendir("/proc");
  if (!proc)
    return skiff_fail_errno(err, errno, "ps: open /proc");
  struct dirent *d;
  while ((d = readdir(proc))) {
    char *end;
    long pid = strtol(d->d_name, &end, 10);
    if (*end || end == d->d_name || pid <= 0)
      continue;
    ns_id(d->d_name, type, got, sizeof got);
    if (!strcmp(got, want) && add_pid(pids, n, &cap, (pid_t)pid, err) < 0) {
      free(*pids);
      *pids = NULL;
      return -1;
    }
  }
  return 0;
}

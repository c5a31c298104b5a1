#include "lib/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

static int mkdir_parents(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  if (format_string(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

static int open_root(const char *root, bool create, struct skiff_error *err) {
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    if (mkdir_parents(root, 0711) < 0)
      return skiff_fail_errno(err, errno, "create state root %s", root);
    fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open state root %s", root);
  return fd;
}

/* Removes what a dead create left behind: the files it makes, then the directory. */
static void remove_entries(int dirfd) {
  static const char *const names[] = {STATE_FILE, EXEC_FIFO, STATE_CONFIG};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    unlinkat(dirfd, names[i], 0);
  cleanup_close int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  struct dir_reader d;
  dir_reader_init(&d, fd);
  struct dirent64 *e;
  while ((e = dir_reader_next(&d)))
    if (e->d_name[0] == '.' && e->d_name[1] != '\0' && strcmp(e->d_name, ".."))
      unlinkat(dirfd, e->d_name, 0); /* temp files of write_file_atomic */
}

/* A directory whose lock was free: either a container (state.json with a pid), or what a create
 * that died left (no state.json, or one written before the init existed, pid 0), whose cgroup
 * goes with it. */
static int reclaim_dead_create(int dirfd, const char *id, struct skiff_error *err) {
  size_t len;
  cleanup_free char *json = read_file_at(dirfd, STATE_FILE, &len, err);
  if (json) {
    struct oci_state *st = oci_state_parse(json, len, STATE_FILE, err);
    bool incomplete = st && st->pid == 0;
    int ret = 0;
    if (incomplete && st->cgroup_path)
      ret = cgroup_destroy_path(st->cgroup_path, err);
    if (st)
      oci_state_free(st);
    if (!incomplete)
      return skiff_fail(err, EEXIST, "container with id exists: %s", id);
    if (ret < 0)
      return -1;
  }
  remove_entries(dirfd);
  return 0;
}

int state_dir_create(const char *root, const char *id, struct skiff_error *err) {
  cleanup_close int rootfd = open_root(root, true, err);
  if (rootfd < 0)
    return -1;
  bool reclaimed = false;
  if (mkdirat(rootfd, id, 0700) < 0) {
    if (errno != EEXIST)
      return skiff_fail_errno(err, errno, "create state directory %s/%s", root, id);
    reclaimed = true;
  }
  cleanup_close int dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dirfd < 0)
    return skiff_fail_errno(err, errno, "open state directory %s/%s", root, id);
  if (flock(dirfd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return skiff_fail(err, EEXIST, "container with id exists: %s", id);
    return skiff_fail_errno(err, errno, "lock %s/%s", root, id);
  }
  if (reclaimed && reclaim_dead_create(dirfd, id, err) < 0)
    return -1;
  return steal_fd(&dirfd);
}

int state_dir_open_unlocked(const char *root, const char *id, struct skiff_error *err) {
  /* one open of "<root>/<id>" (O_NOFOLLOW guards the id's component), from the root's fd only when
   * that path would be too long */
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
  char path[PATH_MAX];
  int n = format_string(path, sizeof path, "%s/%s", root, id), dirfd;
  if (n >= 0 && (size_t)n < sizeof path) {
    dirfd = open(path, flags);
  } else {
    cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    dirfd = rootfd < 0 ? -1 : openat(rootfd, id, flags);
  }
  if (dirfd < 0) {
    if (errno == ENOENT)
      return skiff_fail(err, ENOENT, "container does not exist");
    return skiff_fail_errno(err, errno, "open state directory %s/%s", root, id);
  }
  return dirfd;
}

int state_dir_open(const char *root, const char *id, struct skiff_error *err) {
  cleanup_close int dirfd = state_dir_open_unlocked(root, id, err);
  if (dirfd < 0)
    return -1;
  if (flock(dirfd, LOCK_EX) < 0)
    return skiff_fail_errno(err, errno, "lock %s/%s", root, id);
  /* A create that died before writing state.json left only an empty directory. */
  if (faccessat(dirfd, STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
    return skiff_fail(err, ENOENT, "container does not exist");
  return steal_fd(&dirfd);
}

bool state_dir_lock_bounded(int dirfd, int timeout_ms) {
  /* flock has no timeout: polled, 10 ms apart (a create holds the lock a few ms) */
  for (int waited = 0;; waited += 10) {
    if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
      return true;
    if (errno != EWOULDBLOCK || waited >= timeout_ms)
      return false;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

int state_write(int dirfd, const struct oci_state *state, struct skiff_error *err) {
  cleanup_free char *json = oci_state_to_json(state, NULL, true, err);
  if (!json)
    return -1;
  return write_file_atomic(dirfd, STATE_FILE, json, strlen(json), 0600, err);
}

struct oci_state *state_read(int dirfd, bool *creating, struct skiff_error *err) {
  size_t len;
  if (creating)
    *creating = false;
  cleanup_free char *json = read_file_at(dirfd, STATE_FILE, &len, err);
  if (!json) {
    if (err->code != ENOENT)
      return NULL;
    /* No state yet: a create in progress holds the lock; otherwise a create died. */
    cleanup_close int probe = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (creating && probe >= 0 && flock(probe, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
      *creating = true;
      return NULL;
    }
    skiff_fail(err, ENOENT, "container does not exist");
    return NULL;
  }
  return oci_state_parse(json, len, STATE_FILE, err);
}

int state_dir_remove(const char *root, const char *id, int dirfd, struct skiff_error *err) {
  remove_entries(dirfd);
  cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return skiff_fail_errno(err, errno, "open state root %s", root);
  if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return skiff_fail_errno(err, errno, "remove state directory %s/%s", root, id);
  return 0;
}

bool state_init_alive(const struct oci_state *state) {
  uint64_t start;
  char letter;
  if (state->pid <= 0 || proc_start_time(state->pid, &start, &letter) < 0)
    return false;
  return start == state->pid_start_time && letter != 'Z' && letter != 'X';
}

/* pid 0: state.json was written before the init existed; its create still holds the lock, or
 * died. */
static bool being_created(int dirfd) {
  cleanup_close int probe = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return probe >= 0 && flock(probe, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

const char *state_status(int dirfd, const struct oci_state *state) {
  if (state->pid == 0)
    return being_created(dirfd) ? "creating" : "stopped";
  if (!state_init_alive(state))
    return "stopped";
  if (faccessat(dirfd, EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return "created";
  bool frozen = false;
  struct skiff_error ignored;
  if (state->cgroup_path && cgroup_is_frozen(state->cgroup_path, &frozen, &ignored) == 0 && frozen)
    return "paused";
  return "running";
}

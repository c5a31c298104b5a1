/* Small file and process helpers shared by the rooms of src/lib/. */
#ifndef SKIFF_UTILS_H
#define SKIFF_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "oci/error.h"

/* The one "read a whole file" of skiff and skiff-bridge: reads fd to its end into a NUL-terminated
 * buffer (length in *len), failing (EFBIG, "<name>: N bytes, more than the M MiB it may have")
 * beyond max bytes, before reading them when the size is known. name is for messages only. */
char *fd_read_all(int fd, const char *name, size_t max, size_t *len, struct skiff_error *err);

/* Reads a whole file relative to dirfd (AT_FDCWD for paths); NUL-terminated, length in *len. */
char *read_file_at(int dirfd, const char *name, size_t *len, struct skiff_error *err);

/* The same, failing (EFBIG) beyond max bytes (fd_read_all). */
char *read_file_limited(int dirfd, const char *name, size_t max, size_t *len, struct skiff_error *err);

/* The one "write a value to a kernel file": data in one write() (proc, sys and cgroup files take a
 * value whole: a short write is an error, EIO, never continued), retried on EINTR (nothing was
 * written then). -1 with errno set. Async-signal-safe: init calls it between clone and exec. */
int write_once(int fd, const void *data, size_t len);

/* Writes data to dirfd/name (which must exist: /proc and /sys files) with write_once(). */
int write_file_at(int dirfd, const char *name, const char *data, size_t len, struct skiff_error *err);

/* Writes all of data, retrying short writes, EINTR and (for non-blocking fds) EAGAIN. -1 with
 * errno set on failure. */
int write_all(int fd, const void *data, size_t len);

/* Replaces dirfd/name atomically: a temp file ".<name>.<pid>" in the same directory, created with
 * O_EXCL|O_NOFOLLOW (an existing one is refused: the directory may be world-writable), fsync-less
 * write, rename (which replaces a symlink at name, never what it points to). */
int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                      struct skiff_error *err);

/* Field 22 (starttime) and field 3 (state letter) of /proc/<pid>/stat. -1 when the process is gone. */
int proc_start_time(pid_t pid, uint64_t *start_time, char *state_letter);

/* Room for any RFC3339Nano timestamp below, its NUL included. */
#define RFC3339_NANO_MAX 48

/* "2026-11-25T18:01:27.123456789Z" (Go's RFC3339Nano, trailing zeros trimmed) of now, UTC, into
 * buf[RFC3339_NANO_MAX]. */
void format_rfc3339_nano(char *buf);

/* The same of *ts (tv_nsec in [0, 1e9)). */
void format_rfc3339_nano_at(const struct timespec *ts, char *buf);

/* fstat, with the empty path in skiff's own read-only data: glibc's fstat passes the kernel a ""
 * of libc's, and the kernel reading it faults a 64 KiB window of libc's .rodata into the run. */
static inline int fd_stat(int fd, struct stat *st) {
  return fstatat(fd, "", st, AT_EMPTY_PATH);
}

/* A directory's entries straight from getdents64: fdopendir would cost the run libc's dirent code,
 * a heap buffer and, through its fstat, a window of libc's .rodata. The fd stays the caller's. */
struct dir_reader {
  int fd;
  size_t pos, len;
  char buf[2048] __attribute__((aligned(8)));
};

static inline void dir_reader_init(struct dir_reader *r, int fd) {
  r->fd = fd;
  r->pos = r->len = 0;
}

/* The next entry (d_name, d_type), or NULL at the end (errno 0) or on an error (errno set). */
struct dirent64 *dir_reader_next(struct dir_reader *r);

/* asprintf that returns NULL on failure instead of an undefined pointer. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Moves fd to a number >= min_fd (close-on-exec), closing the old one; returns the new fd. */
int fd_move_above(int fd, int min_fd, struct skiff_error *err);

/* The fds handed to a container (--preserve-fds, LISTEN_FDS) must all be open: a gap would be
 * filled by the next fd skiff opens, and that fd would reach the container. */
int fds_check_open(int from, int n, const char *what, struct skiff_error *err);

/* Closes every fd >= from except those in keep (any order, n small). */
void fds_close_except(const int *keep, int n, int from);

/* Writes pid (no newline, as runc) to path, relative to the cwd, through a rename. */
int write_pid_file(const char *path, pid_t pid, struct skiff_error *err);

#endif

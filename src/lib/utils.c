#include "lib/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/format.h"

char *fd_read_all(int fd, const char *name, size_t max, size_t *len, struct skiff_error *err) {
  size_t cap = 4096, used = 0;
  struct stat st;
  /* A regular file whose size is known is read in one call: one byte more is asked for than it has,
   * so that a short read is its end (procfs, sysfs and cgroupfs files say 0 or 4096 and are read to
   * EOF, as are pipes). */
  bool sized = fd_stat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  if (sized && (uint64_t)st.st_size > max) {
    skiff_fail(err, EFBIG, "%s: %llu bytes, more than the %zu MiB it may have", name,
               (unsigned long long)st.st_size, max >> 20);
    return NULL;
  }
  if (sized)
    cap = (size_t)st.st_size + 2;
  cleanup_free char *buf = malloc(cap);
  if (!buf) {
    skiff_fail_errno(err, errno, "read %s", name);
    return NULL;
  }
  for (;;) {
    if (used + 1 >= cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        skiff_fail_errno(err, errno, "read %s", name);
        return NULL;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + used, cap - used - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      skiff_fail_errno(err, errno, "read %s", name);
      return NULL;
    }
    if (n == 0)
      break;
    used += (size_t)n;
    if (used > max) { /* a stream, or a file that grew */
      skiff_fail(err, EFBIG, "%s: more than the %zu MiB it may have", name, max >> 20);
      return NULL;
    }
    if (sized && used < cap - 1)
      break;
  }
  buf[used] = '\0';
  if (len)
    *len = used;
  return steal_pointer(&buf);
}

char *read_file_limited(int dirfd, const char *name, size_t max, size_t *len, struct skiff_error *err) {
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    skiff_fail_errno(err, errno, "open %s", name);
    return NULL;
  }
  return fd_read_all(fd, name, max, len, err);
}

char *read_file_at(int dirfd, const char *name, size_t *len, struct skiff_error *err) {
  return read_file_limited(dirfd, name, SIZE_MAX, len, err);
}

int write_once(int fd, const void *data, size_t len) {
  ssize_t n;
  do
    n = write(fd, data, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if ((size_t)n != len) {
    errno = EIO;
    return -1;
  }
  return 0;
}

int write_file_at(int dirfd, const char *name, const char *data, size_t len, struct skiff_error *err) {
  cleanup_close int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "open %s", name);
  if (write_once(fd, data, len) < 0)
    return skiff_fail_errno(err, errno, "write %s", name);
  return 0;
}

int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EAGAIN) { /* a non-blocking fd (the pty master): wait for room */
      struct pollfd ready = {.fd = fd, .events = POLLOUT};
      poll(&ready, 1, -1);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int write_file_atomic(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                      struct skiff_error *err) {
  char tmp[256];
  format_string(tmp, sizeof tmp, ".%s.%d", name, getpid());
  /* The directory may be world-writable (a pid file in /tmp): a name someone else put there first,
   * a symlink above all, is refused, never followed or truncated. */
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST)
    return skiff_fail(err, EEXIST, "create %s: it exists already (refusing to reuse or follow it)", tmp);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "create %s", tmp);
  if (write_all(fd, data, len) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return skiff_fail_errno(err, saved, "write %s", tmp);
  }
  /* the system call itself: libc's renameat sits among its stdio code, a 64 KiB window of its own */
  if (syscall(SYS_renameat, dirfd, tmp, dirfd, name) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return skiff_fail_errno(err, saved, "rename %s", name);
  }
  return 0;
}

/* Writes v in decimal, at least width digits (zero-padded); returns the end. */
static char *put_decimal(char *p, uint64_t v, int width) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (width-- > n)
    *p++ = '0';
  while (n)
    *p++ = digits[--n];
  return p;
}

int proc_start_time(pid_t pid, uint64_t *start_time, char *state_letter) {
  char path[32], buf[1024];
  /* by hand, as the formatted-output functions of libc cost the run their pages of code */
  memcpy(path, "/proc/", 6);
  memcpy(put_decimal(path + 6, (uint64_t)pid, 0), "/stat", sizeof "/stat");
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may contain spaces and parentheses: fields restart after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ')
    return -1;
  p += 2;
  if (state_letter)
    *state_letter = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p)
      return -1;
    p++;
  }
  uint64_t v = 0;
  for (; *p >= '0' && *p <= '9'; p++)
    v = v * 10 + (uint64_t)(*p - '0');
  *start_time = v;
  return 0;
}

static bool leap_year(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Civil time by counting whole years and months off the days since the epoch: gmtime_r would read
 * the host's zoneinfo (stdio, the tz parser) only to convert to UTC, strftime drag in the locale. */
void format_rfc3339_nano_at(const struct timespec *ts, char *buf) {
  static const uint8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t secs = ts->tv_sec, days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t year = 1970;
  if (days >= 0) {
    while (days >= (leap_year(year) ? 366 : 365))
      days -= leap_year(year++) ? 366 : 365;
  } else {
    while (days < 0)
      days += leap_year(--year) ? 366 : 365;
  }
  int month = 0;
  for (;; month++) {
    int len = month_days[month] + (month == 1 && leap_year(year));
    if (days < len)
      break;
    days -= len;
  }
  char *p = buf;
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  p = put_decimal(p, (uint64_t)year, 4);
  *p++ = '-';
  p = put_decimal(p, (uint64_t)month + 1, 2);
  *p++ = '-';
  p = put_decimal(p, (uint64_t)days + 1, 2);
  *p++ = 'T';
  p = put_decimal(p, (uint64_t)rem / 3600, 2);
  *p++ = ':';
  p = put_decimal(p, (uint64_t)rem / 60 % 60, 2);
  *p++ = ':';
  p = put_decimal(p, (uint64_t)rem % 60, 2);
  if (ts->tv_nsec > 0) { /* Go's RFC3339Nano: the fraction without its trailing zeros */
    long frac = ts->tv_nsec;
    int digits = 9;
    while (frac % 10 == 0) {
      frac /= 10;
      digits--;
    }
    *p++ = '.';
    p = put_decimal(p, (uint64_t)frac, digits);
  }
  *p++ = 'Z';
  *p = '\0';
}

void format_rfc3339_nano(char *buf) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_rfc3339_nano_at(&ts, buf);
}

struct dirent64 *dir_reader_next(struct dir_reader *r) {
  if (r->pos >= r->len) {
    ssize_t n = getdents64(r->fd, r->buf, sizeof r->buf);
    if (n <= 0) {
      errno = n < 0 ? errno : 0;
      return NULL;
    }
    r->len = (size_t)n;
    r->pos = 0;
  }
  struct dirent64 *e = (struct dirent64 *)(r->buf + r->pos);
  r->pos += e->d_reclen;
  return e;
}

char *xasprintf(const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = format_string_va(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (!s)
    return NULL;
  if ((size_t)n < sizeof small) /* most strings: formatted once */
    return memcpy(s, small, (size_t)n + 1);
  va_start(ap, fmt);
  format_string_va(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

int fd_move_above(int fd, int min_fd, struct skiff_error *err) {
  if (fd >= min_fd)
    return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
  if (moved < 0)
    return skiff_fail_errno(err, errno, "fcntl F_DUPFD_CLOEXEC");
  close(fd);
  return moved;
}

void fds_close_except(const int *keep, int n, int from) {
  int sorted[64];
  if (n > 64)
    n = 64;
  memcpy(sorted, keep, (size_t)n * sizeof *keep);
  for (int i = 1; i < n; i++) /* insertion sort: a handful of fds */
    for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
      int t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  unsigned int lo = (unsigned int)from;
  for (int i = 0; i < n; i++) {
    if (sorted[i] < 0 || (unsigned int)sorted[i] < lo)
      continue;
    if ((unsigned int)sorted[i] > lo)
      syscall(SYS_close_range, lo, (unsigned int)sorted[i] - 1, 0);
    lo = (unsigned int)sorted[i] + 1;
  }
  syscall(SYS_close_range, lo, ~0U, 0);
}

/* A new file whole or not at all, with nothing left behind by a process killed halfway (the
 * temporary name of write_file_atomic would stay): written unnamed (O_TMPFILE), then linked under
 * its name, which must not exist. -1 with errno EOPNOTSUPP (a filesystem without O_TMPFILE) or
 * EEXIST: the caller falls back to write_file_atomic. */
static int link_new_file(int dirfd, const char *name, const char *data, size_t len, mode_t mode) {
  cleanup_close int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  char proc[64];
  format_string(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (write_all(fd, data, len) < 0)
    return -1;
  return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
}

int write_pid_file(const char *path, pid_t pid, struct skiff_error *err) {
  char abs[PATH_MAX], num[32];
  if (path[0] != '/') {
    if (!getcwd(abs, sizeof abs) || strlen(abs) + strlen(path) + 2 > sizeof abs)
      return skiff_fail_errno(err, errno ? errno : ENAMETOOLONG, "pid file %s", path);
    strcat(abs, "/");
    strcat(abs, path);
  } else {
    format_string(abs, sizeof abs, "%s", path);
  }
  char dir[PATH_MAX], base[PATH_MAX];
  format_string(dir, sizeof dir, "%s", abs);
  format_string(base, sizeof base, "%s", abs);
  cleanup_close int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return skiff_fail_errno(err, errno, "pid file %s", path);
  int len = format_string(num, sizeof num, "%d", pid);
  int r = link_new_file(dirfd, basename(base), num, (size_t)len, 0644);
  if (r == 0)
    return 0;
  if (r < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EEXIST)
    return skiff_fail_errno(err, errno, "pid file %s", abs);
  if (write_file_atomic(dirfd, basename(base), num, (size_t)len, 0644, err) < 0)
    return skiff_error_prefix(err, "pid file");
  return 0;
}

int fds_check_open(int from, int n, const char *what, struct skiff_error *err) {
  for (int fd = from; fd < from + n; fd++)
    if (fcntl(fd, F_GETFD) < 0)
      return skiff_fail(err, EBADF, "%s: fd %d is not open", what, fd);
  return 0;
}

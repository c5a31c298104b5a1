/* The one "read a whole file" (fd_read_all, read_file_limited) and the one "write a value to a kernel
 * file" (write_once, write_file_at) of src/lib/utils.c: sized files, streams, limits, short writes.
 * TAP output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "tests/unit/tap.h"

static bool starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_regular_file(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/runc-spec.json", tap_data_dir());
  size_t want_len, len = 0;
  char *want = tap_read_data("runc-spec.json", &want_len);
  struct skiff_error err = {0};
  char *got = read_file_at(AT_FDCWD, path, &len, &err);
  tap_ok(got && len == want_len && memcmp(got, want, len) == 0 && got[len] == '\0',
         "read_file_at: a regular file, whole and NUL-terminated (%zu bytes)", want_len);
  free(got);

  got = read_file_limited(AT_FDCWD, path, want_len, &len, &err);
  tap_ok(got && len == want_len, "read_file_limited: a file of exactly max bytes is read");
  free(got);

  got = read_file_limited(AT_FDCWD, path, want_len - 1, &len, &err);
  char msg[sizeof path + 64];
  snprintf(msg, sizeof msg, "%s: %zu bytes, more than the 0 MiB it may have", path, want_len);
  tap_ok(!got && err.code == EFBIG, "read_file_limited: one byte over max is EFBIG");
  tap_is(err.msg, msg, "read_file_limited: the size is refused before reading");
  free(got);
  free(want);
}

static void test_missing_file(void) {
  struct skiff_error err = {0};
  char *got = read_file_at(AT_FDCWD, "/nonexistent/skiff/config.json", NULL, &err);
  tap_ok(!got && err.code == ENOENT && starts_with(err.msg, "open /nonexistent/skiff/config.json: "),
         "read_file_at: a missing file names it (%s)", err.msg);
  tap_ok(write_file_at(AT_FDCWD, "/nonexistent/skiff/x", "1", 1, &err) < 0 && err.code == ENOENT &&
             starts_with(err.msg, "open /nonexistent/skiff/x: "),
         "write_file_at: a missing file names it (%s)", err.msg);
}

/* A stream (no size) longer than the first buffer: read to EOF, growing. */
static void test_pipe(void) {
  int p[2];
  if (pipe(p) < 0) {
    tap_ok(false, "pipe: %s", strerror(errno));
    return;
  }
  static char data[20000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (char)('a' + i % 26);
  tap_ok(write_once(p[1], data, sizeof data) == 0, "write_once: a whole buffer into a pipe");
  close(p[1]);
  struct skiff_error err = {0};
  size_t len = 0;
  char *got = fd_read_all(p[0], "the pipe", SIZE_MAX, &len, &err);
  tap_ok(got && len == sizeof data && memcmp(got, data, len) == 0, "fd_read_all: a stream to its end");
  free(got);
  close(p[0]);

  if (pipe(p) < 0)
    return;
  write_once(p[1], data, 5000);
  close(p[1]);
  got = fd_read_all(p[0], "the pipe", 4999, &len, &err);
  tap_ok(!got && err.code == EFBIG, "fd_read_all: a stream over max is EFBIG");
  tap_is(err.msg, "the pipe: more than the 0 MiB it may have", "fd_read_all: the stream's message");
  free(got);
  close(p[0]);
}

/* A write the kernel takes only in part is an error, never continued: a kernel file's value is
 * taken whole or not at all. A non-blocking pipe with one page of room takes one page of two. */
static void test_short_write(void) {
  int p[2];
  if (pipe2(p, O_NONBLOCK) < 0) {
    tap_ok(false, "pipe2: %s", strerror(errno));
    return;
  }
  int size = fcntl(p[1], F_GETPIPE_SZ);
  long page = sysconf(_SC_PAGESIZE);
  char *fill = calloc(1, (size_t)size);
  bool filled = fill && write_once(p[1], fill, (size_t)(size - page)) == 0;
  errno = 0;
  int rc = write_once(p[1], fill, (size_t)(2 * page));
  tap_ok(filled && rc < 0 && errno == EIO, "write_once: a short write is EIO (rc %d, %s)", rc, strerror(errno));
  free(fill);
  close(p[0]);
  close(p[1]);
}

int main(void) {
  test_regular_file();
  test_missing_file();
  test_pipe();
  test_short_write();
  return tap_done();
}

/* Log lines byte-compatible with runc's (Go's logrus): containerd's shim reads --log-format json
 * lines and shows the last error one; people grep the text ones. */
#include "lib/log.h"
#include "lib/utils.h"
#include "oci/format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
  int fd;
  bool to_file;
  bool json;
  bool debug;
} log_dest = {STDERR_FILENO, false, false, false};

int log_init(const char *path, const char *format, bool debug, struct skiff_error *err) {
  bool json;
  if (!format || strcmp(format, "text") == 0)
    json = false;
  else if (strcmp(format, "json") == 0)
    json = true;
  else
    return skiff_fail(err, 0, "invalid log-format: %s", format); /* runc's words */

  int fd = STDERR_FILENO;
  bool to_file = path && path[0] && strcmp(path, "/dev/stderr") != 0;
  if (to_file) {
    /* runc adds O_SYNC; skiff does not: readers see the page cache, fsync only costs time. */
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return skiff_fail_errno(err, errno, "open log file %s", path);
  }
  if (log_dest.to_file)
    close(log_dest.fd);
  log_dest.fd = fd;
  log_dest.to_file = to_file;
  log_dest.json = json;
  log_dest.debug = debug;
  return 0;
}

bool log_to_file(void) {
  return log_dest.to_file;
}

bool log_json(void) {
  return log_dest.json;
}

/* ---- Go's string encodings --------------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

/* One UTF-8 sequence as Go's utf8.DecodeRuneInString reads it: the rune and its length, or -1
 * with length 1 for a byte that does not start a valid sequence (overlong forms and surrogates
 * included). s is NUL-terminated, and NUL is never a continuation byte, so reads stay in bounds. */
static int32_t decode_rune(const unsigned char *s, size_t *len) {
  unsigned char c = s[0];
  *len = 1;
  if (c < 0x80)
    return c;
  unsigned char lo = 0x80, hi = 0xbf;
  size_t n;
  int32_t r;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, r = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, r = c & 0x0f;
    if (c == 0xe0)
      lo = 0xa0;
    else if (c == 0xed)
      hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, r = c & 0x07;
    if (c == 0xf0)
      lo = 0x90;
    else if (c == 0xf4)
      hi = 0x8f;
  } else {
    return -1;
  }
  if (s[1] < lo || s[1] > hi)
    return -1;
  r = (r << 6) | (s[1] & 0x3f);
  for (size_t i = 2; i < n; i++) {
    if (s[i] < 0x80 || s[i] > 0xbf)
      return -1;
    r = (r << 6) | (s[i] & 0x3f);
  }
  *len = n;
  return r;
}

void log_quote_json(const char *s, log_sink_fn sink, void *arg) {
  const unsigned char *p = (const unsigned char *)s;
  const unsigned char *run = p; /* start of bytes copied as they are */
  sink(arg, "\"", 1);
  while (*p) {
    char esc[8];
    size_t esc_len = 0, len = 1;
    unsigned char c = *p;
    if (c < 0x80) {
      if (c == '"' || c == '\\')
        esc[0] = '\\', esc[1] = (char)c, esc_len = 2;
      else if (c == '\n' || c == '\r' || c == '\t')
        esc[0] = '\\', esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't', esc_len = 2;
      else if (c < 0x20 || c == '<' || c == '>' || c == '&') /* Go escapes HTML by default */
        esc_len = (size_t)format_string(esc, sizeof esc, "\\u00%c%c", hex_digits[c >> 4], hex_digits[c & 15]);
    } else {
      int32_t r = decode_rune(p, &len);
      if (r < 0)
        memcpy(esc, "\\ufffd", 6), esc_len = 6;
      else if (r == 0x2028 || r == 0x2029)
        esc_len = (size_t)format_string(esc, sizeof esc, "\\u%04x", (unsigned)r);
    }
    if (esc_len) {
      sink(arg, (const char *)run, (size_t)(p - run));
      sink(arg, esc, esc_len);
      run = p + len;
    }
    p += len;
  }
  sink(arg, (const char *)run, (size_t)(p - run));
  sink(arg, "\"", 1);
}

/* Go's strconv.IsPrint for runes >= 0x80, from the categories it excludes that can appear in a
 * message: C1 controls, spaces other than ' ', line/paragraph separators, format characters and
 * private use. Unassigned code points, which Go also escapes, are printed as they are. */
static bool go_is_print(int32_t r) {
  static const struct {
    int32_t lo, hi;
  } not_print[] = {
      {0x80, 0xa0},        {0xad, 0xad},     {0x600, 0x605},     {0x61c, 0x61c},     {0x6dd, 0x6dd},
      {0x70f, 0x70f},      {0x1680, 0x1680}, {0x180e, 0x180e},   {0x2000, 0x200f},   {0x2028, 0x202f},
      {0x205f, 0x2064},    {0x2066, 0x206f}, {0x3000, 0x3000},   {0xd800, 0xf8ff},   {0xfeff, 0xfeff},
      {0xfff9, 0xfffb},    {0xfffe, 0xffff}, {0x110bd, 0x110bd}, {0x1d173, 0x1d17a}, {0xe0001, 0xe007f},
      {0xf0000, 0x10ffff},
  };
  for (size_t i = 0; i < sizeof not_print / sizeof not_print[0]; i++)
    if (r >= not_print[i].lo && r <= not_print[i].hi)
      return false;
  return true;
}

/* Go's strconv.Quote, which logrus' text format applies to a value that needs quoting. */
void log_quote_go(const char *s, log_sink_fn sink, void *arg) {
  const unsigned char *p = (const unsigned char *)s;
  const unsigned char *run = p;
  sink(arg, "\"", 1);
  while (*p) {
    char esc[12];
    size_t esc_len = 0, len = 1;
    unsigned char c = *p;
    if (c < 0x80) {
      static const char named[] = "\a\b\f\n\r\t\v", letters[] = "abfnrtv";
      const char *e = c ? strchr(named, c) : NULL;
      if (c == '"' || c == '\\')
        esc[0] = '\\', esc[1] = (char)c, esc_len = 2;
      else if (e)
        esc[0] = '\\', esc[1] = letters[e - named], esc_len = 2;
      else if (c < 0x20 || c == 0x7f)
        esc_len = (size_t)format_string(esc, sizeof esc, "\\x%c%c", hex_digits[c >> 4], hex_digits[c & 15]);
    } else {
      int32_t r = decode_rune(p, &len);
      if (r < 0)
        esc_len = (size_t)format_string(esc, sizeof esc, "\\x%c%c", hex_digits[c >> 4], hex_digits[c & 15]);
      else if (!go_is_print(r))
        esc_len = (size_t)format_string(esc, sizeof esc, r < 0x10000 ? "\\u%04x" : "\\U%08x", (unsigned)r);
    }
    if (esc_len) {
      sink(arg, (const char *)run, (size_t)(p - run));
      sink(arg, esc, esc_len);
      run = p + len;
    }
    p += len;
  }
  sink(arg, (const char *)run, (size_t)(p - run));
  sink(arg, "\"", 1);
}

/* logrus quotes a text value unless every character is one of these. */
static bool text_needs_quoting(const char *s) {
  for (; *s; s++) {
    char c = *s;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+'))
      return true;
  }
  return false;
}

/* ---- lines ------------------------------------------------------------------------------------ */

#define LOG_MSG_MAX (2 * SKIFF_ERROR_MSG_MAX) /* room for a prefixed error message */
/* Escaping grows a byte to at most 6 ("\u00XX"); the rest of the line is short. */
#define LOG_LINE_MAX (6 * LOG_MSG_MAX + 128)

struct line_buf {
  char *data;
  size_t len, cap;
};

static void line_put(void *arg, const char *data, size_t len) {
  struct line_buf *b = arg;
  if (len > b->cap - b->len)
    len = b->cap - b->len;
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

static void line_puts(struct line_buf *b, const char *s) {
  line_put(b, s, strlen(s));
}

/* Go's time.RFC3339 in local time, as logrus stamps its lines. */
static void format_time(char *buf, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  if (off == 0)
    format_string(buf + n, size - n, "Z");
  else
    format_string(buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
                  labs(off) / 60 % 60);
}

void log_msg(enum log_level level, const char *fmt, ...) {
  static const char *const level_names[] = {"error", "warning", "info", "debug"};
  if (level == LOG_LEVEL_DEBUG && !log_dest.debug)
    return;
  int saved_errno = errno;
  char msg[LOG_MSG_MAX], when[40], data[LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  format_string_va(msg, sizeof msg, fmt, ap);
  va_end(ap);
  format_time(when, sizeof when);

  struct line_buf b = {data, 0, sizeof data - 1};
  if (log_dest.json) {
    /* encoding/json sorts the map's keys: level, msg, time. */
    line_puts(&b, "{\"level\":\"");
    line_puts(&b, level_names[level]);
    line_puts(&b, "\",\"msg\":");
    log_quote_json(msg, line_put, &b);
    line_puts(&b, ",\"time\":\"");
    line_puts(&b, when);
    line_puts(&b, "\"}");
  } else {
    line_puts(&b, "time=\"");
    line_puts(&b, when);
    line_puts(&b, "\" level=");
    line_puts(&b, level_names[level]);
    if (msg[0]) { /* logrus leaves out an empty msg */
      line_puts(&b, " msg=");
      if (text_needs_quoting(msg))
        log_quote_go(msg, line_put, &b);
      else
        line_puts(&b, msg);
    }
  }
  data[b.len++] = '\n';
  (void)write_all(log_dest.fd, data, b.len); /* nowhere left to report a failing log */
  errno = saved_errno;
}

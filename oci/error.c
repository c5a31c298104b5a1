#include "oci/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oci/format.h"

int skiff_fail(struct skiff_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  format_string_va(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->code = code;
  return -1;
}

/* ": <description of code>". strerrordesc_np: the untranslated text strerror gives in the C locale,
 * without strerror's detour through gettext and the locale data. */
static void append_strerror(char *buf, size_t size, int code) {
  const char *desc = strerrordesc_np(code);
  if (desc)
    format_string(buf, size, ": %s", desc);
  else
    format_string(buf, size, ": Unknown error %d", code);
}

int skiff_fail_errno(struct skiff_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = format_string_va(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof err->msg)
    append_strerror(err->msg + n, sizeof err->msg - n, code);
  /* Go-style lowercase ("no such file or directory"), as engines see runc's messages */
  if (n >= 0 && (size_t)n + 2 < sizeof err->msg && err->msg[n + 2] >= 'A' && err->msg[n + 2] <= 'Z' &&
      err->msg[n + 3] >= 'a' && err->msg[n + 3] <= 'z')
    err->msg[n + 2] = (char)(err->msg[n + 2] - 'A' + 'a');
  err->code = code;
  return -1;
}

int skiff_error_prefix(struct skiff_error *err, const char *fmt, ...) {
  char prefix[SKIFF_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = format_string_va(prefix, sizeof prefix - 2, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  size_t plen = strlen(prefix);
  memcpy(prefix + plen, ": ", 3);
  plen += 2;
  size_t mlen = strnlen(err->msg, sizeof err->msg - 1);
  if (plen + mlen >= sizeof err->msg) /* too long: the end of the message gives way */
    mlen = sizeof err->msg - 1 - plen;
  memmove(err->msg + plen, err->msg, mlen);
  memcpy(err->msg, prefix, plen);
  err->msg[plen + mlen] = '\0';
  return -1;
}

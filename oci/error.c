#include "oci/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int skiff_fail(struct skiff_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->code = code;
  return -1;
}

int skiff_fail_errno(struct skiff_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof err->msg)
    snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(code));
  err->code = code;
  return -1;
}

int skiff_error_prefix(struct skiff_error *err, const char *fmt, ...) {
  char prefix[SKIFF_ERROR_MSG_MAX];
  char old[SKIFF_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
  return -1;
}

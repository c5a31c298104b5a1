/* The error object shared by every layer: an errno value and a message that grows context
 * as it climbs (callers prefix "config.json: ", "create: ", ...). Fixed-size so that it can
 * be filled between clone and exec without allocating. */
#ifndef SKIFF_ERROR_H
#define SKIFF_ERROR_H

#include <stdarg.h>

#define SKIFF_ERROR_MSG_MAX 1024

struct skiff_error {
  int code; /* errno-style, 0 when not from a system call */
  char msg[SKIFF_ERROR_MSG_MAX];
};

/* Fills err with the formatted message; always returns -1 so that callers can write
 * `return skiff_fail(err, 0, "...")`. */
int skiff_fail(struct skiff_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As skiff_fail, appending ": strerror(code)" to the message. */
int skiff_fail_errno(struct skiff_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepends "<formatted>: " to the message already in err; returns -1. */
int skiff_error_prefix(struct skiff_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

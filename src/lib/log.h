/* --log / --log-format / --debug: runc's log lines, which containerd's shim and podman parse.
 * text: `time="..." level=error msg="..."`; json: {"level":"error","msg":"...","time":"..."}. */
#ifndef SKIFF_LOG_H
#define SKIFF_LOG_H

#include <stdbool.h>
#include "oci/error.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* path NULL: log to stderr only. format: "text" or "json". */
int log_init(const char *path, const char *format, bool debug, struct skiff_error *err);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif

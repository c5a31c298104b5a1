/* --log / --log-format / --debug: runc's log lines, which containerd's shim and podman parse.
 * text: `time="..." level=error msg="..."`; json: {"level":"error","msg":"...","time":"..."}. */
#ifndef SKIFF_LOG_H
#define SKIFF_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "oci/error.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* path NULL: log to stderr only. format: "text" or "json". The file is opened once, for
 * appending; "" and "/dev/stderr" mean stderr as NULL does. May be called again to replace the
 * destination. Before any call, lines go to stderr as text, without debug. */
int log_init(const char *path, const char *format, bool debug, struct skiff_error *err);

/* Writes one line, with a single write(2) so that concurrent writers do not interleave. Debug
 * lines only with debug set. Messages longer than SKIFF_ERROR_MSG_MAX are cut. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* True when lines go to a --log file rather than stderr: the CLI prints its error line to
 * stderr itself and writes it to the log only then, so that stderr shows it once. */
bool log_to_file(void);

/* True with --log-format json: the CLI's error line goes to stderr as a JSON line too when there
 * is no --log file. */
bool log_json(void);

/* Writes s as a JSON string, quotes included, escaped exactly as Go's encoding/json does
 * (HTML-safe: <, >, & as \u003c...; invalid UTF-8 as \ufffd), so that output meant to be
 * byte-identical to runc's (log lines, `list --format json`) is. */
typedef void (*log_sink_fn)(void *arg, const char *data, size_t len);
void log_quote_json(const char *s, log_sink_fn sink, void *arg);

/* Writes s quoted as Go's strconv.Quote (fmt's %q) does, as logrus' text format and runc's
 * messages quote a value: one line whatever s holds. */
void log_quote_go(const char *s, log_sink_fn sink, void *arg);

#endif

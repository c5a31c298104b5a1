/* snprintf for skiff's messages, paths and file contents: glibc's printf machinery is the biggest
 * block of libc a run would fault in (the parser, its jump tables, the digit tables, libio), in the
 * runtime and again in the container's init before exec. This one knows what skiff writes: flags
 * - + space # 0, width and precision (numbers or *), lengths hh h l ll z j t, conversions d i u x X o
 * c s p %. Same output and return value as snprintf for those. */
#ifndef SKIFF_FORMAT_H
#define SKIFF_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf: writes at most size bytes (NUL included), returns the length it needed. */
int format_string_va(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* As snprintf. */
int format_string(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

#include "oci/format.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct out {
  char *buf;
  size_t size, len; /* len counts what did not fit as well */
};

struct spec {
  bool left, zero, alt, plus, space;
  int width, precision; /* precision -1: none */
};

static void put(struct out *o, const char *s, size_t n) {
  if (o->len < o->size) {
    size_t room = o->size - o->len;
    memcpy(o->buf + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

static void pad(struct out *o, char c, long long n) {
  static const char spaces[16] = "                ", zeros[16] = "0000000000000000";
  for (; n > 0 && o->len < o->size; n -= 16)
    put(o, c == ' ' ? spaces : zeros, n < 16 ? (size_t)n : 16);
  if (n > 0) /* beyond the buffer only counted: a width near INT_MAX is not 2^27 calls */
    o->len += (size_t)n;
}

static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n) {
  int fill = sp->width > (int)n ? sp->width - (int)n : 0;
  if (!sp->left)
    pad(o, ' ', fill);
  put(o, s, n);
  if (sp->left)
    pad(o, ' ', fill);
}

static void put_number(struct out *o, const struct spec *sp, uintmax_t v, bool negative, unsigned base,
                       bool upper) {
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char digits[sizeof(uintmax_t) * 3];
  int n = 0;
  bool nonzero = v != 0;
  if (nonzero || sp->precision != 0) /* "%.0d" of 0 writes no digit */
    do {
      digits[n++] = set[v % base];
      v /= base;
    } while (v);
  char prefix[2];
  int plen = 0;
  if (negative)
    prefix[plen++] = '-';
  else if (sp->plus)
    prefix[plen++] = '+';
  else if (sp->space)
    prefix[plen++] = ' ';
  if (sp->alt && base == 16 && nonzero) {
    prefix[plen++] = '0';
    prefix[plen++] = upper ? 'X' : 'x';
  }
  /* long long: a precision near INT_MAX and a sign overflow an int */
  long long zeros = sp->precision > n ? sp->precision - n : 0;
  if (sp->alt && base == 8 && zeros == 0 && (n == 0 || digits[n - 1] != '0'))
    zeros = 1; /* "%#o": the first digit is a 0 */
  long long total = plen + zeros + n;
  if (sp->zero && !sp->left && sp->precision < 0 && sp->width > total) {
    zeros += sp->width - total;
    total = sp->width;
  }
  long long fill = sp->width > total ? sp->width - total : 0;
  if (!sp->left)
    pad(o, ' ', fill);
  put(o, prefix, (size_t)plen);
  pad(o, '0', zeros);
  while (n)
    put(o, &digits[--n], 1);
  if (sp->left)
    pad(o, ' ', fill);
}

/* One more digit of a width or precision written in the format; past INT_MAX it stays there and
 * the call fails, as snprintf fails with EOVERFLOW. */
static int read_digit(int v, char digit, bool *overflow) {
  if (v > (INT_MAX - (digit - '0')) / 10) {
    *overflow = true;
    return INT_MAX;
  }
  return v * 10 + (digit - '0');
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

int format_string_va(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = {.buf = buf, .size = size};
  bool overflow = false;
  va_list args;
  va_copy(args, ap);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      const char *end = strchrnul(p, '%');
      put(&o, p, (size_t)(end - p));
      p = end - 1;
      continue;
    }
    struct spec sp = {.precision = -1};
    for (;; p++) {
      char f = p[1];
      if (f == '-')
        sp.left = true;
      else if (f == '0')
        sp.zero = true;
      else if (f == '#')
        sp.alt = true;
      else if (f == '+')
        sp.plus = true;
      else if (f == ' ')
        sp.space = true;
      else
        break;
    }
    p++;
    if (*p == '*') {
      sp.width = va_arg(args, int);
      if (sp.width < 0) {
        sp.left = true;
        sp.width = sp.width == INT_MIN ? INT_MAX : -sp.width;
      }
      p++;
    } else {
      for (; *p >= '0' && *p <= '9'; p++)
        sp.width = read_digit(sp.width, *p, &overflow);
    }
    if (*p == '.') {
      p++;
      sp.precision = 0;
      if (*p == '*') {
        sp.precision = va_arg(args, int);
        if (sp.precision < 0)
          sp.precision = -1;
        p++;
      } else {
        for (; *p >= '0' && *p <= '9'; p++)
          sp.precision = read_digit(sp.precision, *p, &overflow);
      }
    }
    enum length len = LEN_INT;
    switch (*p) {
    case 'h':
      len = p[1] == 'h' ? (p++, LEN_CHAR) : LEN_SHORT;
      p++;
      break;
    case 'l':
      len = p[1] == 'l' ? (p++, LEN_LLONG) : LEN_LONG;
      p++;
      break;
    case 'z':
      len = LEN_SIZE;
      p++;
      break;
    case 'j':
      len = LEN_MAX;
      p++;
      break;
    case 't':
      len = LEN_PTRDIFF;
      p++;
      break;
    }
    switch (*p) {
    case 'd':
    case 'i': {
      intmax_t v;
      switch (len) {
      case LEN_CHAR:
        v = (signed char)va_arg(args, int);
        break;
      case LEN_SHORT:
        v = (short)va_arg(args, int);
        break;
      case LEN_LONG:
        v = va_arg(args, long);
        break;
      case LEN_LLONG:
        v = va_arg(args, long long);
        break;
      case LEN_SIZE:
        v = va_arg(args, ssize_t);
        break;
      case LEN_MAX:
        v = va_arg(args, intmax_t);
        break;
      case LEN_PTRDIFF:
        v = va_arg(args, ptrdiff_t);
        break;
      default:
        v = va_arg(args, int);
        break;
      }
      put_number(&o, &sp, v < 0 ? -(uintmax_t)v : (uintmax_t)v, v < 0, 10, false);
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      uintmax_t v;
      switch (len) {
      case LEN_CHAR:
        v = (unsigned char)va_arg(args, unsigned);
        break;
      case LEN_SHORT:
        v = (unsigned short)va_arg(args, unsigned);
        break;
      case LEN_LONG:
        v = va_arg(args, unsigned long);
        break;
      case LEN_LLONG:
        v = va_arg(args, unsigned long long);
        break;
      case LEN_SIZE:
        v = va_arg(args, size_t);
        break;
      case LEN_MAX:
        v = va_arg(args, uintmax_t);
        break;
      case LEN_PTRDIFF:
        v = (uintmax_t)va_arg(args, ptrdiff_t);
        break;
      default:
        v = va_arg(args, unsigned);
        break;
      }
      sp.plus = sp.space = false; /* signs are for signed conversions */
      put_number(&o, &sp, v, false, *p == 'u' ? 10 : *p == 'o' ? 8 : 16, *p == 'X');
      break;
    }
    case 'c': {
      char c = (char)va_arg(args, int);
      put_padded(&o, &sp, &c, 1);
      break;
    }
    case 's': {
      const char *s = va_arg(args, const char *);
      if (!s)
        s = sp.precision < 0 || sp.precision >= 6 ? "(null)" : "";
      put_padded(&o, &sp, s, sp.precision < 0 ? strlen(s) : strnlen(s, (size_t)sp.precision));
      break;
    }
    case 'p': {
      void *ptr = va_arg(args, void *);
      if (!ptr) {
        put_padded(&o, &sp, "(nil)", 5);
      } else {
        sp.alt = true;
        put_number(&o, &sp, (uintptr_t)ptr, false, 16, false);
      }
      break;
    }
    case '%':
      put(&o, "%", 1);
      break;
    default: /* not a conversion of ours (the format attribute warns): written as it stands */
      put(&o, "%", 1);
      if (!*p)
        p--;
      else
        put(&o, p, 1);
      break;
    }
  }
  va_end(args);
  if (size)
    buf[o.len < size ? o.len : size - 1] = '\0';
  return overflow || o.len > INT_MAX ? -1 : (int)o.len;
}

int format_string(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = format_string_va(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

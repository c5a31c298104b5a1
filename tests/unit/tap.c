#include "tests/unit/tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

static int tests_run, tests_failed;

static bool vrecord(bool pass, const char *fmt, va_list ap) {
  tests_run++;
  if (!pass)
    tests_failed++;
  printf("%sok %d - ", pass ? "" : "not ", tests_run);
  vprintf(fmt, ap);
  putchar('\n');
  fflush(stdout);
  return pass;
}

bool tap_ok(bool pass, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vrecord(pass, fmt, ap);
  va_end(ap);
  return pass;
}

static void diag_block(const char *label, const char *text) {
  printf("#   %s: ", label);
  if (!text) {
    printf("(null)\n");
    return;
  }
  for (const char *p = text; *p; p++) {
    putchar(*p);
    if (*p == '\n' && p[1])
      printf("#   %*s  ", (int)strlen(label), "");
  }
  putchar('\n');
}

bool tap_is(const char *got, const char *want, const char *fmt, ...) {
  bool pass = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
  va_list ap;
  va_start(ap, fmt);
  vrecord(pass, fmt, ap);
  va_end(ap);
  if (!pass) {
    diag_block("got", got);
    diag_block("want", want);
  }
  return pass;
}

void tap_diag(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("# ");
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
}

int tap_done(void) {
  printf("1..%d\n", tests_run);
  if (tests_failed)
    printf("# %d of %d tests failed\n", tests_failed, tests_run);
  return tests_failed ? 1 : 0;
}

const char *tap_data_dir(void) {
  const char *dir = getenv("TEST_DATA_DIR");
  return dir ? dir : TEST_DATA_DIR;
}

char *tap_read_data(const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", tap_data_dir(), name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("Bail out! cannot open %s\n", path);
    exit(2);
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (n + 1 == cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) {
    printf("Bail out! out of memory reading %s\n", path);
    exit(2);
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

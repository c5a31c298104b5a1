/* The parts of the oci/ unit test program. */
#ifndef SKIFF_TESTS_TEST_OCI_H
#define SKIFF_TESTS_TEST_OCI_H

#include <stdbool.h>
#include <string.h>

#include "tests/unit/tap.h"

/* Collects failed checks of one test: CHECK(expr) records and shows what failed. */
#define CHECK(expr)                                                                                          \
  do {                                                                                                       \
    if (!(expr)) {                                                                                           \
      tap_diag("%s:%d: failed: %s", __FILE__, __LINE__, #expr);                                              \
      good = false;                                                                                          \
    }                                                                                                        \
  } while (0)

static inline bool streq(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

void test_config_valid(void);
void test_config_invalid(void);
void test_state(void);

#endif

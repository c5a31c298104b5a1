/* Minimal TAP producer: "ok N - description" / "not ok N - description", the plan at the end. */
#ifndef SKIFF_TESTS_TAP_H
#define SKIFF_TESTS_TAP_H

#include <stdbool.h>
#include <stddef.h>

/* Records one test; returns pass. */
bool tap_ok(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Passes when both strings are equal (NULL equals only NULL); shows both otherwise. */
bool tap_is(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "# ..." diagnostic line(s). */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the plan; returns the process exit status (1 when anything failed). */
int tap_done(void);

/* tests/unit/data: $TEST_DATA_DIR, else the directory compiled in. */
const char *tap_data_dir(void);

/* Reads a file of tests/unit/data; aborts the run when it cannot. Caller frees. */
char *tap_read_data(const char *name, size_t *len);

#endif

/* /proc/self/mountinfo and other /proc files, read once and walked line by line. */
#ifndef SKIFF_MOUNTINFO_H
#define SKIFF_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/error.h"

/* One line of mountinfo. root and mountpoint are unescaped ("\040" -> " "). */
struct mountinfo_entry {
  char *root;
  char *mountpoint;
  char *optional; /* "shared:1 master:2", or "" */
  char *fstype;
  char *source;
  char *super_options;
};

struct mountinfo_iter {
  const char *next;
  char *line; /* a copy of the current line: the text stays intact for later passes */
  size_t cap;
};

void mountinfo_iter_init(struct mountinfo_iter *it, const char *mountinfo);
/* Returns false at the end, or when out of memory. Malformed lines are skipped. */
bool mountinfo_iter_next(struct mountinfo_iter *it, struct mountinfo_entry *e);
void mountinfo_iter_release(struct mountinfo_iter *it);

/* Whether a comma-separated list ("rw,cpu,cpuacct") holds the word. */
bool option_list_has(const char *list, const char *word, size_t word_len);

/* Reads a whole /proc file into a malloc'd NUL-terminated buffer. */
char *read_proc_file(const char *path, struct skiff_error *err);

#endif

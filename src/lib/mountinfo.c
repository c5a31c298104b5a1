#include "lib/mountinfo.h"
#include "lib/utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/cleanup.h"

void mountinfo_iter_init(struct mountinfo_iter *it, const char *mountinfo) {
  it->next = mountinfo;
  it->line = NULL;
  it->cap = 0;
}

void mountinfo_iter_release(struct mountinfo_iter *it) {
  free(it->line);
  it->line = NULL;
  it->cap = 0;
}

static char *next_field(char **p) {
  char *s = *p;
  char *sp = strchr(s, ' ');
  if (sp) {
    *sp = '\0';
    *p = sp + 1;
  } else {
    *p = s + strlen(s);
  }
  return s;
}

/* The kernel escapes space, tab, newline and backslash in paths as \ooo. */
static void unescape(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      *out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
      s += 3;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
}

static bool split_line(char *line, struct mountinfo_entry *e) {
  char *p = line;
  char *field[6];
  for (int i = 0; i < 6; i++) {
    if (!*p)
      return false;
    field[i] = next_field(&p);
  }
  if (p[0] == '-' && p[1] == ' ') {
    e->optional = p + 1; /* points at the NUL written below: "" */
    p[1] = '\0';
    p += 2;
  } else {
    char *sep = strstr(p, " - ");
    if (!sep)
      return false;
    *sep = '\0';
    e->optional = p;
    p = sep + 3;
  }
  if (!*p)
    return false;
  e->fstype = next_field(&p);
  e->source = next_field(&p);
  e->super_options = next_field(&p);
  e->root = field[3];
  e->mountpoint = field[4];
  unescape(e->root);
  unescape(e->mountpoint);
  return true;
}

bool mountinfo_iter_next(struct mountinfo_iter *it, struct mountinfo_entry *e) {
  while (it->next && *it->next) {
    const char *nl = strchr(it->next, '\n');
    size_t n = nl ? (size_t)(nl - it->next) : strlen(it->next);
    if (n + 1 > it->cap) {
      size_t cap = n + 1 > 256 ? n + 1 : 256;
      char *line = realloc(it->line, cap);
      if (!line)
        return false;
      it->line = line;
      it->cap = cap;
    }
    memcpy(it->line, it->next, n);
    it->line[n] = '\0';
    it->next = nl ? nl + 1 : it->next + n;
    if (split_line(it->line, e))
      return true;
  }
  return false;
}

bool option_list_has(const char *list, const char *word, size_t word_len) {
  const char *p = list;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == word_len && memcmp(p, word, n) == 0)
      return true;
    if (!comma)
      break;
    p = comma + 1;
  }
  return false;
}

char *read_proc_file(const char *path, struct skiff_error *err) {
  return read_file_at(AT_FDCWD, path, NULL, err); /* st_size of /proc files is 0: it grows */
}

/* update's undo log. A limit the kernel refuses halfway through an update (a cpu list the parent
 * does not have, a memory limit below the usage) must not leave the limits written before it in
 * place: while a journal is active, cg_write() has it record each file's content before the write,
 * and cg_journal_undo() writes them back, newest first. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cg_journal *cg_active_journal;

void cg_journal_start(struct cg_journal *j) {
  memset(j, 0, sizeof *j);
  cg_active_journal = j;
}

void cg_journal_record(int dirfd, const char *file) {
  struct cg_journal *j = cg_active_journal;
  if (j->n == CG_JOURNAL_MAX) {
    j->overflow = true;
    return;
  }
  struct cg_journal_entry *e = &j->e[j->n];
  char *old = malloc(CG_JOURNAL_VALUE_MAX);
  char *name = strdup(file);
  ssize_t len = old ? cg_read(dirfd, file, old, CG_JOURNAL_VALUE_MAX) : -1;
  if (!old || !name || len < 0) { /* a write-only file (cgroup.procs...) or no memory: nothing to undo */
    free(old);
    free(name);
    return;
  }
  e->dirfd = dirfd;
  e->file = name;
  e->old = old;
  e->len = (size_t)len;
  j->n++;
}

int cg_journal_undo(struct cg_journal *j, struct skiff_error *err) {
  cg_active_journal = NULL;
  int ret = j->overflow ? skiff_fail(err, E2BIG, "more than %d files written", CG_JOURNAL_MAX) : 0;
  for (size_t i = j->n; i-- > 0;) {
    struct cg_journal_entry *e = &j->e[i];
    if (cg_write(e->dirfd, e->file, e->old, e->len) < 0 && ret == 0)
      ret = skiff_fail_errno(err, errno, "write %s back", e->file);
  }
  return ret;
}

void cg_journal_end(struct cg_journal *j) {
  cg_active_journal = NULL;
  for (size_t i = 0; i < j->n; i++) {
    free(j->e[i].file);
    free(j->e[i].old);
  }
  j->n = 0;
}

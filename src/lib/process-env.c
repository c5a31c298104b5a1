/* The container process's environment: process.env de-duplicated as runc does, HOME from the
 * container's /etc/passwd, and whether it and process.args fit what execve takes. */
#include "lib/process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/str.h"

/* The home directory of uid in the container's /etc/passwd, malloc'd, or NULL. */
static char *passwd_home(uid_t uid) {
  /* O_NONBLOCK and the regular-file check: the rootfs is not trusted, and a fifo there must
   * not hang the init. */
  cleanup_close int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fd_stat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return NULL;
  cleanup_fclose FILE *f = fdopen(fd, "r");
  if (!f)
    return NULL;
  steal_fd(&fd);
  cleanup_free char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0) {
    if (line[len - 1] == '\n')
      line[--len] = '\0';
    /* name:password:uid:gid:gecos:home:shell */
    char *field[7];
    int n = 0;
    for (char *p = line; n < 7; n++) {
      field[n] = p;
      p = strchr(p, ':');
      if (!p) {
        n++;
        break;
      }
      *p++ = '\0';
    }
    if (n < 6)
      continue;
    char *end;
    errno = 0;
    unsigned long id = strtoul(field[2], &end, 10);
    if (errno || end == field[2] || *end || id != uid)
      continue;
    return *field[5] ? strdup(field[5]) : NULL;
  }
  return NULL;
}

struct env_entry {
  const char *var;
  size_t name_len;
  size_t index;
};

/* By name, then by position: each name's entries end up together, in their order. */
static int compare_entries(const void *a, const void *b) {
  const struct env_entry *x = a, *y = b;
  size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  int c = memcmp(x->var, y->var, n);
  if (c == 0 && x->name_len != y->name_len)
    c = x->name_len < y->name_len ? -1 : 1;
  if (c == 0)
    c = x->index < y->index ? -1 : 1;
  return c;
}

/* Like runc: a name that appears more than once (PATH=...) reaches the process once, with its
 * last value at its first position (find_executable searched that last PATH= too). In
 * O(n log n): a config may carry hundreds of thousands of variables. Returns a calloc'd array of
 * n + spare + 1 entries, *n the variables kept. */
static char **dedup_env(const struct oci_strv *env, size_t spare, size_t *n) {
  cleanup_free struct env_entry *sorted = malloc((env->n ? env->n : 1) * sizeof *sorted);
  cleanup_free const char **at_first = calloc(env->n ? env->n : 1, sizeof *at_first);
  char **out = calloc(env->n + spare + 1, sizeof *out);
  if (!sorted || !at_first || !out) {
    free(out);
    return NULL;
  }
  for (size_t i = 0; i < env->n; i++)
    sorted[i] = (struct env_entry){env->v[i], str_cspan(env->v[i], "="), i};
  qsort(sorted, env->n, sizeof *sorted, compare_entries);
  for (size_t i = 0; i < env->n;) {
    size_t j = i;
    while (j + 1 < env->n && sorted[j + 1].name_len == sorted[i].name_len &&
           memcmp(sorted[j + 1].var, sorted[i].var, sorted[i].name_len) == 0)
      j++;
    at_first[sorted[i].index] = sorted[j].var;
    i = j + 1;
  }
  *n = 0;
  for (size_t i = 0; i < env->n; i++)
    if (at_first[i])
      out[(*n)++] = (char *)at_first[i];
  return out;
}

char **process_build_env(const struct oci_process *process, struct skiff_error *err) {
  size_t n;
  char **envp = dedup_env(&process->env, 1, &n);
  if (!envp) {
    skiff_fail_errno(err, ENOMEM, "process.env");
    return NULL;
  }
  /* Also like runc, an empty HOME= is replaced. The HOME= string is stored after the pointer
   * array's terminator, so that one free() releases everything. */
  size_t home = 0;
  while (home < n && strncmp(envp[home], "HOME=", 5) != 0)
    home++;
  if (home < n && envp[home][5])
    return envp;
  cleanup_free char *dir = passwd_home(process->user.uid);
  const char *value = dir ? dir : "/";
  size_t array_size = (process->env.n + 2) * sizeof *envp;
  char **grown = realloc(envp, array_size + 5 + strlen(value) + 1);
  if (!grown) {
    free(envp);
    skiff_fail_errno(err, ENOMEM, "process.env");
    return NULL;
  }
  char *home_var = (char *)grown + array_size;
  strcpy(stpcpy(home_var, "HOME="), value);
  grown[home] = home_var;
  return grown;
}

/* What the kernel takes in one execve (fs/exec.c): each string at most MAX_ARG_STRLEN (32 pages),
 * and all of them, with a pointer each, at most a quarter of the stack limit (at least 128 KiB, at
 * most 6 MiB). */
#define ARG_STRLEN_MAX (32 * 4096)
#define ARG_TOTAL_MIN ((size_t)128 << 10)
#define ARG_TOTAL_MAX ((size_t)6 << 20)
/* What the exec trampoline adds (trampoline.h): its own arguments, the path found for args[0], an
 * LSM label; and HOME, which may be added from /etc/passwd. */
#define EXEC_RESERVE (3 * PATH_MAX)
#define EXEC_RESERVE_POINTERS 16

static size_t arg_limit(const struct oci_process *process) {
  struct rlimit stack = {0};
  getrlimit(RLIMIT_STACK, &stack);
  for (size_t i = 0; i < process->n_rlimits; i++) /* the container's own, set before its exec */
    if (process->rlimits[i].resource == RLIMIT_STACK)
      stack.rlim_cur = (rlim_t)process->rlimits[i].soft;
  size_t limit = stack.rlim_cur == RLIM_INFINITY || stack.rlim_cur / 4 > ARG_TOTAL_MAX ? ARG_TOTAL_MAX
                                                                                       : (size_t)stack.rlim_cur / 4;
  return limit < ARG_TOTAL_MIN ? ARG_TOTAL_MIN : limit;
}

int process_check_exec_size(const struct oci_process *process, struct skiff_error *err) {
  size_t n_env, bytes = EXEC_RESERVE, pointers = process->args.n + EXEC_RESERVE_POINTERS;
  cleanup_free char **envp = dedup_env(&process->env, 0, &n_env);
  if (!envp)
    return skiff_fail_errno(err, ENOMEM, "process.env");
  for (size_t i = 0; i < process->args.n; i++) {
    size_t len = strlen(process->args.v[i]) + 1;
    if (len > ARG_STRLEN_MAX)
      return skiff_fail(err, E2BIG, "process.args[%zu]: %zu bytes, more than the %d execve takes for one", i, len,
                        ARG_STRLEN_MAX);
    bytes += len;
  }
  for (size_t i = 0; i < n_env; i++) {
    size_t len = strlen(envp[i]) + 1;
    if (len > ARG_STRLEN_MAX)
      return skiff_fail(err, E2BIG, "process.env: \"%.40s...\": %zu bytes, more than the %d execve takes for one",
                        envp[i], len, ARG_STRLEN_MAX);
    bytes += len;
  }
  pointers += n_env;
  size_t limit = arg_limit(process);
  if (bytes + pointers * sizeof(char *) > limit)
    return skiff_fail(err, E2BIG,
                      "process.env: %zu variables (%zu given) and %zu arguments take %zu bytes, more than the "
                      "%zu execve takes (a quarter of RLIMIT_STACK)",
                      n_env, process->env.n, process->args.n, bytes + pointers * sizeof(char *), limit);
  return 0;
}

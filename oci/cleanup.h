/* __attribute__((cleanup)) helpers, so that every early return releases what the function
 * holds: `cleanup_free char *s = ...;`, `cleanup_close int fd = -1;`. Hand a resource on with
 * steal_pointer()/steal_fd(). */
#ifndef SKIFF_CLEANUP_H
#define SKIFF_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void cleanup_free_fn(void *p) {
  free(*(void **)p);
}

static inline void cleanup_close_fn(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

static inline void cleanup_fclose_fn(FILE **f) {
  if (*f)
    fclose(*f);
}

static inline void cleanup_closedir_fn(DIR **d) {
  if (*d)
    closedir(*d);
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclose_fn)))
#define cleanup_closedir __attribute__((cleanup(cleanup_closedir_fn)))

static inline void *steal_pointer(void *pp) {
  void **p = (void **)pp;
  void *v = *p;
  *p = NULL;
  return v;
}

static inline int steal_fd(int *fd) {
  int v = *fd;
  *fd = -1;
  return v;
}

#endif

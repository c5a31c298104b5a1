/* Path resolution inside an untrusted root. Every lookup is an openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from an fd of the root, so a symlink in the container's rootfs (absolute
 * or "..") resolves as it will after pivot_root and never reaches the host. Mounts then target
 * "/proc/self/fd/N" of the fd that was resolved, never a path that could be swapped in between. */
#ifndef SKIFF_PATHS_H
#define SKIFF_PATHS_H

#include <stdint.h>
#include <sys/types.h>

#include "oci/error.h"

#define PROC_FD_PATH_MAX 32

/* Formats "/proc/self/fd/<fd>" into buf and returns buf. */
char *proc_fd_path(int fd, char buf[PROC_FD_PATH_MAX]);

/* openat2(root_fd, path, flags | O_CLOEXEC) resolved in root_fd, without magic links; `resolve`
 * adds RESOLVE_* flags (RESOLVE_NO_SYMLINKS for proc and sysfs). Returns the fd, or -1 with err
 * filled and err->code the errno (callers skip ENOENT where a missing path is fine). */
int path_open_in_root(int root_fd, const char *path, int flags, uint64_t resolve, struct skiff_error *err);

/* mkdir -p inside the root: missing components are created with mkdirat() on the fd of their
 * parent (mode, less the umask); a dangling symlink is followed in the root and its target created.
 * Returns an O_PATH|O_DIRECTORY fd of the directory. */
int path_mkdir_in_root(int root_fd, const char *path, mode_t mode, uint64_t resolve, struct skiff_error *err);

/* As path_mkdir_in_root (0755) for the parent, then creates the last component as an empty regular
 * file of `mode` when nothing is there. Returns an O_PATH fd of what is at path (which need not be a regular
 * file: a device node or socket is returned as it is). */
int path_create_file_in_root(int root_fd, const char *path, mode_t mode, struct skiff_error *err);

/* Lexical clean-up of an absolute path into buf ("//a/./b/../c/" -> "/a/c"), for comparing
 * destinations as the spec writes them. Returns buf. */
char *path_clean(const char *path, char *buf, size_t size);

/* Opens /proc/<path> (path relative, e.g. "self/oom_score_adj") for a write the host must never
 * receive: /proc must be the root of a procfs and the lookup stays beneath it, crossing no mount
 * (a bind over /proc/sys/... or /proc/self/attr/... fails with EXDEV) and no magic link; `resolve`
 * adds RESOLVE_* flags (RESOLVE_NO_SYMLINKS where even "self" is not expected). The file opened is
 * checked to be on procfs. Returns the fd, or -1 with err filled (err->code EXDEV for a refusal). */
int proc_open(const char *path, int flags, uint64_t resolve, struct skiff_error *err);

#endif

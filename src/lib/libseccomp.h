/* libseccomp, opened the first time a config (or features, or --version) needs it. Linked, it was
 * loaded, relocated and partly faulted in by every run, most of which have no linux.seccomp: up to
 * ~70 KiB of peak RSS and ld.so's time for nothing. The header is libseccomp's own, so the types
 * and constants are those of the build; the functions come from its shared object. */
#ifndef SKIFF_LIBSECCOMP_H
#define SKIFF_LIBSECCOMP_H

#include <seccomp.h>

#include "oci/error.h"

/* The shared object's name: the SONAME of every libseccomp 2.x. */
#define LIBSECCOMP_SONAME "libseccomp.so.2"

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define LIBSECCOMP_HAS_EXPORT_BPF_MEM 1
#endif

struct libseccomp {
  __typeof__(seccomp_init) *init;
  __typeof__(seccomp_release) *release;
  __typeof__(seccomp_arch_add) *arch_add;
  __typeof__(seccomp_arch_resolve_name) *arch_resolve_name;
  __typeof__(seccomp_syscall_resolve_name) *syscall_resolve_name;
  __typeof__(seccomp_syscall_resolve_name_arch) *syscall_resolve_name_arch;
  __typeof__(seccomp_arch_native) *arch_native;
  __typeof__(seccomp_rule_add_array) *rule_add_array;
#ifdef LIBSECCOMP_HAS_EXPORT_BPF_MEM
  __typeof__(seccomp_export_bpf_mem) *export_bpf_mem;
#else
  __typeof__(seccomp_export_bpf) *export_bpf;
#endif
  __typeof__(seccomp_version) *version;
};

/* The functions, loaded once (the handle stays open); NULL with err filled when the library or one
 * of them is missing. */
const struct libseccomp *libseccomp_open(struct skiff_error *err);

#endif

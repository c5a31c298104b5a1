#include "lib/libseccomp.h"

#include "lib/dl.h"

#include <stdbool.h>
#include <stddef.h>

static struct libseccomp lib;
static bool loaded;

const struct libseccomp *libseccomp_open(struct skiff_error *err) {
  if (loaded)
    return &lib;
  static const struct dl_symbol symbols[] = {
      {"seccomp_init", offsetof(struct libseccomp, init)},
      {"seccomp_release", offsetof(struct libseccomp, release)},
      {"seccomp_arch_add", offsetof(struct libseccomp, arch_add)},
      {"seccomp_arch_resolve_name", offsetof(struct libseccomp, arch_resolve_name)},
      {"seccomp_syscall_resolve_name", offsetof(struct libseccomp, syscall_resolve_name)},
      {"seccomp_syscall_resolve_name_arch", offsetof(struct libseccomp, syscall_resolve_name_arch)},
      {"seccomp_arch_native", offsetof(struct libseccomp, arch_native)},
      {"seccomp_rule_add_array", offsetof(struct libseccomp, rule_add_array)},
#ifdef LIBSECCOMP_HAS_EXPORT_BPF_MEM
      {"seccomp_export_bpf_mem", offsetof(struct libseccomp, export_bpf_mem)},
#else
      {"seccomp_export_bpf", offsetof(struct libseccomp, export_bpf)},
#endif
      {"seccomp_version", offsetof(struct libseccomp, version)},
  };
  if (dl_load(LIBSECCOMP_SONAME, symbols, sizeof symbols / sizeof symbols[0], &lib, sizeof lib, err) < 0)
    return NULL;
  loaded = true;
  return &lib;
}

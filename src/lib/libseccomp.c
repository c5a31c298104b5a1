#include "lib/libseccomp.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

static struct libseccomp lib;
static bool loaded;

const struct libseccomp *libseccomp_open(struct skiff_error *err) {
  if (loaded)
    return &lib;
  void *handle = dlopen(LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return skiff_fail(err, ENOENT, "load %s: %s", LIBSECCOMP_SONAME, dlerror()), NULL;
  static const struct {
    const char *name;
    size_t offset;
  } symbols[] = {
      {"seccomp_init", offsetof(struct libseccomp, init)},
      {"seccomp_release", offsetof(struct libseccomp, release)},
      {"seccomp_arch_add", offsetof(struct libseccomp, arch_add)},
      {"seccomp_arch_resolve_name", offsetof(struct libseccomp, arch_resolve_name)},
      {"seccomp_syscall_resolve_name", offsetof(struct libseccomp, syscall_resolve_name)},
      {"seccomp_rule_add_array", offsetof(struct libseccomp, rule_add_array)},
#ifdef LIBSECCOMP_HAS_EXPORT_BPF_MEM
      {"seccomp_export_bpf_mem", offsetof(struct libseccomp, export_bpf_mem)},
#else
      {"seccomp_export_bpf", offsetof(struct libseccomp, export_bpf)},
#endif
      {"seccomp_version", offsetof(struct libseccomp, version)},
  };
  struct libseccomp found;
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *fn = dlsym(handle, symbols[i].name);
    if (!fn) {
      dlclose(handle);
      return skiff_fail(err, ENOENT, "%s: no %s", LIBSECCOMP_SONAME, symbols[i].name), NULL;
    }
    *(void **)((char *)&found + symbols[i].offset) = fn;
  }
  lib = found;
  loaded = true;
  return &lib;
}

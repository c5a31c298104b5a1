#include "lib/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

int dl_load(const char *soname, const struct dl_symbol *symbols, size_t n, void *table, size_t size,
            struct skiff_error *err) {
  void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return skiff_fail(err, ENOENT, "load %s: %s", soname, dlerror());
  char found[size];
  for (size_t i = 0; i < n; i++) {
    void *fn = dlsym(handle, symbols[i].name);
    if (!fn) {
      dlclose(handle);
      return skiff_fail(err, ENOENT, "%s: no %s", soname, symbols[i].name);
    }
    memcpy(found + symbols[i].offset, &fn, sizeof fn);
  }
  memcpy(table, found, size);
  return 0;
}

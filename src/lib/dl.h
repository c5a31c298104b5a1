/* Libraries opened when first needed (libseccomp, libsystemd): their functions go into a table. */
#ifndef SKIFF_DL_H
#define SKIFF_DL_H

#include <stddef.h>

#include "oci/error.h"

struct dl_symbol {
  const char *name;
  size_t offset; /* of the function pointer in the table */
};

/* Opens soname and stores each symbol's address at its offset in table; on failure fills err, leaves
 * table alone and closes the library. The handle stays open otherwise. */
int dl_load(const char *soname, const struct dl_symbol *symbols, size_t n, void *table, size_t size,
            struct skiff_error *err);

#endif

/* linux.resources.hugepageLimits: hugetlb.<size>.limit_in_bytes (v1) or .max (v2), and the
 * reservation limit next to it where the kernel has one (the spec limits reservations when it
 * can). A size the kernel has no file for is named in the error. */
#include "lib/cgroups/internal.h"
#include "oci/format.h"
#include "oci/str.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define F "linux.resources.hugepageLimits"

static bool valid_page_size(const char *s) {
  size_t digits = str_span(s, "0123456789");
  if (!digits || digits > 9)
    return false;
  const char *unit = s + digits;
  return !strcmp(unit, "KB") || !strcmp(unit, "MB") || !strcmp(unit, "GB") || !strcmp(unit, "TB");
}

int cg_validate_hugetlb(const struct oci_resources *res, struct skiff_error *err) {
  for (size_t i = 0; i < res->n_hugepage_limits; i++) {
    const char *size = res->hugepage_limits[i].page_size;
    if (!size || !valid_page_size(size))
      return skiff_fail(err, EINVAL, F "[%zu].pageSize: invalid page size \"%s\" (e.g. \"2MB\")", i,
                        size ? size : "");
  }
  return 0;
}

int cg_apply_hugetlb(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err) {
  if (!res->n_hugepage_limits)
    return 0;
  int fd = t->fd[CG_HUGETLB];
  if (fd < 0)
    return skiff_fail(err, ENOENT, F ": hugetlb controller not available");
  bool v2 = t->v2[CG_HUGETLB];
  for (size_t i = 0; i < res->n_hugepage_limits; i++) {
    const struct oci_hugepage_limit *h = &res->hugepage_limits[i];
    char file[64], rsvd[64], value[32], field[64];
    format_string(file, sizeof file, "hugetlb.%s.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
    format_string(rsvd, sizeof rsvd, "hugetlb.%s.rsvd.%s", h->page_size, v2 ? "max" : "limit_in_bytes");
    format_string(value, sizeof value, "%" PRIu64, h->limit);
    format_string(field, sizeof field, F "[%zu].limit", i);
    if (!cg_exists(fd, file))
      return skiff_fail(err, EINVAL, F "[%zu].pageSize: page size \"%s\" not supported on this host", i,
                        h->page_size);
    if (cg_set(fd, file, value, field, err) < 0)
      return -1;
    if (cg_exists(fd, rsvd) && cg_set(fd, rsvd, value, field, err) < 0)
      return -1;
  }
  return 0;
}

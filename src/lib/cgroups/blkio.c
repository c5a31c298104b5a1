/* linux.resources.blockIO. v1: blkio.weight (CFQ) or blkio.bfq.weight (BFQ, the only one left
 * since Linux 5.0) and blkio.throttle.*; v2: io.bfq.weight with the same 1..1000 scale when BFQ
 * is there, else io.weight converted from [10, 1000] to [1, 10000] as runc does, and io.max. */
#include "lib/cgroups/internal.h"
#include "oci/format.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#define F "linux.resources.blockIO"

static int check_weight(uint16_t w, const char *field, struct skiff_error *err) {
  if (w != 0 && (w < 10 || w > 1000))
    return skiff_fail(err, EINVAL, "%s: invalid value %u (10 to 1000)", field, w);
  return 0;
}

static int check_list(const struct oci_throttle_list *l, const char *name, struct skiff_error *err) {
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i].major < 0 || l->v[i].minor < 0)
      return skiff_fail(err, EINVAL, F ".%s[%zu]: invalid device %" PRId64 ":%" PRId64, name, i,
                        l->v[i].major, l->v[i].minor);
  return 0;
}

int cg_validate_blkio(const struct oci_block_io *b, struct skiff_error *err) {
  if ((b->has_weight && check_weight(b->weight, F ".weight", err) < 0) ||
      (b->has_leaf_weight && check_weight(b->leaf_weight, F ".leafWeight", err) < 0))
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct oci_weight_device *d = &b->weight_device[i];
    char field[64];
    format_string(field, sizeof field, F ".weightDevice[%zu]", i);
    if (!d->has_weight && !d->has_leaf_weight)
      return skiff_fail(err, EINVAL, "%s: needs weight or leafWeight", field);
    if (d->major < 0 || d->minor < 0)
      return skiff_fail(err, EINVAL, "%s: invalid device %" PRId64 ":%" PRId64, field, d->major, d->minor);
    if ((d->has_weight && check_weight(d->weight, field, err) < 0) ||
        (d->has_leaf_weight && check_weight(d->leaf_weight, field, err) < 0))
      return -1;
  }
  if (check_list(&b->throttle_read_bps, "throttleReadBpsDevice", err) < 0 ||
      check_list(&b->throttle_write_bps, "throttleWriteBpsDevice", err) < 0 ||
      check_list(&b->throttle_read_iops, "throttleReadIOPSDevice", err) < 0 ||
      check_list(&b->throttle_write_iops, "throttleWriteIOPSDevice", err) < 0)
    return -1;
  return 0;
}

static int set_device(int fd, const char *file, int64_t major, int64_t minor, const char *value,
                      const char *field, struct skiff_error *err) {
  char line[96];
  format_string(line, sizeof line, "%" PRId64 ":%" PRId64 " %s", major, minor, value);
  return cg_set(fd, file, line, field, err);
}

static const struct {
  size_t offset;
  const char *name, *v1_file, *v2_key;
} throttles[] = {
    {offsetof(struct oci_block_io, throttle_read_bps), "throttleReadBpsDevice",
     "blkio.throttle.read_bps_device", "rbps"},
    {offsetof(struct oci_block_io, throttle_write_bps), "throttleWriteBpsDevice",
     "blkio.throttle.write_bps_device", "wbps"},
    {offsetof(struct oci_block_io, throttle_read_iops), "throttleReadIOPSDevice",
     "blkio.throttle.read_iops_device", "riops"},
    {offsetof(struct oci_block_io, throttle_write_iops), "throttleWriteIOPSDevice",
     "blkio.throttle.write_iops_device", "wiops"},
};

static int apply_v1(int fd, const struct oci_block_io *b, struct skiff_error *err) {
  bool cfq = cg_exists(fd, "blkio.weight"), bfq = !cfq && cg_exists(fd, "blkio.bfq.weight");
  const char *weight = cfq ? "blkio.weight" : "blkio.bfq.weight";
  const char *weight_dev = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
  bool any_weight = (b->has_weight && b->weight);
  for (size_t i = 0; i < b->n_weight_device; i++)
    any_weight = any_weight || b->weight_device[i].has_weight;
  if (any_weight && !cfq && !bfq)
    return skiff_fail(err, EOPNOTSUPP,
                      F ".weight: no proportional I/O weight on this host (neither CFQ nor BFQ)");
  if (b->has_weight && b->weight && cg_set_i64(fd, weight, b->weight, F ".weight", err) < 0)
    return -1;
  bool leaf = b->has_leaf_weight && b->leaf_weight;
  for (size_t i = 0; i < b->n_weight_device; i++)
    leaf = leaf || b->weight_device[i].has_leaf_weight;
  if (leaf && !cg_exists(fd, "blkio.leaf_weight"))
    return skiff_fail(err, EOPNOTSUPP,
                      F ".leafWeight: not supported by this kernel (CFQ only, gone since Linux 5.0)");
  if (b->has_leaf_weight && b->leaf_weight &&
      cg_set_i64(fd, "blkio.leaf_weight", b->leaf_weight, F ".leafWeight", err) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct oci_weight_device *d = &b->weight_device[i];
    char field[64], v[16];
    format_string(field, sizeof field, F ".weightDevice[%zu]", i);
    format_string(v, sizeof v, "%u", d->weight);
    if (d->has_weight && set_device(fd, weight_dev, d->major, d->minor, v, field, err) < 0)
      return -1;
    format_string(v, sizeof v, "%u", d->leaf_weight);
    if (d->has_leaf_weight &&
        set_device(fd, "blkio.leaf_weight_device", d->major, d->minor, v, field, err) < 0)
      return -1;
  }
  for (size_t k = 0; k < sizeof throttles / sizeof throttles[0]; k++) {
    const struct oci_throttle_list *l = (const void *)((const char *)b + throttles[k].offset);
    for (size_t i = 0; i < l->n; i++) {
      char field[80], v[24];
      format_string(field, sizeof field, F ".%s[%zu]", throttles[k].name, i);
      format_string(v, sizeof v, "%" PRIu64, l->v[i].rate);
      if (set_device(fd, throttles[k].v1_file, l->v[i].major, l->v[i].minor, v, field, err) < 0)
        return -1;
    }
  }
  return 0;
}

uint64_t cg_blkio_to_io_weight(uint64_t blkio_weight) {
  if (blkio_weight < 10)
    blkio_weight = 10;
  return 1 + (blkio_weight - 10) * 9999 / 990;
}

static int apply_v2(int fd, const struct oci_block_io *b, struct skiff_error *err) {
  bool bfq = cg_exists(fd, "io.bfq.weight");
  const char *file = bfq ? "io.bfq.weight" : "io.weight";
  if ((b->has_leaf_weight && b->leaf_weight))
    return skiff_fail(err, EOPNOTSUPP, F ".leafWeight: has no cgroup v2 equivalent");
  bool any_weight = b->has_weight && b->weight;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    if (b->weight_device[i].has_leaf_weight)
      return skiff_fail(err, EOPNOTSUPP, F ".weightDevice[%zu].leafWeight: has no cgroup v2 equivalent", i);
    any_weight = true;
  }
  if (any_weight && !bfq && !cg_exists(fd, "io.weight"))
    return skiff_fail(err, EOPNOTSUPP, F ".weight: no proportional I/O weight on this host (no io.weight)");
  if (b->has_weight && b->weight &&
      cg_set_i64(fd, file, (int64_t)(bfq ? b->weight : cg_blkio_to_io_weight(b->weight)), F ".weight", err) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct oci_weight_device *d = &b->weight_device[i];
    char field[64], v[24];
    format_string(field, sizeof field, F ".weightDevice[%zu]", i);
    if (!d->weight) /* 0 drops the device's own weight, as on v1 */
      format_string(v, sizeof v, "default");
    else
      format_string(v, sizeof v, "%" PRIu64, bfq ? d->weight : cg_blkio_to_io_weight(d->weight));
    if (set_device(fd, file, d->major, d->minor, v, field, err) < 0)
      return -1;
  }
  for (size_t k = 0; k < sizeof throttles / sizeof throttles[0]; k++) {
    const struct oci_throttle_list *l = (const void *)((const char *)b + throttles[k].offset);
    for (size_t i = 0; i < l->n; i++) {
      char field[80], v[40];
      format_string(field, sizeof field, F ".%s[%zu]", throttles[k].name, i);
      if (l->v[i].rate)
        format_string(v, sizeof v, "%s=%" PRIu64, throttles[k].v2_key, l->v[i].rate);
      else
        format_string(v, sizeof v, "%s=max", throttles[k].v2_key);
      if (set_device(fd, "io.max", l->v[i].major, l->v[i].minor, v, field, err) < 0)
        return -1;
    }
  }
  return 0;
}

int cg_apply_blkio(const struct cg_target *t, const struct oci_block_io *b, struct skiff_error *err) {
  bool any = (b->has_weight && b->weight) || (b->has_leaf_weight && b->leaf_weight) || b->n_weight_device ||
             b->throttle_read_bps.n || b->throttle_write_bps.n || b->throttle_read_iops.n ||
             b->throttle_write_iops.n;
  if (!any)
    return 0;
  int fd = t->fd[CG_BLKIO];
  if (fd < 0)
    return skiff_fail(err, ENOENT, F ": %s controller not available", t->mode == CG_MODE_V2 ? "io" : "blkio");
  return t->v2[CG_BLKIO] ? apply_v2(fd, b, err) : apply_v1(fd, b, err);
}

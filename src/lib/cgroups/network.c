/* linux.resources.network and rdma. net_cls and net_prio exist on v1 only; a config that asks
 * for them where they are not mounted fails rather than running unlimited. */
#include "lib/cgroups/internal.h"
#include "oci/format.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static int unavailable(const struct cg_target *t, const char *field, const char *ctl,
                       struct skiff_error *err) {
  if (t->mode == CG_MODE_V2)
    return skiff_fail(err, EOPNOTSUPP, "%s: %s has no cgroup v2 equivalent", field, ctl);
  return skiff_fail(err, ENOENT, "%s: %s controller not available", field, ctl);
}

int cg_apply_network(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err) {
  if (res->has_class_id) {
    if (t->fd[CG_NET_CLS] < 0)
      return unavailable(t, "linux.resources.network", "net_cls", err);
    if (cg_set_i64(t->fd[CG_NET_CLS], "net_cls.classid", res->class_id, "linux.resources.network.classID",
                   err) < 0)
      return -1;
  }
  if (res->n_net_priorities && t->fd[CG_NET_PRIO] < 0)
    return unavailable(t, "linux.resources.network", "net_prio", err);
  for (size_t i = 0; i < res->n_net_priorities; i++) {
    char line[64], field[64];
    format_string(line, sizeof line, "%s %" PRIu32, res->net_priorities[i].name,
                  res->net_priorities[i].priority);
    format_string(field, sizeof field, "linux.resources.network.priorities[%zu]", i);
    if (cg_set(t->fd[CG_NET_PRIO], "net_prio.ifpriomap", line, field, err) < 0)
      return -1;
  }
  return 0;
}

int cg_apply_rdma(const struct cg_target *t, const struct oci_resources *res, struct skiff_error *err) {
  if (!res->n_rdma)
    return 0;
  if (t->fd[CG_RDMA] < 0)
    return skiff_fail(err, ENOENT, "linux.resources.rdma: rdma controller not available");
  for (size_t i = 0; i < res->n_rdma; i++) {
    const struct oci_rdma *r = &res->rdma[i];
    char line[160], field[96];
    int n = format_string(line, sizeof line, "%s", r->device);
    if (r->has_hca_handles)
      n += format_string(line + n, sizeof line - (size_t)n, " hca_handle=%" PRIu32, r->hca_handles);
    if (r->has_hca_objects)
      format_string(line + n, sizeof line - (size_t)n, " hca_object=%" PRIu32, r->hca_objects);
    format_string(field, sizeof field, "linux.resources.rdma.%s", r->device);
    if (cg_set(t->fd[CG_RDMA], "rdma.max", line, field, err) < 0)
      return -1;
  }
  return 0;
}

/* linux.resources as a whole: which fd serves which controller, the checks made before any
 * write, the order of the writes, and `update`. */
#include "lib/cgroups/cgroup.h"
#include "lib/cgroups/internal.h"
#include "lib/log.h"
#include "lib/cgroups/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/str.h"

void cg_target_build(struct cg_target *t, const struct cg_layout *l, const struct cg_dirs *dirs,
                     unsigned leaf_v2, bool fresh) {
  t->unified_fd = -1;
  t->fresh = fresh;
  t->mode = l->mode;
  for (size_t i = 0; i < dirs->n; i++)
    if (l->h[dirs->d[i].h].unified)
      t->unified_fd = dirs->d[i].fd;
  for (int c = 0; c < CG_N_CONTROLLERS; c++) {
    t->fd[c] = -1;
    t->v2[c] = false;
    if (l->v1_of[c] >= 0) {
      for (size_t i = 0; i < dirs->n; i++)
        if (dirs->d[i].h == l->v1_of[c])
          t->fd[c] = dirs->d[i].fd;
      continue;
    }
    /* freezing and device filtering are part of cgroup2 itself */
    bool offered = c == CG_DEVICES || c == CG_FREEZER || (cg_v2_name(c) && (leaf_v2 & CG_BIT(c)));
    if (t->unified_fd >= 0 && offered) {
      t->fd[c] = t->unified_fd;
      t->v2[c] = true;
    }
  }
}

unsigned cg_needed_controllers(const struct oci_resources *res) {
  unsigned m = 0;
  const struct oci_cpu *c = &res->cpu;
  if (res->has_memory)
    m |= CG_BIT(CG_MEMORY);
  if (res->has_cpu && (c->has_shares || c->has_quota || c->has_burst || c->has_period ||
                       c->has_realtime_runtime || c->has_realtime_period || c->has_idle))
    m |= CG_BIT(CG_CPU);
  if (res->has_cpu && (c->cpus || c->mems))
    m |= CG_BIT(CG_CPUSET);
  if (res->has_pids)
    m |= CG_BIT(CG_PIDS);
  if (res->has_block_io)
    m |= CG_BIT(CG_BLKIO);
  if (res->n_hugepage_limits)
    m |= CG_BIT(CG_HUGETLB);
  if (res->has_class_id)
    m |= CG_BIT(CG_NET_CLS);
  if (res->n_net_priorities)
    m |= CG_BIT(CG_NET_PRIO);
  if (res->n_rdma)
    m |= CG_BIT(CG_RDMA);
  if (res->n_devices)
    m |= CG_BIT(CG_DEVICES);
  return m | cg_unified_controllers(res);
}

static int validate_rest(const struct oci_resources *res, struct skiff_error *err) {
  if (res->has_pids && res->pids_limit < -1)
    return skiff_fail(err, EINVAL,
                      "linux.resources.pids.limit: invalid value %" PRId64 " (-1 means no limit)",
                      res->pids_limit);
  for (size_t i = 0; i < res->n_net_priorities; i++) {
    const char *n = res->net_priorities[i].name;
    if (!n || !*n || n[str_cspan(n, " \t\n/")])
      return skiff_fail(err, EINVAL,
                        "linux.resources.network.priorities[%zu].name: invalid interface name \"%s\"", i,
                        n ? n : "");
  }
  for (size_t i = 0; i < res->n_rdma; i++) {
    const struct oci_rdma *r = &res->rdma[i];
    if (!r->device || !*r->device || r->device[str_cspan(r->device, " \t\n")])
      return skiff_fail(err, EINVAL, "linux.resources.rdma: invalid device name \"%s\"",
                        r->device ? r->device : "");
    if (!r->has_hca_handles && !r->has_hca_objects)
      return skiff_fail(err, EINVAL, "linux.resources.rdma.%s: needs hcaHandles or hcaObjects", r->device);
  }
  for (size_t i = 0; i < res->n_unified; i++) {
    const char *k = res->unified[i].key;
    if (!*k || strchr(k, '/') || !strcmp(k, ".") || !strcmp(k, ".."))
      return skiff_fail(err, EINVAL, "linux.resources.unified.%s: not a cgroup file name", k);
  }
  return 0;
}

int cg_validate(const struct oci_resources *res, struct skiff_error *err) {
  if (res->has_memory && cg_validate_memory(&res->memory, err) < 0)
    return -1;
  if (res->has_cpu && cg_validate_cpu(&res->cpu, err) < 0)
    return -1;
  if (res->has_block_io && cg_validate_blkio(&res->block_io, err) < 0)
    return -1;
  if (cg_validate_hugetlb(res, err) < 0 || cg_validate_devices(res, err) < 0)
    return -1;
  return validate_rest(res, err);
}

static int apply_devices(const struct cg_target *t, const struct oci_resources *res, bool creating,
                         struct skiff_error *err) {
  bool configured = res && res->n_devices;
  if (!configured && !creating)
    return 0; /* update: the rules stay as they are */
  /* Nothing to restrict with: no devices controller here, or cgroup2's eBPF program, which only
   * the host's root may load (rootless; its devices are what the user may open anyway). */
  if (!configured && (t->fd[CG_DEVICES] < 0 || (t->v2[CG_DEVICES] && geteuid() != 0)))
    return 0;
  if (t->fd[CG_DEVICES] < 0)
    return skiff_fail(err, ENOENT, "linux.resources.devices: devices controller not available");
  struct cg_dev_rules rules = {0};
  int ret = cg_dev_rules_build(res, &rules, err);
  if (ret == 0 && !t->v2[CG_DEVICES]) {
    ret = cg_devices_v1_apply(t->fd[CG_DEVICES], &rules, err);
  } else if (ret == 0) {
    struct cg_dev_state st = {0};
    ret = cg_dev_emulate(&rules, &st, err);
    if (ret == 0)
      ret = cg_devices_bpf_apply(t->fd[CG_DEVICES], &st, err);
    free(st.ex);
  }
  free(rules.v);
  return ret;
}

int cg_apply(const struct cg_target *t, const struct oci_resources *res, bool creating, struct skiff_error *err) {
  if (apply_devices(t, res, creating, err) < 0)
    return -1;
  if (!res)
    return 0;
  if (res->has_cpu && cg_apply_cpuset(t, &res->cpu, err) < 0)
    return -1;
  if (res->has_memory && cg_apply_memory(t, &res->memory, err) < 0)
    return -1;
  if (res->has_cpu && cg_apply_cpu(t, &res->cpu, err) < 0)
    return -1;
  if (res->has_pids && cg_apply_pids(t, res->pids_limit, err) < 0)
    return -1;
  if (res->has_block_io && cg_apply_blkio(t, &res->block_io, err) < 0)
    return -1;
  if (cg_apply_hugetlb(t, res, err) < 0 || cg_apply_network(t, res, err) < 0 ||
      cg_apply_rdma(t, res, err) < 0)
    return -1;
  return cg_apply_unified(t, res, err); /* last: it may refine what the converted values set */
}

int cgroup_update(const char *path, const struct oci_resources *res, struct skiff_error *err) {
  if (cg_validate(res, err) < 0)
    return -1;
  const struct cg_layout *l = cg_layout_get(err);
  struct cg_dirs dirs;
  if (!l || cg_check_unified(l, res, err) < 0 || cg_dirs_parse(path, &dirs, err) < 0)
    return -1;
  int ret = -1;
  unsigned needed = cg_needed_controllers(res), leaf_v2 = 0, v1_mounted = 0;
  for (size_t i = 0; i < l->n; i++)
    v1_mounted |= l->h[i].controllers;
  for (size_t i = 0; i < dirs.n; i++) {
    struct cg_dir *d = &dirs.d[i];
    const struct cg_hierarchy *h = &l->h[d->h];
    if (!h->unified && !(h->controllers & needed))
      continue;
    d->fd = cg_dir_open(d);
    if (d->fd < 0) {
      skiff_fail_errno(err, errno, "cgroup %s/%s", h->mount, d->path);
      goto out;
    }
    if (!h->unified)
      continue;
    char ctl[512];
    leaf_v2 = cg_read(d->fd, "cgroup.controllers", ctl, sizeof ctl) >= 0 ? cg_v2_parse_controllers(ctl) : 0;
    unsigned missing = needed & ~v1_mounted & ~leaf_v2;
    for (int c = 0; c < CG_N_CONTROLLERS; c++)
      if (!cg_v2_name(c))
        missing &= ~CG_BIT(c);
    if (missing) { /* the spec: the runtime enables what the resources need */
      size_t existing;
      int fd = cg_v2_make(h->mount, d->path, missing, false, &existing, &leaf_v2, err);
      if (fd < 0)
        goto out;
      close(d->fd);
      d->fd = fd;
    }
  }
  struct cg_target t;
  cg_target_build(&t, l, &dirs, leaf_v2, false);
  struct cg_journal *journal = malloc(sizeof *journal);
  if (!journal) {
    skiff_fail_errno(err, ENOMEM, "update");
    goto out;
  }
  cg_journal_start(journal);
  ret = cg_apply(&t, res, false, err);
  if (ret < 0) { /* nothing changed: what was written before the refusal goes back */
    struct skiff_error undo;
    if (cg_journal_undo(journal, &undo) < 0)
      log_warning("update: the limits written before the failure could not all be restored: %s", undo.msg);
  }
  cg_journal_end(journal);
  free(journal);
  /* a systemd unit's cgroup ("@/slice/unit"): its properties too, or systemd would undo this */
  if (ret == 0 && path[0] == '@' && cg_systemd_booted())
    ret = cg_systemd_update(strrchr(path, '/') + 1, res, l->mode == CG_MODE_V2, err);
out:
  cg_dirs_release(&dirs);
  return ret;
}

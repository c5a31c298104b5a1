/* Releasing what the parsers built; every function copes with half-built structs. */
#include <stdlib.h>

#include "oci/config-internal.h"

void oci_strv_clear(struct oci_strv *v) {
  for (size_t i = 0; i < v->n; i++)
    free(v->v[i]);
  free(v->v);
  v->v = NULL;
  v->n = 0;
}

void oci_kv_free(struct oci_kv *kv, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

void oci_hook_list_clear(struct oci_hook_list *list) {
  for (size_t i = 0; i < list->n; i++) {
    free(list->v[i].path);
    oci_strv_clear(&list->v[i].args);
    oci_strv_clear(&list->v[i].env);
  }
  free(list->v);
  list->v = NULL;
  list->n = 0;
}

void oci_process_clear(struct oci_process *p) {
  free(p->user.additional_gids);
  free(p->user.username);
  oci_strv_clear(&p->args);
  free(p->command_line);
  oci_strv_clear(&p->env);
  free(p->cwd);
  oci_strv_clear(&p->capabilities.bounding);
  oci_strv_clear(&p->capabilities.effective);
  oci_strv_clear(&p->capabilities.inheritable);
  oci_strv_clear(&p->capabilities.permitted);
  oci_strv_clear(&p->capabilities.ambient);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free(p->rlimits[i].type);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  free(p->io_priority.class_name);
  free(p->scheduler.policy);
  oci_strv_clear(&p->scheduler.flags);
  oci_strv_clear(&p->exec_cpu_affinity_initial_final);
  *p = (struct oci_process){0};
}

void oci_process_free(struct oci_process *process) {
  if (!process)
    return;
  oci_process_clear(process);
  free(process);
}

void oci_resources_clear(struct oci_resources *r) {
  for (size_t i = 0; i < r->n_devices; i++) {
    free(r->devices[i].type);
    free(r->devices[i].access);
  }
  free(r->devices);
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->block_io.weight_device);
  free(r->block_io.throttle_read_bps.v);
  free(r->block_io.throttle_write_bps.v);
  free(r->block_io.throttle_read_iops.v);
  free(r->block_io.throttle_write_iops.v);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    free(r->net_priorities[i].name);
  free(r->net_priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free(r->rdma[i].device);
  free(r->rdma);
  oci_kv_free(r->unified, r->n_unified);
  *r = (struct oci_resources){0};
}

void oci_seccomp_clear(struct oci_seccomp *s) {
  free(s->default_action);
  oci_strv_clear(&s->architectures);
  oci_strv_clear(&s->flags);
  free(s->listener_path);
  free(s->listener_metadata);
  for (size_t i = 0; i < s->n_syscalls; i++) {
    struct oci_seccomp_syscall *sc = &s->syscalls[i];
    oci_strv_clear(&sc->names);
    free(sc->action);
    for (size_t j = 0; j < sc->n_args; j++)
      free(sc->args[j].op);
    free(sc->args);
  }
  free(s->syscalls);
  *s = (struct oci_seccomp){0};
}

void oci_resources_free(struct oci_resources *res) {
  if (!res)
    return;
  oci_resources_clear(res);
  free(res);
}

void oci_linux_clear(struct oci_linux *l) {
  for (size_t i = 0; i < l->n_namespaces; i++)
    free(l->namespaces[i].path);
  free(l->namespaces);
  free(l->uid_mappings);
  free(l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++) {
    free(l->devices[i].type);
    free(l->devices[i].path);
  }
  free(l->devices);
  free(l->cgroups_path);
  oci_resources_clear(&l->resources);
  oci_kv_free(l->sysctl, l->n_sysctl);
  oci_seccomp_clear(&l->seccomp);
  free(l->rootfs_propagation);
  oci_strv_clear(&l->masked_paths);
  oci_strv_clear(&l->readonly_paths);
  free(l->mount_label);
  free(l->intel_rdt.clos_id);
  free(l->intel_rdt.l3_cache_schema);
  free(l->intel_rdt.mem_bw_schema);
  oci_strv_clear(&l->intel_rdt.schemata);
  free(l->personality.domain);
  oci_strv_clear(&l->personality.flags);
  for (size_t i = 0; i < l->n_net_devices; i++) {
    free(l->net_devices[i].host_name);
    free(l->net_devices[i].name);
  }
  free(l->net_devices);
  free(l->memory_policy.mode);
  free(l->memory_policy.nodes);
  oci_strv_clear(&l->memory_policy.flags);
  *l = (struct oci_linux){0};
}

void oci_config_free(struct oci_config *config) {
  if (!config)
    return;
  free(config->oci_version);
  free(config->root.path);
  oci_process_clear(&config->process);
  free(config->hostname);
  free(config->domainname);
  for (size_t i = 0; i < config->n_mounts; i++) {
    struct oci_mount *m = &config->mounts[i];
    free(m->destination);
    free(m->type);
    free(m->source);
    oci_strv_clear(&m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
  }
  free(config->mounts);
  oci_hook_list_clear(&config->hooks.prestart);
  oci_hook_list_clear(&config->hooks.create_runtime);
  oci_hook_list_clear(&config->hooks.create_container);
  oci_hook_list_clear(&config->hooks.start_container);
  oci_hook_list_clear(&config->hooks.poststart);
  oci_hook_list_clear(&config->hooks.poststop);
  oci_kv_free(config->annotations, config->n_annotations);
  oci_linux_clear(&config->linux_);
  free(config);
}

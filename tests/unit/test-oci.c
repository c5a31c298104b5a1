/* Unit tests of oci/: config.json parsing, the default spec, the state JSON. TAP output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "oci/config.h"
#include "oci/names.h"
#include "oci/state.h"
#include "tests/unit/test-oci.h"

static const struct oci_config *full;

/* The value of an annotation, or NULL: as an engine would look one up in the parsed list. */
static const char *annotation(const struct oci_config *c, const char *key) {
  for (size_t i = 0; i < c->n_annotations; i++)
    if (strcmp(c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}

static void check_process(const struct oci_config *c) {
  bool good = true;
  const struct oci_process *p = &c->process;
  CHECK(c->has_process && p->terminal);
  CHECK(p->has_console_size && p->console_size.height == 25 && p->console_size.width == 80);
  CHECK(p->user.uid == 1 && p->user.gid == 2 && p->user.has_umask && p->user.umask == 18);
  CHECK(p->user.n_additional_gids == 3 && p->user.additional_gids[0] == 5 &&
        p->user.additional_gids[2] == 4294967295u);
  CHECK(streq(p->user.username, "nobody"));
  CHECK(p->args.n == 3 && streq(p->args.v[0], "sh") && streq(p->args.v[2], "echo \"hi\" \xc3\xa9") &&
        p->args.v[3] == NULL);
  CHECK(streq(p->command_line, "sh.exe"));
  CHECK(p->env.n == 3 && streq(p->env.v[2], "EMPTY=") && p->env.v[3] == NULL);
  CHECK(streq(p->cwd, "/root"));
  CHECK(p->no_new_privileges);
  CHECK(streq(p->apparmor_profile, "acme_secure_profile"));
  CHECK(p->has_oom_score_adj && p->oom_score_adj == -999);
  CHECK(streq(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675"));
  tap_ok(good, "full config: process scalars, user, args, env");

  good = true;
  const struct oci_capabilities *caps = &p->capabilities;
  CHECK(p->has_capabilities);
  CHECK(caps->has_bounding && caps->bounding.n == 3 && streq(caps->bounding.v[2], "CAP_CHECKPOINT_RESTORE"));
  CHECK(caps->has_effective && caps->effective.n == 1);
  CHECK(caps->has_inheritable && caps->inheritable.n == 0);
  CHECK(caps->has_permitted && caps->permitted.n == 2 && streq(caps->permitted.v[1], "CAP_NET_BIND_SERVICE"));
  CHECK(caps->has_ambient && caps->ambient.n == 1);
  CHECK(oci_cap_from_name("CAP_CHECKPOINT_RESTORE") == 40 && oci_cap_from_name("CAP_CHOWN") == 0 &&
        oci_cap_from_name("CAP_NOPE") == -1);
  CHECK(p->n_rlimits == 3);
  CHECK(streq(p->rlimits[0].type, "RLIMIT_NOFILE") && p->rlimits[0].resource == RLIMIT_NOFILE &&
        p->rlimits[0].hard == 1024 && p->rlimits[0].soft == 512);
  CHECK(p->rlimits[1].resource == RLIMIT_CORE && p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == 0);
  CHECK(p->rlimits[2].resource == RLIMIT_RTTIME && p->rlimits[2].hard == 10 && p->rlimits[2].soft == 20);
  tap_ok(good, "full config: capabilities and rlimits");

  good = true;
  CHECK(p->has_io_priority && streq(p->io_priority.class_name, "IOPRIO_CLASS_IDLE") &&
        p->io_priority.class_id == 3 && p->io_priority.priority == 4);
  const struct oci_scheduler *s = &p->scheduler;
  CHECK(p->has_scheduler && streq(s->policy, "SCHED_DEADLINE") && s->policy_id == 6);
  CHECK(s->has_nice && s->nice == -5 && s->has_priority && s->priority == 3);
  CHECK(s->flags.n == 2 && streq(s->flags.v[1], "SCHED_FLAG_UTIL_CLAMP_MAX"));
  CHECK(s->has_runtime && s->runtime == 100 && s->has_deadline && s->deadline == 200 && s->has_period &&
        s->period == 300);
  CHECK(p->exec_cpu_affinity_initial_final.n == 2 && streq(p->exec_cpu_affinity_initial_final.v[0], "7") &&
        streq(p->exec_cpu_affinity_initial_final.v[1], "0-3,7"));
  tap_ok(good, "full config: ioPriority, scheduler, execCPUAffinity");
}

static void check_top(const struct oci_config *c) {
  bool good = true;
  CHECK(streq(c->oci_version, "1.2.0"));
  CHECK(c->has_root && streq(c->root.path, "rootfs") && c->root.readonly);
  CHECK(streq(c->hostname, "slartibartfast") && streq(c->domainname, "foobarbaz.test"));
  CHECK(c->n_mounts == 2);
  CHECK(streq(c->mounts[0].destination, "/proc") && streq(c->mounts[0].type, "proc") &&
        streq(c->mounts[0].source, "proc") && c->mounts[0].options.n == 0 && c->mounts[0].options.v == NULL);
  const struct oci_mount *m = &c->mounts[1];
  CHECK(m->options.n == 3 && streq(m->options.v[2], "idmap"));
  CHECK(m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 1000 && m->uid_mappings[0].size == 10);
  CHECK(m->n_gid_mappings == 2 && m->gid_mappings[1].container_id == 20 &&
        m->gid_mappings[1].host_id == 3000);
  tap_ok(good, "full config: ociVersion, root, hostname, mounts");

  good = true;
  const struct oci_hooks *h = &c->hooks;
  CHECK(h->prestart.n == 1 && streq(h->prestart.v[0].path, "/usr/bin/fix-mounts") &&
        h->prestart.v[0].args.n == 2 && streq(h->prestart.v[0].env.v[0], "key1=value1") &&
        !h->prestart.v[0].has_timeout);
  CHECK(h->create_runtime.n == 1 && h->create_runtime.v[0].has_timeout &&
        h->create_runtime.v[0].timeout == 3);
  CHECK(h->create_container.n == 1 && streq(h->create_container.v[0].path, "/bin/cc"));
  CHECK(h->start_container.n == 1 && streq(h->start_container.v[0].path, "/bin/sc"));
  CHECK(h->poststart.n == 1 && h->poststart.v[0].timeout == 5);
  CHECK(h->poststop.n == 2 && streq(h->poststop.v[1].path, "/bin/true"));
  /* A repeated key keeps the last value, as runc's Go map would. */
  CHECK(c->n_annotations == 2 && streq(annotation(c, "com.example.key1"), "value1b"));
  CHECK(streq(annotation(c, "com.example.key2"), "") && !annotation(c, "nope"));
  tap_ok(good, "full config: hooks and annotations");
}

static void check_linux(const struct oci_config *c) {
  bool good = true;
  const struct oci_linux *l = &c->linux_;
  CHECK(c->has_linux && l->n_namespaces == 8);
  CHECK(l->namespaces[0].type == OCI_NS_PID && streq(l->namespaces[0].path, "/proc/1234/ns/pid"));
  CHECK(oci_config_namespace(c, OCI_NS_TIME) == &l->namespaces[7] && !l->namespaces[7].path);
  CHECK(streq(oci_ns_type_name(OCI_NS_NETWORK), "network") &&
        streq(oci_ns_type_name(OCI_NS_CGROUP), "cgroup"));
  CHECK(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 1000 && l->uid_mappings[0].size == 32000);
  CHECK(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 1001 && l->gid_mappings[0].size == 32001);
  CHECK(l->has_time_offsets && l->time_monotonic.has_secs && l->time_monotonic.secs == 172800 &&
        l->time_boottime.secs == -604800 && l->time_boottime.nanosecs == 999999999);
  CHECK(l->n_devices == 3 && streq(l->devices[0].type, "c") && l->devices[0].major == 10 &&
        l->devices[0].minor == 229 && l->devices[0].has_file_mode && l->devices[0].file_mode == 438 &&
        l->devices[0].has_uid && l->devices[0].has_gid);
  CHECK(!l->devices[1].has_file_mode && !l->devices[1].has_uid && streq(l->devices[2].path, "/dev/fifo"));
  CHECK(l->n_net_devices == 2 && streq(l->net_devices[0].host_name, "eth0") &&
        streq(l->net_devices[0].name, "container_eth0") && streq(l->net_devices[1].host_name, "ens4") &&
        !l->net_devices[1].name);
  CHECK(streq(l->cgroups_path, "/myRuntime/myContainer"));
  CHECK(streq(l->rootfs_propagation, "rslave"));
  CHECK(l->n_sysctl == 2 && streq(l->sysctl[1].key, "net.core.somaxconn") &&
        streq(l->sysctl[1].value, "256"));
  CHECK(l->has_masked_paths && l->masked_paths.n == 2 && l->has_readonly_paths && l->readonly_paths.n == 0);
  CHECK(streq(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811"));
  CHECK(l->has_intel_rdt && streq(l->intel_rdt.clos_id, "guaranteed_group") &&
        streq(l->intel_rdt.mem_bw_schema, "MB:0=20;1=70") && l->intel_rdt.schemata.n == 1 &&
        l->intel_rdt.enable_cmt && !l->intel_rdt.enable_mbm && l->intel_rdt.enable_monitoring);
  CHECK(l->has_personality && streq(l->personality.domain, "LINUX32") && l->personality.flags.n == 0);
  CHECK(l->has_memory_policy && l->memory_policy.mode_id == 3 && streq(l->memory_policy.nodes, "2-3") &&
        streq(l->memory_policy.flags.v[0], "MPOL_F_STATIC_NODES"));
  tap_ok(good, "full config: linux namespaces, mappings, devices, paths, rdt, personality");

  good = true;
  const struct oci_resources *r = &l->resources;
  CHECK(l->has_resources && r->n_devices == 3);
  CHECK(!r->devices[0].allow && !r->devices[0].type && !r->devices[0].has_major &&
        streq(r->devices[0].access, "rwm"));
  CHECK(r->devices[1].allow && streq(r->devices[1].type, "c") && r->devices[1].has_major &&
        r->devices[1].major == 10 && r->devices[1].minor == 229);
  CHECK(r->has_memory && r->memory.has_limit && r->memory.limit == 536870912 &&
        r->memory.reservation == 536870911 && r->memory.swap == INT64_MAX && r->memory.kernel == -1 &&
        r->memory.kernel_tcp == INT64_MIN && r->memory.has_swappiness && r->memory.swappiness == 0 &&
        r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer && r->memory.use_hierarchy &&
        r->memory.check_before_update);
  CHECK(r->has_cpu && r->cpu.has_shares && r->cpu.shares == 1024 && r->cpu.quota == 1000000 &&
        r->cpu.has_burst && r->cpu.burst == 500000 && r->cpu.period == 500000 &&
        r->cpu.realtime_runtime == 950000 && r->cpu.realtime_period == 1000000 && r->cpu.has_idle &&
        r->cpu.idle == 1 && streq(r->cpu.cpus, "2-3") && streq(r->cpu.mems, "0-7"));
  CHECK(r->has_pids && r->pids_limit == -1);
  CHECK(r->has_block_io && r->block_io.weight == 10 && r->block_io.has_leaf_weight &&
        r->block_io.leaf_weight == 65535 && r->block_io.n_weight_device == 2 &&
        r->block_io.weight_device[0].leaf_weight == 300 && !r->block_io.weight_device[1].has_leaf_weight);
  CHECK(r->block_io.throttle_read_bps.n == 1 && r->block_io.throttle_read_bps.v[0].rate == 600 &&
        r->block_io.throttle_write_bps.v[0].rate == 601 && r->block_io.throttle_read_iops.v[0].rate == 602 &&
        r->block_io.throttle_write_iops.v[0].minor == 16);
  CHECK(r->n_hugepage_limits == 2 && streq(r->hugepage_limits[0].page_size, "2MB") &&
        r->hugepage_limits[0].limit == 9223372036854772000ull);
  CHECK(r->has_network && r->has_class_id && r->class_id == 1048577 && r->n_net_priorities == 2 &&
        streq(r->net_priorities[1].name, "eth1") && r->net_priorities[1].priority == 1000);
  CHECK(r->n_rdma == 2 && streq(r->rdma[0].device, "mlx5_1") && r->rdma[0].hca_handles == 3 &&
        !r->rdma[1].has_hca_handles && r->rdma[1].hca_objects == 1000);
  CHECK(r->n_unified == 2 && streq(r->unified[1].key, "memory.high") && streq(r->unified[1].value, "max"));
  tap_ok(good, "full config: linux.resources");

  good = true;
  const struct oci_seccomp *s = &l->seccomp;
  CHECK(l->has_seccomp && streq(s->default_action, "SCMP_ACT_ERRNO") && s->has_default_errno_ret &&
        s->default_errno_ret == 38);
  CHECK(s->architectures.n == 3 && s->flags.n == 2 && streq(s->listener_path, "/run/seccomp-agent.socket") &&
        streq(s->listener_metadata, "meta"));
  CHECK(s->n_syscalls == 3 && s->syscalls[0].names.n == 2 && !s->syscalls[0].has_errno_ret);
  CHECK(s->syscalls[1].has_errno_ret && s->syscalls[1].errno_ret == 1 && s->syscalls[1].n_args == 2 &&
        s->syscalls[1].args[0].value == UINT64_MAX && s->syscalls[1].args[0].value_two == 3 &&
        streq(s->syscalls[1].args[0].op, "SCMP_CMP_MASKED_EQ") && s->syscalls[1].args[1].index == 5);
  CHECK(streq(s->syscalls[2].action, "SCMP_ACT_NOTIFY"));
  tap_ok(good, "full config: linux.seccomp");
}

static void test_full_config(void) {
  size_t len;
  char *json = tap_read_data("full-config.json", &len);
  struct skiff_error err = {0};
  struct oci_config *c = oci_config_parse(json, len, "config.json", &err);
  free(json);
  if (!tap_ok(c != NULL, "full config parses")) {
    tap_diag("%s", err.msg);
    return;
  }
  full = c;
  check_top(c);
  check_process(c);
  check_linux(c);
  oci_config_free(c);
  full = NULL;
}

static void test_minimal_config(void) {
  static const char json[] = "{\"ociVersion\": \"1.0.0\"}";
  struct skiff_error err = {0};
  struct oci_config *c = oci_config_parse(json, sizeof json - 1, "config.json", &err);
  bool good = c != NULL;
  if (c) {
    CHECK(streq(c->oci_version, "1.0.0"));
    CHECK(!c->has_root && !c->has_process && !c->has_linux && !c->hostname && c->n_mounts == 0 && !c->mounts);
    CHECK(!c->linux_.has_resources && !c->linux_.has_seccomp && !c->linux_.has_masked_paths);
    CHECK(!oci_config_namespace(c, OCI_NS_PID));
  }
  tap_ok(good, "minimal config: absent fields stay unset");
  oci_config_free(c);

  static const char nulls[] = "{\"ociVersion\": \"1\", \"process\": null, \"hostname\": null, \"linux\": "
                              "{\"resources\": null, \"namespaces\": null}}";
  c = oci_config_parse(nulls, sizeof nulls - 1, "config.json", &err);
  tap_ok(c && !c->has_process && !c->hostname && c->has_linux && !c->linux_.has_resources,
         "null members count as absent");
  oci_config_free(c);
}

static void test_default_spec(bool rootless, const char *fixture, uint32_t uid, uint32_t gid) {
  const char *what = rootless ? "spec --rootless" : "spec";
  char *want = tap_read_data(fixture, NULL);
  char *got = oci_spec_default(rootless, uid, gid, NULL);
  tap_is(got, want, "%s matches runc's template byte for byte", what);
  free(want);

  struct skiff_error err = {0};
  struct oci_config *c = got ? oci_config_parse(got, strlen(got), "config.json", &err) : NULL;
  bool good = c != NULL;
  if (!c)
    tap_diag("%s", err.msg);
  else {
    CHECK(streq(c->oci_version, "1.2.0") && streq(c->hostname, "skiff"));
    CHECK(c->process.terminal && c->process.args.n == 1 && streq(c->process.cwd, "/"));
    CHECK(c->process.n_rlimits == 1 && c->process.rlimits[0].hard == 1024);
    CHECK(c->n_mounts == 7 && streq(c->mounts[6].destination, "/sys/fs/cgroup"));
    CHECK(c->linux_.masked_paths.n == 10 && c->linux_.readonly_paths.n == 5);
    if (rootless) {
      CHECK(oci_config_namespace(c, OCI_NS_USER) && !oci_config_namespace(c, OCI_NS_NETWORK));
      CHECK(c->linux_.n_uid_mappings == 1 && c->linux_.uid_mappings[0].host_id == uid &&
            c->linux_.gid_mappings[0].host_id == gid && !c->linux_.has_resources);
      CHECK(c->mounts[2].options.n == 5 && streq(c->mounts[5].source, "/sys"));
    } else {
      CHECK(oci_config_namespace(c, OCI_NS_NETWORK) && !oci_config_namespace(c, OCI_NS_USER));
      CHECK(c->linux_.has_resources && c->linux_.resources.n_devices == 1 &&
            !c->linux_.resources.devices[0].allow);
    }
  }
  tap_ok(good, "%s output parses back with the expected values", what);
  oci_config_free(c);
  free(got);
}

static void test_process_parse(void) {
  static const char json[] = "{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", \"env\": [\"A=b\"], "
                             "\"user\": {\"uid\": 7, \"gid\": 8}, \"capabilities\": {\"bounding\": []}}";
  struct skiff_error err = {0};
  struct oci_process *p = oci_process_parse(json, sizeof json - 1, "process.json", &err);
  bool good = p != NULL;
  if (p) {
    CHECK(p->args.n == 2 && streq(p->args.v[1], "-l") && streq(p->cwd, "/tmp") && p->user.uid == 7);
    CHECK(p->has_capabilities && p->capabilities.has_bounding && !p->capabilities.has_ambient);
  }
  tap_ok(good, "standalone process object parses");
  oci_process_free(p);

  static const char bad[] = "{\"args\": [\"ls\", 1], \"cwd\": \"/\"}";
  p = oci_process_parse(bad, sizeof bad - 1, "process.json", &err);
  tap_is(p ? "parsed" : err.msg, "process.json: args[1]: expected a string, got number",
         "standalone process errors have no \"process.\" prefix");
  oci_process_free(p);

  static const char nocwd[] = "{\"args\": [\"ls\"]}";
  p = oci_process_parse(nocwd, sizeof nocwd - 1, "process.json", &err);
  tap_is(p ? "parsed" : err.msg, "process.json: cwd: required", "standalone process: cwd required");
  oci_process_free(p);

  p = oci_process_parse("[]", 2, "process.json", &err);
  tap_is(p ? "parsed" : err.msg, "process.json: expected an object, got array",
         "standalone process: not an object");
  oci_process_free(p);
}

/* The spec has runtimes warn about capabilities they do not know, not fail: the parser keeps them. */
static void test_unknown_capability(void) {
  struct skiff_error err = {0};
  static const char json[] = "{\"ociVersion\": \"1.0.2\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], "
                             "\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FOO\"]}}}";
  struct oci_config *c = oci_config_parse(json, sizeof json - 1, "config.json", &err);
  tap_ok(c && c->process.capabilities.bounding.n == 2 && !strcmp(c->process.capabilities.bounding.v[1], "CAP_FOO"),
         "unknown capability names are kept, not refused");
  oci_config_free(c);
}

static void test_relative_destination(void) {
  struct skiff_error err = {0};
  static const char json[] = "{\"ociVersion\": \"1.0.2\", \"mounts\": [{\"destination\": \"run/x\"}, "
                             "{\"destination\": \"/tmp\"}]}";
  struct oci_config *c = oci_config_parse(json, sizeof json - 1, "config.json", &err);
  tap_ok(c && !strcmp(c->mounts[0].destination, "/run/x") && c->mounts[0].destination_was_relative &&
             !strcmp(c->mounts[1].destination, "/tmp") && !c->mounts[1].destination_was_relative,
         "a relative mount destination is taken from / and marked for the warning");
  oci_config_free(c);
}

int main(void) {
  test_full_config();
  test_minimal_config();
  test_default_spec(false, "runc-spec.json", 0, 0);
  test_default_spec(true, "runc-spec-rootless-65534-65533.json", 65534, 65533);
  test_process_parse();
  test_unknown_capability();
  test_relative_destination();
  test_config_invalid();
  test_state();
  return tap_done();
}

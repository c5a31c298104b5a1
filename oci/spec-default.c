/* The config.json of `skiff spec`: byte for byte what `runc spec` writes, except for the
 * hostname and the spec version, so that tools and tests written against runc's template
 * see the same document. */
#include <stdlib.h>

#include "oci/json-write.h"
#include "oci/state.h"

#define N(a) (sizeof(a) / sizeof *(a))

static void write_mount(struct json_writer *w, const char *destination, const char *type, const char *source,
                        const char *const *options, size_t n_options) {
  json_write_begin_object(w);
  json_write_kstring(w, "destination", destination);
  json_write_kstring(w, "type", type);
  json_write_kstring(w, "source", source);
  if (n_options)
    json_write_kstrings(w, "options", options, n_options);
  json_write_end_object(w);
}

static void write_id_mappings(struct json_writer *w, const char *key, uint32_t host_id) {
  json_write_key(w, key);
  json_write_begin_array(w);
  json_write_begin_object(w);
  json_write_kuint(w, "containerID", 0);
  json_write_kuint(w, "hostID", host_id);
  json_write_kuint(w, "size", 1);
  json_write_end_object(w);
  json_write_end_array(w);
}

static void write_process(struct json_writer *w) {
  static const char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    "TERM=xterm"};
  static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  static const char *const args[] = {"sh"};
  json_write_key(w, "process");
  json_write_begin_object(w);
  json_write_kbool(w, "terminal", true);
  json_write_key(w, "user");
  json_write_begin_object(w);
  json_write_kuint(w, "uid", 0);
  json_write_kuint(w, "gid", 0);
  json_write_end_object(w);
  json_write_kstrings(w, "args", args, N(args));
  json_write_kstrings(w, "env", env, N(env));
  json_write_kstring(w, "cwd", "/");
  json_write_key(w, "capabilities");
  json_write_begin_object(w);
  json_write_kstrings(w, "bounding", caps, N(caps));
  json_write_kstrings(w, "effective", caps, N(caps));
  json_write_kstrings(w, "permitted", caps, N(caps));
  json_write_kstrings(w, "ambient", caps, N(caps));
  json_write_end_object(w);
  json_write_key(w, "rlimits");
  json_write_begin_array(w);
  json_write_begin_object(w);
  json_write_kstring(w, "type", "RLIMIT_NOFILE");
  json_write_kuint(w, "hard", 1024);
  json_write_kuint(w, "soft", 1024);
  json_write_end_object(w);
  json_write_end_array(w);
  json_write_kbool(w, "noNewPrivileges", true);
  json_write_end_object(w);
}

/* Rootless: no devpts gid=5 (that group is not mapped) and sysfs cannot be mounted without
 * owning the network namespace, so /sys is bound from the host. */
static void write_mounts(struct json_writer *w, bool rootless) {
  static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k"};
  static const char *const pts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"};
  static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"};
  static const char *const mqueue[] = {"nosuid", "noexec", "nodev"};
  static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro"};
  static const char *const sys_bind[] = {"rbind", "nosuid", "noexec", "nodev", "ro"};
  static const char *const cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro"};
  json_write_key(w, "mounts");
  json_write_begin_array(w);
  write_mount(w, "/proc", "proc", "proc", NULL, 0);
  write_mount(w, "/dev", "tmpfs", "tmpfs", dev, N(dev));
  write_mount(w, "/dev/pts", "devpts", "devpts", pts, rootless ? N(pts) - 1 : N(pts));
  write_mount(w, "/dev/shm", "tmpfs", "shm", shm, N(shm));
  write_mount(w, "/dev/mqueue", "mqueue", "mqueue", mqueue, N(mqueue));
  if (rootless)
    write_mount(w, "/sys", "none", "/sys", sys_bind, N(sys_bind));
  else
    write_mount(w, "/sys", "sysfs", "sysfs", sys, N(sys));
  write_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", cgroup, N(cgroup));
  json_write_end_array(w);
}

static void write_linux(struct json_writer *w, bool rootless, uint32_t host_uid, uint32_t host_gid) {
  static const char *const masked[] = {
      "/proc/acpi",       "/proc/asound",      "/proc/kcore",       "/proc/keys",    "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
  static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger"};
  static const char *const namespaces[] = {"pid", "network", "ipc", "uts", "mount"};
  static const char *const rootless_namespaces[] = {"pid", "ipc", "uts", "mount", "user"};
  json_write_key(w, "linux");
  json_write_begin_object(w);
  if (rootless) {
    write_id_mappings(w, "uidMappings", host_uid);
    write_id_mappings(w, "gidMappings", host_gid);
  } else {
    json_write_key(w, "resources");
    json_write_begin_object(w);
    json_write_key(w, "devices");
    json_write_begin_array(w);
    json_write_begin_object(w);
    json_write_kbool(w, "allow", false);
    json_write_kstring(w, "access", "rwm");
    json_write_end_object(w);
    json_write_end_array(w);
    json_write_end_object(w);
  }
  json_write_key(w, "namespaces");
  json_write_begin_array(w);
  for (size_t i = 0; i < N(namespaces); i++) {
    json_write_begin_object(w);
    json_write_kstring(w, "type", rootless ? rootless_namespaces[i] : namespaces[i]);
    json_write_end_object(w);
  }
  json_write_end_array(w);
  json_write_kstrings(w, "maskedPaths", masked, N(masked));
  json_write_kstrings(w, "readonlyPaths", readonly, N(readonly));
  json_write_end_object(w);
}

static void write_network_hook(struct json_writer *w, const char *stage, const struct oci_spec_network *n,
                               const char *action) {
  const char *args[] = {"skiff-bridge", "hook", action, "--config", n->config};
  json_write_key(w, stage);
  json_write_begin_array(w);
  json_write_begin_object(w);
  json_write_kstring(w, "path", n->hook);
  json_write_kstrings(w, "args", args, n->config ? N(args) : 3);
  json_write_end_object(w);
  json_write_end_array(w);
}

/* The network namespace is in the default list of namespaces already: the hooks make it a
 * network. */
static void write_network_hooks(struct json_writer *w, const struct oci_spec_network *n) {
  json_write_key(w, "hooks");
  json_write_begin_object(w);
  write_network_hook(w, "createRuntime", n, "add");
  write_network_hook(w, "poststop", n, "del");
  json_write_end_object(w);
}

char *oci_spec_default(bool rootless, uint32_t host_uid, uint32_t host_gid, const struct oci_spec_network *network) {
  struct json_writer w;
  json_writer_init(&w, "\t");
  json_write_begin_object(&w);
  json_write_kstring(&w, "ociVersion", OCI_SPEC_VERSION);
  write_process(&w);
  json_write_key(&w, "root");
  json_write_begin_object(&w);
  json_write_kstring(&w, "path", "rootfs");
  json_write_kbool(&w, "readonly", true);
  json_write_end_object(&w);
  json_write_kstring(&w, "hostname", "skiff");
  write_mounts(&w, rootless);
  if (network)
    write_network_hooks(&w, network);
  write_linux(&w, rootless, host_uid, host_gid);
  json_write_end_object(&w);
  return json_writer_finish(&w);
}

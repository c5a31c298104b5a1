#include "oci/names.h"

#include <linux/capability.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

/* Older kernel headers lack the newest capabilities; their numbers are ABI. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#define NAME(x)                                                                                              \
  { #x, x }

const struct oci_name oci_namespace_names[] = {
    {"pid", OCI_NS_PID},       {"network", OCI_NS_NETWORK}, {"mount", OCI_NS_MOUNT},
    {"ipc", OCI_NS_IPC},       {"uts", OCI_NS_UTS},         {"user", OCI_NS_USER},
    {"cgroup", OCI_NS_CGROUP}, {"time", OCI_NS_TIME},       {NULL, 0},
};

const struct oci_name oci_rlimit_names[] = {
    NAME(RLIMIT_CPU),      NAME(RLIMIT_FSIZE),  NAME(RLIMIT_DATA),
    NAME(RLIMIT_STACK),    NAME(RLIMIT_CORE),   NAME(RLIMIT_RSS),
    NAME(RLIMIT_NPROC),    NAME(RLIMIT_NOFILE), NAME(RLIMIT_MEMLOCK),
    NAME(RLIMIT_AS),       NAME(RLIMIT_LOCKS),  NAME(RLIMIT_SIGPENDING),
    NAME(RLIMIT_MSGQUEUE), NAME(RLIMIT_NICE),   NAME(RLIMIT_RTPRIO),
    NAME(RLIMIT_RTTIME),   {NULL, 0},
};

const struct oci_name oci_capability_names[] = {
    NAME(CAP_CHOWN),
    NAME(CAP_DAC_OVERRIDE),
    NAME(CAP_DAC_READ_SEARCH),
    NAME(CAP_FOWNER),
    NAME(CAP_FSETID),
    NAME(CAP_KILL),
    NAME(CAP_SETGID),
    NAME(CAP_SETUID),
    NAME(CAP_SETPCAP),
    NAME(CAP_LINUX_IMMUTABLE),
    NAME(CAP_NET_BIND_SERVICE),
    NAME(CAP_NET_BROADCAST),
    NAME(CAP_NET_ADMIN),
    NAME(CAP_NET_RAW),
    NAME(CAP_IPC_LOCK),
    NAME(CAP_IPC_OWNER),
    NAME(CAP_SYS_MODULE),
    NAME(CAP_SYS_RAWIO),
    NAME(CAP_SYS_CHROOT),
    NAME(CAP_SYS_PTRACE),
    NAME(CAP_SYS_PACCT),
    NAME(CAP_SYS_ADMIN),
    NAME(CAP_SYS_BOOT),
    NAME(CAP_SYS_NICE),
    NAME(CAP_SYS_RESOURCE),
    NAME(CAP_SYS_TIME),
    NAME(CAP_SYS_TTY_CONFIG),
    NAME(CAP_MKNOD),
    NAME(CAP_LEASE),
    NAME(CAP_AUDIT_WRITE),
    NAME(CAP_AUDIT_CONTROL),
    NAME(CAP_SETFCAP),
    NAME(CAP_MAC_OVERRIDE),
    NAME(CAP_MAC_ADMIN),
    NAME(CAP_SYSLOG),
    NAME(CAP_WAKE_ALARM),
    NAME(CAP_BLOCK_SUSPEND),
    NAME(CAP_AUDIT_READ),
    NAME(CAP_PERFMON),
    NAME(CAP_BPF),
    NAME(CAP_CHECKPOINT_RESTORE),
    {NULL, 0},
};

/* IOPRIO_CLASS_* of <linux/ioprio.h> */
const struct oci_name oci_ioprio_class_names[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

/* SCHED_* of <linux/sched.h>; SCHED_ISO is reserved by the kernel but listed by the spec. */
const struct oci_name oci_sched_policy_names[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}, {NULL, 0},
};

/* SCHED_FLAG_* of <linux/sched.h> */
const struct oci_name oci_sched_flag_names[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};

const struct oci_name oci_propagation_names[] = {
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"private", MS_PRIVATE},
    {"unbindable", MS_UNBINDABLE},
    {"rshared", MS_SHARED | MS_REC},
    {"rslave", MS_SLAVE | MS_REC},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"runbindable", MS_UNBINDABLE | MS_REC},
    {NULL, 0},
};

/* PER_LINUX, PER_LINUX32 of <sys/personality.h> */
const struct oci_name oci_personality_names[] = {
    {"LINUX", 0x0000},
    {"LINUX32", 0x0008},
    {NULL, 0},
};

const struct oci_name oci_seccomp_action_names[] = {
    {"SCMP_ACT_KILL", 0},        {"SCMP_ACT_KILL_PROCESS", 0},
    {"SCMP_ACT_KILL_THREAD", 0}, {"SCMP_ACT_TRAP", 0},
    {"SCMP_ACT_ERRNO", 0},       {"SCMP_ACT_TRACE", 0},
    {"SCMP_ACT_ALLOW", 0},       {"SCMP_ACT_LOG", 0},
    {"SCMP_ACT_NOTIFY", 0},      {NULL, 0},
};

const struct oci_name oci_seccomp_arch_names[] = {
    {"SCMP_ARCH_X86", 0},      {"SCMP_ARCH_X86_64", 0},      {"SCMP_ARCH_X32", 0},
    {"SCMP_ARCH_ARM", 0},      {"SCMP_ARCH_AARCH64", 0},     {"SCMP_ARCH_MIPS", 0},
    {"SCMP_ARCH_MIPS64", 0},   {"SCMP_ARCH_MIPS64N32", 0},   {"SCMP_ARCH_MIPSEL", 0},
    {"SCMP_ARCH_MIPSEL64", 0}, {"SCMP_ARCH_MIPSEL64N32", 0}, {"SCMP_ARCH_PPC", 0},
    {"SCMP_ARCH_PPC64", 0},    {"SCMP_ARCH_PPC64LE", 0},     {"SCMP_ARCH_S390", 0},
    {"SCMP_ARCH_S390X", 0},    {"SCMP_ARCH_PARISC", 0},      {"SCMP_ARCH_PARISC64", 0},
    {"SCMP_ARCH_RISCV64", 0},  {"SCMP_ARCH_LOONGARCH64", 0}, {"SCMP_ARCH_M68K", 0},
    {"SCMP_ARCH_SH", 0},       {"SCMP_ARCH_SHEB", 0},        {NULL, 0},
};

const struct oci_name oci_seccomp_op_names[] = {
    {"SCMP_CMP_NE", 0}, {"SCMP_CMP_LT", 0}, {"SCMP_CMP_LE", 0},        {"SCMP_CMP_EQ", 0},
    {"SCMP_CMP_GE", 0}, {"SCMP_CMP_GT", 0}, {"SCMP_CMP_MASKED_EQ", 0}, {NULL, 0},
};

/* SECCOMP_FILTER_FLAG_* of <linux/seccomp.h> */
const struct oci_name oci_seccomp_flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", 1 << 0},
    {"SECCOMP_FILTER_FLAG_LOG", 1 << 1},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1 << 2},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1 << 5},
    {NULL, 0},
};

/* MPOL_* of <linux/mempolicy.h> */
const struct oci_name oci_mempolicy_mode_names[] = {
    {"MPOL_DEFAULT", 0},
    {"MPOL_PREFERRED", 1},
    {"MPOL_BIND", 2},
    {"MPOL_INTERLEAVE", 3},
    {"MPOL_LOCAL", 4},
    {"MPOL_PREFERRED_MANY", 5},
    {"MPOL_WEIGHTED_INTERLEAVE", 6},
    {NULL, 0},
};

const struct oci_name oci_mempolicy_flag_names[] = {
    {"MPOL_F_STATIC_NODES", 1 << 15},
    {"MPOL_F_RELATIVE_NODES", 1 << 14},
    {"MPOL_F_NUMA_BALANCING", 1 << 13},
    {NULL, 0},
};

const struct oci_name *oci_name_find(const struct oci_name *table, const char *name) {
  for (; table->name; table++)
    if (strcmp(table->name, name) == 0)
      return table;
  return NULL;
}

int oci_name_value(const struct oci_name *table, const char *name) {
  const struct oci_name *e = oci_name_find(table, name);
  return e ? e->value : -1;
}

const char *oci_name_of(const struct oci_name *table, int value) {
  for (; table->name; table++)
    if (table->value == value)
      return table->name;
  return NULL;
}

int oci_cap_from_name(const char *name) {
  return oci_name_value(oci_capability_names, name);
}

const char *oci_ns_type_name(enum oci_ns_type type) {
  return oci_name_of(oci_namespace_names, (int)type);
}

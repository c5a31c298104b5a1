#include "lib/process-sched.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/names.h"

#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

/* <linux/ioprio.h> */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* <linux/sched.h> */
#define POLICY_FIFO 1
#define POLICY_RR 2
#define POLICY_DEADLINE 6

/* The kernel's struct sched_attr up to the utilization clamps (SCHED_ATTR_SIZE_VER1): its
 * layout is ABI, and glibc before 2.41 has no declaration of its own. */
struct sched_attr_v1 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

/* Nodes as a bitmap for set_mempolicy: CONFIG_NODES_SHIFT is at most 10. */
#define MEMPOLICY_MAX_NODES 1024
#define BITS_PER_WORD (8 * sizeof(unsigned long))

struct node_mask {
  unsigned long bits[MEMPOLICY_MAX_NODES / BITS_PER_WORD];
  bool any;
};

static int parse_node(const char **s, unsigned long *node) {
  char *end;
  if (**s < '0' || **s > '9')
    return -1;
  errno = 0;
  *node = strtoul(*s, &end, 10);
  if (errno || *node >= MEMPOLICY_MAX_NODES)
    return -1;
  *s = end;
  return 0;
}

/* "0-3,7": ranges and single nodes, comma-separated; "" is no node. */
static int parse_nodes(const char *list, struct node_mask *mask, struct skiff_error *err) {
  memset(mask, 0, sizeof *mask);
  for (const char *s = list; *s;) {
    unsigned long first, last;
    if (parse_node(&s, &first) < 0)
      goto invalid;
    last = first;
    if (*s == '-' && (++s, parse_node(&s, &last) < 0 || last < first))
      goto invalid;
    for (unsigned long n = first; n <= last; n++)
      mask->bits[n / BITS_PER_WORD] |= 1UL << (n % BITS_PER_WORD);
    mask->any = true;
    if (*s == '\0')
      break;
    if (*s != ',' || *++s == '\0') /* a trailing comma too */
      goto invalid;
  }
  return 0;
invalid:
  return skiff_fail(
      err, EINVAL,
      "linux.memoryPolicy.nodes: invalid node list \"%s\" (expected nodes below %d, as \"0-3,7\")", list,
      MEMPOLICY_MAX_NODES);
}

/* Intel RDT (and AMD PQoS): resctrl mounted where the kernel documents it. */
static bool host_has_resctrl(void) {
  struct statfs st;
  return statfs("/sys/fs/resctrl", &st) == 0 && st.f_type == RDTGROUP_SUPER_MAGIC;
}

static int check_intel_rdt(const struct oci_linux *l, struct skiff_error *err) {
  if (!l->has_intel_rdt)
    return 0;
  if (!host_has_resctrl())
    return skiff_fail(err, ENOTSUP,
                      "linux.intelRdt: not supported on this host: no resctrl filesystem is mounted at "
                      "/sys/fs/resctrl");
  /* The spec wants the container in a resctrl group; ignoring it would run it unconfined. */
  return skiff_fail(err, ENOTSUP, "linux.intelRdt: resctrl groups are not supported by this build of skiff");
}

static bool is_realtime(int policy) {
  return policy == POLICY_FIFO || policy == POLICY_RR;
}

static int check_scheduler(const struct oci_process *p, struct skiff_error *err) {
  if (!p->has_scheduler)
    return 0;
  const struct oci_scheduler *s = &p->scheduler;
  /* the kernel would clamp a nice value silently */
  if (s->nice < -20 || s->nice > 19)
    return skiff_fail(err, EINVAL, "process.scheduler.nice: must be between -20 and 19, got %d",
                      (int)s->nice);
  if (!is_realtime(s->policy_id) && s->priority != 0)
    return skiff_fail(err, EINVAL,
                      "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority, not %s",
                      s->policy);
  if (is_realtime(s->policy_id) && (s->priority < 1 || s->priority > 99))
    return skiff_fail(err, EINVAL, "process.scheduler.priority: %s needs a priority between 1 and 99, got %d",
                      s->policy, (int)s->priority);
  return 0;
}

int process_check_host_support(const struct oci_config *config, struct skiff_error *err) {
  const struct oci_linux *l = &config->linux_;
  if (check_intel_rdt(l, err) < 0 || check_scheduler(&config->process, err) < 0)
    return -1;
  if (l->has_personality && l->personality.flags.n)
    return skiff_fail(err, EINVAL, "linux.personality.flags[0]: unknown flag \"%s\" (the spec defines none)",
                      l->personality.flags.v[0]);
  struct node_mask mask;
  if (l->has_memory_policy && l->memory_policy.nodes && parse_nodes(l->memory_policy.nodes, &mask, err) < 0)
    return -1;
  return 0;
}

static int apply_io_priority(const struct oci_process *p, struct skiff_error *err) {
  if (!p->has_io_priority)
    return 0;
  const struct oci_io_priority *io = &p->io_priority;
  long value = ((long)io->class_id << IOPRIO_CLASS_SHIFT) | io->priority;
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
    return skiff_fail_errno(err, errno, "process.ioPriority: ioprio_set %s priority %d", io->class_name,
                            (int)io->priority);
  return 0;
}

static int apply_scheduler(const struct oci_process *p, struct skiff_error *err) {
  if (!p->has_scheduler)
    return 0;
  const struct oci_scheduler *s = &p->scheduler;
  struct sched_attr_v1 attr = {
      .size = sizeof attr,
      .sched_policy = (uint32_t)s->policy_id,
      .sched_nice = s->nice,
      .sched_priority = (uint32_t)s->priority,
      .sched_runtime = s->runtime,
      .sched_deadline = s->deadline,
      .sched_period = s->period,
  };
  for (size_t i = 0; i < s->flags.n; i++)
    attr.sched_flags |= (uint64_t)oci_name_value(oci_sched_flag_names, s->flags.v[i]);
  if (syscall(SYS_sched_setattr, 0, &attr, 0) == 0)
    return 0;
  int e = errno;
  if (s->policy_id == POLICY_DEADLINE)
    return skiff_fail_errno(
        err, e, "process.scheduler: sched_setattr %s (runtime %llu, deadline %llu, period %llu)", s->policy,
        (unsigned long long)s->runtime, (unsigned long long)s->deadline, (unsigned long long)s->period);
  return skiff_fail_errno(err, e, "process.scheduler: sched_setattr %s (nice %d, priority %d)", s->policy,
                          (int)s->nice, (int)s->priority);
}

int process_apply_sched(const struct oci_process *process, struct skiff_error *err) {
  /* again for exec --process, whose scheduler create has not seen */
  if (check_scheduler(process, err) < 0 || apply_io_priority(process, err) < 0)
    return -1;
  return apply_scheduler(process, err);
}

static int apply_personality(const struct oci_linux *l, struct skiff_error *err) {
  if (!l->has_personality)
    return 0;
  int persona = oci_name_value(oci_personality_names, l->personality.domain);
  if (persona < 0)
    return skiff_fail(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"", l->personality.domain);
  if (personality((unsigned long)persona) < 0)
    return skiff_fail_errno(err, errno, "linux.personality: personality %s", l->personality.domain);
  return 0;
}

static int apply_memory_policy(const struct oci_linux *l, struct skiff_error *err) {
  if (!l->has_memory_policy)
    return 0;
  const struct oci_memory_policy *mp = &l->memory_policy;
  struct node_mask mask = {0};
  if (mp->nodes && parse_nodes(mp->nodes, &mask, err) < 0)
    return -1;
  unsigned long mode = (unsigned long)mp->mode_id;
  for (size_t i = 0; i < mp->flags.n; i++)
    mode |= (unsigned long)oci_name_value(oci_mempolicy_flag_names, mp->flags.v[i]);
  /* the kernel reads maxnode - 1 bits */
  long ret = mask.any ? syscall(SYS_set_mempolicy, mode, mask.bits, (unsigned long)MEMPOLICY_MAX_NODES + 1)
                      : syscall(SYS_set_mempolicy, mode, NULL, 0UL);
  if (ret < 0)
    return skiff_fail_errno(err, errno, "linux.memoryPolicy: set_mempolicy %s with nodes \"%s\"", mp->mode,
                            mp->nodes ? mp->nodes : "");
  return 0;
}

int process_apply_scheduling(const struct oci_config *config, struct skiff_error *err) {
  if (apply_memory_policy(&config->linux_, err) < 0 || apply_personality(&config->linux_, err) < 0)
    return -1;
  return process_apply_sched(&config->process, err);
}

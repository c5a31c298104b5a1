/* Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program, assembled here from the
 * folded rules (a default verdict and its exceptions) and attached to the cgroup with
 * BPF_PROG_ATTACH. Raw bpf(2), no libbpf. The program answers as the v1 kernel would: with a
 * default deny, a request passes when one allow exception covers all of its access bits; with a
 * default allow, it fails when a deny exception shares any access bit with it. */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/cleanup.h"
#include "oci/str.h"

/* struct bpf_cgroup_dev_ctx: access_type (type | access << 16), major, minor, all u32 */
enum { R0 = 0, R1, R2, R3, R4, R5, R6 };

struct program {
  struct bpf_insn *v;
  size_t n, cap;
};

static void emit(struct program *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  if (p->n < p->cap)
    p->v[p->n] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
  p->n++;
}

static void load_word(struct program *p, uint8_t dst, int16_t off) {
  emit(p, BPF_LDX | BPF_W | BPF_MEM, dst, R1, off, 0);
}

static void ret(struct program *p, int verdict) {
  emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, verdict);
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* One exception: a run of "skip to the next block unless it matches", then the verdict. The
 * jumps are emitted with off = -1 and pointed at the block's end once its length is known. */
static void emit_exception(struct program *p, const struct cg_dev_rule *e, bool default_allow) {
  size_t start = p->n;
  emit(p, BPF_JMP | BPF_JNE | BPF_K, R3, 0, -1, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (!default_allow && e->access != CG_DEV_RWM) { /* request within the allowed bits */
    emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R2, 0, 0);
    emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, (int32_t)(~e->access & CG_DEV_RWM));
    emit(p, BPF_JMP | BPF_JNE | BPF_K, R6, 0, -1, 0);
  } else if (default_allow && e->access != CG_DEV_RWM) { /* request touching a denied bit */
    emit(p, BPF_ALU | BPF_MOV | BPF_X, R6, R2, 0, 0);
    emit(p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, (int32_t)e->access);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, R6, 0, -1, 0);
  }
  if (e->major >= 0)
    emit(p, BPF_JMP | BPF_JNE | BPF_K, R4, 0, -1, (int32_t)e->major);
  if (e->minor >= 0)
    emit(p, BPF_JMP | BPF_JNE | BPF_K, R5, 0, -1, (int32_t)e->minor);
  ret(p, default_allow ? 0 : 1);
  if (p->n > p->cap)
    return;
  for (size_t i = start; i < p->n; i++)
    if (p->v[i].off == -1 && BPF_CLASS(p->v[i].code) == BPF_JMP)
      p->v[i].off = (int16_t)(p->n - i - 1);
}

static int assemble(const struct cg_dev_state *st, struct program *p) {
  p->cap = 8 + st->n * 9;
  p->v = calloc(p->cap, sizeof *p->v);
  if (!p->v)
    return -1;
  load_word(p, R2, 0);
  emit(p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
  emit(p, BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff); /* device type */
  emit(p, BPF_ALU | BPF_RSH | BPF_K, R2, 0, 0, 16);     /* access bits */
  load_word(p, R4, 4);
  load_word(p, R5, 8);
  for (size_t i = 0; i < st->n; i++)
    emit_exception(p, &st->ex[i], st->default_allow);
  ret(p, st->default_allow ? 1 : 0);
  return p->n <= p->cap ? 0 : -1;
}

static long bpf(int cmd, union bpf_attr *attr) {
  return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load(const struct program *p, struct skiff_error *err) {
  static const char license[] = "GPL";
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)p->v;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t)license;
  int fd = (int)bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  int e = errno;
  char log[1024] = "";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  fd = (int)bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  log[str_cspan(log, "\n")] = '\0';
  return skiff_fail_errno(err, e, "linux.resources.devices: load the device filter (%zu instructions)%s%s",
                          p->n, log[0] ? ": " : "", log);
}

/* Programs attached to this cgroup before (ours from a previous create or update). */
static int query(int cgfd, uint32_t *ids, uint32_t *n) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)cgfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = *n;
  if (bpf(BPF_PROG_QUERY, &attr) < 0)
    return -1;
  *n = attr.query.prog_cnt;
  return 0;
}

static int detach(int cgfd, uint32_t id, struct skiff_error *err) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_id = id;
  cleanup_close int fd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    return errno == ENOENT
               ? 0
               : skiff_fail_errno(err, errno, "linux.resources.devices: get device filter %u", id);
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgfd;
  attr.attach_bpf_fd = (uint32_t)fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
    return skiff_fail_errno(err, errno, "linux.resources.devices: detach the previous device filter");
  return 0;
}

int cg_devices_bpf_apply(int cgfd, const struct cg_dev_state *st, struct skiff_error *err) {
  uint32_t old[64], n_old = 64;
  if (query(cgfd, old, &n_old) < 0)
    n_old = 0; /* nothing attached, or a kernel without query: nothing to replace */
  if (!st->default_allow || st->n) {
    struct program p = {0};
    if (assemble(st, &p) < 0) {
      free(p.v);
      return skiff_fail_errno(err, ENOMEM, "linux.resources.devices: device filter");
    }
    cleanup_close int prog = load(&p, err);
    free(p.v);
    if (prog < 0)
      return -1;
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgfd;
    attr.attach_bpf_fd = (uint32_t)prog;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, &attr) < 0)
      return skiff_fail_errno(err, errno, "linux.resources.devices: attach the device filter");
  }
  /* the new filter is in place before the old ones go: no moment without one */
  for (uint32_t i = 0; i < n_old; i++)
    if (detach(cgfd, old[i], err) < 0)
      return -1;
  return 0;
}

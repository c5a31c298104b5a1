/* The classic-BPF instructions skiff puts in front of libseccomp's program (seccomp-stub.h says
 * what they decide and why). libseccomp's program starts by checking the architecture itself and
 * its jumps are relative, so it runs unchanged after the stub; every path through the stub ends
 * in a return or a jump to the program's first instruction. */
#include "lib/seccomp-stub.h"

#include <asm/unistd.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>

/* Where the low 32 bits of argument i sit in struct seccomp_data. The kernel reads the fd and
 * flags arguments compared below as int: their low word is all it sees. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

#define X32_SYSCALL_BIT 0x40000000u

/* Jump targets: the next instruction, the common returns, libseccomp's program, or a label. */
enum { TO_NEXT, TO_ALLOW, TO_ENOSYS, TO_PROGRAM, FIRST_LABEL };
#define LABELS_MAX 64

struct assembler {
  struct sock_filter *insns;
  size_t n, cap;
  bool overflow;
  uint8_t jt_to[SECCOMP_STUB_MAX], jf_to[SECCOMP_STUB_MAX]; /* resolved by finish() */
  size_t label_at[LABELS_MAX];
  unsigned n_labels;
};

static void emit(struct assembler *a, uint16_t code, uint32_t k, unsigned jt, unsigned jf) {
  if (a->n >= a->cap || a->n >= SECCOMP_STUB_MAX) {
    a->overflow = true;
    return;
  }
  a->insns[a->n] = (struct sock_filter)BPF_STMT(code, k);
  a->jt_to[a->n] = (uint8_t)jt;
  a->jf_to[a->n] = (uint8_t)jf;
  a->n++;
}

static void load(struct assembler *a, size_t offset) {
  emit(a, BPF_LD | BPF_W | BPF_ABS, (uint32_t)offset, TO_NEXT, TO_NEXT);
}

static void jump_if(struct assembler *a, uint16_t op, uint32_t k, unsigned jt, unsigned jf) {
  emit(a, BPF_JMP | op | BPF_K, k, jt, jf);
}

static unsigned new_label(struct assembler *a) {
  if (a->n_labels >= LABELS_MAX) {
    a->overflow = true;
    return TO_PROGRAM;
  }
  return FIRST_LABEL + a->n_labels++;
}

static void place(struct assembler *a, unsigned label) {
  if (label >= FIRST_LABEL)
    a->label_at[label - FIRST_LABEL] = a->n;
}

/* The exec of the trampoline as skiff makes it, execveat(exec_fd, "", argv, envp, AT_EMPTY_PATH),
 * and fcntl(fd, F_SETFD, ...), on the native architecture. Ends with the number in A again. */
static void allow_runtime_calls(struct assembler *a, int exec_fd) {
  unsigned not_exec = new_label(a), not_fcntl = new_label(a);
  jump_if(a, BPF_JEQ, __NR_execveat, TO_NEXT, not_exec);
  load(a, ARG_LOW(0));
  jump_if(a, BPF_JEQ, (uint32_t)exec_fd, TO_NEXT, not_exec);
  load(a, ARG_LOW(4));
  jump_if(a, BPF_JEQ, AT_EMPTY_PATH, TO_ALLOW, not_exec);
  place(a, not_exec);
  load(a, offsetof(struct seccomp_data, nr));
  jump_if(a, BPF_JEQ, __NR_fcntl, TO_NEXT, not_fcntl);
  load(a, ARG_LOW(1));
  jump_if(a, BPF_JEQ, F_SETFD, TO_ALLOW, TO_NEXT);
  place(a, not_fcntl);
  load(a, offsetof(struct seccomp_data, nr));
}

/* Entered with the architecture in A; falls through to the next block when it is not this one. */
static void arch_block(struct assembler *a, const struct seccomp_stub_arch *arch, bool native,
                       const struct seccomp_stub_config *cfg) {
  unsigned other_arch = new_label(a);
  jump_if(a, BPF_JEQ, arch->audit_arch, TO_NEXT, other_arch);
  load(a, offsetof(struct seccomp_data, nr));
  if (native && cfg->exec_fd >= 0)
    allow_runtime_calls(a, cfg->exec_fd);
  if (arch->audit_arch == AUDIT_ARCH_X86_64) /* x32 system calls: libseccomp's program decides */
    jump_if(a, BPF_JGE, X32_SYSCALL_BIT, TO_PROGRAM, TO_NEXT);
  if (cfg->enosys && arch->max_nr >= 0)
    jump_if(a, BPF_JGT, (uint32_t)arch->max_nr, TO_ENOSYS, TO_PROGRAM);
  else
    emit(a, BPF_JMP | BPF_JA, 0, TO_PROGRAM, TO_PROGRAM);
  place(a, other_arch);
}

/* Resolves every jump. jt/jf are 8 bits: the stub stays far shorter than 256 instructions
 * (SECCOMP_STUB_MAX). */
static size_t finish(struct assembler *a) {
  emit(a, BPF_JMP | BPF_JA, 0, TO_PROGRAM, TO_PROGRAM); /* no architecture matched: the program's call */
  size_t allow = a->n;
  emit(a, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, TO_NEXT, TO_NEXT);
  size_t enosys = a->n;
  emit(a, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), TO_NEXT, TO_NEXT);
  size_t program = a->n;
  if (a->overflow)
    return 0;
  for (size_t i = 0; i < a->n; i++) {
    if (BPF_CLASS(a->insns[i].code) != BPF_JMP)
      continue;
    size_t to[2];
    for (int b = 0; b < 2; b++) {
      unsigned t = b ? a->jf_to[i] : a->jt_to[i];
      to[b] = t == TO_NEXT      ? i + 1
              : t == TO_ALLOW   ? allow
              : t == TO_ENOSYS  ? enosys
              : t == TO_PROGRAM ? program
                                : a->label_at[t - FIRST_LABEL];
    }
    if (BPF_OP(a->insns[i].code) == BPF_JA) {
      a->insns[i].k = (uint32_t)(to[0] - i - 1);
    } else {
      a->insns[i].jt = (uint8_t)(to[0] - i - 1);
      a->insns[i].jf = (uint8_t)(to[1] - i - 1);
    }
  }
  return a->n;
}

size_t seccomp_stub_build(struct sock_filter *out, size_t cap, const struct seccomp_stub_config *cfg) {
  struct assembler a = {.insns = out, .cap = cap};
  load(&a, offsetof(struct seccomp_data, arch));
  for (size_t i = 0; i < cfg->n_arches; i++)
    arch_block(&a, &cfg->arches[i], cfg->arches[i].audit_arch == cfg->native_arch, cfg);
  return finish(&a);
}

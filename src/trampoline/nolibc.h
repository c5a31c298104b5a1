/* What a static program without libc needs: the entry point and raw system calls, for the exec
 * trampoline (trampoline.c) and the tests' fake ELF interpreter (tests/cve/fake-loader.c). Such a
 * program has no relocations, no TLS and no start-up code of its own: it works as an ELF
 * interpreter too, and maps nothing but itself and its stack.
 *
 * The program defines `int nolibc_main(int argc, char **argv, char **envp)`. */
#ifndef SKIFF_NOLIBC_H
#define SKIFF_NOLIBC_H

#include <asm/unistd.h>
#include <stddef.h>

#if defined(__x86_64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n" /* argc, argv..., NULL, envp..., NULL */
        "  and $-16, %rsp\n"
        "  call nolibc_start\n"
        "  hlt\n");

static inline long nolibc_syscall(long n, long a, long b, long c, long d, long e) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x0, sp\n"
        "  bl nolibc_start\n");

static inline long nolibc_syscall(long n, long a, long b, long c, long d, long e) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
  return x0;
}
#else
#error "src/trampoline/nolibc.h: no entry point and system calls for this architecture yet"
#endif

/* The kernel's convention: -4095..-1 is -errno. */
#define NOLIBC_FAILED(r) ((unsigned long)(r) > -4096UL)

int nolibc_main(int argc, char **argv, char **envp);

__attribute__((noreturn, used)) void nolibc_start(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  int status = nolibc_main(argc, argv, argv + argc + 1);
  for (;;) {
    nolibc_syscall(__NR_exit_group, status, 0, 0, 0, 0);
    nolibc_syscall(__NR_exit, status, 0, 0, 0, 0);
  }
}

/* gcc may emit calls to these for struct copies and initialisers, even when freestanding. */
void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--)
    *d++ = (unsigned char)c;
  return dst;
}

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--)
    *d++ = *s++;
  return dst;
}

static inline size_t nolibc_strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

static inline int nolibc_streq(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

/* A decimal number that is the whole of s, or -1. */
static inline long nolibc_atol(const char *s) {
  long v = 0;
  if (!*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000)
      return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Writes all of buf, or fails. */
static inline long nolibc_write_all(int fd, const char *buf, size_t len) {
  while (len) {
    long n = nolibc_syscall(__NR_write, fd, (long)buf, (long)len, 0, 0);
    if (n == -4) /* EINTR */
      continue;
    if (NOLIBC_FAILED(n) || n == 0)
      return NOLIBC_FAILED(n) ? n : -5;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

#endif

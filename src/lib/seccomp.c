/* linux.seccomp with libseccomp: compile (parent), load (init), listener hand-off (parent). */
#include "lib/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/libseccomp.h"
#include "lib/seccomp-stub.h"
#include "oci/cleanup.h"
#include "oci/json-write.h"
#include "oci/names.h"
#include "oci/format.h"
#include "lib/utils.h"

/* The version of the spec whose "container process state" skiff sends to the agent. */

/* libseccomp's functions, opened by compile() before anything below runs */
static const struct libseccomp *scmp;

#define ARGS_MAX 6 /* a system call has six arguments */

struct action_name {
  const char *name;
  uint32_t action;
  bool takes_errno;
};

static const struct action_name action_names[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

struct op_name {
  const char *name;
  enum scmp_compare op;
};

static const struct op_name op_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* where: "linux.seccomp." or "linux.seccomp.syscalls[3]."; the keys complete the path. */
static int resolve_action(const char *where, const char *action_key, const char *name, const char *errno_key,
                          bool has_errno, uint32_t errno_ret, uint32_t *action, struct skiff_error *err) {
  const struct action_name *a = NULL;
  for (size_t i = 0; i < sizeof action_names / sizeof action_names[0] && !a; i++)
    if (strcmp(action_names[i].name, name) == 0)
      a = &action_names[i];
  if (!a)
    return skiff_fail(err, EINVAL, "%s%s: unknown action \"%s\"", where, action_key, name);
  if (has_errno && !a->takes_errno)
    return skiff_fail(err, EINVAL, "%s%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", where,
                      errno_key, name);
  /* seccomp(2) keeps 16 bits of data next to the action */
  if (has_errno && errno_ret > 0xffff)
    return skiff_fail(err, EINVAL, "%s%s: %u does not fit in 16 bits", where, errno_key, errno_ret);
  *action = a->action;
  if (a->takes_errno)
    *action |= has_errno ? errno_ret : EPERM;
  return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, through its own name ("x86_64"); 0 when this
 * libseccomp does not know the architecture. */
static uint32_t arch_token(const char *name) {
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  size_t n = strlen(name);
  if (strncmp(name, prefix, sizeof prefix - 1) != 0 || n - (sizeof prefix - 1) >= sizeof lower)
    return 0;
  size_t i = 0;
  for (const char *s = name + sizeof prefix - 1; *s; s++)
    lower[i++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
  lower[i] = '\0';
  return scmp->arch_resolve_name(lower);
}

static int add_architectures(scmp_filter_ctx ctx, const struct oci_seccomp *sc, struct skiff_error *err) {
  for (size_t i = 0; i < sc->architectures.n; i++) {
    const char *name = sc->architectures.v[i];
    if (!oci_name_find(oci_seccomp_arch_names, name))
      return skiff_fail(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                        name);
    uint32_t token = arch_token(name);
    if (!token) /* valid in the spec, unknown to this libseccomp: nothing can be compiled for it */
      continue;
    int rc = scmp->arch_add(ctx, token);
    if (rc < 0 && rc != -EEXIST)
      return skiff_fail_errno(err, -rc, "linux.seccomp.architectures[%zu]: add %s", i, name);
  }
  return 0;
}

static int resolve_args(const struct oci_seccomp_syscall *s, size_t i, struct scmp_arg_cmp *conds,
                        bool *repeated, struct skiff_error *err) {
  unsigned int seen = 0;
  *repeated = false;
  for (size_t j = 0; j < s->n_args; j++) {
    const struct oci_seccomp_arg *a = &s->args[j];
    const struct op_name *op = NULL;
    for (size_t k = 0; k < sizeof op_names / sizeof op_names[0] && !op; k++)
      if (strcmp(op_names[k].name, a->op) == 0)
        op = &op_names[k];
    if (!op)
      return skiff_fail(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"", i,
                        j, a->op);
    if (a->index >= ARGS_MAX)
      return skiff_fail(err, EINVAL,
                        "linux.seccomp.syscalls[%zu].args[%zu].index: must be between 0 and 5, got %u", i, j,
                        a->index);
    if (seen & (1u << a->index))
      *repeated = true;
    seen |= 1u << a->index;
    /* for SCMP_CMP_MASKED_EQ value is the mask and valueTwo the expected result */
    conds[j] =
        (struct scmp_arg_cmp){.arg = a->index, .op = op->op, .datum_a = a->value, .datum_b = a->value_two};
  }
  return 0;
}

static int add_syscall_rules(scmp_filter_ctx ctx, const struct oci_seccomp *sc, size_t i,
                             uint32_t default_action, bool *notify, struct skiff_error *err) {
  const struct oci_seccomp_syscall *s = &sc->syscalls[i];
  char where[48];
  uint32_t action;
  format_string(where, sizeof where, "linux.seccomp.syscalls[%zu].", i);
  if (resolve_action(where, "action", s->action, "errnoRet", s->has_errno_ret, s->errno_ret, &action, err) <
      0)
    return -1;
  if (action == SCMP_ACT_NOTIFY) {
    if (!sc->listener_path)
      return skiff_fail(err, EINVAL, "%saction: SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath", where);
    *notify = true;
  }
  if (action == default_action) /* libseccomp refuses it, and it would change nothing */
    return 0;
  /* More comparisons than arguments means one is repeated: each becomes its own rule then. */
  struct scmp_arg_cmp one[ARGS_MAX], *conds = one;
  cleanup_free struct scmp_arg_cmp *many = NULL;
  if (s->n_args > ARGS_MAX) {
    many = calloc(s->n_args, sizeof *many);
    if (!many)
      return skiff_fail_errno(err, ENOMEM, "linux.seccomp.syscalls[%zu]", i);
    conds = many;
  }
  bool repeated;
  if (resolve_args(s, i, conds, &repeated, err) < 0)
    return -1;
  for (size_t j = 0; j < s->names.n; j++) {
    const char *name = s->names.v[j];
    int nr = scmp->syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) /* unknown to this libseccomp: skipped, as runc does */
      continue;
    int rc = 0;
    if (!repeated) {
      rc = scmp->rule_add_array(ctx, action, nr, (unsigned int)s->n_args, conds);
    } else {
      for (size_t k = 0; k < s->n_args && rc == 0; k++)
        rc = scmp->rule_add_array(ctx, action, nr, 1, &conds[k]);
    }
    if (rc < 0)
      return skiff_fail_errno(err, -rc, "linux.seccomp.syscalls[%zu]: add rule for %s", i, name);
  }
  return 0;
}

static int resolve_flags(const struct oci_seccomp *sc, bool notify, unsigned int *flags,
                         struct skiff_error *err) {
  *flags = 0;
  for (size_t i = 0; i < sc->flags.n; i++) {
    int value = oci_name_value(oci_seccomp_flag_names, sc->flags.v[i]);
    if (value < 0)
      return skiff_fail(err, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, sc->flags.v[i]);
    *flags |= (unsigned int)value;
  }
  /* TSYNC syncs other threads, and the init has none; the kernel also refuses it together
   * with NEW_LISTENER. WAIT_KILLABLE_RECV is about the listener, refused without one. */
  *flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_TSYNC;
  if (!notify)
    *flags &= ~(unsigned int)oci_name_value(oci_seccomp_flag_names, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
  return 0;
}

#define PROGRAM_MAX_BYTES (BPF_MAXINSNS * sizeof(struct sock_filter))

/* libseccomp's program after `stub` (n_stub instructions), in one allocation behind a header. */
static struct seccomp_program *export_program(scmp_filter_ctx ctx, const struct sock_filter *stub, size_t n_stub,
                                              struct skiff_error *err) {
  struct seccomp_program *prog;
  size_t stub_bytes = n_stub * sizeof *stub, size;
#ifdef LIBSECCOMP_HAS_EXPORT_BPF_MEM
  prog = malloc(sizeof *prog + PROGRAM_MAX_BYTES);
  if (!prog)
    return skiff_fail_errno(err, ENOMEM, "linux.seccomp: export filter"), NULL;
  size = PROGRAM_MAX_BYTES - stub_bytes;
  int rc = scmp->export_bpf_mem(ctx, (char *)prog->insns + stub_bytes, &size);
  if (rc < 0) {
    free(prog);
    if (rc == -ERANGE)
      return skiff_fail(err, E2BIG, "linux.seccomp: the filter exceeds the kernel's %d instructions",
                        BPF_MAXINSNS),
             NULL;
    return skiff_fail_errno(err, -rc, "linux.seccomp: export filter"), NULL;
  }
  struct seccomp_program *shrunk = realloc(prog, sizeof *prog + stub_bytes + size);
  if (shrunk)
    prog = shrunk;
#else
  /* libseccomp < 2.6 exports only to an fd */
  cleanup_close int fd = memfd_create("skiff-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "linux.seccomp: memfd_create"), NULL;
  int rc = scmp->export_bpf(ctx, fd);
  if (rc < 0)
    return skiff_fail_errno(err, -rc, "linux.seccomp: export filter"), NULL;
  struct stat st;
  if (fd_stat(fd, &st) < 0)
    return skiff_fail_errno(err, errno, "linux.seccomp: export filter"), NULL;
  size = (size_t)st.st_size;
  if (size + stub_bytes > PROGRAM_MAX_BYTES)
    return skiff_fail(err, E2BIG,
                      "linux.seccomp: the filter has %zu instructions, the kernel takes at most %d",
                      (size + stub_bytes) / sizeof(struct sock_filter), BPF_MAXINSNS),
           NULL;
  prog = malloc(sizeof *prog + stub_bytes + size);
  if (!prog)
    return skiff_fail_errno(err, ENOMEM, "linux.seccomp: export filter"), NULL;
  for (size_t done = 0; done < size;) {
    ssize_t n = pread(fd, (char *)prog->insns + stub_bytes + done, size - done, (off_t)done);
    if (n <= 0) {
      free(prog);
      return skiff_fail_errno(err, n < 0 ? errno : EIO, "linux.seccomp: read exported filter"), NULL;
    }
    done += (size_t)n;
  }
#endif
  if (size == 0 || size % sizeof(struct sock_filter)) {
    free(prog);
    return skiff_fail(err, EINVAL, "linux.seccomp: libseccomp exported a malformed program"), NULL;
  }
  memcpy(prog->insns, stub, stub_bytes);
  prog->len = (unsigned short)(n_stub + size / sizeof(struct sock_filter));
  return prog;
}

/* The highest number of a system call the profile names, for the architecture arch; -1 if none. */
static int highest_named(const struct oci_seccomp *sc, uint32_t arch) {
  int max = -1;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    for (size_t j = 0; j < sc->syscalls[i].names.n; j++) {
      int nr = scmp->syscall_resolve_name_arch(arch, sc->syscalls[i].names.v[j]);
      if (nr > max) /* negative: unknown, or not a system call of this architecture */
        max = nr;
    }
  return max;
}

/* The stub skiff puts in front of libseccomp's program (seccomp-stub.h), for the native
 * architecture and those the profile adds. */
static size_t build_stub(const struct oci_seccomp *sc, uint32_t default_action, int exec_fd,
                         struct sock_filter stub[SECCOMP_STUB_MAX]) {
  struct seccomp_stub_arch arches[SECCOMP_STUB_ARCHES_MAX];
  struct seccomp_stub_config cfg = {.native_arch = scmp->arch_native(),
                                    .arches = arches,
                                    .enosys = (default_action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_ERRNO(0),
                                    .exec_fd = exec_fd};
  arches[cfg.n_arches++] = (struct seccomp_stub_arch){cfg.native_arch, highest_named(sc, cfg.native_arch)};
  for (size_t i = 0; i < sc->architectures.n && cfg.n_arches < SECCOMP_STUB_ARCHES_MAX; i++) {
    uint32_t token = arch_token(sc->architectures.v[i]);
    bool seen = token == 0 || token == SCMP_ARCH_X32; /* x32 shares x86_64's arch value */
    for (size_t k = 0; k < cfg.n_arches && !seen; k++)
      seen = arches[k].audit_arch == token;
    if (!seen)
      arches[cfg.n_arches++] = (struct seccomp_stub_arch){token, highest_named(sc, token)};
  }
  return seccomp_stub_build(stub, SECCOMP_STUB_MAX, &cfg);
}

static int compile(const struct oci_seccomp *sc, int exec_fd, struct seccomp_program **out,
                   struct skiff_error *err) {
  if (!(scmp = libseccomp_open(err)))
    return skiff_error_prefix(err, "linux.seccomp");
  uint32_t default_action;
  if (resolve_action("linux.seccomp.", "defaultAction", sc->default_action, "defaultErrnoRet",
                     sc->has_default_errno_ret, sc->default_errno_ret, &default_action, err) < 0)
    return -1;
  if (default_action == SCMP_ACT_NOTIFY)
    return skiff_fail(err, EINVAL,
                      "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  scmp_filter_ctx ctx = scmp->init(default_action);
  if (!ctx)
    return skiff_fail(err, EINVAL, "linux.seccomp.defaultAction: libseccomp refuses %s", sc->default_action);
  bool notify = false;
  unsigned int flags = 0;
  int ret = add_architectures(ctx, sc, err);
  for (size_t i = 0; i < sc->n_syscalls && ret == 0; i++)
    ret = add_syscall_rules(ctx, sc, i, default_action, &notify, err);
  if (ret == 0)
    ret = resolve_flags(sc, notify, &flags, err);
  struct sock_filter stub[SECCOMP_STUB_MAX];
  size_t n_stub = ret == 0 ? build_stub(sc, default_action, exec_fd, stub) : 0;
  if (ret == 0 && n_stub == 0)
    ret = skiff_fail(err, E2BIG, "linux.seccomp.architectures: more than %d architectures",
                     SECCOMP_STUB_ARCHES_MAX);
  if (ret == 0) {
    *out = export_program(ctx, stub, n_stub, err);
    if (!*out)
      ret = -1;
  }
  scmp->release(ctx);
  if (ret < 0)
    return -1;
  (*out)->flags = flags;
  (*out)->notify = notify;
  return 0;
}

int seccomp_prepare(const struct oci_config *config, int exec_fd, struct seccomp_program **out,
                    struct skiff_error *err) {
  *out = NULL;
  if (!config->has_linux || !config->linux_.has_seccomp)
    return 0;
  return compile(&config->linux_.seccomp, exec_fd, out, err);
}

int seccomp_program_load(const struct seccomp_program *prog, int *listener_fd, struct skiff_error *err) {
  struct sock_fprog fprog = {.len = prog->len, .filter = (struct sock_filter *)prog->insns};
  unsigned int flags = prog->flags | (prog->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  *listener_fd = -1;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (rc < 0 && errno == EACCES)
    return skiff_fail_errno(err, errno,
                            "load seccomp filter: needs process.noNewPrivileges or CAP_SYS_ADMIN");
  if (rc < 0)
    return skiff_fail_errno(err, errno, "load seccomp filter (flags %#x)", flags);
  if (prog->notify)
    *listener_fd = (int)rc;
  return 0;
}

/* The spec's "container process state": the agent's view of the container. */
static char *process_state_json(const struct oci_seccomp *sc, const char *state_json, pid_t pid,
                                size_t *len) {
  static const char *const fds[] = {"seccompFd"};
  struct json_writer w;
  json_writer_init(&w, NULL);
  json_write_begin_object(&w);
  json_write_kstring(&w, "ociVersion", OCI_SPEC_VERSION);
  json_write_kstrings(&w, "fds", fds, 1);
  json_write_kint(&w, "pid", pid);
  if (sc->listener_metadata && sc->listener_metadata[0])
    json_write_kstring(&w, "metadata", sc->listener_metadata);
  json_write_end_object(&w);
  cleanup_free char *head = json_writer_finish(&w);
  if (!head)
    return NULL;
  /* the state is already JSON: it replaces the closing brace of the rest */
  size_t head_len = strlen(head) - 1, state_len = strlen(state_json);
  static const char key[] = ",\"state\":";
  char *doc = malloc(head_len + sizeof key - 1 + state_len + 2);
  if (!doc)
    return NULL;
  char *p = mempcpy(doc, head, head_len);
  p = mempcpy(p, key, sizeof key - 1);
  p = mempcpy(p, state_json, state_len);
  *p++ = '}';
  *p = '\0';
  *len = (size_t)(p - doc);
  return doc;
}

/* The fd travels with the first bytes; the rest follows on the same stream. */
static int send_with_fd(int sock, const char *buf, size_t len, int fd) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  for (size_t done = (size_t)n; done < len;) {
    n = send(sock, buf + done, len - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    done += (size_t)n;
  }
  return 0;
}

int seccomp_send_listener(const struct oci_seccomp *sc, int listener_fd, const char *state_json, pid_t pid,
                          struct skiff_error *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (!sc->listener_path)
    return skiff_fail(err, EINVAL, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
  size_t path_len = strlen(sc->listener_path);
  if (path_len == 0 || path_len >= sizeof addr.sun_path)
    return skiff_fail(err, ENAMETOOLONG, "linux.seccomp.listenerPath: \"%s\" is not a valid socket path",
                      sc->listener_path);
  memcpy(addr.sun_path, sc->listener_path, path_len + 1);
  size_t len;
  cleanup_free char *doc = process_state_json(sc, state_json, pid, &len);
  if (!doc)
    return skiff_fail_errno(err, ENOMEM, "seccomp listener: container process state");
  cleanup_close int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return skiff_fail_errno(err, errno, "seccomp listener: socket");
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
    return skiff_fail_errno(err, errno, "linux.seccomp.listenerPath: failed to connect with seccomp agent at %s",
                            sc->listener_path);
  if (send_with_fd(sock, doc, len, listener_fd) < 0)
    return skiff_fail_errno(err, errno, "linux.seccomp.listenerPath: send to %s", sc->listener_path);
  return 0;
}

void seccomp_program_free(struct seccomp_program *prog) {
  free(prog);
}

#include "lib/criu-rpc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroups/cgroup.h"
#include "lib/log.h"
#include "oci/cleanup.h"

/* criu's own bound on an RPC message (CR_MAX_MSG_SIZE) is far below this */
#define CRIU_MSG_MAX (64 * 1024)

int criu_rpc_start(struct criu_session *s, const int *keep_fds, size_t n_keep,
                   const struct cgroup_placement *placement, bool keep_stderr, struct skiff_error *err) {
  int sv[2];
  s->pid = -1;
  s->sk = -1;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return skiff_fail_errno(err, errno, "criu: socketpair");
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    return skiff_fail_errno(err, e, "criu: fork");
  }
  if (pid == 0) {
    struct skiff_error ignored;
    char fd_arg[16];
    signal(SIGPIPE, SIG_DFL);
    if (placement && cgroup_place_self(placement, &ignored) < 0)
      _exit(126);
    for (size_t i = 0; i < n_keep; i++)
      if (keep_fds[i] >= 0)
        fcntl(keep_fds[i], F_SETFD, 0);
    fcntl(sv[1], F_SETFD, 0);
    int null = keep_stderr ? -1 : open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0)
      dup2(null, STDERR_FILENO);
    snprintf(fd_arg, sizeof fd_arg, "%d", sv[1]);
    execlp("criu", "criu", "swrk", fd_arg, (char *)NULL);
    _exit(127);
  }
  close(sv[1]);
  s->pid = pid;
  s->sk = sv[0];
  return 0;
}

int criu_error_log_hint(struct skiff_error *err, const char *work_path, const char *image_path, const char *name) {
  const char *dir = work_path && work_path[0] ? work_path : image_path;
  size_t len = strlen(err->msg);
  snprintf(err->msg + len, sizeof err->msg - len, " (criu's log: %s/%s)", dir, name);
  return -1;
}

void criu_rpc_end(struct criu_session *s) {
  if (s->sk >= 0)
    close(s->sk);
  s->sk = -1;
  if (s->pid > 0) {
    int status;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
      ;
  }
  s->pid = -1;
}

static int send_req(int sk, const CriuReq *req, struct skiff_error *err) {
  size_t len = criu_req__get_packed_size(req);
  cleanup_free uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return skiff_fail_errno(err, ENOMEM, "criu request");
  criu_req__pack(req, buf);
  ssize_t n;
  do
    n = send(sk, buf, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_fail_errno(err, errno, "criu: send request");
  return 0;
}

/* One message, with the fd that may come with it (orphan-pts-master's) in *fd. */
static CriuResp *recv_resp(int sk, int *fd, struct skiff_error *err) {
  cleanup_free uint8_t *buf = malloc(CRIU_MSG_MAX);
  union {
    struct cmsghdr h;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec iov = {.iov_base = buf, .iov_len = CRIU_MSG_MAX};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
  *fd = -1;
  if (!buf) {
    skiff_fail_errno(err, ENOMEM, "criu response");
    return NULL;
  }
  ssize_t n;
  do
    n = recvmsg(sk, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    skiff_fail_errno(err, errno, "criu: receive response");
    return NULL;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd, CMSG_DATA(c), sizeof(int));
  if (n == 0) {
    skiff_fail(err, EPIPE, "criu exited without a response");
    return NULL;
  }
  if (msg.msg_flags & MSG_TRUNC) {
    skiff_fail(err, EMSGSIZE, "criu: response larger than %d bytes", CRIU_MSG_MAX);
    return NULL;
  }
  CriuResp *resp = criu_resp__unpack(NULL, (size_t)n, buf);
  if (!resp)
    skiff_fail(err, EPROTO, "criu: malformed response");
  return resp;
}

static int fail_resp(const CriuResp *resp, const char *what, struct skiff_error *err) {
  int code = resp->has_cr_errno && resp->cr_errno > 0 ? resp->cr_errno : EIO;
  if (resp->cr_errmsg && resp->cr_errmsg[0]) {
    /* one line, without criu's source location: "Error (criu/cr-dump.c:2053): Dumping FAILED." */
    const char *msg = resp->cr_errmsg, *loc = strstr(msg, "): ");
    if (!strncmp(msg, "Error (", 7) && loc)
      msg = loc + 3;
    size_t len = strcspn(msg, "\n");
    return skiff_fail(err, code, "%s: %.*s", what, (int)len, msg);
  }
  if (resp->has_cr_errno && resp->cr_errno > 0)
    return skiff_fail_errno(err, code, "%s", what);
  return skiff_fail(err, code, "%s (criu gave no reason; see its log in the work directory)", what);
}

CriuResp *criu_rpc_call(struct criu_session *s, CriuReq *req, const char *what, criu_notify_fn notify,
                        void *opaque, struct skiff_error *err) {
  if (send_req(s->sk, req, err) < 0)
    return NULL;
  for (;;) {
    int fd;
    CriuResp *resp = recv_resp(s->sk, &fd, err);
    if (!resp) {
      if (fd >= 0)
        close(fd);
      return skiff_error_prefix(err, "%s", what), NULL;
    }
    if (resp->type != CRIU_REQ_TYPE__NOTIFY) {
      if (fd >= 0)
        close(fd);
      if (resp->type != req->type) {
        skiff_fail(err, EPROTO, "%s: criu answered a request of type %d", what, resp->type);
        criu_resp__free_unpacked(resp, NULL);
        return NULL;
      }
      if (!resp->success) {
        fail_resp(resp, what, err);
        criu_resp__free_unpacked(resp, NULL);
        return NULL;
      }
      return resp;
    }
    const char *script = resp->notify && resp->notify->script ? resp->notify->script : "";
    int pid = resp->notify && resp->notify->has_pid ? resp->notify->pid : 0;
    log_debug("criu: notification %s (pid %d)", script, pid);
    int ret = notify ? notify(opaque, script, pid, fd, err) : 0;
    if (fd >= 0)
      close(fd);
    criu_resp__free_unpacked(resp, NULL);
    CriuReq ack = CRIU_REQ__INIT;
    ack.type = CRIU_REQ_TYPE__NOTIFY;
    ack.has_notify_success = true;
    ack.notify_success = ret == 0;
    struct skiff_error send_err;
    if (send_req(s->sk, &ack, ret == 0 ? err : &send_err) < 0 || ret < 0)
      return skiff_error_prefix(err, "%s", what), NULL;
  }
}

/* The first error line of criu's log ("Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds"),
 * without its source location, to show the user why: nothing is decided on it. */
static void first_error_line(int dirfd, const char *name, char *out, size_t size) {
  out[0] = '\0';
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  for (char *line = buf; line && *line;) {
    char *next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *error = strstr(line, "Error (");
    char *end = error ? strstr(error, "): ") : NULL;
    if (end) {
      snprintf(out, size, "%s", end + 3);
      return;
    }
    line = next;
  }
}

int criu_rpc_check(struct skiff_error *err) {
  /* criu's check logs into a directory of its own, removed after */
  char dir[] = "/tmp/skiff-criu-check.XXXXXX";
  if (!mkdtemp(dir))
    return skiff_fail_errno(err, errno, "criu check: mkdtemp");
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct criu_session s;
  int ret = dirfd < 0 ? skiff_fail_errno(err, errno, "criu check: %s", dir) : criu_rpc_start(&s, NULL, 0, NULL, false, err);
  if (ret == 0) {
    CriuOpts o = CRIU_OPTS__INIT;
    o.images_dir_fd = dirfd;
    o.log_file = "check.log";
    o.has_log_level = true;
    o.log_level = 1; /* errors only */
    CriuReq req = CRIU_REQ__INIT;
    req.type = CRIU_REQ_TYPE__CHECK;
    req.opts = &o;
    CriuResp *resp = criu_rpc_call(&s, &req, "criu check", NULL, NULL, err);
    criu_rpc_end(&s);
    if (resp) {
      criu_resp__free_unpacked(resp, NULL);
    } else {
      char reason[SKIFF_ERROR_MSG_MAX / 2];
      first_error_line(dirfd, "check.log", reason, sizeof reason);
      if (reason[0])
        skiff_fail(err, EOPNOTSUPP, "criu cannot work on this host: criu check: %s", reason);
      else
        skiff_error_prefix(err, "criu cannot work on this host");
      ret = -1;
    }
  }
  if (dirfd >= 0) {
    unlinkat(dirfd, "check.log", 0);
    close(dirfd);
  }
  rmdir(dir);
  return ret;
}

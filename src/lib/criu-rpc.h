/* criu's RPC: `criu swrk <fd>` started on one end of a SOCK_SEQPACKET socketpair, one request
 * (criu_req of criu's rpc.proto) per session, its notifications answered, one response. Nothing of
 * criu's text output is read: what failed comes as the response's cr_errmsg. */
#ifndef SKIFF_CRIU_RPC_H
#define SKIFF_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/error.h"
#include "src/lib/criu-rpc/rpc.pb-c.h"

struct cgroup_placement;

struct criu_session {
  pid_t pid; /* criu swrk */
  int sk;
};

/* Starts `criu swrk`. keep_fds: fds criu inherits at the same numbers (inherit_fd, status_fd).
 * placement: the cgroup criu moves itself into before exec (restore: its tasks are born there),
 * or NULL. keep_stderr: criu's stderr is skiff's (a restored process inherits it); otherwise
 * /dev/null: what criu prints there (a pre-dump's closed session, nft's complaints) is also in its
 * log or its response. */
int criu_rpc_start(struct criu_session *s, const int *keep_fds, size_t n_keep,
                   const struct cgroup_placement *placement, bool keep_stderr, struct skiff_error *err);

/* A notification from criu (script name: "setup-namespaces", "post-restore", "orphan-pts-master",
 * ...; fd: the one that came with it, or -1, closed by the caller). Returns 0 to go on. */
typedef int (*criu_notify_fn)(void *opaque, const char *script, int pid, int fd, struct skiff_error *err);

/* Sends req and serves the notifications until the response, which is returned when successful
 * (free with criu_resp__free_unpacked(resp, NULL)). A failure is "<what>: <cr_errmsg>" in err. */
CriuResp *criu_rpc_call(struct criu_session *s, CriuReq *req, const char *what, criu_notify_fn notify,
                        void *opaque, struct skiff_error *err);

/* Appends " (criu's log: DIR/NAME)" to a failed request's message, DIR being where criu writes its
 * log: the work directory when one was given, else the image directory; returns -1. */
int criu_error_log_hint(struct skiff_error *err, const char *work_path, const char *image_path, const char *name);

/* Closes the socket and reaps criu. */
void criu_rpc_end(struct criu_session *s);

/* `criu check` through the RPC: fails with "criu cannot work on this host: <criu's reason>". */
int criu_rpc_check(struct skiff_error *err);

#endif

#include "plugin-exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"
#include "oci/cleanup.h"
#include "oci/format.h"
#include "oci/json.h"

#define OUTPUT_MAX (1 << 20)

extern char **environ;

static int find_plugin(const char *type, const char *cni_path, char *out, size_t size, struct skiff_error *err) {
  if (!*type || strchr(type, '/'))
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "plugin type \"%s\" cannot name a file", type);
  const char *path = cni_path && *cni_path ? cni_path : CNI_DEFAULT_PATH;
  for (const char *dir = path; *dir;) {
    size_t n = strcspn(dir, ":");
    if (n && format_string(out, size, "%.*s/%s", (int)n, dir, type) < (int)size && access(out, X_OK) == 0)
      return 0;
    dir += n + (dir[n] == ':');
  }
  return cni_fail(err, CNI_ERR_INVALID_CONFIG, "failed to find plugin \"%s\" in path [%s]", type, path);
}

/* environ with CNI_COMMAND replaced; the strings are environ's but one. */
static char **plugin_env(const char *command, char *buf, size_t size) {
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 2, sizeof *env);
  if (!env)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "CNI_COMMAND=", 12))
      env[o++] = environ[i];
  format_string(buf, size, "CNI_COMMAND=%s", command);
  env[o] = buf;
  return env;
}

/* Feeds input to fd in and reads fd out to its end at once (a plugin may answer before it has read
 * all of its stdin, or fill a pipe before reading it). */
static int exchange(int in, int out, const char *input, size_t len, char **output, size_t *out_len) {
  size_t written = 0, cap = 4096;
  char *buf = malloc(cap);
  if (!buf)
    return -1;
  *out_len = 0;
  if (len == 0) {
    close(in);
    in = -1;
  }
  while (out >= 0) {
    struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = in, .events = POLLOUT}};
    if (poll(p, in >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (in >= 0 && p[1].revents) {
      ssize_t n = write(in, input + written, len - written);
      if (n > 0)
        written += (size_t)n;
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == len) { /* EPIPE: it wants no more */
        close(in);
        in = -1;
      }
    }
    if (p[0].revents) {
      if (*out_len + 4096 > cap) {
        char *grown = cap * 2 <= OUTPUT_MAX ? realloc(buf, cap * 2) : NULL;
        if (!grown)
          break;
        buf = grown;
        cap *= 2;
      }
      ssize_t n = read(out, buf + *out_len, cap - *out_len - 1);
      if (n <= 0 && !(n < 0 && errno == EINTR))
        break;
      if (n > 0)
        *out_len += (size_t)n;
    }
  }
  if (in >= 0)
    close(in);
  buf[*out_len] = '\0';
  *output = buf;
  return 0;
}

/* The error object a failed plugin printed, as our error. */
static int plugin_error(const char *type, const char *output, size_t len, int status, struct skiff_error *err) {
  struct json_doc doc;
  struct skiff_error ignored;
  if (len && json_doc_parse(&doc, output, len, type, &ignored) == 0) {
    struct json_ctx c;
    json_ctx_init(&c, &doc, type, &ignored);
    uint32_t code = 0;
    cleanup_free char *msg = NULL, *details = NULL;
    int r = doc.nodes[0].type == JSON_OBJECT && json_get_u32(&c, 0, "code", &code, JSON_REQUIRED) > 0 &&
            json_get_string(&c, 0, "msg", &msg, JSON_OPTIONAL) >= 0 &&
            json_get_string(&c, 0, "details", &details, JSON_OPTIONAL) >= 0;
    json_doc_free(&doc);
    if (r && code > 0 && code < 1000000)
      return cni_fail(err, (int)code, "%s: %s%s%s", type, msg ? msg : "", details && *details ? ": " : "",
                      details ? details : "");
  }
  if (WIFSIGNALED(status))
    return cni_fail(err, CNI_ERR_PLUGIN, "%s: killed by signal %d", type, WTERMSIG(status));
  return cni_fail(err, CNI_ERR_PLUGIN, "%s: exit status %d", type, WEXITSTATUS(status));
}

int plugin_exec(const char *type, const char *cni_path, const char *command, const char *input, size_t len,
                char **output, struct skiff_error *err) {
  char path[4096], envbuf[64];
  if (find_plugin(type, cni_path, path, sizeof path, err) < 0)
    return -1;
  cleanup_free char **env = plugin_env(command, envbuf, sizeof envbuf);
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (!env || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
    int saved = env ? errno : ENOMEM;
    if (in[0] >= 0) {
      close(in[0]);
      close(in[1]);
    }
    return skiff_fail_errno(err, saved, "run %s", type);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  char *argv[] = {path, NULL};
  pid_t pid;
  /* a plugin that dies early must not kill us with SIGPIPE */
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGPIPE, &ign, &old);
  int r = posix_spawn(&pid, path, &fa, NULL, argv, env);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (r != 0) {
    close(in[1]);
    close(out[0]);
    sigaction(SIGPIPE, &old, NULL);
    return skiff_fail_errno(err, r, "run %s", path);
  }
  char *buf = NULL;
  size_t buf_len = 0;
  fcntl(in[1], F_SETFL, O_NONBLOCK); /* a full pipe must not stop us reading what it answers */
  int ex = exchange(in[1], out[0], input, len, &buf, &buf_len);
  close(out[0]);
  sigaction(SIGPIPE, &old, NULL);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  cleanup_free char *owned = buf;
  if (ex < 0)
    return skiff_fail(err, ENOMEM, "run %s: out of memory", type);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return plugin_error(type, buf, buf_len, status, err);
  if (output)
    *output = steal_pointer(&owned);
  return 0;
}

int plugin_exec_add(const char *type, const char *cni_path, const char *input, size_t len,
                    struct cni_result *out, struct skiff_error *err) {
  cleanup_free char *output = NULL;
  if (plugin_exec(type, cni_path, "ADD", input, len, &output, err) < 0)
    return -1;
  struct json_doc doc;
  char source[96];
  format_string(source, sizeof source, "result of %s", type);
  if (json_doc_parse(&doc, output, strlen(output), source, err) < 0) {
    err->code = CNI_CODE(CNI_ERR_DECODE);
    return -1;
  }
  struct json_ctx c;
  json_ctx_init(&c, &doc, source, err);
  int r = cni_result_parse(&c, 0, out);
  json_doc_free(&doc);
  if (r < 0)
    err->code = CNI_CODE(CNI_ERR_DECODE);
  return r;
}

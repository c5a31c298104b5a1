/* skiff checkpoint [options] <container-id>: dump a running container with CRIU (runc's flags). */
#include "cli/cli.h"

#ifdef HAVE_CRIU
#include "lib/criu.h"

/* The flags checkpoint and restore share, in runc's order. */
#define CRIU_COMMON_OPTIONS(o)                                                                                 \
  {"tcp-established", 0, CLI_OPT_BOOL, &(o).tcp_established, NULL, "allow open tcp connections"},             \
      {"ext-unix-sk", 0, CLI_OPT_BOOL, &(o).ext_unix_sk, NULL, "allow external unix sockets"},                \
      {"shell-job", 0, CLI_OPT_BOOL, &(o).shell_job, NULL, "allow shell jobs"}

int cmd_checkpoint(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "checkpoint", "<container-id>", "container id", 1, 1,
      "Save the state of a running container with CRIU into image files (skiff restore brings it back).\n"
      "Unless --leave-running or --pre-dump, the container then stops and is deleted."};
  struct criu_options o = {.status_fd = -1};
  struct cli_option options[] = {
      {"image-path", 0, CLI_OPT_STRING, &o.image_path, "DIR", "path for saving criu image files (default: ./checkpoint)"},
      {"work-path", 0, CLI_OPT_STRING, &o.work_path, "DIR", "path for saving work files and logs"},
      {"parent-path", 0, CLI_OPT_STRING, &o.parent_path, "DIR", "path for previous criu image files in pre-dump"},
      {"leave-running", 0, CLI_OPT_BOOL, &o.leave_running, NULL, "leave the process running after checkpointing"},
      CRIU_COMMON_OPTIONS(o),
      {"lazy-pages", 0, CLI_OPT_BOOL, &o.lazy_pages, NULL, "use userfaultfd to lazily restore memory pages"},
      {"status-fd", 0, CLI_OPT_INT, &o.status_fd, "FD", "criu writes \\0 to this FD once lazy-pages is ready"},
      {"page-server", 0, CLI_OPT_STRING, &o.page_server, "ADDRESS:PORT", "ADDRESS:PORT of the page server"},
      {"file-locks", 0, CLI_OPT_BOOL, &o.file_locks, NULL, "handle file locks, for safety"},
      {"pre-dump", 0, CLI_OPT_BOOL, &o.pre_dump, NULL,
       "dump container's memory information only, leave the container running after this"},
      {"manage-cgroups-mode", 0, CLI_OPT_STRING, &o.manage_cgroups_mode, "MODE",
       "cgroups mode: soft (default), full, strict or ignore"},
      {"empty-ns", 0, CLI_OPT_STRING, &o.empty_ns, "NS", "create a namespace, but don't restore its properties"},
      {"auto-dedup", 0, CLI_OPT_BOOL, &o.auto_dedup, NULL, "enable auto deduplication of memory images"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  struct skiff_error err = {0};
  if (container_checkpoint(&g->ctx, args[0], &o, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}
#else
int cmd_checkpoint(struct cli_global *g, int argc, char **argv) {
  (void)g, (void)argc, (void)argv;
  return cli_fail("checkpoint", "skiff was built without criu support (configure found no criu rpc.proto, "
                                "protoc-c or libprotobuf-c)");
}
#endif

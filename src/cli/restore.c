/* skiff restore [options] <container-id>: a new container from a checkpoint's images (runc's flags). */
#include "cli/cli.h"

#ifdef HAVE_CRIU
#include "lib/criu.h"

int cmd_restore(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {
      "restore", "<container-id>", "container id", 1, 1,
      "Restore a container checkpointed by skiff checkpoint, as a new container of the bundle. Its prestart\n"
      "and createRuntime hooks run once criu has made its namespaces, before its processes run. In the\n"
      "foreground, wait for it, delete it and exit with its exit status, as run does."};
  struct criu_options o = {.status_fd = -1};
  struct create_options c = {0};
  bool no_subreaper = false;
  struct cli_option options[] = {
      {"console-socket", 0, CLI_OPT_STRING, &c.console_socket, "PATH",
       "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the "
       "console's pseudoterminal"},
      {"image-path", 0, CLI_OPT_STRING, &o.image_path, "DIR", "path to criu image files for restoring (default: ./checkpoint)"},
      {"work-path", 0, CLI_OPT_STRING, &o.work_path, "DIR", "path for saving work files and logs"},
      {"tcp-established", 0, CLI_OPT_BOOL, &o.tcp_established, NULL, "allow open tcp connections"},
      {"ext-unix-sk", 0, CLI_OPT_BOOL, &o.ext_unix_sk, NULL, "allow external unix sockets"},
      {"shell-job", 0, CLI_OPT_BOOL, &o.shell_job, NULL, "allow shell jobs"},
      {"file-locks", 0, CLI_OPT_BOOL, &o.file_locks, NULL, "handle file locks, for safety"},
      {"manage-cgroups-mode", 0, CLI_OPT_STRING, &o.manage_cgroups_mode, "MODE",
       "cgroups mode: soft (default), full, strict or ignore"},
      {"bundle", 'b', CLI_OPT_STRING, &c.bundle, "DIR", "path to the root of the bundle directory"},
      {"detach", 'd', CLI_OPT_BOOL, &c.detach, NULL, "detach from the container's process"},
      {"pid-file", 0, CLI_OPT_STRING, &c.pid_file, "FILE", "specify the file to write the process id to"},
      {"no-subreaper", 0, CLI_OPT_BOOL, &no_subreaper, NULL,
       "accepted for runc's sake: the restored init is skiff's own child (criu's rst_sibling)"},
      {"no-pivot", 0, CLI_OPT_BOOL, &c.no_pivot, NULL,
       "accepted for runc's sake: criu sets the restored processes' root itself"},
      {"empty-ns", 0, CLI_OPT_STRING, &o.empty_ns, "NS", "create a namespace, but don't restore its properties"},
      {"auto-dedup", 0, CLI_OPT_BOOL, &o.auto_dedup, NULL, "enable auto deduplication of memory images"},
      {"lazy-pages", 0, CLI_OPT_BOOL, &o.lazy_pages, NULL, "use userfaultfd to lazily restore memory pages"},
      {"lsm-profile", 0, CLI_OPT_STRING, &o.lsm_profile, "TYPE:NAME",
       "an LSM profile to be used during restore in the form of TYPE:NAME"},
      {"lsm-mount-context", 0, CLI_OPT_STRING, &o.lsm_mount_context, "CONTEXT",
       "an LSM mount context to be used during restore"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, sizeof options / sizeof options[0], argc, argv, &args, &status) < 0)
    return status;
  if (cli_create_prepare(usage.name, &c))
    return 1;
  struct skiff_error err = {0};
  int exit_status = 0;
  if (container_restore(&g->ctx, args[0], &c, &o, &exit_status, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return exit_status;
}
#else
int cmd_restore(struct cli_global *g, int argc, char **argv) {
  (void)g, (void)argc, (void)argv;
  return cli_fail("restore", "skiff was built without criu support (configure found no criu rpc.proto, "
                             "protoc-c or libprotobuf-c)");
}
#endif

/* skiff events [--stats] [--interval D] <container-id>: runc's event stream (stats and oom). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_line(const char *line) {
  puts(line);
  fflush(stdout);
}

/* Go durations as runc takes them: "5s", "500ms", "1m", or plain seconds. */
static int parse_interval(const char *s, int *ms) {
  char *end;
  double v = strtod(s, &end);
  double scale = 1000;
  if (!strcmp(end, "ms"))
    scale = 1;
  else if (!strcmp(end, "m"))
    scale = 60000;
  else if (strcmp(end, "s") && *end)
    return -1;
  if (end == s || v <= 0 || v * scale > 86400000)
    return -1;
  *ms = (int)(v * scale);
  return *ms > 0 ? 0 : -1;
}

int cmd_events(struct cli_global *g, int argc, char **argv) {
  static const struct cli_usage usage = {"events",
                                         "<container-id>",
                                         "container id",
                                         1,
                                         1,
                                         "Print the container's events as JSON lines: resource stats every\n"
                                         "interval, and oom when the kernel kills in it, until it stops."};
  bool stats = false;
  const char *interval = "5s";
  struct cli_option options[] = {
      {"stats", 0, CLI_OPT_BOOL, &stats, NULL, "print one stats event and exit"},
      {"interval", 0, CLI_OPT_STRING, &interval, "DURATION", "time between stats events (default 5s)"},
  };
  char **args;
  int status;
  if (cli_parse(&usage, options, 2, argc, argv, &args, &status) < 0)
    return status;
  int ms;
  if (parse_interval(interval, &ms) < 0)
    return cli_fail(usage.name, "invalid interval \"%s\": a duration such as 5s or 500ms", interval);
  struct skiff_error err = {0};
  if (stats) {
    char *line = container_stats_event(&g->ctx, args[0], &err);
    if (!line)
      return cli_fail_error(usage.name, &err);
    print_line(line);
    free(line);
    return 0;
  }
  if (container_events(&g->ctx, args[0], ms, print_line, &err) < 0)
    return cli_fail_error(usage.name, &err);
  return 0;
}

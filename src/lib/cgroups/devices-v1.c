/* Device rules on cgroup v1: each rule written, in order, to devices.allow or devices.deny; the
 * kernel folds them itself. "a" with numbers or access is not the kernel's "a" (which resets
 * everything), so it is written as the same rule for "b" and for "c". */
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/utils.h"
#include "oci/cleanup.h"
#include "oci/format.h"

static void number(char *out, size_t size, int64_t n) {
  if (n < 0)
    format_string(out, size, "*");
  else
    format_string(out, size, "%" PRId64, n);
}

/* Each write to devices.allow/deny is one rule: the two files stay open for the whole list. */
int cg_devices_v1_apply(int dirfd, const struct cg_dev_rules *rules, struct skiff_error *err) {
  cleanup_close int allow_fd = -1;
  cleanup_close int deny_fd = -1;
  for (size_t i = 0; i < rules->n; i++) {
    const struct cg_dev_rule *r = &rules->v[i];
    const char *file = r->allow ? "devices.allow" : "devices.deny";
    int *fd = r->allow ? &allow_fd : &deny_fd;
    if (*fd < 0 && (*fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
      return skiff_fail_errno(err, errno, "linux.resources.devices: open %s", file);
    char line[64], major[24], minor[24], access[4];
    size_t al = 0;
    if (r->access & CG_DEV_READ)
      access[al++] = 'r';
    if (r->access & CG_DEV_WRITE)
      access[al++] = 'w';
    if (r->access & CG_DEV_MKNOD)
      access[al++] = 'm';
    access[al] = '\0';
    number(major, sizeof major, r->major);
    number(minor, sizeof minor, r->minor);
    bool reset = r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == CG_DEV_RWM;
    for (int k = 0; k < 2; k++) {
      char type = r->type == 'a' ? (k ? 'c' : 'b') : r->type;
      if (reset)
        format_string(line, sizeof line, "a");
      else
        format_string(line, sizeof line, "%c %s:%s %s", type, major, minor, access);
      if (write_once(*fd, line, strlen(line)) < 0)
        return skiff_fail_errno(err, errno, "linux.resources.devices: write %s \"%s\"", file, line);
      if (reset || r->type != 'a')
        break;
    }
  }
  return 0;
}

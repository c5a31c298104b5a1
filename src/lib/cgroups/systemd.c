/* The systemd driver's D-Bus side: naming the unit, starting it with the init in it, stopping it.
 * See systemd.h. Root talks to the system manager (the bus daemon, or the manager's private socket
 * where no bus daemon runs), a user to their own manager, as runc does. */
#include "lib/cgroups/systemd.h"
#include "lib/cgroups/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/libsystemd.h"
#include <time.h>
#include <unistd.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000ULL)

bool cg_systemd_booted(void) {
  return access("/run/systemd/system", F_OK) == 0;
}

/* ---- names ---- */

/* systemd's unit name characters (unit-name.c: alphanumerics and ":-_.\") minus ':', our separator */
static bool valid_unit_chars(const char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          strchr("-_.\\", *s)))
      return false;
  return true;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice", "-.slice" -> "" (the root), as systemd nests
 * slices by their dashes. -1 for a name systemd rejects ("-a.slice", "a--b.slice", "a-.slice"). */
static int expand_slice(const char *slice, char *out, size_t size) {
  out[0] = '\0';
  if (!strcmp(slice, "-.slice"))
    return 0;
  size_t base = strlen(slice) - strlen(".slice"), len = 0;
  if (!base || slice[0] == '-' || slice[base - 1] == '-')
    return -1;
  for (size_t i = 0; i <= base; i++) {
    if (i < base && slice[i] != '-')
      continue;
    if (slice[i - 1] == '-')
      return -1; /* "--" */
    int n = snprintf(out + len, size - len, "%s%.*s.slice", len ? "/" : "", (int)i, slice);
    if (n < 0 || (size_t)n >= size - len)
      return -1;
    len += (size_t)n;
  }
  return 0;
}

static int bad_path(const char *shown, const char *why, struct skiff_error *err) {
  return skiff_fail(err, EINVAL, "linux.cgroupsPath \"%s\": %s", shown, why);
}

int cg_systemd_parse(const char *cp, const char *id, struct cg_systemd_unit *u, struct skiff_error *err) {
  char slice[CG_SYSTEMD_UNIT_MAX] = "system.slice", prefix[CG_SYSTEMD_UNIT_MAX] = "skiff";
  char name[CG_SYSTEMD_UNIT_MAX];
  const char *shown = cp ? cp : "";
  memset(u, 0, sizeof *u);
  if (cp && *cp) {
    const char *c1 = strchr(cp, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2 || strchr(c2 + 1, ':'))
      return bad_path(shown, "the systemd cgroup driver expects \"slice:prefix:name\"", err);
    if ((size_t)(c1 - cp) >= sizeof slice || (size_t)(c2 - c1) > sizeof prefix ||
        strlen(c2 + 1) >= sizeof name)
      return bad_path(shown, "too long for a systemd unit name", err);
    if (c1 > cp)
      snprintf(slice, sizeof slice, "%.*s", (int)(c1 - cp), cp);
    snprintf(prefix, sizeof prefix, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
    snprintf(name, sizeof name, "%s", c2 + 1);
  } else {
    snprintf(name, sizeof name, "%s", id);
  }
  if (!*name)
    return bad_path(shown, "the unit name (after the second ':') is empty", err);
  if (!valid_unit_chars(slice) || !valid_unit_chars(prefix) || !valid_unit_chars(name))
    return bad_path(shown, "a systemd unit name takes only letters, digits and \"-_.\\\"", err);
  if (!ends_with(slice, ".slice") || expand_slice(slice, u->path, sizeof u->path) < 0)
    return bad_path(
        shown, "the slice must be a valid systemd slice name like \"system.slice\" or \"a-b.slice\"", err);
  u->is_slice = ends_with(name, ".slice");
  if (u->is_slice) {
    snprintf(u->name, sizeof u->name, "%s", name);
    if (expand_slice(name, u->path, sizeof u->path) < 0 || !*u->path)
      return bad_path(shown, "the slice unit's name is not a valid systemd slice name", err);
    return 0;
  }
  snprintf(u->slice, sizeof u->slice, "%s", slice);
  int n = snprintf(u->name, sizeof u->name, "%s%s%s.scope", prefix, *prefix ? "-" : "", name);
  size_t len = strlen(u->path);
  int m = snprintf(u->path + len, sizeof u->path - len, "%s%s", len ? "/" : "", u->name);
  if (n < 0 || (size_t)n >= sizeof u->name || m < 0 || (size_t)m >= sizeof u->path - len)
    return bad_path(shown, "too long for a systemd unit name", err);
  return 0;
}

/* ---- the bus ---- */

/* sd-bus, loaded by bus_open */
static const struct libsystemd *sd;

static int bus_open(sd_bus **bus, struct skiff_error *err) {
  if (!(sd = libsystemd_open(err)))
    return skiff_error_prefix(err, "systemd cgroup driver");
  bool user = geteuid() != 0;
  int r = user ? sd->open_user(bus) : sd->open_system(bus);
  if (r >= 0)
    return 0;
  /* no bus daemon: the manager's own socket, which systemctl uses too */
  char address[PATH_MAX + 32];
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  if (user && !runtime)
    return skiff_fail_errno(err, -r, "systemd: connect to the user bus (and XDG_RUNTIME_DIR is unset)");
  snprintf(address, sizeof address, "unix:path=%s/systemd/private", user ? runtime : "/run");
  int r2 = sd->new_bus(bus);
  if (r2 >= 0 && (r2 = sd->set_address(*bus, address)) >= 0 && (r2 = sd->start(*bus)) >= 0)
    return 0;
  *bus = sd->flush_close_unref(*bus);
  return skiff_fail_errno(err, -r, "systemd: connect to the %s bus", user ? "user" : "system");
}

struct job_wait {
  const char *path; /* the job's object path, once the call returned it */
  char result[32];
  bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
  struct job_wait *w = userdata;
  uint32_t id;
  const char *path, *unit, *result;
  if (sd->message_read(m, "uoss", &id, &path, &unit, &result) >= 0 && w->path && !strcmp(path, w->path)) {
    snprintf(w->result, sizeof w->result, "%s", result);
    w->done = true;
  }
  return 0;
}

static uint64_t now_usec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* Waits for JobRemoved of w->path; the match was added before the call that made the job, so that
 * a signal sent before the reply is not missed. */
static int job_wait(sd_bus *bus, struct job_wait *w, const char *what, const char *unit,
                    struct skiff_error *err) {
  uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
  while (!w->done) {
    int r = sd->process(bus, NULL);
    if (r < 0)
      return skiff_fail_errno(err, -r, "systemd: %s %s", what, unit);
    if (r > 0)
      continue;
    uint64_t now = now_usec();
    if (now >= deadline)
      return skiff_fail(err, ETIMEDOUT, "systemd: %s %s: the job did not finish in 30s", what, unit);
    r = sd->wait(bus, deadline - now);
    if (r < 0)
      return skiff_fail_errno(err, -r, "systemd: %s %s", what, unit);
  }
  if (strcmp(w->result, "done") != 0)
    return skiff_fail(err, EIO, "systemd: %s %s: job %s", what, unit, w->result);
  return 0;
}

/* Calls method (which returns a job) with the message built by fill and waits for the job. *missing:
 * set when the unit does not exist (NoSuchUnit), no error then. */
static int call_job(const char *method, const char *unit, const struct cg_systemd_unit *u, const char *id,
                    pid_t pid, const struct oci_resources *res, bool *missing, struct skiff_error *err) {
  sd_bus *bus = NULL;
  sd_bus_slot *slot = NULL;
  sd_bus_message *m = NULL, *reply = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  struct job_wait w = {0};
  const char *what = u ? "start unit" : "stop unit";
  int ret = -1;
  if (bus_open(&bus, err) < 0)
    return -1;
  int r = sd->match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
  if (r >= 0)
    r = sd->message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
  if (r >= 0)
    r = sd->message_append(m, "ss", unit, "replace");
  if (r >= 0 && u) {
    const struct cg_layout *l = cg_layout_get(err);
    if (!l)
      goto out;
    if ((r = sd->message_open_container(m, 'a', "(sv)")) >= 0 &&
        (r = cg_systemd_append_properties(sd, m, u, id, pid, res, l->mode == CG_MODE_V2)) >= 0 &&
        (r = sd->message_close_container(m)) >= 0)
      r = sd->message_append(m, "a(sa(sv))", 0);
  }
  if (r < 0) {
    skiff_fail_errno(err, -r, "systemd: %s %s: build the call", what, unit);
    goto out;
  }
  r = sd->call(bus, m, JOB_TIMEOUT_USEC, &e, &reply);
  if (r < 0) {
    if (missing && sd->error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
      *missing = true;
      ret = 0;
    } else if (sd->error_has_name(&e, "org.freedesktop.systemd1.UnitExists")) {
      skiff_fail(err, EEXIST, "linux.cgroupsPath: systemd unit %s already exists", unit);
    } else {
      skiff_fail(err, -r, "systemd: %s %s: %s", what, unit, e.message ? e.message : strerror(-r));
    }
    goto out;
  }
  if ((r = sd->message_read(reply, "o", &w.path)) < 0) {
    skiff_fail_errno(err, -r, "systemd: %s %s: read the reply", what, unit);
    goto out;
  }
  ret = job_wait(bus, &w, what, unit, err);
out:
  sd->error_free(&e);
  sd->message_unref(reply);
  sd->message_unref(m);
  sd->slot_unref(slot);
  sd->flush_close_unref(bus);
  return ret;
}

int cg_systemd_start(const struct cg_systemd_unit *u, const char *id, pid_t pid,
                     const struct oci_resources *res, struct skiff_error *err) {
  return call_job("StartTransientUnit", u->name, u, id, pid, res, NULL, err);
}

int cg_systemd_stop(const char *unit, struct skiff_error *err) {
  bool missing = false;
  return call_job("StopUnit", unit, NULL, NULL, 0, NULL, &missing, err);
}

int cg_systemd_update(const char *unit, const struct oci_resources *res, bool v2, struct skiff_error *err) {
  sd_bus *bus = NULL;
  sd_bus_message *m = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  if (bus_open(&bus, err) < 0)
    return -1;
  int r = sd->message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sd->message_append(m, "sb", unit, 1);
  if (r >= 0 && (r = sd->message_open_container(m, 'a', "(sv)")) >= 0 &&
      (r = cg_systemd_append_limits(sd, m, res, v2)) >= 0)
    r = sd->message_close_container(m);
  int ret = 0;
  if (r < 0)
    ret = skiff_fail_errno(err, -r, "systemd: update unit %s: build the call", unit);
  else if ((r = sd->call(bus, m, JOB_TIMEOUT_USEC, &e, NULL)) < 0)
    ret = skiff_fail(err, -r, "systemd: update unit %s: %s", unit, e.message ? e.message : strerror(-r));
  sd->error_free(&e);
  sd->message_unref(m);
  sd->flush_close_unref(bus);
  return ret;
}

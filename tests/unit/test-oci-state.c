/* state.json: runc's `state` format, the internal round trip, the state given to hooks. */
#include <stdlib.h>
#include <string.h>

#include "oci/state.h"
#include "tests/unit/test-oci.h"

/* The annotations runc was given for data/runc-state.json, in the config's order. */
static struct oci_kv runc_annotations[] = {
    {"b.key", "v<&>\xe2\x80\xa8\x01\"\\/x"},
    {"a.key", "\xc3\xa9"},
    {"z", ""},
};

static struct oci_state runc_state(void) {
  return (struct oci_state){
      .oci_version = "1.0.2-dev",
      .id = "ocitest",
      .pid = 14082,
      .bundle = "/tmp/ocihelper/bundle",
      .rootfs = "/tmp/ocihelper/bundle/rootfs",
      .created = "2026-11-25T18:18:15.889587489Z",
      .owner = "",
      .annotations = runc_annotations,
      .n_annotations = 3,
  };
}

static void test_runc_format(void) {
  struct skiff_error err = {0};
  struct oci_state s = runc_state();
  char *want = tap_read_data("runc-state.json", NULL);
  char *got = oci_state_to_json(&s, "created", false, &err);
  tap_is(got, want, "state: byte for byte what `runc state` printed (sorted, escaped annotations)");
  free(got);
  free(want);

  s.n_annotations = 0;
  s.pid = 0;
  s.owner = NULL;
  got = oci_state_to_json(&s, "stopped", false, &err);
  tap_is(got,
         "{\n"
         "  \"ociVersion\": \"1.0.2-dev\",\n"
         "  \"id\": \"ocitest\",\n"
         "  \"pid\": 0,\n"
         "  \"status\": \"stopped\",\n"
         "  \"bundle\": \"/tmp/ocihelper/bundle\",\n"
         "  \"rootfs\": \"/tmp/ocihelper/bundle/rootfs\",\n"
         "  \"created\": \"2026-11-25T18:18:15.889587489Z\",\n"
         "  \"owner\": \"\"\n"
         "}",
         "state: no annotations key when there are none, as runc");
  free(got);
}

static void test_hook_state(void) {
  struct skiff_error err = {0};
  struct oci_state s = runc_state();
  s.pid = 14240;
  char *got = oci_state_hook_json(&s, "creating", &err);
  /* What runc wrote on a createRuntime hook's stdin for the same container. */
  tap_is(got,
         "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ocitest\",\"status\":\"creating\",\"pid\":14240,"
         "\"bundle\":\"/tmp/ocihelper/bundle\",\"annotations\":{\"a.key\":\"\xc3\xa9\",\"b.key\":"
         "\"v\\u003c\\u0026\\u003e\\u2028\\u0001\\\"\\\\/x\",\"z\":\"\"}}",
         "hook state: compact, as runc passes it to hooks");
  free(got);

  s.pid = 0;
  s.n_annotations = 0;
  got = oci_state_hook_json(&s, "stopped", &err);
  tap_is(got,
         "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ocitest\",\"status\":\"stopped\",\"bundle\":\"/tmp/"
         "ocihelper/bundle\"}",
         "hook state: pid and annotations omitted when empty");
  free(got);
}

static void test_round_trip(void) {
  char *poststop_args[] = {"cleanup", "-f\n\t", NULL};
  char *poststop_env[] = {"A=1", NULL};
  struct oci_hook poststop[] = {
      {.path = "/usr/bin/cleanup",
       .args = {poststop_args, 2},
       .env = {poststop_env, 1},
       .has_timeout = true,
       .timeout = 9},
      {.path = "/bin/true"},
  };
  struct oci_hook poststart[] = {{.path = "/bin/notify"}};
  struct oci_state s = runc_state();
  s.pid_start_time = 18446744073709551615ull;
  s.cgroup_path = "/sys/fs/cgroup/skiff/ocitest";
  s.systemd_cgroup = true;
  s.rootless = false;
  s.new_pid_ns = true;
  s.owner = "1000";
  s.poststop = (struct oci_hook_list){poststop, 2};
  s.poststart = (struct oci_hook_list){poststart, 1};

  struct skiff_error err = {0};
  char *json = oci_state_to_json(&s, NULL, true, &err);
  struct oci_state *back = json ? oci_state_parse(json, strlen(json), "state.json", &err) : NULL;
  bool good = back != NULL;
  if (!back)
    tap_diag("%s", err.msg);
  else {
    CHECK(streq(back->oci_version, s.oci_version) && streq(back->id, s.id) && back->pid == s.pid);
    CHECK(back->pid_start_time == s.pid_start_time);
    CHECK(streq(back->bundle, s.bundle) && streq(back->rootfs, s.rootfs) && streq(back->created, s.created));
    CHECK(streq(back->owner, "1000") && streq(back->cgroup_path, s.cgroup_path));
    CHECK(back->systemd_cgroup && !back->rootless && back->new_pid_ns);
    CHECK(back->n_annotations == 3);
    for (size_t i = 0; i < back->n_annotations && i < 3; i++) {
      bool found = false;
      for (size_t j = 0; j < 3; j++)
        found |= streq(back->annotations[i].key, runc_annotations[j].key) &&
                 streq(back->annotations[i].value, runc_annotations[j].value);
      CHECK(found);
    }
    CHECK(back->poststop.n == 2 && streq(back->poststop.v[0].path, "/usr/bin/cleanup") &&
          back->poststop.v[0].args.n == 2 && streq(back->poststop.v[0].args.v[1], "-f\n\t") &&
          streq(back->poststop.v[0].env.v[0], "A=1") && back->poststop.v[0].has_timeout &&
          back->poststop.v[0].timeout == 9 && !back->poststop.v[1].has_timeout);
    CHECK(back->poststart.n == 1 && streq(back->poststart.v[0].path, "/bin/notify"));
    char *again = oci_state_to_json(back, NULL, true, &err);
    CHECK(streq(again, json));
    free(again);
  }
  tap_ok(good, "state: internal format round trip");
  oci_state_free(back);

  /* The internal format is compact and keeps the runc fields under the same names. */
  tap_ok(json && !strchr(json, '\n') && strstr(json, "\"pidStartTime\":18446744073709551615") &&
             strstr(json, "\"id\":\"ocitest\""),
         "state: internal format is one compact line");
  free(json);

  static const char minimal[] = "{\"id\":\"x\",\"bundle\":\"/b\"}";
  back = oci_state_parse(minimal, sizeof minimal - 1, "state.json", &err);
  tap_ok(back && back->pid == 0 && !back->cgroup_path && back->poststop.n == 0 && !back->new_pid_ns,
         "state: optional fields default to unset");
  oci_state_free(back);

  static const char noid[] = "{\"bundle\":\"/b\"}";
  back = oci_state_parse(noid, sizeof noid - 1, "state.json", &err);
  tap_is(back ? "(parsed)" : err.msg, "state.json: id: required", "state: id is required");
  oci_state_free(back);

  static const char badpid[] = "{\"id\":\"x\",\"bundle\":\"/b\",\"pid\":-4}";
  back = oci_state_parse(badpid, sizeof badpid - 1, "state.json", &err);
  tap_is(back ? "(parsed)" : err.msg, "state.json: pid: expected a pid, got -4",
         "state: negative pid refused");
  oci_state_free(back);

  back = oci_state_parse("{\"id\":", 6, "state.json", &err);
  tap_is(back ? "(parsed)" : err.msg, "state.json: line 1 column 7: parse error: premature EOF",
         "state: truncated file reported with its position");
  oci_state_free(back);
}

void test_state(void) {
  test_runc_format();
  test_hook_state();
  test_round_trip();
}

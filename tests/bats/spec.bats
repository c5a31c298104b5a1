#!/usr/bin/env bats
# `skiff spec` (oci/: oci_spec_default): the default config.json, as runc writes it.

load helpers

setup() {
  setup_bundle
  SPEC_DIR="$BATS_TEST_TMPDIR/spec"
  mkdir -p "$SPEC_DIR"
  cd "$SPEC_DIR" || return 1
}

teardown() {
  teardown_bundle
}

@test "spec: writes runc's default config.json in the current directory" {
  run skiff spec
  assert_success
  jq -e '(.ociVersion | test("^1\\.")) and .process.terminal == true and .process.args == ["sh"]
    and .process.cwd == "/" and .process.user.uid == 0 and .root.path == "rootfs" and .root.readonly == true
    and (.process.env | index("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") != null)
    and ([.linux.namespaces[].type] | sort) == ["ipc", "mount", "network", "pid", "uts"]
    and ([.mounts[].destination] | index("/proc") != null and index("/dev") != null and index("/sys") != null)
    and .process.noNewPrivileges == true' config.json
}

@test "spec: run accepts its config.json as is, with terminal false" {
  requires root
  cp -a "$ROOTFS" "$SPEC_DIR/rootfs"
  run skiff spec
  assert_success
  jq '.process.terminal = false' config.json >config.json.new && mv config.json.new config.json
  # the default args are "sh": it runs what it reads
  run --separate-stderr skiff run "$ID" <<<'echo hello from $(hostname)'
  assert_success
  assert_output --regexp '^hello from [a-z]+$'
}

@test "spec --bundle: writes into the given directory" {
  mkdir "$BATS_TEST_TMPDIR/elsewhere"
  run skiff spec --bundle "$BATS_TEST_TMPDIR/elsewhere"
  assert_success
  [[ -f $BATS_TEST_TMPDIR/elsewhere/config.json && ! -e $SPEC_DIR/config.json ]]
  jq -e '.root.path == "rootfs"' "$BATS_TEST_TMPDIR/elsewhere/config.json"
}

@test "spec --rootless: a user namespace mapping the caller, no network namespace, /sys bound read-only" {
  run skiff spec --rootless
  assert_success
  jq -e --argjson uid "$(id -u)" --argjson gid "$(id -g)" '
    ([.linux.namespaces[].type] | sort) == ["ipc", "mount", "pid", "user", "uts"]
    and .linux.uidMappings == [{containerID: 0, hostID: $uid, size: 1}]
    and .linux.gidMappings == [{containerID: 0, hostID: $gid, size: 1}]
    and (.mounts[] | select(.destination == "/sys") | (.options | index("rbind") != null and index("ro") != null))' \
    config.json
}

@test "spec --rootless: run accepts it" {
  requires root userns
  cp -a "$ROOTFS" "$SPEC_DIR/rootfs"
  run skiff spec --rootless
  assert_success
  jq '.process.terminal = false | .process.args = ["cat", "/proc/self/uid_map"]' config.json >config.json.new &&
    mv config.json.new config.json
  run --separate-stderr skiff run "$ID" </dev/null
  assert_success
  run awk '{ $1 = $1; print }' <<<"$output"
  assert_output "0 $(id -u) 1"
}

@test "spec: refuses to overwrite an existing config.json" {
  echo sentinel >config.json
  run --separate-stderr skiff spec
  expect_error spec "config.json" "exists" --runc "config.json exists"
  [[ $(<config.json) == sentinel ]]
}

@test "spec --bundle: a missing directory is an error" {
  run --separate-stderr skiff spec --bundle "$BATS_TEST_TMPDIR/missing"
  expect_error spec "$BATS_TEST_TMPDIR/missing" --runc "no such file or directory"
  [[ ! -e $BATS_TEST_TMPDIR/missing ]]
}

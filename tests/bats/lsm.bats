#!/usr/bin/env bats
# Linux security modules (src/lib/lsm.c): process.apparmorProfile, process.selinuxLabel and
# linux.mountLabel are applied where the host runs that LSM, and refused at create, with one line and
# nothing left behind, where it does not.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

apparmor_enabled() {
  [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y* ]]
}

selinux_enabled() {
  [[ $(stat -f -c %T /sys/fs/selinux 2>/dev/null) == selinux* ]]
}

# create fails before anything exists: no state, no cgroup, no process (the leak check sees those)
expect_refused_create() {
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "$@"
  [[ -z $(ls -A "$SKIFF_ROOT" 2>/dev/null) ]] || fail "state left: $(ls -A "$SKIFF_ROOT")"
}

@test "apparmorProfile: refused where AppArmor is not enabled" {
  apparmor_enabled && skip "AppArmor is enabled on this host"
  update_config '.process.apparmorProfile = "skiff-test-profile"'
  expect_refused_create "process.apparmorProfile" "skiff-test-profile" "AppArmor is not enabled"
}

@test "selinuxLabel: refused where SELinux is not enabled" {
  selinux_enabled && skip "SELinux is enabled on this host"
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
  expect_refused_create "process.selinuxLabel" "container_t" "SELinux is not enabled"
}

@test "mountLabel: refused where SELinux is not enabled" {
  selinux_enabled && skip "SELinux is enabled on this host"
  update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
  expect_refused_create "linux.mountLabel" "container_file_t" "SELinux is not enabled"
}

@test "empty apparmorProfile, selinuxLabel and mountLabel ask for nothing" {
  update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
  run_container true
  assert_success
}

@test "exec --apparmor and --process-label: refused where the LSM is not enabled, the container unharmed" {
  update_config '.process.args = ["sleep", "1000"]'
  skiff run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
  if ! apparmor_enabled; then
    run --separate-stderr skiff exec --apparmor skiff-test-profile "$ID" true </dev/null
    expect_error exec --max 255 "process.apparmorProfile" "AppArmor is not enabled"
  fi
  if ! selinux_enabled; then
    run --separate-stderr skiff exec --process-label system_u:system_r:container_t:s0 "$ID" true </dev/null
    expect_error exec --max 255 "process.selinuxLabel" "SELinux is not enabled"
  fi
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "apparmorProfile: the process runs confined by the profile (AppArmor hosts)" {
  apparmor_enabled || skip "AppArmor is not enabled on this host"
  requires apparmor_parser
  local profile="skiff-test-$$"
  printf 'profile %s flags=(attach_disconnected,mediate_deleted) {\n  file,\n  capability,\n  mount,\n  umount,\n  pivot_root,\n  signal,\n  ptrace,\n  network,\n  unix,\n  deny /skiff-denied r,\n}\n' \
    "$profile" >"$BATS_TEST_TMPDIR/profile"
  apparmor_parser -r "$BATS_TEST_TMPDIR/profile"
  defer apparmor_parser -R "$BATS_TEST_TMPDIR/profile"
  echo secret >"$ROOTFS/skiff-denied"
  update_config '.process.apparmorProfile = $p' --arg p "$profile"
  run_container sh -c 'cat /proc/self/attr/current; cat /skiff-denied'
  [[ ${lines[0]} == "$profile"* ]] || fail "not confined: $output"
  [[ $output != *secret* ]] || fail "the profile's deny rule did not hold"
}

@test "selinuxLabel and mountLabel: the process and its tmpfs mounts get the labels (SELinux hosts)" {
  selinux_enabled || skip "SELinux is not enabled on this host"
  local label mount_label
  label=$(cat /proc/self/attr/current)
  mount_label="system_u:object_r:tmp_t:s0"
  update_config '.process.selinuxLabel = $l | .linux.mountLabel = $m | .mounts += [{destination: "/lab", type: "tmpfs", source: "tmpfs"}]' \
    --arg l "${label%$'\0'}" --arg m "$mount_label"
  run_container sh -c 'cat /proc/self/attr/current; echo; grep " /lab " /proc/self/mountinfo'
  assert_success
  [[ ${lines[0]} == "${label%$'\0'}"* ]] || fail "process label: $output"
  [[ ${lines[1]} == *context=*tmp_t* ]] || fail "mount label: $output"
}

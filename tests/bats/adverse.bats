#!/usr/bin/env bats
# A hostile or broken host (issue 14): the container's init killed by the OOM killer during setup, a
# rootfs on a full filesystem, a state root on a read-only filesystem, a state root that is a
# symbolic link. Each: a one-line error naming the problem, and nothing left behind (the teardown's
# leak check: state, cgroups, mounts, processes).

load helpers

setup() {
  requires root
  setup_bundle sleep 1000
}

teardown() {
  teardown_bundle
}

@test "adverse: the init OOM-killed during setup: one-line error naming the memory limit, nothing left" {
  # a 4 KiB limit: the init's first allocations in its memory cgroup (step 6a) wake the OOM killer
  update_config '.linux.resources.memory.limit = 4096'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create --runc "" "container init was killed by signal 9 (KILL) during setup: out of memory" \
    "linux.resources.memory.limit"
  run skiff list -q
  assert_output ""
}

@test "adverse: a rootfs on a full filesystem: one-line error naming the mount, nothing left" {
  local fs="$BATS_TEST_TMPDIR/full"
  mkdir "$fs"
  mount -t tmpfs -o size=8m,nr_inodes=2000 tmpfs "$fs"
  defer umount -l "$fs"
  cp -a "$ROOTFS" "$fs/rootfs"
  # filled up, blocks (dd stops at ENOSPC) and inodes (a directory takes no block on tmpfs)
  dd if=/dev/zero of="$fs/filler" bs=64k 2>/dev/null || true
  mkdir "$fs/inodes"
  local i
  for ((i = 0; i < 2000; i++)); do
    : >"$fs/inodes/$i" 2>/dev/null || break
  done
  update_config '.root.path = $r | .mounts += [{"destination": "/not-there-yet", "type": "tmpfs", "source": "tmpfs"}]' \
    --arg r "$fs/rootfs"
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create --runc "no space left on device" "/not-there-yet" "no space left on device"
  run skiff list -q
  assert_output ""
}

@test "adverse: a state root on a read-only filesystem: one-line error naming the root, nothing left" {
  local ro="$BATS_TEST_TMPDIR/ro"
  mkdir "$ro"
  mount -t tmpfs -o size=1m,ro tmpfs "$ro"
  defer umount -l "$ro"
  capture "$SKIFF" --root "$ro/state" create --bundle "$BUNDLE" "$ID"
  expect_error create --runc "read-only file system" "$ro/state" "read-only file system"
  # a root that exists, read-only: the container's directory cannot be made
  mount -o remount,rw "$ro"
  mkdir "$ro/state"
  mount -o remount,ro "$ro"
  capture "$SKIFF" --root "$ro/state" create --bundle "$BUNDLE" "$ID"
  expect_error create --runc "read-only file system" "$ro/state/$ID" "read-only file system"
  [[ -z $(ls -A "$ro/state") ]] || fail "left in the state root: $(ls -A "$ro/state")"
}

@test "adverse: a state root that is a symbolic link is refused: one-line error, nothing made" {
  runc_lacks "runc follows a symbolic link given as --root"
  mkdir "$BATS_TEST_TMPDIR/real-root"
  ln -s "$BATS_TEST_TMPDIR/real-root" "$BATS_TEST_TMPDIR/link-root"
  local cmd
  for cmd in "create --bundle $BUNDLE $ID" "list" "state $ID" "delete --force $ID"; do
    # shellcheck disable=SC2086 # the command's words
    capture "$SKIFF" --root "$BATS_TEST_TMPDIR/link-root" $cmd
    expect_error "" "--root $BATS_TEST_TMPDIR/link-root: is a symbolic link"
  done
  [[ -z $(ls -A "$BATS_TEST_TMPDIR/real-root") ]] || fail "made in the link's target: $(ls -A "$BATS_TEST_TMPDIR/real-root")"
  # a link above the root's last component is the host's business (/var/run -> /run)
  capture "$SKIFF" --root "$BATS_TEST_TMPDIR/link-root/state" list
  [[ $status -eq 0 ]] || fail "a root under a symbolic link: $stderr"
}

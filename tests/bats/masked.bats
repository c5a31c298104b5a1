#!/usr/bin/env bats
# linux.maskedPaths (a directory: an empty read-only tmpfs over it; anything else: /dev/null bound
# over it) and linux.readonlyPaths (bound onto itself read-only), src/lib/rootfs.c.

load helpers

setup() {
  requires root
  setup_bundle
  mkdir -p "$ROOTFS/secret-dir/sub" "$ROOTFS/ro-dir"
  echo hidden >"$ROOTFS/secret-dir/file"
  echo hidden >"$ROOTFS/secret-file"
  ln -s /secret-file "$ROOTFS/secret-link"
  update_config '.root.readonly = false'
}

teardown() {
  teardown_bundle
}

@test "maskedPaths: a directory shows empty and read-only, its files unreachable" {
  update_config '.linux.maskedPaths = ["/secret-dir"]'
  run_container sh -c 'ls -A /secret-dir; cat /secret-dir/file; touch /secret-dir/new; mkdir /secret-dir/d'
  [[ $output != *hidden* && $output != *sub* && $output != *file* ]] || fail "the masked directory showed: $output"
  [[ $stderr == *"Read-only file system"* ]] || fail "the mask was writable: $stderr"
  [[ ! -e $ROOTFS/secret-dir/new ]]
  run_container sh -c 'grep " /secret-dir " /proc/self/mountinfo'
  assert_success
  [[ $output == *" ro,"*" - tmpfs "* ]] || fail "not a read-only tmpfs: $output"
}

@test "maskedPaths: a file reads empty, is the null device, and writes to it go nowhere" {
  update_config '.linux.maskedPaths = ["/secret-file"]'
  run_container sh -c 'cat /secret-file; stat -c "%F %t:%T" /secret-file; echo x > /secret-file'
  assert_success
  assert_output "character special file 1:3"
  [[ $(cat "$ROOTFS/secret-file") == hidden ]] || fail "the write reached the file"
}

@test "maskedPaths: the default /proc and /sys paths of the spec cannot be read" {
  run_container sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
      [ -e $f ] && { stat -c "$f %F %t:%T" $f; head -c 64 $f | wc -c; }; done
    ls -A /sys/firmware | wc -l; ls -A /proc/acpi 2>/dev/null | wc -l'
  assert_success
  local line
  for line in "${lines[@]}"; do
    [[ $line == *"character special file 1:3" || $line == 0 ]] || fail "something masked is readable: $line"
  done
}

@test "maskedPaths: a symlink is followed inside the rootfs, a missing path is skipped" {
  update_config '.linux.maskedPaths = ["/secret-link", "/does/not/exist"]'
  run_container cat /secret-file
  assert_success
  assert_output ""
}

@test "readonlyPaths: writes fail, in submounts too, reads work" {
  update_config '.linux.readonlyPaths = ["/ro-dir", "/proc/sys"]
    | .mounts += [{destination: "/ro-dir/sub", type: "tmpfs", source: "tmpfs"}]'
  run_container sh -c 'touch /ro-dir/x; touch /ro-dir/sub/y; echo 1 > /proc/sys/kernel/shmmni;
    cat /proc/sys/kernel/ostype'
  [[ $output == Linux ]] || fail "reads under a read-only path failed: $output"
  [[ $(grep -c "Read-only file system" <<<"$stderr") -eq 3 ]] || fail "a write went through: $stderr"
  [[ ! -e $ROOTFS/ro-dir/x ]]
}

@test "readonlyPaths: the bind keeps the flags of what it covers (nosuid, nodev, noexec on /proc/sys)" {
  update_config '.linux.readonlyPaths = ["/proc/sys"]
    | (.mounts[] | select(.destination == "/proc")).options = ["nosuid", "nodev", "noexec"]'
  run_container sh -c 'grep " /proc/sys " /proc/self/mountinfo'
  assert_success
  [[ $output == *" ro,nosuid,nodev,noexec,"* ]] || fail "unexpected flags: $output"
}

@test "masked and read-only paths need no /proc in the container" {
  update_config '.mounts = [.mounts[] | select(.destination != "/proc")]
    | .linux.maskedPaths = ["/secret-dir", "/secret-file"] | .linux.readonlyPaths = ["/ro-dir"]'
  run_container sh -c 'ls -A /secret-dir; cat /secret-file; touch /ro-dir/x || echo refused'
  assert_success
  assert_output refused
}

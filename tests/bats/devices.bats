#!/usr/bin/env bats
# Device nodes (src/lib/devices.c): linux.devices of every type as stat shows them, the default
# /dev entries, and bind mounts of the host's nodes where a user namespace cannot mknod.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

STAT_FORMAT='%n %F %t:%T %a %u:%g'

# A user namespace mapping container 0..65535 to host 100000..165535.
use_userns() {
  requires userns
  update_config '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  chown -R 100000:100000 "$ROOTFS"
}

@test "devices: c, b, p and u nodes with major, minor, fileMode, uid and gid as stat shows them" {
  update_config '.linux.devices = [
    {path: "/dev/sk-char", type: "c", major: 1, minor: 5, fileMode: 416, uid: 1000, gid: 1001},
    {path: "/dev/sk-block", type: "b", major: 7, minor: 0, fileMode: 432, uid: 1000, gid: 100},
    {path: "/dev/sk-fifo", type: "p", fileMode: 420, uid: 2, gid: 3},
    {path: "/dev/sk-unbuf", type: "u", major: 1, minor: 9, fileMode: 438}]'
  run_container stat -c "$STAT_FORMAT" /dev/sk-char /dev/sk-block /dev/sk-fifo /dev/sk-unbuf
  assert_success
  assert_output "$(cat <<'EOF'
/dev/sk-char character special file 1:5 640 1000:1001
/dev/sk-block block special file 7:0 660 1000:100
/dev/sk-fifo fifo 0:0 644 2:3
/dev/sk-unbuf character special file 1:9 666 0:0
EOF
  )"
}

@test "devices: fileMode, uid and gid default to 0666 and root; the umask does not apply" {
  update_config '.linux.devices = [{path: "/dev/sk-zero", type: "c", major: 1, minor: 5}]
    | .process.user.umask = 63'
  run_container stat -c "$STAT_FORMAT" /dev/sk-zero
  assert_success
  assert_output "/dev/sk-zero character special file 1:5 666 0:0"
}

@test "devices: a configured device is usable despite a deny-all device cgroup" {
  update_config '.linux.devices = [{path: "/dev/sk-zero", type: "c", major: 1, minor: 5}]'
  # the fixture's linux.resources.devices denies everything
  jq -e '.linux.resources.devices == [{"allow": false, "access": "rwm"}]' config.json
  run_container sh -c 'head -c 5 /dev/sk-zero | wc -c'
  assert_success
  assert_output 5
}

@test "devices: parent directories are created, inside /dev and out of it" {
  update_config '.linux.devices = [
    {path: "/dev/sk/deep/null", type: "c", major: 1, minor: 3},
    {path: "/sk-outside/null", type: "c", major: 1, minor: 3}]'
  run_container sh -c 'stat -c "%n %F %t:%T" /dev/sk/deep/null /sk-outside/null; echo x > /dev/sk/deep/null && echo ok'
  assert_success
  assert_output "$(printf '%s\n' '/dev/sk/deep/null character special file 1:3' \
    '/sk-outside/null character special file 1:3' ok)"
}

@test "devices: a device path through a symlink out of the rootfs stays inside it" {
  update_config '.root.readonly = false'
  ln -s "$BATS_TEST_TMPDIR/outside" "$ROOTFS/escape"
  mkdir -p "$BATS_TEST_TMPDIR/outside"
  update_config '.linux.devices = [{path: "/escape/sk-null", type: "c", major: 1, minor: 3}]'
  run_container true
  [[ ! -e $BATS_TEST_TMPDIR/outside/sk-null ]] || fail "the device was made on the host"
}

@test "devices: the default /dev entries are nodes of their own, owned by root" {
  run_container sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done
    awk "\$5 ~ /^\/dev\/(null|zero|full|random|urandom|tty)\$/ { print \"mounted:\", \$5 }" /proc/self/mountinfo'
  assert_success
  assert_output "$(cat <<'EOF'
/dev/null character special file 1:3 666 0:0
/dev/zero character special file 1:5 666 0:0
/dev/full character special file 1:7 666 0:0
/dev/random character special file 1:8 666 0:0
/dev/urandom character special file 1:9 666 0:0
/dev/tty character special file 5:0 666 0:0
EOF
  )"
}

@test "devices: a config entry for a default device's path replaces the default" {
  update_config '.linux.devices = [{path: "/dev/full", type: "c", major: 1, minor: 5, fileMode: 384}]'
  run_container sh -c 'stat -c "%t:%T %a" /dev/full; head -c 2 /dev/full | wc -c'
  assert_success
  assert_output "$(printf '%s\n' '1:5 600' 2)"
}

@test "devices: in a user namespace a configured device is a bind mount of the host's node" {
  use_userns
  [[ -c /dev/kmsg ]] || skip "the host has no /dev/kmsg"
  update_config '.linux.devices = [{path: "/dev/kmsg", type: "c", major: 1, minor: 11, fileMode: 420}]'
  run_container sh -c 'stat -c "%F %t:%T" /dev/kmsg
    awk "\$5 == \"/dev/kmsg\" { print \"mounted\", \$4 }" /proc/self/mountinfo'
  assert_success
  assert_line --index 0 "character special file 1:b"
  # the host's node, bound: its root in the source filesystem names it
  assert_line --index 1 --regexp '^mounted /(dev/)?kmsg$'
}

@test "devices: in a user namespace the default devices are bind mounts and work" {
  use_userns
  run_container sh -c 'for d in null zero full random urandom tty; do
      awk -v d=/dev/$d "\$5 == d { found = 1 } END { print d, found ? \"mounted\" : \"not mounted\" }" /proc/self/mountinfo
    done
    echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
  assert_success
  assert_output "$(cat <<'EOF'
/dev/null mounted
/dev/zero mounted
/dev/full mounted
/dev/random mounted
/dev/urandom mounted
/dev/tty mounted
4
4
EOF
  )"
}

@test "devices: in a user namespace a device missing on the host is a one-line error, nothing left" {
  use_userns
  update_config '.linux.devices = [{path: "/dev/skiff-no-such-device", type: "c", major: 1, minor: 11}]'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "/dev/skiff-no-such-device" --runc "/dev/skiff-no-such-device"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

@test "devices: an unknown type is a one-line error naming the entry" {
  update_config '.linux.devices = [{path: "/dev/x", type: "x", major: 1, minor: 3}]'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create 'linux.devices[0].type' '"x"' --runc 'invalid device type'
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

@test "devices: major and minor are required except for a fifo, the path must be absolute" {
  runc_lacks "validation of linux.devices (runc takes 0:0 and relative paths)"
  update_config '.linux.devices = [{path: "/dev/x", type: "c"}]'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create 'linux.devices[0].major'
  update_config '.linux.devices = [{path: "dev/x", type: "c", major: 1, minor: 3}]'
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create 'linux.devices[0].path'
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

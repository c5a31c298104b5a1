#!/usr/bin/env bats
# The root filesystem and mounts (src/lib/rootfs.c, mounts.c, devices.c), as the container's
# /proc/self/mountinfo shows them.

load helpers

setup() {
  requires root
  setup_bundle
  MOUNTINFO="$BATS_TEST_TMPDIR/mountinfo"
}

teardown() {
  teardown_bundle
}

# Runs the container with CMD... and keeps its /proc/self/mountinfo in $MOUNTINFO.
run_mountinfo() {
  run_container sh -c 'cat /proc/self/mountinfo > /dev/stderr; "$@"' sh "$@"
  assert_success
  printf '%s\n' "$stderr" >"$MOUNTINFO"
}

# mount_info MOUNTPOINT [FILE]: "mount options|optional fields|fs type|source|super options" of the
# topmost mount at MOUNTPOINT.
mount_info() {
  awk -v mp="$1" '$5 == mp {
      optional = ""
      for (i = 7; $i != "-"; i++) optional = optional (optional == "" ? "" : " ") $i
      line = $6 "|" optional "|" $(i + 1) "|" $(i + 2) "|" $(i + 3)
    }
    END { if (line == "") exit 1; print line }' "${2:-$MOUNTINFO}"
}

# expect_mount MOUNTPOINT FSTYPE OPTION...: options are looked for in the mount options, then the
# super options; "!opt" means absent from both.
expect_mount() {
  local mp=$1 type=$2 info opts super opt
  shift 2
  info=$(mount_info "$mp") || fail "nothing mounted at $mp: $(cat "$MOUNTINFO")"
  IFS='|' read -r opts _ got_type _ super <<<"$info"
  [[ $got_type == "$type" ]] || fail "$mp is $got_type, not $type"
  for opt in "$@"; do
    if [[ $opt == !* ]]; then
      [[ ,$opts,$super, != *",${opt#!},"* ]] || fail "$mp has ${opt#!}: $info"
    else
      [[ ,$opts,$super, == *",$opt,"* ]] || fail "$mp lacks $opt: $info"
    fi
  done
}

add_mount() {
  update_config '.mounts += [$m]' --argjson m "$1"
}

@test "rootfs: pivot_root makes the bundle's rootfs /, nothing of the host left" {
  echo marker >"$ROOTFS/marker"
  run_mountinfo sh -c 'cat /marker; ls /'
  assert_line --index 0 marker
  refute_line usr
  # the root mount is the bundle's rootfs, and no mount of the host's tree is visible
  local fs_path
  fs_path=$(_bundle_fs_path)/rootfs
  [[ $(awk '$5 == "/" { print $4 }' "$MOUNTINFO") == "$fs_path" ]] || fail "/ is not $fs_path: $(cat "$MOUNTINFO")"
  [[ $(awk '$5 == "/"' "$MOUNTINFO" | wc -l) -eq 1 ]]
}

@test "rootfs: --no-pivot still jails the process in the bundle's rootfs" {
  echo marker >"$ROOTFS/marker"
  set_args sh -c 'cat /marker; ls /; cat /proc/self/mountinfo >&2'
  run --separate-stderr skiff run --no-pivot "$ID" </dev/null
  assert_success
  assert_line --index 0 marker
  refute_line usr
  printf '%s\n' "$stderr" >"$MOUNTINFO"
  [[ $(awk '$5 == "/" { print $4 }' "$MOUNTINFO") == "$(_bundle_fs_path)/rootfs" ]]
  expect_mount /proc proc
}

@test "rootfs: root.readonly makes / read-only" {
  update_config '.root.readonly = true'
  run_mountinfo sh -c 'touch /written; true'
  [[ $(mount_info /) == ro,* ]] || fail "/ is not ro: $(mount_info /)"
  [[ ! -e $ROOTFS/written ]]
  [[ $stderr == *"Read-only file system"* ]] || fail "touch did not fail read-only: $stderr"
}

@test "rootfs: without root.readonly / is writable and writes reach the bundle" {
  update_config '.root.readonly = false'
  run_mountinfo touch /written
  [[ $(mount_info /) == rw,* ]]
  [[ -e $ROOTFS/written ]]
}

@test "rootfs: rootfsPropagation shared" {
  runc_lacks "rootfsPropagation applied to the container's / (runc 1.1 applies it before the pivot only)"
  update_config '.linux.rootfsPropagation = "shared"'
  run_mountinfo true
  [[ $(mount_info / | cut -d'|' -f2) == *shared:* ]] || fail "/ is not shared: $(mount_info /)"
}

@test "rootfs: rootfsPropagation unbindable" {
  runc_lacks "rootfsPropagation unbindable (runc 1.1 fails to bind an unbindable rootfs)"
  update_config '.linux.rootfsPropagation = "unbindable"'
  run_mountinfo true
  [[ $(mount_info / | cut -d'|' -f2) == *unbindable* ]] || fail "/ is not unbindable: $(mount_info /)"
}

@test "rootfs: rootfsPropagation private and slave do not share / with anything" {
  local mode
  for mode in private slave; do
    update_config '.linux.rootfsPropagation = $m' --arg m "$mode"
    run_mountinfo true
    [[ $(mount_info / | cut -d'|' -f2) != *shared:* ]] || fail "$mode: / is shared: $(mount_info /)"
  done
}

@test "mounts: the default proc, dev, devpts, shm, mqueue, sysfs and cgroup mounts with their flags" {
  run_mountinfo true
  expect_mount /proc proc
  expect_mount /dev tmpfs nosuid mode=755
  expect_mount /dev/pts devpts nosuid noexec gid=5 mode=620 ptmxmode=666
  expect_mount /dev/shm tmpfs nosuid nodev noexec size=65536k
  expect_mount /dev/mqueue mqueue nosuid nodev noexec
  expect_mount /sys sysfs ro nosuid nodev noexec
  # v1: a tmpfs holding one mount per hierarchy; v2: the cgroup2 mount itself. Read-only either way.
  run awk '$5 ~ "^/sys/fs/cgroup(/|$)" { for (i = 7; $i != "-"; i++); print $(i + 1), $6 }' "$MOUNTINFO"
  assert_line --regexp '^cgroup2? ro,'
  refute_line --regexp '^cgroup2? rw,'
}

@test "mounts: tmpfs with nosuid, nodev, noexec, mode and size" {
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
    "options": ["nosuid", "nodev", "noexec", "mode=700", "size=1m"]}'
  run_mountinfo stat -c %a /data
  expect_mount /data tmpfs rw nosuid nodev noexec mode=700 size=1024k
  assert_output 700
}

@test "mounts: ro tmpfs refuses writes" {
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]}'
  run_mountinfo sh -c 'touch /data/x 2>&1; true'
  expect_mount /data tmpfs ro
  assert_output --partial "Read-only file system"
}

@test "mounts: noatime, strictatime and relatime" {
  add_mount '{"destination": "/a", "type": "tmpfs", "source": "tmpfs", "options": ["noatime"]}'
  add_mount '{"destination": "/b", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime"]}'
  add_mount '{"destination": "/c", "type": "tmpfs", "source": "tmpfs", "options": ["relatime"]}'
  run_mountinfo true
  expect_mount /a tmpfs noatime '!relatime'
  expect_mount /b tmpfs '!noatime' '!relatime'
  expect_mount /c tmpfs relatime '!noatime'
}

@test "mounts: bind rw writes reach the host; bind ro refuses writes" {
  local host="$BATS_TEST_TMPDIR/host"
  mkdir -p "$host/rw" "$host/ro"
  echo seen >"$host/ro/file"
  add_mount "$(jq -n --arg s "$host/rw" '{destination: "/mnt/rw", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$host/ro" '{destination: "/mnt/ro", type: "bind", source: $s, options: ["bind", "ro"]}')"
  run_mountinfo sh -c 'echo written > /mnt/rw/file; cat /mnt/ro/file; echo x 2>&1 > /mnt/ro/new; true'
  assert_line --index 0 seen
  assert_output --partial "Read-only file system"
  [[ $(<"$host/rw/file") == written ]]
  [[ ! -e $host/ro/new ]]
  expect_mount /mnt/rw "$(findmnt -n -o FSTYPE -T "$host")" rw
  expect_mount /mnt/ro "$(mount_info /mnt/rw | cut -d'|' -f3)" ro
}

@test "mounts: bind with nosuid, nodev, noexec" {
  mkdir -p "$BATS_TEST_TMPDIR/host"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/host" \
    '{destination: "/mnt", type: "none", source: $s, options: ["rbind", "nosuid", "nodev", "noexec"]}')"
  run_mountinfo true
  [[ $(mount_info /mnt | cut -d'|' -f1) == rw,nosuid,nodev,noexec* ]] || fail "$(mount_info /mnt)"
}

@test "mounts: rbind carries submounts, bind does not" {
  local host="$BATS_TEST_TMPDIR/host"
  mkdir -p "$host/sub"
  mount -t tmpfs skiff-test "$host/sub"
  defer umount "$host/sub"
  echo inside >"$host/sub/file"
  add_mount "$(jq -n --arg s "$host" '{destination: "/r", type: "bind", source: $s, options: ["rbind"]}')"
  add_mount "$(jq -n --arg s "$host" '{destination: "/b", type: "bind", source: $s, options: ["bind"]}')"
  run_mountinfo sh -c 'cat /r/sub/file; ls /b/sub | wc -l'
  assert_output "$(printf '%s\n' inside 0)"
  expect_mount /r/sub tmpfs
  run mount_info /b/sub
  assert_failure
}

@test "mounts: rslave receives the host's later mounts, rprivate does not" {
  local host="$BATS_TEST_TMPDIR/host"
  mkdir -p "$host"
  mount --bind "$host" "$host"
  defer umount -R "$host"
  mount --make-shared "$host"
  add_mount "$(jq -n --arg s "$host" '{destination: "/slave", type: "bind", source: $s, options: ["rbind", "rslave"]}')"
  add_mount "$(jq -n --arg s "$host" '{destination: "/private", type: "bind", source: $s, options: ["rbind", "rprivate"]}')"
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  mkdir "$host/late"
  mount -t tmpfs skiff-late "$host/late"
  mount_info /slave/late "/proc/$pid/mountinfo" || fail "the host's mount did not reach the rslave mount"
  run mount_info /private/late "/proc/$pid/mountinfo"
  assert_failure
  [[ $(mount_info /slave "/proc/$pid/mountinfo" | cut -d'|' -f2) == *master:* ]]
  skiff delete --force "$ID"
}

@test "mounts: applied in order, a later mount covering an earlier one" {
  add_mount '{"destination": "/m/outer", "type": "tmpfs", "source": "outer"}'
  add_mount '{"destination": "/m/outer/inner", "type": "tmpfs", "source": "inner"}'
  run_mountinfo true
  expect_mount /m/outer/inner tmpfs
  run awk '$5 == "/m/outer" || $5 == "/m/outer/inner" { print $5 }' "$MOUNTINFO"
  assert_output "$(printf '%s\n' /m/outer /m/outer/inner)"
}

@test "mounts: applied in order, an earlier mount hidden by a later one" {
  add_mount '{"destination": "/m/outer/inner", "type": "tmpfs", "source": "inner"}'
  add_mount '{"destination": "/m/outer", "type": "tmpfs", "source": "outer"}'
  run_mountinfo sh -c 'test -e /m/outer/inner && echo visible || echo hidden'
  assert_output hidden
  # the inner mount exists, under the outer one
  run awk '$5 == "/m/outer" || $5 == "/m/outer/inner" { print $5 }' "$MOUNTINFO"
  assert_output "$(printf '%s\n' /m/outer/inner /m/outer)"
}

@test "mounts: missing targets are created, a directory for a directory, a file for a file" {
  echo content >"$BATS_TEST_TMPDIR/hostfile"
  add_mount '{"destination": "/new/deep/dir", "type": "tmpfs", "source": "tmpfs"}'
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/hostfile" \
    '{destination: "/etc/new-file", type: "bind", source: $s, options: ["bind", "ro"]}')"
  run_mountinfo sh -c 'cat /etc/new-file; test -f /etc/new-file && echo file'
  assert_output "$(printf '%s\n' content file)"
  expect_mount /new/deep/dir tmpfs
}

# A mount's destination is resolved inside the rootfs: a symlink in it that points at / or climbs
# out of it stays inside the container, and the host's own directory gets no mount.
@test "mounts: a relative destination is taken from /, as the spec allows, with a warning line each" {
  update_config '.mounts += [{destination: "rel/x", type: "tmpfs", source: "tmpfs"},
                             {destination: "../../up", type: "tmpfs", source: "tmpfs"}]'
  run_container sh -c 'grep -E " /(rel/x|up) " /proc/self/mountinfo | cut -d" " -f5'
  assert_success
  assert_output "$(printf '%s\n' /rel/x /up)"
  [[ -d $ROOTFS/rel/x && -d $ROOTFS/up ]] || fail "the mount points are not in the rootfs"
  # one line per relative destination (runc adds a line of its own for the first)
  local max=2
  is_runc && max=3
  [[ ${#stderr_lines[@]} -ge 2 && ${#stderr_lines[@]} -le $max && $stderr == *rel/x*"not absolute"* &&
    $stderr == *../../up*"not absolute"* ]] || fail "warnings: $stderr"
}

@test "mounts: a destination through a symlink out of the rootfs stays inside it" {
  ln -s /etc "$ROOTFS/abs-link"
  ln -s ../../../../../../../../../../../../tmp "$ROOTFS/rel-link"
  echo rootfs-etc >"$ROOTFS/etc/marker"
  add_mount '{"destination": "/abs-link", "type": "tmpfs", "source": "skiff-abs"}'
  add_mount '{"destination": "/rel-link/x", "type": "tmpfs", "source": "skiff-rel"}'
  local host_before
  host_before=$(awk '$5 == "/etc" || $5 == "/tmp" || $5 == "/tmp/x" || $5 == "/" { print $1 }' /proc/self/mountinfo)
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")

  # on the host: no new mount at /etc or /tmp, and the host's /etc is untouched
  [[ $(awk '$5 == "/etc" || $5 == "/tmp" || $5 == "/tmp/x" || $5 == "/" { print $1 }' /proc/self/mountinfo) == "$host_before" ]] ||
    fail "a mount escaped to the host: $(grep -E ' (/etc|/tmp|/tmp/x|/) ' /proc/self/mountinfo)"
  [[ ! -e /tmp/x && -e /etc/passwd ]]
  run awk '{ for (i = 7; $i != "-"; i++); print $(i + 2) }' /proc/self/mountinfo
  refute_line skiff-abs
  refute_line skiff-rel
  # in the container: the mounts landed on its own /etc and /tmp/x
  run awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 2) }' "/proc/$pid/mountinfo"
  assert_line "/etc skiff-abs"
  assert_line "/tmp/x skiff-rel"
  skiff delete --force "$ID"
}

@test "dev: the default devices with their numbers and modes, and the standard symlinks" {
  run_container sh -c 'for d in null zero full random urandom tty; do
      echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"
    done
    for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done'
  assert_success
  assert_output "$(cat <<'EOF'
null character special file 1:3 666
zero character special file 1:5 666
full character special file 1:7 666
random character special file 1:8 666
urandom character special file 1:9 666
tty character special file 5:0 666
fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
ptmx -> pts/ptmx
EOF
  )"
}

@test "dev: the devices work, and nothing of the host's /dev is there" {
  run_container sh -c 'echo x > /dev/null && head -c 5 /dev/zero | wc -c && head -c 7 /dev/urandom | wc -c
    echo x 2>&1 > /dev/full; ls /dev | sed "s/^/dev: /"'
  assert_success
  assert_line --index 0 5
  assert_line --index 1 7
  assert_line --partial "No space left on device"
  assert_line "dev: null"
  local allowed=" fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero console core "
  local entry
  for entry in $(echo "$output" | sed -n 's/^dev: //p'); do
    [[ $allowed == *" $entry "* ]] || fail "unexpected /dev/$entry"
  done
}

@test "dev: linux.devices adds a device node with its type, numbers, mode and owner" {
  update_config '.linux.devices = [{path: "/dev/skiff-null", type: "c", major: 1, minor: 3, fileMode: 432, uid: 1000, gid: 1000}]'
  run_container stat -c '%F %t:%T %a %u:%g' /dev/skiff-null
  assert_success
  assert_output "character special file 1:3 660 1000:1000"
}

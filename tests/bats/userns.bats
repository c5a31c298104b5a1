#!/usr/bin/env bats
# User namespaces as a container's processes see them (maps written by the parent, a root that is an
# unprivileged host user, file ownership through the maps), and idmapped mounts
# (mounts[].uidMappings/gidMappings, "idmap"/"ridmap": src/lib/mounts-idmap.c).

load helpers

setup() {
  requires root userns
  setup_bundle
}

teardown() {
  teardown_bundle
}

# The container's root is host uid/gid 100000 (65536 ids), the rootfs theirs.
use_userns() {
  add_namespace user
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .root.readonly = false'
  chown -R 100000:100000 "$ROOTFS"
}

# A host directory with files owned by host uids 0 and 1000, and their gids.
host_files() {
  HOST_DIR="$BATS_TEST_TMPDIR/host-files"
  mkdir -p "$HOST_DIR"
  chmod 777 "$HOST_DIR"
  touch "$HOST_DIR/root-file" "$HOST_DIR/user-file"
  chown 1000:1000 "$HOST_DIR/user-file"
}

bind_host_files() { # OPTIONS-JSON [EXTRA-JQ]
  update_config ".mounts += [{destination: \"/data\", type: \"bind\", source: \$s, options: $1 $2}]" --arg s "$HOST_DIR"
}

@test "userns: the process sees the maps the parent wrote, and is root in them" {
  use_userns
  run_container sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g'
  assert_success
  run awk '{ $1 = $1; print }' <<<"$output"
  assert_output "$(printf '%s\n' '0 100000 65536' '0 100000 65536' allow 0 0)"
}

@test "userns: the rootfs owned by the mapped root shows as root's, new files belong to the host's 100000" {
  use_userns
  run_container sh -c 'stat -c %u:%g /bin/busybox /etc/passwd; touch /tmp/made'
  assert_success
  assert_output "$(printf '%s\n' 0:0 0:0)"
  [[ $(stat -c %u:%g "$ROOTFS/tmp/made") == 100000:100000 ]] || fail "owner on the host: $(stat -c %u:%g "$ROOTFS/tmp/made")"
  update_config '.process.user = {uid: 1000, gid: 1000}'
  run_container touch /tmp/made-by-user
  assert_success
  [[ $(stat -c %u:%g "$ROOTFS/tmp/made-by-user") == 101000:101000 ]] ||
    fail "owner on the host: $(stat -c %u:%g "$ROOTFS/tmp/made-by-user")"
}

@test "userns: host files outside the mapping show as the overflow id and stay out of reach" {
  use_userns
  host_files
  chmod 600 "$HOST_DIR/root-file"
  bind_host_files '["rbind", "rw"]'
  run_container sh -c 'stat -c %u:%g /data/root-file /data/user-file; cat /data/root-file || echo denied'
  assert_output "$(printf '%s\n' 65534:65534 65534:65534 denied)"
}

@test "userns: a bind source only the host's root can reach is opened before the user namespace, as runc" {
  use_userns
  local private="$BATS_TEST_TMPDIR/private"
  mkdir -p "$private/dir"
  echo secret-ok >"$private/dir/file"
  chmod 700 "$private" "$private/dir"
  chmod 644 "$private/dir/file"
  # a directory and a file, each below a 0700 directory of the host's root
  update_config '.mounts += [{destination: "/data", type: "bind", source: $d, options: ["rbind", "ro"]},
                             {destination: "/one", type: "bind", source: $f, options: ["bind"]}]' \
    --arg d "$private/dir" --arg f "$private/dir/file"
  run_container sh -c 'grep -c " /data " /proc/self/mountinfo; ls -d /data; cat /one'
  assert_success
  assert_output "$(printf '%s\n' 1 /data secret-ok)"
  # a missing source still fails naming the mount
  update_config '.mounts[-1].source = "/no/such/source"'
  run_container true
  expect_error run "/one" "/no/such/source" "no such file or directory" \
    --runc "failed to open mount source /no/such/source" --runc-lines 3
}

@test "userns: a process user is the mapped host uid, seen from the host" {
  use_userns
  update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10]}'
  set_args sh -c 'id -u; id -G; exec sleep 1000'
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff start "$ID"
  wait_for_status "$ID" running
  local tries=100
  while [[ $(wc -l <"$BATS_TEST_TMPDIR/$ID.out") -lt 2 ]] && ((tries-- > 0)); do sleep 0.05; done
  run cat "$BATS_TEST_TMPDIR/$ID.out"
  assert_output "$(printf '%s\n' 1000 '1000 10')"
  run awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 } /^Groups:/ { print $2 }' "/proc/$pid/status"
  assert_output "$(printf '%s\n' 101000 101000 100010)"
  skiff delete --force "$ID"
}

# ---- idmapped mounts --------------------------------------------------------------------------------

@test "idmap: without a user namespace, a file owned by host uid 1000 shows as the mapped id" {
  host_files
  bind_host_files '["rbind", "rw", "idmap"]' ', uidMappings: [{containerID: 1000, hostID: 2000, size: 1}],
    gidMappings: [{containerID: 1000, hostID: 3000, size: 1}]'
  run_container stat -c %u:%g /data/user-file /data/root-file
  assert_success
  assert_output "$(printf '%s\n' 2000:3000 65534:65534)"
  [[ $(stat -c %u:%g "$HOST_DIR/user-file") == 1000:1000 ]]
}

@test "idmap: with the container's own mappings, host ownership shows unchanged inside a user namespace" {
  use_userns
  host_files
  bind_host_files '["rbind", "rw", "idmap"]' ', uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]'
  run_container sh -c 'stat -c %u:%g /data/user-file /data/root-file; touch /data/new'
  assert_success
  assert_output "$(printf '%s\n' 1000:1000 0:0)"
  # what the container's root writes is root's on the host
  [[ $(stat -c %u:%g "$HOST_DIR/new") == 0:0 ]] || fail "owner on the host: $(stat -c %u:%g "$HOST_DIR/new")"
}

@test "idmap: without mappings of its own a mount takes the container's" {
  use_userns
  host_files
  bind_host_files '["bind", "ro", "idmap"]'
  run_container stat -c %u:%g /data/user-file /data/root-file
  assert_success
  assert_output "$(printf '%s\n' 1000:1000 0:0)"
}

@test "idmap: ridmap maps the submounts of an rbind too, idmap only its top" {
  use_userns
  host_files
  mkdir -p "$HOST_DIR/sub"
  mount -t tmpfs -o mode=0777 tmpfs "$HOST_DIR/sub"
  defer umount -l "$HOST_DIR/sub"
  touch "$HOST_DIR/sub/user-file"
  chown 1000:1000 "$HOST_DIR/sub/user-file"
  bind_host_files '["rbind", "rw", "ridmap"]'
  run_container stat -c %u:%g /data/user-file /data/sub/user-file
  assert_success
  assert_output "$(printf '%s\n' 1000:1000 1000:1000)"
  update_config '.mounts[-1].options = ["rbind", "rw", "idmap"]'
  run_container stat -c %u:%g /data/user-file /data/sub/user-file
  assert_success
  assert_output "$(printf '%s\n' 1000:1000 65534:65534)"
}

@test "idmap: a user namespace joined by path lends its mapping" {
  use_userns
  local a pid
  a=$(new_id)
  set_args sleep 1000
  create_container "$a"
  pid=$(container_pid "$a")
  host_files
  add_namespace user "/proc/$pid/ns/user"
  update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
  bind_host_files '["bind", "ro", "idmap"]'
  run_container stat -c %u:%g /data/user-file /data/root-file
  assert_success
  assert_output "$(printf '%s\n' 1000:1000 0:0)"
  skiff delete --force "$a"
}

@test "idmap: refused with one clear line, nothing left behind" {
  host_files
  bind_host_files '["rbind", "idmap"]' ', uidMappings: [{containerID: 0, hostID: 1000, size: 1}]'
  run_container true
  expect_error run "mounts[7]" "gidMappings"
  update_config '.mounts[-1] = {destination: "/data", type: "bind", source: $s, options: ["rbind", "idmap"]}' \
    --arg s "$HOST_DIR"
  run_container true
  expect_error run "mounts[7] (/data)" "needs a user namespace"
  update_config '.mounts[-1] = {destination: "/data", type: "tmpfs", source: "tmpfs", options: ["idmap"],
    uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}'
  run_container true
  expect_error run "mounts[7] (/data)" "bind"
}

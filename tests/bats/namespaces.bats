#!/usr/bin/env bats
# Namespaces (src/lib/namespaces.c): created or joined by path, id mappings, time offsets, hostname and
# domainname, loopback up.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# the name under /proc/<pid>/ns/ of a config namespace type
proc_ns() {
  case $1 in
  network) echo net ;;
  mount) echo mnt ;;
  *) echo "$1" ;;
  esac
}

use_userns() {
  add_namespace user
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]'
}

# the container's link for a namespace type, then compared with the host's
container_ns() {
  local name
  name=$(proc_ns "$1")
  run_container readlink "/proc/self/ns/$name"
  assert_success
  [[ $output == "$name:["*"]" ]] || fail "unexpected link: $output"
}

expect_new_ns() {
  container_ns "$1"
  [[ $output != "$(readlink "/proc/self/ns/$(proc_ns "$1")")" ]] || fail "$1: still the host's namespace"
}

expect_host_ns() {
  container_ns "$1"
  assert_output "$(readlink "/proc/self/ns/$(proc_ns "$1")")"
}

@test "pid: a new namespace, in which the process is pid 1" {
  add_namespace pid
  expect_new_ns pid
  run_container sh -c 'echo $$'
  assert_output 1
}

@test "pid: the host's when not listed" {
  remove_namespace pid
  expect_host_ns pid
}

@test "network: a new namespace" {
  add_namespace network
  expect_new_ns network
}

@test "network: the host's when not listed" {
  remove_namespace network
  expect_host_ns network
}

@test "ipc: a new namespace" {
  add_namespace ipc
  expect_new_ns ipc
}

@test "ipc: the host's when not listed" {
  remove_namespace ipc
  expect_host_ns ipc
}

@test "uts: a new namespace" {
  add_namespace uts
  expect_new_ns uts
}

@test "uts: the host's when not listed" {
  remove_namespace uts
  update_config 'del(.hostname)'
  expect_host_ns uts
}

@test "mount: a new namespace" {
  expect_new_ns mount
}

# The config for a container without a mount namespace that can be run safely: nothing to mount.
no_mount_ns_config() {
  remove_namespace mount
  update_config '.mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false'
}

# mounts of the host whose mount point or source is in the bundle
bundle_mounts() {
  awk -v b="$BUNDLE" 'index($5, b) == 1 || index($4, b) == 1' /proc/self/mountinfo
}

@test "mount: the host's when not listed, chrooted into the rootfs as it is, no mount made or left" {
  runc_lacks "running without a mount namespace (runc 1.1 leaves the rootfs bound on the host and fails without /proc)"
  no_mount_ns_config
  update_config '.process.cwd = "/made/cwd"'
  set_args sh -c 'ls /; pwd'
  run_container
  assert_success
  assert_output "$(printf '%s\n' bin dev etc home made proc root sys tmp /made/cwd)"
  # nothing is created in the rootfs beyond the cwd: no device node
  [[ -z $(ls -A "$ROOTFS/dev") ]] || fail "made in the rootfs's /dev: $(ls -A "$ROOTFS/dev")"

  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  assert_equal "$(readlink "/proc/$pid/ns/mnt")" "$(readlink /proc/self/ns/mnt)"
  assert_equal "$(readlink "/proc/$pid/root")" "$ROOTFS"
  [[ -z $(bundle_mounts) ]] || fail "mounts made on the host: $(bundle_mounts)"
  skiff start "$ID"
  # exec is chrooted as the init is
  run --separate-stderr skiff exec "$ID" sh -c 'ls /made; pwd'
  assert_success
  assert_output "$(printf '%s\n' cwd /made/cwd)"
  skiff delete --force "$ID"
  [[ -z $(bundle_mounts) ]] || fail "mounts left on the host: $(bundle_mounts)"
}

@test "mount: without one, what would change the host's mounts or files is refused, nothing left" {
  remove_namespace mount
  # runc's words for masked and read-only paths
  run_container true
  expect_error run "unable to restrict sys entries without a private MNT namespace"
  is_runc && return 0
  no_mount_ns_config
  update_config '.mounts = [{destination: "/proc", type: "proc", source: "proc"}]'
  run_container true
  expect_error run "mounts[0] (/proc)" "mount namespace"
  local change
  for change in '.root.readonly = true' '.linux.rootfsPropagation = "shared"' \
    '.linux.devices = [{type: "c", path: "/dev/fuse", major: 10, minor: 229}]' '.process.terminal = true' \
    '.linux.sysctl = {"kernel.domainname": "x"}' '.process.oomScoreAdj = 100'; do
    no_mount_ns_config
    update_config "$change"
    run_container true
    expect_error run "mount namespace"
  done
  [[ -z $(bundle_mounts) ]] || fail "mounts left on the host: $(bundle_mounts)"
}

@test "cgroup: a new namespace, in which the container's cgroup is the root" {
  add_namespace cgroup
  expect_new_ns cgroup
  run_container cat /proc/self/cgroup
  assert_success
  # every hierarchy's path is "/" from inside
  run awk -F: '$3 != "/"' <<<"$output"
  assert_output ""
}

@test "cgroup: the host's when not listed" {
  remove_namespace cgroup
  expect_host_ns cgroup
}

@test "user: a new namespace" {
  requires userns
  use_userns
  expect_new_ns user
}

@test "user: the host's when not listed" {
  remove_namespace user
  expect_host_ns user
}

@test "time: a new namespace" {
  requires timens
  runc_lacks "time namespaces"
  add_namespace time
  expect_new_ns time
}

@test "time: the host's when not listed" {
  requires timens
  remove_namespace time
  expect_host_ns time
}

@test "user: uid and gid mappings as /proc/self/uid_map and gid_map show them, and seen from the host" {
  requires userns
  use_userns
  update_config '.linux.uidMappings += [{containerID: 65536, hostID: 300000, size: 1}]
    | .process.user = {uid: 65536, gid: 0}'
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; exec sleep 1000'
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff start "$ID"
  wait_for_status "$ID" running
  local tries=100
  while [[ $(wc -l <"$BATS_TEST_TMPDIR/$ID.out") -lt 5 ]] && ((tries-- > 0)); do sleep 0.05; done

  run awk '{ $1 = $1; print }' "$BATS_TEST_TMPDIR/$ID.out"
  assert_output "$(printf '%s\n' '0 100000 65536' '65536 300000 1' '0 200000 65536' 65536 0)"
  # the container's uid 65536 is the host's 300000, its gid 0 the host's 200000
  run awk '/^Uid:/ { print $2 } /^Gid:/ { print $2 }' "/proc/$pid/status"
  assert_output "$(printf '%s\n' 300000 200000)"
  skiff delete --force "$ID"
}

@test "network: join a namespace by path (ip netns)" {
  requires ip
  local name="$ID_PREFIX-net"
  ip netns add "$name"
  defer ip netns delete "$name"
  add_namespace network "/var/run/netns/$name"
  run_container readlink /proc/self/ns/net
  assert_success
  assert_output "net:[$(stat -L -c %i "/var/run/netns/$name")]"
}

@test "join another container's pid, network, ipc, uts and cgroup namespaces by path" {
  local a b pid ns
  a=$(new_id)
  b=$(new_id)
  add_namespace cgroup
  set_args sleep 1000
  create_container "$a"
  pid=$(container_pid "$a")

  update_config 'del(.hostname)'
  for ns in pid network ipc uts cgroup; do
    add_namespace "$ns" "/proc/$pid/ns/$(proc_ns "$ns")"
  done
  set_args sh -c 'for ns in pid net ipc uts cgroup; do readlink /proc/self/ns/$ns; done; hostname'
  run --separate-stderr skiff run "$b" </dev/null
  assert_success
  local want=()
  for ns in pid net ipc uts cgroup; do
    want+=("$(readlink "/proc/$pid/ns/$ns")")
  done
  want+=(skiff)
  assert_output "$(printf '%s\n' "${want[@]}")"
  skiff delete --force "$a"
}

@test "time: timeOffsets shift the monotonic and boottime clocks" {
  requires timens
  runc_lacks "time namespaces and timeOffsets"
  add_namespace time
  update_config '.linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}, boottime: {secs: 864000, nanosecs: 0}}'
  set_args sh -c 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
  local host_uptime
  host_uptime=$(cut -d. -f1 /proc/uptime)
  run_container
  assert_success
  assert_line --index 0 --regexp '^monotonic +86400 +0$'
  assert_line --index 1 --regexp '^boottime +864000 +0$'
  # uptime is boottime: ten days ahead of the host's
  [[ ${lines[2]} -ge $((host_uptime + 864000)) && ${lines[2]} -lt $((host_uptime + 864000 + 60)) ]] ||
    fail "uptime ${lines[2]} is not the host's $host_uptime plus 864000"
}

@test "uts: hostname is set in the container, not on the host" {
  local host_name
  host_name=$(hostname)
  update_config '.hostname = "box-one"'
  run_container hostname
  assert_success
  assert_output box-one
  [[ $(hostname) == "$host_name" ]]
}

@test "uts: domainname is set in the container, not on the host" {
  runc_lacks "domainname"
  local host_domain
  host_domain=$(cat /proc/sys/kernel/domainname)
  update_config '.domainname = "example.org"'
  run_container cat /proc/sys/kernel/domainname
  assert_success
  assert_output example.org
  [[ $(cat /proc/sys/kernel/domainname) == "$host_domain" ]]
}

@test "network: a new namespace has lo, up, and nothing else" {
  add_namespace network
  run_container sh -c 'ls /sys/class/net; ip -o link show lo; ip -o addr show lo'
  assert_success
  assert_line --index 0 lo
  assert_line --index 1 --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
  assert_line --partial 'inet 127.0.0.1/8'
}

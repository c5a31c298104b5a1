#!/usr/bin/env bats
# skiff run by a user without privileges (rootless), on a bundle from `skiff spec --rootless`: a user
# namespace mapping the user to root, state under $XDG_RUNTIME_DIR/skiff, no cgroup unless one is
# delegated, subordinate ids through newuidmap/newgidmap.
#
# The file makes its own user (with a home and /etc/subuid, /etc/subgid ranges) and removes it.

load helpers

setup_file() {
  [[ $EUID -eq 0 ]] || skip "needs root (to make the test user)"
  command -v useradd >/dev/null || skip "needs useradd"
  command -v runuser >/dev/null || skip "needs runuser"
  RL_USER="skrl$$"
  useradd -m -s /bin/sh "$RL_USER" || skip "useradd failed"
  if ! grep -q "^$RL_USER:" /etc/subuid 2>/dev/null || ! grep -q "^$RL_USER:" /etc/subgid 2>/dev/null; then
    usermod --add-subuids 3000000-3065535 --add-subgids 3000000-3065535 "$RL_USER"
  fi
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
  RL_SUBGID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
  export RL_USER RL_UID RL_GID RL_SUBUID RL_SUBGID
}

teardown_file() {
  if [[ -n ${RL_USER-} ]]; then
    pkill -KILL -u "$RL_USER" 2>/dev/null
    userdel -r "$RL_USER" 2>/dev/null
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid 2>/dev/null
  fi
  true
}

setup() {
  requires userns
  setup_bundle
  XDG="$BATS_TEST_TMPDIR/xdg"
  mkdir -p "$XDG"
  chown "$RL_USER:" "$XDG"
  chmod 700 "$XDG"
  rm "$BUNDLE/config.json"
  chown -R "$RL_USER:" "$BUNDLE"
  rl_skiff spec --rootless --bundle "$BUNDLE" || fail "spec --rootless failed"
  update_config '.process.terminal = false'

}

teardown() {
  teardown_bundle
}

# The runtime as the test user, with no --root: the default state root is the user's.
rl_skiff() {
  runuser -u "$RL_USER" -- env XDG_RUNTIME_DIR="$XDG" HOME="/home/$RL_USER" "$SKIFF" "$@" 3>&-
}

rl_run() {
  local id
  id=$(new_id)
  defer rl_skiff delete --force "$id"
  run --separate-stderr rl_skiff run --bundle "$BUNDLE" "$id" </dev/null
  echo "rl_run: status $status, stderr: $stderr" >&2
}

@test "rootless: spec --rootless maps the user to root, setgroups denied" {
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g'
  rl_run
  assert_success
  run awk '{ $1 = $1; print }' <<<"$output"
  assert_output "$(printf '%s\n' "0 $RL_UID 1" "0 $RL_GID 1" deny 0 0)"
}

@test "rootless: the state lives under \$XDG_RUNTIME_DIR/skiff; create, start, kill, delete" {
  set_args sleep 1000
  local id
  id=$(new_id)
  defer rl_skiff delete --force "$id"
  rl_skiff create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
    fail "create: $(cat "$BATS_TEST_TMPDIR/err")"
  [[ -d $XDG/skiff/$id ]] || fail "no state in $XDG/skiff"
  [[ $(stat -c %U "$XDG/skiff/$id") == "$RL_USER" ]]
  run rl_skiff state "$id"
  assert_success
  [[ $(jq -r .status <<<"$output") == created ]]
  rl_skiff start "$id"
  run rl_skiff list -q
  assert_output "$id"
  rl_skiff kill "$id" KILL
  local tries=100
  while [[ $(rl_skiff state "$id" | jq -r .status) != stopped ]] && ((tries-- > 0)); do sleep 0.05; done
  rl_skiff delete "$id"
  [[ ! -e $XDG/skiff/$id ]] || fail "the state was left"
}

@test "rootless: without a delegated cgroup the container stays in the caller's" {
  set_args cat /proc/self/cgroup
  rl_run
  assert_success
  local own
  own=$(runuser -u "$RL_USER" -- cat /proc/self/cgroup)
  # the container's cgroup namespace, if any, would show "/": compare the paths the host sees
  [[ $output == "$own" ]] || fail "container: $output; caller: $own"
  if find /sys/fs/cgroup -maxdepth 3 -name "$ID_PREFIX-*" | grep -q .; then fail "a cgroup was made"; fi
}

@test "rootless: resource limits without a delegated cgroup are refused clearly, nothing left behind" {
  update_config '.linux.resources = {pids: {limit: 10}}'
  rl_run
  expect_error run "linux.resources" "cgroup"
  [[ -z $(ls -A "$XDG/skiff" 2>/dev/null) ]] || fail "state left: $(ls -A "$XDG/skiff")"
}

@test "rootless: a network namespace has lo only, up" {
  add_namespace network
  set_args ip -o link
  rl_run
  assert_success
  [[ ${#lines[@]} -eq 1 && ${lines[0]} == "1: lo:"*"UP"* ]] || fail "links: $output"
}

@test "rootless: subordinate ids through newuidmap and newgidmap" {
  requires newuidmap newgidmap
  update_config '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}]
    | .root.readonly = false
    | .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])' \
    --argjson u "$RL_UID" --argjson su "$RL_SUBUID" --argjson g "$RL_GID" --argjson sg "$RL_SUBGID"
  set_args sh -c 'cat /proc/self/uid_map /proc/self/setgroups; touch /tmp/f; chown 1000:1000 /tmp/f'
  rl_run
  assert_success
  run awk '{ $1 = $1; print }' <<<"$output"
  assert_output "$(printf '%s\n' "0 $RL_UID 1" "1 $RL_SUBUID 65536" allow)"
  [[ $(stat -c %u:%g "$ROOTFS/tmp/f") == "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]] ||
    fail "owner on the host: $(stat -c %u:%g "$ROOTFS/tmp/f")"
}

@test "rootless: a mapping the user was not given is refused, with newuidmap's reason" {
  requires newuidmap newgidmap
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]'
  rl_run
  expect_error run "linux.uidMappings" "newuidmap"
  [[ -z $(ls -A "$XDG/skiff" 2>/dev/null) ]] || fail "state left: $(ls -A "$XDG/skiff")"
}

@test "rootless: idmapped mounts are refused with a clear error" {
  local dir="$BATS_TEST_TMPDIR/data"
  mkdir -p "$dir"
  update_config '.mounts += [{destination: "/data", type: "bind", source: $d, options: ["rbind", "idmap"],
    uidMappings: [{containerID: 0, hostID: 0, size: 1}], gidMappings: [{containerID: 0, hostID: 0, size: 1}]}]' \
    --arg d "$dir"
  rl_run
  expect_error run "mounts[" "/data" "root"
}

@test "rootless: exec joins the container" {
  set_args sleep 1000
  local id
  id=$(new_id)
  defer rl_skiff delete --force "$id"
  rl_skiff run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
    fail "run: $(cat "$BATS_TEST_TMPDIR/err")"
  run --separate-stderr rl_skiff exec "$id" sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/1/exe'
  assert_success
  run awk '{ $1 = $1; print }' <<<"$output"
  assert_output "$(printf '%s\n' 0 "0 $RL_UID 1" /bin/busybox)"
}

@test "rootless: ps without a cgroup lists the container's processes, exec's too" {
  runc_lacks "ps of a container without a cgroup (runc 1.1 fails)"
  set_args sleep 1000
  local id init exec_pid
  id=$(new_id)
  defer rl_skiff delete --force "$id"
  rl_skiff run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
    fail "run: $(cat "$BATS_TEST_TMPDIR/err")"
  init=$(rl_skiff state "$id" | jq .pid)
  rl_skiff exec -d --pid-file "$XDG/exec.pid" "$id" sleep 999 </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
    fail "exec: $(cat "$BATS_TEST_TMPDIR/err")"
  exec_pid=$(<"$XDG/exec.pid")
  run --separate-stderr rl_skiff ps --format json "$id"
  assert_success
  echo "$output" | jq -e --argjson a "$init" --argjson b "$exec_pid" 'sort == ([$a, $b] | sort)' ||
    fail "ps: $output, not [$init, $exec_pid]"
  run --separate-stderr rl_skiff ps "$id"
  assert_success
  [[ ${#lines[@]} -eq 3 && ${lines[0]} == *PID* ]] || fail "ps: $output"
}

@test "rootless: a config without a user namespace says a user namespace is needed, nothing left behind" {
  remove_namespace user
  update_config 'del(.linux.uidMappings, .linux.gidMappings)'
  rl_run
  expect_error run "rootless container requires user namespaces" "linux.namespaces" \
    --runc "rootless container requires user namespaces"
  [[ -z $(ls -A "$XDG/skiff" 2>/dev/null) ]] || fail "state left: $(ls -A "$XDG/skiff")"
}

@test "rootless: a rootfs the user cannot reach is \"permission denied\", not \"does not exist\"" {
  local locked="$BATS_TEST_TMPDIR/locked"
  mkdir -m 700 "$locked"
  mv "$ROOTFS" "$locked/rootfs"
  update_config '.root.path = $r' --arg r "$locked/rootfs"
  rl_run
  expect_error run "root.path" "permission denied" --runc "permission denied"
  [[ $stderr != *"does not exist"* ]] || fail "$stderr"
}

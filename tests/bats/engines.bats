#!/usr/bin/env bats
# skiff under a real engine: podman (through conmon) with --runtime skiff, as engine-calls.md
# has it: create with --pid-file/--console-socket-less stdio, start, exec, kill, delete, and the
# cgroup podman asks for. The image is the test rootfs, imported; podman's storage and state live
# in the test's temporary directory (vfs: no overlay mounts on the host).

load helpers

setup() {
  requires root podman
  setup_bundle
  PM=$BATS_TEST_TMPDIR/podman
  mkdir -p "$PM"
  # this host may not raise RLIMIT_NOFILE/NPROC to podman's defaults (no CAP_SYS_RESOURCE)
  cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  export CONTAINERS_CONF=$PM/containers.conf
  # podman's parent cgroup of the containers, this test's own, removed with them
  CGP=/skiff-podman-$ID
  defer remove_podman_cgroups
  defer pm rm --all --force --time 0
  tar -C "$ROOTFS" -cf - . | pm import --quiet - localhost/skiff-test >/dev/null ||
    fail "podman import failed"
}

teardown() {
  teardown_bundle
}

# conmon, in <parent>/conmon, may outlive `podman rm` by a moment
remove_podman_cgroups() {
  local tries=60
  while ((tries-- > 0)); do
    find /sys/fs/cgroup -maxdepth 4 -depth -type d -path "*/skiff-podman-$ID*" -exec rmdir {} + 2>/dev/null
    [[ -z $(find /sys/fs/cgroup -maxdepth 2 -type d -name "skiff-podman-$ID" -print -quit) ]] && return
    sleep 0.05
  done
}

pm() {
  podman --root "$PM/storage" --runroot "$PM/run" --storage-driver vfs --runtime "$SKIFF" \
    --cgroup-manager cgroupfs --events-backend file "$@"
}

@test "podman: run --rm, with the memory limit podman asked for in its cgroup" {
  run pm run --rm --cgroup-parent "$CGP" --memory 16m localhost/skiff-test sh -c \
    'echo hello; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
  assert_success
  assert_line --index 0 hello
  assert_line --index 1 16777216
}

@test "podman: a private cgroup namespace shows the container's cgroup as its root" {
  run pm run --rm --cgroup-parent "$CGP" --cgroupns=private localhost/skiff-test cat /proc/self/cgroup
  assert_success
  run awk -F: '$3 != "/"' <<<"$output"
  assert_output ""
}

@test "podman: run -d, exec, kill, the exit code, rm" {
  pm run -d --cgroup-parent "$CGP" --name "$ID" localhost/skiff-test sh -c 'trap "exit 7" TERM; sleep 1000 & wait' >/dev/null
  run pm exec "$ID" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
  assert_success
  assert_line --index 0 in-exec
  assert_line --index 1 --partial "sleep 1000"
  pm kill --signal TERM "$ID" >/dev/null
  run pm wait "$ID"
  assert_output 7
  pm rm "$ID" >/dev/null
  run pm ps --all --quiet
  assert_output ""
}

@test "podman: an exec into a stopped container fails, the container stays removable" {
  pm run --cgroup-parent "$CGP" --name "$ID" localhost/skiff-test true
  run pm exec "$ID" true
  assert_failure
  pm rm "$ID" >/dev/null
}

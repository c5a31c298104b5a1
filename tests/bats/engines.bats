#!/usr/bin/env bats
# skiff under real engines, as engine-calls.md has them call it. podman (through conmon) with
# --runtime skiff; containerd 1.6 through its runc shim (ctr run --runc-binary skiff): create with
# --log/--log-format json, start, exec, kill, delete, state. The image is the test rootfs, imported
# into podman and saved as an OCI archive for containerd; each engine's storage and state live in
# temporary directories (vfs, native snapshotter: no overlay mounts on the host), containerd's
# containers in a namespace of their own whose cgroup parent the file removes at the end.

load helpers

# One containerd for the file (it takes a second to start), fed the image podman saves.
setup_file() {
  [[ $EUID -eq 0 ]] && command -v containerd >/dev/null && command -v ctr >/dev/null &&
    command -v podman >/dev/null || return 0
  CTRD=$BATS_FILE_TMPDIR/containerd
  export CTRD CTRD_NS=skiff-ctr-$$
  mkdir -p "$CTRD"
  printf '%s\n' 'version = 2' "root = \"$CTRD/root\"" "state = \"$CTRD/state\"" '[grpc]' \
    "  address = \"$CTRD/sock\"" >"$CTRD/config.toml"
  containerd --config "$CTRD/config.toml" >"$CTRD/log" 2>&1 &
  echo $! >"$CTRD/pid"
  local tries=100
  until ctr --address "$CTRD/sock" version >/dev/null 2>&1; do
    ((tries-- > 0)) || return 0
    sleep 0.05
  done
  touch "$CTRD/up"
}

teardown_file() {
  [[ -n ${CTRD-} && -e $CTRD/pid ]] || return 0
  kill "$(cat "$CTRD/pid")" 2>/dev/null
  find /sys/fs/cgroup -maxdepth 2 -depth -type d -name "$CTRD_NS" -exec rmdir {} + 2>/dev/null
  true
}

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

ctr_() {
  ctr --address "$CTRD/sock" --namespace "$CTRD_NS" "$@"
}

# The image, imported once per file; the test's container removed at teardown.
ctr_setup() {
  requires containerd ctr
  [[ -e $CTRD/up ]] || fail "containerd did not start: $(tail -3 "$CTRD/log")"
  if [[ ! -e $CTRD/image ]]; then
    pm save --quiet --format oci-archive -o "$CTRD/image.tar" localhost/skiff-test &&
      ctr_ images import --index-name skiff-test "$CTRD/image.tar" >/dev/null || fail "image import failed"
    touch "$CTRD/image"
  fi
  defer ctr_ containers rm "$ID"
  defer ctr_ tasks kill --signal KILL "$ID"
}

ctr_run() {
  ctr_ run --snapshotter native --runc-binary "$SKIFF" "$@"
}

@test "containerd: run --rm through the runc shim, its output and exit code, a memory limit" {
  ctr_setup
  run ctr_run --rm --memory-limit 16777216 skiff-test "$ID" sh -c \
    'echo hello; grep -E "^[0-9]+:memory:|^0::" /proc/self/cgroup | head -1; exit 3'
  assert_equal "$status" 3
  assert_line --index 0 hello
  assert_line --index 1 --regexp "^[0-9]+:(memory)?:/$CTRD_NS/$ID\$"
}

@test "containerd: a detached task, exec into it, kill, delete" {
  ctr_setup
  ctr_run -d skiff-test "$ID" sleep 1000 >/dev/null
  run ctr_ tasks exec --exec-id e1 "$ID" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
  assert_success
  assert_line --index 0 in-exec
  assert_line --index 1 --partial "sleep 1000"
  run ctr_ tasks ls
  assert_line --regexp "^$ID +[0-9]+ +RUNNING"
  ctr_ tasks kill --signal KILL "$ID"
  local tries=100
  while ctr_ tasks ls | grep -q "^$ID .*RUNNING" && ((tries-- > 0)); do sleep 0.05; done
  ctr_ tasks rm "$ID" >/dev/null
  ctr_ containers rm "$ID"
  run ctr_ tasks ls -q
  assert_output ""
}

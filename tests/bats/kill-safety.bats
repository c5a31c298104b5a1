#!/usr/bin/env bats
# Killed at any moment (issue 14): skiff SIGKILLed after a random delay (0-29 ms) during create,
# start, exec, delete or run, then one `delete --force` (or nothing when no state was written),
# leaves nothing behind: no state directory, no cgroup in any hierarchy, no mount, no process, no
# pid file but a complete one; `list` never shows a container that `delete --force` cannot remove,
# and `delete --force` never hangs.
#
# SKIFF_KILL_TRIALS (default 15) trials per command; `make stress` runs 200 (1000 in all).

load helpers

setup() {
  requires root
  setup_bundle sleep 1000
  TRIALS=${SKIFF_KILL_TRIALS:-15}
  # a cgroup path of our own, so that each trial checks its cgroups by name, cheaply
  CG_BASE="$ID_PREFIX-kill" # named so that the leak check finds it too
  update_config '.linux.cgroupsPath = $p' --arg p "/$CG_BASE/c"
  mkfifo "$BATS_TEST_TMPDIR/never"
  exec {NEVER}<>"$BATS_TEST_TMPDIR/never" # nothing is ever written: `read -t` on it is a precise sleep
  defer rmdir_cgroups
  cd / # the leak check looks for processes whose cwd is in the bundle
}

teardown() {
  teardown_bundle
}

rmdir_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/"$CG_BASE" /sys/fs/cgroup/"$CG_BASE"; do
    [[ -d $d ]] && rmdir "$d"
  done
  return 0
}

sk() {
  timeout -k 2 20 "$SKIFF" --root "$SKIFF_ROOT" "$@" </dev/null 3>&-
}

# Runs "$@" (a skiff command line) in the background and SIGKILLs it after 0-29 ms.
kill_during() {
  "$SKIFF" --root "$SKIFF_ROOT" "$@" </dev/null >/dev/null 2>&1 3>&- &
  local pid=$! delay
  printf -v delay '0.%03d' $((RANDOM % 30))
  read -r -t "$delay" -u "$NEVER" || true
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# What `list` shows can be deleted; then one delete --force, which must not hang.
delete_all() {
  local id=$1 shown
  run sk list -q
  [[ $status -eq 0 ]] || fail "list failed after the kill: $output"
  for shown in $output; do
    run sk delete --force "$shown"
    [[ $status -eq 0 ]] || fail "list showed $shown, which delete --force cannot remove (status $status): $output"
  done
  run sk delete --force "$id"
  [[ $status -eq 0 ]] || fail "delete --force $id (status $status): $output"
}

# Nothing left of the container: state, cgroups (every hierarchy), processes, pid file.
check_clean() {
  local id=$1 trial=$2 d
  [[ -z $(ls -A "$SKIFF_ROOT" 2>/dev/null) ]] || fail "trial $trial: state left: $(ls -A "$SKIFF_ROOT")"
  for d in /sys/fs/cgroup/*/"$CG_BASE"/c /sys/fs/cgroup/"$CG_BASE"/c; do
    [[ ! -d $d ]] || fail "trial $trial: cgroup left: $d ($(cat "$d/cgroup.procs" 2>/dev/null | tr '\n' ' '))"
  done
  if [[ -e $BATS_TEST_TMPDIR/pid ]]; then
    # the pid file of a create that went through: whole, the number of a process now gone
    local pid
    pid=$(<"$BATS_TEST_TMPDIR/pid")
    [[ $pid =~ ^[0-9]+$ ]] || fail "trial $trial: pid file holds \"$pid\""
    rm -f "$BATS_TEST_TMPDIR/pid"
  fi
  [[ -z $(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name '.pid*' -print -quit) ]] ||
    fail "trial $trial: a temporary pid file was left"
  # a process still on its way out (SIGKILLed, not yet reaped) is not a leak: one that stays is
  local procs tries=30 p
  while procs=$(_leaked_processes) && [[ -n $procs ]] && ((tries-- > 0)); do
    sleep 0.1
  done
  if [[ -n $procs ]]; then
    for p in $(awk '{ print $1 }' <<<"$procs"); do
      procs+=$'\n'"$p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null), $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null), $(tr '\n' ' ' <"/proc/$p/cgroup" 2>/dev/null)"
    done
    fail "trial $trial: process left: $procs"
  fi
  [[ -z $(_leaked_mounts) ]] || fail "trial $trial: mount left: $(_leaked_mounts)"
}

# trials SETUP-FUNCTION KILLED-COMMAND...: per trial, SETUP (with $id set) then the command killed.
trials() {
  local setup_fn=$1 t
  shift
  for ((t = 0; t < TRIALS; t++)); do
    id=$(new_id)
    if [[ -n $setup_fn ]]; then
      $setup_fn || fail "trial $t: setup failed"
    fi
    kill_during "${@//@ID@/$id}"
    delete_all "$id"
    check_clean "$id" "$t"
  done
}

created() {
  sk create --bundle "$BUNDLE" "$id" >/dev/null 2>&1
}

running() {
  sk run --detach --bundle "$BUNDLE" "$id" >/dev/null 2>&1
}

@test "kill-safety: SIGKILL during create, then delete --force, leaves nothing" {
  trials "" create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" @ID@
}

@test "kill-safety: SIGKILL during run (foreground and detached) leaves nothing that delete --force cannot remove" {
  TRIALS=$(((TRIALS + 1) / 2))
  trials "" run --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" @ID@
  trials "" run --detach --bundle "$BUNDLE" @ID@
}

@test "kill-safety: SIGKILL during start leaves nothing that delete --force cannot remove" {
  trials created start @ID@
}

@test "kill-safety: SIGKILL during exec leaves nothing that delete --force cannot remove" {
  trials running exec --pid-file "$BATS_TEST_TMPDIR/pid" @ID@ sleep 1000
}

@test "kill-safety: SIGKILL during delete leaves nothing that delete --force cannot remove" {
  trials running delete --force @ID@
}

@test "kill-safety: delete --force does not wait forever on a lock held by a stuck process" {
  runc_lacks "a bounded wait on the state lock"
  create_container "$ID"
  # a stuck holder of the container's lock: flock(1) on <root>/<id>, forever
  # one process (no child of flock(1) left to hold bats' output), its stdio away from bats
  (exec 9<"$SKIFF_ROOT/$ID" && flock 9 && exec sleep 1000) </dev/null >/dev/null 2>&1 3>&- &
  local holder=$!
  defer kill -9 "$holder"
  wait_for_lock "$SKIFF_ROOT/$ID"
  SECONDS=0
  run sk delete --force "$ID"
  assert_success
  ((SECONDS < 15)) || fail "delete --force took $SECONDS s"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state left"
  kill -9 "$holder"
  check_clean "$ID" 0
}

@test "kill-safety: delete --force removes the empty state directory of a create killed before it wrote state" {
  runc_lacks "runc leaves the directory"
  mkdir -p "$SKIFF_ROOT/$ID"
  run sk list -q
  assert_success
  assert_output ""
  run sk delete --force "$ID"
  assert_success
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state directory left"
}

wait_for_lock() {
  local tries=100
  while ((tries-- > 0)); do
    flock -n "$1" true || return 0
    sleep 0.05
  done
  fail "$1 never got locked"
}

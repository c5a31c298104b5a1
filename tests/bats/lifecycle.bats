#!/usr/bin/env bats
# The lifecycle (src/lib/container.c, state.c): create, start, state, kill, delete, run, list, and
# the global flags every subcommand shares.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# A process that is gone or a zombie (its parent, maybe pid 1, reaps it in its own time).
process_gone() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
  [[ -z $state || $state == [ZX] ]]
}

wait_process_gone() {
  local tries=100
  while ((tries-- > 0)); do
    process_gone "$1" && return 0
    sleep 0.05
  done
  fail "process $1 is still running"
}

@test "create: the init waits in created, in its namespaces, without running the process" {
  update_config '.root.readonly = false'
  set_args sh -c 'touch /started; exec sleep 1000'
  create_container "$ID"

  run container_status "$ID"
  assert_output created
  local pid ns
  pid=$(container_pid "$ID")
  [[ $pid -gt 0 ]] && kill -0 "$pid"
  for ns in pid net ipc uts mnt; do
    [[ $(readlink "/proc/$pid/ns/$ns") != "$(readlink "/proc/self/ns/$ns")" ]] ||
      fail "the created init is still in the host's $ns namespace"
  done
  sleep 0.2
  [[ ! -e $ROOTFS/started ]] || fail "the process ran before start"

  run skiff start "$ID"
  assert_success
  wait_for_file "$ROOTFS/started"
  wait_for_status "$ID" running
  skiff delete --force "$ID"
}

@test "state: prints runc's fields, in runc's order, indented by two spaces" {
  update_config '.annotations = {"org.example.key": "value"}'
  set_args sleep 1000
  create_container "$ID"

  run --separate-stderr skiff state "$ID"
  assert_success
  [[ ${lines[1]} == '  "ociVersion": '* ]] || fail "not indented by two spaces: ${lines[1]}"
  echo "$output" | jq -e --arg id "$ID" --arg bundle "$BUNDLE" --arg version "$(jq -r .ociVersion config.json)" '
    (keys_unsorted == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"])
    and .ociVersion == $version and .id == $id and .status == "created"
    and (.pid | type == "number" and . > 0)
    and .bundle == $bundle and .rootfs == $bundle + "/rootfs"
    and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"))
    and .owner == "" and .annotations == {"org.example.key": "value"}'
  kill -0 "$(echo "$output" | jq .pid)"
  skiff delete --force "$ID"
}

@test "state: no annotations key without annotations" {
  set_args sleep 1000
  create_container "$ID"
  run skiff state "$ID"
  assert_success
  echo "$output" | jq -e 'has("annotations") | not'
  skiff delete --force "$ID"
}

@test "start: statuses go created, running, stopped; delete removes the container" {
  local shared
  shared=$(shared_dir)
  set_args sh -c 'while [ ! -e /shared/stop ]; do sleep 0.05; done'
  create_container "$ID"
  [[ $(container_status "$ID") == created ]]

  run skiff start "$ID"
  assert_success
  assert_output ""
  [[ $(container_status "$ID") == running ]]

  touch "$shared/stop"
  wait_for_status "$ID" stopped
  run skiff state "$ID"
  echo "$output" | jq -e '.pid == 0'

  run skiff delete "$ID"
  assert_success
  run skiff state "$ID"
  assert_failure
  [[ ! -e $SKIFF_ROOT/$ID ]]
}

@test "delete: a stopped container leaves no state, process or cgroup" {
  set_args true
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  skiff start "$ID"
  wait_for_status "$ID" stopped
  wait_process_gone "$pid"

  run skiff delete "$ID"
  assert_success
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state dir left"
  # other runs may remove their cgroups while find walks: only its output counts
  run --separate-stderr find /sys/fs/cgroup -maxdepth 7 -type d -name "$ID"
  assert_output ""
}

@test "delete: a created container is killed and removed without --force, as runc does" {
  set_args sleep 1000
  create_container "$ID"
  local pid
  pid=$(container_pid "$ID")
  run skiff delete "$ID"
  assert_success
  wait_process_gone "$pid"
  run skiff state "$ID"
  assert_failure
}

@test "delete --force: kills a running container" {
  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  local pid
  pid=$(container_pid "$ID")
  run skiff delete --force "$ID"
  assert_success
  wait_process_gone "$pid"
  run skiff state "$ID"
  assert_failure
}

@test "kill: a created container stops" {
  set_args sleep 1000
  create_container "$ID"
  run skiff kill "$ID" KILL
  assert_success
  wait_for_status "$ID" stopped
  skiff delete "$ID"
}

@test "kill: the default signal is TERM" {
  local shared
  shared=$(shared_dir)
  set_args sh -c 'trap "echo TERM > /shared/got; exit 0" TERM; touch /shared/ready; while :; do sleep 0.05; done'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"
  run skiff kill "$ID"
  assert_success
  wait_for_status "$ID" stopped
  [[ $(<"$shared/got") == TERM ]]
  skiff delete "$ID"
}

@test "kill: signals by name with or without SIG, in any case, and by number" {
  local shared spec want n=0
  shared=$(shared_dir)
  set_args sh -c 'for s in HUP USR1 USR2; do trap "echo $s >> /shared/got" $s; done
    touch /shared/ready; while :; do sleep 0.05; done'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"
  for spec in USR1:USR1 SIGUSR2:USR2 1:HUP 10:USR1 usr2:USR2 sighup:HUP; do
    n=$((n + 1))
    run skiff kill "$ID" "${spec%%:*}"
    assert_success
    local tries=100
    while (($(wc -l <"$shared/got" 2>/dev/null || echo 0) < n && tries-- > 0)); do sleep 0.05; done
    want=${spec#*:}
    [[ $(sed -n "${n}p" "$shared/got") == "$want" ]] || fail "kill $ID ${spec%%:*} did not deliver $want"
  done
  skiff delete --force "$ID"
}

@test "kill --all: signals every process of the container, not only its init" {
  local shared
  shared=$(shared_dir)
  # TERM leaves the init alone (pid 1 of its namespace, no handler) but ends both sleeps
  set_args sh -c 'sleep 1000 & sleep 1000 & touch /shared/ready; wait; touch /shared/done; exec sleep 1000'
  create_container "$ID"
  skiff start "$ID"
  wait_for_file "$shared/ready"

  run skiff kill "$ID" TERM
  assert_success
  sleep 0.3
  [[ ! -e $shared/done ]] || fail "kill without --all reached the children"

  run skiff kill --all "$ID" TERM
  assert_success
  wait_for_file "$shared/done"
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "create --pid-file: writes the init's pid" {
  set_args sleep 1000
  create_container "$ID" --pid-file "$BATS_TEST_TMPDIR/pid"
  [[ $(<"$BATS_TEST_TMPDIR/pid") == "$(container_pid "$ID")" ]]
  skiff delete --force "$ID"
}

@test "run --detach --pid-file: a relative pid file is relative to the current directory" {
  set_args sleep 1000
  mkdir "$BATS_TEST_TMPDIR/cwd"
  cd "$BATS_TEST_TMPDIR/cwd"
  skiff run --detach --bundle "$BUNDLE" --pid-file pidfile "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 ||
    fail "run --detach failed: $(cat "$BATS_TEST_TMPDIR/out")"
  cd "$BUNDLE"
  [[ $(<"$BATS_TEST_TMPDIR/cwd/pidfile") == "$(container_pid "$ID")" ]]
  skiff delete --force "$ID"
}

@test "run: exits with the container's exit status and deletes it" {
  local id
  id=$(new_id)
  set_args sh -c 'exit 42'
  run -42 skiff run "$id" </dev/null
  run skiff state "$id"
  assert_failure
  [[ ! -e $SKIFF_ROOT/$id ]]

  run_container true
  assert_success
}

@test "run: exits 128+n when the container is killed by signal n" {
  set_args sleep 1000
  skiff run --bundle "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
  local runtime=$!
  wait_for_status "$ID" running
  skiff kill "$ID" KILL
  local code=0
  wait "$runtime" || code=$?
  [[ $code -eq 137 ]] || fail "run exited $code, not 137: $(cat "$BATS_TEST_TMPDIR/out")"
  run skiff state "$ID"
  assert_failure
}

@test "run: stdin, stdout and stderr are the runtime's" {
  set_args sh -c 'read line; echo "got $line"; echo to-stderr >&2'
  run --separate-stderr skiff run "$ID" <<<"hello"
  assert_success
  assert_output "got hello"
  [[ $stderr == to-stderr ]] || fail "stderr: $stderr"
}

@test "run --detach: returns at once, the container running" {
  set_args sleep 1000
  # the container's stdio is a file: nothing but the runtime itself can keep this waiting
  timeout 10 "$SKIFF" --root "$SKIFF_ROOT" run --detach "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- ||
    fail "run --detach failed or hung: $(cat "$BATS_TEST_TMPDIR/out")"
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "create: the bundle defaults to the current directory" {
  set_args sleep 1000
  skiff create "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 || fail "create failed: $(cat "$BATS_TEST_TMPDIR/out")"
  run skiff state "$ID"
  echo "$output" | jq -e --arg b "$BUNDLE" '.bundle == $b and .rootfs == $b + "/rootfs"'
  skiff delete --force "$ID"
}

@test "flags: --flag=value forms are accepted" {
  set_args sleep 1000
  cd /
  "$SKIFF" --root="$SKIFF_ROOT" create --bundle="$BUNDLE" --pid-file="$BATS_TEST_TMPDIR/pid" "$ID" </dev/null \
    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- || fail "create failed: $(cat "$BATS_TEST_TMPDIR/out")"
  [[ $(<"$BATS_TEST_TMPDIR/pid") == "$(container_pid "$ID")" ]]
  run "$SKIFF" --root="$SKIFF_ROOT" list --format=json 3>&-
  assert_success
  echo "$output" | jq -e --arg id "$ID" 'length == 1 and .[0].id == $id'
  skiff delete --force "$ID"
}

@test "flags: options after the container id are options, as runc reorders them" {
  set_args sleep 1000
  cd /
  "$SKIFF" --root "$SKIFF_ROOT" create "$ID" --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" </dev/null \
    >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- || fail "create failed: $(cat "$BATS_TEST_TMPDIR/out")"
  [[ $(<"$BATS_TEST_TMPDIR/pid") == "$(container_pid "$ID")" ]]
  run skiff state "$ID"
  echo "$output" | jq -e --arg b "$BUNDLE" '.bundle == $b'
  run skiff kill "$ID" KILL --all
  assert_success
  wait_for_status "$ID" stopped
  run skiff delete "$ID" --force
  assert_success
  run skiff state "$ID"
  assert_failure
  # what is not one of the command's flags stays an argument
  run --separate-stderr skiff state "$ID" --no-such-flag
  expect_error state --runc 'requires exactly 1 argument' --runc-lines 20 "--no-such-flag"
}

@test "run --keep: the stopped container stays, with its cgroup, until delete" {
  update_config '.linux.cgroupsPath = $p' --arg p "/$ID"
  set_args sh -c 'exit 3'
  run -3 skiff run --keep --bundle "$BUNDLE" "$ID" </dev/null
  [[ $(container_status "$ID") == stopped ]]
  [[ -d $(find /sys/fs/cgroup -maxdepth 2 -type d -name "$ID" | head -n 1) ]] || fail "no cgroup left for $ID"
  run skiff delete "$ID"
  assert_success
  run skiff state "$ID"
  assert_failure
}

@test "list: table, json and quiet" {
  local a b
  a=$(new_id)
  b=$(new_id)
  set_args sleep 1000
  create_container "$b"
  create_container "$a"
  skiff start "$b"

  run skiff list
  assert_success
  assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER$'
  assert_line --regexp "^$a +[0-9]+ +created +$BUNDLE +[0-9T:.-]+Z +root$"
  assert_line --regexp "^$b +[0-9]+ +running +$BUNDLE +[0-9T:.-]+Z +root$"
  [[ ${#lines[@]} -eq 3 ]]

  run skiff list --format json
  assert_success
  echo "$output" | jq -e --arg a "$a" --arg b "$b" --arg bundle "$BUNDLE" '
    length == 2 and (map(.id) | sort) == ([$a, $b] | sort)
    and (map(select(.id == $a))[0] | .status == "created" and .pid > 0 and .bundle == $bundle)
    and (map(select(.id == $b))[0] | .status == "running")'

  run skiff list --quiet
  assert_success
  assert_output "$(printf '%s\n' "$a" "$b" | sort)"
  run skiff list -q
  assert_output "$(printf '%s\n' "$a" "$b" | sort)"

  skiff delete --force "$a"
  skiff delete --force "$b"
}

@test "list: an id starting with a dot is listed like any other" {
  local dotted=".$(new_id)"
  set_args sleep 1000
  create_container "$dotted"
  run skiff list --quiet
  assert_success
  assert_output "$dotted"
  run skiff list --format json
  echo "$output" | jq -e --arg id "$dotted" 'map(.id) == [$id]'
  skiff delete --force "$dotted"
}

@test "list: an empty or missing root lists nothing" {
  run skiff list
  assert_success
  refute_output --partial "$ID_PREFIX"
  [[ ${#lines[@]} -le 1 ]]
  run skiff list --quiet
  assert_success
  assert_output ""
  run skiff list --format json
  assert_success
  echo "$output" | jq -e 'length == 0'
}

@test "flags: --help and --version" {
  run "$SKIFF" --help
  assert_success
  local cmd
  for cmd in create start state kill delete run list spec; do
    assert_output --partial "$cmd"
  done
  run "$SKIFF" --version
  assert_success
  assert_line --index 0 --partial version
}

@test "flags: --log with --log-format json writes errors as JSON lines" {
  local log="$BATS_TEST_TMPDIR/log.json"
  run skiff --log "$log" --log-format json state "$ID"
  assert_failure
  tail -n 1 "$log" | jq -e '.level == "error" and (.msg | test("does not exist")) and (.time | type == "string")'

  log="$BATS_TEST_TMPDIR/log.txt"
  run skiff --log "$log" --log-format text state "$ID"
  assert_failure
  run tail -n 1 "$log"
  assert_output --regexp '^time="[^"]+" level=error msg=".*does not exist.*"$'
}

@test "flags: --log-format json without --log: errors and warnings on stderr are JSON lines" {
  run --separate-stderr skiff --log-format json state "$ID"
  assert_failure
  [[ ${#stderr_lines[@]} -eq 1 ]] || fail "stderr: $stderr"
  echo "$stderr" | jq -e '.level == "error" and (.msg | test("does not exist")) and (.time | type == "string")'
  # a usage error of a subcommand or of the global options, and a warning with the error of a run
  run --separate-stderr skiff --log-format json update --no-such-flag 1 "$ID"
  assert_failure
  echo "$stderr" | jq -e -s 'length == 1 and .[0].level == "error"'
  if ! is_runc; then # runc 1.1 prints its usage text for a bad global option
    run --separate-stderr skiff --log-format=json --no-such-global-flag list
    assert_failure
    echo "$stderr" | jq -e -s 'length == 1 and .[0].level == "error"'
  fi
  update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
  set_args /no-such-binary
  run --separate-stderr skiff --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_failure
  echo "$stderr" | jq -e -s 'length >= 1 and all(type == "object" and (.level | type == "string"))' >/dev/null ||
    fail "not JSON lines: $stderr"
  echo "$stderr" | jq -e -s 'last | .level == "error" and (.msg | contains("no-such-binary"))'
}

@test "flags: --debug and --systemd-cgroup are accepted" {
  run skiff --debug list
  assert_success
  run skiff --systemd-cgroup list
  assert_success
}

@test "create: a new session keyring named after the container, none with --no-new-keyring" {
  update_config '.linux.maskedPaths -= ["/proc/keys"]'
  set_args cat /proc/keys
  run --separate-stderr skiff run "$ID" </dev/null
  assert_success
  assert_output --partial "$ID"

  local id
  id=$(new_id)
  run --separate-stderr skiff run --no-new-keyring "$id" </dev/null
  assert_success
  refute_output --partial "$id"
}

# A createRuntime hook holds create half-way: it runs on the host after the namespaces and cgroup
# exist, before the init is released to wait for start.
hold_create_in_hook() {
  HOLD="$BATS_TEST_TMPDIR/hold"
  mkdir -p "$HOLD"
  update_config '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", $script]}]' --arg script "
    touch $HOLD/entered; n=0
    while [ ! -e $HOLD/go ] && [ \$n -lt 400 ]; do sleep 0.05; n=\$((n + 1)); done"
  defer touch "$HOLD/go"
}

@test "create: a runtime killed during create leaves nothing that blocks the id" {
  runc_lacks "recovery of an id whose create was killed (runc: \"container with given ID already exists\", cgroups left)"
  set_args sleep 1000
  hold_create_in_hook
  "$SKIFF" --root "$SKIFF_ROOT" create "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  local runtime=$!
  wait_for_file "$HOLD/entered" 10
  kill -9 "$runtime"
  wait "$runtime" || true
  touch "$HOLD/go"

  update_config 'del(.hooks)'
  create_container "$ID"
  [[ $(container_status "$ID") == created ]]
  skiff delete --force "$ID"
}

@test "state: creating while create is in progress" {
  runc_lacks "a creating status (its state says the container does not exist until created)"
  set_args sleep 1000
  hold_create_in_hook
  "$SKIFF" --root "$SKIFF_ROOT" create "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  local runtime=$!
  wait_for_file "$HOLD/entered" 10

  run container_status "$ID"
  assert_output creating
  run skiff list --format json
  echo "$output" | jq -e --arg id "$ID" '.[0].id == $id and .[0].status == "creating"'

  touch "$HOLD/go"
  wait "$runtime"
  [[ $(container_status "$ID") == created ]]
  skiff delete --force "$ID"
}

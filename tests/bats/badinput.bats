#!/usr/bin/env bats
# Bad input: every error is a clean exit with one stderr line that says what is wrong and where
# ("skiff: <command>: <what>"), and leaves nothing behind (the teardown's leak check). runc words its
# messages its own way: only the text looked for depends on the runtime (--runc), never the exit
# status or what is left behind. runc's log format escapes quotes, so its texts avoid them.

load helpers

setup() {
  requires root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# create of $ID fails as expect_error says, and the id stays free
create_fails() {
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "$@"
  run skiff state "$ID"
  assert_failure
}

# a container in STATUS (created, running or stopped)
container_in() {
  set_args sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done'
  create_container "$ID"
  case $1 in
  running) skiff start "$ID" ;;
  stopped) skiff start "$ID" && skiff kill "$ID" TERM && wait_for_status "$ID" stopped ;;
  esac
  [[ $(container_status "$ID") == "$1" ]]
}

# ---- config.json ---------------------------------------------------------------------------------

@test "config: malformed JSON" {
  printf '{"ociVersion": "1.0.2", "process": {' >config.json
  create_fails config.json --runc "unexpected EOF"
}

@test "config: not a JSON object" {
  echo '[]' >config.json
  create_fails config.json --runc "cannot unmarshal array"
}

@test "config: missing config.json" {
  rm config.json
  create_fails config.json --runc "config.json not found"
}

@test "config: ociVersion of the wrong type" {
  update_config '.ociVersion = 5'
  create_fails ociVersion --runc "ociVersion"
}

@test "config: process.args of the wrong type" {
  update_config '.process.args = "sh"'
  create_fails process.args --runc "process.args"
}

@test "config: process.args empty" {
  update_config '.process.args = []'
  create_fails process.args --runc "args must not be empty"
}

@test "config: process.user.uid of the wrong type" {
  update_config '.process.user.uid = "root"'
  create_fails process.user.uid --runc "process.user.uid"
}

@test "config: process missing" {
  update_config 'del(.process)'
  create_fails process --runc "process property must not be empty"
}

@test "config: process.cwd relative" {
  update_config '.process.cwd = "tmp"'
  create_fails process.cwd --runc "Cwd must be an absolute path"
}

@test "config: root missing" {
  update_config 'del(.root)'
  create_fails root --runc "root must be specified"
}

@test "config: root.path does not exist" {
  update_config '.root.path = "no-such-rootfs"'
  create_fails root.path no-such-rootfs "no such file or directory" --runc "no-such-rootfs: no such file or directory"
}

@test "config: root.path is not a directory" {
  touch not-a-dir
  update_config '.root.path = "not-a-dir"'
  create_fails not-a-dir --runc "not a directory"
}

@test "config: unknown namespace type" {
  update_config '.linux.namespaces[0].type = "foo"'
  create_fails 'linux.namespaces[0].type' 'unknown namespace "foo"' --runc namespace --runc foo --runc "does not exist"
}

@test "config: duplicate namespace type" {
  update_config '.linux.namespaces += [{type: "pid"}]'
  create_fails 'linux.namespaces[5]' pid --runc "duplicated ns"
}

@test "config: namespace path that does not exist" {
  add_namespace network /proc/999999999/ns/net
  create_fails /proc/999999999/ns/net
}

@test "config: namespace path of another namespace type" {
  requires ip
  local name="$ID_PREFIX-net"
  ip netns add "$name"
  defer ip netns delete "$name"
  add_namespace ipc "/var/run/netns/$name"
  create_fails 'linux.namespaces[4]' "/var/run/netns/$name" --runc-lines 6 --runc "setns into ipc namespace"
}

@test "config: empty mount destination" {
  runc_lacks "rejecting an empty mount destination"
  update_config '.mounts += [{destination: "", type: "tmpfs", source: "tmpfs"}]'
  create_fails 'mounts[7].destination' "must not be empty"
}

@test "config: proc or sysfs over a symlink or a file in the rootfs must be mounted on ordinary directory" {
  rmdir "$ROOTFS/proc"
  ln -s /tmp "$ROOTFS/proc"
  create_fails 'mounts[0] (/proc)' 'filesystem "proc" must be mounted on ordinary directory' \
    --runc "must be mounted on ordinary directory"
  rm "$ROOTFS/proc"
  mkdir "$ROOTFS/proc"
  rmdir "$ROOTFS/sys"
  touch "$ROOTFS/sys"
  create_fails '(/sys)' 'filesystem "sysfs" must be mounted on ordinary directory' \
    --runc "must be mounted on ordinary directory"
}

@test "config: mount of an unknown filesystem type" {
  update_config '.mounts += [{destination: "/x", type: "skiff-no-such-fs", source: "none"}]'
  create_fails /x --runc "no such device"
}

@test "config: bind mount of a missing source" {
  update_config '.mounts += [{destination: "/x", type: "bind", source: $s, options: ["bind"]}]' \
    --arg s "/nonexistent-$ID"
  create_fails "/nonexistent-$ID"
}

@test "config: hostname without a uts namespace" {
  remove_namespace uts
  # the host's own name: a runtime that wrongly sets it changes nothing
  update_config '.hostname = $h' --arg h "$(hostname)"
  create_fails hostname --runc "without a private UTS namespace"
}

@test "config: unknown rlimit" {
  update_config '.process.rlimits = [{type: "RLIMIT_FOO", soft: 1, hard: 1}]'
  create_fails 'process.rlimits[0].type' RLIMIT_FOO --runc RLIMIT_FOO
}

@test "config: duplicate rlimit" {
  runc_lacks "rejecting duplicate rlimits"
  update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1, hard: 1}, {type: "RLIMIT_NOFILE", soft: 2, hard: 2}]'
  create_fails 'process.rlimits[1]' RLIMIT_NOFILE
}

@test "config: sysctl outside the container's namespaces" {
  # the host's own value: a runtime that wrongly writes it changes nothing
  update_config '.linux.sysctl = {"vm.swappiness": $v}' --arg v "$(cat /proc/sys/vm/swappiness)"
  create_fails vm.swappiness
}

@test "config: unknown rootfsPropagation" {
  update_config '.linux.rootfsPropagation = "weird"'
  create_fails rootfsPropagation weird
}

@test "config: oomScoreAdj out of range" {
  update_config '.process.oomScoreAdj = 5000'
  create_fails oomScoreAdj --runc-lines 6 --runc oom_score_adj
}

# ---- size and shape: the cheapest denial of service --------------------------------------------

@test "config: nesting deeper than 10000 levels is refused at once" {
  head -c 10000000 /dev/zero | tr '\0' '[' >config.json
  local start=$SECONDS
  create_fails --runc "exceeded max depth" "config.json" "nested deeper than 10000 levels"
  ((SECONDS - start < 5)) || fail "took $((SECONDS - start)) s"
}

@test "config: a config.json over 16 MiB is refused before it is read, naming the sizes" {
  runc_lacks "a limit on the size of config.json"
  # valid JSON: one annotation of 17 MiB
  { printf '{"annotations": {"big": "'; head -c $((17 << 20)) /dev/zero | tr '\0' x; printf '"}, '; tail -c +2 config.json; } >big.json
  mv big.json config.json
  jq -e '.annotations.big | length == 17825792' config.json >/dev/null
  create_fails "config.json" "$(stat -c %s config.json) bytes" "16 MiB"
}

@test "config: 300000 variables in process.env are refused at create, in under a second, naming the sizes" {
  runc_lacks "the check of process.env against execve's limit at create"
  update_config '.process.env += [range(300000) | "V\(.)=\(.)"]'
  local start=$EPOCHREALTIME
  create_fails "config.json: process.env" "300002 variables" "more than the" "RLIMIT_STACK"
  local ms=$(( (${EPOCHREALTIME/./} - ${start/./}) / 1000 ))
  sanitizers_prevent "the refusal is checked, not its time: $ms ms (ASan's checked allocations of 300000 strings)"
  ((ms < 3000)) || fail "took $ms ms (the target is under a second on an idle machine)"
}

@test "config: 60000 variables in process.env reach the process, de-duplicated as runc does, quickly" {
  # a repeated name keeps its first position and takes its last value
  update_config '.process.env = ["PATH=/bin", "FIRST=1"] + [range(60000) | "V\(.)=\(.)"] + ["FIRST=last"]
    | .process.args = ["env"]'
  local start=$SECONDS
  run_container
  assert_success
  # runc 1.1 takes ~20 s here
  is_runc || ((SECONDS - start < 10)) || fail "took $((SECONDS - start)) s"
  [[ ${lines[1]} == FIRST=last && ${lines[2]} == V0=0 && ${lines[60001]} == V59999=59999 ]] ||
    fail "env: ${lines[*]:0:3} ... ${lines[60001]}"
  [[ $(grep -c '^FIRST=' <<<"$output") == 1 ]] || fail "FIRST reached the process twice"
}

@test "config: half a million annotations (a repeated key among them) cost n log n, not n squared" {
  update_config '.annotations = ([range(500000) | {key: "k\(.)", value: "\(.)"}] | from_entries)
    | .process.args = ["true"]'
  # a repeated key keeps its first place and its last value, as runc's Go map
  sed -i 's/"k0": "0"/"k0": "first", "k1": "1", "k0": "last"/' config.json
  local start=$SECONDS
  create_container "$ID"
  ((SECONDS - start < 20)) || fail "took $((SECONDS - start)) s"
  run skiff state "$ID"
  jq -e '.annotations.k0 == "last" and (.annotations | length) == 500000' <<<"$output" >/dev/null ||
    fail "annotations: $(jq -c '.annotations | {k0, k1, n: length}' <<<"$output")"
  skiff delete --force "$ID"
}

@test "run: args[0] not found in the container" {
  set_args no-such-program
  capture skiff run "$ID"
  # a runtime may exit 127 for a command not found
  expect_error run --max 127 no-such-program --runc no-such-program --runc "executable file not found"
  run skiff state "$ID"
  assert_failure
}

# ---- command line --------------------------------------------------------------------------------

@test "cli: invalid container ids" {
  local bad
  for bad in 'a/b' '..' 'a b' 'a:b'; do
    capture skiff create --bundle "$BUNDLE" "$bad"
    expect_error create invalid "$bad" --runc "invalid container ID format"
  done
  capture skiff create --bundle "$BUNDLE" ''
  expect_error create "container id" --runc "container id cannot be empty"
}

@test "cli: create of an id that exists leaves the first container alone" {
  container_in created
  local pid
  pid=$(container_pid "$ID")
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "$ID" exists --runc "already exists"
  [[ $(container_status "$ID") == created && $(container_pid "$ID") == "$pid" ]]
  skiff delete --force "$ID"
}

@test "cli: state of an unknown id" {
  capture skiff state "$ID"
  expect_error state "$ID" "does not exist" --runc "container does not exist"
}

@test "cli: start of an unknown id" {
  capture skiff start "$ID"
  expect_error start "$ID" "does not exist" --runc "container does not exist"
}

@test "cli: kill of an unknown id" {
  capture skiff kill "$ID" KILL
  expect_error kill "$ID" "does not exist" --runc "container does not exist"
}

@test "cli: delete of an unknown id" {
  capture skiff delete "$ID"
  expect_error delete "$ID" "does not exist" --runc "container does not exist"
}

@test "cli: kill with an unknown signal name leaves the container running" {
  container_in running
  capture skiff kill "$ID" FOO
  expect_error kill signal FOO --runc "unknown signal" --runc FOO
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "cli: kill with an out-of-range signal number" {
  container_in running
  capture skiff kill "$ID" 99
  expect_error kill signal 99 --runc "invalid argument"
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "cli: kill of a stopped container" {
  container_in stopped
  capture skiff kill "$ID" KILL
  expect_error kill "$ID" "not running" --runc "container not running"
  skiff delete "$ID"
}

@test "cli: missing bundle directory" {
  capture skiff create --bundle "/nonexistent-$ID" "$ID"
  expect_error create "/nonexistent-$ID"
}

@test "cli: start of a running container" {
  container_in running
  capture skiff start "$ID"
  expect_error start "$ID" running --runc "already running"
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "cli: start of a stopped container" {
  container_in stopped
  capture skiff start "$ID"
  expect_error start "$ID" stopped --runc "has stopped"
  skiff delete "$ID"
}

@test "cli: delete of a running container without --force leaves it running" {
  container_in running
  capture skiff delete "$ID"
  expect_error delete "$ID" running --runc "is not stopped: running"
  [[ $(container_status "$ID") == running ]]
  skiff delete --force "$ID"
}

@test "cli: create with a pid file in a missing directory leaves no container" {
  capture skiff create --bundle "$BUNDLE" --pid-file "/nonexistent-$ID/pid" "$ID"
  expect_error create "/nonexistent-$ID/pid" --runc "/nonexistent-$ID"
  run skiff state "$ID"
  assert_failure
}

@test "cli: unknown subcommand flag" {
  capture skiff create --bogus "$ID"
  expect_error create --bogus --runc "flag provided but not defined: -bogus"
}

@test "cli: unknown global flag" {
  capture skiff --bogus list
  expect_error "" --bogus --runc "flag provided but not defined: -bogus"
}

@test "cli: global flag without its value" {
  capture "$SKIFF" --root
  expect_error "" --root --runc "flag needs an argument: -root"
}

@test "cli: unknown subcommand" {
  capture skiff no-such-command
  expect_error "" no-such-command --runc "No help topic for 'no-such-command'"
}

@test "cli: missing container id" {
  local cmd
  for cmd in create start state kill delete run; do
    capture skiff "$cmd"
    expect_error "$cmd" "container id" --runc "$cmd" --runc "requires"
  done
}

@test "cli: extra arguments" {
  capture skiff state "$ID" extra-arg
  expect_error state extra-arg --runc "requires exactly 1 argument"
  capture skiff kill "$ID" KILL extra-arg
  expect_error kill extra-arg --runc "requires a maximum of 2 argument"
}

@test "cli: list with an unknown format" {
  capture skiff list --format xml
  expect_error list xml --runc "invalid format option"
}

@test "cli: an unknown --log-format" {
  capture skiff --log-format xml list
  expect_error "" xml --runc "invalid log-format: xml"
}

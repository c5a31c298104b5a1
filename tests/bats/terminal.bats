#!/usr/bin/env bats
# process.terminal (src/lib/terminal.c, init.c, container.c): the pty made in the container, sent
# to --console-socket (contrib/recvtty takes it) or relayed by a foreground `skiff run`.

load helpers

setup() {
  requires root
  setup_bundle
  update_config '.process.terminal = true'
  RECVTTY=''
  local dir
  for dir in "${SKIFF_BUILDDIR-}" "$(dirname "$SKIFF")" "$BATS_TEST_DIRNAME/../.."; do
    if [[ -n $dir && -x $dir/contrib/recvtty/recvtty ]]; then
      RECVTTY=$dir/contrib/recvtty/recvtty
      break
    fi
  done
  SOCK="$BATS_TEST_TMPDIR/tty.sock"
  TTY_OUT="$BATS_TEST_TMPDIR/tty.out"
}

teardown() {
  teardown_bundle
}

# start_recvtty: recvtty in single mode on $SOCK, its output in $TTY_OUT, its input what the test
# writes to fd 5 (a fifo); ready once its pid file exists.
start_recvtty() {
  # make builds it with skiff: its absence is a broken build, not a reason to skip
  [[ -n $RECVTTY ]] || fail "contrib/recvtty is not built (make; set SKIFF_BUILDDIR for a separate build tree)"
  local fifo="$BATS_TEST_TMPDIR/tty.in"
  mkfifo "$fifo"
  "$RECVTTY" --pid-file "$BATS_TEST_TMPDIR/recvtty.pid" "$SOCK" <"$fifo" >"$TTY_OUT" 2>&1 3>&- &
  RECVTTY_PID=$!
  defer kill "$RECVTTY_PID"
  exec 5>"$fifo"
  wait_for_file "$BATS_TEST_TMPDIR/recvtty.pid"
}

# send_input TEXT: typed into the pty
send_input() {
  printf '%s' "$1" >&5
}

# recvtty ends when the container side of the pty is closed
wait_recvtty() {
  exec 5>&-
  local tries=200
  while kill -0 "$RECVTTY_PID" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
  ! kill -0 "$RECVTTY_PID" 2>/dev/null || fail "recvtty still runs: $(cat "$TTY_OUT")"
}

# run_with_console CMD...: create with --console-socket, start, wait for the container to end
run_with_console() {
  set_args "$@"
  start_recvtty
  create_container "$ID" --console-socket "$SOCK"
  skiff start "$ID"
}

@test "terminal: the pty reaches --console-socket, input and output go both ways" {
  run_with_console sh
  send_input $'echo ping-$((6 * 7))\n'
  send_input $'exit\n'
  wait_recvtty
  wait_for_status "$ID" stopped
  run cat "$TTY_OUT"
  # the echo of the typed line holds the expression, only the shell's output holds its value
  assert_line --partial 'ping-$((6 * 7))'
  assert_line --regexp '^ping-42'
  skiff delete "$ID"
}

@test "terminal: stdin, stdout and stderr are the pty, and it is the controlling terminal" {
  run_with_console sh -c 'tty; readlink /proc/self/fd/1; readlink /proc/self/fd/2
    [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys
    echo via-dev-tty > /dev/tty
    set -- $(cat /proc/$$/stat); echo "tty_nr=$7 sid=$6 pid=$1"'
  wait_recvtty
  wait_for_status "$ID" stopped
  run cat "$TTY_OUT"
  assert_line --index 0 --regexp '^/dev/pts/[0-9]+\r?$'
  local pts=${lines[0]%$'\r'}
  assert_line --index 1 --regexp "^$pts"
  assert_line --index 2 --regexp "^$pts"
  assert_line --index 3 --regexp '^all-ttys'
  # /dev/tty opens only where there is a controlling terminal
  assert_line --index 4 --regexp '^via-dev-tty'
  # tty_nr: major 136 (pts) in bits 8-15, the pts number in the low bits; the process leads a session
  local n=${pts#/dev/pts/} fields
  fields=$(grep -o 'tty_nr=.*' "$TTY_OUT" | tr -d '\r')
  [[ $fields =~ ^tty_nr=([0-9]+)\ sid=([0-9]+)\ pid=([0-9]+)$ ]] || fail "stat: $fields"
  [[ ${BASH_REMATCH[1]} == $(((136 << 8) | n)) ]] || fail "tty_nr ${BASH_REMATCH[1]} is not $pts"
  [[ ${BASH_REMATCH[2]} == "${BASH_REMATCH[3]}" ]] || fail "not a session leader: $fields"
  skiff delete "$ID"
}

@test "terminal: /dev/console is the pty" {
  run_with_console sh -c 'stat -c "%t:%T" $(tty) /dev/console; echo console > /dev/console
    awk "\$5 == \"/dev/console\" { print \"mounted\" }" /proc/self/mountinfo'
  wait_recvtty
  wait_for_status "$ID" stopped
  run sh -c "tr -d '\r' <'$TTY_OUT'"
  assert_line --index 0 --regexp '^88:[0-9a-f]+$'
  assert_line --index 1 "${lines[0]}"
  assert_line --index 2 console
  assert_line --index 3 mounted
  skiff delete "$ID"
}

@test "terminal: the pty is an instance of the container's devpts, not the host's" {
  run_with_console sh -c 'ls -1 /dev/pts; stat -c "%t:%T" /dev/ptmx'
  wait_recvtty
  wait_for_status "$ID" stopped
  run sh -c "tr -d '\r' <'$TTY_OUT'"
  # a fresh devpts holds ptmx and this one pty only
  assert_line --index 0 0
  assert_line --index 1 ptmx
  skiff delete "$ID"
}

@test "terminal: process.consoleSize sets the window size" {
  update_config '.process.consoleSize = {height: 37, width: 101}'
  run_with_console stty size
  wait_recvtty
  wait_for_status "$ID" stopped
  run sh -c "tr -d '\r' <'$TTY_OUT'"
  assert_output "37 101"
  skiff delete "$ID"
}

@test "terminal: the pty belongs to process.user" {
  update_config '.process.user = {uid: 1000, gid: 1000}'
  run_with_console sh -c 'stat -c "%u" $(tty); id -u'
  wait_recvtty
  wait_for_status "$ID" stopped
  run sh -c "tr -d '\r' <'$TTY_OUT'"
  assert_output "$(printf '%s\n' 1000 1000)"
  skiff delete "$ID"
}

@test "terminal: run -d with --console-socket" {
  set_args sh -c 'echo detached-$((6 * 7))'
  start_recvtty
  run --separate-stderr skiff run -d --console-socket "$SOCK" "$ID" </dev/null
  assert_success
  wait_recvtty
  wait_for_status "$ID" stopped
  run cat "$TTY_OUT"
  assert_output --partial detached-42
  skiff delete "$ID"
}

@test "terminal: skiff run in the foreground on a terminal relays output and the exit status" {
  requires script
  set_args sh -c 'tty; echo relay-$((6 * 7)); exit 3'
  run script -qec "$(printf '%q ' "$SKIFF" --root "$SKIFF_ROOT" run "$ID")" /dev/null </dev/null
  assert_failure 3
  assert_output --regexp '/dev/pts/[0-9]+'
  assert_output --partial relay-42
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "run left its container"
}

@test "terminal: skiff run in the foreground does not stall on a startContainer hook's long output" {
  requires script
  # more than a pty buffer holds: the relay must run while the hook does
  update_config '.hooks.startContainer = [{path: "/bin/busybox", args: ["sh", "-c",
    "i=0; while [ $i -lt 3000 ]; do echo hook-line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i + 1)); done"]}]'
  set_args echo process-ran
  run timeout 30 script -qec "$(printf '%q ' "$SKIFF" --root "$SKIFF_ROOT" run "$ID")" /dev/null </dev/null
  assert_success
  assert_output --partial process-ran
}

@test "terminal: skiff run in the foreground relays input typed on the terminal" {
  requires script
  set_args sh
  # script reads its stdin and types it on its own pty, which skiff relays to the container's
  run bash -c "{ sleep 1; printf 'echo typed-\$((6 * 7))\nexit 5\n'; sleep 2; } |
    script -qec '$(printf '%q ' "$SKIFF" --root "$SKIFF_ROOT" run "$ID")' /dev/null"
  assert_failure 5
  assert_output --partial typed-42
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "run left its container"
}

@test "terminal: skiff run in the foreground with stdin not a terminal still relays" {
  runc_lacks "a foreground run with a terminal needs /dev/tty in runc"
  set_args sh -c 'tty >/dev/null && echo on-a-tty; read line; echo "got:$line"'
  run --separate-stderr skiff run "$ID" <<<"hello"
  assert_success
  assert_output --partial on-a-tty
  assert_output --partial got:hello
}

@test "terminal: create without --console-socket is a one-line error and leaves nothing" {
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "cannot allocate tty" "console socket" --runc "console socket"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
  run skiff state "$ID"
  assert_failure
}

@test "terminal: run -d without --console-socket is a one-line error and leaves nothing" {
  set_args true
  capture skiff run -d --bundle "$BUNDLE" "$ID"
  expect_error run "cannot allocate tty" "console socket" --runc "console socket"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

@test "terminal: --console-socket without process.terminal is a one-line error and leaves nothing" {
  update_config '.process.terminal = false'
  set_args true
  capture skiff create --bundle "$BUNDLE" --console-socket "$SOCK" "$ID"
  expect_error create "console socket" --runc "console socket"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

@test "terminal: a console socket nobody listens on is a one-line error and leaves nothing" {
  set_args true
  capture skiff create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nobody.sock" "$ID"
  expect_error create "nobody.sock" --runc "nobody.sock"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
  run skiff state "$ID"
  assert_failure
}

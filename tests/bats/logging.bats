#!/usr/bin/env bats
# --log, --log-format, --debug (src/lib/log.c, src/cli/options.c): the lines containerd's shim and
# podman read. containerd runs `runtime --log <bundle>/log.json --log-format json create ...` and,
# when create fails, shows the msg of the last error line; the same text must reach stderr too.

load helpers

setup() {
  requires root
  setup_bundle
  LOG="$BATS_TEST_TMPDIR/log"
}

teardown() {
  teardown_bundle
}

# Every line of the log is one JSON object with runc's three fields (logrus' JSON formatter).
assert_json_log() {
  [[ -s $LOG ]] || fail "the log is empty"
  jq -e -s 'all(type == "object" and (.level | type == "string") and (.msg | type == "string")
    and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")))' \
    "$LOG" >/dev/null || fail "not runc's JSON lines: $(cat "$LOG")"
}

@test "json: an error from the container's init is the last line of the log and the line on stderr" {
  set_args no-such-binary
  capture skiff --log "$LOG" --log-format json create --bundle "$BUNDLE" "$ID"
  expect_error create 'exec: "no-such-binary": executable file not found in $PATH'
  assert_json_log
  run jq -r -s 'last | select(.level == "error") | .msg' "$LOG"
  assert_output --partial 'exec: "no-such-binary": executable file not found in $PATH'
  # containerd shows the log's message; the user of the CLI sees the same on stderr
  [[ $stderr == *"$output"* || $output == *"${stderr#skiff: }"* ]] ||
    fail "stderr and the log differ: stderr \"$stderr\", log \"$output\""
  run skiff state "$ID"
  assert_failure
}

@test "text: the same error as a logrus text line" {
  set_args no-such-binary
  capture skiff --log "$LOG" --log-format text create --bundle "$BUNDLE" "$ID"
  expect_error create 'executable file not found'
  run tail -n 1 "$LOG"
  assert_output --regexp '^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[^"]+" level=error msg=".*exec: \\"no-such-binary\\": executable file not found in \$PATH.*"'
}

@test "json: an error of run and of exec reaches the log and stderr" {
  set_args no-such-binary
  run --separate-stderr skiff --log "$LOG" --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  expect_error run 'no-such-binary'
  jq -e -s 'last | .level == "error" and (.msg | contains("no-such-binary"))' "$LOG"

  set_args sleep 1000
  create_container "$ID"
  skiff start "$ID"
  : >"$LOG"
  capture skiff --log "$LOG" --log-format json exec "$ID" no-such-exec-binary
  expect_error exec --max 255 'no-such-exec-binary' # runc exits 255 here
  assert_json_log
  jq -e -s 'last | .level == "error" and (.msg | contains("no-such-exec-binary"))' "$LOG"
  skiff delete --force "$ID"
}

@test "log: lines are appended; a success writes no error line" {
  echo '{"level":"info","msg":"before","time":"2020-01-01T00:00:00Z"}' >"$LOG"
  set_args true
  run --separate-stderr skiff --log "$LOG" --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_success
  [[ -z $stderr ]] || fail "stderr: $stderr"
  assert_json_log
  [[ $(head -n 1 "$LOG") == *'"msg":"before"'* ]] || fail "the log was truncated"
  jq -e -s 'map(select(.level == "error")) | length == 0' "$LOG"
}

@test "json: a warning is a warning line, and a message with quotes and newlines stays one line" {
  update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_\"THING\""]'
  set_args true
  run --separate-stderr skiff --log "$LOG" --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_success
  assert_json_log
  jq -e -s 'any(.level == "warning" and (.msg | contains("CAP_NO_SUCH_\"THING\"")))' "$LOG"
  [[ $(wc -l <"$LOG") -eq $(jq -s length "$LOG") ]] || fail "a message spans lines: $(cat "$LOG")"
}

@test "debug: --debug adds debug lines to the log, none without it" {
  set_args true
  run --separate-stderr skiff --log "$LOG" --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_success
  if [[ -s $LOG ]]; then
    jq -e -s 'all(.level != "debug")' "$LOG"
  fi

  : >"$LOG"
  run --separate-stderr skiff --debug --log "$LOG" --log-format json run --bundle "$BUNDLE" "$(new_id)" </dev/null
  assert_success
  assert_json_log
  jq -e -s 'any(.level == "debug")' "$LOG" >/dev/null || fail "no debug line with --debug: $(cat "$LOG")"
  # the container's own output is not in the log
  [[ $(jq -s 'map(select(.level != "debug" and .level != "info")) | length' "$LOG") -eq 0 ]] ||
    fail "unexpected lines: $(cat "$LOG")"
}

@test "log: a bad --log-format or an unopenable --log is a one-line error" {
  run --separate-stderr skiff --log-format xml list
  expect_error "" --runc "invalid log-format" "log-format" xml
  run --separate-stderr skiff --log /nonexistent/dir/log list
  expect_error "" --runc "no such file" /nonexistent/dir/log "no such file"
}

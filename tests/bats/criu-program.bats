#!/usr/bin/env bats
# skiff-criu (src/cli/criu-program.c): with criu support, skiff checkpoint and restore run in a program
# of their own, which skiff executes with its whole command line, found beside skiff's own binary or
# in the configured libexec directory, never through $PATH or the current directory; skiff itself,
# which every run maps, holds no criu code. checkpoint.bats tests the commands themselves.

load helpers

setup() {
  requires root jq
  is_runc && skip "runc has checkpoint/restore built in: skiff-criu is skiff's"
  skiff features | jq -e '.annotations["org.skiff.checkpoint.enabled"] == "true"' >/dev/null ||
    skip "skiff was built without criu support (./configure --without-criu)"
  COPY=$BATS_TEST_TMPDIR/bin
  mkdir -p "$COPY"
  cp "$SKIFF" "$COPY/skiff"
}

# A stand-in skiff-criu at PATH that records its command line (one argument a line) in $1.log: the
# script's path, then the arguments after skiff's argv[0] (which the kernel replaces for a script).
fake_program() {
  printf '#!/bin/sh\nprintf "%%s\\n" "$0" "$@" >"%s.log"\necho fake ran >&2\nexit 7\n' "$1" >"$1"
  chmod 755 "$1"
}

@test "criu-program: checkpoint and restore execute skiff-criu beside skiff, with skiff's whole command line" {
  fake_program "$COPY/skiff-criu"
  run -7 "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" --log-format text checkpoint --image-path /x --leave-running c1
  printf '%s\n' "$COPY/skiff-criu" --root "$BATS_TEST_TMPDIR/state" --log-format text checkpoint \
    --image-path /x --leave-running c1 | diff - "$COPY/skiff-criu.log"
  run -7 "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" restore --bundle /b -d c2
  printf '%s\n' "$COPY/skiff-criu" --root "$BATS_TEST_TMPDIR/state" restore --bundle /b -d c2 |
    diff - "$COPY/skiff-criu.log"
  # `skiff help checkpoint` is skiff-criu's to answer as well
  run -7 "$COPY/skiff" help checkpoint
  printf '%s\n' "$COPY/skiff-criu" help checkpoint | diff - "$COPY/skiff-criu.log"
}

@test "criu-program: a skiff-criu in \$PATH or the current directory is never executed" {
  mkdir -p "$BATS_TEST_TMPDIR/path" "$BATS_TEST_TMPDIR/cwd"
  fake_program "$BATS_TEST_TMPDIR/path/skiff-criu"
  fake_program "$BATS_TEST_TMPDIR/cwd/skiff-criu"
  cd "$BATS_TEST_TMPDIR/cwd"
  PATH=$BATS_TEST_TMPDIR/path:.:$PATH run --separate-stderr "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" checkpoint c1
  ((status != 0))
  [[ ! -e $BATS_TEST_TMPDIR/path/skiff-criu.log && ! -e $BATS_TEST_TMPDIR/cwd/skiff-criu.log ]]
  # ... and, unless one is installed in the libexec directory, the error names where it looked
  local libexec
  libexec=$(grep -a -o '/[^[:space:]]*/skiff/skiff-criu' "$SKIFF" | head -1)
  [[ -n $libexec ]] || fail "no libexec path of skiff-criu in $SKIFF"
  if [[ ! -e $libexec ]]; then
    assert_equal "$stderr" "skiff: checkpoint: skiff-criu, which runs checkpoint and restore, is neither at $COPY/skiff-criu nor at $libexec"
  fi
}

@test "criu-program: the skiff binary, mapped by every run, holds none of criu's code or messages" {
  # the names of criu's RPC messages and libprotobuf-c's: strings of skiff-criu's read-only data
  local program
  program=$(dirname "$SKIFF")/skiff-criu
  [[ -x $program ]] || program=$(grep -a -o '/[^[:space:]]*/skiff/skiff-criu' "$SKIFF" | head -1)
  [[ -x $program ]] || fail "no skiff-criu beside $SKIFF or in the libexec directory it names"
  grep -q -a -e criu_req -e protobuf-c "$program" || fail "$program has no criu messages: the test looks for the wrong names"
  run grep -c -a -e criu_req -e protobuf-c "$SKIFF"
  assert_output 0
}

#!/usr/bin/env bats
# skiff-criu (src/cli/criu-program.c): with criu support, skiff checkpoint and restore run in a program
# of their own, which skiff executes with its whole command line, found beside skiff's own binary or
# in the configured libexec directory, never through $PATH or the current directory; skiff itself,
# which every run maps, holds no criu code. checkpoint.bats tests the commands themselves.

load helpers

setup() {
  requires root jq cc
  is_runc && skip "runc has checkpoint/restore built in: skiff-criu is skiff's"
  skiff features | jq -e '.annotations["org.skiff.checkpoint.enabled"] == "true"' >/dev/null ||
    skip "skiff was built without criu support (./configure --without-criu)"
  COPY=$BATS_TEST_TMPDIR/bin
  mkdir -p "$COPY"
  cp "$SKIFF" "$COPY/skiff"
  # A stand-in skiff-criu (a program: skiff executes the file it checked, by fd, which a script
  # cannot be run from) that records its command line, one argument a line, in <its path>.log.
  cat >"$BATS_TEST_TMPDIR/fake.c" <<'EOF_C'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 8);
  if (n < 0)
    return 2;
  strcpy(path + n, ".log");
  FILE *f = fopen(path, "w");
  for (int i = 0; f && i < argc; i++)
    fprintf(f, "%s\n", argv[i]);
  return f && fclose(f) == 0 ? 7 : 2;
}
EOF_C
  cc -o "$BATS_TEST_TMPDIR/fake" "$BATS_TEST_TMPDIR/fake.c" || fail "cc failed"
}

fake_program() {
  cp "$BATS_TEST_TMPDIR/fake" "$1"
}

@test "criu-program: checkpoint and restore execute skiff-criu beside skiff, with skiff's whole command line" {
  fake_program "$COPY/skiff-criu"
  run -7 "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" --log-format text checkpoint --image-path /x --leave-running c1
  printf '%s\n' "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" --log-format text checkpoint \
    --image-path /x --leave-running c1 | diff - "$COPY/skiff-criu.log"
  run -7 "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" restore --bundle /b -d c2
  printf '%s\n' "$COPY/skiff" --root "$BATS_TEST_TMPDIR/state" restore --bundle /b -d c2 |
    diff - "$COPY/skiff-criu.log"
  # `skiff help checkpoint` is skiff-criu's to answer as well
  run -7 "$COPY/skiff" help checkpoint
  printf '%s\n' "$COPY/skiff" help checkpoint | diff - "$COPY/skiff-criu.log"
}

@test "criu-program: a skiff-criu beside skiff that another user owns or may write is not executed" {
  fake_program "$COPY/skiff-criu"
  chown 65534 "$COPY/skiff-criu"
  run --separate-stderr "$COPY/skiff" checkpoint c1
  expect_error checkpoint "$COPY/skiff-criu: owned by uid 65534, neither root nor the owner of skiff's binary"
  chown 0 "$COPY/skiff-criu"
  chmod g+w "$COPY/skiff-criu"
  run --separate-stderr "$COPY/skiff" checkpoint c1
  expect_error checkpoint "$COPY/skiff-criu: writable by group or others"
  rm "$COPY/skiff-criu"
  mkdir "$COPY/skiff-criu"
  run --separate-stderr "$COPY/skiff" checkpoint c1
  expect_error checkpoint "$COPY/skiff-criu: not a regular file"
  [[ ! -e $COPY/skiff-criu.log ]]
}

# installed_program_path: the libexec path of skiff-criu that skiff holds, one NUL-terminated string
# of its read-only data (a sanitizer build packs other strings against it: a match across NULs took
# them in).
installed_program_path() {
  tr '\0' '\n' <"$SKIFF" | grep -a -x '/[^[:space:]]*/skiff/skiff-criu' | head -1
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
  libexec=$(installed_program_path)
  [[ -n $libexec ]] || fail "no libexec path of skiff-criu in $SKIFF"
  if [[ ! -e $libexec ]]; then
    assert_equal "$stderr" "skiff: checkpoint: skiff-criu, which runs checkpoint and restore, is neither at $COPY/skiff-criu nor at $libexec"
  fi
}

@test "criu-program: the skiff binary, mapped by every run, holds none of criu's code or messages" {
  # the names of criu's RPC messages and libprotobuf-c's: strings of skiff-criu's read-only data
  local program
  program=$(dirname "$SKIFF")/skiff-criu
  [[ -x $program ]] || program=$(installed_program_path)
  [[ -x $program ]] || fail "no skiff-criu beside $SKIFF or in the libexec directory it names"
  grep -q -a -e criu_req -e protobuf-c "$program" || fail "$program has no criu messages: the test looks for the wrong names"
  run grep -c -a -e criu_req -e protobuf-c "$SKIFF"
  assert_output 0
}

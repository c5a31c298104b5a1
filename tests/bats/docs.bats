#!/usr/bin/env bats
# man/: every page renders from the source tree without a warning, every command has its page, and
# the options each page lists are the options `--help` (the CLI's own table) lists, both ways.

load helpers

MAN_DIR="$BATS_TEST_DIRNAME/../../man"

# The commands `skiff --help` lists ("help" is not a command with a page of its own).
commands() {
  "$SKIFF" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' | grep -vx help
}

# The .SS section of skiff.8 for a command, the text man shows (\- as -, fonts gone). "run" takes
# create's options too, as its section says.
man_section() {
  local cmd=$1
  awk -v c="$cmd" '
    /^\.S[SH]/ { on = ($0 ~ "^\\.SS \"" c "[ \"]" || $0 ~ ", \"" c "[ \"]") }
    on' "$MAN_DIR/skiff.8" | sed 's/\\-/-/g; s/\\f[BIRP]//g'
  if [[ $cmd == run ]]; then man_section create; fi
}

# The options (-x and --xxx) in a --help text's "Options:" part, one a line.
help_options() {
  awk '/^(Global )?[Oo]ptions:/ { on = 1; next } /^$/ { on = 0 } on' |
    grep -oE '(^|[ ,])--?[a-zA-Z0-9][a-z0-9-]*' | tr -d ' ,' | sort -u
}

@test "docs: every man page renders from the source tree, without a warning from man or groff" {
  requires man
  local pages=("$MAN_DIR"/*.8) page warnings
  [[ ${#pages[@]} -ge 16 ]]
  for page in "${pages[@]}"; do
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || fail "$(basename "$page"): $warnings"
    MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME' || fail "$(basename "$page"): renders no NAME section"
  done
}

@test "docs: no macro line of a man page leaves a quote open (it shows as a stray \" in the page)" {
  run awk '/^\./ { s = $0; gsub(/\\"/, "", s); if (gsub(/"/, "", s) % 2) print FILENAME ":" FNR ": " $0 }' \
    "$MAN_DIR"/*.8
  assert_success
  assert_output ""
  # and in what man shows: an option's line never ends in a quote
  run bash -c "MANWIDTH=200 man -l '$MAN_DIR/skiff.8' 2>/dev/null | grep -E '^ +-.*[a-z]\"\$'"
  assert_output ""
}

@test "docs: every command has its page, man/skiff-<command>.8, and its section in skiff.8" {
  local cmd names=()
  mapfile -t names < <(commands)
  [[ ${#names[@]} -ge 15 ]] || fail "skiff --help lists ${#names[@]} commands"
  for cmd in "${names[@]}"; do
    [[ -e $MAN_DIR/skiff-$cmd.8 ]] || fail "no man/skiff-$cmd.8"
    [[ -n $(man_section "$cmd") ]] || fail "skiff.8 has no section for $cmd"
    grep -q "man/skiff-$cmd.8" "$MAN_DIR/Makemodule.am" || fail "man/Makemodule.am does not install skiff-$cmd.8"
  done
  # and skiff.8's list of commands names no command the binary lacks
  for cmd in $(sed -n 's/^\.SS "\([a-z]*\).*/\1/p' "$MAN_DIR/skiff.8"); do
    printf '%s\n' "${names[@]}" | grep -qx "$cmd" || fail "skiff.8 documents $cmd, skiff --help has no such command"
  done
}

@test "docs: each command's --help options are in its section of skiff.8, and the section lists no other" {
  local cmd opt section help
  for cmd in $(commands); do
    section=$(man_section "$cmd")
    help=$("$SKIFF" "$cmd" --help)
    for opt in $(help_options <<<"$help"); do
      [[ $opt == -h || $opt == --help ]] && continue
      grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" <<<"$section" || fail "$cmd: $opt (in --help) is not in skiff.8"
    done
    # an option the section describes (a .TP tag line) that --help does not know
    for opt in $(awk 'tag { print } { tag = ($0 == ".TP") }' <<<"$section" | grep -oE -- '--[a-z0-9-]+' | sort -u); do
      grep -qE -- "$opt([^a-z-]|\$)" <<<"$help" || fail "$cmd: $opt (in skiff.8) is not in --help"
    done
  done
}

@test "docs: skiff's global options and skiff-bridge's are in their pages" {
  local opt global
  global=$(awk '/^\.SH GLOBAL OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on' "$MAN_DIR/skiff.8" | sed 's/\\-/-/g')
  for opt in $("$SKIFF" --help | help_options); do
    [[ $opt == -h || $opt == --help ]] && continue
    grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" <<<"$global" || fail "global option $opt is not in skiff.8"
  done
  local bridge=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/skiff-bridge
  [[ -x $bridge ]] || fail "no $bridge (make builds it)"
  # its usage names its options in the synopsis, without an "Options:" part
  for opt in $("$bridge" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    sed 's/\\-/-/g' "$MAN_DIR/skiff-bridge.8" | grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" ||
      fail "skiff-bridge: $opt is not in skiff-bridge.8"
  done
}

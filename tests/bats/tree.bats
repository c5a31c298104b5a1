#!/usr/bin/env bats
# What the tree holds: oci/ (liboci.a) makes no system call (it parses buffers src/lib has read).

load helpers

@test "tree: liboci.a calls nothing from libc but memory, string and sort functions (no system call)" {
  local lib=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/liboci.a
  [[ -f $lib ]] || fail "no $lib (make builds it)"
  # what its objects call that none of them defines, yajl aside (and the sanitizers' runtime, which
  # --enable-sanitizers instruments every object with)
  run bash -c "comm -23 <(nm -u '$lib' | awk '{ print \$2 }' | sort -u) \
    <(nm --defined-only '$lib' | awk 'NF == 3 { print \$3 }' | sort -u) |
    grep -v -e '^yajl_' -e '^__asan_' -e '^__ubsan_' -e '^__lsan_' -e '^__sanitizer_'"
  local sym others=()
  for sym in $output; do
    [[ $sym =~ ^(mem(cpy|move|set|cmp|chr)|str[a-z_]*|(m|c|re)alloc|free|qsort|bsearch|__stack_chk_fail)$ ]] ||
      others+=("$sym")
  done
  [[ ${#others[@]} -eq 0 ]] || fail "oci/ calls ${others[*]}: a Linux call belongs in src/lib"
  [[ $output == *malloc* ]] || fail "nm found no calls at all in $lib: $output"
}

@test "tree: what make and make check build is ignored by git (no untracked program, object or backup)" {
  local top=$BATS_TEST_DIRNAME/../.. f built=()
  git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout (a release tarball)"
  while IFS= read -r f; do
    [[ $f == *~ || $f == *.o || $f == *.a || $(head -c 4 "$top/$f" 2>/dev/null | od -An -c | tr -d ' ') == 177ELF ]] &&
      built+=("$f")
  done < <(git -C "$top" ls-files --others --exclude-standard)
  [[ ${#built[@]} -eq 0 ]] || fail "not ignored by .gitignore: ${built[*]}"
  # and nothing generated is committed
  run git -C "$top" ls-files '*~' '*.o' '*.a' configure Makefile.in
  assert_output ""
}

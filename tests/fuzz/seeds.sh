#!/bin/sh
# seeds.sh SRCDIR TARGET DIR [REFERENCE_DIR]: writes TARGET's seed corpus into DIR: the project's
# own test configs, the committed seeds (tests/fuzz/seeds/), and the JSON examples of the specs
# under REFERENCE_DIR (oci-runtime-spec/*.md, cni/*.md) when it exists.
set -eu
srcdir=$1 target=$2 dir=$3 ref=${4:-}
mkdir -p "$dir"

# the ```json blocks of markdown files, one file each
markdown_json() {
  for md in "$@"; do
    [ -f "$md" ] || continue
    awk -v out="$dir/spec-$(basename "$md" .md)" '
      /^```json/ { n++; f = out "-" n ".json"; inside = 1; next }
      /^```/ { if (inside) close(f); inside = 0; next }
      inside { print > f }' "$md"
  done
}

copy() {
  for f in "$@"; do
    [ -f "$f" ] && cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
  return 0
}

case $target in
  fuzz-config)
    copy "$srcdir"/tests/bats/fixtures/*.json "$srcdir"/tests/unit/data/*.json
    [ -n "$ref" ] && markdown_json "$ref"/oci-runtime-spec/config*.md ;;
  fuzz-state)
    copy "$srcdir"/tests/unit/data/runc-state.json "$srcdir"/tests/fuzz/seeds/state/*
    [ -n "$ref" ] && markdown_json "$ref"/oci-runtime-spec/runtime.md ;;
  fuzz-bridge)
    copy "$srcdir"/tests/fuzz/seeds/bridge/*
    [ -n "$ref" ] && markdown_json "$ref"/cni/SPEC.md "$ref"/cni/CONVENTIONS.md ;;
  fuzz-cli | fuzz-format)
    copy "$srcdir"/tests/fuzz/seeds/"${target#fuzz-}"/* ;;
  *)
    echo "seeds.sh: unknown target $target" >&2
    exit 1 ;;
esac

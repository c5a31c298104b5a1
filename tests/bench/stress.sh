#!/bin/bash
# The load scenario of issue 14 (not a timed test: it prints figures and fails only on a failure or a
# leftover).
#
#   tests/bench/stress.sh [SKIFF]      (as root; `make stress` passes the freshly built ./skiff)
#
# 1. cycles: STRESS_CONTAINERS containers, each created, started, exec'd into (/bin/true), killed
#    (SIGKILL) and deleted, by STRESS_WORKERS workers in parallel; STRESS_ROUNDS rounds. After each
#    round: no state left, no cgroup, no process. Prints each operation's median, 95th percentile and
#    maximum (ms), and the failures.
# 2. population: containers running `sleep` (the busybox rootfs) added until STRESS_ALIVE's
#    populations are reached (default 10 100 1000), all alive at once; at each, `list` (which must show
#    them all), `state` and `delete --force` of one more container are timed (medians of
#    STRESS_SAMPLES): they must stay flat.
# Knobs: STRESS_CONTAINERS=100 STRESS_WORKERS=8 STRESS_ROUNDS=10 STRESS_ALIVE="10 100 1000"
#        STRESS_SAMPLES=10 STRESS_BUSYBOX=/bin/busybox (static). Exit status: 0 when nothing failed and
#        nothing was left.
[ -n "${BASH_VERSION-}" ] || exec bash "$0" "$@"
set -u
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# Detached containers are reparented to the nearest subreaper when their runtime exits: be it (bash
# reaps them), or they linger as zombies of pid 1 meanwhile.
if [[ -z ${STRESS_REAPER-} ]]; then
  export STRESS_REAPER=1
  exec perl -e 'require "syscall.ph"; syscall(&SYS_prctl, 36, 1, 0, 0, 0) == 0 or die "prctl: $!\n";
    exec @ARGV or die "exec: $!\n"' bash "$SELF" "$@" # 36: PR_SET_CHILD_SUBREAPER
fi

export LC_ALL=C # EPOCHREALTIME with a dot
die() { echo "stress: $*" >&2; exit 1; }
((EUID == 0)) || die "run as root"
SKIFF=$(realpath "${1:-$(dirname "$SELF")/../../skiff}") || die "no skiff binary"
CONTAINERS=${STRESS_CONTAINERS:-100} WORKERS=${STRESS_WORKERS:-8} ROUNDS=${STRESS_ROUNDS:-10}
ALIVE=${STRESS_ALIVE-10 100 1000} SAMPLES=${STRESS_SAMPLES:-10}
BUSYBOX=${STRESS_BUSYBOX:-/bin/busybox}
[[ -x $BUSYBOX ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || die "needs a static busybox at $BUSYBOX"

TMP=$(mktemp -d /tmp/skiff-stress.XXXXXX) || exit 1
ROOT=$TMP/state
TAG="stress$$"
trap cleanup EXIT
cleanup() {
  local id
  for id in $(ls "$ROOT" 2>/dev/null); do sk delete --force "$id"; done
  rm -rf "$TMP"
}

sk() { timeout -k 5 60 "$SKIFF" --root "$ROOT" "$@" </dev/null >/dev/null 2>>"$TMP/errors"; }

# --- the bundle: busybox, `sleep 1000000` in the usual namespaces, a cgroup per container ------------
mkdir -p "$TMP/bundle/rootfs/bin" "$TMP/bundle/rootfs"/{proc,dev,sys,tmp,etc}
cp "$BUSYBOX" "$TMP/bundle/rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$TMP/bundle/rootfs/bin/$applet"
done
"$SKIFF" spec --bundle "$TMP/bundle" || die "skiff spec failed"
jq '.process.terminal = false | .process.args = ["sleep", "1000000"] | .root.readonly = true' \
  "$TMP/bundle/config.json" >"$TMP/config.json" && mv "$TMP/config.json" "$TMP/bundle/config.json"
BUNDLE=$TMP/bundle

# --- timing ------------------------------------------------------------------------------------------

# timed OP CMD...: runs CMD; appends "OP milliseconds" to the worker's file, or "OP FAIL"
timed() {
  local op=$1 t0=$EPOCHREALTIME
  shift
  if "$@"; then
    local t1=$EPOCHREALTIME
    echo "$op $(((${t1/./} - ${t0/./}) / 1000)).$(((${t1/./} - ${t0/./}) % 1000 / 100))" >>"$OUT"
  else
    echo "$op FAIL" >>"$OUT"
  fi
}

wait_stopped() { # ID: up to 10 s
  local tries=200
  while ((tries-- > 0)); do
    [[ $("$SKIFF" --root "$ROOT" state "$1" 2>/dev/null) == *'"status": "stopped"'* ]] && return 0
    sleep 0.05
  done
  return 1
}

cycle() { # ID: the life of one container
  local id=$1
  timed create sk create --bundle "$BUNDLE" "$id"
  timed start sk start "$id"
  timed exec sk exec "$id" /bin/true
  timed kill sk kill "$id" KILL
  wait_stopped "$id" || echo "kill FAIL" >>"$OUT"
  timed delete sk delete "$id"
}

worker() { # W ROUND: containers W, W+WORKERS, ...
  local w=$1 round=$2 i
  OUT=$TMP/times.$w
  for ((i = w; i < CONTAINERS; i += WORKERS)); do cycle "$TAG-$round-$i"; done
}

# summary FILES...: per operation, count, median, p95, max (ms) and failures
summary() {
  sort -k1,1 -k2,2n "$@" | awk '
    !($1 in seen) { seen[$1] = 1; order[++ops] = $1 }
    $2 == "FAIL" { fail[$1]++; next }
    { k = ++n[$1]; v[$1, k] = $2 }
    END {
      for (i = 1; i <= ops; i++) {
        op = order[i]; k = n[op] + 0
        printf "  %-8s %6d ok %4d failed", op, k, fail[op] + 0
        if (k) printf "   median %7.1f ms   p95 %7.1f ms   max %7.1f ms", v[op, int((k + 1) / 2)], v[op, int(k * 0.95 + 0.999)], v[op, k]
        printf "\n"
      }
    }'
}

# leftovers: state entries, cgroups and processes named after this run
leftovers() {
  local n=0 d
  for d in "$ROOT"/*; do
    [[ -e $d ]] && { echo "  left: state $d"; n=$((n + 1)); }
  done
  while read -r d; do
    [[ -n $d ]] && { echo "  left: cgroup $d"; n=$((n + 1)); }
  done < <(find /sys/fs/cgroup -maxdepth 6 -type d -name "$TAG-*" 2>/dev/null)
  while read -r d; do
    [[ -n $d ]] && { echo "  left: process ${d%%:*}"; n=$((n + 1)); }
  done < <(grep -l -F -- "$TAG-" /proc/[0-9]*/cgroup 2>/dev/null)
  return $((n > 0))
}

failures=0
echo "skiff stress: $SKIFF, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
if ((ROUNDS > 0 && CONTAINERS > 0)); then
  echo "cycles: $CONTAINERS containers x $ROUNDS rounds, $WORKERS workers (create, start, exec, kill, delete)"
  T0=$EPOCHREALTIME
  for ((round = 0; round < ROUNDS; round++)); do
    for ((w = 0; w < WORKERS; w++)); do worker "$w" "$round" & done
    wait
    leftovers || { echo "  round $round: leftovers"; failures=$((failures + 1)); }
  done
  T1=$EPOCHREALTIME
  summary "$TMP"/times.*
  f=$(cat "$TMP"/times.* | grep -c FAIL)
  failures=$((failures + f))
  echo "  $((CONTAINERS * ROUNDS)) lives in $(((${T1/./} - ${T0/./}) / 1000000)) s, $f failed operations"
  rm -f "$TMP"/times.*
fi

# --- population: everything alive at once --------------------------------------------------------------
populate_worker() { # W FROM TO
  local w=$1 i
  for ((i = $2 + w; i < $3; i += WORKERS)); do
    sk run --detach --bundle "$BUNDLE" "$TAG-alive-$i" || echo "run FAIL" >>"$TMP/pop.$w"
  done
}

alive=0
if [[ -n $ALIVE ]]; then
  echo "population: containers running sleep, all alive at once; at each population, medians of $SAMPLES"
  for target in $ALIVE; do
    T0=$EPOCHREALTIME
    for ((w = 0; w < WORKERS; w++)); do populate_worker "$w" "$alive" "$target" & done
    wait
    T1=$EPOCHREALTIME
    grown=$((target - alive))
    alive=$target
    if [[ -n $(cat "$TMP"/pop.* 2>/dev/null) ]]; then
      echo "  $(cat "$TMP"/pop.* | wc -l) runs failed growing to $target"
      failures=$((failures + 1))
    fi
    listed=$("$SKIFF" --root "$ROOT" list -q | grep -c "^$TAG-alive-")
    if ((listed != target)); then
      echo "  list shows $listed containers, not $target"
      failures=$((failures + 1))
    fi
    OUT=$TMP/scale.$target
    sk run --detach --bundle "$BUNDLE" "$TAG-probe"
    for ((i = 0; i < SAMPLES; i++)); do
      timed list sk list
      timed state sk state "$TAG-probe"
    done
    sk delete --force "$TAG-probe"
    for ((i = 0; i < SAMPLES; i++)); do
      sk run --detach --bundle "$BUNDLE" "$TAG-probe-$i"
      timed delete-f sk delete --force "$TAG-probe-$i"
    done
    echo "at $target alive (grown by $grown in $(((${T1/./} - ${T0/./}) / 1000000)) s):"
    summary "$OUT"
    failures=$((failures + $(grep -c FAIL "$OUT")))
  done
  echo "depopulating"
  ls "$ROOT" >"$TMP/ids"
  for id in $(<"$TMP/ids"); do sk kill "$id" KILL; done
  for ((w = 0; w < WORKERS; w++)); do
    (for id in $(awk -v w="$w" -v n="$WORKERS" 'NR % n == w' "$TMP/ids"); do
      sk delete --force "$id" || echo "$id" >>"$TMP/undeleted"
    done) &
  done
  wait
  [[ -s $TMP/undeleted ]] && { echo "  delete --force failed: $(wc -l <"$TMP/undeleted")"; failures=$((failures + 1)); }
  sleep 1
  leftovers || failures=$((failures + 1))
fi

if [[ -s $TMP/errors ]]; then
  echo "skiff's errors (first 10):"
  sort "$TMP/errors" | uniq -c | sort -rn | head -10
fi
echo "stress: $failures failure(s)"
((failures == 0))

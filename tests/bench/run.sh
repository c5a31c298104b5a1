#!/bin/bash
# skiff's benchmarks: skiff, crun and runc side by side, in one run, on one busybox-static bundle.
#
#   tests/bench/run.sh [SKIFF]         (as root; `make bench` passes the freshly built ./skiff)
#
# Prints a table of medians (wall clock of the runtime's command, fork+exec included) with the ratios
# skiff/crun and skiff/runc, and PASS/MISS against skiff's targets. Knobs, from the environment:
#   BENCH_ITER=50          samples of run, create/start/delete, exec, state
#   BENCH_WARMUP=3         untimed runs before those
#   BENCH_COUNTS="10 200 1000"  populations of running containers for the scaling rows ("" skips them)
#   BENCH_SCALE_ITER=15    samples per population
#   BENCH_RSS_ITER=10      samples of peak RSS
#   BENCH_DOCKER_ITER=20   samples of `docker run --rm` per runtime
#   BENCH_TESTS="run exec rss memlimit scale network docker"   which measurements (docker: when
#                          docker.io is there; network: skiff-bridge's ADD+DEL against the
#                          reference plugins and its hooks' cost per run, network.sh)
#   BENCH_NET_ITER=30      samples of those
#   BENCH_RUNTIMES="skiff crun runc"; CRUN=path RUNC=path BENCH_BUSYBOX=/bin/busybox (static)
#   BENCH_KEEP_ERR=DIR     keep the runtimes' stderr (and what a hung command was doing) in DIR
# The defaults take 2-3 minutes on an idle 2-CPU machine (longer under load), most of it the scaling rows.
[ -n "${BASH_VERSION-}" ] || exec bash "$0" "$@" # `make bench` runs $(SHELL), which may be dash
set -u
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
. "$(dirname "$SELF")/lib.sh"

if [[ ${1-} == --serve ]]; then # a runtime's server, RT_* from the environment (see lib.sh)
  serve
  exit 0
fi

# Detached containers outlive the runtime that started them; when they die they are reparented to the
# nearest subreaper. Be that subreaper (and reap them, as bash does), or they stay zombies here.
if [[ -z ${BENCH_REAPER-} ]]; then
  export BENCH_REAPER=1
  exec perl -e 'require "syscall.ph"; syscall(&SYS_prctl, 36, 1, 0, 0, 0) == 0 or die "prctl: $!\n";
    exec @ARGV or die "exec: $!\n"' bash "$SELF" "$@" # 36: PR_SET_CHILD_SUBREAPER
fi

die() { echo "bench: $*" >&2; exit 1; }
((EUID == 0)) || die "run as root"
SKIFF=$(command -v "${1:-skiff}") || die "no skiff binary: give its path"
CRUN=${CRUN:-$(command -v crun)} || die "crun not found (apt-get install crun)"
RUNC=${RUNC:-$(command -v runc)} || die "runc not found (apt-get install runc)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
export BENCH_BUSYBOX=${BENCH_BUSYBOX:-/bin/busybox}
file -L "$BENCH_BUSYBOX" 2>/dev/null | grep -q 'statically linked' || die "$BENCH_BUSYBOX: not a static busybox"
export BENCH_ITER=${BENCH_ITER:-50} BENCH_WARMUP=${BENCH_WARMUP:-3} BENCH_SCALE_ITER=${BENCH_SCALE_ITER:-15}
export BENCH_RSS_ITER=${BENCH_RSS_ITER:-10} BENCH_COUNTS=${BENCH_COUNTS-10 200 1000}
BENCH_DOCKER_ITER=${BENCH_DOCKER_ITER:-20}
RUNTIMES=${BENCH_RUNTIMES:-skiff crun runc}
HAVE_DOCKER=true
for cmd in "$DOCKER_CLI" /usr/sbin/dockerd containerd jq nsenter ip; do command -v "$cmd" >/dev/null || HAVE_DOCKER=false; done
TESTS=${BENCH_TESTS:-run exec rss memlimit scale network $($HAVE_DOCKER && echo docker)}
[[ $TESTS != *docker* ]] || $HAVE_DOCKER || die "the docker row needs docker.io, containerd, jq, nsenter and ip"
[[ -z $BENCH_COUNTS ]] && TESTS=${TESTS/scale/}

bin_of() { case $1 in skiff) echo "$SKIFF" ;; crun) echo "$CRUN" ;; runc) echo "$RUNC" ;; esac; }
tag_of() { case $1 in skiff) echo sk ;; crun) echo cr ;; runc) echo rc ;; esac; }

# crun 1.8.1 refuses hybrid cgroup hosts: give it a private mount namespace without the v2 mount.
HYBRID=false
mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && HYBRID=true
in_env() { # RUNTIME CMD...: CMD with RT_* set, crun's namespace if needed
  local rt=$1
  shift
  set -- env RT_NAME="$rt" RT_BIN="$(bin_of "$rt")" RT_ROOT="$BENCH_TMP/root-$rt" RT_TAG="$(tag_of "$rt")" "$@"
  if [[ $rt == crun && $HYBRID == true ]]; then
    unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@"
  else
    "$@"
  fi
}

declare -A TO FROM SERVER SAMPLES RES
cleanup() {
  trap - EXIT INT TERM
  trap '' PIPE # the reader of our output may be gone (Ctrl-C on `run.sh | tee`): clean up all the same
  local rt dir cg
  for rt in "${!SERVER[@]}"; do kill "${SERVER[$rt]}" 2>/dev/null; done
  docker_down
  wait
  for rt in $RUNTIMES; do
    for dir in "$BENCH_TMP/root-$rt"/bench-*; do
      [[ -e $dir ]] || continue
      echo "bench: cleanup: $rt delete --force ${dir##*/}" >&2
      in_env "$rt" "$(bin_of "$rt")" --root "$BENCH_TMP/root-$rt" delete --force "${dir##*/}" >/dev/null 2>&1
    done
  done
  # cgroups named after our ids that a runtime left behind (deepest first; only empty ones go)
  find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -depth -type d -name 'bench-[sc][kr]*' 2>/dev/null |
    while read -r cg; do rmdir "$cg" 2>/dev/null && echo "bench: cleanup: removed cgroup $cg" >&2; done
  [[ -n ${BENCH_TMP-} ]] && rm -rf "$BENCH_TMP"
}
BENCH_TMP=$(mktemp -d /tmp/skiff-bench.XXXXXX) || die "mktemp"
export BENCH_TMP
trap cleanup EXIT
trap 'echo "bench: interrupted, cleaning up" >&2; exit 130' INT TERM

make_rootfs "$BENCH_TMP/rootfs"
make_bundle "$BENCH_TMP/true" '["/bin/true"]'
# the same with CAP_SYS_PTRACE: skiff runs such containers from a sealed copy of itself (CVE-2019-5736)
make_bundle "$BENCH_TMP/ptrace" '["/bin/true"]'
make_bundle "$BENCH_TMP/ptrace-sleep" '["sleep", "1000000"]'
sed -i -E '/"(bounding|effective|permitted)"/s/"CAP_NET_BIND_SERVICE"\]/"CAP_NET_BIND_SERVICE", "CAP_SYS_PTRACE"]/' \
  "$BENCH_TMP/ptrace/config.json" "$BENCH_TMP/ptrace-sleep/config.json"
# For peak RSS, a container process smaller than any runtime (busybox alone peaks at ~1.3 MiB): a static
# C program that returns at once, if a compiler is there.
RSS_CMD=/bin/exit0
echo 'int main(void) { return 0; }' >"$BENCH_TMP/exit0.c"
cc -Os -static -o "$BENCH_TMP/rootfs/bin/exit0" "$BENCH_TMP/exit0.c" 2>/dev/null || RSS_CMD=/bin/true
make_bundle "$BENCH_TMP/rss" "[\"$RSS_CMD\"]"
make_bundle "$BENCH_TMP/sleep" '["sleep", "1000000"]'
for rt in $RUNTIMES; do mkdir -p "$BENCH_TMP/root-$rt"; done

# One server per runtime, talking through two FIFOs. The opens pair up in order (our write end of .in
# with its stdin, then our read end of .out with its stdout), and we hold no write end of .out: when a
# server dies, reading its answer ends.
for rt in $RUNTIMES; do
  mkfifo "$BENCH_TMP/$rt.in" "$BENCH_TMP/$rt.out"
  in_env "$rt" bash "$SELF" --serve <"$BENCH_TMP/$rt.in" >"$BENCH_TMP/$rt.out" &
  SERVER[$rt]=$!
  exec {fd}>"$BENCH_TMP/$rt.in" && TO[$rt]=$fd
  exec {fd}<"$BENCH_TMP/$rt.out" && FROM[$rt]=$fd
done

ask() { # RUNTIME REQUEST...: one request; files the samples it answers with
  local line
  echo "${*:2}" >&"${TO[$1]}"
  while read -r -u "${FROM[$1]}" line; do
    [[ $line == . ]] && return
    SAMPLES[${line% *},$1]+=" ${line##* }"
  done
  die "the $1 server is gone"
}
TURN=0
each() { # REQUEST...: to every runtime, starting with the next one each time (no runtime always first)
  local rts i
  read -ra rts <<<"$RUNTIMES"
  for ((i = 0; i < ${#rts[@]}; i++)); do ask "${rts[(i + TURN) % ${#rts[@]}]}" "$@"; done
  TURN=$((TURN + 1))
}
progress() { echo "bench: $*" >&2; }

for test in $TESTS; do
  case $test in
  run)
    progress "run, create/start/delete ($BENCH_ITER samples each)"
    for ((i = 0; i < BENCH_WARMUP; i++)); do each warm "$i"; done
    for ((i = 0; i < BENCH_ITER; i++)); do each run "$i"; done
    for ((i = 0; i < BENCH_ITER; i++)); do each cycle "$i"; done
    for ((i = 0; i < BENCH_ITER; i++)); do each run_ptrace "$i"; done
    ;;
  exec)
    progress "exec, state ($BENCH_ITER samples each)"
    each exec_setup
    for ((i = 0; i < BENCH_ITER; i++)); do each exec "$i"; done
    for ((i = 0; i < BENCH_ITER; i++)); do each state "$i"; done
    each exec_teardown
    each exec_ptrace_setup
    for ((i = 0; i < BENCH_ITER; i++)); do each exec_ptrace "$i"; done
    each exec_ptrace_teardown
    ;;
  rss)
    progress "peak RSS ($BENCH_RSS_ITER samples)"
    for ((i = 0; i < BENCH_RSS_ITER; i++)); do each rss "$i"; done
    ;;
  memlimit)
    progress "smallest memory limit (bisection)"
    each memlimit
    ;;
  scale) # one runtime at a time: 3 populations of 1000 at once stall the kernel of a 2-CPU machine
    for rt in $RUNTIMES; do
      for count in $BENCH_COUNTS; do
        progress "$rt with $count containers ($BENCH_SCALE_ITER samples)"
        ask "$rt" populate "$count"
        for ((i = 0; i < BENCH_SCALE_ITER; i++)); do ask "$rt" scale "$count" "$i"; done
      done
      ask "$rt" depopulate
    done
    ;;
  docker)
    progress "docker run --rm ($BENCH_DOCKER_ITER samples each)"
    read -ra rts <<<"$RUNTIMES"
    docker_up "${rts[@]}" || die "dockerd did not start"
    each docker_warm
    for ((i = 0; i < BENCH_DOCKER_ITER; i++)); do each docker "$i"; done
    docker_down
    ;;
  network) # skiff's alone, in network namespaces of its own: its report goes under the table
    progress "skiff-bridge: ADD+DEL against bridge + host-local, the hooks' cost per run"
    NETWORK_REPORT=$(bash "$(dirname "$SELF")/network.sh" "$SKIFF") || NETWORK_REPORT="network: failed"
    ;;
  *) die "unknown test $test" ;;
  esac
done
for rt in $RUNTIMES; do
  echo quit >&"${TO[$rt]}"
  wait "${SERVER[$rt]}"
  unset "SERVER[$rt]"
done
for key in "${!SAMPLES[@]}"; do # the medians
  # shellcheck disable=SC2086 # the samples are a space-separated list of numbers
  RES[$key]=$(printf '%s\n' ${SAMPLES[$key]} | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
done
for rt in $RUNTIMES; do
  strip -o "$BENCH_TMP/stripped" "$(bin_of "$rt")" && RES[stripped,$rt]=$(stat -c %s "$BENCH_TMP/stripped")
done

# --- the report -------------------------------------------------------------------------------------

val() { local v=${RES[$1,$2]-}; [[ $v =~ ^[0-9]+$ ]] && echo "$v"; }
fmt() { # KEY VALUE
  [[ -z $2 ]] && { echo -; return; }
  case $1 in
  rss | memlimit) echo "$2 KiB" ;;
  stripped) awk -v b="$2" 'BEGIN { printf "%.0f KiB", b / 1024 }' ;;
  *) awk -v us="$2" 'BEGIN { printf "%.2f ms", us / 1000 }' ;;
  esac
}
ratio() { [[ -n $1 && -n $2 && $2 != 0 ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo -; }
verdict() { [[ -n $1 ]] && awk -v x="$1" -v max="$2" 'BEGIN { print (x <= max ? "PASS" : "MISS") }' || echo "MISS (no value)"; }

row() { # KEY LABEL [TARGET-TEXT VERDICT]
  local sk cr rc
  sk=$(val "$1" skiff) cr=$(val "$1" crun) rc=$(val "$1" runc)
  printf '%-26s %11s %11s %11s %7s %7s  %s\n' "$2" "$(fmt "$1" "$sk")" "$(fmt "$1" "$cr")" "$(fmt "$1" "$rc")" \
    "$(ratio "$sk" "$cr")" "$(ratio "$sk" "$rc")" "${3-} ${4-}"
}

first_count=${BENCH_COUNTS%% *} last_count=${BENCH_COUNTS##* }
growth() { ratio "$(val "$1@$last_count" "$2")" "$(val "$1@$first_count" "$2")"; }

version() { "$(bin_of "$1")" --version 2>/dev/null | head -1; }
echo
echo "skiff benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"
for rt in $RUNTIMES; do echo "  $rt: $(bin_of "$rt") ($(version "$rt"))"; done
echo "bundle: busybox-static rootfs (read-only), runc spec's default config (pid/net/ipc/uts/mount namespaces,"
echo "  7 mounts, masked/readonly paths), ociVersion 1.0.2-dev, terminal false; a fresh --root per runtime"
echo "times: medians of $BENCH_ITER samples (after $BENCH_WARMUP warm-up) of the runtime's command, wall clock incl."
echo "  fork+exec; the runtimes take turns sample by sample, so that load from elsewhere hits all three alike"
echo "peak RSS: ru_maxrss of \`run $RSS_CMD\` from /usr/bin/time, median of $BENCH_RSS_ITER (the container process is in it)"
echo "min memory.limit: the smallest linux.resources.memory.limit (by bisection, 4 KiB steps) under which"
echo "  \`run echo ok\` prints ok: what the runtime's init charges after placing itself in the cgroup, and echo"
$HYBRID && echo "note: hybrid cgroup host: crun (1.8.1 refuses hybrid) ran in a private mount namespace" \
  "with /sys/fs/cgroup/unified unmounted; skiff and runc ran on the host's mounts"
if [[ $TESTS == *docker* ]]; then
  echo "docker: \`docker run --rm --network none\` of /bin/true (busybox image, overlay2), median of $BENCH_DOCKER_ITER;"
  echo "  $("$DOCKER_CLI" --version | sed 's/,.*//'), one dockerd with the three runtimes in its daemon.json"
  $HYBRID && echo "  (that dockerd, and so all three runtimes, in a mount namespace without /sys/fs/cgroup/unified)"
fi
echo
printf '%-26s %11s %11s %11s %7s %7s  %s\n' "" skiff crun runc sk/crun sk/runc "target"
if [[ $TESTS == *run* ]]; then
  row run "run /bin/true" "<=0.6x crun" "$(verdict "$(ratio "$(val run skiff)" "$(val run crun)")" 0.6)"
  row run_ptrace "run, CAP_SYS_PTRACE"
  row create "create"
  row start "start"
  row delete "delete (stopped)"
fi
if [[ $TESTS == *exec* ]]; then
  row exec "exec /bin/true" "<=0.6x crun" "$(verdict "$(ratio "$(val exec skiff)" "$(val exec crun)")" 0.6)"
  row exec_ptrace "exec, CAP_SYS_PTRACE"
  row state "state" "<=0.5x crun" "$(verdict "$(ratio "$(val state skiff)" "$(val state crun)")" 0.5)"
fi
if [[ $TESTS == *rss* ]]; then
  row rss "peak RSS of run" "<=1536 KiB" "$(verdict "$(val rss skiff)" 1536)"
fi
if [[ $TESTS == *memlimit* ]]; then
  row memlimit "min memory.limit, run echo" "<=128 KiB" "$(verdict "$(val memlimit skiff)" 128)"
fi
row stripped "stripped binary" "<=400 KiB" "$(verdict "$(val stripped skiff)" 409600)"
# checkpoint/restore's code lives in skiff-criu (src/cli/criu-program.c): linked back into skiff, every
# run would map and relocate it (~50 KiB of peak RSS). criu's message names are strings of that code.
if [[ " $RUNTIMES " == *" skiff "* ]]; then
  criu_program=$(dirname "$SKIFF")/skiff-criu
  [[ -x $criu_program ]] && strip -o "$BENCH_TMP/stripped-criu" "$criu_program" &&
    printf '%-26s %11s\n' "stripped skiff-criu" "$(fmt stripped "$(stat -c %s "$BENCH_TMP/stripped-criu")")"
  if grep -q -a -e criu_req -e protobuf-c "$SKIFF"; then
    printf '%-26s %11s %35s  %s\n' "criu code in skiff" linked "" "none MISS"
  else
    printf '%-26s %11s %35s  %s\n' "criu code in skiff" none "" "none PASS"
  fi
fi
if [[ $TESTS == *docker* ]]; then
  row docker "docker run --rm /bin/true"
fi
if [[ $TESTS == *scale* ]]; then
  echo
  echo "with N detached 'sleep' containers of the runtime running ($BENCH_SCALE_ITER samples each: run --detach"
  echo "of one more after a 0.2 s pause, its state, list, its delete --force; one runtime at a time);"
  echo "'populate' is the mean time of one detached run while growing to N"
  for key in run-d state list delete-f populate; do
    for count in $BENCH_COUNTS; do row "$key@$count" "$key @$count"; done
  done
  echo
  echo "growth from $first_count to $last_count containers (cost@$last_count / cost@$first_count; flat: <=1.25)"
  printf '%-26s %11s %11s %11s\n' "" skiff crun runc
  for key in run-d state list delete-f; do
    target=""
    [[ $key != list ]] && target="flat $(verdict "$(growth "$key" skiff)" 1.25)"
    printf '%-26s %11s %11s %11s  %s\n' "$key" "$(growth "$key" skiff)" "$(growth "$key" crun)" \
      "$(growth "$key" runc)" "$target"
  done
fi
if [[ -n ${NETWORK_REPORT-} ]]; then
  echo
  echo "$NETWORK_REPORT"
fi
for rt in $RUNTIMES; do
  [[ -s $BENCH_TMP/$rt.err ]] || continue
  echo
  echo "stderr of $rt ($(wc -l <"$BENCH_TMP/$rt.err") lines; BENCH_KEEP_ERR=DIR keeps it), last 3:"
  tail -3 "$BENCH_TMP/$rt.err" | cut -c1-150 | sed 's/^/  /'
  [[ -n ${BENCH_KEEP_ERR-} ]] && mkdir -p "$BENCH_KEEP_ERR" && cp "$BENCH_TMP/$rt.err" "$BENCH_KEEP_ERR/"
done
echo
echo "made by: BENCH_ITER=$BENCH_ITER BENCH_COUNTS=\"$BENCH_COUNTS\" BENCH_SCALE_ITER=$BENCH_SCALE_ITER" \
  "BENCH_DOCKER_ITER=$BENCH_DOCKER_ITER" \
  "tests/bench/run.sh $SKIFF"

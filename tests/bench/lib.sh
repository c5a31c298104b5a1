# Helpers for tests/bench/run.sh: the bundle, timing, and one function per measurement.
#
# A measurement runs in its own process (`run.sh --measure RUNTIME TEST`) so that crun can be given a
# private mount namespace without timing the wrapper. It prints "KEY VALUE" lines on stdout (times in
# microseconds, sizes in KiB); run.sh collects them into the table.
#
# Set by run.sh for every measurement: BENCH_TMP (work dir), RT_NAME, RT_BIN, RT_ROOT, RT_TAG, BENCH_ITER,
# BENCH_WARMUP, BENCH_COUNTS, BENCH_SCALE_ITER, BENCH_RSS_ITER.

export LC_ALL=C # EPOCHREALTIME must use a dot

# --- bundle -----------------------------------------------------------------------------------------

make_rootfs() { # DIR: busybox and one symlink per applet
  local dir=$1 applet
  mkdir -p "$dir/bin"
  cp "$BENCH_BUSYBOX" "$dir/bin/busybox"
  for applet in $("$BENCH_BUSYBOX" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$dir/bin/$applet"
  done
}

# DIR ARGS_JSON [MEMORY_LIMIT_BYTES]: a bundle whose config is `runc spec`'s default, except for
# ociVersion (crun 1.8.1 refuses "1.2.0"), terminal false, the args, an absolute shared rootfs, and an
# optional memory limit.
make_bundle() {
  local dir=$1 args=$2 memory=""
  [[ -n ${3-} ]] && memory="\"memory\": {\"limit\": $3},"
  mkdir -p "$dir"
  cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": false, "user": {"uid": 0, "gid": 0}, "args": $args,
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "$BENCH_TMP/rootfs", "readonly": true},
  "hostname": "bench",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    "resources": {$memory "devices": [{"allow": false, "access": "rwm"}]},
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
EOF
}

# --- running and timing -----------------------------------------------------------------------------

# The runtime under test, quiet: the containers' stdio must not hold the caller's pipes open.
rt() { "$RT_BIN" --root "$RT_ROOT" "$@" </dev/null >/dev/null 2>>"$BENCH_TMP/$RT_NAME.err"; }

SAMPLES=()
# CMD...: runs it, appends its wall time (µs) to SAMPLES; fails (and records nothing) if CMD fails.
timed() {
  local t0=$EPOCHREALTIME t1
  "$@" || { echo "bench: $RT_NAME: failed: ${*:2}" >&2; return 1; }
  t1=$EPOCHREALTIME
  SAMPLES+=($((${t1/./} - ${t0/./})))
}

# KEY: prints "KEY median" and empties SAMPLES ("KEY fail" when nothing was recorded).
emit_median() {
  if ((${#SAMPLES[@]} == 0)); then
    echo "$1 fail"
  else
    printf '%s\n' "${SAMPLES[@]}" | sort -n | awk -v key="$1" '{ v[NR] = $1 }
      END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %d\n", key, m }'
  fi
  SAMPLES=()
}

status_of() { "$RT_BIN" --root "$RT_ROOT" state "$1" 2>/dev/null | tr -d ' \n\t' | grep -o '"status":"[a-z]*"'; }

wait_stopped() { # ID: up to 5 s
  local i
  for ((i = 0; i < 500; i++)); do
    [[ $(status_of "$1") == '"status":"stopped"' ]] && return 0
    sleep 0.01
  done
  return 1
}

gone() { [[ ! -e $RT_ROOT/$1 ]]; } # the runtime removed its state dir

# --- measurements (t_NAME, one per `run.sh --measure RUNTIME NAME`) ---------------------------------

t_run() { # foreground `run` of /bin/true, then create / start / delete one at a time
  local i id
  for ((i = 0; i < BENCH_WARMUP + BENCH_ITER; i++)); do
    id=bench-$RT_TAG-run-$i
    if ((i < BENCH_WARMUP)); then rt run --bundle "$BENCH_TMP/true" "$id"; else timed rt run --bundle "$BENCH_TMP/true" "$id"; fi
    gone "$id" || rt delete --force "$id"
  done
  emit_median run
  local create=() start=() delete=()
  for ((i = 0; i < BENCH_ITER; i++)); do
    id=bench-$RT_TAG-cycle-$i
    timed rt create --bundle "$BENCH_TMP/true" "$id" && create+=("${SAMPLES[@]}")
    SAMPLES=()
    timed rt start "$id" && start+=("${SAMPLES[@]}")
    SAMPLES=()
    wait_stopped "$id"
    timed rt delete "$id" && delete+=("${SAMPLES[@]}")
    SAMPLES=()
    gone "$id" || rt delete --force "$id"
  done
  SAMPLES=("${create[@]}") && emit_median create
  SAMPLES=("${start[@]}") && emit_median start
  SAMPLES=("${delete[@]}") && emit_median delete
}

t_exec() { # exec of /bin/true and state, into one running container
  local i id=bench-$RT_TAG-exec
  rt run --detach --bundle "$BENCH_TMP/sleep" "$id" || { echo "exec fail"; echo "state fail"; return; }
  for ((i = 0; i < BENCH_WARMUP + BENCH_ITER; i++)); do
    if ((i < BENCH_WARMUP)); then rt exec "$id" /bin/true; else timed rt exec "$id" /bin/true; fi
  done
  emit_median exec
  for ((i = 0; i < BENCH_ITER; i++)); do timed rt state "$id"; done
  emit_median state
  rt delete --force "$id"
}

# With N detached `sleep` containers running (no runtime process stays behind for any of the three, so
# the population costs the same), time a detached run of one more, its state, list, and its delete --force.
t_scale() {
  local n=0 count i id t0 added
  for count in $BENCH_COUNTS; do
    t0=$EPOCHREALTIME added=$((count - n))
    for (( ; n < count; n++)); do
      rt run --detach --bundle "$BENCH_TMP/sleep" "bench-$RT_TAG-pop-$n" || echo "bench: $RT_NAME: populate failed" >&2
    done
    # mean cost of one detached run while growing the population (a mean: one timing over many runs)
    ((added > 0)) && echo "populate@$count $(((${EPOCHREALTIME/./} - ${t0/./}) / added))"
    local run=() state=() list=() delete=()
    for ((i = 0; i < BENCH_SCALE_ITER; i++)); do
      id=bench-$RT_TAG-x$count-$i
      timed rt run --detach --bundle "$BENCH_TMP/sleep" "$id" && run+=("${SAMPLES[@]}")
      SAMPLES=()
      timed rt state "$id" && state+=("${SAMPLES[@]}")
      SAMPLES=()
      timed rt list && list+=("${SAMPLES[@]}")
      SAMPLES=()
      timed rt delete --force "$id" && delete+=("${SAMPLES[@]}")
      SAMPLES=()
    done
    SAMPLES=("${run[@]}") && emit_median "run-d@$count"
    SAMPLES=("${state[@]}") && emit_median "state@$count"
    SAMPLES=("${list[@]}") && emit_median "list@$count"
    SAMPLES=("${delete[@]}") && emit_median "delete-f@$count"
  done
  # teardown: SIGKILL first, so that delete does not wait for each container to die in turn
  for ((i = 0; i < n; i++)); do rt kill "bench-$RT_TAG-pop-$i" KILL; done
  for ((i = 0; i < n; i++)); do wait_stopped "bench-$RT_TAG-pop-$i"; rt delete --force "bench-$RT_TAG-pop-$i"; done
}

t_rss() { # peak RSS (KiB) of the runtime's `run` of /bin/true, as wait4() reports it to /usr/bin/time
  local i id
  for ((i = 0; i < BENCH_RSS_ITER; i++)); do
    id=bench-$RT_TAG-rss-$i
    /usr/bin/time -f %M -o "$BENCH_TMP/rss" "$RT_BIN" --root "$RT_ROOT" run --bundle "$BENCH_TMP/true" "$id" \
      </dev/null >/dev/null 2>>"$BENCH_TMP/$RT_NAME.err" && SAMPLES+=($(tail -1 "$BENCH_TMP/rss"))
    gone "$id" || rt delete --force "$id"
  done
  emit_median rss
}

mem_probe() { # KIB: does `run echo ok` succeed under memory.limit = KIB KiB?
  local id=bench-$RT_TAG-mem-$1 out rc
  make_bundle "$BENCH_TMP/mem-$RT_NAME" '["echo", "ok"]' $(($1 * 1024))
  out=$(timeout 30 "$RT_BIN" --root "$RT_ROOT" run --bundle "$BENCH_TMP/mem-$RT_NAME" "$id" </dev/null 2>/dev/null)
  rc=$?
  gone "$id" || rt delete --force "$id"
  [[ $rc == 0 && $out == ok ]]
}

t_memlimit() { # bisection over 4 KiB pages between 0 (assumed to fail) and 64 MiB
  local lo=0 hi=65536 mid
  mem_probe $hi || { echo "memlimit fail"; return; }
  while ((hi - lo > 4)); do
    mid=$(((lo + hi) / 8 * 4))
    if mem_probe $mid; then hi=$mid; else lo=$mid; fi
  done
  echo "memlimit $hi"
}

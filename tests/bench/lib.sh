# Helpers for tests/bench/run.sh: the bundle, timing, and the samples.
#
# Each runtime gets a server (`run.sh --serve`, a long-lived shell; crun's in its own mount namespace)
# that reads requests "NAME ARGS" on stdin, runs s_NAME ARGS and answers with "KEY VALUE" lines (times
# in microseconds, sizes in KiB) and a "." line. run.sh asks the three in turn, sample after sample, so
# that a burst of load on the machine hits all three alike, and takes the medians.
#
# Set by run.sh: BENCH_TMP (work dir, holds the bundles), BENCH_BUSYBOX, and for a server RT_NAME,
# RT_BIN, RT_ROOT (its --root) and RT_TAG (in its container ids: bench-TAG-...).

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

timed() { # KEY CMD...: runs CMD, prints "KEY microseconds" if it succeeded
  local t0=$EPOCHREALTIME t1
  "${@:2}" || { echo "bench: $RT_NAME: failed: ${*:3}" >&2; return 1; }
  t1=$EPOCHREALTIME
  echo "$1 $((${t1/./} - ${t0/./}))"
}

# In the background of a server: SIGKILL a runtime command that has run for more than 30 s, so a hung
# one fails its sample instead of stalling the bench (timeout(1) would add a fork to every sample).
watchdog() { # PID of the server
  local pid secs comm
  while sleep 2; do
    kill -0 "$1" 2>/dev/null || return
    ps -o pid=,etimes=,comm= --ppid "$1" | while read -r pid secs comm; do
      if [[ $comm != "${RT_BIN##*/}" ]] || ((secs <= 30)); then continue; fi
      echo "bench: $RT_NAME: killing hung pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
      { # what it was doing, for the report: kernel stacks, children, and a user backtrace if gdb is there
        grep -H . "/proc/$pid"/task/*/stack "/proc/$pid"/task/*/children
        command -v gdb >/dev/null && timeout 20 gdb -p "$pid" -batch -ex bt 2>/dev/null | grep '^#'
      } >>"$BENCH_TMP/$RT_NAME.err" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
    done
  done
}

serve() {
  local request
  watchdog $$ &
  while read -r request; do
    [[ $request == quit ]] && break
    # shellcheck disable=SC2086 # "NAME ARGS" splits into the function and its arguments
    s_$request
    echo .
  done
  kill $! 2>/dev/null
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
reap() { gone "$1" || rt delete --force "$1"; }

# --- samples (s_NAME ARGS: one request) -------------------------------------------------------------

s_warm() { rt run --bundle "$BENCH_TMP/true" "bench-$RT_TAG-warm-$1"; reap "bench-$RT_TAG-warm-$1"; }

s_run() { # I: foreground run of /bin/true
  timed run rt run --bundle "$BENCH_TMP/true" "bench-$RT_TAG-run-$1"
  reap "bench-$RT_TAG-run-$1"
}

s_run_ptrace() { # I: foreground run of /bin/true with CAP_SYS_PTRACE (skiff: from its sealed copy)
  timed run_ptrace rt run --bundle "$BENCH_TMP/ptrace" "bench-$RT_TAG-ptrace-$1"
  reap "bench-$RT_TAG-ptrace-$1"
}

s_cycle() { # I: create, start, (wait for /bin/true to exit), delete
  local id=bench-$RT_TAG-cycle-$1
  timed create rt create --bundle "$BENCH_TMP/true" "$id" && timed start rt start "$id" &&
    wait_stopped "$id" && timed delete rt delete "$id"
  reap "$id"
}

s_exec_setup() { rt run --detach --bundle "$BENCH_TMP/sleep" "bench-$RT_TAG-exec"; }
s_exec() { timed exec rt exec "bench-$RT_TAG-exec" /bin/true; }
s_state() { timed state rt state "bench-$RT_TAG-exec"; }
s_exec_teardown() { rt delete --force "bench-$RT_TAG-exec"; }
# exec into a container whose process has CAP_SYS_PTRACE (skiff: from its sealed copy, CVE-2019-5736)
s_exec_ptrace_setup() { rt run --detach --bundle "$BENCH_TMP/ptrace-sleep" "bench-$RT_TAG-execp"; }
s_exec_ptrace() { timed exec_ptrace rt exec "bench-$RT_TAG-execp" /bin/true; }
s_exec_ptrace_teardown() { rt delete --force "bench-$RT_TAG-execp"; }

s_rss() { # I: peak RSS (KiB) of `run` of the rss bundle, as wait4() reports it to /usr/bin/time
  local id=bench-$RT_TAG-rss-$1
  /usr/bin/time -f %M -o "$BENCH_TMP/rss-$RT_NAME" "$RT_BIN" --root "$RT_ROOT" run --bundle "$BENCH_TMP/rss" \
    "$id" </dev/null >/dev/null 2>>"$BENCH_TMP/$RT_NAME.err" && echo "rss $(tail -1 "$BENCH_TMP/rss-$RT_NAME")"
  reap "$id"
}

mem_probe() { # KIB: does `run echo ok` succeed under memory.limit = KIB KiB?
  local id=bench-$RT_TAG-mem-$1 out rc
  make_bundle "$BENCH_TMP/mem-$RT_NAME" '["echo", "ok"]' $(($1 * 1024))
  out=$(timeout 30 "$RT_BIN" --root "$RT_ROOT" run --bundle "$BENCH_TMP/mem-$RT_NAME" "$id" </dev/null 2>/dev/null)
  rc=$?
  gone "$id" || "$RT_BIN" --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1
  [[ $rc == 0 && $out == ok ]]
}

s_memlimit() { # bisection over 4 KiB pages between 0 (assumed to fail) and 64 MiB
  local lo=0 hi=65536 mid
  mem_probe $hi || return
  while ((hi - lo > 4)); do
    mid=$(((lo + hi) / 2 / 4 * 4)) # the midpoint, rounded down to a page
    if mem_probe $mid; then hi=$mid; else lo=$mid; fi
  done
  echo "memlimit $hi"
}

# The population for the scaling rows: detached `sleep` containers (no runtime process stays behind
# for any of the three, so each costs the same: one sleeping process and its namespaces).
POPULATION=0
s_populate() { # N: grow to N; prints the mean time of one detached run while growing
  local t0=$EPOCHREALTIME added=$(($1 - POPULATION))
  for (( ; POPULATION < $1; POPULATION++)); do
    rt run --detach --bundle "$BENCH_TMP/sleep" "bench-$RT_TAG-pop-$POPULATION" ||
      echo "bench: $RT_NAME: populate failed" >&2
  done
  ((added > 0)) && echo "populate@$1 $(((${EPOCHREALTIME/./} - ${t0/./}) / added))"
}

# The pause: on cgroup v1 the first migration into a cgroup after a quiet spell waits for an RCU grace
# period (cgroup.procs write, percpu_down_write), later ones within that period do not; without it, a
# slow `list` before the next sample would make run --detach look slower at large N.
s_scale() { # N I: with the population at N, one more container: run -d, state, list, delete --force
  local id=bench-$RT_TAG-x$1-$2
  sleep 0.2
  timed "run-d@$1" rt run --detach --bundle "$BENCH_TMP/sleep" "$id"
  timed "state@$1" rt state "$id"
  timed "list@$1" rt list
  timed "delete-f@$1" rt delete --force "$id"
}

s_depopulate() { # SIGKILL first, so that delete does not wait for each container to die in turn
  local i
  for ((i = 0; i < POPULATION; i++)); do rt kill "bench-$RT_TAG-pop-$i" KILL; done
  for ((i = 0; i < POPULATION; i++)); do
    wait_stopped "bench-$RT_TAG-pop-$i"
    rt delete --force "bench-$RT_TAG-pop-$i"
  done
  POPULATION=0
}

# --- docker run --rm (the engine-level row) ---------------------------------------------------------

# One private dockerd (Debian's docker.io) for the three runtimes, each registered in its daemon.json as
# "bench-<runtime>" (the name "runc" is dockerd's own). Its data-root, exec-root, socket and key are in
# $BENCH_TMP/docker; it runs in a network namespace of its own, without its bridge and iptables rules
# (the containers get --network none), and in a private mount namespace (its overlay2 mounts stay there;
# on a hybrid host without the v2 mount, as crun needs, for all three alike).
DOCKER_CLI=/usr/bin/docker # Debian's: /usr/local/bin/docker may be another one
docker_cli() { DOCKER_CONFIG=$BENCH_TMP/docker/cli "$DOCKER_CLI" --host "unix://$BENCH_TMP/docker/docker.sock" "$@"; }

docker_up() { # RUNTIME... (their binaries from bin_of)
  local d=$BENCH_TMP/docker tag=${BENCH_TMP##*.} rt runtimes='{}' tries umount_v2=""
  DOCKER_NS=skiff-bench-$tag DOCKER_CGROUP=/skiff-bench-$tag
  mkdir -p "$d"
  [[ -e /run/docker ]] || touch "$d/made-run-docker" # dockerd makes /run/docker/plugins, a fixed path
  for rt in "$@"; do
    runtimes=$(jq -c --arg n "bench-$rt" --arg p "$(realpath "$(bin_of "$rt")")" '. + {($n): {path: $p}}' \
      <<<"$runtimes") # the shim runs it from elsewhere: an absolute path
  done
  jq -n --arg d "$d" --arg cg "$DOCKER_CGROUP" --argjson rts "$runtimes" '{
    "data-root": "\($d)/data", "exec-root": "\($d)/exec", "pidfile": "\($d)/docker.pid",
    "hosts": ["unix://\($d)/docker.sock"], "deprecated-key-path": "\($d)/key.json",
    "storage-driver": "overlay2", "cgroup-parent": $cg, "bridge": "none", "iptables": false,
    "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024}}, "runtimes": $rts
  }' >"$d/daemon.json" || return 1
  ip netns add "$DOCKER_NS" || return 1
  $HYBRID && umount_v2="umount /sys/fs/cgroup/unified &&"
  nsenter --net="/run/netns/$DOCKER_NS" unshare --mount --propagation private \
    sh -c "$umount_v2 exec /usr/sbin/dockerd --config-file \"\$1\"" sh "$d/daemon.json" \
    </dev/null >"$d/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for ((tries = 0; tries < 1200; tries++)); do
    docker_cli version >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.05
  done
  docker_cli version >/dev/null 2>&1 || { echo "bench: dockerd: $(tail -3 "$d/dockerd.log")" >&2; return 1; }
  tar -C "$BENCH_TMP/rootfs" -cf - . | docker_cli import - skiff-bench:latest >/dev/null
}

docker_down() {
  local d=$BENCH_TMP/docker tries pid
  [[ -n ${DOCKERD_PID-} ]] || return 0
  kill "$DOCKERD_PID" 2>/dev/null
  for ((tries = 0; tries < 600; tries++)); do
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.05
  done
  # its containerd and shims, should it have died without stopping them
  for pid in $DOCKERD_PID $(grep -l -F -- "$d/exec/containerd/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    kill -KILL "$pid" 2>/dev/null
  done
  DOCKERD_PID=""
  ip netns delete "$DOCKER_NS" 2>/dev/null
  find /sys/fs/cgroup -maxdepth 3 -depth -type d -path "*$DOCKER_CGROUP*" -exec rmdir {} + 2>/dev/null
  [[ -e $d/made-run-docker ]] && rmdir /run/docker/plugins /run/docker 2>/dev/null
  true
}

docker_run_true() {
  docker_cli run --rm --pull never --network none --runtime "bench-$RT_NAME" skiff-bench:latest /bin/true \
    </dev/null >/dev/null 2>>"$BENCH_TMP/$RT_NAME.err"
}
s_docker_warm() { docker_run_true; }
s_docker() { timed docker docker_run_true; } # I: `docker run --rm` of /bin/true with this runtime

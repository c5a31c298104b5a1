# Loaded by tests/bats/kubernetes.bats (after helpers.bash): containerd 1.6 with its CRI plugin for
# the whole file, with a root, state dir, socket and config of its own, inside a network namespace the
# file makes; the pause and busybox images it imports; the CRI client and the checks the tests share.
#
#   setup_file / teardown_file    containerd up with the images imported / everything removed by force
#   cri_setup [STEP]...           in each test: skip with the host's reason, fail if containerd is not up
#                                 or an earlier test did not reach STEP (done_step STEP marks it)
#   cri ARGS...                   tests/cri/cri.py on this containerd's socket
#   run_pod NAME [JQ] / start_container POD NAME SCRIPT [JQ]    the kubelet's configs, changed by JQ
#   save NAME VALUE / saved NAME  ids and addresses kept between the file's tests

CRI_PY=$BATS_TEST_DIRNAME/../cri/cri.py
KUBE_CONTRIB=$BATS_TEST_DIRNAME/../../contrib/kubernetes
# the pods' CNI plugin: skiff-bridge (built beside ./skiff); found in these directories
CNI_PLUGIN=${SKIFF_CNI_PLUGIN:-skiff-bridge}
CNI_PLUGIN_DIRS=${SKIFF_CNI_PLUGIN_DIRS:-${SKIFF_BUILDDIR:+$SKIFF_BUILDDIR:}/usr/lib/cni:/opt/cni/bin}
POD_SUBNET=10.231.7.0/24
PAUSE_IMAGE=localhost/skiff-cri-pause:1
BUSYBOX_IMAGE=localhost/skiff-cri-busybox:1

# ---- containerd with the CRI plugin, for the whole file ----------------------------------------------

# Why the file cannot run on this host, or nothing.
cri_missing() {
  local cmd plugin
  [[ $EUID -eq 0 ]] || { echo "needs root"; return; }
  for cmd in containerd ctr ip nsenter cc jq; do
    command -v "$cmd" >/dev/null || { echo "needs the command $cmd"; return; }
  done
  /usr/bin/python3 -c 'import grpc, grpc_tools.protoc' 2>/dev/null ||
    { echo "needs python3-grpcio and python3-grpc-tools"; return; }
  for plugin in "$CNI_PLUGIN" host-local loopback; do
    cni_plugin_path "$plugin" >/dev/null || { echo "needs the CNI plugin $plugin (containernetworking-plugins)"; return; }
  done
}

cni_plugin_path() {
  local dir
  local -a dirs
  IFS=: read -r -a dirs <<<"$CNI_PLUGIN_DIRS"
  for dir in "${dirs[@]}"; do
    [[ -n $dir && -x $dir/$1 ]] && { echo "$dir/$1"; return 0; }
  done
  return 1
}

setup_file() {
  K=$BATS_FILE_TMPDIR
  # one name for everything of this run that lives outside $K: netns, cgroup parent, CNI network
  RUN_NAME=skiffcri-$$
  # BinaryName: the runtime under test by its canonical path (the CRI answers it as given)
  export K RUN_NAME SOCK=$K/containerd.sock RTROOT=$K/runtime-root CGROUP_TOP=/skiffcri-$$ RUNTIME=$(realpath "$SKIFF")
  # cri.py compiles its gRPC stubs here
  export SKIFF_CRI_GEN=$K/cri-gen
  local reason
  reason=$(cri_missing)
  if [[ -n $reason ]]; then
    echo "$reason" >"$K/skip"
    return 0
  fi
  mkdir -p "$K"/{cni/net.d,cni/bin,ipam,logs,ids,images}
  build_images >"$K/build.log" 2>&1 || { echo "building the images failed: $(tail -3 "$K/build.log")" >"$K/broken"; return 0; }
  write_containerd_config && write_cni_config || { echo "writing the configs failed" >"$K/broken"; return 0; }
  ip netns add "$RUN_NAME" && ip -n "$RUN_NAME" link set lo up || { echo "ip netns add failed" >"$K/broken"; return 0; }
  touch "$K/netns"
  # nsenter execs containerd (no fork): $! is containerd's pid
  nsenter --net="/run/netns/$RUN_NAME" containerd --config "$K/config.toml" </dev/null >"$K/containerd.log" 2>&1 3>&- &
  echo $! >"$K/containerd.pid"
  local deadline=$((SECONDS + 60))
  until cri version >/dev/null 2>&1; do
    if ((SECONDS > deadline)) || ! kill -0 "$(<"$K/containerd.pid")" 2>/dev/null ||
      grep -q 'failed to load plugin io.containerd.grpc.v1.cri' "$K/containerd.log"; then
      echo "containerd did not serve CRI: $(tail -5 "$K/containerd.log")" >"$K/broken"
      return 0
    fi
    sleep 0.1
  done
  local image
  for image in pause busybox; do
    ctr_ images import "$K/images/$image.tar" >"$K/import-$image.log" 2>&1 ||
      { echo "ctr images import $image failed: $(cat "$K/import-$image.log")" >"$K/broken"; return 0; }
  done
}

# What a failed run left: the pods removed through the CRI while containerd answers (their shims then
# exit and remove their sockets), then by force: shims and their containers, containerd, mounts,
# cgroups, the network namespace, the shims' sockets and the CNI cache entries.
teardown_file() {
  [[ -n ${K-} && ! -e $K/skip ]] || return 0
  local pid pod
  if [[ -e $K/containerd.pid ]] && kill -0 "$(<"$K/containerd.pid")" 2>/dev/null; then
    for pod in $(cri pods 2>/dev/null | jq -r '.items[].id'); do
      cri stopp "$pod" && cri rmp "$pod"
    done
    stop_containerd TERM
    local deadline=$((SECONDS + 10))
    while [[ -n $(shim_pids) ]] && ((SECONDS < deadline)); do sleep 0.1; done
  fi
  local -a sockets=()
  mapfile -t sockets < <(sed 's|^unix://||' "$K"/state/io.containerd.runtime.v2.task/k8s.io/*/address 2>/dev/null)
  for pid in $(shim_pids); do
    kill -KILL $(pgrep --parent "$pid") "$pid" 2>/dev/null
  done
  [[ -e $K/containerd.pid ]] && stop_containerd KILL
  ((${#sockets[@]} == 0)) || rm -f "${sockets[@]}"
  remove_run_cgroups
  grep -F " $K/" /proc/self/mountinfo | awk '{ print $5 }' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  [[ -e $K/netns ]] && ip netns delete "$RUN_NAME" 2>/dev/null
  rm -f /var/lib/cni/results/"$RUN_NAME"-* 2>/dev/null
  true
}

write_containerd_config() {
  local capeff
  # Without CAP_SYS_RESOURCE (this VM) no process may lower an oom_score_adj below its own: the CRI's
  # -998 for the pause container would fail under any runtime; restrict_oom_score_adj clamps it to
  # containerd's own, as for containerd in a user namespace.
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  local restrict=false
  (((16#$capeff >> 24) & 1)) || restrict=true
  cat >"$K/config.toml" <<EOF
version = 2
root = "$K/root"
state = "$K/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$K/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = $restrict
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$K/cni/bin"
    conf_dir = "$K/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    # a node's default runtime stays runc: pods get skiff by their RuntimeClass only
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$K/runc-root"
EOF
  # the README's snippet, with the runtime under test and a state root of this run
  sed -e "s|^\( *BinaryName = \).*|\1\"$RUNTIME\"|" -e "s|^\( *Root = \).*|\1\"$RTROOT\"|" \
    "$KUBE_CONTRIB/containerd-skiff.toml" >>"$K/config.toml"
}

write_cni_config() {
  local plugin
  for plugin in "$CNI_PLUGIN" host-local loopback; do
    ln -sf "$(cni_plugin_path "$plugin")" "$K/cni/bin/$plugin" || return 1
  done
  jq -n --arg type "$CNI_PLUGIN" --arg name "$RUN_NAME" --arg subnet "$POD_SUBNET" --arg ipam "$K/ipam" '{
    cniVersion: "1.0.0", name: $name,
    plugins: [{type: $type, bridge: "skiff0", isGateway: true, ipMasq: false,
               ipam: {type: "host-local", ranges: [[{subnet: $subnet}]], routes: [{dst: "0.0.0.0/0"}],
                      dataDir: $ipam}}]
  }' >"$K/cni/net.d/10-skiff.conflist"
}

# The pause image (a static pause program alone, run as 65535:65535 like Kubernetes' own) and the
# workload image (the suite's busybox rootfs).
build_images() {
  local pause=$K/images/pause-rootfs
  mkdir -p "$pause"
  cc -static -O2 -s -o "$pause/pause" "$BATS_TEST_DIRNAME/../cri/pause.c" || return 1
  "$BATS_TEST_DIRNAME/../cri/oci-archive.py" --user 65535:65535 "$K/images/pause.tar" "$PAUSE_IMAGE" "$pause" \
    /pause &&
    build_rootfs &&
    "$BATS_TEST_DIRNAME/../cri/oci-archive.py" "$K/images/busybox.tar" "$BUSYBOX_IMAGE" "$FIXTURE_DIR/rootfs"
}

stop_containerd() {
  local pid tries=300
  pid=$(<"$K/containerd.pid")
  kill "-${1:-TERM}" "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.1; done
  ! kill -0 "$pid" 2>/dev/null
}

# The runc shims serving this containerd (their command line names its socket).
shim_pids() {
  pgrep -f -- "-address $SOCK( |\$)" || true
}

remove_run_cgroups() {
  local dir tries
  for dir in $(find /sys/fs/cgroup -maxdepth 2 -type d -name "${CGROUP_TOP#/}" 2>/dev/null); do
    for tries in 1 2 3 4 5 6 7 8 9 10; do
      find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
      find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d $dir ]] || break
      sleep 0.1
    done
  done
}

# ---- what each test uses ------------------------------------------------------------------------------

# Skips with the host's reason, fails when containerd could not be set up; then the test's own steps.
cri_setup() {
  [[ -e $K/skip ]] && skip "$(<"$K/skip")"
  [[ -e $K/broken ]] && fail "$(<"$K/broken")"
  local step
  for step in "$@"; do
    [[ -e $K/ids/done-$step ]] || fail "an earlier test did not finish: $step"
  done
}

done_step() {
  touch "$K/ids/done-$1"
}

cri() {
  timeout -k 5 180 "$CRI_PY" --socket "$SOCK" --timeout 90 "$@" 3>&-
}

ctr_() {
  timeout -k 5 120 ctr --address "$SOCK" --namespace k8s.io "$@" 3>&-
}

in_netns() {
  nsenter --net="/run/netns/$RUN_NAME" "$@"
}

save() {
  echo "$2" >"$K/ids/$1"
}

saved() {
  cat "$K/ids/$1"
}

# pod_config NAME [JQ-FILTER]: the PodSandboxConfig of pod NAME, as the kubelet builds one (with two
# "safe" sysctls, which the runtime sets in the pod's network and IPC namespaces), changed by
# JQ-FILTER, in $K/NAME.pod.json
pod_config() {
  jq -n --arg name "$1" --arg uid "$RUN_NAME-$1" --arg logs "$K/logs/$1" --arg parent "$CGROUP_TOP/pod-$1" '{
    metadata: {name: $name, uid: $uid, namespace: "skiff-test", attempt: 0},
    hostname: ("pod-" + $name), log_directory: $logs,
    labels: {app: "skiff-test"},
    linux: {cgroup_parent: $parent,
            sysctls: {"net.ipv4.ip_unprivileged_port_start": "80", "kernel.shm_rmid_forced": "1"},
            security_context: {namespace_options: {network: "POD", pid: "CONTAINER"}}}
  } | '"${2:-.}" >"$K/$1.pod.json" || return 1
  mkdir -p "$K/logs/$1"
  echo "$K/$1.pod.json"
}

# container_config NAME SCRIPT [JQ-FILTER]: the ContainerConfig of a busybox container running
# `sh -c SCRIPT`, with the namespaces, seccomp profile, masked and read-only paths a kubelet gives a
# pod's container by default, then changed by JQ-FILTER (resources, security context, mounts...), in
# $K/NAME.ctr.json
container_config() {
  jq -n --arg name "$1" --arg script "$2" --arg image "$BUSYBOX_IMAGE" '{
    metadata: {name: $name, attempt: 0}, image: {image: $image},
    command: ["sh", "-c", $script], log_path: ($name + ".log"),
    linux: {security_context: {namespace_options: {network: "POD", pid: "CONTAINER"},
      seccomp: {profile_type: "RuntimeDefault"},
      masked_paths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                     "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
      readonly_paths: ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]}}
  } | '"${3:-.}" >"$K/$1.ctr.json" || return 1
  echo "$K/$1.ctr.json"
}

# run_pod NAME [JQ-FILTER]: RunPodSandbox (pod_config's) with the RuntimeClass's handler; saves the id
# as pod-NAME
run_pod() {
  local id
  id=$(cri runp "$(pod_config "$1" "${2-}")" "$(runtime_handler)") || fail "RunPodSandbox $1 failed"
  [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "RunPodSandbox $1 answered \"$id\""
  save "pod-$1" "$id"
  touch "$K/ids/is-pod-$id"
}

# wait_exited ID: until the CRI reports container ID exited (it learns it from the shim's exit event)
wait_exited() {
  local deadline=$((SECONDS + 60))
  until [[ $(cri inspect "$1" | jq -r .status.state) == CONTAINER_EXITED ]]; do
    ((SECONDS < deadline)) || fail "container $1 did not exit"
    sleep 0.1
  done
}

# assert_task_gone ID CGROUP: the runtime deleted the task: no state, no cgroup (the CRI deletes the task
# when it handles the exit, after its answer says exited: waited for)
assert_task_gone() {
  local deadline=$((SECONDS + 30)) dir
  while [[ -e $RTROOT/k8s.io/$1 ]]; do
    ((SECONDS < deadline)) || fail "runtime state left: $RTROOT/k8s.io/$1"
    sleep 0.1
  done
  for dir in /sys/fs/cgroup/memory$2 /sys/fs/cgroup/cpu$2 /sys/fs/cgroup$2; do
    [[ ! -d $dir ]] || fail "cgroup $dir left after the container exited"
  done
}

# start_container POD NAME SCRIPT [JQ-FILTER]: CreateContainer (container_config's), StartContainer;
# saves ctr-NAME
start_container() {
  local pod=$1 name=$2 id
  id=$(cri create "$(saved "pod-$pod")" "$(container_config "$name" "$3" "${4-}")" "$K/$pod.pod.json") ||
    fail "CreateContainer $name failed"
  save "ctr-$name" "$id"
  cri start "$id" || fail "StartContainer $name failed"
}

# The RuntimeClass handler, from the object the README tells admins to apply.
runtime_handler() {
  awk '$1 == "handler:" { print $2 }' "$KUBE_CONTRIB/runtimeclass.yaml"
}

# make_pod_cgroup NAME MEMORY: pod NAME's cgroup in every v1 hierarchy, as the kubelet's cgroupfs
# driver makes it (cpuset's cpus and mems copied down, the pod's memory limit)
make_pod_cgroup() {
  local hierarchy dir
  for hierarchy in /sys/fs/cgroup/*; do
    [[ -d $hierarchy && ! -L $hierarchy && $(stat -fc %T "$hierarchy") == cgroupfs ]] || continue
    for dir in "$CGROUP_TOP" "$CGROUP_TOP/pod-$1"; do
      mkdir -p "$hierarchy$dir" || fail "mkdir $hierarchy$dir"
      if [[ -e $hierarchy$dir/cpuset.cpus ]]; then
        cat "$(dirname "$hierarchy$dir")/cpuset.cpus" >"$hierarchy$dir/cpuset.cpus"
        cat "$(dirname "$hierarchy$dir")/cpuset.mems" >"$hierarchy$dir/cpuset.mems"
      fi
    done
  done
  echo "$2" >"/sys/fs/cgroup/memory$CGROUP_TOP/pod-$1/memory.limit_in_bytes"
}

# pid_of ID: the pid of a running container or pod, from the CRI's verbose answer
pid_of() {
  local what=inspect
  [[ -e $K/ids/is-pod-$1 ]] && what=inspectp
  cri "$what" -v "$1" | jq -r .info.info.pid
}

# The cgroup of PID in CONTROLLER's hierarchy (v1), or in the unified one (v2).
proc_cgroup() {
  if v2_host; then
    awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup"
  else
    awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup"
  fi
}

cgroup_file() {
  if v2_host; then
    cat "/sys/fs/cgroup$2/$4"
  else
    cat "/sys/fs/cgroup/$1$2/$3"
  fi
}

# assert_limits CGROUP MEMORY QUOTA PERIOD SHARES: the kernel's limits of the container's cgroup
assert_limits() {
  local cg=$1 mem=$2 quota=$3 period=$4 shares=$5
  assert_equal "$(cgroup_file memory "$cg" memory.limit_in_bytes memory.max)" "$mem"
  if v2_host; then
    assert_equal "$(cgroup_file cpu "$cg" - cpu.max)" "$quota $period"
    # the OCI runtimes' conversion of cpu shares to cgroup v2's weight
    assert_equal "$(cgroup_file cpu "$cg" - cpu.weight)" $((1 + ((shares - 2) * 9999) / 262142))
  else
    # containerd sets swap = memory (no swap) where the host accounts swap
    [[ ! -e /sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes ]] ||
      assert_equal "$(cat "/sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes")" "$mem"
    assert_equal "$(cgroup_file cpu "$cg" cpu.cfs_quota_us -)" "$quota"
    assert_equal "$(cgroup_file cpu "$cg" cpu.cfs_period_us -)" "$period"
    assert_equal "$(cgroup_file cpu "$cg" cpu.shares -)" "$shares"
  fi
}

# assert_under_runtime ID PID STATUS: the shim of ID ran the runtime under test (BinaryName, as the shim
# recorded it in the task's bundle), which keeps ID's state under the root the shim gave it (the options'
# Root + the containerd namespace) in its own format, with PID as the container's init
assert_under_runtime() {
  local id=$1 pid=$2 want=$3 bundle=$K/state/io.containerd.runtime.v2.task/k8s.io/$1
  assert_equal "$(cat "$bundle/runtime")" "$RUNTIME"
  assert_equal "$(jq -r .binary_name "$bundle/options.json")" "$RUNTIME"
  [[ -f $RTROOT/k8s.io/$id/state.json ]] || fail "no state of $id under $RTROOT/k8s.io: $(ls "$RTROOT/k8s.io" 2>&1)"
  run "$RUNTIME" --root "$RTROOT/k8s.io" state "$id"
  assert_success
  assert_equal "$(jq -r .status <<<"$output")" "$want"
  assert_equal "$(jq -r .pid <<<"$output")" "$pid"
}

# assert_shim_child PID POD-ID: PID's parent is the runc shim of POD-ID serving this containerd
assert_shim_child() {
  local ppid
  ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$1/status")
  run tr '\0' ' ' <"/proc/$ppid/cmdline"
  assert_output --regexp "containerd-shim-runc-v2 .*-id $2 .*-address $SOCK( |\$)"
}

#!/usr/bin/env bats
# skiff as a Kubernetes RuntimeClass: containerd 1.6's CRI plugin runs it through the runc shim v2 as the
# runtime handler "skiff" (contrib/kubernetes/containerd-skiff.toml, BinaryName = the runtime under test),
# and a real CRI v1 client (tests/cri/cri.py, gRPC stubs compiled from the CRI's api.proto) makes the
# kubelet's calls: pods, containers from images imported without a registry, exec, stats, resource
# updates, stop and removal. Each step is checked twice: by what the CRI answers and by what the kernel
# shows (processes, the runtime's state, cgroup files, network namespaces and addresses).
#
# containerd runs with a root, state dir, socket and config of its own, inside a network namespace the
# file makes: the CNI bridge, veths and pod routes exist there only, the host's network and firewall are
# untouched. Pod cgroups live under a parent named after this run. The last test stops and removes
# everything and proves nothing is left; teardown_file removes by force whatever a failure left.
#
# The pods' network: $SKIFF_CNI_PLUGIN (default the reference `bridge` plugin with `host-local`); the
# conflist is written for the bridge plugin's keys, its type is the one variable.

load helpers

CRI_PY=$BATS_TEST_DIRNAME/../cri/cri.py
KUBE_CONTRIB=$BATS_TEST_DIRNAME/../../contrib/kubernetes
# the pods' CNI plugin: `skiff-bridge` once it lands (built beside ./skiff); found in these directories
CNI_PLUGIN=${SKIFF_CNI_PLUGIN:-bridge}
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

# ---- the tests -----------------------------------------------------------------------------------------

@test "kubernetes: README shows the containerd snippet and RuntimeClass this file runs" {
  local readme snippet file
  readme=$(<"$BATS_TEST_DIRNAME/../../README.md")
  for file in containerd-skiff.toml runtimeclass.yaml; do
    snippet=$(<"$KUBE_CONTRIB/$file")
    [[ $readme == *"$snippet"* ]] || fail "README.md does not hold contrib/kubernetes/$file as it is"
  done
}

@test "kubernetes: containerd's CRI v1 answers, the images are there without a registry" {
  cri_setup
  run cri version
  assert_success
  assert_equal "$(jq -r .runtime_name <<<"$output")" containerd
  assert_equal "$(jq -r .runtime_api_version <<<"$output")" v1
  local image
  for image in "$PAUSE_IMAGE" "$BUSYBOX_IMAGE"; do
    run cri imagestatus "$image"
    assert_success
    assert_equal "$(jq -r '.image.repo_tags[0]' <<<"$output")" "$image"
  done
  done_step images
}

@test "kubernetes: RunPodSandbox with handler skiff: the pause process runs under the runtime, in the pod's cgroup and network" {
  cri_setup images
  # on cgroup v1 the kubelet (cgroupfs driver) makes the pod's cgroup in every hierarchy first, with the
  # pod's limits; the runtime makes the containers' below it
  v2_host || make_pod_cgroup a 536870912
  run_pod a
  local pod pid
  pod=$(saved pod-a)
  run cri inspectp -v "$pod"
  assert_success
  local answer=$output
  assert_equal "$(jq -r .status.state <<<"$answer")" SANDBOX_READY
  assert_equal "$(jq -r .status.runtime_handler <<<"$answer")" skiff
  assert_equal "$(jq -r .info.info.runtimeType <<<"$answer")" io.containerd.runc.v2
  assert_equal "$(jq -r .info.info.runtimeOptions.binary_name <<<"$answer")" "$RUNTIME"
  assert_equal "$(jq -r .info.info.runtimeOptions.root <<<"$answer")" "$RTROOT"
  local ip
  ip=$(jq -r .status.network.ip <<<"$answer")
  [[ $ip == 10.231.7.* ]] || fail "pod IP \"$ip\" is not from $POD_SUBNET"
  save ip-a "$ip"

  pid=$(jq -r .info.info.pid <<<"$answer")
  [[ $pid -gt 1 ]] || fail "no pid for the pod: $pid"
  run tr '\0' ' ' <"/proc/$pid/cmdline"
  assert_output "/pause "
  # the image's user, which has no /etc/passwd entry
  assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 65535
  assert_equal "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" 65535
  assert_shim_child "$pid" "$pod"
  assert_under_runtime "$pod" "$pid" running
  # the pod's cgroup: the cgroup parent the kubelet gave, the sandbox's id below it; the pod's own
  # limits untouched
  assert_equal "$(proc_cgroup "$pid" memory)" "$CGROUP_TOP/pod-a/$pod"
  assert_equal "$(proc_cgroup "$pid" cpu)" "$CGROUP_TOP/pod-a/$pod"
  v2_host || assert_equal "$(cat "/sys/fs/cgroup/memory$CGROUP_TOP/pod-a/memory.limit_in_bytes")" 536870912
  # the pod's network namespace: the one the CRI made and gave the runtime, holding the pod's IP
  local netns
  netns=$(jq -r '.info.info.runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' <<<"$answer")
  [[ $netns == "$K/state/"* ]] || fail "pod netns \"$netns\" is not under containerd's state dir"
  assert_equal "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i "$netns")"
  run nsenter --net="/proc/$pid/ns/net" ip -4 -o addr show dev eth0
  assert_success
  assert_output --partial " $ip/24 "
  # and not the host's, nor the test's (where containerd and the bridge are)
  [[ $(stat -L -c %i "/proc/$pid/ns/net") != "$(stat -L -c %i /proc/self/ns/net)" ]] || fail "the pod is in the host's netns"
  run in_netns ip -o link show master skiff0
  assert_success
  assert_equal "${#lines[@]}" 1
  done_step pod-a
}

@test "kubernetes: CreateContainer from the imported image, StartContainer: its limits in the cgroup files" {
  cri_setup pod-a
  local pod id pid
  pod=$(saved pod-a)
  id=$(cri create "$pod" "$(container_config web 'mkdir -p /www && hostname > /www/index.html &&
        httpd -p 8080 -h /www && echo started && exec sleep 100000' \
        '.linux.resources = {memory_limit_in_bytes: 67108864, cpu_period: 100000, cpu_quota: 50000, cpu_shares: 256}
         | .envs = [{key: "GREETING", value: "hello pod"}] | .working_dir = "/www"')" \
        "$K/a.pod.json") || fail "CreateContainer failed"
  save ctr-web "$id"
  run cri inspect -v "$id"
  assert_success
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_CREATED
  assert_equal "$(jq -r .status.image_ref <<<"$output" | cut -c1-7)" sha256:
  # the CRI creates the task (the runtime's create) at StartContainer
  [[ ! -e $RTROOT/k8s.io/$id ]] || fail "runtime state before StartContainer"

  cri start "$id"
  run cri inspect -v "$id"
  assert_success
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_RUNNING
  assert_equal "$(jq -r .info.info.runtimeOptions.binary_name <<<"$output")" "$RUNTIME"
  pid=$(jq -r .info.info.pid <<<"$output")
  assert_under_runtime "$id" "$pid" running
  assert_shim_child "$pid" "$pod"
  local cg=$CGROUP_TOP/pod-a/$id
  assert_equal "$(proc_cgroup "$pid" memory)" "$cg"
  assert_equal "$(proc_cgroup "$pid" cpu)" "$cg"
  assert_limits "$cg" 67108864 50000 100000 256
  # RuntimeDefault: containerd's seccomp profile is loaded in the container
  run awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status"
  assert_output 2
  # the container's stdout reaches the CRI's log through the shim
  local tries=100
  until grep -q ' stdout F started$' "$K/logs/a/web.log" 2>/dev/null; do
    ((tries-- > 0)) || fail "no \"started\" in the container's log: $(cat "$K/logs/a/web.log" 2>&1)"
    sleep 0.1
  done
  done_step web
}

@test "kubernetes: ExecSync: stdout, stderr and exit code; the process in the container's cgroup and namespaces" {
  cri_setup web
  local id
  id=$(saved ctr-web)
  run --separate-stderr cri exec "$id" sh -c 'hostname; grep -E "^[0-9]+:(memory)?:" /proc/self/cgroup | head -1; echo oops >&2; exit 3'
  assert_equal "$status" 3
  assert_equal "${lines[0]}" pod-a
  # in a private cgroup namespace the container sees its cgroup as "/", in the host's its full path
  [[ ${lines[1]} =~ ^[0-9]+:(memory)?:(/|$CGROUP_TOP/pod-a/$id)$ ]] || fail "exec's cgroup: ${lines[1]}"
  assert_equal "$stderr" oops
  # the exec'd process is in the container's pid namespace: the container's init is its pid 1
  run cri exec "$id" sh -c 'tr "\0" " " </proc/1/cmdline'
  assert_success
  assert_output "sleep 100000 "
  run cri exec "$id" sh -c 'wget -qO- http://127.0.0.1:8080/'
  assert_success
  assert_output pod-a
  # the container's environment and working directory, which the exec'd process gets too
  run cri exec "$id" sh -c 'pwd; echo "$GREETING"'
  assert_line --index 0 /www
  assert_line --index 1 "hello pod"
  # the masked paths the CRI asked for (those files this kernel has: /dev/null bound over them) and
  # the read-only ones
  local masked n=0
  for masked in $(cri inspect -v "$id" | jq -r '.info.info.runtimeSpec.linux.maskedPaths[]'); do
    [[ -f $masked ]] || continue
    run cri exec "$id" sh -c "wc -c <$masked"
    assert_output 0
    n=$((n + 1))
  done
  ((n > 0)) || fail "no masked file to check"
  run cri exec "$id" awk '$5 == "/proc/sys" { print substr($6, 1, 3) }' /proc/self/mountinfo
  assert_output ro,
  # the pod's sysctls, set by the runtime in the pod's network and IPC namespaces, not in the host's
  run cri exec "$id" cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shm_rmid_forced
  assert_line --index 0 80
  assert_line --index 1 1
  [[ $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start) != 80 ]] || fail "the pod's sysctl reached the host"
  [[ $(cat /proc/sys/kernel/shm_rmid_forced) != 1 ]] || fail "the pod's sysctl reached the host"
  done_step exec
}

@test "kubernetes: two containers in one pod share its network namespace" {
  cri_setup web
  # as the kubelet runs a container with runAsUser and readOnlyRootFilesystem
  start_container a client 'trap "exit 0" TERM; while :; do sleep 0.2; done' \
    '.linux.security_context += {run_as_user: {value: 1000}, readonly_rootfs: true}'
  local pause web client
  pause=$(pid_of "$(saved pod-a)")
  web=$(pid_of "$(saved ctr-web)")
  client=$(pid_of "$(saved ctr-client)")
  local ns kind
  for kind in net ipc uts; do
    ns=$(readlink "/proc/$pause/ns/$kind")
    assert_equal "$(readlink "/proc/$web/ns/$kind")" "$ns"
    assert_equal "$(readlink "/proc/$client/ns/$kind")" "$ns"
  done
  # each container has a mount and pid namespace of its own
  [[ $(readlink "/proc/$web/ns/mnt") != "$(readlink "/proc/$client/ns/mnt")" ]] || fail "one mount namespace"
  [[ $(readlink "/proc/$web/ns/pid") != "$(readlink "/proc/$client/ns/pid")" ]] || fail "one pid namespace"
  # 127.0.0.1 of the pod is one: the client reaches the web container's server there
  run cri exec "$(saved ctr-client)" wget -qO- http://127.0.0.1:8080/
  assert_success
  assert_output pod-a
  run cri exec "$(saved ctr-client)" sh -c 'id -u; touch /file 2>&1'
  assert_failure
  assert_line --index 0 1000
  assert_line --index 1 --partial "Read-only file system"
  assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$client/status")" 1000
  done_step client
}

@test "kubernetes: two pods reach each other by IP" {
  cri_setup web client
  run_pod b
  start_container b web-b 'mkdir -p /www && hostname > /www/index.html && httpd -p 8080 -h /www &&
    exec sleep 100000'
  local ip_b
  ip_b=$(cri inspectp "$(saved pod-b)" | jq -r .status.network.ip)
  [[ $ip_b == 10.231.7.* && $ip_b != "$(saved ip-a)" ]] || fail "pod b's IP \"$ip_b\""
  save ip-b "$ip_b"
  local tries=50
  # from pod a to pod b and back, each answered by the other pod's server
  until run cri exec "$(saved ctr-client)" wget -qO- "http://$ip_b:8080/" && [[ $output == pod-b ]]; do
    ((tries-- > 0)) || fail "pod a did not reach pod b at $ip_b: $output"
    sleep 0.1
  done
  run cri exec "$(saved ctr-web-b)" wget -qO- "http://$(saved ip-a):8080/"
  assert_success
  assert_output pod-a
  run cri exec "$(saved ctr-web-b)" ping -c 1 -W 5 "$(saved ip-a)"
  assert_success
  done_step pod-b
}

@test "kubernetes: ContainerStats: the CPU time and memory the container's cgroup counts" {
  cri_setup web
  local id cg
  id=$(saved ctr-web)
  cg=$CGROUP_TOP/pod-a/$id
  run cri stats "$id"
  assert_success
  assert_equal "$(jq -r .stats.attributes.id <<<"$output")" "$id"
  assert_equal "$(jq -r .stats.attributes.metadata.name <<<"$output")" web
  local cpu mem kernel_cpu
  cpu=$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$output")
  mem=$(jq -r .stats.memory.working_set_bytes.value <<<"$output")
  # read after the answer: the kernel's counter can only have grown
  if v2_host; then
    kernel_cpu=$(($(awk '$1 == "usage_usec" { print $2 }' "/sys/fs/cgroup$cg/cpu.stat") * 1000))
  else
    kernel_cpu=$(cat "/sys/fs/cgroup/cpuacct$cg/cpuacct.usage")
  fi
  ((cpu > 0 && cpu <= kernel_cpu)) || fail "stats' CPU time $cpu ns, the cgroup's $kernel_cpu ns"
  ((mem > 0 && mem <= 67108864)) || fail "stats' working set $mem bytes, the limit 64 MiB"
}

@test "kubernetes: UpdateContainerResources: the new limits in the cgroup files and the container's spec" {
  cri_setup web
  local id
  id=$(saved ctr-web)
  echo '{"memory_limit_in_bytes": 100663296, "cpu_period": 100000, "cpu_quota": 20000, "cpu_shares": 512,
         "cpuset_cpus": "0", "cpuset_mems": "0"}' >"$K/update.json"
  run cri update "$id" "$K/update.json"
  assert_success
  assert_limits "$CGROUP_TOP/pod-a/$id" 100663296 20000 100000 512
  assert_equal "$(cgroup_file cpuset "$CGROUP_TOP/pod-a/$id" cpuset.cpus cpuset.cpus)" 0
  assert_equal "$(cgroup_file cpuset "$CGROUP_TOP/pod-a/$id" cpuset.mems cpuset.mems)" 0
  run cri inspect -v "$id"
  assert_equal "$(jq -r .info.info.runtimeSpec.linux.resources.memory.limit <<<"$output")" 100663296
  assert_equal "$(jq -r .info.info.runtimeSpec.linux.resources.cpu.quota <<<"$output")" 20000
  # lowered below the first limits (memory before memory+swap, the other order than raising)
  echo '{"memory_limit_in_bytes": 50331648, "cpu_period": 50000, "cpu_quota": 10000, "cpu_shares": 128}' \
    >"$K/update.json"
  run cri update "$id" "$K/update.json"
  assert_success
  assert_limits "$CGROUP_TOP/pod-a/$id" 50331648 10000 50000 128
  # the container goes on running
  run cri exec "$id" true
  assert_success
}

@test "kubernetes: StopContainer, RemoveContainer: SIGTERM or SIGKILL after the grace period, then nothing left of it" {
  cri_setup web client
  local id pid cg
  # the client stops on SIGTERM with status 0
  id=$(saved ctr-client)
  pid=$(pid_of "$id")
  run cri stop -t 30 "$id"
  assert_success
  run cri inspect "$id"
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_EXITED
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 0
  # the web container's init (sleep, pid 1 of its namespace) ignores SIGTERM: SIGKILL after 1 s
  id=$(saved ctr-web)
  pid=$(pid_of "$id")
  cg=$CGROUP_TOP/pod-a/$id
  run cri stop -t 1 "$id"
  assert_success
  run cri inspect "$id"
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_EXITED
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 137
  [[ $(jq -r .status.finished_at <<<"$output") -gt 0 ]] || fail "no finished_at"
  # the task is deleted: no process, no cgroup, no runtime state
  ! kill -0 "$pid" 2>/dev/null || fail "the container's init $pid still runs"
  local dir
  for dir in /sys/fs/cgroup/memory$cg /sys/fs/cgroup/cpu$cg /sys/fs/cgroup$cg; do
    [[ ! -d $dir ]] || fail "cgroup $dir left after StopContainer"
  done
  [[ ! -e $RTROOT/k8s.io/$id ]] || fail "runtime state left: $RTROOT/k8s.io/$id"
  for id in "$(saved ctr-client)" "$(saved ctr-web)"; do
    run cri rm "$id"
    assert_success
    run cri inspect "$id"
    assert_failure
    assert_output --partial NOT_FOUND
    [[ ! -e $K/state/io.containerd.runtime.v2.task/k8s.io/$id ]] || fail "the shim's bundle of $id is left"
  done
  run cri ps
  assert_equal "$(jq -r '[.containers[].id] | join(" ")' <<<"$output")" "$(saved ctr-web-b)"
}

@test "kubernetes: a container that exits, one killed by the OOM killer: the exit codes and reasons the CRI reports" {
  cri_setup web
  local id
  start_container a quitter 'echo bye; exit 5'
  id=$(saved ctr-quitter)
  wait_exited "$id"
  run cri inspect "$id"
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 5
  assert_equal "$(jq -r .status.reason <<<"$output")" Error
  assert_task_gone "$id" "$CGROUP_TOP/pod-a/$id"
  grep -q ' stdout F bye$' "$K/logs/a/quitter.log" || fail "no \"bye\" in the log: $(cat "$K/logs/a/quitter.log")"
  # the shim learns of the OOM kill from the container's memory cgroup, where the runtime put it
  start_container a hog 'x=0123456789; while :; do x=$x$x; done' '.linux.resources.memory_limit_in_bytes = 16777216'
  id=$(saved ctr-hog)
  wait_exited "$id"
  run cri inspect "$id"
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 137
  assert_equal "$(jq -r .status.reason <<<"$output")" OOMKilled
  assert_task_gone "$id" "$CGROUP_TOP/pod-a/$id"
  # a container with a terminal (kubectl run -it): the shim gets the pty through --console-socket
  start_container a tty 'tty; exit 0' '.tty = true | .stdin = true'
  id=$(saved ctr-tty)
  wait_exited "$id"
  run cri inspect "$id"
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 0
  assert_equal "$(jq -r .status.reason <<<"$output")" Completed
  run cat "$K/logs/a/tty.log"
  assert_output --regexp ' stdout F /dev/pts/0'
  # a command the image lacks: StartContainer fails with the runtime's error (from its log.json), the
  # container is exited with StartError, the runtime left nothing
  id=$(cri create "$(saved pod-a)" "$(container_config missing x '.command = ["/no/such/program"]')" "$K/a.pod.json")
  save ctr-missing "$id"
  run cri start "$id"
  assert_failure
  assert_output --regexp 'OCI runtime create failed: .*/no/such/program.*(no such file or directory|not found)'
  run cri inspect "$id"
  assert_equal "$(jq -r .status.state <<<"$output")" CONTAINER_EXITED
  assert_equal "$(jq -r .status.reason <<<"$output")" StartError
  assert_task_gone "$id" "$CGROUP_TOP/pod-a/$id"
  for id in "$(saved ctr-quitter)" "$(saved ctr-hog)" "$(saved ctr-tty)" "$(saved ctr-missing)"; do
    run cri rm "$id"
    assert_success
  done
}

@test "kubernetes: a pod with one pid namespace: pause is its pid 1, a container's leftover processes die with its init" {
  cri_setup pod-a
  run_pod c '.linux.security_context.namespace_options.pid = "POD"'
  local pod id pid cg
  pod=$(saved pod-c)
  start_container c leaver 'sleep 100000 & while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 4' \
    '.linux.security_context.namespace_options.pid = "POD"'
  id=$(saved ctr-leaver)
  cg=$CGROUP_TOP/pod-c/$id
  run cri exec "$id" sh -c 'tr "\0" " " </proc/1/cmdline'
  assert_output "/pause "
  pid=$(pid_of "$id")
  assert_equal "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(pid_of "$pod")/ns/pid")"
  # the container's processes, as its cgroup holds them: its init, the background sleep, maybe a short one
  local -a procs
  mapfile -t procs < <(cgroup_file memory "$cg" cgroup.procs cgroup.procs)
  ((${#procs[@]} >= 2)) || fail "the container's cgroup holds ${procs[*]}"
  run cri exec "$id" touch /tmp/go
  assert_success
  wait_exited "$id"
  run cri inspect "$id"
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 4
  # the pid namespace outlives the init: the shim killed the rest of the container (kill --all)
  assert_task_gone "$id" "$cg"
  for pid in "${procs[@]}"; do
    ! kill -0 "$pid" 2>/dev/null || fail "process $pid of the exited container still runs"
  done
  run cri rm "$id"
  assert_success
}

@test "kubernetes: volumes: hostPath read-only and read-write, HostToContainer and Bidirectional propagation" {
  cri_setup pod-a
  local vols=$K/vols id
  mkdir -p "$vols"/{ro,rw,h2c,bidi}
  echo data >"$vols/ro/file"
  # Bidirectional needs a shared host mount, as on a systemd host: the test's own, removed below
  mount --bind "$vols" "$vols" && mount --make-rshared "$vols" || fail "could not make $vols a shared mount"
  start_container a vols 'trap "exit 0" TERM; while :; do sleep 0.2; done' \
    '.linux.security_context.capabilities = {add_capabilities: ["SYS_ADMIN"]} | .mounts = [
      {container_path: "/ro", host_path: "'"$vols"'/ro", readonly: true},
      {container_path: "/rw", host_path: "'"$vols"'/rw"},
      {container_path: "/h2c", host_path: "'"$vols"'/h2c", propagation: "PROPAGATION_HOST_TO_CONTAINER"},
      {container_path: "/bidi", host_path: "'"$vols"'/bidi", propagation: "PROPAGATION_BIDIRECTIONAL"}]'
  id=$(saved ctr-vols)
  run cri exec "$id" sh -c 'cat /ro/file; touch /ro/new 2>&1; echo written >/rw/file'
  assert_line --index 0 data
  assert_line --index 1 --partial "Read-only file system"
  assert_equal "$(cat "$vols/rw/file")" written
  # a mount made on the host under /h2c shows in the container; one made in the container under /bidi
  # shows on the host
  mkdir "$vols/h2c/sub"
  mount -t tmpfs skiff-h2c "$vols/h2c/sub"
  run cri exec "$id" sh -c 'mkdir /bidi/sub && mount -t tmpfs skiff-bidi /bidi/sub && awk "\$5 == \"/h2c/sub\" { print \$5 }" /proc/self/mountinfo'
  assert_success
  assert_output /h2c/sub
  run awk -v p="$vols/bidi/sub" '$5 == p { print $5 }' /proc/self/mountinfo
  assert_output "$vols/bidi/sub"
  run cri stop -t 10 "$id"
  assert_success
  run cri rm "$id"
  assert_success
  umount "$vols/bidi/sub" "$vols/h2c/sub" && umount "$vols" || fail "could not unmount the test's mounts"
}

@test "kubernetes: security context: capabilities, no_new_privs, groups; a privileged container" {
  cri_setup pod-a
  local id pid
  start_container a restricted 'trap "exit 0" TERM; while :; do sleep 0.2; done' \
    '.linux.security_context += {run_as_user: {value: 1000}, run_as_group: {value: 1000},
      supplemental_groups: [2000, 3000], no_new_privs: true,
      capabilities: {drop_capabilities: ["ALL"], add_capabilities: ["NET_BIND_SERVICE"]}}'
  id=$(saved ctr-restricted)
  pid=$(pid_of "$id")
  run awk '/^(Uid|Gid|Groups|CapBnd|CapPrm|NoNewPrivs):/ { $1 = $1; print }' "/proc/$pid/status"
  assert_line "Uid: 1000 1000 1000 1000"
  assert_line "Gid: 1000 1000 1000 1000"
  # the supplemental groups with the user's own from the image's /etc/group, as containerd adds it
  assert_line "Groups: 1000 2000 3000"
  assert_line "CapBnd: 0000000000000400"
  assert_line "NoNewPrivs: 1"
  run cri exec "$id" id
  assert_output "uid=1000(user) gid=1000(user) groups=1000(user),2000,3000"
  run cri stop -t 10 "$id"
  run cri rm "$id"

  # a device as a device plugin hands one over, read-only (/dev/kmsg: not among the devices every
  # container may use): the node made in the container, opening it for writing denied by the cgroup
  start_container a dev 'trap "exit 0" TERM; while :; do sleep 0.2; done' \
    '.devices = [{host_path: "/dev/kmsg", container_path: "/dev/plugged", permissions: "r"}]'
  id=$(saved ctr-dev)
  run cri exec "$id" sh -c 'stat -c "%F %t:%T" /dev/plugged; exec 3>/dev/plugged'
  assert_failure
  assert_line --index 0 "character special file 1:b"
  assert_line --index 1 --partial "Operation not permitted"
  if ! v2_host; then
    run cat "/sys/fs/cgroup/devices$CGROUP_TOP/pod-a/$id/devices.list"
    assert_line "c 1:11 r"
  fi
  run cri stop -t 10 "$id"
  run cri rm "$id"

  # privileged and on the node's network, as a CNI or kube-proxy daemonset runs (the kubelet gives
  # such a pod no hostname and no network sysctl: it has the node's)
  run_pod p 'del(.hostname) | del(.linux.sysctls)
    | .linux.security_context += {privileged: true, namespace_options: {network: "NODE", pid: "CONTAINER"}}'
  start_container p privileged 'trap "exit 0" TERM; while :; do sleep 0.2; done' \
    '.linux.security_context += {privileged: true, namespace_options: {network: "NODE", pid: "CONTAINER"}}'
  id=$(saved ctr-privileged)
  pid=$(pid_of "$id")
  # every capability the host's root has (this VM's lacks CAP_SYS_RESOURCE), no seccomp filter, the
  # host's devices, /sys writable
  local all
  all=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
  run awk '/^(CapEff|CapBnd|Seccomp):/ { $1 = $1; print }' "/proc/$pid/status"
  assert_line "CapEff: $all"
  assert_line "CapBnd: $all"
  assert_line "Seccomp: 0"
  run cri exec "$id" sh -c 'ls /dev/null /dev/loop-control /dev/kmsg && grep " /sys " /proc/self/mountinfo'
  assert_success
  assert_line --index 3 --regexp " /sys rw,"
  # the node's network here is the one containerd runs in
  assert_equal "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i "/run/netns/$RUN_NAME")"
  run cri exec "$id" ip -o link show skiff0
  assert_success
}

@test "kubernetes: StopPodSandbox, RemovePodSandbox: pods, containers, network and cgroups gone; nothing left" {
  cri_setup pod-a
  local pod pid
  local -a pids=()
  for pod in a b c p; do
    [[ -e $K/ids/pod-$pod ]] || continue
    pids+=("$(pid_of "$(saved "pod-$pod")")")
  done
  [[ -e $K/ids/ctr-web-b ]] && pids+=("$(pid_of "$(saved ctr-web-b)")")
  for pod in a b c p; do
    [[ -e $K/ids/pod-$pod ]] || continue
    run cri stopp "$(saved "pod-$pod")"
    assert_success
    run cri inspectp "$(saved "pod-$pod")"
    assert_equal "$(jq -r .status.state <<<"$output")" SANDBOX_NOTREADY
  done
  for pid in "${pids[@]}"; do
    ! kill -0 "$pid" 2>/dev/null || fail "process $pid of a stopped pod still runs"
  done
  # the CNI DEL: no veth on the bridge, the addresses back in the pool
  run in_netns ip -o link show master skiff0
  assert_output ""
  run find "$K/ipam" -type f -name '10.231.7.*'
  assert_output ""
  for pod in a b c p; do
    [[ -e $K/ids/pod-$pod ]] || continue
    run cri rmp "$(saved "pod-$pod")"
    assert_success
  done
  run cri pods
  assert_equal "$(jq '.items | length' <<<"$output")" 0
  run cri ps
  assert_equal "$(jq '.containers | length' <<<"$output")" 0

  # containerd's root and state: no container, task, bundle, active snapshot, pod netns or runtime state
  run ctr_ containers list --quiet
  assert_output ""
  run ctr_ tasks list --quiet
  assert_output ""
  run ctr_ snapshots --snapshotter overlayfs list
  refute_output --partial Active
  run find "$K/state/io.containerd.runtime.v2.task/k8s.io" "$RTROOT/k8s.io" -mindepth 1
  assert_output ""
  run find "$K/root/io.containerd.grpc.v1.cri" "$K/state/io.containerd.grpc.v1.cri" -mindepth 2
  assert_output ""
  run grep -F " $K/" /proc/self/mountinfo
  assert_output ""
  # the pods' cgroups are gone; the parents the kubelet would have made and removed are the test's to remove
  run find /sys/fs/cgroup -mindepth 3 -maxdepth 4 -type d -path "*$CGROUP_TOP/pod-*/*"
  assert_output ""
  remove_run_cgroups
  run find /sys/fs/cgroup -maxdepth 2 -name "${CGROUP_TOP#/}"
  assert_output ""

  # containerd stops, its shims are gone, and so is the network namespace it ran in
  stop_containerd TERM || fail "containerd did not stop on SIGTERM"
  local tries=100
  while [[ -n $(shim_pids) ]]; do
    ((tries-- > 0)) || fail "shims left: $(shim_pids)"
    sleep 0.1
  done
  ip netns delete "$RUN_NAME"
  rm "$K/netns"
  run ls /var/lib/cni/results
  refute_output --partial "$RUN_NAME"
}

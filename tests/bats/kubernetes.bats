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
load ../cri/cri

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

@test "kubernetes: a pod without the RuntimeClass runs under containerd's default runtime, not skiff" {
  cri_setup images
  requires runc
  local id pid
  id=$(cri runp "$(pod_config plain)") || fail "RunPodSandbox without a handler failed"
  run cri inspectp -v "$id"
  assert_equal "$(jq -r .status.state <<<"$output")" SANDBOX_READY
  assert_equal "$(jq -r .status.runtime_handler <<<"$output")" ""
  assert_equal "$(jq -r .info.info.runtimeOptions.root <<<"$output")" "$K/runc-root"
  assert_equal "$(jq -r '.info.info.runtimeOptions.binary_name // ""' <<<"$output")" ""
  pid=$(jq -r .info.info.pid <<<"$output")
  # runc's state under the default handler's root; nothing under skiff's
  [[ -f $K/runc-root/k8s.io/$id/state.json ]] || fail "no runc state for the pod under $K/runc-root/k8s.io"
  [[ ! -e $RTROOT/k8s.io/$id ]] || fail "the pod without a RuntimeClass has state under skiff's root"
  run runc --root "$K/runc-root/k8s.io" state "$id"
  assert_success
  assert_equal "$(jq -r .pid <<<"$output")" "$pid"
  run cri stopp "$id"
  assert_success
  run cri rmp "$id"
  assert_success
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
  # the OOM event and the exit event reach the CRI in either order
  local deadline=$((SECONDS + 30))
  until run cri inspect "$id" && [[ $(jq -r .status.reason <<<"$output") == OOMKilled ]]; do
    ((SECONDS < deadline)) || fail "reason \"$(jq -r .status.reason <<<"$output")\", not OOMKilled"
    sleep 0.2
  done
  assert_equal "$(jq -r .status.exit_code <<<"$output")" 137
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

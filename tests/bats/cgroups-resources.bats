#!/usr/bin/env bats
# Every linux.resources field (src/lib/cgroups/: blkio.c, memory.c, hugetlb.c, cpu.c, network.c, v2.c):
# one test each that creates a container and reads what the kernel shows in its cgroup files, on the
# layout this host has (v1, hybrid; v2 in the VM lane). What the host cannot do is decided from the
# kernel (its files, /proc/cgroups, /sys), and there the test expects skiff's one-line error instead:
# either way the test fails if skiff stops writing the field. `update --resources` last.

load helpers
load cgroup-helpers

setup() {
  requires root
  setup_bundle
  set_args sleep 1000
}

teardown() {
  teardown_bundle
}

# fresh_files CONTROLLER: the files a new cgroup of CONTROLLER has on this host (a probe cgroup made and
# removed next to where the container's goes): what the kernel offers, not what the runtime says.
fresh_files() {
  local dir
  dir=$(cg_dir "$1" "/$ID-probe")
  mkdir "$dir" 2>/dev/null || return 1
  ls "$dir"
  rmdir "$dir"
}

# A whole disk of this host, "major:minor" (the throttle and weight files take no partition), else none.
whole_disk() {
  local d
  for d in /sys/block/*; do
    [[ -e $d/dev ]] || continue
    case ${d##*/} in loop* | ram* | zram*) continue ;; esac
    cat "$d/dev"
    return 0
  done
  return 1
}

# create_expect_error TEXT...: create fails with one line holding each TEXT, and leaves no state
create_expect_error() {
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "$@"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

# --- blockIO ---

# The proportional weight file this host's kernel offers ("" when none: no CFQ, BFQ nor iocost).
weight_file() {
  local files
  files=$(fresh_files blkio) || return 0
  local f
  for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
    grep -qx "$f" <<<"$files" && echo "$f" && return 0
  done
  return 0
}

@test "blockIO.weight: the cgroup's weight file, or an error where the kernel has none" {
  cgroup_config '{"blockIO": {"weight": 300}}'
  local file
  file=$(weight_file)
  if [[ -z $file ]]; then
    runc_lacks "an error for a weight the kernel cannot apply (runc 1.1 drops it)"
    create_expect_error "linux.resources.blockIO.weight" "no proportional I/O weight"
    return 0
  fi
  create_container "$ID"
  local want=300
  [[ $file == io.weight ]] && want=$(((300 - 10) * 9999 / 990 + 1))
  grep -Eq "(^| )$want\$" "$(cg_file blkio "$file")" || fail "$file: $(cat "$(cg_file blkio "$file")")"
  skiff delete --force "$ID"
}

@test "blockIO.leafWeight: blkio.leaf_weight (CFQ), or an error where the kernel has none" {
  runc_lacks "an error for a leaf weight the kernel cannot apply (runc 1.1 drops it)"
  cgroup_config '{"blockIO": {"leafWeight": 200}}'
  if v2_host; then
    create_expect_error "linux.resources.blockIO.leafWeight" "no cgroup v2 equivalent"
  elif fresh_files blkio | grep -qx blkio.leaf_weight; then
    create_container "$ID"
    assert_equal "$(cat "$(cg_file blkio blkio.leaf_weight)")" 200
    skiff delete --force "$ID"
  else
    create_expect_error "linux.resources.blockIO.leafWeight" "not supported by this kernel"
  fi
}

@test "blockIO.weightDevice: the device's line in the weight file, or an error where the kernel has none" {
  local dev file
  dev=$(whole_disk) || skip "no whole disk on this host (loop, ram and zram devices take no weight)"
  file=$(weight_file)
  cgroup_config "$(jq -n --argjson ma "${dev%:*}" --argjson mi "${dev#*:}" \
    '{blockIO: {weightDevice: [{major: $ma, minor: $mi, weight: 500}]}}')"
  if [[ -z $file ]]; then
    runc_lacks "an error for a weight the kernel cannot apply (runc 1.1 drops it)"
    create_expect_error "linux.resources.blockIO.weight" "no proportional I/O weight"
    return 0
  fi
  create_container "$ID"
  local want=500 devfile=${file%.weight}.weight_device
  [[ $file == io.weight ]] && want=$(((500 - 10) * 9999 / 990 + 1))
  [[ $file == io.* ]] && devfile=$file
  grep -qx "$dev $want" "$(cg_file blkio "$devfile")" || fail "$devfile: $(cat "$(cg_file blkio "$devfile")")"
  skiff delete --force "$ID"
}

@test "blockIO.throttle*: read/write bps and iops per device in the throttle files (v1) or io.max (v2)" {
  local dev
  # a loop device is a disk for the throttles: the host's first one when it has no other
  dev=$(whole_disk) || dev=$(cat /sys/block/loop0/dev 2>/dev/null) || skip "no block device on this host"
  fresh_files blkio | grep -Eqx 'blkio.throttle.read_bps_device|io.max' ||
    skip "this kernel has no I/O throttling (CONFIG_BLK_DEV_THROTTLING)"
  cgroup_config "$(jq -n --argjson ma "${dev%:*}" --argjson mi "${dev#*:}" '{blockIO: {
    throttleReadBpsDevice: [{major: $ma, minor: $mi, rate: 1048576}],
    throttleWriteBpsDevice: [{major: $ma, minor: $mi, rate: 2097152}],
    throttleReadIOPSDevice: [{major: $ma, minor: $mi, rate: 1000}],
    throttleWriteIOPSDevice: [{major: $ma, minor: $mi, rate: 2000}]}}')"
  create_container "$ID"
  if v2_host; then
    grep -qx "$dev rbps=1048576 wbps=2097152 riops=1000 wiops=2000" "$(cg_file io io.max)" ||
      fail "io.max: $(cat "$(cg_file io io.max)")"
  else
    grep -qx "$dev 1048576" "$(cg_file blkio blkio.throttle.read_bps_device)"
    grep -qx "$dev 2097152" "$(cg_file blkio blkio.throttle.write_bps_device)"
    grep -qx "$dev 1000" "$(cg_file blkio blkio.throttle.read_iops_device)"
    grep -qx "$dev 2000" "$(cg_file blkio blkio.throttle.write_iops_device)"
  fi
  skiff delete --force "$ID"
}

# --- hugepageLimits ---

# The hugetlb page sizes this kernel has, smallest first, as the spec names them ("2MB"), one a line.
page_sizes() {
  local d kb
  for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
    [[ -d $d ]] || continue
    kb=${d##*hugepages-}
    echo "${kb%kB}"
  done | sort -n | while read -r kb; do
    if ((kb >= 1048576)); then echo "$((kb / 1048576))GB"; elif ((kb >= 1024)); then echo "$((kb / 1024))MB"; else echo "${kb}KB"; fi
  done
}

# page_bytes SIZE: "2MB" -> 2097152 (the kernel rounds hugetlb limits down to whole pages)
page_bytes() {
  local n=${1%??}
  case $1 in
  *KB) echo $((n * 1024)) ;;
  *MB) echo $((n * 1048576)) ;;
  *GB) echo $((n * 1073741824)) ;;
  esac
}

# Whether this host has the hugetlb controller: a v1 hierarchy, or in cgroup2 (v2, or a hybrid's).
hugetlb_controller() {
  awk '$9 == "cgroup" && $NF ~ /(^|,)hugetlb(,|$)/ { found = 1 } END { exit !found }' /proc/self/mountinfo ||
    grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null
}

@test "hugepageLimits: hugetlb.<size>.limit_in_bytes (v1) or .max (cgroup2), reservations too" {
  local size
  size=$(page_sizes | head -n 1)
  [[ -n $size ]] || skip "this kernel has no huge pages"
  local limit
  limit=$((2 * $(page_bytes "$size")))
  cgroup_config "$(jq -n --arg s "$size" --argjson l "$limit" '{hugepageLimits: [{pageSize: $s, limit: $l}]}')"
  if ! hugetlb_controller; then
    runc_lacks "an error for hugepageLimits without the hugetlb controller"
    create_expect_error "linux.resources.hugepageLimits" "hugetlb controller not available"
    return 0
  fi
  if ! v2_host && ! awk '$9 == "cgroup" && $NF ~ /(^|,)hugetlb(,|$)/ { f = 1 } END { exit !f }' /proc/self/mountinfo; then
    runc_lacks "hugetlb in a hybrid host's cgroup2"
  fi
  create_container "$ID"
  local file
  file=$(cg_file hugetlb "hugetlb.$size.limit_in_bytes" || cg_file hugetlb "hugetlb.$size.max") ||
    fail "no hugetlb.$size file in the container's cgroup"
  assert_equal "$(<"$file")" "$limit"
  local rsvd=${file/"hugetlb.$size."/"hugetlb.$size.rsvd."}
  if [[ -e $rsvd ]] && ! is_runc; then
    assert_equal "$(<"$rsvd")" "$limit"
  fi
  skiff delete --force "$ID"
}

@test "hugepageLimits: a page size this kernel does not have is refused, naming it" {
  runc_lacks "naming the page size (runc 1.1 fails on the missing file)"
  hugetlb_controller || skip "no hugetlb controller on this host"
  cgroup_config '{"hugepageLimits": [{"pageSize": "64KB", "limit": 4194304}]}'
  page_sizes | grep -qx 64KB && skip "this kernel has 64KB huge pages"
  create_expect_error "linux.resources.hugepageLimits[0].pageSize" '"64KB"'
}

# --- memory ---

@test "memory.swap: memory.memsw.limit_in_bytes (v1), memory.swap.max = swap - limit (v2)" {
  cgroup_config '{"memory": {"limit": 67108864, "swap": 134217728}}'
  local files
  files=$(fresh_files memory)
  if ! grep -Eqx 'memory.memsw.limit_in_bytes|memory.swap.max' <<<"$files"; then
    runc_lacks "an error for swap without swap accounting"
    create_expect_error "linux.resources.memory.swap" "swap accounting is off"
    return 0
  fi
  create_container "$ID"
  if v2_host; then
    assert_equal "$(cat "$(cg_file memory memory.swap.max)")" 67108864
  else
    assert_equal "$(cat "$(cg_file memory memory.memsw.limit_in_bytes)")" 134217728
  fi
  skiff delete --force "$ID"
}

@test "memory.reservation: memory.soft_limit_in_bytes (v1), memory.low (v2)" {
  cgroup_config '{"memory": {"limit": 67108864, "reservation": 33554432}}'
  create_container "$ID"
  if v2_host; then
    assert_equal "$(cat "$(cg_file memory memory.low)")" 33554432
  else
    assert_equal "$(cat "$(cg_file memory memory.soft_limit_in_bytes)")" 33554432
  fi
  skiff delete --force "$ID"
}

@test "memory.disableOOMKiller: oom_kill_disable 1 in memory.oom_control (v1), an error on v2" {
  cgroup_config '{"memory": {"limit": 67108864, "disableOOMKiller": true}}'
  if v2_host; then
    runc_lacks "an error for disableOOMKiller on cgroup v2 (runc 1.1 drops it)"
    create_expect_error "linux.resources.memory.disableOOMKiller" "no cgroup v2 equivalent"
    return 0
  fi
  create_container "$ID"
  grep -qx 'oom_kill_disable 1' "$(cg_file memory memory.oom_control)" ||
    fail "memory.oom_control: $(cat "$(cg_file memory memory.oom_control)")"
  skiff delete --force "$ID"
}

# --- cpuset ---

# The last number of a kernel list ("0-3,8" -> 8).
last_of_list() {
  local l
  l=$(<"$1")
  l=${l##*[,-]}
  echo "${l%%[!0-9]*}"
}

@test "cpu.cpus and cpu.mems: cpuset.cpus and cpuset.mems hold them; one the kernel lacks is refused" {
  local cpu node
  cpu=$(last_of_list /sys/devices/system/cpu/online)
  node=$(last_of_list /sys/devices/system/node/online 2>/dev/null || echo 0)
  [[ -n $node ]] || node=0
  cgroup_config "$(jq -n --arg c "$cpu" --arg m "$node" '{cpu: {cpus: $c, mems: $m}}')"
  create_container "$ID"
  assert_equal "$(cat "$(cg_file cpuset cpuset.cpus)")" "$cpu"
  assert_equal "$(cat "$(cg_file cpuset cpuset.mems)")" "$node"
  skiff delete --force "$ID"
  # a node and a cpu past the last: the kernel refuses what skiff writes
  cgroup_config "$(jq -n --arg m "$((node + 1))" '{cpu: {mems: $m}}')"
  create_expect_error "linux.resources.cpu.mems" --runc "cpuset.mems" --runc-lines 2
  cgroup_config "$(jq -n --arg c "$((cpu + 1))" '{cpu: {cpus: $c, mems: "0"}}')"
  create_expect_error "linux.resources.cpu.cpus" --runc "cpuset.cpus" --runc-lines 2
}

# --- rdma ---

@test "rdma: rdma.max of the device, or an error naming it where the kernel cannot" {
  local dev=skiff-no-such-hca
  for d in /sys/class/infiniband/*; do
    [[ -e $d ]] && dev=${d##*/} && break
  done
  cgroup_config "$(jq -n --arg d "$dev" '{rdma: {($d): {hcaHandles: 3, hcaObjects: 1000}}}')"
  if ! awk '$1 == "rdma" && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups; then
    runc_lacks "an error for rdma limits without the rdma controller"
    create_expect_error "linux.resources.rdma" "rdma controller not available"
  elif [[ $dev == skiff-no-such-hca ]]; then
    # the kernel refuses a device it does not have: proof that the limit was written
    runc_lacks "the field in the error"
    create_expect_error "linux.resources.rdma.$dev" "write rdma.max" "no such device"
  else
    create_container "$ID"
    grep -q "^$dev hca_handle=3 hca_object=1000" "$(cg_file rdma rdma.max)" ||
      fail "rdma.max: $(cat "$(cg_file rdma rdma.max)")"
    skiff delete --force "$ID"
  fi
}

# --- network: net_cls and net_prio, v1 only ---

# Whether this host mounts net_cls and net_prio (a hybrid host's usual layout).
netcls_mounted() {
  awk '$9 == "cgroup" && $NF ~ /(^|,)net_(cls|prio)(,|$)/ { n++ } END { exit !n }' /proc/self/mountinfo
}

# in_netcls_view SCRIPT: runs SCRIPT (bash, with $SKIFF, $ROOT, $BUNDLE, $ID, $NETCLS and $NETPRIO set
# to the hierarchies' directories) in a private mount namespace where net_cls and net_prio are mounted:
# the host's own mounts when it has them, else a hierarchy mounted there for the test. Sets status and
# output. A hierarchy of its own is unmounted once its last child cgroup is released (the kernel keeps
# a v1 hierarchy unmounted with a child still going away), and then must be gone from /proc/cgroups.
in_netcls_view() {
  local mnt=$BATS_TEST_TMPDIR/netcls own=false
  mkdir -p "$mnt"
  netcls_mounted || own=true
  run unshare -m --propagation private bash -c '
    netcls=$(awk '\''$9 == "cgroup" && $NF ~ /(^|,)net_cls(,|$)/ { print $5; exit }'\'' /proc/self/mountinfo)
    netprio=$(awk '\''$9 == "cgroup" && $NF ~ /(^|,)net_prio(,|$)/ { print $5; exit }'\'' /proc/self/mountinfo)
    own=
    if [[ -z $netcls && -z $netprio ]]; then
      mount -t cgroup -o net_cls,net_prio cgroup "$1" || exit 99
      netcls=$1 netprio=$1 own=$1
    fi
    [[ -n $netcls && -n $netprio ]] || exit 98
    export SKIFF=$2 ROOT=$3 BUNDLE=$4 ID=$5 NETCLS=$netcls NETPRIO=$netprio
    bash -c "$6"
    code=$?
    "$SKIFF" --root "$ROOT" delete --force "$ID" 2>/dev/null
    rmdir "$NETCLS/$ID" "$NETPRIO/$ID" 2>/dev/null
    if [[ -n $own ]]; then
      for _ in $(seq 100); do
        [[ $(awk '\''$1 == "net_cls" { print $3 }'\'' /proc/cgroups) == 1 ]] && break
        sleep 0.05
      done
      umount "$own"
    fi
    exit $code' \
    netcls "$mnt" "$SKIFF" "$SKIFF_ROOT" "$BUNDLE" "$ID" "$1"
  if $own; then
    local left
    for _ in $(seq 50); do
      left=$(awk '$1 == "net_cls" { print $2 }' /proc/cgroups)
      [[ $left == 0 ]] && break
      sleep 0.1
    done
    [[ $left == 0 ]] || fail "the net_cls hierarchy mounted for the test outlived it (hierarchy $left)"
  fi
}

@test "network.classID: net_cls.classid (v1, a hierarchy mounted for the test where the host has none)" {
  requires unshare
  cgroup_config '{"network": {"classID": 1048577}}'
  if v2_host; then
    runc_lacks "an error for network limits on cgroup v2 (runc 1.1 drops them)"
    create_expect_error "linux.resources.network" "no cgroup v2 equivalent"
    return 0
  fi
  netcls_mounted || runc_lacks "a net_cls hierarchy outside /sys/fs/cgroup/<name>"
  in_netcls_view '"$SKIFF" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null &&
    cat "$NETCLS/$ID/net_cls.classid"'
  ((status != 99)) || skip "this kernel cannot mount net_cls and net_prio"
  assert_success
  assert_output 1048577
}

@test "network.priorities: net_prio.ifpriomap (v1, a hierarchy mounted for the test where the host has none)" {
  requires unshare
  cgroup_config '{"network": {"priorities": [{"name": "lo", "priority": 5}]}}'
  if v2_host; then
    runc_lacks "an error for network limits on cgroup v2 (runc 1.1 drops them)"
    create_expect_error "linux.resources.network" "no cgroup v2 equivalent"
    return 0
  fi
  netcls_mounted || runc_lacks "a net_cls hierarchy outside /sys/fs/cgroup/<name>"
  in_netcls_view '"$SKIFF" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null &&
    cat "$NETPRIO/$ID/net_prio.ifpriomap"'
  ((status != 99)) || skip "this kernel cannot mount net_cls and net_prio"
  assert_success
  assert_line "lo 5"
}

# --- unified ---

@test "unified: the keys land in the cgroup2 files (v2; a hybrid host's cgroup2 controllers), else runc's error" {
  local u=/sys/fs/cgroup/unified size
  if v2_host; then
    cgroup_config '{"unified": {"pids.max": "17", "memory.high": "52428800"}}'
    create_container "$ID"
    assert_equal "$(cat "/sys/fs/cgroup/$ID/pids.max")" 17
    assert_equal "$(cat "/sys/fs/cgroup/$ID/memory.high")" 52428800
    skiff delete --force "$ID"
  elif [[ -e $u/cgroup.controllers ]] && grep -qw hugetlb "$u/cgroup.controllers" &&
    size=$(page_sizes | head -n 1) && [[ -n $size ]]; then
    # a hybrid host whose cgroup2 holds hugetlb: runc refuses unified on anything but v2; skiff
    # writes the keys of the controllers cgroup2 holds there
    local limit
    limit=$((3 * $(page_bytes "$size")))
    cgroup_config "$(jq -n --arg k "hugetlb.$size.max" --arg l "$limit" '{unified: {($k): $l}}')"
    if is_runc; then
      create_expect_error unified --runc "cannot use unified on cgroup v1"
      return 0
    fi
    create_container "$ID"
    assert_equal "$(cat "$u/$ID/hugetlb.$size.max")" "$limit"
    skiff delete --force "$ID"
  else
    cgroup_config '{"unified": {"pids.max": "17"}}'
    create_expect_error "linux.resources.unified" "cannot use unified on cgroup v1" \
      --runc "cannot use unified on cgroup v1"
  fi
}

# --- update --resources ---

# resources_doc N: the limits this host can take, at step N (1 or 2: different values), as JSON
resources_doc() {
  local n=$1 doc dev size
  doc=$(jq -n --argjson n "$n" '{memory: {limit: (67108864 * $n), reservation: (16777216 * $n)},
    pids: {limit: (20 + $n)}, cpu: {cpus: "0", mems: "0"}}')
  if fresh_files memory | grep -Eqx 'memory.memsw.limit_in_bytes|memory.swap.max'; then
    doc=$(jq --argjson n "$n" '.memory.swap = (134217728 * $n)' <<<"$doc")
  fi
  # runc 1.1's update takes its flags' fields only
  if ! is_runc && dev=$(whole_disk || cat /sys/block/loop0/dev 2>/dev/null); then
    doc=$(jq --argjson n "$n" --argjson ma "${dev%:*}" --argjson mi "${dev#*:}" '.blockIO = {
      throttleReadBpsDevice: [{major: $ma, minor: $mi, rate: (1048576 * $n)}],
      throttleWriteIOPSDevice: [{major: $ma, minor: $mi, rate: (1000 * $n)}]}' <<<"$doc")
  fi
  size=$(page_sizes | head -n 1)
  if [[ -n $size ]] && hugetlb_controller && ! is_runc; then
    doc=$(jq --argjson n "$n" --arg s "$size" --argjson p "$(page_bytes "$size")" \
      '.hugepageLimits = [{pageSize: $s, limit: ($p * 2 * $n)}]' <<<"$doc")
  fi
  echo "$doc"
}

# check_resources DOC: the container's cgroup files hold DOC's values (one jq for all of them: each
# process costs tens of ms in the VM lane)
check_resources() {
  local pids limit reservation swap dev rbps wiops size huge f
  IFS=$'\t' read -r pids limit reservation swap dev rbps wiops size huge < <(jq -r '[.pids.limit, .memory.limit,
    .memory.reservation, (.memory.swap // "-"),
    (.blockIO.throttleReadBpsDevice[0] // {} | if .major then "\(.major):\(.minor)" else "-" end),
    (.blockIO.throttleReadBpsDevice[0].rate // "-"), (.blockIO.throttleWriteIOPSDevice[0].rate // "-"),
    (.hugepageLimits[0].pageSize // "-"), (.hugepageLimits[0].limit // "-")] | @tsv' <<<"$1")
  assert_equal "$(cat "$(cg_file pids pids.max)")" "$pids"
  if v2_host; then
    assert_equal "$(cat "$(cg_file memory memory.max)")" "$limit"
    assert_equal "$(cat "$(cg_file memory memory.low)")" "$reservation"
    [[ $swap == - ]] || assert_equal "$(cat "$(cg_file memory memory.swap.max)")" "$((swap - limit))"
  else
    assert_equal "$(cat "$(cg_file memory memory.limit_in_bytes)")" "$limit"
    assert_equal "$(cat "$(cg_file memory memory.soft_limit_in_bytes)")" "$reservation"
    [[ $swap == - ]] || assert_equal "$(cat "$(cg_file memory memory.memsw.limit_in_bytes)")" "$swap"
  fi
  if [[ $dev != - ]]; then
    if v2_host; then
      grep -Eq "^$dev rbps=$rbps .*wiops=$wiops\$" "$(cg_file io io.max)" || fail "io.max: $(cat "$(cg_file io io.max)")"
    else
      grep -qx "$dev $rbps" "$(cg_file blkio blkio.throttle.read_bps_device)"
      grep -qx "$dev $wiops" "$(cg_file blkio blkio.throttle.write_iops_device)"
    fi
  fi
  if [[ $size != - ]]; then
    f=$(cg_file hugetlb "hugetlb.$size.limit_in_bytes" || cg_file hugetlb "hugetlb.$size.max")
    assert_equal "$(<"$f")" "$huge"
  fi
}

@test "update --resources FILE, then -r - (stdin): each field this host has takes the new value" {
  local one two
  one=$(resources_doc 1)
  two=$(resources_doc 2)
  cgroup_config "$one"
  create_container "$ID"
  check_resources "$one"
  echo "$two" >"$BATS_TEST_TMPDIR/resources.json"
  run --separate-stderr skiff update --resources "$BATS_TEST_TMPDIR/resources.json" "$ID"
  assert_success
  check_resources "$two"
  run --separate-stderr skiff update -r - "$ID" <<<"$one"
  assert_success
  check_resources "$one"
  skiff delete --force "$ID"
}

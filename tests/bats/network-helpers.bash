# Shared by tests/bats/network*.bats: skiff-bridge driven inside network namespaces the test makes.
# The "host" of every test is a fresh netns ($HOSTNS): the bridge, the veths' host ends, the
# nftables table and the forwarding sysctl live there and die with it; containers are further
# netns. Nothing touches the namespaces of the machine, and traffic only goes to addresses the
# test made.
#
#   net_setup                  the host netns, $DATADIR (the IPAM's dataDir), $BRIDGE_BIN; skips
#                              without root, skiff-bridge, ip, nft, jq or busybox
#   net_conf [JQ FILTER [ARGS]]   a plugin config ($BR on $SUBNET, isGateway, ipMasq, host-local in
#                              $DATADIR) edited by the filter, on stdout
#   new_netns VAR              a fresh netns for a container, its name in VAR
#   cni CMD ID NETNS CONF [IFNAME]   the plugin ($CNI_PLUGIN, default skiff-bridge) in $HOSTNS; $status,
#                              $output (stdout), $stderr
#   in_host CMD... / in_ns NS CMD...  a command in $HOSTNS / in netns NS
#   http_get NS ADDR PORT [PATH]   the last line of an HTTP GET from netns NS
#   host_skiff ARGS...         the runtime under test, run in $HOSTNS
#   leases                     the lease files of the test's network
#   nat_rules [ID]             the rules skiff-bridge made in $HOSTNS (the comment of one attachment)
#   host_veths                 the veths in $HOSTNS

NET_NAME=skbrnet
BR=skbr0
SUBNET=10.177.0.0/24
GATEWAY=10.177.0.1

bridge_binary() {
  local dir
  for dir in "${SKIFF_BUILDDIR-}" "$(dirname "$SKIFF")" "$BATS_TEST_DIRNAME/../.."; do
    [[ -n $dir && -x $dir/skiff-bridge ]] && { echo "$dir/skiff-bridge"; return 0; }
  done
  return 1
}

net_setup() {
  requires root ip nft jq
  BRIDGE_BIN=$(bridge_binary) || skip "skiff-bridge is not built (set SKIFF_BUILDDIR)"
  [[ -x $BUSYBOX ]] || skip "needs busybox-static"
  # not "$ID_PREFIX-...": the leak check would take it for a container's netns
  HOSTNS=skbrh${ID_PREFIX#sk}
  NETNS_N=0
  ip netns add "$HOSTNS" || fail "ip netns add $HOSTNS"
  defer ip netns delete "$HOSTNS"
  in_host ip link set lo up
  DATADIR=$BATS_TEST_TMPDIR/cni
  mkdir -p "$DATADIR"
}

# new_netns VAR: not in $(...), whose subshell would lose the count and the deferred removal
new_netns() {
  NETNS_N=$((NETNS_N + 1))
  local _netns=skbrc${ID_PREFIX#sk}n$NETNS_N
  ip netns add "$_netns" || fail "ip netns add $_netns"
  defer ip netns delete "$_netns"
  ip netns exec "$_netns" ip link set lo up
  printf -v "$1" %s "$_netns"
}

in_host() {
  ip netns exec "$HOSTNS" "$@"
}

in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

net_conf() {
  local filter=${1:-.}
  shift || true
  jq -n --arg br "$BR" --arg subnet "$SUBNET" --arg dir "$DATADIR" --arg name "$NET_NAME" "$@" \
    "{cniVersion: \"1.1.0\", name: \$name, type: \"skiff-bridge\", bridge: \$br, isGateway: true,
      isDefaultGateway: true, ipMasq: true,
      ipam: {type: \"host-local\", subnet: \$subnet, dataDir: \$dir}} | $filter"
}

# cni CMD ID NETNS CONF [IFNAME]: NETNS a netns name, an absolute path, or "" (none)
cni() {
  local cmd=$1 id=$2 ns=$3 conf=$4 ifname=${5:-eth0}
  [[ -n $ns && $ns != /* ]] && ns=/run/netns/$ns
  run --separate-stderr ip netns exec "$HOSTNS" env -i PATH="$PATH" CNI_COMMAND="$cmd" CNI_CONTAINERID="$id" \
    CNI_NETNS="$ns" CNI_IFNAME="$ifname" CNI_PATH="${CNI_PATH_DIRS:-/usr/lib/cni}" "${CNI_PLUGIN:-$BRIDGE_BIN}" <<<"$conf"
  echo "cni $cmd $id: status $status, stdout: $output, stderr: $stderr" >&2
}

# the error object of a failed call: its code
expect_cni_error() {
  local code=$1 text=${2-}
  ((status != 0)) || fail "expected a failure, got status 0: $output"
  [[ $(jq -r .code <<<"$output") == "$code" ]] || fail "expected error code $code: $output"
  [[ -n $(jq -r .msg <<<"$output") ]] || fail "no msg: $output"
  [[ -z $text || $(jq -r .msg <<<"$output") == *"$text"* ]] || fail "msg does not say \"$text\": $output"
}

# http_get NS ADDR PORT [PATH]: the last line of GET PATH (default /), from netns NS (busybox wget's
# -T crashes here)
http_get() {
  printf 'GET %s HTTP/1.0\r\n\r\n' "${4:-/}" | ip netns exec "$1" "$BUSYBOX" nc -w 5 "$2" "$3" | tail -n 1
}

# whether this kernel's bridges filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING)
vlan_filtering_supported() {
  in_host ip link add skbrprobe type bridge vlan_filtering 1 2>/dev/null || return 1
  in_host ip link delete skbrprobe
}

# the runtime under test in $HOSTNS (nsenter --net: `ip netns exec` would hide the cgroup mounts)
host_skiff() {
  nsenter --net="/run/netns/$HOSTNS" timeout --foreground -k 5 "${SKIFF_TEST_TIMEOUT:-120}" \
    "$SKIFF" --root "$SKIFF_ROOT" "$@" 3>&-
}

leases() { # the files named by an address
  find "$DATADIR/$NET_NAME" -maxdepth 1 -type f -printf '%f\n' 2>/dev/null | grep -E '^[0-9a-f.:]+$' | sort
}

nat_rules() {
  in_host nft -a list table ip skiff-bridge 2>/dev/null | grep 'comment "skiff-bridge' || true
}

host_veths() { # skiff-bridge's, "veth" and 8 hex digits
  in_host ip -o link show type veth | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep -E '^veth[0-9a-f]{8}$'
}

# what a test leaves must be nothing: no lease, no veth on the host side, no rule. A container's
# network namespace is dismantled by a kernel worker after its last process: its veth pair may take
# a moment to go.
expect_nothing_left() {
  [[ -z $(leases) ]] || fail "leases left: $(leases)"
  local tries=100
  while [[ -n $(host_veths) ]] && ((tries-- > 0)); do sleep 0.05; done
  [[ -z $(host_veths) ]] || fail "veths left: $(host_veths)"
  [[ -z $(nat_rules) ]] || fail "rules left: $(nat_rules)"
}

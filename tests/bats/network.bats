#!/usr/bin/env bats
# skiff-bridge as a CNI plugin (SPEC.md 1.1.0), called as a CNI runtime calls it, inside network
# namespaces each test makes (network-helpers.bash): the result object field by field against what
# the kernel shows, connectivity between containers, the gateway and port mappings, DEL/CHECK/GC/
# STATUS/VERSION, host-local's lease files, IPAM delegation, parallel calls, VLANs, IPv6.

load helpers
load network-helpers

setup() {
  setup_bundle
  net_setup
}

teardown() {
  teardown_bundle
}

addr_of() { # the first address of a result, without its prefix
  jq -r '.ips[0].address | split("/")[0]' <<<"$1"
}

@test "network: VERSION lists 0.3.0 to 1.1.0, in the version it was asked in" {
  cni VERSION "" "" '{"cniVersion": "1.0.0"}'
  assert_success
  assert_equal "$(jq -r .cniVersion <<<"$output")" 1.0.0
  assert_equal "$(jq -c .supportedVersions <<<"$output")" '["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
}

@test "network: ADD's result, field by field, is what the kernel shows" {
  local ns conf
  new_netns ns
  conf=$(net_conf)
  cni ADD c1 "$ns" "$conf"
  assert_success
  local r=$output
  assert_equal "$(jq -r .cniVersion <<<"$r")" 1.1.0
  assert_equal "$(jq '.interfaces | length' <<<"$r")" 3
  # the bridge, with its address
  assert_equal "$(jq -r '.interfaces[0].name' <<<"$r")" "$BR"
  assert_equal "$(jq -r '.interfaces[0].mac' <<<"$r")" "$(in_host ip -j link show "$BR" | jq -r '.[0].address')"
  assert_equal "$(jq -r '.interfaces[0].sandbox // ""' <<<"$r")" ""
  # the host's end of the veth: a port of the bridge, its address
  local veth
  veth=$(jq -r '.interfaces[1].name' <<<"$r")
  assert_equal "$(host_veths)" "$veth"
  assert_equal "$(in_host ip -j link show "$veth" | jq -r '.[0].master')" "$BR"
  assert_equal "$(jq -r '.interfaces[1].mac' <<<"$r")" "$(in_host ip -j link show "$veth" | jq -r '.[0].address')"
  # the container's end, in its namespace
  assert_equal "$(jq -r '.interfaces[2].name' <<<"$r")" eth0
  assert_equal "$(jq -r '.interfaces[2].sandbox' <<<"$r")" "/run/netns/$ns"
  assert_equal "$(jq -r '.interfaces[2].mac' <<<"$r")" "$(in_ns "$ns" ip -j link show eth0 | jq -r '.[0].address')"
  # one address (the first of the range: .1 is the gateway) on interface 2, the gateway, the default route
  assert_equal "$(jq -c .ips <<<"$r")" '[{"interface":2,"address":"10.177.0.2/24","gateway":"10.177.0.1"}]'
  assert_equal "$(jq -c .routes <<<"$r")" '[{"dst":"0.0.0.0/0","gw":"10.177.0.1"}]'
  assert_equal "$(jq -c .dns <<<"$r")" '{}'
  run in_ns "$ns" ip -4 -j addr show eth0
  assert_equal "$(jq -r '.[0].addr_info[0] | "\(.local)/\(.prefixlen)"' <<<"$output")" 10.177.0.2/24
  assert_equal "$(jq -r '.[0].operstate' <<<"$output")" UP
  run in_ns "$ns" ip -4 -j route show default
  assert_equal "$(jq -r '.[0] | "\(.gateway) \(.dev)"' <<<"$output")" "10.177.0.1 eth0"
  run in_host ip -4 -j addr show "$BR"
  assert_equal "$(jq -r '.[0].addr_info[0] | "\(.local)/\(.prefixlen)"' <<<"$output")" 10.177.0.1/24
  assert_equal "$(in_host cat /proc/sys/net/ipv4/ip_forward)" 1
  # host-local's lease file and the masquerade rule
  assert_equal "$(leases)" 10.177.0.2
  assert_equal "$(od -An -c "$DATADIR/$NET_NAME/10.177.0.2" | tr -s ' ')" " c 1 \r \n e t h 0"
  run nat_rules
  assert_output --partial "ip saddr 10.177.0.2 ip daddr != 10.177.0.0/24 ip daddr != 224.0.0.0/4 masquerade"
  cni DEL c1 "$ns" "$conf"
  assert_success
  expect_nothing_left
}

@test "network: a 0.4.0 and a 0.3.1 config get a result of their version (ips carry \"version\")" {
  local ns v
  for v in 0.4.0 0.3.1; do
    new_netns ns
    cni ADD "c$v" "$ns" "$(net_conf '.cniVersion = $v' --arg v "$v")"
    assert_success
    assert_equal "$(jq -r .cniVersion <<<"$output")" "$v"
    assert_equal "$(jq -c '.ips[0] | [.version, .interface]' <<<"$output")" '["4",2]'
    cni DEL "c$v" "$ns" "$(net_conf '.cniVersion = $v' --arg v "$v")"
    assert_success
  done
  expect_nothing_left
}

@test "network: two containers on one bridge reach each other and the gateway" {
  local ns1 ns2 conf a1 a2
  new_netns ns1
  new_netns ns2
  conf=$(net_conf)
  cni ADD c1 "$ns1" "$conf"
  assert_success
  a1=$(addr_of "$output")
  cni ADD c2 "$ns2" "$conf"
  assert_success
  a2=$(addr_of "$output")
  [[ $a1 != "$a2" ]] || fail "both got $a1"
  run in_ns "$ns1" "$BUSYBOX" ping -c 1 -W 5 "$a2"
  assert_success
  run in_ns "$ns2" "$BUSYBOX" ping -c 1 -W 5 "$a1"
  assert_success
  run in_ns "$ns1" "$BUSYBOX" ping -c 1 -W 5 "$GATEWAY"
  assert_success
  cni DEL c1 "$ns1" "$conf"
  cni DEL c2 "$ns2" "$conf"
  expect_nothing_left
}

@test "network: DEL removes link, lease and rules; a second DEL and a DEL without netns succeed" {
  local ns conf
  new_netns ns
  conf=$(net_conf)
  cni ADD c1 "$ns" "$conf"
  assert_success
  cni DEL c1 "$ns" "$conf"
  assert_success
  assert_output ""
  run in_ns "$ns" ip link show eth0
  assert_failure
  expect_nothing_left
  cni DEL c1 "$ns" "$conf"
  assert_success
  cni DEL c1 "" "$conf"
  assert_success
  # the namespace gone: the veth went with it, the lease and the rules go with DEL
  cni ADD c2 "$ns" "$conf"
  assert_success
  ip netns delete "$ns"
  cni DEL c2 "/run/netns/$ns" "$conf"
  assert_success
  expect_nothing_left
}

@test "network: DEL without CNI_NETNS finds the namespace in prevResult; never the plugin's own" {
  local ns conf prev
  new_netns ns
  conf=$(net_conf)
  cni ADD c1 "$ns" "$conf"
  assert_success
  prev=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
  cni DEL c1 "" "$prev"
  assert_success
  run in_ns "$ns" ip link show eth0
  assert_failure
  expect_nothing_left
  # a host link named like the container's: ADD and DEL given the plugin's own namespace leave it be
  in_host ip link add eth0 type bridge
  cni ADD c2 "/proc/self/ns/net" "$conf"
  expect_cni_error 4 "own network namespace"
  cni DEL c2 "/proc/self/ns/net" "$conf"
  assert_success
  run in_host ip link show eth0
  assert_success
  expect_nothing_left
}

@test "network: CHECK passes after ADD and fails, code 7, once an address, a rule or a lease is gone" {
  local ns conf prev
  new_netns ns
  conf=$(net_conf)
  cni ADD c1 "$ns" "$conf"
  assert_success
  prev=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
  cni CHECK c1 "$ns" "$prev"
  assert_success
  assert_output ""
  cni CHECK c1 "$ns" "$conf"
  expect_cni_error 7 "prevResult"
  # a rule gone
  local handle
  handle=$(nat_rules | sed -n 's/.*# handle \([0-9]*\).*/\1/p' | head -1)
  in_host nft delete rule ip skiff-bridge postrouting handle "$handle"
  cni CHECK c1 "$ns" "$prev"
  expect_cni_error 7 "NAT rules"
  cni DEL c1 "$ns" "$conf"
  cni ADD c1 "$ns" "$conf"
  prev=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
  # the address gone
  in_ns "$ns" ip addr flush dev eth0
  cni CHECK c1 "$ns" "$prev"
  expect_cni_error 7 "10.177.0."
  cni DEL c1 "$ns" "$conf"
  cni ADD c1 "$ns" "$conf"
  prev=$(jq -c --argjson r "$output" '. + {prevResult: $r}' <<<"$conf")
  # the lease gone
  rm "$DATADIR/$NET_NAME/$(leases)"
  cni CHECK c1 "$ns" "$prev"
  expect_cni_error 7 "not leased"
  cni DEL c1 "$ns" "$conf"
  expect_nothing_left
}

@test "network: a port mapping reaches a server in the container from the host's address, 127.0.0.1 and another container" {
  local ns1 ns2 conf a1
  new_netns ns1
  new_netns ns2
  # hairpinMode: with br_netfilter, a bridged packet DNATed to its sender goes back out its own port
  conf=$(net_conf '. + {hairpinMode: true, capabilities: {portMappings: true}, runtimeConfig: {portMappings:
    [{hostPort: 8080, containerPort: 80, protocol: "tcp"}]}}')
  cni ADD c1 "$ns1" "$conf"
  assert_success
  a1=$(addr_of "$output")
  cni ADD c2 "$ns2" "$(net_conf)"
  assert_success
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo "served by c1" >"$BATS_TEST_TMPDIR/www/index.html"
  # not through a function: $! is then httpd itself; fd 3 is bats' own
  ip netns exec "$ns1" "$BUSYBOX" httpd -f -p 80 -h "$BATS_TEST_TMPDIR/www" 3>&- &
  local httpd=$!
  defer kill "$httpd"
  local tries=100
  until [[ $(http_get "$ns1" "$a1" 80) == "served by c1" ]]; do
    ((tries-- > 0)) || fail "httpd did not start"
    sleep 0.05
  done
  run http_get "$HOSTNS" "$GATEWAY" 8080
  assert_output "served by c1"
  run http_get "$HOSTNS" 127.0.0.1 8080
  assert_output "served by c1"
  run http_get "$ns2" "$GATEWAY" 8080
  assert_output "served by c1"
  run http_get "$ns1" "$GATEWAY" 8080 # hairpin: from the container to itself through the host
  assert_output "served by c1"
  run nat_rules
  assert_output --partial "fib daddr type local tcp dport 8080 dnat to $a1:80"
  kill "$httpd"
  cni DEL c1 "$ns1" "$conf"
  assert_success
  cni DEL c2 "$ns2" "$(net_conf)"
  expect_nothing_left
  run --separate-stderr http_get "$HOSTNS" 127.0.0.1 8080
  assert_output ""
}

@test "network: 100 parallel ADD get 100 addresses; 100 parallel DEL leave no lease, link or rule" {
  local conf i
  conf=$(net_conf)
  local -a ns
  for ((i = 1; i <= 100; i++)); do new_netns "ns[$i]"; done
  for ((i = 1; i <= 100; i++)); do
    ip netns exec "$HOSTNS" env CNI_COMMAND=ADD CNI_CONTAINERID="p$i" CNI_NETNS="/run/netns/${ns[i]}" \
      CNI_IFNAME=eth0 "$BRIDGE_BIN" <<<"$conf" >"$BATS_TEST_TMPDIR/add$i" 2>&1 &
  done
  wait
  for ((i = 1; i <= 100; i++)); do
    jq -e .ips "$BATS_TEST_TMPDIR/add$i" >/dev/null || fail "ADD p$i: $(cat "$BATS_TEST_TMPDIR/add$i")"
  done
  assert_equal "$(cat "$BATS_TEST_TMPDIR"/add* | jq -r '.ips[0].address' | sort -u | wc -l)" 100
  assert_equal "$(leases | wc -l)" 100
  assert_equal "$(host_veths | wc -l)" 100
  assert_equal "$(nat_rules | wc -l)" 100
  for ((i = 1; i <= 100; i++)); do
    ip netns exec "$HOSTNS" env CNI_COMMAND=DEL CNI_CONTAINERID="p$i" CNI_NETNS="/run/netns/${ns[i]}" \
      CNI_IFNAME=eth0 "$BRIDGE_BIN" <<<"$conf" >"$BATS_TEST_TMPDIR/del$i" 2>&1 || echo "DEL p$i failed" >>"$BATS_TEST_TMPDIR/delfail" &
  done
  wait
  [[ ! -e $BATS_TEST_TMPDIR/delfail ]] || fail "$(cat "$BATS_TEST_TMPDIR/delfail")"
  expect_nothing_left
}

@test "network: bad input gets its CNI error code and leaves nothing; the next ADD works" {
  local ns conf
  new_netns ns
  conf=$(net_conf)
  cni ADD c1 "$ns" '{"cniVersion": "1.1.0", "name": '
  expect_cni_error 6
  cni ADD c1 "$ns" "$(net_conf '.cniVersion = "0.2.0"')"
  expect_cni_error 1 '"0.2.0"'
  cni ADD c1 "$ns" "$(net_conf '.bridge = "skbr-name-too-long"')"
  expect_cni_error 7 "bridge name"
  cni ADD c1 "$ns" "$(net_conf '.vlanTrunk = [{id: 5}]')"
  expect_cni_error 2 'vlanTrunk: unsupported field: [{"id":5}]'
  cni ADD c1 "$ns" "$(net_conf '.ipam.subnet = "10.177.0.0/31"')"
  expect_cni_error 7 "too small"
  cni ADD c1 "$ns" "$(net_conf '.ipam.rangeStart = "10.1.0.9"')"
  expect_cni_error 7 "ipam.rangeStart"
  cni ADD c1 "" "$conf"
  expect_cni_error 4 CNI_NETNS
  cni ADD c1 "$ns" "$conf" "eth0/x"
  expect_cni_error 4 CNI_IFNAME
  cni ADD "-c1" "$ns" "$conf"
  expect_cni_error 4 CNI_CONTAINERID
  cni ADD c1 "/run/netns/$ns-gone" "$conf"
  expect_cni_error 3 "does not exist"
  cni ADD c1 "$BATS_TEST_TMPDIR" "$conf"
  expect_cni_error 4 "not a network namespace"
  expect_nothing_left
  run in_host ip link show "$BR"
  refute_output --partial skbr-name
  cni ADD c1 "$ns" "$conf"
  assert_success
  # the same interface again: an error, and the first attachment untouched
  cni ADD c1b "$ns" "$conf"
  expect_cni_error 101 "eth0"
  assert_equal "$(leases)" 10.177.0.2
  cni ADD c1 "$ns" "$conf"
  expect_cni_error 7 "duplicate allocation"
  assert_equal "$(leases)" 10.177.0.2
  cni DEL c1 "$ns" "$conf"
  expect_nothing_left
}

@test "network: an exhausted subnet is error 100 and leaves nothing; STATUS says 50; a DEL frees it" {
  local ns1 ns2 conf
  new_netns ns1
  new_netns ns2
  conf=$(net_conf '.ipam.subnet = "10.177.0.0/30"')
  cni STATUS "" "" "$conf"
  assert_success
  cni ADD c1 "$ns1" "$conf"
  assert_success
  cni STATUS "" "" "$conf"
  expect_cni_error 50 "10.177.0.1-10.177.0.2"
  cni ADD c2 "$ns2" "$conf"
  expect_cni_error 100 "no IP addresses available"
  assert_equal "$(leases)" 10.177.0.2
  assert_equal "$(host_veths | wc -l)" 1
  assert_equal "$(nat_rules | wc -l)" 1
  run in_ns "$ns2" ip link show eth0
  assert_failure
  cni DEL c1 "$ns1" "$conf"
  cni ADD c2 "$ns2" "$conf"
  assert_success
  cni DEL c2 "$ns2" "$conf"
  expect_nothing_left
}

@test "network: a failure after the veth and the lease (the bridge has another address) undoes both" {
  local ns conf
  new_netns ns
  conf=$(net_conf)
  in_host ip link add "$BR" type bridge
  in_host ip addr add 10.99.0.1/24 dev "$BR"
  cni ADD c1 "$ns" "$conf"
  expect_cni_error 7 "already has an IP address"
  expect_nothing_left
  run in_ns "$ns" ip link show eth0
  assert_failure
  cni ADD c1 "$ns" "$(net_conf '.forceAddress = true')"
  assert_success
  run in_host ip -4 -j addr show "$BR"
  assert_equal "$(jq -c '[.[0].addr_info[] | .local]' <<<"$output")" '["10.177.0.1"]'
  cni DEL c1 "$ns" "$conf"
  expect_nothing_left
}

@test "network: leases are host-local's: each honours the other's, in the same dataDir" {
  [[ -x /usr/lib/cni/host-local ]] || skip "needs containernetworking-plugins"
  local ns conf ipam
  new_netns ns
  conf=$(net_conf '.cniVersion = "1.0.0"')
  ipam=$(jq -c '{cniVersion, name, ipam}' <<<"$conf")
  run ip netns exec "$HOSTNS" env CNI_COMMAND=ADD CNI_CONTAINERID=hl1 CNI_NETNS=/run/netns/"$ns" CNI_IFNAME=eth9 \
    CNI_PATH=/usr/lib/cni /usr/lib/cni/host-local <<<"$ipam"
  assert_success
  assert_equal "$(addr_of "$output")" 10.177.0.2
  cni ADD c1 "$ns" "$conf"
  assert_success
  assert_equal "$(addr_of "$output")" 10.177.0.3
  run ip netns exec "$HOSTNS" env CNI_COMMAND=ADD CNI_CONTAINERID=hl2 CNI_NETNS=/run/netns/"$ns" CNI_IFNAME=eth9 \
    CNI_PATH=/usr/lib/cni /usr/lib/cni/host-local <<<"$ipam"
  assert_equal "$(addr_of "$output")" 10.177.0.4
  # both write the same bytes
  assert_equal "$(od -An -c "$DATADIR/$NET_NAME/10.177.0.4" | tr -s ' ')" " h l 2 \r \n e t h 9"
  assert_equal "$(od -An -c "$DATADIR/$NET_NAME/10.177.0.3" | tr -s ' ')" " c 1 \r \n e t h 0"
  # host-local releases skiff-bridge's lease and the other way round
  run ip netns exec "$HOSTNS" env CNI_COMMAND=DEL CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/"$ns" CNI_IFNAME=eth0 \
    CNI_PATH=/usr/lib/cni /usr/lib/cni/host-local <<<"$ipam"
  assert_success
  cni DEL hl2 "" "$(net_conf '.cniVersion = "1.0.0"')" eth9
  assert_success
  assert_equal "$(leases)" 10.177.0.2
  cni DEL hl1 "" "$(net_conf '.cniVersion = "1.0.0"')" eth9
  cni DEL c1 "$ns" "$conf"
  assert_success
  expect_nothing_left
}

@test "network: an ipam type that is not host-local is a plugin on CNI_PATH (static), DEL delegated too" {
  [[ -x /usr/lib/cni/static ]] || skip "needs containernetworking-plugins"
  local ns conf
  new_netns ns
  conf=$(net_conf '.cniVersion = "1.0.0" | .ipam = {type: "static", addresses: [{address: "10.177.0.50/24",
    gateway: "10.177.0.1"}], routes: [{dst: "10.200.0.0/16"}]}')
  cni ADD c1 "$ns" "$conf"
  assert_success
  assert_equal "$(jq -c .ips <<<"$output")" '[{"interface":2,"address":"10.177.0.50/24","gateway":"10.177.0.1"}]'
  assert_equal "$(jq -c .routes <<<"$output")" '[{"dst":"10.200.0.0/16"},{"dst":"0.0.0.0/0","gw":"10.177.0.1"}]'
  run in_ns "$ns" ip -4 route show 10.200.0.0/16
  assert_output --partial "via 10.177.0.1 dev eth0"
  cni DEL c1 "$ns" "$conf"
  assert_success
  cni ADD c1 "$ns" "$(net_conf '.ipam.type = "skiff-no-such-ipam"')"
  expect_cni_error 7 'failed to find plugin "skiff-no-such-ipam"'
  expect_nothing_left
}

@test "network: GC releases the leases and rules of attachments it is not given" {
  local conf ns i
  conf=$(net_conf)
  for i in 1 2 3; do
    new_netns ns
    cni ADD "g$i" "$ns" "$conf"
    assert_success
  done
  cni GC "" "" "$(jq -c '. + {"cni.dev/valid-attachments": [{containerID: "g2", ifname: "eth0"}]}' <<<"$conf")"
  assert_success
  assert_equal "$(leases)" 10.177.0.3
  assert_equal "$(nat_rules | wc -l)" 1
  run nat_rules
  assert_output --partial "ip saddr 10.177.0.3 "
  cni GC "" "" "$conf"
  expect_cni_error 7 "valid-attachments"
  cni GC "" "" "$(jq -c '. + {"cni.dev/valid-attachments": []}' <<<"$conf")"
  assert_success
  assert_equal "$(leases)" ""
}

@test "network: vlan makes the port an untagged member and puts the gateway on <bridge>.<vlan>" {
  vlan_filtering_supported || skip "the kernel's bridges do not filter VLANs (CONFIG_BRIDGE_VLAN_FILTERING)"
  local ns1 ns2 conf a2
  new_netns ns1
  new_netns ns2
  conf=$(net_conf '.vlan = 10')
  cni ADD c1 "$ns1" "$conf"
  assert_success
  assert_equal "$(jq -r '.interfaces[3].name' <<<"$output")" "$BR.10"
  local veth
  veth=$(jq -r '.interfaces[1].name' <<<"$output")
  cni ADD c2 "$ns2" "$conf"
  assert_success
  a2=$(addr_of "$output")
  run in_host bridge -j vlan show dev "$veth"
  assert_equal "$(jq -c '[.[0].vlans[] | select(.vlan == 10) | .flags] | .[0] | sort' <<<"$output")" '["PVID","Egress Untagged"]'
  run in_host ip -d -j link show "$BR"
  assert_equal "$(jq -r '.[0].linkinfo.info_data.vlan_filtering' <<<"$output")" 1
  run in_host ip -4 -j addr show "$BR.10"
  assert_equal "$(jq -r '.[0].addr_info[0].local' <<<"$output")" "$GATEWAY"
  run in_ns "$ns1" "$BUSYBOX" ping -c 1 -W 5 "$a2"
  assert_success
  run in_ns "$ns1" "$BUSYBOX" ping -c 1 -W 5 "$GATEWAY"
  assert_success
  cni DEL c1 "$ns1" "$conf"
  cni DEL c2 "$ns2" "$conf"
  expect_nothing_left
}

@test "network: vlan on a kernel whose bridges do not filter VLANs fails ADD, naming it, leaving nothing" {
  ! vlan_filtering_supported || skip "the kernel's bridges filter VLANs"
  local ns
  new_netns ns
  cni ADD c1 "$ns" "$(net_conf '.vlan = 10')"
  expect_cni_error 101 "VLAN filtering"
  expect_nothing_left
  run in_host ip link show "$BR"
  assert_failure
}

@test "network: mtu, hairpinMode, promiscMode and runtimeConfig.mac are applied" {
  local ns conf
  new_netns ns
  conf=$(net_conf '. + {mtu: 1400, hairpinMode: true, runtimeConfig: {mac: "02:42:ac:11:00:09"}}')
  cni ADD c1 "$ns" "$conf"
  assert_success
  local veth
  veth=$(jq -r '.interfaces[1].name' <<<"$output")
  assert_equal "$(jq -r '.interfaces[2].mac' <<<"$output")" 02:42:ac:11:00:09
  run in_ns "$ns" ip -j link show eth0
  assert_equal "$(jq -r '.[0] | "\(.mtu) \(.address)"' <<<"$output")" "1400 02:42:ac:11:00:09"
  assert_equal "$(in_host ip -j link show "$veth" | jq -r '.[0].mtu')" 1400
  run in_host bridge -j -d link show dev "$veth"
  assert_equal "$(jq -r '.[0].hairpin' <<<"$output")" true
  cni DEL c1 "$ns" "$conf"
  in_host ip link delete "$BR"
  conf=$(net_conf '.promiscMode = true')
  cni ADD c2 "$ns" "$conf"
  assert_success
  run in_host ip -j link show "$BR"
  assert_output --partial PROMISC
  cni DEL c2 "$ns" "$conf"
  expect_nothing_left
}

@test "network: IPv4 and IPv6 ranges give one address of each, routes of each, both reachable" {
  [[ -e /proc/sys/net/ipv6 ]] || skip "needs IPv6"
  local ns1 ns2 conf a6
  new_netns ns1
  new_netns ns2
  conf=$(net_conf '.ipam = {type: "host-local", dataDir: $dir, ranges: [[{subnet: $subnet}],
    [{subnet: "fd00:177::/64"}]]}')
  cni ADD c1 "$ns1" "$conf"
  assert_success
  assert_equal "$(jq -c '[.ips[] | .address, .gateway]' <<<"$output")" \
    '["10.177.0.2/24","10.177.0.1","fd00:177::2/64","fd00:177::1"]'
  assert_equal "$(jq -c '[.routes[] | "\(.dst) \(.gw)"]' <<<"$output")" '["0.0.0.0/0 10.177.0.1","::/0 fd00:177::1"]'
  cni ADD c2 "$ns2" "$conf"
  assert_success
  a6=$(jq -r '.ips[1].address | split("/")[0]' <<<"$output")
  assert_equal "$a6" fd00:177::3
  run in_ns "$ns1" ip -6 route show default
  assert_output --partial "via fd00:177::1 dev eth0"
  run in_ns "$ns1" "$BUSYBOX" ping6 -c 1 -W 5 "$a6"
  assert_success
  assert_equal "$(leases | tr '\n' ' ')" "10.177.0.2 10.177.0.3 fd00:177::2 fd00:177::3 "
  cni DEL c1 "$ns1" "$conf"
  cni DEL c2 "$ns2" "$conf"
  expect_nothing_left
}

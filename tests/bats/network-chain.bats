#!/usr/bin/env bats
# skiff-bridge chained with the reference plugins of containernetworking-plugins (tuning, portmap,
# firewall): a conflist run as SPEC.md section 3 has a runtime run it (each plugin given the previous
# result and the capabilities it declares, DEL in reverse with the final result), and the same chain
# run by skiff-bridge's own hook. CNI 1.0.0: the newest version those plugins speak.

load helpers
load network-helpers

setup() {
  setup_bundle
  net_setup
  local p
  for p in tuning portmap firewall; do
    [[ -x /usr/lib/cni/$p ]] || skip "needs containernetworking-plugins ($p)"
  done
  requires iptables
  # the plugins as a runtime finds them: skiff-bridge beside the reference ones
  PLUGINS=$BATS_TEST_TMPDIR/plugins
  mkdir -p "$PLUGINS"
  ln -s "$BRIDGE_BIN" "$PLUGINS/skiff-bridge"
  CNI_PATH_DIRS=$PLUGINS:/usr/lib/cni
}

teardown() {
  teardown_bundle
}

CHAIN_RC='{"mac": "02:42:ac:11:00:77", "portMappings": [{"hostPort": 9090, "containerPort": 80, "protocol": "tcp"}]}'

chain_conflist() {
  net_conf '.cniVersion = "1.0.0" | {cniVersion, name, plugins: [del(.cniVersion, .name),
    {type: "tuning", capabilities: {mac: true}, sysctl: {"net.ipv4.conf.eth0.arp_ignore": "1"}},
    {type: "portmap", capabilities: {portMappings: true}, snat: true},
    {type: "firewall"}]}'
}

# chain CMD ID NETNS CONFLIST PREV: every plugin, in order (reverse for DEL), as SPEC.md section 3
# derives each request; $output is the last result (ADD), $status the first failure's
chain() {
  local cmd=$1 id=$2 ns=$3 list=$4 prev=${5-} n i conf type
  n=$(jq '.plugins | length' <<<"$list")
  local -a order
  for ((i = 0; i < n; i++)); do order+=("$i"); done
  [[ $cmd == DEL ]] && for ((i = 0; i < n; i++)); do order[i]=$((n - 1 - i)); done
  for i in "${order[@]}"; do
    conf=$(jq -c --argjson i "$i" --argjson rc "$CHAIN_RC" --arg prev "$prev" '.plugins[$i] as $p
      | $p + {cniVersion, name} | del(.capabilities)
      | .runtimeConfig = ($rc | with_entries(select(($p.capabilities // {})[.key])))
      | if $prev == "" then . else . + {prevResult: ($prev | fromjson)} end' <<<"$list")
    type=$(jq -r .type <<<"$conf")
    CNI_PLUGIN=$PLUGINS/$type
    [[ -e $CNI_PLUGIN ]] || CNI_PLUGIN=/usr/lib/cni/$type
    cni "$cmd" "$id" "$ns" "$conf"
    ((status == 0)) || return 0
    [[ $cmd == ADD ]] && prev=$output
  done
  [[ $cmd == ADD ]] && output=$prev
  return 0
}

@test "network chain: tuning, portmap and firewall after skiff-bridge; CHECK through the chain; DEL in reverse leaves nothing" {
  local ns list result
  new_netns ns
  list=$(chain_conflist)
  chain ADD c1 "$ns" "$list"
  assert_success
  result=$output
  # tuning changed the container's address, in the kernel and in the result it passed on
  assert_equal "$(jq -r '.interfaces[2] | "\(.name) \(.mac)"' <<<"$result")" "eth0 02:42:ac:11:00:77"
  assert_equal "$(in_ns "$ns" ip -j link show eth0 | jq -r '.[0].address')" 02:42:ac:11:00:77
  assert_equal "$(in_ns "$ns" cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)" 1
  assert_equal "$(jq -c .ips <<<"$result")" '[{"interface":2,"address":"10.177.0.2/24","gateway":"10.177.0.1"}]'
  # portmap's DNAT reaches the container, the firewall plugin's chain is there
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo "via portmap" >"$BATS_TEST_TMPDIR/www/index.html"
  ip netns exec "$ns" "$BUSYBOX" httpd -f -p 80 -h "$BATS_TEST_TMPDIR/www" 3>&- &
  defer kill $!
  local tries=100
  until [[ $(http_get "$HOSTNS" "$GATEWAY" 9090) == "via portmap" ]]; do
    ((tries-- > 0)) || fail "no answer through portmap"
    sleep 0.05
  done
  run in_host iptables -S CNI-FORWARD
  assert_success
  # CHECK: each plugin given the final result; not portmap, whose CHECK (1.1.1) looks for an IPv6
  # DNAT chain even when the container has no IPv6 address
  chain CHECK c1 "$ns" "$(jq -c 'del(.plugins[] | select(.type == "portmap"))' <<<"$list")" "$result"
  assert_success
  chain DEL c1 "$ns" "$list" "$result"
  assert_success
  expect_nothing_left
  run in_host iptables -t nat -S
  refute_output --partial CNI-DN
  # DEL again: nothing there is no error
  chain DEL c1 "$ns" "$list" "$result"
  assert_success
}

@test "network chain: skiff-bridge's hook runs the conflist, portmap given the ports annotation" {
  local skiff_spec=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/skiff
  [[ -x $skiff_spec ]] || skip "skiff is not built (set SKIFF_BUILDDIR)"
  net_conf '.cniVersion = "1.0.0" | {cniVersion, name, plugins: [del(.cniVersion, .name),
    {type: "portmap", capabilities: {portMappings: true}, snat: true}]}' >"$BATS_TEST_TMPDIR/chain.conflist"
  rm "$BUNDLE/config.json"
  "$skiff_spec" spec --bundle "$BUNDLE" --network "$BATS_TEST_TMPDIR/chain.conflist" || fail "spec failed"
  update_config '.process.terminal = false | .annotations = {"org.skiff.network.ports":
    "[{\"hostPort\": 9091, \"containerPort\": 80, \"protocol\": \"tcp\"}]"}
    | .hooks[][0].env = [$p]' --arg p "CNI_PATH=$CNI_PATH_DIRS"
  set_args httpd -f -p 80 -h /etc
  capture host_skiff run --detach --bundle "$BUNDLE" "$ID"
  assert_equal "$status" 0
  defer host_skiff delete --force "$ID"
  local tries=100
  until [[ $(http_get "$HOSTNS" "$GATEWAY" 9091 /group) == "nogroup:x:65534:" ]]; do
    ((tries-- > 0)) || fail "no answer through portmap"
    sleep 0.05
  done
  run in_host iptables -t nat -S
  assert_output --partial "--dport 9091"
  host_skiff delete --force "$ID"
  expect_nothing_left
  run in_host iptables -t nat -S
  refute_output --partial "--dport 9091"
}

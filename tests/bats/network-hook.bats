#!/usr/bin/env bats
# skiff-bridge as the OCI hooks `skiff spec --network` writes: the runtime runs inside the test's host
# netns (nsenter --net: the bridge, the NAT table and the hooks live there), its containers get eth0,
# an address, a default route and outbound NAT; the poststop hook takes it all back, also after a
# create that failed because the network hook was killed midway.

load helpers
load network-helpers

setup() {
  setup_bundle
  net_setup
  SKIFF_SPEC=${SKIFF_BUILDDIR:-$BATS_TEST_DIRNAME/../..}/skiff # the spec comes from skiff, the runtime may be runc
  [[ -x $SKIFF_SPEC ]] || skip "skiff is not built (set SKIFF_BUILDDIR)"
  NET_CONF=$BATS_TEST_TMPDIR/net.conflist
  write_conflist '.'
}

teardown() {
  teardown_bundle
}

# write_conflist FILTER [JQ ARGS]: the test's network as a conflist, the plugin edited by FILTER
write_conflist() {
  net_conf "$@" | jq '{cniVersion, name, plugins: [del(.cniVersion, .name) + {hairpinMode: true,
    capabilities: {portMappings: true}}]}' >"$NET_CONF"
}

# the bundle's config.json from `skiff spec --network FILE`, running CMD...
spec_network() {
  rm -f "$BUNDLE/config.json"
  "$SKIFF_SPEC" spec --bundle "$BUNDLE" --network "$NET_CONF" || fail "skiff spec --network failed"
  update_config '.process.terminal = false | .root.readonly = true'
  set_args "$@"
}

kept_results() {
  find "$DATADIR/$NET_NAME" -maxdepth 1 -name 'skiff-hook-*' -printf '%f\n' 2>/dev/null
}

# an "outside" netns behind the host, 192.168.177.2, with no route back to the containers' subnet:
# an answer from there to a container proves that the host masqueraded the container's address
outside_server() {
  new_netns OUT
  in_host ip link add skbro type veth peer name eth0 netns "$OUT"
  in_host ip addr add 192.168.177.1/24 dev skbro
  in_host ip link set skbro up
  in_ns "$OUT" ip addr add 192.168.177.2/24 dev eth0
  in_ns "$OUT" ip link set eth0 up
  mkdir -p "$BATS_TEST_TMPDIR/outside"
  echo "answered from outside" >"$BATS_TEST_TMPDIR/outside/index.html"
  # not through a function: $! is then httpd itself; fd 3 is bats' own
  ip netns exec "$OUT" "$BUSYBOX" httpd -f -p 80 -h "$BATS_TEST_TMPDIR/outside" 3>&- &
  defer kill $!
}

@test "network hook: skiff run with spec --network: eth0, an address, a default route, outbound NAT; nothing after" {
  outside_server
  spec_network sh -c 'ip -4 -o addr show eth0; ip -4 route show default;
    printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 192.168.177.2 80 | tail -n 1'
  capture host_skiff run --bundle "$BUNDLE" "$ID"
  assert_equal "$status" 0
  assert_line --index 0 --regexp '^2: eth0 +inet 10\.177\.0\.2/24 '
  assert_line --index 1 --regexp '^default via 10\.177\.0\.1 dev eth0'
  assert_line --index 2 "answered from outside"
  expect_nothing_left
  assert_equal "$(kept_results)" ""
}

@test "network hook: while it runs, the lease, the masquerade rule and the kept result are there" {
  spec_network sleep 1000
  host_skiff run --detach --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run --detach failed"
  defer host_skiff delete --force "$ID"
  assert_equal "$(leases)" 10.177.0.2
  assert_equal "$(kept_results)" "skiff-hook-$ID-eth0.json"
  assert_equal "$(jq -r '.interfaces[2].sandbox' "$DATADIR/$NET_NAME/skiff-hook-$ID-eth0.json")" \
    "/proc/$(host_skiff state "$ID" | jq -r .pid)/ns/net"
  run nat_rules
  assert_output --partial "ip saddr 10.177.0.2 ip daddr != 10.177.0.0/24"
  host_skiff delete --force "$ID"
  expect_nothing_left
  assert_equal "$(kept_results)" ""
}

@test "network hook: two containers on the network reach each other" {
  spec_network sleep 1000
  update_config '.process.capabilities.bounding += ["CAP_NET_RAW"] | .process.capabilities.effective += ["CAP_NET_RAW"]
    | .process.capabilities.permitted += ["CAP_NET_RAW"]'
  local id2
  id2=$(new_id)
  host_skiff run --detach --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run $ID failed"
  defer host_skiff delete --force "$ID"
  host_skiff run --detach --bundle "$BUNDLE" "$id2" </dev/null >/dev/null 2>&1 || fail "run $id2 failed"
  defer host_skiff delete --force "$id2"
  run host_skiff exec "$ID" ping -c 1 -W 5 10.177.0.3
  assert_success
  run host_skiff exec "$id2" ping -c 1 -W 5 10.177.0.2
  assert_success
  host_skiff delete --force "$ID"
  host_skiff delete --force "$id2"
  expect_nothing_left
}

@test "network hook: the annotations name the network and map a port" {
  spec_network httpd -f -p 80 -h /etc
  jq '.annotations = {"org.skiff.network": $f, "org.skiff.network.ports":
    "[{\"hostPort\": 8080, \"containerPort\": 80, \"protocol\": \"tcp\"}]"}
    | .hooks |= map_values(map(.args |= .[0:3]))' --arg f "$NET_CONF" "$BUNDLE/config.json" >"$BUNDLE/c.json"
  mv "$BUNDLE/c.json" "$BUNDLE/config.json"
  host_skiff run --detach --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || fail "run --detach failed"
  defer host_skiff delete --force "$ID"
  local tries=100
  until [[ -n $(http_get "$HOSTNS" 127.0.0.1 8080 /group) ]]; do
    ((tries-- > 0)) || fail "no answer on 127.0.0.1:8080"
    sleep 0.05
  done
  run http_get "$HOSTNS" "$GATEWAY" 8080 /passwd
  assert_output "nobody:x:65534:65534:nobody:/nonexistent:/bin/false"
  host_skiff delete --force "$ID"
  expect_nothing_left
}

@test "network hook: killed midway, create fails in one line and the poststop hook leaves nothing; the next run works" {
  # a plugin after skiff-bridge that hangs in ADD: the createRuntime hook's timeout kills it all
  local plugins=$BATS_TEST_TMPDIR/plugins
  mkdir -p "$plugins"
  printf '%s\n' '#!/bin/sh' 'cat >/dev/null' '[ "$CNI_COMMAND" = ADD ] && exec sleep 60' 'exit 0' >"$plugins/hang"
  chmod +x "$plugins/hang"
  jq '.plugins += [{type: "hang"}]' "$NET_CONF" >"$NET_CONF.new" && mv "$NET_CONF.new" "$NET_CONF"
  spec_network true
  update_config '.hooks.createRuntime[0] += {timeout: 2, env: [$p]} | .hooks.poststop[0] += {env: [$p]}' \
    --arg p "CNI_PATH=$plugins:/usr/lib/cni"
  capture host_skiff run --bundle "$BUNDLE" "$ID"
  expect_error run createRuntime "timed out" --runc "timeout"
  expect_nothing_left
  assert_equal "$(kept_results)" ""
  # without the hanging plugin the same network works
  jq '.plugins |= .[0:1]' "$NET_CONF" >"$NET_CONF.new" && mv "$NET_CONF.new" "$NET_CONF"
  capture host_skiff run --bundle "$BUNDLE" "$(new_id)"
  assert_equal "$status" 0
  expect_nothing_left
}

@test "network hook: a network that cannot attach (its subnet full) fails create, naming why; nothing left" {
  write_conflist '.ipam.subnet = "10.177.0.0/30"'
  mkdir -p "$DATADIR/$NET_NAME"
  printf 'someone\r\neth0' >"$DATADIR/$NET_NAME/10.177.0.2" # the one address, taken
  spec_network true
  capture host_skiff run --bundle "$BUNDLE" "$ID"
  ((status != 0)) || fail "run succeeded"
  [[ $stderr == *"no IP addresses available in range set: 10.177.0.1-10.177.0.2"* ]] || fail "stderr: $stderr"
  is_runc || [[ $stderr == *createRuntime* ]] || fail "stderr does not name the hook: $stderr"
  assert_equal "$(leases)" 10.177.0.2
  rm "$DATADIR/$NET_NAME/10.177.0.2"
  expect_nothing_left
  run ls "$SKIFF_ROOT"
  assert_output ""
}

@test "network hook: a container without a network namespace of its own is refused, the host's links untouched" {
  spec_network true
  remove_namespace network
  capture host_skiff run --bundle "$BUNDLE" "$ID"
  ((status != 0)) || fail "run succeeded"
  [[ $stderr == *"own network namespace"* ]] || fail "stderr: $stderr"
  run in_host ip -o link show
  refute_output --partial eth0
  expect_nothing_left
}

@test "network hook: skiff spec --network writes both hooks and keeps the network namespace" {
  spec_network true
  run jq -c '[.hooks.createRuntime[0].args, .hooks.poststop[0].args]' "$BUNDLE/config.json"
  assert_output "[[\"skiff-bridge\",\"hook\",\"add\",\"--config\",\"$NET_CONF\"],[\"skiff-bridge\",\"hook\",\"del\",\"--config\",\"$NET_CONF\"]]"
  run jq -r '.hooks.createRuntime[0].path' "$BUNDLE/config.json"
  assert_output "$BRIDGE_BIN"
  run jq -c '[.linux.namespaces[].type | select(. == "network")]' "$BUNDLE/config.json"
  assert_output '["network"]'
  rm "$BUNDLE/config.json"
  run --separate-stderr "$SKIFF_SPEC" spec --bundle "$BUNDLE" --rootless --network
  expect_error spec "--rootless"
  run --separate-stderr "$SKIFF_SPEC" spec --bundle "$BUNDLE" --network "$BATS_TEST_TMPDIR/none.conflist"
  expect_error spec "none.conflist" "No such file"
  [[ ! -e $BUNDLE/config.json ]] || fail "config.json written"
}

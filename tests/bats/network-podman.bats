#!/usr/bin/env bats
# podman's CNI backend on a network whose conflist names skiff-bridge: podman (with the runtime under
# test) runs in the test's host netns, its storage, its config and its networks in temporary
# directories (as engines.bats drives it); containers on the network reach each other by address,
# podman reads the addresses from skiff-bridge's result, and `podman rm` leaves nothing.

load helpers
load network-helpers

setup() {
  requires root podman
  setup_bundle
  net_setup
  PM=$BATS_TEST_TMPDIR/podman
  mkdir -p "$PM/cni" "$PM/plugins"
  ln -s "$BRIDGE_BIN" "$PM/plugins/skiff-bridge"
  # default_ulimits: this host may not raise RLIMIT_NOFILE/NPROC to podman's defaults
  cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PM/plugins", "/usr/lib/cni"]
network_config_dir = "$PM/cni"
EOF
  export CONTAINERS_CONF=$PM/containers.conf
  # libcni in podman 4.3 speaks CNI 1.0.0 at most
  net_conf '.cniVersion = "1.0.0" | {cniVersion, name, plugins: [del(.cniVersion, .name)]}' \
    >"$PM/cni/$NET_NAME.conflist"
  CGP=/skiff-podman-$ID
  defer remove_podman_cgroups
  defer pm rm --all --force --time 0
  tar -C "$ROOTFS" -cf - . | pm import --quiet - localhost/skiff-test >/dev/null || fail "podman import failed"
}

teardown() {
  teardown_bundle
}

remove_podman_cgroups() {
  local tries=60
  while ((tries-- > 0)); do
    find /sys/fs/cgroup -maxdepth 4 -depth -type d -path "*/skiff-podman-$ID*" -exec rmdir {} + 2>/dev/null
    [[ -z $(find /sys/fs/cgroup -maxdepth 2 -type d -name "skiff-podman-$ID" -print -quit) ]] && return
    sleep 0.05
  done
}

# podman in the test's host netns: its CNI plugins make the bridge there
pm() {
  nsenter --net="/run/netns/$HOSTNS" podman --root "$PM/storage" --runroot "$PM/run" --storage-driver vfs \
    --runtime "$SKIFF" --cgroup-manager cgroupfs --events-backend file "$@"
}

@test "network podman: two containers on a skiff-bridge network reach each other by address; rm leaves nothing" {
  run pm network ls --format '{{.Name}}'
  assert_line "$NET_NAME"
  local c
  for c in a b; do
    pm run -d --cgroup-parent "$CGP" --network "$NET_NAME" --cap-add NET_RAW --name "$ID-$c" \
      localhost/skiff-test sleep 1000 >/dev/null || fail "podman run $c failed"
  done
  local ip_a ip_b
  ip_a=$(pm inspect "$ID-a" --format "{{(index .NetworkSettings.Networks \"$NET_NAME\").IPAddress}}")
  ip_b=$(pm inspect "$ID-b" --format "{{(index .NetworkSettings.Networks \"$NET_NAME\").IPAddress}}")
  [[ $ip_a == 10.177.0.* && $ip_b == 10.177.0.* && $ip_a != "$ip_b" ]] || fail "addresses: $ip_a $ip_b"
  run pm exec "$ID-a" ip -4 -o addr show eth0
  assert_output --partial "inet $ip_a/24"
  run pm exec "$ID-a" ip -4 route show default
  assert_output --partial "default via $GATEWAY dev eth0"
  run pm exec "$ID-a" ping -c 1 -W 5 "$ip_b"
  assert_success
  run pm exec "$ID-b" ping -c 1 -W 5 "$ip_a"
  assert_success
  assert_equal "$(leases | wc -l)" 2
  pm rm --force --time 0 "$ID-a" "$ID-b" >/dev/null
  expect_nothing_left
}

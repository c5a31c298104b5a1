#!/bin/bash
# skiff-bridge's costs: ADD+DEL of one attachment against the reference bridge + host-local plugins on
# the same configuration, and what its hooks add to `skiff run` of /bin/true.
#
#   tests/bench/network.sh [SKIFF]      (as root; SKIFF-bridge beside SKIFF; run.sh calls it)
#
# Everything happens in network namespaces this script makes (the "host" side too) and removes.
# Knobs: BENCH_NET_ITER=30 samples of each, BENCH_BUSYBOX=/bin/busybox (static).
[ -n "${BASH_VERSION-}" ] || exec bash "$0" "$@"
set -u
die() { echo "bench network: $*" >&2; exit 1; }
((EUID == 0)) || die "run as root"
SKIFF=$(command -v "${1:-skiff}") || die "no skiff binary: give its path"
SKIFF=$(realpath "$SKIFF")
BRIDGE=$(dirname "$SKIFF")/skiff-bridge
[[ -x $BRIDGE ]] || die "no skiff-bridge beside $SKIFF"
REF=/usr/lib/cni
[[ -x $REF/bridge && -x $REF/host-local ]] ||
  die "the reference plugins are missing (apt-get install containernetworking-plugins)"
command -v jq >/dev/null || die "jq not found"
ITER=${BENCH_NET_ITER:-30}
BUSYBOX=${BENCH_BUSYBOX:-/bin/busybox}

TMP=$(mktemp -d /tmp/skiff-bench-net.XXXXXX) || die "mktemp"
HOST=skbench$$ CNS=skbenchc$$
cleanup() {
  "$SKIFF" --root "$TMP/root" delete --force bench-net >/dev/null 2>&1
  ip netns delete "$CNS" 2>/dev/null
  ip netns delete "$HOST" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$HOST" && ip netns add "$CNS" || die "ip netns add"
ip netns exec "$HOST" ip link set lo up

conf() { # TYPE: the one configuration both plugins get
  printf '{"cniVersion": "1.0.0", "name": "benchnet", "type": "%s", "bridge": "skbench0", "isGateway": true,
    "isDefaultGateway": true, "ipMasq": true, "ipam": {"type": "host-local", "subnet": "10.178.0.0/24",
    "dataDir": "%s/cni"}}' "$1" "$TMP"
}
conf skiff-bridge >"$TMP/skiff.json"
conf bridge >"$TMP/ref.json"

# One shell in the host netns times the calls (ip netns exec is not in the samples), the two plugins
# in turns so that load from elsewhere hits both alike. Prints "KEY microseconds" lines.
cat >"$TMP/cni.sh" <<'EOF'
export CNI_NETNS=$1 CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
iter=$2 bridge=$3 tmp=$4
for ((i = 0; i < iter + 2; i++)); do
  for p in skiff ref; do
    bin=$bridge
    [[ $p == ref ]] && bin=/usr/lib/cni/bridge
    t0=$EPOCHREALTIME
    CNI_COMMAND=ADD CNI_CONTAINERID=b$i $bin <"$tmp/$p.json" >/dev/null || { echo "ADD failed: $p" >&2; exit 1; }
    t1=$EPOCHREALTIME
    CNI_COMMAND=DEL CNI_CONTAINERID=b$i $bin <"$tmp/$p.json" >/dev/null || { echo "DEL failed: $p" >&2; exit 1; }
    t2=$EPOCHREALTIME
    ((i < 2)) && continue # warm-up
    echo "add-$p $((${t1/./} - ${t0/./}))"
    echo "del-$p $((${t2/./} - ${t1/./}))"
    echo "adddel-$p $((${t2/./} - ${t0/./}))"
  done
done
EOF
ip netns exec "$HOST" bash "$TMP/cni.sh" "/run/netns/$CNS" "$ITER" "$BRIDGE" "$TMP" >"$TMP/samples" ||
  die "the CNI calls failed"

# The hook: the same bundle with and without `skiff spec --network`'s hooks, runs in turns.
mkdir -p "$TMP/plain/rootfs/bin" "$TMP/net"
cp "$BUSYBOX" "$TMP/plain/rootfs/bin/busybox"
ln -s busybox "$TMP/plain/rootfs/bin/true"
jq '{cniVersion, name, plugins: [del(.cniVersion, .name)]}' "$TMP/skiff.json" >"$TMP/net.conflist"
cp -a "$TMP/plain/rootfs" "$TMP/net/"
(cd "$TMP/plain" && "$SKIFF" spec && cd "$TMP/net" && "$SKIFF" spec --network "$TMP/net.conflist") ||
  die "skiff spec"
for b in plain net; do
  jq '.process.terminal = false | .process.args = ["/bin/true"]' "$TMP/$b/config.json" >"$TMP/c.json" &&
    mv "$TMP/c.json" "$TMP/$b/config.json" || die "jq"
done
for ((i = 0; i < ITER + 2; i++)); do
  for b in plain net; do
    t0=$EPOCHREALTIME
    nsenter --net="/run/netns/$HOST" "$SKIFF" --root "$TMP/root" run --bundle "$TMP/$b" bench-net \
      </dev/null >/dev/null 2>>"$TMP/run.err" || die "run of the $b bundle failed: $(tail -1 "$TMP/run.err")"
    t1=$EPOCHREALTIME
    ((i < 2)) || echo "run-$b $((${t1/./} - ${t0/./}))" >>"$TMP/samples"
  done
done

median() { # KEY: median of its samples in microseconds
  awk -v k="$1" '$1 == k { print $2 }' "$TMP/samples" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) printf "%d", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

sk=$(median adddel-skiff) rf=$(median adddel-ref)
r=$(ratio "$sk" "$rf")
verdict=$(awk -v x="$r" 'BEGIN { print (x <= 0.5 ? "PASS" : "MISS") }')
plain=$(median run-plain) net=$(median run-net)
echo "skiff-bridge (medians of $ITER, in network namespaces; CNI 1.0.0, isGateway, isDefaultGateway,"
echo "  ipMasq, host-local IPAM; the reference: containernetworking-plugins $(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null))"
printf '%-34s %11s %11s %7s  %s\n' "" skiff-bridge reference ratio target
printf '%-34s %11s %11s %7s\n' "ADD" "$(ms "$(median add-skiff)")" "$(ms "$(median add-ref)")" \
  "$(ratio "$(median add-skiff)" "$(median add-ref)")"
printf '%-34s %11s %11s %7s\n' "DEL" "$(ms "$(median del-skiff)")" "$(ms "$(median del-ref)")" \
  "$(ratio "$(median del-skiff)" "$(median del-ref)")"
printf '%-34s %11s %11s %7s  %s\n' "ADD+DEL (bridge + host-local)" "$(ms "$sk")" "$(ms "$rf")" "$r" "<=0.5x $verdict"
printf '%-34s %11s\n' "skiff run /bin/true" "$(ms "$plain")"
printf '%-34s %11s\n' "skiff run /bin/true, spec --network" "$(ms "$net")"
printf '%-34s %11s\n' "  the hooks add" "$(ms $((net - plain)))"

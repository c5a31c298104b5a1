#!/bin/bash
# The cgroup v2 lane: runs bats files inside a VM whose kernel has cgroup v2 with every controller.
#
#   tests/vm/run.sh [BUILD_DIR] [FILE.bats...]
#
# BUILD_DIR (default: the current directory) holds the skiff to test (or SKIFF_BINARY). The files default
# to $SKIFF_VM_TESTS, else tests/bats/vm-smoke.bats and tests/bats/cgroups*.bats; then the guest boots
# systemd as PID 1 and runs $SKIFF_VM_SYSTEMD_TESTS (default without FILE arguments:
# tests/bats/systemd.bats; empty: no systemd stage), in the same TAP stream; and a second guest runs
# those once more on a hybrid layout with systemd as PID 1 from the start, with the tests of the criu
# files tagged $SKIFF_VM_HYBRID_CRIU_TAGS (default: cgroups) (SKIFF_VM_HYBRID=0: not); and
# another v2 guest runs $SKIFF_VM_CRIU_TESTS (default without FILE arguments: tests/bats/checkpoint.bats,
# criu's; empty: none). The guest is Debian's
# linux-image-amd64 under qemu, booted from a busybox initramfs; its root is this host's root, shared
# read-only over 9p under a tmpfs overlay, so skiff, bats, jq and busybox are the host's own. Prints one
# TAP stream; a host without qemu or the kernel package gets one skipped test, or under CI (CI=true),
# where the lane must run, one failed test naming what stops it.
#
# Environment: SKIFF_VM_CACHE (kernel cache, default $XDG_CACHE_HOME/skiff-vm or /var/cache/skiff-vm),
# SKIFF_VM_TIMEOUT (seconds per guest, default 3000), SKIFF_VM_ACCEL (qemu -accel, default tcg,thread=multi),
# SKIFF_VM_CPUS (default 2), SKIFF_VM_CONSOLE=1 shows the guest console on stderr.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-.}" && pwd) || exit 1
[[ $# -gt 0 ]] && shift
skiff=${SKIFF_BINARY:-$build_dir/skiff}
[[ $skiff == /* ]] || skiff=$PWD/$skiff
cache=${SKIFF_VM_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/skiff-vm}}
cache=${cache:-/var/cache/skiff-vm}
# virtio_pci and 9p with what they depend on, in load order; loop: block devices for the I/O
# throttling tests (cgroups-resources.bats), the guest has no disk; then what criu needs for
# checkpoint.bats: nf_tables (criu check: kerndat_has_nftables_concat), the sock_diag modules it collects
# sockets with, conntrack's netlink for a network namespace's connections, the xt mark match of its
# iptables lock; and skiff-bridge's (a container restored into a network of its own): the bridge and
# veth links, the nat chain with its masquerade, nat, ct and fib expressions
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet 9pnet_virtio
  netfs fscache 9p overlay loop crc32c_generic libcrc32c nfnetlink nf_tables unix_diag inet_diag tcp_diag
  udp_diag raw_diag netlink_diag af_packet_diag nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack
  nf_conntrack_netlink x_tables xt_mark nft_compat llc stp bridge veth nf_nat nft_chain_nat nft_masq
  nft_nat nft_ct nft_fib nft_fib_ipv4"

files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  if [[ -n ${SKIFF_VM_TESTS-} ]]; then
    # shellcheck disable=SC2206 # a list of globs, relative to the source tree
    files=(${SKIFF_VM_TESTS})
  else
    files=("$srcdir"/tests/bats/vm-smoke.bats "$srcdir"/tests/bats/cgroups*.bats)
  fi
fi
systemd_files=()
if [[ -n ${SKIFF_VM_SYSTEMD_TESTS+set} ]]; then
  # shellcheck disable=SC2206 # a list of globs, relative to the source tree
  systemd_files=(${SKIFF_VM_SYSTEMD_TESTS})
elif [[ $# -eq 0 ]]; then
  systemd_files=("$srcdir"/tests/bats/systemd.bats)
fi
criu_files=()
if [[ -n ${SKIFF_VM_CRIU_TESTS+set} ]]; then
  # shellcheck disable=SC2206 # a list of paths, relative to the source tree
  criu_files=(${SKIFF_VM_CRIU_TESTS})
elif [[ $# -eq 0 ]]; then
  criu_files=(tests/bats/checkpoint.bats)
fi
for i in "${!criu_files[@]}"; do
  f=${criu_files[i]}
  [[ $f == /* ]] || f=$srcdir/$f
  criu_files[i]=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
done
for i in "${!systemd_files[@]}"; do
  f=${systemd_files[i]}
  [[ $f == /* || -e $f ]] || f=$srcdir/$f
  [[ -e $f ]] && systemd_files[i]=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
done
for i in "${!files[@]}"; do
  f=${files[i]}
  [[ $f == /* || -e $f ]] || f=$srcdir/$f
  if [[ -e $f ]]; then
    files[i]=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
  else
    unset "files[i]"
  fi
done

# skip REASON: the lane cannot run here; under CI that is a failure
skip() {
  if [[ ${CI-} == true ]]; then
    printf '1..1\nnot ok 1 - cgroup v2 VM lane cannot run under CI: %s\n' "$*"
    exit 1
  fi
  printf '1..1\nok 1 # skip cgroup v2 VM lane: %s\n' "$*"
  exit 0
}

# fetch_kernel: the kernel and the modules above into $cache, from Debian's linux-image-amd64.
fetch_kernel() {
  local tmp pkg m f
  { command -v apt-get && command -v dpkg; } >/dev/null || return 1
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
  [[ -n $pkg ]] || return 1
  tmp=$(mktemp -d "$cache/fetch.XXXXXX") && chmod 755 "$tmp" || return 1
  (
    cd "$tmp" && apt-get -q=2 -o APT::Sandbox::User=root download "$pkg" >/dev/null 2>&1 &&
      dpkg -x ./*.deb root && mkdir modules || exit 1
    for m in $modules; do
      f=$(find root/lib/modules -name "$m.ko" | head -n 1)
      [[ -n $f ]] || exit 1
      mv "$f" modules/
    done
    mv root/boot/vmlinuz-* vmlinuz && rm -rf root ./*.deb
  ) || {
    rm -rf "$tmp"
    return 1
  }
  rm -rf "$cache/kernel" && mv "$tmp" "$cache/kernel"
}

command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
[[ $EUID -eq 0 ]] || skip "needs root"
if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then
  skip "needs a static /bin/busybox"
fi
command -v bats >/dev/null || skip "bats not found"
[[ ${#files[@]} -gt 0 ]] || skip "no bats files to run"
if [[ ! -x $skiff ]]; then
  printf '1..1\nnot ok 1 - cgroup v2 VM lane: %s is not an executable\n' "$skiff"
  exit 1
fi
mkdir -p "$cache" || skip "cannot create the cache $cache"
{ exec 9>"$cache/lock" && flock 9; } || skip "cannot lock $cache/lock"
# a cache without a module listed above (from an older list) is fetched again
kernel_cached() {
  local m
  [[ -e $cache/kernel/vmlinuz ]] || return 1
  for m in $modules; do
    [[ -e $cache/kernel/modules/$m.ko ]] || return 1
  done
}
kernel_cached || fetch_kernel || skip "cannot fetch linux-image-amd64 with apt-get download"
exec 9>&-

work=$(mktemp -d "${TMPDIR:-/tmp}/skiff-vm.XXXXXX") || exit 1
qemu=
trap '[[ -n $qemu ]] && kill "$qemu" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/initramfs/bin" "$work/initramfs/modules" "$work/out"
cp /bin/busybox "$work/initramfs/bin/busybox"
ln -s busybox "$work/initramfs/bin/sh"
cp "$here/init.sh" "$work/initramfs/init"
chmod 755 "$work/initramfs/init"
for m in $modules; do
  cp "$cache/kernel/modules/$m.ko" "$work/initramfs/modules/" || skip "the kernel cache lacks $m.ko"
  echo "$m" >>"$work/initramfs/modules/order"
done
(cd "$work/initramfs" && find . | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) |
  gzip -1 >"$work/initrd" || exit 1

# the tests' busybox rootfs, built here: in the guest its 400 forks take half a minute
fixture=${SKIFF_FIXTURE_DIR-}
if [[ -z $fixture ]]; then
  fixture=$work/fixture
  printf 'load %q\n@test fixture { build_rootfs; }\n' "$srcdir/tests/bats/helpers" >"$work/fixture.bats"
  SKIFF_FIXTURE_DIR=$fixture bats "$work/fixture.bats" >/dev/null 2>&1 || fixture=
fi

# what the guest needs to know, as shell assignments (the paths hold no single quote)
write_env() {
  printf "VM_SKIFF='%s'\nVM_BUILD_DIR='%s'\nVM_FILES='%s'\nVM_BATS_FLAGS='%s'\nVM_FIXTURE='%s'\n" \
    "$skiff" "$build_dir" "$1" "${BATS_FLAGS-}" "$fixture"
  printf "VM_SYSTEMD_FILES='%s'\nVM_MODE='%s'\n" "$2" "$3"
  printf "VM_CRIU_FILES='%s'\nVM_CRIU_TAGS='%s'\n" "${4-}" "${5-}"
  # directories the guest's fresh /tmp and /run would hide: mounted back from the host
  printf "VM_BINDS='%s'\n" "$(printf '%s\n' "$build_dir" "$srcdir" "$(dirname "$skiff")" \
    "${files[@]%/*}" "${systemd_files[@]%/*}" "${criu_files[@]%/*}" "$fixture" | grep -E '^/(tmp|run)/' | sort -u | tr '\n' ' ')"
}

# boot NAME OUT KERNEL-ARGS: one guest, whose TAP stream is shown as it writes it into OUT/tap. Returns
# non-zero when its tests failed or it ran none.
boot() {
  local name=$1 out=$2 args=$3 start code status
  start=$(date +%s)
  # forks and execs, most of a bats run, cost tens of ms each under TCG: measured, -cpu qemu64 and
  # mitigations=off make them up to twice as fast as -cpu max with the kernel's speculation workarounds
  timeout -k 10 "${SKIFF_VM_TIMEOUT:-3000}" qemu-system-x86_64 -nodefaults -no-user-config -no-reboot \
    -accel "${SKIFF_VM_ACCEL:-tcg,thread=multi}" -cpu qemu64 -smp "${SKIFF_VM_CPUS:-2}" -m 1G \
    -display none -monitor none \
    -serial "file:$out/../console-$name" -kernel "$cache/kernel/vmlinuz" -initrd "$work/initrd" \
    -append "console=ttyS0 quiet loglevel=4 panic=-1 $args mitigations=off rdinit=/init" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$out,mount_tag=vmout,security_model=none" \
    </dev/null >"$out/../qemu-$name.log" 2>&1 &
  qemu=$!
  : >>"$out/tap"
  if [[ ${SKIFF_VM_CONSOLE-} == 1 ]]; then
    : >>"$out/../console-$name"
    tail -n +1 -f --pid=$qemu "$out/../console-$name" >&2 &
  fi
  # the TAP stream as the guest writes it
  tail -n +1 -f --pid=$qemu "$out/tap"
  wait $qemu
  code=$?
  qemu=
  if ! grep -q '^1\.\.' "$out/tap"; then
    printf '1..1\nnot ok 1 - %s VM lane: the VM ran no tests (qemu exit %s after %ss)\n' \
      "$name" "$code" "$(($(date +%s) - start))"
    sed 's/^/# /' "$out/../qemu-$name.log" "$out/tap"
    tail -n 40 "$out/../console-$name" | sed 's/^/# console: /'
    return 1
  fi
  echo "# vm ($name): $(($(date +%s) - start))s; $(cat "$out/info" 2>/dev/null)"
  status=$(cat "$out/status" 2>/dev/null)
  if [[ $status != 0 ]]; then
    ((code == 124 || code == 137)) && echo "# vm ($name): timed out after ${SKIFF_VM_TIMEOUT:-3000}s"
    [[ -n $status ]] || tail -n 40 "$out/../console-$name" | sed 's/^/# console: /'
    return 1
  fi
  return 0
}

if [[ ${#systemd_files[@]} -gt 0 && ! -x /lib/systemd/systemd ]]; then
  if [[ ${CI-} == true ]]; then
    printf '1..1\nnot ok 1 - the VM lane'"'"'s systemd stages cannot run under CI: no /lib/systemd/systemd\n'
    exit 1
  fi
  printf '1..1\nok 1 # skip the VM lane'"'"'s systemd stages: no /lib/systemd/systemd (apt-get install systemd)\n'
  systemd_files=()
fi
write_env "${files[*]}" "${systemd_files[*]}" busybox >"$work/out/env"
result=0
boot v2 "$work/out" cgroup_no_v1=all || result=1
# checkpoint.bats in a v2 guest of its own (criu needs a kernel it knows; under TCG its tests take
# minutes, more than the first guest's timeout has left)
if [[ ${#criu_files[@]} -gt 0 ]]; then
  mkdir -p "$work/out-criu"
  write_env "${criu_files[*]}" "" busybox >"$work/out-criu/env"
  boot criu "$work/out-criu" cgroup_no_v1=all || result=1
fi
# the systemd files again on a hybrid host (v1 controllers, cgroup2 for systemd's own tracking), the
# layout where skiff makes the cgroups of the controllers systemd leaves alone; and the criu files'
# tests tagged $SKIFF_VM_HYBRID_CRIU_TAGS (default: cgroups, restores into the v1 controllers' cgroups
# with their limits; empty: none)
hybrid_tags=${SKIFF_VM_HYBRID_CRIU_TAGS-cgroups}
hybrid_criu=
[[ -n $hybrid_tags && -x /lib/systemd/systemd ]] && hybrid_criu=${criu_files[*]}
if [[ (${#systemd_files[@]} -gt 0 || -n $hybrid_criu) && ${SKIFF_VM_HYBRID-1} != 0 ]]; then
  mkdir -p "$work/out-hybrid"
  write_env "" "${systemd_files[*]}" systemd "$hybrid_criu" "$hybrid_tags" >"$work/out-hybrid/env"
  echo 0 >"$work/out-hybrid/status"
  boot hybrid "$work/out-hybrid" "systemd.unified_cgroup_hierarchy=0" ||
    result=1
fi
exit $result

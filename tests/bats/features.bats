#!/usr/bin/env bats
# `skiff features` (src/lib/features.c, oci/features.c): the runtime-spec Features structure, and
# each of its claims held against what the runtime really does on this host.

load helpers

setup() {
  requires root
  setup_bundle
  FEATURES="$BATS_TEST_TMPDIR/features.json"
  skiff features >"$FEATURES" || fail "skiff features failed"
}

teardown() {
  teardown_bundle
}

# jq -e on the features document
features() {
  jq -e "$@" "$FEATURES"
}

@test "features: the document has the spec's shape, runc's layout, and nothing the spec lacks" {
  local spec
  spec=$("$SKIFF" --version | awk '$1 == "spec:" { print $2 }')
  features --arg spec "$spec" '
    .ociVersionMin == "1.0.0" and .ociVersionMax == $spec
    and .hooks == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
    and (.mountOptions | type == "array" and length > 0 and . == sort and all(type == "string"))
    and (.linux.namespaces | . == sort) and (.linux.capabilities | all(test("^CAP_[A-Z_]+$")))
    and (.linux.cgroup | to_entries | all(.value | type == "boolean"))
    and (.linux.seccomp.enabled | type == "boolean")
    and ([.linux.seccomp | .actions, .operators, .archs][] | . == sort and all(type == "string"))
    and (.linux.apparmor.enabled | type == "boolean") and (.linux.selinux.enabled | type == "boolean")
    and (.annotations | type == "object" and all(type == "string"))'
  # the properties of the spec's features-schema.json and features-linux.json, no others
  features '(keys - ["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations",
      "potentiallyUnsafeConfigAnnotations"]) == []
    and (.linux | keys - ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux",
      "intelRdt", "mountExtensions", "netDevices"]) == []
    and (.linux.cgroup | keys - ["v1", "v2", "systemd", "systemdUser", "rdma"]) == []
    and (.linux.seccomp | keys - ["enabled", "actions", "operators", "archs", "knownFlags",
      "supportedFlags"]) == []'
  # runc's layout: indented by four spaces, fields in the spec's order
  run head -n 2 "$FEATURES"
  assert_output "$(printf '{\n    "ociVersionMin": "1.0.0",')"
  run jq -r 'keys_unsorted | join(" ")' "$FEATURES"
  assert_output --regexp '^ociVersionMin ociVersionMax hooks mountOptions linux annotations'
}

@test "features: every claim of this build is present, with skiff's values" {
  runc_lacks "the runtime-spec 1.2 features (intelRdt, mountExtensions, knownFlags)"
  features '
    (.linux | has("intelRdt") and has("mountExtensions"))
    and (.linux.cgroup | keys == ["rdma", "systemd", "systemdUser", "v1", "v2"])
    and (.linux.seccomp | has("knownFlags") and has("supportedFlags"))
    and (.linux.seccomp.supportedFlags - .linux.seccomp.knownFlags) == []
    and .linux.intelRdt.enabled == false
    and (.linux.mountExtensions.idmap.enabled | type == "boolean")
    and .potentiallyUnsafeConfigAnnotations == []
    and (.annotations | has("io.github.seccomp.libseccomp.version"))'
}

# what the host shows, as the runtime's own probes would see it
host_v1() { awk 'NR > 1 && $2 != 0 { found = 1 } END { exit !found }' /proc/cgroups; }
host_v2() { awk '$9 == "cgroup2" { found = 1 } END { exit !found }' /proc/self/mountinfo; }
host_rdma() {
  local cg2
  awk '$1 == "rdma" && $2 != 0 { found = 1 } END { exit !found }' /proc/cgroups && return 0
  cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
  [[ -n $cg2 ]] && grep -qw rdma "$cg2/cgroup.controllers"
}
host_systemd() { [[ -d /run/systemd/system ]] && ldconfig -p | grep -q 'libsystemd\.so\.0 '; }
host_seccomp() { grep -q '^Seccomp:' /proc/self/status && ldconfig -p | grep -q 'libseccomp\.so\.2 '; }

@test "features: the cgroup, systemd and seccomp claims are this host's, not constants" {
  runc_lacks "features that follow the host (runc 1.1 reports its build's constants)"
  local want
  want=$(jq -n --argjson v1 "$(host_v1 && echo true || echo false)" \
    --argjson v2 "$(host_v2 && echo true || echo false)" --argjson rdma "$(host_rdma && echo true || echo false)" \
    --argjson sd "$(host_systemd && echo true || echo false)" \
    '{v1: $v1, v2: $v2, systemd: $sd, systemdUser: $sd, rdma: $rdma}')
  assert_equal "$(features -c .linux.cgroup)" "$(jq -c . <<<"$want")"
  assert_equal "$(features .linux.seccomp.enabled || true)" "$(host_seccomp && echo true || echo false)"
}

@test "features: the libseccomp version is the one --version names" {
  local version
  version=$("$SKIFF" --version | awk '$1 == "libseccomp:" { print $2 }')
  features --arg v "$version" '.annotations["io.github.seccomp.libseccomp.version"] == $v'
}

@test "features: takes no arguments" {
  run --separate-stderr skiff features extra
  # runc prints its usage before the error line
  [[ $status -ne 0 ]] || fail "features with an argument succeeded"
  is_runc || expect_error features "no arguments"
}

@test "features: every mount option listed is accepted by run" {
  local host="$BATS_TEST_TMPDIR/bind-source" opts
  mkdir -p "$host" "$ROOTFS/m"
  opts=$(features -c .mountOptions)
  if is_runc; then
    # runc 1.1 lists "defaults" and hands it to tmpfs as data, which refuses it; and "remount",
    # which it passes to mount(2) with the first mount, which refuses it
    opts=$(jq -c 'map(select(. != "defaults" and . != "remount"))' <<<"$opts")
  fi
  # Each option on a mount of its own: a tmpfs, except what needs a source (bind, rbind, remount of
  # an existing mount; idmap, ridmap: idmapped bind mounts in a user namespace).
  add_namespace user
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .root.readonly = false
    | .mounts += [$opts[] | {destination: ("/m/" + .), options: [.]} +
        if IN("bind", "rbind", "remount", "idmap", "ridmap") then {type: "bind", source: $host}
          + (if IN("idmap", "ridmap") then {options: ["bind", .]} else {} end)
        else {type: "tmpfs", source: "tmpfs"} end]' --argjson opts "$opts" --arg host "$host"
  chown -R 100000:100000 "$ROOTFS"
  run_container sh -c 'grep -c " /m/" /proc/self/mountinfo'
  assert_success
  # every one of them is mounted
  [[ $output -ge $(jq length <<<"$opts") ]] || fail "only $output of $(jq length <<<"$opts") mounts under /m"
}

@test "features: every namespace listed is made, the container's own" {
  local ns names=() proc
  requires userns
  mapfile -t names < <(features -r '.linux.namespaces[]')
  for ns in "${names[@]}"; do
    add_namespace "$ns"
  done
  update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  chown -R 100000:100000 "$ROOTFS"
  local script=''
  for ns in "${names[@]}"; do
    case $ns in
    mount) proc=mnt ;;
    network) proc=net ;;
    *) proc=$ns ;;
    esac
    script+="echo $ns \$(readlink /proc/self/ns/$proc);"
  done
  run_container sh -c "$script"
  assert_success
  [[ ${#lines[@]} -eq ${#names[@]} ]] || fail "expected ${#names[@]} namespaces: $output"
  local line
  for line in "${lines[@]}"; do
    read -r ns link <<<"$line"
    case $ns in
    mount) proc=mnt ;;
    network) proc=net ;;
    *) proc=$ns ;;
    esac
    [[ -n $link && $link != "$(readlink "/proc/self/ns/$proc")" ]] || fail "$ns: the host's ($link)"
  done
}

@test "features: the capabilities listed are the kernel's; a container gets each the runtime holds" {
  local n last bnd
  n=$(features '.linux.capabilities | length')
  last=$(</proc/sys/kernel/cap_last_cap)
  if ! is_runc; then
    [[ $n -eq $((last + 1)) ]] || fail "$n capabilities listed, the kernel has $((last + 1))"
  fi
  # the names listed are in number order: keep those in the runtime's own bounding set
  bnd=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
  update_config '.process.capabilities = ([$f[0].linux.capabilities | to_entries[]
      | select(.key < 63 and (($bnd / pow(2; .key) | floor) % 2 == 1)) | .value] as $c
    | {bounding: $c, effective: $c, permitted: $c})' --slurpfile f "$FEATURES" --argjson bnd "$bnd"
  run_container sh -c 'grep -E "^Cap(Bnd|Eff):" /proc/self/status'
  assert_success
  local mask
  mask=$(printf '%016x' $((bnd & ((1 << n) - 1))))
  assert_output "$(printf 'CapEff:\t%s\nCapBnd:\t%s' "$mask" "$mask")"
}

# The architectures listed, of this host's byte order or of the other one.
archs_by_endianness() { # little|big
  local big='SCMP_ARCH_(MIPS|MIPS64|MIPS64N32|PPC|PPC64|S390|S390X|PARISC|PARISC64|M68K|SHEB)$'
  if [[ $1 == big ]]; then
    features -r '.linux.seccomp.archs[]' | grep -E "$big"
  else
    features -r '.linux.seccomp.archs[]' | grep -v -E "$big"
  fi
}

@test "features: every seccomp action, operator, supported flag and architecture is accepted" {
  [[ $(printf '\1\0' | od -An -tx2 | tr -d ' ') == 0001 ]] || skip "written for a little-endian host"
  # SCMP_ACT_NOTIFY needs an agent (seccomp.bats); ALLOW is the default here. One filter takes
  # architectures of one byte order only: libseccomp refuses to mix them.
  update_config '$f[0].linux.seccomp as $s | .linux.seccomp = {
      defaultAction: "SCMP_ACT_ALLOW",
      architectures: $archs,
      flags: ($s.supportedFlags // []),
      syscalls: (
        [$s.actions[] | select(. != "SCMP_ACT_NOTIFY" and . != "SCMP_ACT_ALLOW")] as $a
        | [range($a | length) | {names: [["acct", "swapon", "swapoff", "kexec_load", "init_module",
            "delete_module", "vhangup", "syslog", "quotactl"][.]], action: $a[.]}]
        + [$s.operators[] | {names: ["reboot"], action: "SCMP_ACT_ERRNO",
            args: [{index: 0, value: 1, valueTwo: 1, op: .}]}])
    }' --slurpfile f "$FEATURES" --argjson archs "$(archs_by_endianness little | jq -R . | jq -s .)"
  run_container sh -c 'echo ok'
  assert_success
  assert_output ok

  # the other byte order: recognized, refused only by libseccomp's rule, naming the architecture
  local arch
  while read -r arch; do
    update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: [$a]}' --arg a "$arch"
    run_container true
    expect_error run --runc-lines 1 --runc "" "$arch" "out of domain"
    [[ $stderr != *unknown* ]] || fail "$arch is listed but not recognized: $stderr"
  done < <(archs_by_endianness big)
}

@test "features: idmap mounts work when claimed, are refused when not" {
  runc_lacks "mountExtensions (runc 1.2)"
  local host="$BATS_TEST_TMPDIR/idmap-source"
  mkdir -p "$host"
  touch "$host/file"
  chown 1000:1000 "$host/file"
  update_config '.mounts += [{destination: "/data", type: "bind", source: $s, options: ["bind", "idmap"],
    uidMappings: [{containerID: 1000, hostID: 2000, size: 1}], gidMappings: [{containerID: 1000, hostID: 3000, size: 1}]}]' \
    --arg s "$host"
  if features '.linux.mountExtensions.idmap.enabled'; then
    run_container stat -c %u:%g /data/file
    assert_success
    assert_output 2000:3000
  else
    run_container true
    expect_error run mounts
  fi
}

@test "features: intelRdt, apparmor and selinux claims match what create does" {
  runc_lacks "the intelRdt feature (runc 1.2)"
  if ! features '.linux.intelRdt.enabled'; then
    update_config '.linux.intelRdt = {closID: "skiff-features-test"}'
    run_container true
    expect_error run linux.intelRdt
    update_config 'del(.linux.intelRdt)'
  fi
  if ! features '.linux.apparmor.enabled'; then
    update_config '.process.apparmorProfile = "unconfined"'
    run_container true
    expect_error run process.apparmorProfile
    update_config 'del(.process.apparmorProfile)'
  fi
  if ! features '.linux.selinux.enabled'; then
    update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
    run_container true
    expect_error run process.selinuxLabel
  fi
}

@test "features: the systemd claim matches what --systemd-cgroup does" {
  local id
  id=$(new_id)
  update_config '.linux.cgroupsPath = "system.slice:skiff-features:" + $id' --arg id "$id"
  run --separate-stderr skiff --systemd-cgroup run --bundle "$BUNDLE" "$id" </dev/null
  if ! features '.linux.cgroup.systemd'; then
    expect_error run systemd
  elif [[ -d /run/systemd/system ]]; then
    assert_success
  else
    # claimed, but this host's PID 1 is not systemd: refused for that, in one line
    is_runc || expect_error run systemd "PID 1"
  fi
}

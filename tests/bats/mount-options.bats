#!/usr/bin/env bats
# mounts[].options (src/lib/mounts.c, mounts-copyup.c, mounts-idmap.c): each option as the
# container's /proc/self/mountinfo shows it, and as the files under it behave.

load helpers

setup() {
  requires root
  setup_bundle
  HOST="$BATS_TEST_TMPDIR/host"
  mkdir -p "$HOST"
}

teardown() {
  teardown_bundle
}

add_mount() {
  update_config '.mounts += [$m]' --argjson m "$1"
}

# bind_mount DEST OPTION...: HOST bound at DEST with those options
bind_mount() {
  local dest=$1
  shift
  add_mount "$(jq -n --arg s "$HOST" --arg d "$dest" '{destination: $d, type: "bind", source: $s,
    options: $ARGS.positional}' --args "$@")"
}

# A tmpfs mounted at HOST/sub on the host, with a file in it.
host_submount() {
  mkdir -p "$HOST/sub"
  mount -t tmpfs skiff-sub "$HOST/sub"
  defer umount -l "$HOST/sub"
  echo in-sub >"$HOST/sub/file"
  echo in-top >"$HOST/file"
}

# mountinfo_of CMD...: runs the container, keeps its mountinfo in $MOUNTINFO, CMD's output in $output
MOUNTINFO=''
run_with_mountinfo() {
  MOUNTINFO="$BATS_TEST_TMPDIR/mountinfo"
  run_container sh -c 'cat /proc/self/mountinfo >&2; "$@"' sh "$@"
  printf '%s\n' "$stderr" >"$MOUNTINFO"
}

# field MOUNTPOINT WHAT: "opts" (per-mount options), "optional" (propagation fields), "super"
field() {
  awk -v mp="$1" -v what="$2" '$5 == mp {
      optional = ""
      for (i = 7; $i != "-"; i++) optional = optional (optional == "" ? "" : " ") $i
      if (what == "opts") line = $6
      else if (what == "optional") line = optional
      else if (what == "type") line = $(i + 1)
      else line = $(i + 3)
      found = 1
    }
    END { if (!found) exit 1; print line }' "$MOUNTINFO"
}

has_opt() { [[ ,$(field "$1" opts), == *",$2,"* ]]; }

@test "rbind carries the submounts, bind does not" {
  host_submount
  bind_mount /r rbind
  bind_mount /b bind
  run_with_mountinfo sh -c 'cat /r/sub/file; cat /b/sub/file 2>/dev/null || echo no-sub'
  assert_success
  assert_output "$(printf '%s\n' in-sub no-sub)"
  [[ $(field /r/sub type) == tmpfs ]]
  run field /b/sub type
  assert_failure
}

@test "rro: the mount and every submount read-only; ro: only the top one" {
  host_submount
  bind_mount /rro rbind rro
  bind_mount /ro rbind ro
  run_with_mountinfo sh -c 'touch /rro/x 2>/dev/null || echo rro-top-ro
    touch /rro/sub/x 2>/dev/null || echo rro-sub-ro
    touch /ro/x 2>/dev/null || echo ro-top-ro
    touch /ro/sub/x 2>/dev/null && echo ro-sub-rw'
  assert_success
  assert_output "$(printf '%s\n' rro-top-ro rro-sub-ro ro-top-ro ro-sub-rw)"
  has_opt /rro ro && has_opt /rro/sub ro || fail "rro: $(field /rro opts) / $(field /rro/sub opts)"
  has_opt /ro ro && has_opt /ro/sub rw || fail "ro: $(field /ro opts) / $(field /ro/sub opts)"
  [[ ! -e $HOST/x ]] || fail "a write went through the read-only mount"
  [[ -e $HOST/sub/x ]] || fail "the rw submount did not take the write"
}

@test "rnosuid, rnodev, rnoexec, rnosymfollow reach the submounts" {
  runc_lacks "rnosymfollow (runc 1.1 has rro only)"
  host_submount
  bind_mount /m rbind rnosuid rnodev rnoexec rnosymfollow
  run_with_mountinfo true
  local mp opt
  for mp in /m /m/sub; do
    for opt in nosuid nodev noexec nosymfollow; do
      has_opt "$mp" "$opt" || fail "$mp lacks $opt: $(field "$mp" opts)"
    done
  done
}

@test "nosymfollow: the mount shows it and its symlinks are not followed" {
  echo target >"$HOST/target"
  ln -s target "$HOST/link"
  bind_mount /nsf rbind nosymfollow
  bind_mount /sf rbind
  run_with_mountinfo sh -c 'cat /sf/link; cat /nsf/link 2>/dev/null || echo not-followed; readlink /nsf/link'
  assert_success
  assert_output "$(printf '%s\n' target not-followed target)"
  has_opt /nsf nosymfollow || fail "$(field /nsf opts)"
  ! has_opt /sf nosymfollow
}

@test "tmpcopyup: the tmpfs starts with the covered directory's files, modes and owners" {
  runc_lacks "tmpcopyup is a runc extension that needs its rootfs setup"
  mkdir -p "$ROOTFS/data/dir"
  echo file-content >"$ROOTFS/data/file"
  chmod 604 "$ROOTFS/data/file"
  chown 1000:1000 "$ROOTFS/data/file"
  echo nested >"$ROOTFS/data/dir/nested"
  ln -s file "$ROOTFS/data/link"
  chmod 750 "$ROOTFS/data"
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}'
  run_with_mountinfo sh -c 'cat /data/file /data/dir/nested; readlink /data/link
    stat -c "%a %u:%g" /data/file; echo new > /data/new && echo writable'
  assert_success
  assert_output "$(printf '%s\n' file-content nested file '604 1000:1000' writable)"
  [[ $(field /data type) == tmpfs ]]
  [[ ! -e $ROOTFS/data/new ]] || fail "a write reached the rootfs"
}

@test "tmpcopyup of a missing directory is an empty tmpfs" {
  runc_lacks "tmpcopyup is a runc extension that needs its rootfs setup"
  add_mount '{"destination": "/fresh", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}'
  run_with_mountinfo ls -A /fresh
  assert_success
  assert_output ""
  [[ $(field /fresh type) == tmpfs ]]
}

@test "propagation: shared, private and unbindable as the optional fields show them" {
  add_mount '{"destination": "/p-shared", "type": "tmpfs", "source": "tmpfs", "options": ["shared"]}'
  add_mount '{"destination": "/p-private", "type": "tmpfs", "source": "tmpfs", "options": ["private"]}'
  add_mount '{"destination": "/p-unbindable", "type": "tmpfs", "source": "tmpfs", "options": ["unbindable"]}'
  run_with_mountinfo true
  [[ $(field /p-shared optional) =~ ^shared:[0-9]+$ ]] || fail "shared: $(field /p-shared optional)"
  [[ -z $(field /p-private optional) ]] || fail "private: $(field /p-private optional)"
  [[ $(field /p-unbindable optional) == unbindable ]] || fail "unbindable: $(field /p-unbindable optional)"
}

@test "propagation: slave of a shared host mount receives its later mounts" {
  mount --bind "$HOST" "$HOST"
  defer umount -R "$HOST"
  mount --make-shared "$HOST"
  bind_mount /p-slave bind slave
  set_args sleep 1000
  create_container "$ID"
  MOUNTINFO="/proc/$(container_pid "$ID")/mountinfo"
  [[ $(field /p-slave optional) =~ (^| )master:[0-9]+ ]] || fail "slave: $(field /p-slave optional)"
  mkdir "$HOST/late"
  mount -t tmpfs skiff-late "$HOST/late"
  [[ $(field /p-slave/late type) == tmpfs ]] || fail "the host's later mount did not propagate"
  umount "$HOST/late"
  skiff delete --force "$ID"
}

@test "propagation: rshared, rslave, rprivate and runbindable reach the submounts" {
  host_submount
  mount --make-shared "$HOST/sub"
  bind_mount /rshared rbind rshared
  bind_mount /rslave rbind rslave
  bind_mount /rprivate rbind rprivate
  bind_mount /runbindable rbind runbindable
  run_with_mountinfo true
  local mp
  for mp in /rshared /rshared/sub; do
    [[ $(field $mp optional) =~ (^| )shared:[0-9]+ ]] || fail "$mp: $(field $mp optional)"
  done
  # the top of /rslave has no master where the host's dir is not shared: only the submount is
  [[ $(field /rslave/sub optional) =~ (^| )master:[0-9]+ ]] || fail "/rslave/sub: $(field /rslave/sub optional)"
  [[ $(field /rslave/sub optional) != *shared:* ]] || fail "/rslave/sub: $(field /rslave/sub optional)"
  for mp in /rprivate /rprivate/sub; do
    [[ -z $(field $mp optional) ]] || fail "$mp: $(field $mp optional)"
  done
  for mp in /runbindable /runbindable/sub; do
    [[ $(field $mp optional) == unbindable ]] || fail "$mp: $(field $mp optional)"
  done
}

@test "bind: a missing destination is made a file for a file, a directory for a directory, parents too" {
  echo host-file >"$HOST/file"
  mkdir -p "$HOST/dir"
  echo in-dir >"$HOST/dir/inner"
  add_mount "$(jq -n --arg s "$HOST/file" '{destination: "/new/a/file", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$HOST/dir" '{destination: "/new/b/dir", type: "bind", source: $s, options: ["rbind"]}')"
  run_with_mountinfo sh -c 'cat /new/a/file /new/b/dir/inner'
  assert_success
  assert_output "$(printf '%s\n' host-file in-dir)"
  # made in the rootfs, before it turned read-only
  [[ -f $ROOTFS/new/a/file && -d $ROOTFS/new/b/dir ]] || fail "$(ls -lR "$ROOTFS/new")"
  [[ -z $(cat "$ROOTFS/new/a/file") ]] || fail "the placeholder holds the host file's data"
  field /new/a/file type >/dev/null
  field /new/b/dir type >/dev/null
}

@test "bind: a file bound as ro refuses writes, the host file is untouched" {
  echo host-file >"$HOST/file"
  add_mount "$(jq -n --arg s "$HOST/file" '{destination: "/etc/bound", type: "bind", source: $s, options: ["bind", "ro"]}')"
  run_with_mountinfo sh -c 'echo x >> /etc/bound 2>/dev/null || echo refused; cat /etc/bound'
  assert_success
  assert_output "$(printf '%s\n' refused host-file)"
  has_opt /etc/bound ro
}

@test "overlay: lowerdir, upperdir and workdir in the bundle make the merged view" {
  mkdir -p "$BUNDLE/lower" "$BUNDLE/upper" "$BUNDLE/work"
  echo from-lower >"$BUNDLE/lower/l"
  echo from-upper >"$BUNDLE/upper/u"
  add_mount "$(jq -n --arg b "$BUNDLE" '{destination: "/merged", type: "overlay", source: "overlay",
    options: ["lowerdir=\($b)/lower", "upperdir=\($b)/upper", "workdir=\($b)/work"]}')"
  run_with_mountinfo sh -c 'cat /merged/l /merged/u; echo written > /merged/new; rm /merged/l'
  assert_success
  assert_output "$(printf '%s\n' from-lower from-upper)"
  [[ $(field /merged type) == overlay ]]
  [[ $(field /merged super) == *"lowerdir=$BUNDLE/lower"* ]] || fail "$(field /merged super)"
  # writes land in the upper dir, the lower one is untouched
  [[ $(<"$BUNDLE/upper/new") == written && $(<"$BUNDLE/lower/l") == from-lower ]]
  [[ -c $BUNDLE/upper/l ]] || fail "no whiteout for the removed file"
}

@test "overlay: relative lowerdir, upperdir and workdir are the bundle's" {
  runc_lacks "relative overlay dirs (runc resolves them from its own cwd)"
  mkdir -p "$BUNDLE/lower" "$BUNDLE/upper" "$BUNDLE/work"
  echo from-lower >"$BUNDLE/lower/l"
  add_mount '{"destination": "/merged", "type": "overlay", "source": "overlay",
    "options": ["lowerdir=lower", "upperdir=upper", "workdir=work"]}'
  cd /
  run_with_mountinfo sh -c 'cat /merged/l; echo w > /merged/new'
  assert_success
  assert_output from-lower
  [[ $(<"$BUNDLE/upper/new") == w ]]
}

@test "overlay: several lower dirs, read-only without an upper dir" {
  mkdir -p "$BUNDLE/l1" "$BUNDLE/l2"
  echo one >"$BUNDLE/l1/f"
  echo two >"$BUNDLE/l2/f"
  echo only-two >"$BUNDLE/l2/g"
  add_mount "$(jq -n --arg b "$BUNDLE" '{destination: "/merged", type: "overlay", source: "overlay",
    options: ["lowerdir=\($b)/l1:\($b)/l2"]}')"
  run_with_mountinfo sh -c 'cat /merged/f /merged/g; touch /merged/x 2>/dev/null || echo read-only'
  assert_success
  assert_output "$(printf '%s\n' one only-two read-only)"
}

# The container's user namespace maps its root to host 100000; the bound files are the host's root's.
idmap_setup() {
  requires userns
  # decided by the kernel (an idmapped copy of $HOST's mount), never by the runtime's error
  local probe code=0
  probe=$(helper_program idmap-probe)
  "$probe" "$HOST" 2>"$BATS_TEST_TMPDIR/probe.err" || code=$?
  ((code != 2)) ||
    skip "this kernel cannot idmap a mount of $(stat -fc %T "$HOST"): $(<"$BATS_TEST_TMPDIR/probe.err")"
  ((code == 0)) || fail "$(<"$BATS_TEST_TMPDIR/probe.err")"
  update_config '.linux.namespaces += [{type: "user"}]
    | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
    | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
  chown -R 100000:100000 "$ROOTFS"
  echo owned-by-root >"$HOST/file"
  chown 0:0 "$HOST" "$HOST/file"
  chmod 755 "$HOST"
}

# idmap_mount DEST OPTION...: HOST with the container's mappings
idmap_mount() {
  local dest=$1
  shift
  add_mount "$(jq -n --arg s "$HOST" --arg d "$dest" '{destination: $d, type: "bind", source: $s,
    options: $ARGS.positional,
    uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}' --args "$@")"
}

@test "idmap: the host's root-owned files are the container's root's, and new files the host's root's" {
  runc_lacks "idmapped mounts (runc 1.2)"
  idmap_setup
  idmap_mount /idm bind idmap
  bind_mount /plain bind
  run_with_mountinfo sh -c 'stat -c "%u:%g" /idm/file /plain/file; echo new > /idm/new && echo written'
  assert_success
  assert_output "$(printf '%s\n' 0:0 65534:65534 written)"
  [[ $(stat -c %u:%g "$HOST/new") == 0:0 ]] || fail "new file on the host: $(stat -c %u:%g "$HOST/new")"
  [[ $(field /idm opts) == *idmapped* ]] || fail "$(field /idm opts)"
}

@test "ridmap: the submounts are idmapped too; idmap alone leaves them out" {
  runc_lacks "idmapped mounts (runc 1.2)"
  idmap_setup
  host_submount
  chown 0:0 "$HOST/sub/file"
  idmap_mount /ridm rbind ridmap
  idmap_mount /idm rbind idmap
  run_with_mountinfo sh -c 'stat -c "%u:%g" /ridm/file /ridm/sub/file /idm/file /idm/sub/file'
  assert_success
  assert_output "$(printf '%s\n' 0:0 0:0 0:0 65534:65534)"
  [[ $(field /ridm/sub opts) == *idmapped* ]] || fail "$(field /ridm/sub opts)"
}

@test "idmap on a mount that is not a bind mount is a one-line error, nothing left" {
  runc_lacks "idmapped mounts (runc 1.2)"
  idmap_setup
  add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create idmap
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

@test "an unknown mount option is passed to the filesystem, which refuses it in one line" {
  add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["skiff-no-such-option"]}'
  set_args true
  capture skiff create --bundle "$BUNDLE" "$ID"
  expect_error create "/t" --runc "/t"
  [[ ! -e $SKIFF_ROOT/$ID ]] || fail "state entry left"
}

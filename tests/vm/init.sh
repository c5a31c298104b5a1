#!/bin/sh
# The VM's /init (busybox sh, from the initramfs that tests/vm/run.sh builds), in two stages:
#   1. loads the 9p modules, mounts the host's root (9p, read-only) under a tmpfs overlay as the new root
#      with fresh /proc /sys /dev /run /tmp and cgroup2, and switches to it with busybox init as pid 1
#      (a real init reaps the orphans that containers leave); or (VM_MODE=systemd) leaves the cgroups to
#      systemd and switches to it as pid 1, with the units of stage 3;
#   2. (busybox init's sysinit action) enables every controller, runs the bats files, leaves the TAP
#      stream and bats' exit status in the host's output directory, and powers off; or, when there are
#      systemd bats files, has busybox init exec systemd (its restart action, on SIGQUIT) with a default
#      target whose one service is
#   3. runs the systemd bats files with systemd as PID 1 (then the criu files' tests tagged
#      $VM_CRIU_TAGS), appends their TAP stream, and powers off.
out=/run/skiff-vm

# mount_hybrid DIR: the hybrid layout (v1 controllers, cgroup2 at unified/, name=systemd), which systemd
# keeps when it finds it mounted (its own choice would be pure v2)
mount_hybrid() {
  mount -t tmpfs -o mode=755 tmpfs "$1" && mkdir "$1/unified" "$1/systemd" &&
    mount -t cgroup2 -o nsdelegate cgroup2 "$1/unified" &&
    mount -t cgroup -o none,name=systemd,xattr cgroup "$1/systemd" || return 1
  for c in cpu,cpuacct blkio memory devices freezer pids cpuset net_cls,net_prio perf_event hugetlb; do
    mkdir "$1/$c" && mount -t cgroup -o "$c" cgroup "$1/$c" || echo "vm: cannot mount the $c cgroup"
  done
}

stage1() {
  /bin/busybox mkdir -p /dev /proc /sys /lower /upper /newroot
  /bin/busybox mount -t devtmpfs devtmpfs /dev
  exec </dev/console >/dev/console 2>&1
  /bin/busybox --install -s /bin
  mount -t proc proc /proc
  while read -r m; do
    insmod "/modules/$m.ko" || echo "vm: insmod $m failed"
  done </modules/order
  if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower ||
    ! mount -t tmpfs -o mode=755 tmpfs /upper || ! mkdir /upper/u /upper/w ||
    ! mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot; then
    echo "vm: cannot mount the host's root"
    poweroff -f
  fi
  r=/newroot
  mount -t proc proc $r/proc
  mount -t sysfs sysfs $r/sys
  mount -t devtmpfs devtmpfs $r/dev
  mkdir -p $r/dev/pts $r/dev/shm $r/dev/mqueue
  ln -s /proc/self/fd $r/dev/fd
  for fd in 0:stdin 1:stdout 2:stderr; do
    ln -s /proc/self/fd/${fd%:*} $r/dev/${fd#*:}
  done
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts $r/dev/pts
  mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
  mount -t mqueue mqueue $r/dev/mqueue
  mount -t tmpfs -o mode=755 tmpfs $r/run
  mount -t tmpfs -o mode=1777 tmpfs $r/tmp
  mkdir -p $r$out
  mount -t 9p -o trans=virtio,version=9p2000.L vmout $r$out
  # shellcheck source=/dev/null # written by run.sh
  . $r$out/env
  if [ "$VM_MODE" = systemd ]; then
    mount_hybrid $r/sys/fs/cgroup
  else
    mount -t cgroup2 -o nsdelegate cgroup2 $r/sys/fs/cgroup
  fi
  for d in $VM_BINDS; do
    mkdir -p "$r$d" && mount --bind "/lower$d" "$r$d"
  done
  cp /init $r/run/skiff-vm-init
  if [ "$VM_MODE" = systemd ]; then
    systemd_units $r || poweroff -f
    exec switch_root $r /lib/systemd/systemd
  fi
  echo "::sysinit:/bin/busybox sh /run/skiff-vm-init stage2" >$r/etc/inittab
  [ -n "$VM_SYSTEMD_FILES" ] && echo "::restart:/lib/systemd/systemd" >>$r/etc/inittab
  exec switch_root $r /bin/busybox init
}

stage2() {
  # shellcheck source=/dev/null
  . $out/env
  export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp LANG=C.UTF-8
  cg=/sys/fs/cgroup
  echo "+cpuset +cpu +io +memory +hugetlb +pids +rdma +misc" >$cg/cgroup.subtree_control
  # the runner in a leaf, as under systemd: the root cgroup holds only init
  mkdir $cg/skiff-vm.scope && echo $$ >$cg/skiff-vm.scope/cgroup.procs
  ip link set lo up 2>/dev/null
  hostname skiff-vm
  echo "linux $(uname -r), $(nproc) cpus, controllers: $(cat $cg/cgroup.subtree_control)" >$out/info
  [ -n "$VM_FIXTURE" ] && export SKIFF_FIXTURE_DIR="$VM_FIXTURE"
  # shellcheck disable=SC2086 # lists of words
  cd "$VM_BUILD_DIR" &&
    SKIFF_BINARY=$VM_SKIFF SKIFF_BUILDDIR=$VM_BUILD_DIR bats --tap $VM_BATS_FLAGS $VM_FILES >$out/tap 2>&1
  echo $? >$out/status
  if [ -n "$VM_SYSTEMD_FILES" ] && [ -x /lib/systemd/systemd ]; then
    boot_systemd && exit 0
    echo "vm: cannot boot systemd" >>$out/tap
    echo 1 >$out/status
  fi
  sync
  poweroff -f
}

# systemd_units ROOT: the units that make systemd run stage3 and nothing else.
systemd_units() {
  u=$1/etc/systemd/system
  mkdir -p $u || return 1
  printf '[Unit]\nDescription=skiff VM tests\nWants=skiff-vm-tests.service\n' >$u/skiff-vm.target
  printf '[Unit]\nDescription=skiff systemd bats\nDefaultDependencies=no\nFailureAction=poweroff-force\n
[Service]\nType=oneshot\nExecStart=/bin/busybox sh /run/skiff-vm-init stage3\n
StandardOutput=file:%s/systemd.log\nStandardError=inherit\n' "$out" >$u/skiff-vm-tests.service
  ln -sf skiff-vm.target $u/default.target || return 1
  # a test that starts dbus pulls in sysinit.target, whose tmpfiles --remove would empty /tmp (the
  # tests' own files) under the running tests
  ln -sf /dev/null $u/systemd-tmpfiles-setup.service && ln -sf /dev/null $u/systemd-tmpfiles-clean.timer
}

# busybox init execs systemd (its restart action) once this sysinit action has returned
boot_systemd() {
  systemd_units "" && sync && kill -QUIT 1
}

stage3() {
  # shellcheck source=/dev/null
  . $out/env
  export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp LANG=C.UTF-8
  [ -n "$VM_FIXTURE" ] && export SKIFF_FIXTURE_DIR="$VM_FIXTURE"
  info=$(cat $out/info 2>/dev/null) layout=v1
  [ -e /sys/fs/cgroup/unified ] && layout=hybrid
  [ -e /sys/fs/cgroup/cgroup.controllers ] && layout=v2
  echo "${info:+$info; then }systemd $(systemctl --version | awk 'NR == 1 { print $2 }') as PID 1," \
    "cgroup $layout" >$out/info
  cd "$VM_BUILD_DIR" || echo 1 >$out/status
  if [ -n "$VM_SYSTEMD_FILES" ]; then
    # shellcheck disable=SC2086 # lists of words
    SKIFF_BINARY=$VM_SKIFF SKIFF_BUILDDIR=$VM_BUILD_DIR bats --tap $VM_BATS_FLAGS $VM_SYSTEMD_FILES >>$out/tap 2>&1
    code=$?
    [ "$(cat $out/status)" = 0 ] && echo $code >$out/status
  fi
  # criu's tests of the cgroups (run.sh: the hybrid guest's), on this layout
  if [ -n "$VM_CRIU_FILES" ]; then
    # shellcheck disable=SC2086 # lists of words
    SKIFF_BINARY=$VM_SKIFF SKIFF_BUILDDIR=$VM_BUILD_DIR bats --tap --filter-tags "$VM_CRIU_TAGS" $VM_BATS_FLAGS \
      $VM_CRIU_FILES >>$out/tap 2>&1
    code=$?
    [ "$(cat $out/status)" = 0 ] && echo $code >$out/status
  fi
  sync
  poweroff -f
}

case ${1-} in
stage2) stage2 ;;
stage3) stage3 ;;
*) stage1 ;;
esac

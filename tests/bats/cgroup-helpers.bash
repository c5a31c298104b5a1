# Shared by cgroups.bats and cgroups-resources.bats (after `load helpers`): where a container's cgroup
# files are on the host's layout (v1, hybrid or v2), and a config that puts the container in /ID.

# The host directory of cgroup PATH for CONTROLLER: cg_dir memory /x
cg_dir() {
  if v2_host; then
    echo "/sys/fs/cgroup$2"
  else
    echo "/sys/fs/cgroup/$1$2"
  fi
}

# The hierarchies a v1/hybrid host has (for "is it everywhere / gone everywhere").
cg_mounts() {
  awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo
}

# Sets linux.cgroupsPath to /ID (top level: nothing left behind above it) and resources to JSON.
cgroup_config() {
  update_config '.linux.cgroupsPath = $p | .linux.resources = ((.linux.resources // {}) + $r)' \
    --arg p "/$ID" --argjson r "$1"
}

# cg_file CONTROLLER FILE: the container's cgroup file, wherever the host keeps that controller
# (v1 hierarchy, or the cgroup2 one: v2 hosts, a hybrid host's hugetlb).
cg_file() {
  local f
  for f in "$(cg_dir "$1" "/$ID")/$2" "/sys/fs/cgroup/unified/$ID/$2" "/sys/fs/cgroup/$ID/$2"; do
    [[ -e $f ]] && echo "$f" && return 0
  done
  return 1
}

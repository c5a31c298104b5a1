/* idmap-probe PATH: whether this kernel can idmap a bind mount of PATH (its filesystem), asked of the
 * kernel itself: a detached copy of the mount (open_tree) gets MOUNT_ATTR_IDMAP with a fresh user
 * namespace that maps 0 to 100000. Exit 0: it can; 2: the kernel or the filesystem cannot, with the
 * errno on stderr; 1: the probe itself failed. mount-options.bats decides its idmap skips from this,
 * never from the runtime's own error. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* write_map PID FILE: "0 100000 65536" into /proc/PID/FILE */
static int write_map(pid_t pid, const char *file) {
  char path[64];
  static const char map[] = "0 100000 65536\n";
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, map, sizeof map - 1);
  close(fd);
  return n == (ssize_t)(sizeof map - 1) ? 0 : -1;
}

/* A child in a new user namespace with the mappings: returns an fd of that namespace. */
static int mapped_userns(pid_t *child) {
  int ready[2];
  char c;
  if (pipe2(ready, O_CLOEXEC) < 0) return -1;
  *child = fork();
  if (*child < 0) return -1;
  if (*child == 0) {
    if (unshare(CLONE_NEWUSER) < 0) _exit(1);
    if (write(ready[1], "x", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  if (read(ready[0], &c, 1) != 1) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)*child);
  if (write_map(*child, "uid_map") < 0 || write_map(*child, "gid_map") < 0) return -1;
  return open(path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: idmap-probe PATH\n");
    return 1;
  }
  pid_t child = -1;
  int userns = mapped_userns(&child);
  if (userns < 0) {
    fprintf(stderr, "idmap-probe: cannot make a user namespace: %s\n", strerror(errno));
    if (child > 0) kill(child, SIGKILL);
    return 1;
  }
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) {
    int err = errno;
    kill(child, SIGKILL);
    fprintf(stderr, "idmap-probe: open_tree %s: %s\n", argv[1], strerror(err));
    return err == ENOSYS ? 2 : 1;
  }
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned long long)userns};
  long rc = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
  int err = errno;
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (rc < 0) {
    fprintf(stderr, "idmap-probe: mount_setattr(MOUNT_ATTR_IDMAP) of %s: %s\n", argv[1], strerror(err));
    return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EPERM ? 2 : 1;
  }
  return 0;
}

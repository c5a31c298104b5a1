#include "lib/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/paths.h"
#include "oci/cleanup.h"
#include "lib/utils.h"
#include "oci/format.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The ptmx device, and the majors of Unix98 pty slaves (kernel: UNIX98_PTY_SLAVE_MAJOR and
 * UNIX98_PTY_MAJOR_COUNT). */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143

/* What runc sends as the payload with the master: the name it opened it by. */
#define CONSOLE_SOCKET_PAYLOAD "/dev/ptmx"

/* How long terminal_relay_finish waits for output while the slave is still open elsewhere. */
#define DRAIN_IDLE_MS 100
#define DRAIN_TOTAL_MS 1000

/* ---- init side ---------------------------------------------------------- */

/* A dup2 onto 0..2 must not clobber the fds we still need, nor dup2(fd, fd) keep
 * close-on-exec: keep the pty fds above 2. */
static int fd_above_stdio(int *fd, struct skiff_error *err) {
  if (*fd > STDERR_FILENO)
    return 0;
  int moved = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0)
    return skiff_fail_errno(err, errno, "dup pty fd");
  close(*fd);
  *fd = moved;
  return 0;
}

/* /dev/ptmx resolved beneath "/" (the container's root by now), so a symlink in the image
 * cannot lead elsewhere, and checked to be the ptmx device whatever it was reached by. */
static int open_ptmx(int root, struct skiff_error *err) {
  cleanup_close int ptmx = path_open_in_root(root, "/dev/ptmx", O_RDWR | O_NOCTTY, 0, err);
  if (ptmx < 0)
    return -1;
  struct stat st;
  if (fd_stat(ptmx, &st) < 0)
    return skiff_fail_errno(err, errno, "stat /dev/ptmx");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != PTMX_MAJOR || minor(st.st_rdev) != PTMX_MINOR)
    return skiff_fail(err, EINVAL, "/dev/ptmx is not the ptmx device (%u:%u)", major(st.st_rdev),
                      minor(st.st_rdev));
  if (fd_above_stdio(&ptmx, err) < 0)
    return -1;
  return steal_fd(&ptmx);
}

/* The slave, by the master's fd rather than by its /dev/pts/N name, then checked to be a pty
 * slave of a devpts instance. */
static int open_peer(int master, struct skiff_error *err) {
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    return skiff_fail_errno(err, errno, "unlockpt");
  cleanup_close int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0)
    return skiff_fail_errno(err, errno, "open pty peer (TIOCGPTPEER)");
  struct statfs sfs;
  struct stat st;
  if (fstatfs(peer, &sfs) < 0 || fd_stat(peer, &st) < 0)
    return skiff_fail_errno(err, errno, "stat pty peer");
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || major(st.st_rdev) < PTY_SLAVE_MAJOR_FIRST ||
      major(st.st_rdev) > PTY_SLAVE_MAJOR_LAST)
    return skiff_fail(err, EINVAL, "pty peer is not a devpts pty slave");
  if (fd_above_stdio(&peer, err) < 0)
    return -1;
  return steal_fd(&peer);
}

static int apply_console_size(const struct oci_process *process, int master, struct skiff_error *err) {
  if (!process->has_console_size)
    return 0;
  struct winsize ws = {.ws_row = (unsigned short)process->console_size.height,
                       .ws_col = (unsigned short)process->console_size.width};
  if (ioctl(master, TIOCSWINSZ, &ws) < 0)
    return skiff_fail_errno(err, errno, "process.consoleSize: set window size");
  return 0;
}

/* Bind-mounts the slave onto /dev/console, as runc does, so that programs that open
 * /dev/console reach the container's terminal. The source is the peer's own fd (open_tree),
 * the target the fd of the resolved /dev/console; /proc/self/fd paths only before Linux 5.2. */
static int mount_console(int root, int peer, struct skiff_error *err) {
  /* /dev/console itself, never what a symlink there points at (CVE-2025-52565): the image's symlink
   * is replaced by a file; a node that is there (a /dev bound from the host) is used as it is */
  cleanup_close int dev = path_open_in_root(root, "/dev", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS, err);
  if (dev < 0)
    return -1;
  struct stat st;
  if (fstatat(dev, "console", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
      unlinkat(dev, "console", 0) < 0)
    return skiff_fail_errno(err, errno, "remove the /dev/console symlink");
  if (mknodat(dev, "console", S_IFREG | 0600, 0) < 0 && errno != EEXIST)
    return skiff_fail_errno(err, errno, "create /dev/console");
  cleanup_close int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 || fd_stat(target, &st) < 0)
    return skiff_fail_errno(err, errno, "open /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
    return skiff_fail(err, EINVAL, "/dev/console is neither a file nor a character device");
  cleanup_close int tree =
      (int)syscall(SYS_open_tree, peer, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree >= 0) {
    if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      return skiff_fail_errno(err, errno, "bind pty onto /dev/console");
    return 0;
  }
  if (errno != ENOSYS)
    return skiff_fail_errno(err, errno, "bind pty onto /dev/console: open_tree");
  char src[PROC_FD_PATH_MAX], dst[PROC_FD_PATH_MAX];
  if (mount(proc_fd_path(peer, src), proc_fd_path(target, dst), NULL, MS_BIND, NULL) < 0)
    return skiff_fail_errno(err, errno, "bind pty onto /dev/console");
  return 0;
}

/* The process's user owns its terminal, as with runc, so that it can reopen it by name
 * (/dev/pts/N, /proc/self/fd/0). Only the uid: the gid is the devpts mount's (gid=5). A uid
 * not mapped in the user namespace (EINVAL) or a peer owned by an unmapped uid (EPERM) leaves
 * the owner as it is rather than failing. */
static int give_to_user(const struct oci_process *process, int peer, struct skiff_error *err) {
  struct stat st;
  if (fd_stat(peer, &st) < 0)
    return skiff_fail_errno(err, errno, "stat pty peer");
  if (st.st_uid == process->user.uid)
    return 0;
  if (fchown(peer, process->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
    return skiff_fail_errno(err, errno, "chown pty to uid %u", process->user.uid);
  return 0;
}

/* A new session whose controlling terminal is the slave, and the slave as 0, 1, 2. An init
 * that is already a session leader (setsid done earlier) keeps its session. */
static int become_terminal_owner(int peer, struct skiff_error *err) {
  if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
    return skiff_fail_errno(err, errno, "setsid");
  if (ioctl(peer, TIOCSCTTY, 0) < 0)
    return skiff_fail_errno(err, errno, "set controlling terminal");
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    if (dup2(peer, fd) < 0)
      return skiff_fail_errno(err, errno, "dup pty onto fd %d", fd);
  return 0;
}

static int setup_pty(const struct oci_process *process, bool console, int *master, struct skiff_error *err) {
  cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return skiff_fail_errno(err, errno, "open /");
  cleanup_close int ptmx = open_ptmx(root, err);
  if (ptmx < 0)
    return -1;
  cleanup_close int peer = open_peer(ptmx, err);
  if (peer < 0 || apply_console_size(process, ptmx, err) < 0 || give_to_user(process, peer, err) < 0)
    return -1;
  if (console && mount_console(root, peer, err) < 0)
    return -1;
  if (become_terminal_owner(peer, err) < 0)
    return -1;
  *master = steal_fd(&ptmx);
  return 0;
}

int terminal_setup_in_container(const struct oci_process *process, int *master, struct skiff_error *err) {
  return setup_pty(process, true, master, err);
}

int terminal_setup_in_exec(const struct oci_process *process, int *master, struct skiff_error *err) {
  return setup_pty(process, false, master, err);
}

/* ---- console socket ----------------------------------------------------- */

/* A path longer than sun_path is reached through its directory's fd. */
static int connect_unix(const char *path, struct skiff_error *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  cleanup_close int dir = -1;
  size_t len = strlen(path);
  if (len == 0)
    return skiff_fail(err, EINVAL, "console socket: empty path");
  if (len < sizeof addr.sun_path) {
    memcpy(addr.sun_path, path, len + 1);
  } else {
    char buf[PATH_MAX];
    if (len >= sizeof buf)
      return skiff_fail(err, ENAMETOOLONG, "console socket %s: path too long", path);
    memcpy(buf, path, len + 1);
    char *slash = strrchr(buf, '/');
    if (!slash)
      return skiff_fail(err, ENAMETOOLONG, "console socket %s: path too long", path);
    *slash = '\0';
    dir = open(slash == buf ? "/" : buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
      return skiff_fail_errno(err, errno, "console socket %s", path);
    int n = format_string(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir, slash + 1);
    if (n < 0 || (size_t)n >= sizeof addr.sun_path)
      return skiff_fail(err, ENAMETOOLONG, "console socket %s: path too long", path);
  }
  static const int types[] = {SOCK_STREAM, SOCK_SEQPACKET};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    cleanup_close int sock = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
    if (sock < 0)
      return skiff_fail_errno(err, errno, "console socket: socket");
    int r;
    do
      r = connect(sock, (struct sockaddr *)&addr, sizeof addr);
    while (r < 0 && errno == EINTR);
    if (r == 0)
      return steal_fd(&sock);
    if (errno != EPROTOTYPE)
      break;
  }
  return skiff_fail_errno(err, errno, "connect to console socket %s", path);
}

int terminal_send_to_console_socket(const char *socket_path, int master, struct skiff_error *err) {
  cleanup_close int sock = connect_unix(socket_path, err);
  if (sock < 0)
    return -1;
  char payload[] = CONSOLE_SOCKET_PAYLOAD;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload - 1};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof master);
  ssize_t n;
  do
    n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return skiff_fail_errno(err, errno, "send pty master to console socket %s", socket_path);
  return 0;
}

/* ---- foreground relay --------------------------------------------------- */

/* Blocking write of all of buf, also when fd is a non-blocking file description shared with
 * someone else. */
int terminal_relay_start(struct terminal_relay *relay, int master, struct skiff_error *err) {
  memset(relay, 0, sizeof *relay);
  relay->master = master;
  relay->console = -1;
  relay->size_fd = -1;
  /* With 0, 1 or 2 closed the master may have landed there: it is no stdio of ours then. */
  relay->in_fd = master == STDIN_FILENO ? -1 : STDIN_FILENO;
  relay->out_fd = master == STDOUT_FILENO ? -1 : STDOUT_FILENO;
  relay->in_is_tty = relay->in_fd >= 0 && isatty(relay->in_fd);
  int flags = fcntl(master, F_GETFL);
  if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
    return skiff_fail_errno(err, errno, "pty master: set non-blocking");
  /* The window size comes from whichever of our stdio is a terminal; raw mode only when the
   * input is read from it, else ^C on the host terminal must still reach skiff as SIGINT. */
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO && relay->size_fd < 0; fd++)
    if (fd != master && isatty(fd))
      relay->size_fd = fd;
  if (relay->in_is_tty) {
    if (tcgetattr(relay->in_fd, &relay->saved) < 0)
      return skiff_fail_errno(err, errno, "get terminal attributes");
    /* Everything typed goes to the container's terminal, whose line discipline does the
     * echoing, signals and line editing; its output arrives already translated. */
    struct termios raw = relay->saved;
    cfmakeraw(&raw);
    if (tcsetattr(relay->in_fd, TCSANOW, &raw) < 0)
      return skiff_fail_errno(err, errno, "set terminal raw mode");
    relay->console = relay->in_fd;
  }
  terminal_relay_resize(relay);
  return 0;
}

int terminal_relay_poll_fds(const struct terminal_relay *relay, struct pollfd *fds, int max) {
  int n = 0;
  bool writing = relay->pending > 0 || relay->send_eof;
  if (n < max && relay->in_fd >= 0 && !writing)
    fds[n++] = (struct pollfd){.fd = relay->in_fd, .events = POLLIN};
  if (n < max && relay->master >= 0 && !relay->master_done)
    fds[n++] = (struct pollfd){.fd = relay->master, .events = (short)(POLLIN | (writing ? POLLOUT : 0))};
  return n;
}

/* Reads what the master has now (until EAGAIN) to stdout. Returns false once the slave side
 * is closed (EIO, or 0). */
static bool copy_output(struct terminal_relay *relay) {
  char buf[TERMINAL_RELAY_BUF];
  for (;;) {
    ssize_t n = read(relay->master, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return true;
    if (n <= 0) {
      relay->master_done = true;
      return false;
    }
    if (relay->out_fd >= 0 && write_all(relay->out_fd, buf, (size_t)n) < 0)
      relay->out_fd = -1; /* keep reading, so that the container never blocks on a full pty */
  }
}

/* An input that is not a terminal (a pipe, a file) ends: the container's terminal gets the
 * EOF character, so that a shell reading it sees end of input as it would with the pipe
 * itself. Twice when a line is open, since the first only completes it. Only in canonical
 * mode: a program that set its terminal raw reads bytes, not lines. */
static void write_eof(struct terminal_relay *relay) {
  struct termios t;
  relay->send_eof = false;
  if (tcgetattr(relay->master, &t) < 0 || !(t.c_lflag & ICANON) || t.c_cc[VEOF] == _POSIX_VDISABLE)
    return;
  char eof[2] = {(char)t.c_cc[VEOF], (char)t.c_cc[VEOF]};
  size_t len = relay->last_in != '\0' && relay->last_in != '\n' ? 2 : 1;
  if (write(relay->master, eof, len) < 0) {
    /* a full input queue: not worth waiting for */
  }
}

static void flush_input(struct terminal_relay *relay) {
  while (relay->pending > 0) {
    ssize_t n = write(relay->master, relay->buf + relay->pending_off, relay->pending);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return; /* POLLOUT on the master says when to go on */
    if (n < 0) {
      relay->pending = 0;
      relay->in_fd = -1;
      relay->send_eof = false;
      return;
    }
    relay->last_in = relay->buf[relay->pending_off + (size_t)n - 1];
    relay->pending_off += (size_t)n;
    relay->pending -= (size_t)n;
  }
  if (relay->send_eof)
    write_eof(relay);
}

static void read_input(struct terminal_relay *relay) {
  ssize_t n;
  do
    n = read(relay->in_fd, relay->buf, sizeof relay->buf);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0) {
    relay->send_eof = !relay->in_is_tty && relay->master >= 0;
    relay->in_fd = -1;
  } else {
    relay->pending = (size_t)n;
    relay->pending_off = 0;
  }
  flush_input(relay);
}

void terminal_relay_handle(struct terminal_relay *relay, const struct pollfd *fd) {
  if (!fd->revents)
    return;
  if (fd->fd == relay->master && relay->master >= 0) {
    if (fd->revents & POLLOUT)
      flush_input(relay);
    if (fd->revents & (POLLIN | POLLHUP | POLLERR))
      copy_output(relay);
    if (relay->master_done) {
      relay->pending = 0;
      relay->send_eof = false;
    }
  } else if (fd->fd == relay->in_fd && relay->in_fd >= 0) {
    read_input(relay);
  }
}

void terminal_relay_resize(struct terminal_relay *relay) {
  struct winsize ws;
  if (relay->size_fd < 0 || relay->master < 0 || ioctl(relay->size_fd, TIOCGWINSZ, &ws) < 0)
    return;
  if (ws.ws_row == 0 && ws.ws_col == 0)
    return;
  ioctl(relay->master, TIOCSWINSZ, &ws);
}

static long elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* The container is gone, but its last output may still be on its way through the pty: read
 * until the slave side reports closed (EIO), or, when another process keeps it open, until
 * it has been quiet for a moment. */
static void drain_output(struct terminal_relay *relay) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!relay->master_done && copy_output(relay)) {
    long left = DRAIN_TOTAL_MS - elapsed_ms(&start);
    if (left <= 0)
      break;
    struct pollfd p = {.fd = relay->master, .events = POLLIN};
    if (poll(&p, 1, (int)(left < DRAIN_IDLE_MS ? left : DRAIN_IDLE_MS)) <= 0)
      break;
  }
}

void terminal_relay_finish(struct terminal_relay *relay) {
  if (relay->master >= 0) {
    drain_output(relay);
    close(relay->master);
    relay->master = -1;
  }
  if (relay->console >= 0) {
    tcsetattr(relay->console, TCSADRAIN, &relay->saved);
    relay->console = -1;
  }
  relay->in_fd = -1;
}

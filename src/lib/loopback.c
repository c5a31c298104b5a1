#include "lib/loopback.h"

#include "oci/cleanup.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* SIOCSIFFLAGS on any socket of the namespace is all it takes: one flag on one known interface needs
 * no netlink conversation (and no netlink library in the binary that starts every container). */
int loopback_up(struct skiff_error *err) {
  cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "bring up lo: socket");
  struct ifreq ifr = {0};
  memcpy(ifr.ifr_name, "lo", sizeof "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    return skiff_fail_errno(err, errno, "bring up lo: get flags");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    return skiff_fail_errno(err, errno, "bring up lo: set flags");
  return 0;
}

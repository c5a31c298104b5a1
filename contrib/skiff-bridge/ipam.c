#include "ipam.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"
#include "oci/cleanup.h"
#include "oci/format.h"

#define LAST_RESERVED_PREFIX "last_reserved_ip."
#define LEASE_MAX 600 /* an id, "\r\n" and an ifname: what a lease file may hold */

/* ---- the directory, its lock and its files ------------------------------------------------ */

static int mkdir_p(const char *path, struct skiff_error *err) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof buf)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "ipam.dataDir: path too long");
  memcpy(buf, path, len + 1);
  for (char *p = buf + 1; ; p++) {
    if (*p != '/' && *p)
      continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
      return skiff_fail_errno(err, errno, "mkdir %s", buf);
    if (!(*p = saved))
      return 0;
  }
}

int ipam_open_dir(const char *data_dir, const char *network, bool create, struct skiff_error *err) {
  char path[4096];
  if (format_string(path, sizeof path, "%s/%s", data_dir, network) >= (int)sizeof path)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "ipam.dataDir: path too long");
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : skiff_fail_errno(err, errno, "open %s", path);
  if (!create)
    return -1; /* errno ENOENT */
  if (mkdir_p(path, err) < 0)
    return -1;
  fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd >= 0 ? fd : skiff_fail_errno(err, errno, "open %s", path);
}

/* host-local's go-filemutex: flock(LOCK_EX) of <dir>/lock. The lock goes with the fd. */
static int lock_dir(int dirfd, struct skiff_error *err) {
  int fd = openat(dirfd, "lock", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return skiff_fail_errno(err, errno, "ipam: open lock");
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR) {
      close(fd);
      return skiff_fail_errno(err, errno, "ipam: lock");
    }
  return fd;
}

/* A lease's content, spaces trimmed as host-local trims them. NULL when unreadable. */
static char *read_lease(int dirfd, const char *name, char buf[LEASE_MAX + 1]) {
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  ssize_t n = read(fd, buf, LEASE_MAX);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  char *s = buf;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
    s++;
  while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  return s;
}

/* What a lease file of (id, ifname) holds: host-local's format, and its old one (the id alone). */
static bool lease_is(const char *content, const char *id, const char *ifname, bool *legacy) {
  size_t idlen = strlen(id);
  if (strncmp(content, id, idlen))
    return false;
  if (!content[idlen]) {
    *legacy = true;
    return true;
  }
  *legacy = false;
  return content[idlen] == '\r' && content[idlen + 1] == '\n' && !strcmp(content + idlen + 2, ifname);
}

/* Calls fn for every lease of the directory (entries named by an address). */
typedef int (*lease_fn)(int dirfd, const char *name, const struct ip_addr *ip, const char *content, void *data);
static int each_lease(int dirfd, lease_fn fn, void *data, struct skiff_error *err) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
  if (!dir) {
    if (fd >= 0)
      close(fd);
    return skiff_fail_errno(err, errno, "ipam: read the lease directory");
  }
  cleanup_closedir DIR *d = dir;
  struct dirent *e;
  char buf[LEASE_MAX + 1];
  while ((e = readdir(d))) {
    struct ip_addr ip;
    if ((e->d_type != DT_REG && e->d_type != DT_UNKNOWN) || !ip_parse(e->d_name, &ip))
      continue;
    const char *content = read_lease(dirfd, e->d_name, buf);
    if (content && fn(dirfd, e->d_name, &ip, content, data) < 0)
      return -1;
  }
  return 0;
}

/* ---- allocation ----------------------------------------------------------------------------- */

static bool range_contains(const struct ipam_range *r, const struct ip_addr *a) {
  return a->family == r->start.family && ip_cmp(a, &r->start) >= 0 && ip_cmp(a, &r->end) <= 0;
}

static const struct ipam_range *set_range_for(const struct ipam_range_set *set, const struct ip_addr *a) {
  for (size_t i = 0; i < set->n; i++)
    if (range_contains(&set->ranges[i], a))
      return &set->ranges[i];
  return NULL;
}

static const char *set_string(const struct ipam_range_set *set, char *buf, size_t size) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < set->n && o < size; i++)
    o += (size_t)format_string(buf + o, size - o, "%s%s-%s", i ? "," : "", IP_STR(&set->ranges[i].start),
                               IP_STR(&set->ranges[i].end));
  return buf;
}

/* host-local's round robin: from the address after the set's last reservation (else from the first
 * range's start) through every range in turn, skipping gateways, until back where it began. */
struct range_iter {
  const struct ipam_range_set *set;
  size_t idx;
  bool has_cur, has_first;
  struct ip_addr cur, first;
};

static bool iter_next(struct range_iter *it, const struct ipam_range **range) {
  for (;;) {
    const struct ipam_range *r = &it->set->ranges[it->idx];
    if (!it->has_cur) {
      it->cur = it->first = r->start;
      it->has_cur = it->has_first = true;
    } else {
      if (ip_equal(&it->cur, &r->end)) {
        it->idx = (it->idx + 1) % it->set->n;
        r = &it->set->ranges[it->idx];
        it->cur = r->start;
      } else {
        ip_next(&it->cur);
      }
      if (!it->has_first) {
        it->first = it->cur;
        it->has_first = true;
      } else if (ip_equal(&it->cur, &it->first)) {
        return false;
      }
    }
    if (!ip_equal(&it->cur, &r->gateway)) {
      *range = r;
      return true;
    }
  }
}

static void iter_init(struct range_iter *it, const struct ipam_range_set *set, int dirfd, size_t set_index) {
  *it = (struct range_iter){.set = set};
  char name[64], buf[LEASE_MAX + 1];
  format_string(name, sizeof name, LAST_RESERVED_PREFIX "%zu", set_index);
  const char *last = read_lease(dirfd, name, buf);
  struct ip_addr a;
  if (!last || !ip_parse(last, &a))
    return;
  for (size_t i = 0; i < set->n; i++)
    if (range_contains(&set->ranges[i], &a)) {
      it->idx = i;
      it->cur = a;
      it->has_cur = true;
      return;
    }
}

/* 1: reserved; 0: taken already. */
static int reserve(int dirfd, const struct ip_addr *ip, size_t set_index, const char *id, const char *ifname,
                   struct skiff_error *err) {
  char name[IP_STR_MAX], content[LEASE_MAX + 1];
  ip_format(ip, name);
  int n = format_string(content, sizeof content, "%s\r\n%s", id, ifname);
  if (n >= (int)sizeof content)
    return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID: too long");
  cleanup_close int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return 0;
  if (fd < 0)
    return skiff_fail_errno(err, errno, "ipam: create lease %s", name);
  if (write(fd, content, (size_t)n) != n) {
    int saved = errno;
    unlinkat(dirfd, name, 0);
    return skiff_fail_errno(err, saved ? saved : EIO, "ipam: write lease %s", name);
  }
  char last[64];
  format_string(last, sizeof last, LAST_RESERVED_PREFIX "%zu", set_index);
  /* a failure here costs only the round robin its place: go on */
  cleanup_close int lfd = openat(dirfd, last, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (lfd >= 0 && write(lfd, name, strlen(name)) < 0)
    errno = 0;
  return 1;
}

struct owned {
  const char *id, *ifname;
  const struct ipam_range_set *set;
  bool found;
  struct ip_addr ip;
};

static int find_owned(int dirfd, const char *name, const struct ip_addr *ip, const char *content, void *data) {
  struct owned *o = data;
  bool legacy;
  if (lease_is(content, o->id, o->ifname, &legacy) && (!o->set || set_range_for(o->set, ip))) {
    o->found = true;
    o->ip = *ip;
  }
  return 0;
}

/* One address from set for (id, ifname): requested (when not NULL) or the next free one. */
static int allocate_from_set(int dirfd, const struct ipam_range_set *set, size_t set_index,
                             const struct ip_addr *requested, const char *id, const char *ifname,
                             struct cni_ip *out, struct skiff_error *err) {
  char sets[256];
  const struct ipam_range *r = NULL;
  if (requested) {
    r = set_range_for(set, requested);
    if (ip_equal(requested, &r->gateway))
      return cni_fail(err, CNI_ERR_INVALID_CONFIG, "requested ip %s is subnet's gateway", IP_STR(requested));
    int got = reserve(dirfd, requested, set_index, id, ifname, err);
    if (got <= 0)
      return got < 0 ? -1 : cni_fail(err, CNI_ERR_NO_ADDRESS, "requested IP address %s is not available in "
                                     "range set %s", IP_STR(requested), set_string(set, sets, sizeof sets));
    *out = (struct cni_ip){.address = {*requested, r->subnet.prefix}, .has_gateway = true, .gateway = r->gateway,
                           .interface = -1};
    return 0;
  }
  struct owned owned = {id, ifname, set, false, {0}};
  if (each_lease(dirfd, find_owned, &owned, err) < 0)
    return -1;
  if (owned.found)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "%s has been allocated to %s, duplicate allocation is not allowed",
                    IP_STR(&owned.ip), id);
  struct range_iter it;
  iter_init(&it, set, dirfd, set_index);
  while (iter_next(&it, &r)) {
    int got = reserve(dirfd, &it.cur, set_index, id, ifname, err);
    if (got < 0)
      return -1;
    if (got) {
      *out = (struct cni_ip){.address = {it.cur, r->subnet.prefix}, .has_gateway = true, .gateway = r->gateway,
                             .interface = -1};
      return 0;
    }
  }
  return cni_fail(err, CNI_ERR_NO_ADDRESS, "no IP addresses available in range set: %s",
                  set_string(set, sets, sizeof sets));
}

struct release {
  const char *id, *ifname;
  bool legacy_pass, found;
};

static int release_lease(int dirfd, const char *name, const struct ip_addr *ip, const char *content, void *data) {
  struct release *rel = data;
  bool legacy;
  if (lease_is(content, rel->id, rel->ifname, &legacy) && legacy == rel->legacy_pass &&
      (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT))
    rel->found = true;
  return 0;
}

/* Under the lock: host-local's ReleaseByID (the old format only when the new one found nothing). */
static int release_locked(int dirfd, const char *id, const char *ifname, struct skiff_error *err) {
  struct release rel = {id, ifname, false, false};
  if (each_lease(dirfd, release_lease, &rel, err) < 0)
    return -1;
  if (!rel.found) {
    rel.legacy_pass = true;
    return each_lease(dirfd, release_lease, &rel, err);
  }
  return 0;
}

/* resolvConf: nameserver, domain, search and options lines, as host-local reads them. */
static int read_resolv_conf(const char *path, struct cni_dns *dns, struct skiff_error *err) {
  cleanup_fclose FILE *f = fopen(path, "re");
  if (!f)
    return skiff_fail_errno(err, errno, "ipam.resolvConf: open %s", path);
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *save, *key = strtok_r(line, " \t\r\n", &save);
    if (!key || key[0] == '#' || key[0] == ';')
      continue;
    struct oci_strv *list = !strcmp(key, "nameserver") ? &dns->nameservers : !strcmp(key, "search") ? &dns->search
                            : !strcmp(key, "options") ? &dns->options : NULL;
    for (char *v; (v = strtok_r(NULL, " \t\r\n", &save));) {
      if (!strcmp(key, "domain")) {
        free(dns->domain);
        if (!(dns->domain = strdup(v)))
          return cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
        break;
      }
      if (!list)
        break;
      char **grown = realloc(list->v, (list->n + 2) * sizeof *grown);
      if (!grown)
        return cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
      list->v = grown;
      if (!(grown[list->n] = strdup(v)))
        return cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
      grown[++list->n] = NULL;
      if (list == &dns->nameservers)
        break; /* one address per nameserver line */
    }
  }
  return 0;
}

int ipam_add(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
             struct cni_result *result, struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(ipam->data_dir, network, true, err);
  if (dirfd < 0)
    return -1;
  cleanup_close int lock = lock_dir(dirfd, err);
  if (lock < 0)
    return -1;
  bool used[64] = {false};
  if (ipam->n_requested > 64)
    return cni_fail(err, CNI_ERR_INVALID_CONFIG, "too many requested addresses");
  size_t first_ip = result->n_ips;
  int ret = 0;
  for (size_t s = 0; s < ipam->n_sets && ret == 0; s++) {
    const struct ip_addr *requested = NULL;
    for (size_t i = 0; i < ipam->n_requested && !requested; i++)
      if (!used[i] && set_range_for(&ipam->sets[s], &ipam->requested[i])) {
        requested = &ipam->requested[i];
        used[i] = true;
      }
    struct cni_ip ip;
    ret = allocate_from_set(dirfd, &ipam->sets[s], s, requested, id, ifname, &ip, err);
    if (ret == 0 && cni_result_add_ip(result, &ip) < 0) {
      unlinkat(dirfd, IP_STR(&ip.address.ip), 0);
      ret = cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
    }
    if (ret < 0)
      skiff_error_prefix(err, "failed to allocate for range %zu", s);
  }
  for (size_t i = 0; i < ipam->n_requested && ret == 0; i++)
    if (!used[i])
      ret = cni_fail(err, CNI_ERR_INVALID_CONFIG, "failed to allocate all requested IPs: %s",
                     IP_STR(&ipam->requested[i]));
  for (size_t i = 0; i < ipam->n_routes && ret == 0; i++)
    if (cni_result_add_route(result, &ipam->routes[i]) < 0)
      ret = cni_fail(err, CNI_ERR_SYSTEM, "out of memory");
  if (ret == 0 && ipam->resolv_conf)
    ret = read_resolv_conf(ipam->resolv_conf, &result->dns, err);
  if (ret < 0) { /* what this call leased, not what (id, ifname) may hold from an earlier ADD */
    for (size_t i = first_ip; i < result->n_ips; i++)
      unlinkat(dirfd, IP_STR(&result->ips[i].address.ip), 0);
    result->n_ips = first_ip;
  }
  return ret;
}

int ipam_del(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
             struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(ipam->data_dir, network, false, err);
  if (dirfd < 0)
    return errno == ENOENT ? 0 : -1;
  cleanup_close int lock = lock_dir(dirfd, err);
  return lock < 0 ? -1 : release_locked(dirfd, id, ifname, err);
}

int ipam_check(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
               const struct cni_result *result, struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(ipam->data_dir, network, false, err);
  if (dirfd < 0 && errno != ENOENT)
    return -1;
  for (size_t i = 0; i < result->n_ips; i++) {
    const struct ip_addr *ip = &result->ips[i].address.ip;
    bool ours = false;
    for (size_t s = 0; s < ipam->n_sets && !ours; s++)
      ours = set_range_for(&ipam->sets[s], ip) != NULL;
    if (!ours)
      continue;
    char buf[LEASE_MAX + 1];
    bool legacy;
    const char *content = dirfd >= 0 ? read_lease(dirfd, IP_STR(ip), buf) : NULL;
    if (!content || !lease_is(content, id, ifname, &legacy))
      return cni_fail(err, CNI_ERR_INVALID_CONFIG, "ipam: %s is not leased to container %s, %s", IP_STR(ip), id,
                      ifname);
  }
  return 0;
}

struct gc {
  const struct attachment *valid;
  size_t n_valid;
};

static int gc_lease(int dirfd, const char *name, const struct ip_addr *ip, const char *content, void *data) {
  struct gc *gc = data;
  for (size_t i = 0; i < gc->n_valid; i++) {
    bool legacy;
    if (lease_is(content, gc->valid[i].container_id, gc->valid[i].ifname, &legacy))
      return 0;
  }
  unlinkat(dirfd, name, 0);
  return 0;
}

int ipam_gc(const struct ipam_conf *ipam, const char *network, const struct attachment *valid, size_t n_valid,
            struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(ipam->data_dir, network, false, err);
  if (dirfd < 0)
    return errno == ENOENT ? 0 : -1;
  cleanup_close int lock = lock_dir(dirfd, err);
  struct gc gc = {valid, n_valid};
  return lock < 0 ? -1 : each_lease(dirfd, gc_lease, &gc, err);
}

struct count {
  const struct ipam_range_set *set;
  uint64_t n;
};

static int count_lease(int dirfd, const char *name, const struct ip_addr *ip, const char *content, void *data) {
  struct count *c = data;
  const struct ipam_range *r = set_range_for(c->set, ip);
  c->n += r && !ip_equal(ip, &r->gateway);
  return 0;
}

int ipam_status(const struct ipam_conf *ipam, const char *network, struct skiff_error *err) {
  cleanup_close int dirfd = ipam_open_dir(ipam->data_dir, network, false, err);
  if (dirfd < 0)
    return errno == ENOENT ? 0 : -1;
  for (size_t s = 0; s < ipam->n_sets; s++) {
    const struct ipam_range_set *set = &ipam->sets[s];
    uint64_t capacity = 0;
    for (size_t i = 0; i < set->n; i++) {
      uint64_t span = ip_span(&set->ranges[i].start, &set->ranges[i].end);
      span -= span != UINT64_MAX && range_contains(&set->ranges[i], &set->ranges[i].gateway);
      capacity = capacity > UINT64_MAX - span ? UINT64_MAX : capacity + span;
    }
    struct count count = {set, 0};
    if (each_lease(dirfd, count_lease, &count, err) < 0)
      return -1;
    char sets[256];
    if (count.n >= capacity)
      return cni_fail(err, CNI_ERR_NOT_AVAILABLE, "no IP addresses available in range set: %s",
                      set_string(set, sets, sizeof sets));
  }
  return 0;
}

#include "ip.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "oci/format.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ip_parse(const char *s, struct ip_addr *out) {
  *out = (struct ip_addr){0};
  if (inet_pton(AF_INET, s, out->b) == 1) {
    out->family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s, out->b) != 1)
    return false;
  out->family = AF_INET6;
  if (!memcmp(out->b, v4_mapped_prefix, sizeof v4_mapped_prefix)) {
    memmove(out->b, out->b + 12, 4);
    memset(out->b + 4, 0, 12);
    out->family = AF_INET;
  }
  return true;
}

bool ip_net_parse(const char *s, struct ip_net *out) {
  const char *slash = strchr(s, '/');
  if (!slash || slash - s >= IP_STR_MAX || !slash[1])
    return false;
  char addr[IP_STR_MAX];
  memcpy(addr, s, (size_t)(slash - s));
  addr[slash - s] = '\0';
  *out = (struct ip_net){0};
  if (inet_pton(AF_INET, addr, out->ip.b) == 1)
    out->ip.family = AF_INET;
  else if (inet_pton(AF_INET6, addr, out->ip.b) == 1)
    out->ip.family = AF_INET6;
  else
    return false;
  unsigned prefix = 0;
  const char *p = slash + 1;
  for (; *p >= '0' && *p <= '9' && prefix <= 128; p++)
    prefix = prefix * 10 + (unsigned)(*p - '0');
  if (*p || prefix > ip_len(&out->ip) * 8) /* digits only: no sign, no space */
    return false;
  out->prefix = (uint8_t)prefix;
  return true;
}

static const char *format_v6(const uint8_t *b, char *buf) {
  uint16_t g[8];
  for (int i = 0; i < 8; i++)
    g[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  int best = -1, best_len = 1; /* a single zero group is written, not compressed */
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0)
      j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  size_t o = 0;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      buf[o++] = ':';
      buf[o++] = ':';
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len)
      buf[o++] = ':';
    o += (size_t)format_string(buf + o, 6, "%x", g[i]);
  }
  buf[o] = '\0';
  return buf;
}

const char *ip_format(const struct ip_addr *a, char buf[IP_STR_MAX]) {
  if (a->family == AF_INET)
    format_string(buf, IP_STR_MAX, "%u.%u.%u.%u", a->b[0], a->b[1], a->b[2], a->b[3]);
  else if (a->family == AF_INET6 && !memcmp(a->b, v4_mapped_prefix, sizeof v4_mapped_prefix))
    format_string(buf, IP_STR_MAX, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]); /* as Go */
  else if (a->family == AF_INET6)
    format_v6(a->b, buf);
  else
    strcpy(buf, "<nil>");
  return buf;
}

const char *ip_net_format(const struct ip_net *n, char buf[IP_STR_MAX]) {
  ip_format(&n->ip, buf);
  size_t len = strlen(buf);
  format_string(buf + len, IP_STR_MAX - len, "/%u", n->prefix);
  return buf;
}

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b) {
  return a->family == b->family && !memcmp(a->b, b->b, ip_len(a));
}

int ip_cmp(const struct ip_addr *a, const struct ip_addr *b) {
  if (a->family != b->family)
    return a->family < b->family ? -1 : 1;
  return memcmp(a->b, b->b, ip_len(a));
}

/* Clears (set = false) or sets the bits of a after the first prefix bits. */
static void host_bits(struct ip_addr *a, unsigned prefix, bool set) {
  size_t len = ip_len(a);
  for (size_t i = 0; i < len; i++) {
    unsigned first = (unsigned)i * 8;
    uint8_t keep = prefix >= first + 8 ? 0xff : prefix <= first ? 0 : (uint8_t)(0xff << (8 - (prefix - first)));
    a->b[i] = set ? (uint8_t)(a->b[i] | ~keep) : (uint8_t)(a->b[i] & keep);
  }
}

struct ip_net ip_net_network(const struct ip_net *n) {
  struct ip_net r = *n;
  host_bits(&r.ip, n->prefix, false);
  return r;
}

struct ip_addr ip_net_last(const struct ip_net *n) {
  struct ip_addr a = n->ip;
  host_bits(&a, n->prefix, true);
  return a;
}

bool ip_net_contains(const struct ip_net *n, const struct ip_addr *a) {
  if (a->family != n->ip.family)
    return false;
  struct ip_addr x = *a, net = n->ip;
  host_bits(&x, n->prefix, false);
  host_bits(&net, n->prefix, false);
  return ip_equal(&x, &net);
}

bool ip_net_overlaps(const struct ip_net *a, const struct ip_net *b) {
  return ip_net_contains(a, &b->ip) || ip_net_contains(b, &a->ip);
}

void ip_next(struct ip_addr *a) {
  for (size_t i = ip_len(a); i-- > 0;)
    if (++a->b[i] != 0)
      return;
}

void ip_prev(struct ip_addr *a) {
  for (size_t i = ip_len(a); i-- > 0;)
    if (a->b[i]-- != 0)
      return;
}

uint64_t ip_span(const struct ip_addr *a, const struct ip_addr *b) {
  size_t len = ip_len(a);
  /* the difference b - a, byte by byte from the end, borrowing */
  uint8_t d[16];
  int borrow = 0;
  for (size_t i = len; i-- > 0;) {
    int v = b->b[i] - a->b[i] - borrow;
    borrow = v < 0;
    d[i] = (uint8_t)(v + (borrow ? 256 : 0));
  }
  for (size_t i = 0; i + 8 < len; i++)
    if (d[i])
      return UINT64_MAX;
  uint64_t n = 0;
  for (size_t i = len > 8 ? len - 8 : 0; i < len; i++)
    n = n << 8 | d[i];
  return n == UINT64_MAX ? n : n + 1;
}

bool ip_net_is_default(const struct ip_net *n) {
  static const uint8_t zero[16];
  return n->prefix == 0 && !memcmp(n->ip.b, zero, ip_len(&n->ip));
}

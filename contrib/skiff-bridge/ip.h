/* IPv4 and IPv6 addresses and prefixes: parsing, the text Go's net package prints (host-local
 * names its files with it, so ours must match byte for byte), and the arithmetic of ranges. */
#ifndef SKIFF_BRIDGE_IP_H
#define SKIFF_BRIDGE_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL */
#define IP_STR_MAX 56

struct ip_addr {
  uint8_t family; /* AF_INET or AF_INET6; 0 when unset */
  uint8_t b[16];  /* network order; an IPv4 address in the first 4 bytes */
};

struct ip_net {
  struct ip_addr ip; /* as written: "10.1.0.5/16" keeps its host bits */
  uint8_t prefix;
};

static inline size_t ip_len(const struct ip_addr *a) {
  return a->family == AF_INET ? 4 : 16;
}

/* A dotted quad or an IPv6 address; an IPv4-mapped IPv6 address becomes IPv4, as Go's To4 makes it.
 * false when s is neither. */
bool ip_parse(const char *s, struct ip_addr *out);

/* "ADDRESS/PREFIX", the prefix in range for the family. */
bool ip_net_parse(const char *s, struct ip_net *out);

/* Go's String(): dotted quad, or RFC 5952 for IPv6 (lowercase, the longest run of two or more zero
 * groups as "::", the first of equal runs). Returns buf. */
const char *ip_format(const struct ip_addr *a, char buf[IP_STR_MAX]);
const char *ip_net_format(const struct ip_net *n, char buf[IP_STR_MAX]);
/* The same, in a compound literal living to the end of the enclosing block. */
#define IP_STR(a) ip_format((a), (char[IP_STR_MAX]){0})
#define IP_NET_STR(n) ip_net_format((n), (char[IP_STR_MAX]){0})

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Orders addresses of one family as numbers. */
int ip_cmp(const struct ip_addr *a, const struct ip_addr *b);

/* The network address of n (host bits cleared), n's prefix kept. */
struct ip_net ip_net_network(const struct ip_net *n);
/* The last address of n (host bits set). */
struct ip_addr ip_net_last(const struct ip_net *n);
bool ip_net_contains(const struct ip_net *n, const struct ip_addr *a);
/* Whether two prefixes share any address. */
bool ip_net_overlaps(const struct ip_net *a, const struct ip_net *b);

/* a + 1 and a - 1, wrapping. */
void ip_next(struct ip_addr *a);
void ip_prev(struct ip_addr *a);

/* The number of addresses from a to b inclusive (a <= b), saturated at UINT64_MAX. */
uint64_t ip_span(const struct ip_addr *a, const struct ip_addr *b);

/* 0.0.0.0/0 or ::/0. */
bool ip_net_is_default(const struct ip_net *n);

#endif

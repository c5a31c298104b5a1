#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "netlink.h"
#include "oci/cleanup.h"
#include "oci/format.h"

enum { CHAIN_PREROUTING, CHAIN_OUTPUT, CHAIN_POSTROUTING, N_CHAINS };
static const struct {
  const char *name;
  uint32_t hook;
  int32_t priority;
} chains[N_CHAINS] = {
    {"prerouting", NF_INET_PRE_ROUTING, -100}, /* dstnat */
    {"output", NF_INET_LOCAL_OUT, -100},
    {"postrouting", NF_INET_POST_ROUTING, 100}, /* srcnat */
};

/* ---- which rules are whose -------------------------------------------------------------------- */

static uint64_t fnv1a(const void *data, size_t len, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL
#define COMMENT_MAX 64

/* "skiff-bridge <network hash> " */
static void network_tag(const char *network, char out[COMMENT_MAX]) {
  format_string(out, COMMENT_MAX, "skiff-bridge %016llx ",
                (unsigned long long)fnv1a(network, strlen(network), FNV_BASIS));
}

static uint64_t attachment_hash(const char *id, const char *ifname) {
  uint64_t h = fnv1a(id, strlen(id) + 1, FNV_BASIS); /* the NUL keeps ("ab","c") from ("a","bc") */
  return fnv1a(ifname, strlen(ifname), h);
}

/* "skiff-bridge <network hash> <attachment hash>" */
static void attachment_comment(const struct nft_attachment *a, char out[COMMENT_MAX]) {
  network_tag(a->network, out);
  size_t len = strlen(out);
  format_string(out + len, COMMENT_MAX - len, "%016llx",
                (unsigned long long)attachment_hash(a->container_id, a->ifname));
}

/* ---- building rules ---------------------------------------------------------------------------- */

struct rule_builder {
  struct nftnl_rule *r;
  bool oom;
};

static struct nftnl_expr *expr(struct rule_builder *b, const char *name) {
  struct nftnl_expr *e = b->oom ? NULL : nftnl_expr_alloc(name);
  if (!e)
    b->oom = true;
  return e;
}

static void add(struct rule_builder *b, struct nftnl_expr *e) {
  if (e)
    nftnl_rule_add_expr(b->r, e);
}

static void load_payload(struct rule_builder *b, uint32_t base, uint32_t offset, uint32_t len) {
  struct nftnl_expr *e = expr(b, "payload");
  if (!e)
    return;
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  add(b, e);
}

static void compare(struct rule_builder *b, uint32_t op, const void *data, uint32_t len) {
  struct nftnl_expr *e = expr(b, "cmp");
  if (!e)
    return;
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  add(b, e);
}

static void mask(struct rule_builder *b, const void *bits, uint32_t len) {
  static const uint8_t zero[16];
  struct nftnl_expr *e = expr(b, "bitwise");
  if (!e)
    return;
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, bits, len);
  nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
  add(b, e);
}

/* ip saddr (offset 12) or ip daddr (16), op (==, !=) the prefix n */
static void match_prefix(struct rule_builder *b, uint32_t offset, const struct ip_net *n, uint32_t op) {
  load_payload(b, NFT_PAYLOAD_NETWORK_HEADER, offset, 4);
  struct ip_net net = ip_net_network(n);
  if (n->prefix < 32) {
    uint32_t m = n->prefix ? htonl(~0U << (32 - n->prefix)) : 0;
    mask(b, &m, 4);
  }
  compare(b, op, net.ip.b, 4);
}

static void match_address(struct rule_builder *b, uint32_t offset, const struct ip_addr *a) {
  struct ip_net n = {*a, 32};
  match_prefix(b, offset, &n, NFT_CMP_EQ);
}

/* meta l4proto P th dport PORT */
static void match_port(struct rule_builder *b, uint8_t protocol, uint16_t port) {
  struct nftnl_expr *e = expr(b, "meta");
  if (e) {
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    add(b, e);
  }
  compare(b, NFT_CMP_EQ, &protocol, 1);
  load_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
  uint16_t be = htons(port);
  compare(b, NFT_CMP_EQ, &be, 2);
}

/* fib daddr type local: to one of this host's addresses, 127.0.0.1 included */
static void match_local_destination(struct rule_builder *b) {
  struct nftnl_expr *e = expr(b, "fib");
  if (e) {
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
    nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
    add(b, e);
  }
  uint32_t local = RTN_LOCAL;
  compare(b, NFT_CMP_EQ, &local, sizeof local);
}

/* ct status dnat */
static void match_dnat_done(struct rule_builder *b) {
  struct nftnl_expr *e = expr(b, "ct");
  if (e) {
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATUS);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
    add(b, e);
  }
  uint32_t bit = IPS_DST_NAT, zero = 0;
  mask(b, &bit, sizeof bit);
  compare(b, NFT_CMP_NEQ, &zero, sizeof zero);
}

static void dnat_to(struct rule_builder *b, const struct ip_addr *a, uint16_t port) {
  uint16_t be = htons(port);
  for (int i = 0; i < 2; i++) {
    struct nftnl_expr *e = expr(b, "immediate");
    if (!e)
      return;
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, i ? NFT_REG_2 : NFT_REG_1);
    nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, i ? (const void *)&be : a->b, i ? 2 : 4);
    add(b, e);
  }
  struct nftnl_expr *e = expr(b, "nat");
  if (!e)
    return;
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
  add(b, e);
}

static void masquerade(struct rule_builder *b) {
  add(b, expr(b, "masq"));
}

/* ---- transactions ------------------------------------------------------------------------------ */

/* One socket for the process, never closed before exit: closing a netfilter socket waits for the
 * kernel's release of the last transaction's objects (an RCU grace period, 5-20 ms here), and
 * that wait had better overlap the rest of the plugin's work than add to it. */
static struct nl nft_sock;

static struct nl *nft_socket(struct skiff_error *err) {
  if (!nft_sock.sock && nl_open_bus(&nft_sock, NETLINK_NETFILTER, err) < 0)
    return NULL;
  return &nft_sock;
}

struct batch {
  struct nl *nl;
  char *buf;
  struct mnl_nlmsg_batch *b;
  size_t n_acks;
  bool full;
};

static int batch_begin(struct batch *t, size_t size, struct skiff_error *err) {
  if (!(t->nl = nft_socket(err)))
    return -1;
  t->buf = malloc(size);
  if (!t->buf || !(t->b = mnl_nlmsg_batch_start(t->buf, size))) {
    free(t->buf);
    return skiff_fail(err, ENOMEM, "nftables: out of memory");
  }
  nftnl_batch_begin(mnl_nlmsg_batch_current(t->b), ++t->nl->seq);
  mnl_nlmsg_batch_next(t->b);
  return 0;
}

static struct nlmsghdr *batch_msg(struct batch *t, uint16_t type, uint16_t flags) {
  t->n_acks++;
  return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(t->b), type, NFPROTO_IPV4, flags | NLM_F_ACK, ++t->nl->seq);
}

static void batch_next(struct batch *t) {
  if (!mnl_nlmsg_batch_next(t->b))
    t->full = true;
}

static void batch_free(struct batch *t) {
  if (t->b)
    mnl_nlmsg_batch_stop(t->b);
  free(t->buf);
}

/* Sends the transaction; the kernel has answered every message when sendto returns, so the answers
 * are read without waiting. The first error is the transaction's. */
static int batch_commit(struct batch *t, const char *what, struct skiff_error *err) {
  if (t->full)
    return skiff_fail(err, ENOBUFS, "%s: nftables transaction too large", what);
  nftnl_batch_end(mnl_nlmsg_batch_current(t->b), ++t->nl->seq);
  mnl_nlmsg_batch_next(t->b);
  if (mnl_socket_sendto(t->nl->sock, mnl_nlmsg_batch_head(t->b), mnl_nlmsg_batch_size(t->b)) < 0)
    return skiff_fail_errno(err, errno, "%s: nftables", what);
  char buf[8192] __attribute__((aligned(8)));
  int first_error = 0;
  for (;;) {
    ssize_t n = recv(mnl_socket_get_fd(t->nl->sock), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    if (n < 0)
      return skiff_fail_errno(err, errno, "%s: nftables", what);
    int len = (int)n;
    for (const struct nlmsghdr *m = (const void *)buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
      const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
      if (m->nlmsg_type == NLMSG_ERROR && e->error && !first_error)
        first_error = -e->error;
    }
  }
  return first_error ? skiff_fail_errno(err, first_error, "%s: nftables", what) : 0;
}

/* The table and its chains, made if missing (NLM_F_CREATE without EXCL: there already is fine). */
static void put_table_and_chains(struct batch *t, bool *oom) {
  struct nftnl_table *table = nftnl_table_alloc();
  if (!table) {
    *oom = true;
    return;
  }
  nftnl_table_set_u32(table, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
  nftnl_table_set_str(table, NFTNL_TABLE_NAME, NFT_TABLE);
  nftnl_table_nlmsg_build_payload(batch_msg(t, NFT_MSG_NEWTABLE, NLM_F_CREATE), table);
  nftnl_table_free(table);
  batch_next(t);
  for (int i = 0; i < N_CHAINS; i++) {
    struct nftnl_chain *c = nftnl_chain_alloc();
    if (!c) {
      *oom = true;
      return;
    }
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i].name);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chains[i].priority);
    nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
    nftnl_chain_nlmsg_build_payload(batch_msg(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
    nftnl_chain_free(c);
    batch_next(t);
  }
}

static struct nftnl_rule *new_rule(int chain, const char *comment) {
  struct nftnl_rule *r = nftnl_rule_alloc();
  struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
  if (!r || !u || !nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment)) {
    if (r)
      nftnl_rule_free(r);
    if (u)
      nftnl_udata_buf_free(u);
    return NULL;
  }
  nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
  nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chains[chain].name);
  nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
  nftnl_udata_buf_free(u);
  return r;
}

static void put_rule(struct batch *t, struct rule_builder *b) {
  if (!b->r || b->oom) {
    b->oom = true;
  } else {
    nftnl_rule_nlmsg_build_payload(batch_msg(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), b->r);
    batch_next(t);
  }
  if (b->r)
    nftnl_rule_free(b->r);
}

static const struct ip_net multicast = {{AF_INET, {224}}, 4};
static const struct ip_net loopback = {{AF_INET, {127}}, 8};

/* The rules of one address. Returns false when out of memory. */
static bool put_address_rules(struct batch *t, const char *comment, const struct ip_net *a, bool masq,
                              const struct port_mapping *ports, size_t n_ports) {
  bool oom = false;
  if (masq) { /* ip saddr A ip daddr != SUBNET ip daddr != 224.0.0.0/4 masquerade */
    struct rule_builder b = {new_rule(CHAIN_POSTROUTING, comment)};
    match_address(&b, 12, &a->ip);
    match_prefix(&b, 16, a, NFT_CMP_NEQ);
    match_prefix(&b, 16, &multicast, NFT_CMP_NEQ);
    masquerade(&b);
    put_rule(t, &b);
    oom |= b.oom;
  }
  for (size_t i = 0; i < n_ports; i++) {
    const struct port_mapping *pm = &ports[i];
    if (pm->has_host_ip && pm->host_ip.family != AF_INET)
      continue; /* an IPv6 host address: nothing for this table */
    for (int chain = CHAIN_PREROUTING; chain <= CHAIN_OUTPUT; chain++) {
      struct rule_builder b = {new_rule(chain, comment)};
      if (pm->has_host_ip)
        match_address(&b, 16, &pm->host_ip);
      else
        match_local_destination(&b);
      match_port(&b, pm->protocol, pm->host_port);
      dnat_to(&b, &a->ip, pm->container_port);
      put_rule(t, &b);
      oom |= b.oom;
    }
  }
  if (n_ports) { /* replies must come back through this host: from localhost, and on the bridge */
    const struct ip_net *sources[] = {&loopback, a};
    for (int i = 0; i < 2; i++) {
      struct rule_builder b = {new_rule(CHAIN_POSTROUTING, comment)};
      match_dnat_done(&b);
      match_address(&b, 16, &a->ip);
      match_prefix(&b, 12, sources[i], NFT_CMP_EQ);
      masquerade(&b);
      put_rule(t, &b);
      oom |= b.oom;
    }
  }
  return !oom;
}

size_t nft_rule_count(const struct ip_net *addrs, size_t n_addrs, bool masq, size_t n_ports) {
  size_t n = 0;
  for (size_t i = 0; i < n_addrs; i++)
    if (addrs[i].ip.family == AF_INET)
      n += (masq ? 1 : 0) + 2 * n_ports + (n_ports ? 2 : 0);
  return n;
}

int nft_add(const struct nft_attachment *a, const struct ip_net *addrs, size_t n_addrs, bool masq,
            const struct port_mapping *ports, size_t n_ports, struct skiff_error *err) {
  size_t n_rules = nft_rule_count(addrs, n_addrs, masq, n_ports);
  if (!n_rules)
    return 0;
  struct batch t = {0};
  if (batch_begin(&t, 8192 + n_rules * 1024, err) < 0)
    return -1;
  char comment[COMMENT_MAX];
  attachment_comment(a, comment);
  bool oom = false;
  put_table_and_chains(&t, &oom);
  for (size_t i = 0; i < n_addrs && !oom; i++)
    if (addrs[i].ip.family == AF_INET)
      oom = !put_address_rules(&t, comment, &addrs[i], masq, ports, n_ports);
  int ret = oom ? skiff_fail(err, ENOMEM, "nftables: out of memory") : batch_commit(&t, "add NAT rules", err);
  batch_free(&t);
  return ret;
}

/* ---- finding and removing rules --------------------------------------------------------------- */

struct found_rule {
  int chain;
  uint64_t handle;
};

struct rule_scan {
  const char *tag; /* the comment's start that selects rules */
  size_t tag_len;
  const uint64_t *keep; /* with GC: attachment hashes whose rules stay */
  size_t n_keep;
  struct found_rule *v;
  size_t n;
  bool oom;
};

static int comment_cb(const struct nftnl_udata *attr, void *data) {
  if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
    *(const struct nftnl_udata **)data = attr;
  return 0;
}

static bool kept(const struct rule_scan *s, const char *comment) {
  uint64_t h = strtoull(comment + s->tag_len, NULL, 16);
  for (size_t i = 0; i < s->n_keep; i++)
    if (s->keep[i] == h)
      return true;
  return false;
}

static int scan_cb(const struct nlmsghdr *nlh, void *data) {
  struct rule_scan *s = data;
  struct nftnl_rule *r = nftnl_rule_alloc();
  if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0) {
    if (r)
      nftnl_rule_free(r);
    s->oom = !r;
    return r ? MNL_CB_OK : MNL_CB_ERROR;
  }
  uint32_t len = 0;
  const void *udata = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
  const struct nftnl_udata *comment = NULL;
  const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
  int ci = -1;
  for (int i = 0; chain && i < N_CHAINS; i++)
    if (!strcmp(chain, chains[i].name))
      ci = i;
  if (udata && ci >= 0 && nftnl_udata_parse(udata, len, comment_cb, &comment) >= 0 && comment) {
    const char *text = nftnl_udata_get(comment);
    uint32_t tlen = nftnl_udata_len(comment);
    bool ours = tlen > s->tag_len && text[tlen - 1] == '\0' && !strncmp(text, s->tag, s->tag_len);
    if (ours && !(s->keep && kept(s, text))) {
      struct found_rule *v = realloc(s->v, (s->n + 1) * sizeof *v);
      if (!v) {
        s->oom = true;
        nftnl_rule_free(r);
        return MNL_CB_ERROR;
      }
      s->v = v;
      v[s->n++] = (struct found_rule){ci, nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE)};
    }
  }
  nftnl_rule_free(r);
  return MNL_CB_OK;
}

/* The rules of the table whose comment starts with the scan's tag. No table: none. */
static int scan_rules_once(struct rule_scan *s, struct skiff_error *err) {
  struct nl *nl = nft_socket(err);
  if (!nl)
    return -1;
  char buf[NL_REQUEST_SIZE];
  struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, ++nl->seq);
  struct nftnl_rule *r = nftnl_rule_alloc();
  if (!r)
    return skiff_fail(err, ENOMEM, "nftables: out of memory");
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
  nftnl_rule_nlmsg_build_payload(nlh, r);
  nftnl_rule_free(r);
  int ret = nl_talk(nl, nlh, scan_cb, s, "list NAT rules", err);
  if (ret < 0 && err->code == ENOENT)
    return 0;
  return ret < 0 && s->oom ? skiff_fail(err, ENOMEM, "nftables: out of memory") : ret;
}

/* A dump made inconsistent by another transaction (many plugins at once) is done again. */
static int scan_rules(struct rule_scan *s, struct skiff_error *err) {
  for (int attempt = 0;; attempt++) {
    int ret = scan_rules_once(s, err);
    if (ret == 0 || err->code != EINTR || attempt == 20)
      return ret;
    free(s->v);
    s->v = NULL;
    s->n = 0;
  }
}

static int delete_found(const struct rule_scan *s, struct skiff_error *err) {
  struct batch t = {0};
  if (batch_begin(&t, 4096 + s->n * 256, err) < 0)
    return -1;
  for (size_t i = 0; i < s->n; i++) {
    struct nftnl_rule *r = nftnl_rule_alloc();
    if (!r) {
      batch_free(&t);
      return skiff_fail(err, ENOMEM, "nftables: out of memory");
    }
    nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chains[s->v[i].chain].name);
    nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, s->v[i].handle);
    nftnl_rule_nlmsg_build_payload(batch_msg(&t, NFT_MSG_DELRULE, 0), r);
    nftnl_rule_free(r);
    batch_next(&t);
  }
  int ret = batch_commit(&t, "remove NAT rules", err);
  batch_free(&t);
  return ret;
}

/* Scans and removes; a rule gone meanwhile (ENOENT: another DEL or GC) fails the whole
 * transaction, so the scan is done again. */
static int remove_rules(const char *tag, const uint64_t *keep, size_t n_keep, struct skiff_error *err) {
  for (int attempt = 0;; attempt++) {
    struct rule_scan s = {.tag = tag, .tag_len = strlen(tag), .keep = keep, .n_keep = n_keep};
    int ret = scan_rules(&s, err);
    if (ret == 0 && s.n)
      ret = delete_found(&s, err);
    free(s.v);
    if (ret == 0 || err->code != ENOENT || attempt == 4)
      return ret;
  }
}

int nft_del(const struct nft_attachment *a, struct skiff_error *err) {
  char comment[COMMENT_MAX];
  attachment_comment(a, comment);
  return remove_rules(comment, NULL, 0, err);
}

int nft_count(const struct nft_attachment *a, size_t *n, struct skiff_error *err) {
  char comment[COMMENT_MAX];
  attachment_comment(a, comment);
  struct rule_scan s = {.tag = comment, .tag_len = strlen(comment)};
  int ret = scan_rules(&s, err);
  *n = s.n;
  free(s.v);
  return ret;
}

int nft_gc(const char *network, const struct attachment *valid, size_t n_valid, struct skiff_error *err) {
  char tag[COMMENT_MAX];
  network_tag(network, tag);
  cleanup_free uint64_t *keep = calloc(n_valid + 1, sizeof *keep);
  if (!keep)
    return skiff_fail(err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n_valid; i++)
    keep[i] = attachment_hash(valid[i].container_id, valid[i].ifname);
  return remove_rules(tag, keep, n_valid, err);
}

/* skiff-bridge's pure parts: address text as Go's net package writes it (host-local's file names),
 * and bridge_conf_parse() (the fuzzer's entry point): defaults, host-local's canonical ranges, and
 * each rejection's CNI code and JSON path. */
#include <stdio.h>
#include <string.h>

#include "contrib/skiff-bridge/cni.h"
#include "contrib/skiff-bridge/conf.h"
#include "contrib/skiff-bridge/ip.h"
#include "tap.h"

static void test_ip_text(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"10.1.2.3", "10.1.2.3"},       {"::ffff:10.1.2.3", "10.1.2.3"}, {"fd00:0:0:0:0:0:0:1", "fd00::1"},
      {"2001:db8::", "2001:db8::"},   {"::", "::"},                    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},               {"FD00::ABCD", "fd00::abcd"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct ip_addr a;
    tap_ok(ip_parse(cases[i].in, &a), "ip_parse %s", cases[i].in);
    tap_is(IP_STR(&a), cases[i].out, "ip_format %s", cases[i].in);
  }
  struct ip_net n;
  tap_ok(ip_net_parse("10.1.2.3/16", &n) && !strcmp(IP_NET_STR(&n), "10.1.2.3/16"), "a CIDR keeps its host bits");
  tap_ok(!ip_net_parse("10.1.2.3/33", &n) && !ip_net_parse("10.1.2.3", &n) && !ip_net_parse("10.1.2.3/-1", &n),
         "bad prefixes are refused");
  struct ip_addr a = {0}, b = {0};
  ip_parse("10.0.0.254", &a);
  ip_parse("10.0.1.1", &b);
  tap_ok(ip_span(&a, &b) == 4, "ip_span counts both ends");
  ip_next(&a);
  ip_next(&a);
  tap_is(IP_STR(&a), "10.0.1.0", "ip_next carries");
}

static const char *base = "\"cniVersion\": \"1.1.0\", \"name\": \"net1\", \"type\": \"skiff-bridge\"";

/* Parses {base, extra}; returns the CNI code of the failure (0 on success), err's message in msg. */
static int parse(const char *extra, struct bridge_conf *conf, char *msg) {
  char json[2048];
  snprintf(json, sizeof json, "{%s%s%s}", base, *extra ? ", " : "", extra);
  struct skiff_error err = {0};
  int r = bridge_conf_parse(json, strlen(json), conf, &err);
  strcpy(msg, r < 0 ? err.msg : "");
  return r < 0 ? -err.code : 0;
}

static void expect_error(const char *extra, int code, const char *text) {
  struct bridge_conf conf;
  char msg[1100];
  int got = parse(extra, &conf, msg);
  tap_ok(got == code && strstr(msg, text), "%s: code %d \"%s\" (got %d \"%s\")", extra, code, text, got, msg);
  bridge_conf_free(&conf);
}

static void test_defaults(void) {
  struct bridge_conf c;
  char msg[1100];
  int r = parse("\"isDefaultGateway\": true, \"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.4.0.7/24\"}", &c, msg);
  tap_ok(r == 0, "a minimal config parses (%s)", msg);
  tap_is(c.bridge, "cni0", "the bridge is cni0 by default");
  tap_ok(c.is_gateway && c.preserve_default_vlan && c.has_ipam && c.ipam.builtin, "isDefaultGateway is isGateway");
  tap_is(c.ipam.data_dir, "/var/lib/cni/networks", "host-local's default dataDir");
  const struct ipam_range *rg = c.ipam.n_sets == 1 && c.ipam.sets[0].n == 1 ? &c.ipam.sets[0].ranges[0] : NULL;
  tap_ok(rg != NULL, "subnet makes one range set of one range");
  if (rg) {
    tap_is(IP_NET_STR(&rg->subnet), "10.4.0.0/24", "the subnet's host bits cleared");
    tap_is(IP_STR(&rg->gateway), "10.4.0.1", "gateway .1");
    tap_is(IP_STR(&rg->start), "10.4.0.1", "rangeStart .1 (the iterator skips the gateway)");
    tap_is(IP_STR(&rg->end), "10.4.0.254", "rangeEnd before the broadcast");
  }
  bridge_conf_free(&c);
  r = parse("\"ipam\": {\"type\": \"dhcp\", \"whatever\": [1]}, \"runtimeConfig\": {\"portMappings\": "
            "[{\"hostPort\": 80, \"containerPort\": 8080, \"protocol\": \"UDP\", \"hostIP\": \"0.0.0.0\"}]}, "
            "\"prevResult\": {\"cniVersion\": \"0.4.0\", \"ips\": [{\"version\": \"4\", \"address\": \"10.0.0.2/8\"}]}",
            &c, msg);
  tap_ok(r == 0 && !c.ipam.builtin && c.n_port_mappings == 1 && c.port_mappings[0].protocol == 17 &&
             !c.port_mappings[0].has_host_ip && c.has_prev_result && c.prev_result.n_ips == 1,
         "delegated ipam left alone; port mappings; a 0.4.0 prevResult (%s)", msg);
  bridge_conf_free(&c);
  r = parse("\"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.4.0.0/24\"}", &c, msg);
  struct skiff_error err;
  tap_ok(r == 0 && bridge_conf_apply_cni_args(&c, "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.4.0.9;MAC=02:00:00:00:00:01",
                                              &err) == 0 &&
             c.ipam.n_requested == 1 && c.has_mac && c.mac[5] == 1,
         "CNI_ARGS IP and MAC");
  tap_ok(bridge_conf_apply_cni_args(&c, "FOO=1", &err) < 0 && err.code == CNI_CODE(CNI_ERR_INVALID_ENV),
         "an unknown CNI_ARGS key without IgnoreUnknown: code 4");
  bridge_conf_free(&c);
}

int main(void) {
  test_ip_text();
  test_defaults();
  expect_error("\"x\": ", CNI_ERR_DECODE, "network config: line 1");
  struct bridge_conf c;
  struct skiff_error err;
  tap_ok(bridge_conf_parse("[1]", 3, &c, &err) < 0 && err.code == CNI_CODE(CNI_ERR_DECODE), "an array: code 6");
  bridge_conf_free(&c);
  tap_ok(bridge_conf_parse("{\"name\": \"n\"}", 13, &c, &err) < 0 && err.code == CNI_CODE(CNI_ERR_INCOMPATIBLE_VERSION),
         "no cniVersion: code 1");
  bridge_conf_free(&c);
  expect_error("\"bridge\": \"0123456789abcdef\"", CNI_ERR_INVALID_CONFIG, "bridge: bridge name \"0123456789abcdef\" too long");
  expect_error("\"bridge\": \"a/b\"", CNI_ERR_INVALID_CONFIG, "bridge: \"a/b\" is not an interface name");
  expect_error("\"vlan\": 4095", CNI_ERR_INVALID_CONFIG, "vlan: invalid VLAN ID 4095");
  expect_error("\"mtu\": 20", CNI_ERR_INVALID_CONFIG, "mtu: 20 is out of range");
  expect_error("\"hairpinMode\": true, \"promiscMode\": true", CNI_ERR_INVALID_CONFIG, "at the same time");
  expect_error("\"vlanTrunk\": [{\"id\": 5}]", CNI_ERR_UNSUPPORTED_FIELD, "vlanTrunk: unsupported field: [{\"id\":5}]");
  expect_error("\"macspoofchk\": true", CNI_ERR_UNSUPPORTED_FIELD, "macspoofchk: unsupported field: true");
  expect_error("\"ipMasqBackend\": \"iptables\"", CNI_ERR_UNSUPPORTED_FIELD, "ipMasqBackend: unsupported field");
  expect_error("\"ipam\": {\"subnet\": \"10.0.0.0/24\"}", CNI_ERR_INVALID_CONFIG, "ipam.type: required");
  expect_error("\"ipam\": {\"type\": \"../x\"}", CNI_ERR_INVALID_CONFIG, "ipam.type: \"../x\" cannot name a plugin");
  expect_error("\"ipam\": {\"type\": \"host-local\"}", CNI_ERR_INVALID_CONFIG, "ipam: no IP ranges specified");
  expect_error("\"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.0.0.0/31\"}", CNI_ERR_INVALID_CONFIG,
               "ipam.subnet: network 10.0.0.0/31 too small");
  expect_error("\"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.0.0.0/24\", \"gateway\": \"10.0.1.1\"}",
               CNI_ERR_INVALID_CONFIG, "ipam.gateway: 10.0.1.1 is not in network 10.0.0.0/24");
  expect_error("\"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}], "
               "[{\"subnet\": \"10.0.0.0/16\"}]]}", CNI_ERR_INVALID_CONFIG, "range set 0 overlaps with 1");
  expect_error("\"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}, "
               "{\"subnet\": \"fd00::/64\"}]]}", CNI_ERR_INVALID_CONFIG, "ipam.ranges[0]: mixed address families");
  expect_error("\"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.9\", "
               "\"rangeEnd\": \"10.0.0.3\"}", CNI_ERR_INVALID_CONFIG, "rangeEnd: 10.0.0.3 is before rangeStart");
  expect_error("\"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 0, \"containerPort\": 1}]}",
               CNI_ERR_INVALID_CONFIG, "runtimeConfig.portMappings[0].hostPort: must be 1 to 65535");
  expect_error("\"runtimeConfig\": {\"portMappings\": [{\"hostPort\": 1, \"containerPort\": 1, \"protocol\": \"icmp\"}]}",
               CNI_ERR_INVALID_CONFIG, "runtimeConfig.portMappings[0].protocol: unknown protocol \"icmp\"");
  expect_error("\"runtimeConfig\": {\"mac\": \"02:00:00:00:00\"}", CNI_ERR_INVALID_CONFIG,
               "runtimeConfig.mac: invalid MAC address");
  expect_error("\"prevResult\": {\"ips\": [{\"address\": \"10.0.0.2\"}]}", CNI_ERR_INVALID_CONFIG,
               "prevResult.ips[0].address: invalid CIDR address \"10.0.0.2\"");
  expect_error("\"prevResult\": {\"ips\": [{\"address\": \"10.0.0.2/8\", \"interface\": 3}]}", CNI_ERR_INVALID_CONFIG,
               "prevResult.ips[0].interface: 3 is not an index of interfaces");
  expect_error("\"cni.dev/valid-attachments\": [{\"containerID\": \"a\"}]", CNI_ERR_INVALID_CONFIG,
               "cni.dev/valid-attachments[0].ifname: required");
  base = "\"cniVersion\": \"1.1.0\", \"name\": \"../etc\"";
  expect_error("", CNI_ERR_INVALID_CONFIG, "name: \"../etc\" is not a network name");
  base = "\"cniVersion\": \"0.2.0\", \"name\": \"n\"";
  expect_error("", CNI_ERR_INCOMPATIBLE_VERSION, "cniVersion: incompatible CNI version \"0.2.0\"");
  return tap_done();
}

/* The bridge plugin's commands over a parsed configuration: what ADD builds (IPAM, bridge, veth,
 * the container's addresses and routes, the gateway, NAT), and DEL, CHECK, GC and STATUS. */
#ifndef SKIFF_BRIDGE_BRIDGE_H
#define SKIFF_BRIDGE_BRIDGE_H

#include "cni.h"
#include "conf.h"
#include "result.h"

/* Builds the attachment and fills *result (prevResult's entries first, when there is one). All or
 * nothing: a failure undoes what this call made. */
int bridge_add(const struct cni_request *req, const struct bridge_conf *conf, struct cni_result *result,
               struct skiff_error *err);

/* Undoes an attachment as far as it exists: the NAT rules, the container's interface (and its veth
 * peer) when the namespace is there, the addresses leased. Nothing there is no error. */
int bridge_del(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err);

/* Fails when prevResult's bridge, veth pair, addresses or routes, the leases or the NAT rules are
 * not as ADD made them. */
int bridge_check(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err);

/* Releases the leases and NAT rules of attachments not in cni.dev/valid-attachments. */
int bridge_gc(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err);

/* CNI_ERR_NOT_AVAILABLE when ADD could not lease an address. */
int bridge_status(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err);

/* An fd of the network namespace at path: CNI_ERR_UNKNOWN_CONTAINER when it does not exist. */
int bridge_open_netns(const char *path, struct skiff_error *err);

/* CNI_ERR_INVALID_ENV when netns_fd is this process's own network namespace: a container sharing it
 * (a hook on a config without a network namespace) would have the host's links changed. */
int bridge_check_own_netns(int netns_fd, const char *path, struct skiff_error *err);

/* The IPAM of conf: built in, or the plugin ipam.type (given the request's stdin). */
int bridge_ipam_add(const struct cni_request *req, const struct bridge_conf *conf, struct cni_result *out,
                    struct skiff_error *err);
int bridge_ipam_del(const struct cni_request *req, const struct bridge_conf *conf, struct skiff_error *err);

#endif

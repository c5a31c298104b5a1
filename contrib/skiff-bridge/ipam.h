/* The built-in IPAM, host-local's store on disk: <dataDir>/<network>/ holds one file per leased
 * address, named by the address and holding "<container id>\r\n<ifname>", created with O_EXCL while
 * <dir>/lock is flock()ed; last_reserved_ip.<set> makes the allocation round-robin. host-local and
 * skiff-bridge can share a directory. */
#ifndef SKIFF_BRIDGE_IPAM_H
#define SKIFF_BRIDGE_IPAM_H

#include "conf.h"
#include "result.h"

/* Leases one address from each range set (a requested address where one falls in the set) and
 * appends them, with ipam's routes and resolvConf's DNS, to result. All or nothing: a failure
 * releases what it leased. CNI_ERR_NO_ADDRESS when a set is full. */
int ipam_add(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
             struct cni_result *result, struct skiff_error *err);

/* Releases every address leased to (id, ifname); none is no error. */
int ipam_del(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
             struct skiff_error *err);

/* Fails unless each of result's addresses that falls in ipam's ranges is leased to (id, ifname). */
int ipam_check(const struct ipam_conf *ipam, const char *network, const char *id, const char *ifname,
               const struct cni_result *result, struct skiff_error *err);

/* Releases every lease of the network that no valid attachment holds. */
int ipam_gc(const struct ipam_conf *ipam, const char *network, const struct attachment *valid, size_t n_valid,
            struct skiff_error *err);

/* CNI_ERR_NOT_AVAILABLE when a range set has no free address left. */
int ipam_status(const struct ipam_conf *ipam, const char *network, struct skiff_error *err);

/* Opens (creating with mode 0755 when create is set) <data_dir>/<network>. -1 with err, or with
 * errno ENOENT and err untouched when it does not exist and create is not set. */
int ipam_open_dir(const char *data_dir, const char *network, bool create, struct skiff_error *err);

#endif

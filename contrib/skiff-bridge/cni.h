/* The CNI protocol (SPEC.md section 2): commands, the request as the environment and stdin give
 * it, error codes, and the one entry point that runs a request in this process (the CNI main and
 * the OCI hook both call it). */
#ifndef SKIFF_BRIDGE_CNI_H
#define SKIFF_BRIDGE_CNI_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/error.h"

/* SPEC.md's well-known error codes, and skiff-bridge's own (100 and up). */
enum {
  CNI_ERR_INCOMPATIBLE_VERSION = 1,
  CNI_ERR_UNSUPPORTED_FIELD = 2,
  CNI_ERR_UNKNOWN_CONTAINER = 3,
  CNI_ERR_INVALID_ENV = 4,
  CNI_ERR_IO = 5,
  CNI_ERR_DECODE = 6,
  CNI_ERR_INVALID_CONFIG = 7,
  CNI_ERR_TRY_AGAIN = 11,
  CNI_ERR_NOT_AVAILABLE = 50,
  CNI_ERR_LIMITED = 51,
  CNI_ERR_NO_ADDRESS = 100, /* every address of a range set is taken */
  CNI_ERR_SYSTEM = 101,     /* the kernel or the filesystem refused (errno in the message) */
  CNI_ERR_PLUGIN = 102,     /* a delegated or chained plugin failed without an error object */
};

/* A CNI code travels in struct skiff_error.code as its negative: never mistaken for an errno. */
#define CNI_CODE(n) (-(n))
int cni_fail(struct skiff_error *err, int cni_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The code to report for err: its CNI code, else CNI_ERR_TRY_AGAIN for EAGAIN/EBUSY/EINTR, else
 * CNI_ERR_SYSTEM. */
int cni_error_code(const struct skiff_error *err);

enum cni_command { CNI_ADD, CNI_DEL, CNI_CHECK, CNI_GC, CNI_STATUS, CNI_VERSION };

struct cni_request {
  enum cni_command command;
  const char *container_id; /* CNI_CONTAINERID */
  const char *netns;        /* CNI_NETNS; NULL or "" when not given */
  const char *ifname;       /* CNI_IFNAME */
  const char *args;         /* CNI_ARGS, NULL when not given */
  const char *path;         /* CNI_PATH, NULL when not given */
  const char *config;       /* the request configuration (stdin) */
  size_t config_len;
};

/* CNI_COMMAND's name and back; -1 for an unknown name. */
const char *cni_command_name(enum cni_command c);
int cni_command_parse(const char *name);

/* The environment of a request, checked as SPEC.md has each command require it (code 4 naming the
 * variable). config is not read. */
int cni_request_from_env(struct cni_request *req, struct skiff_error *err);

/* Checks the parameters a command needs: CNI_CONTAINERID's characters, CNI_IFNAME as an interface
 * name, CNI_NETNS absolute. */
int cni_request_check(const struct cni_request *req, struct skiff_error *err);

#define CNI_VERSION_MAX 16
/* Runs one request of skiff-bridge itself. On success *output is what goes to stdout (the result
 * of ADD and VERSION, NULL for the others). version gets the request's cniVersion as soon as it
 * is known (else "1.1.0"): the version to answer an error in. */
int cni_run(const struct cni_request *req, char **output, char version[CNI_VERSION_MAX],
            struct skiff_error *err);

/* The error object, as SPEC.md has plugins print it on stdout. NULL when out of memory. */
char *cni_error_json(const char *cni_version, int code, const char *msg, const char *details);

/* Whether s names a container (SPEC.md: alphanumeric, then alphanumerics, '_', '.', '-'). */
bool cni_valid_id(const char *s);
/* Whether s can name an interface: 1..15 bytes, not "." or "..", no '/', ':' or white space. */
bool cni_valid_ifname(const char *s);

#endif

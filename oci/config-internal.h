/* What the parts of the config parser share; not for use outside oci/. */
#ifndef SKIFF_OCI_CONFIG_INTERNAL_H
#define SKIFF_OCI_CONFIG_INTERNAL_H

#include "oci/config.h"
#include "oci/json.h"
#include "oci/names.h"

/* Each parses the object node at the current path into a zeroed struct; on failure the
 * struct may be half filled and is released by the matching clear function. */
int oci_parse_process(struct json_ctx *c, uint32_t obj, struct oci_process *process);
int oci_parse_linux(struct json_ctx *c, uint32_t obj, struct oci_linux *linux_);
int oci_parse_resources(struct json_ctx *c, uint32_t obj, struct oci_resources *resources);
int oci_parse_seccomp(struct json_ctx *c, uint32_t obj, struct oci_seccomp *seccomp);

/* Member key of obj: an array of hooks / of id mappings. */
int oci_parse_hook_list(struct json_ctx *c, uint32_t obj, const char *key, struct oci_hook_list *list);
int oci_parse_id_mappings(struct json_ctx *c, uint32_t obj, const char *key, struct oci_id_mapping **out,
                          size_t *n);

/* Validates a string member against a table of names: fails with
 * "<path>.<key>: unknown <what> \"value\"". Returns the entry's value. */
int oci_check_name(struct json_ctx *c, const char *key, const char *value, const struct oci_name *table,
                   const char *what);
/* The same for every string of a list read from member key. */
int oci_check_names(struct json_ctx *c, const char *key, const struct oci_strv *list,
                    const struct oci_name *table, const char *what);

void oci_strv_clear(struct oci_strv *v);
void oci_kv_free(struct oci_kv *kv, size_t n);
void oci_hook_list_clear(struct oci_hook_list *list);
void oci_process_clear(struct oci_process *process);
void oci_linux_clear(struct oci_linux *linux_);
void oci_resources_clear(struct oci_resources *resources);
void oci_seccomp_clear(struct oci_seccomp *seccomp);

#endif

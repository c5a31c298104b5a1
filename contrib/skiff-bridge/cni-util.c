/* The parts of the CNI protocol with no system in them: error codes, command names, what names a
 * container or an interface. The config parser needs them, a fuzzer links them. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cni.h"
#include "oci/format.h"

int cni_fail(struct skiff_error *err, int cni_code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  format_string_va(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->code = CNI_CODE(cni_code);
  return -1;
}

int cni_error_code(const struct skiff_error *err) {
  if (err->code < 0)
    return -err->code;
  if (err->code == EAGAIN || err->code == EBUSY || err->code == EINTR)
    return CNI_ERR_TRY_AGAIN;
  return CNI_ERR_SYSTEM;
}

static const char *const command_names[] = {"ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"};

const char *cni_command_name(enum cni_command c) {
  return command_names[c];
}

int cni_command_parse(const char *name) {
  for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++)
    if (!strcmp(name, command_names[i]))
      return (int)i;
  return -1;
}

bool cni_valid_id(const char *s) {
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.' || *s == '-'))
      return false;
  return true;
}

bool cni_valid_ifname(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
    return false;
  for (; *s; s++)
    if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
      return false;
  return true;
}

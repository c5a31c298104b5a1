#include "lib/libsystemd.h"

#include "lib/dl.h"

#include <stdbool.h>
#include <stddef.h>

static struct libsystemd lib;
static bool loaded;

const struct libsystemd *libsystemd_open(struct skiff_error *err) {
  if (loaded)
    return &lib;
#define SYMBOL(field, name)                                                                                  \
  { name, offsetof(struct libsystemd, field) }
  static const struct dl_symbol symbols[] = {
      SYMBOL(open_system, "sd_bus_open_system"),
      SYMBOL(open_user, "sd_bus_open_user"),
      SYMBOL(new_bus, "sd_bus_new"),
      SYMBOL(set_address, "sd_bus_set_address"),
      SYMBOL(start, "sd_bus_start"),
      SYMBOL(flush_close_unref, "sd_bus_flush_close_unref"),
      SYMBOL(process, "sd_bus_process"),
      SYMBOL(wait, "sd_bus_wait"),
      SYMBOL(match_signal, "sd_bus_match_signal"),
      SYMBOL(slot_unref, "sd_bus_slot_unref"),
      SYMBOL(call, "sd_bus_call"),
      SYMBOL(message_new_method_call, "sd_bus_message_new_method_call"),
      SYMBOL(message_append, "sd_bus_message_append"),
      SYMBOL(message_open_container, "sd_bus_message_open_container"),
      SYMBOL(message_close_container, "sd_bus_message_close_container"),
      SYMBOL(message_read, "sd_bus_message_read"),
      SYMBOL(message_unref, "sd_bus_message_unref"),
      SYMBOL(error_has_name, "sd_bus_error_has_name"),
      SYMBOL(error_free, "sd_bus_error_free"),
  };
#undef SYMBOL
  if (dl_load(LIBSYSTEMD_SONAME, symbols, sizeof symbols / sizeof symbols[0], &lib, sizeof lib, err) < 0)
    return NULL;
  loaded = true;
  return &lib;
}

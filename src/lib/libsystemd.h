/* libsystemd's sd-bus, opened the first time the systemd cgroup driver needs it. Linked, it would be
 * loaded with its own dependencies (libgcrypt, liblzma, libzstd, liblz4, libcap, libgpg-error) by
 * every run, for the few that use --systemd-cgroup. The header is libsystemd's own, so the types are
 * those of the build; the functions come from its shared object. */
#ifndef SKIFF_LIBSYSTEMD_H
#define SKIFF_LIBSYSTEMD_H

#include <systemd/sd-bus.h>

#include "oci/error.h"

/* The shared object's name: libsystemd's SONAME since it has had sd-bus. */
#define LIBSYSTEMD_SONAME "libsystemd.so.0"

struct libsystemd {
  __typeof__(sd_bus_open_system) *open_system;
  __typeof__(sd_bus_open_user) *open_user;
  __typeof__(sd_bus_new) *new_bus;
  __typeof__(sd_bus_set_address) *set_address;
  __typeof__(sd_bus_start) *start;
  __typeof__(sd_bus_flush_close_unref) *flush_close_unref;
  __typeof__(sd_bus_process) *process;
  __typeof__(sd_bus_wait) *wait;
  __typeof__(sd_bus_match_signal) *match_signal;
  __typeof__(sd_bus_slot_unref) *slot_unref;
  __typeof__(sd_bus_call) *call;
  __typeof__(sd_bus_message_new_method_call) *message_new_method_call;
  __typeof__(sd_bus_message_append) *message_append;
  __typeof__(sd_bus_message_open_container) *message_open_container;
  __typeof__(sd_bus_message_close_container) *message_close_container;
  __typeof__(sd_bus_message_read) *message_read;
  __typeof__(sd_bus_message_unref) *message_unref;
  __typeof__(sd_bus_error_has_name) *error_has_name;
  __typeof__(sd_bus_error_free) *error_free;
};

/* The functions, loaded once (the handle stays open); NULL with err filled when the library or one
 * of them is missing. */
const struct libsystemd *libsystemd_open(struct skiff_error *err);

#endif

/* The one network setting the runtime itself makes: lo up in a new network namespace. */
#ifndef SKIFF_LOOPBACK_H
#define SKIFF_LOOPBACK_H

#include "oci/error.h"

/* Sets IFF_UP on lo in the caller's network namespace. */
int loopback_up(struct skiff_error *err);

#endif

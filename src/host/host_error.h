/*
 * Errors inside libtagmem: one GError domain whose codes are errno values,
 * so that the public API can return -err->code and keep the message.
 */
#pragma once

#include <errno.h>
#include <glib.h>

#define TM_HOST_ERROR (tm_host_error_quark())

GQuark tm_host_error_quark(void);

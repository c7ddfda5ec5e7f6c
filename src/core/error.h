/*
 * Error domain shared by every layer.
 *
 * Functions that can fail return bool and take `GError **err` last.  The
 * error code selects the QMP error class a front end reports; the message
 * names the field and the value that were wrong.
 */
#pragma once

#include <glib.h>

#define TM_ERROR (tm_error_quark())

typedef enum {
    TM_ERROR_GENERIC,           /* QMP class GenericError */
    TM_ERROR_COMMAND_NOT_FOUND, /* QMP class CommandNotFound */
    TM_ERROR_DEVICE_NOT_FOUND,  /* QMP class DeviceNotFound */
} TmErrorCode;

GQuark tm_error_quark(void);

/* The QMP "class" string for an error of any domain. */
const char *tm_error_qmp_class(const GError *error);

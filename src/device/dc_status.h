/*
 * Outcome of a Dynamic Capacity operation, as the device model reports it.
 * The mailbox layer maps each value to its CXL return code (CXL r3.1
 * §8.2.8.4.5.1; docs/cxl-layouts.md); the QMP layer reports the GError
 * message that accompanies every value other than TM_DC_OK.
 *
 * Payload-length errors are not here: the device never sees raw payloads.
 */
#pragma once

#include <glib.h>

typedef enum {
    TM_DC_OK,
    TM_DC_INVALID_INPUT,              /* 02h */
    TM_DC_UNSUPPORTED,                /* 03h */
    TM_DC_INTERNAL_ERROR,             /* 04h */
    TM_DC_INVALID_PHYSICAL_ADDRESS,   /* 0Fh */
    TM_DC_INJECT_POISON_LIMIT,        /* 10h: Inject Poison Limit Reached */
    TM_DC_MEDIA_ERROR,                /* 07h: a poisoned line (docs/host-protocol.md) */
    TM_DC_RESOURCES_EXHAUSTED,        /* 1Dh */
    TM_DC_INVALID_EXTENT_LIST,        /* 1Eh */
    TM_DC_BUSY,                       /* 06h: a background operation runs */
    TM_DC_MEDIA_DISABLED,             /* 07h: the media is being sanitized */
    TM_DC_ABORTED,                    /* 12h: a background operation was cancelled */
} TmDcStatus;

/* "Invalid Input", "Resources Exhausted", ...: for messages and logs. */
const char *tm_dc_status_name(TmDcStatus status);

/* Set @err (TM_ERROR_GENERIC) from the format and return @status. */
TmDcStatus tm_dc_fail(GError **err, TmDcStatus status, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

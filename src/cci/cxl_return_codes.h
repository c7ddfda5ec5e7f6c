/*
 * CXL mailbox return codes (CXL r3.1 §8.2.8.4.5.1, Table 8-34), numbered
 * as QEMU and libcxlmi number them.  Only the codes tagmem answers with or
 * a client may see are listed.  A pure wire header (the host library uses
 * it); device-model outcomes map to these in return_code_mapping.h.
 */
#pragma once

#include <stdint.h>

typedef enum {
    TM_CXL_RC_SUCCESS = 0x00,
    TM_CXL_RC_BACKGROUND_COMMAND_STARTED = 0x01,
    TM_CXL_RC_INVALID_INPUT = 0x02,
    TM_CXL_RC_UNSUPPORTED = 0x03,
    TM_CXL_RC_INTERNAL_ERROR = 0x04,
    TM_CXL_RC_RETRY_REQUIRED = 0x05,
    TM_CXL_RC_BUSY = 0x06,
    TM_CXL_RC_MEDIA_DISABLED = 0x07,
    TM_CXL_RC_INVALID_HANDLE = 0x0E,
    TM_CXL_RC_INVALID_PHYSICAL_ADDRESS = 0x0F,
    TM_CXL_RC_INJECT_POISON_LIMIT_REACHED = 0x10,
    TM_CXL_RC_ABORTED = 0x12,
    TM_CXL_RC_UNSUPPORTED_MAILBOX_OR_CCI = 0x15,
    TM_CXL_RC_INVALID_PAYLOAD_LENGTH = 0x16,
    TM_CXL_RC_INVALID_LOG = 0x17,
    TM_CXL_RC_INTERRUPTED = 0x18,
    TM_CXL_RC_RESOURCES_EXHAUSTED = 0x1D,
    TM_CXL_RC_INVALID_EXTENT_LIST = 0x1E,
    TM_CXL_RC_TRANSFER_OUT_OF_ORDER = 0x1F,
} TmCxlReturnCode;

/* The spec's name for @code ("Invalid Handle"), or "Unknown" (for logs). */
const char *tm_cxl_return_code_name(uint16_t code);

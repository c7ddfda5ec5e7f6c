/*
 * CCI command opcodes: opcode = command set << 8 | command (CXL r3.1
 * §8.2.9, §7.6.7).  Only the command sets tagmem implements are listed:
 * generic (00h, 01h, 03h, 04h), memory device (40h, 42h, 43h, 44h, 48h), FM-API DCD management
 * (56h, r3.2 §7.6.7.6) and tagmem's own vendor-defined set C0h
 * (docs/host-protocol.md; CXL leaves C0h-FFh to vendors, §8.2.9).
 */
#pragma once

#include <stdint.h>

#define TM_CXL_OPCODE(set, command) ((uint16_t)(((set) << 8) | (command)))
#define TM_CXL_OPCODE_SET(opcode) ((uint8_t)((opcode) >> 8))
#define TM_CXL_OPCODE_COMMAND(opcode) ((uint8_t)((opcode) & 0xFF))

typedef enum {
    TM_CXL_SET_INFOSTAT = 0x00,          /* Information and Status, §8.2.9.1 */
    TM_CXL_SET_EVENTS = 0x01,            /* Events, §8.2.9.2 */
    TM_CXL_SET_TIMESTAMP = 0x03,         /* Timestamp, §8.2.9.4 */
    TM_CXL_SET_LOGS = 0x04,              /* Logs, §8.2.9.5 */
    TM_CXL_SET_IDENTIFY = 0x40,          /* Identify Memory Device, §8.2.9.9.1 */
    TM_CXL_SET_HEALTH = 0x42,            /* Health Info and Alerts, §8.2.9.9.3 */
    TM_CXL_SET_SANITIZE = 0x44,          /* Sanitize, §8.2.9.9.5 */
    TM_CXL_SET_DCD_CONFIG = 0x48,        /* Dynamic Capacity, §8.2.9.9.9 */
    TM_CXL_SET_FM_DCD_MANAGEMENT = 0x56, /* FM-API DCD Management, r3.2 §7.6.7.6 */
    TM_CXL_SET_TAGMEM_VENDOR = 0xC0,     /* tagmem data path, docs/host-protocol.md */
    TM_CXL_SET_TAGMEM_FM_VENDOR = 0xC1,  /* tagmem FM additions, docs/fm-api.md */
} TmCxlCommandSet;

typedef enum {
    TM_CXL_OP_IDENTIFY = 0x0001,                  /* §8.2.9.1.1 */
    TM_CXL_OP_BACKGROUND_OPERATION_STATUS = 0x0002, /* §8.2.9.1.2 */
    TM_CXL_OP_GET_RESPONSE_MESSAGE_LIMIT = 0x0003, /* §8.2.9.1.3 */
    TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT = 0x0004, /* §8.2.9.1.4 */
    TM_CXL_OP_GET_EVENT_RECORDS = 0x0100,         /* §8.2.9.2.2 */
    TM_CXL_OP_CLEAR_EVENT_RECORDS = 0x0101,       /* §8.2.9.2.3 */
    TM_CXL_OP_GET_EVENT_INTERRUPT_POLICY = 0x0102, /* §8.2.9.2.4 */
    TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY = 0x0103, /* §8.2.9.2.5 */
    TM_CXL_OP_GET_TIMESTAMP = 0x0300,             /* §8.2.9.4.1 */
    TM_CXL_OP_SET_TIMESTAMP = 0x0301,             /* §8.2.9.4.2 */
    TM_CXL_OP_GET_SUPPORTED_LOGS = 0x0400,        /* §8.2.9.5.1 */
    TM_CXL_OP_GET_LOG = 0x0401,                   /* §8.2.9.5.2 */
    TM_CXL_OP_IDENTIFY_MEMORY_DEVICE = 0x4000,    /* §8.2.9.9.1.1 */
    TM_CXL_OP_GET_HEALTH_INFO = 0x4200,           /* §8.2.9.9.3.1 */
    TM_CXL_OP_GET_ALERT_CONFIG = 0x4201,          /* §8.2.9.9.3.2 */
    TM_CXL_OP_SET_ALERT_CONFIG = 0x4202,          /* §8.2.9.9.3.3 */
    TM_CXL_OP_GET_POISON_LIST = 0x4300,           /* §8.2.9.9.4.1 */
    TM_CXL_OP_INJECT_POISON = 0x4301,             /* §8.2.9.9.4.2 */
    TM_CXL_OP_CLEAR_POISON = 0x4302,              /* §8.2.9.9.4.3 */
    TM_CXL_OP_GET_SCAN_MEDIA_CAPS = 0x4303,       /* §8.2.9.9.4.4 */
    TM_CXL_OP_SCAN_MEDIA = 0x4304,                /* §8.2.9.9.4.5 */
    TM_CXL_OP_GET_SCAN_MEDIA_RESULTS = 0x4305,    /* §8.2.9.9.4.6 */
    TM_CXL_OP_SANITIZE = 0x4400,                  /* §8.2.9.9.5.1 */
    TM_CXL_OP_SECURE_ERASE = 0x4401,              /* §8.2.9.9.5.2 */
    TM_CXL_OP_GET_DC_CONFIG = 0x4800,             /* §8.2.9.9.9.1 */
    TM_CXL_OP_GET_DC_EXTENT_LIST = 0x4801,        /* §8.2.9.9.9.2 */
    TM_CXL_OP_ADD_DC_RESPONSE = 0x4802,           /* §8.2.9.9.9.3 */
    TM_CXL_OP_RELEASE_DC = 0x4803,                /* §8.2.9.9.9.4 */
    TM_CXL_OP_GET_DCD_INFO = 0x5600,              /* r3.2 §7.6.7.6.1 */
    TM_CXL_OP_GET_HOST_DC_REGION_CONFIG = 0x5601, /* r3.2 §7.6.7.6.2 */
    TM_CXL_OP_SET_DC_REGION_CONFIG = 0x5602,      /* r3.2 §7.6.7.6.3 */
    TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS = 0x5603, /* r3.2 §7.6.7.6.4 */
    TM_CXL_OP_INITIATE_DC_ADD = 0x5604,           /* r3.2 §7.6.7.6.5 */
    TM_CXL_OP_INITIATE_DC_RELEASE = 0x5605,       /* r3.2 §7.6.7.6.6 */
    TM_CXL_OP_DC_ADD_REFERENCE = 0x5606,          /* r3.2 §7.6.7.6.7 */
    TM_CXL_OP_DC_REMOVE_REFERENCE = 0x5607,       /* r3.2 §7.6.7.6.8 */
    TM_CXL_OP_DC_LIST_TAGS = 0x5608,              /* r3.2 §7.6.7.6.9 */
    /* tagmem vendor commands (docs/host-protocol.md) */
    TM_CXL_OP_EVENT_NOTIFICATION = 0xC000,        /* device -> host, unsolicited */
    TM_CXL_OP_GET_EXTENT_MEMORY = 0xC001,
    TM_CXL_OP_READ_DPA = 0xC002,
    TM_CXL_OP_WRITE_DPA = 0xC003,
    TM_CXL_OP_GET_PENDING_OFFER = 0xC004,
    TM_CXL_OP_WITHDRAW_DC = 0xC100,               /* FM -> device */
} TmCxlOpcode;

/* The spec's name for @opcode ("Get Event Records"), or NULL if unknown. */
const char *tm_cxl_opcode_name(uint16_t opcode);

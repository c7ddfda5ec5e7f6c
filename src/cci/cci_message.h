/*
 * Framing of one CCI message on a tagmem CCI socket (SOCK_SEQPACKET, one
 * packet = one message): a 1-byte MCTP message type, the 12-byte CXL CCI
 * message header (CXL r3.1 §7.6.3, Figure 7-19), then the payload.  All
 * multi-byte fields are little-endian.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* MCTP message types (DSP0234): FM-API command sets 51h-5Fh, everything else CXL CCI. */
#define TM_MCTP_TYPE_FM_API 0x07
#define TM_MCTP_TYPE_CXL_CCI 0x08

#define TM_CCI_HEADER_SIZE 12                           /* the CCI message header */
#define TM_CCI_MESSAGE_HEADER_SIZE (1 + TM_CCI_HEADER_SIZE) /* MCTP type + CCI header */
#define TM_CCI_MAX_PAYLOAD_LENGTH 0xFFFFFu              /* a 20-bit field */

#define TM_CCI_CATEGORY_MASK 0x0F
#define TM_CCI_PAYLOAD_LENGTH_MASK 0x0FFFFFu
#define TM_CCI_BACKGROUND_OPERATION (1u << 23)

/* CXL r3.1 Figure 7-19: CCI Message Format. */
typedef struct __attribute__((packed)) {
    uint8_t category;          /* bits 3:0; bits 7:4 reserved */
    uint8_t tag;
    uint8_t reserved;
    uint8_t command;
    uint8_t command_set;
    uint8_t length_bg[3];      /* bits 19:0 payload length, bit 23 background */
    uint16_t return_code;
    uint16_t vendor_status;
} TmCciWireHeader;
_Static_assert(sizeof(TmCciWireHeader) == TM_CCI_HEADER_SIZE, "CCI message header is 12 bytes");

typedef enum {
    TM_CCI_CATEGORY_REQUEST = 0,
    TM_CCI_CATEGORY_RESPONSE = 1,
} TmCciCategory;

/* A message header, decoded. */
typedef struct {
    uint8_t mctp_type;
    uint8_t category;          /* TmCciCategory; other values are kept to be refused */
    uint8_t tag;
    uint16_t opcode;           /* command set << 8 | command */
    uint32_t payload_length;   /* 0..TM_CCI_MAX_PAYLOAD_LENGTH */
    bool background;
    uint16_t return_code;      /* TmCxlReturnCode in responses */
    uint16_t vendor_status;
} TmCciHeader;

/*
 * Write MCTP type and CCI header (TM_CCI_MESSAGE_HEADER_SIZE bytes) to @out.
 * @header->payload_length must fit the 20-bit field.
 */
void tm_cci_header_encode(const TmCciHeader *header, uint8_t *out);

/* Read the MCTP type and CCI header at the start of a @message_len-byte message. */
bool tm_cci_header_decode(const uint8_t *message, size_t message_len, TmCciHeader *out,
                          GError **err);

/*
 * Check a decoded request before dispatch: a known MCTP type, category
 * request, and a payload-length field equal to the bytes that follow the
 * header in the @message_len-byte message.
 */
bool tm_cci_request_check(const TmCciHeader *request, size_t message_len, GError **err);

/* The header of a response to @request: echoes MCTP type, tag and opcode. */
TmCciHeader tm_cci_response_header(const TmCciHeader *request, uint16_t return_code,
                                   uint32_t payload_length);

/* The MCTP message type that carries @opcode: FM-API for sets 51h-5Fh. */
uint8_t tm_cci_mctp_type_for_opcode(uint16_t opcode);

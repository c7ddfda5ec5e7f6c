#include <string.h>
#include <glib.h>

#include "cci/cci_message.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_return_codes.h"
#include "wire_assert.h"

static void test_header_layout(void)
{
    g_assert_cmpuint(offsetof(TmCciWireHeader, category), ==, 0);
    g_assert_cmpuint(offsetof(TmCciWireHeader, tag), ==, 1);
    g_assert_cmpuint(offsetof(TmCciWireHeader, reserved), ==, 2);
    g_assert_cmpuint(offsetof(TmCciWireHeader, command), ==, 3);
    g_assert_cmpuint(offsetof(TmCciWireHeader, command_set), ==, 4);
    g_assert_cmpuint(offsetof(TmCciWireHeader, length_bg), ==, 5);
    g_assert_cmpuint(offsetof(TmCciWireHeader, return_code), ==, 8);
    g_assert_cmpuint(offsetof(TmCciWireHeader, vendor_status), ==, 10);
    g_assert_cmpuint(TM_CCI_MESSAGE_HEADER_SIZE, ==, 13);
}

/* A background request with a 20-bit length that uses all three bytes. */
static void test_request_round_trip(void)
{
    static const uint8_t expected[] = {
        0x08,                   /* MCTP type: CXL CCI */
        0x00, 0x5A, 0x00,       /* request, tag, reserved */
        0x02, 0x48,             /* command 02h, set 48h: Add DC Response */
        0xDE, 0xBC, 0x8A,       /* length 0x0ABCDE, bit 23 background */
        0x00, 0x00, 0x00, 0x00, /* return code, vendor status */
    };
    _Static_assert(sizeof(expected) == 13, "expected holds 13 bytes");
    TmCciHeader header = {
        .mctp_type = TM_MCTP_TYPE_CXL_CCI,
        .category = TM_CCI_CATEGORY_REQUEST,
        .tag = 0x5A,
        .opcode = TM_CXL_OP_ADD_DC_RESPONSE,
        .payload_length = 0x0ABCDE,
        .background = true,
    };
    uint8_t encoded[13];
    TmCciHeader decoded;

    tm_cci_header_encode(&header, encoded);
    wire_assert_bytes(encoded, expected, sizeof(expected));

    g_assert_true(tm_cci_header_decode(expected, sizeof(expected), &decoded, NULL));
    g_assert_cmpuint(decoded.mctp_type, ==, 0x08);
    g_assert_cmpuint(decoded.category, ==, TM_CCI_CATEGORY_REQUEST);
    g_assert_cmpuint(decoded.tag, ==, 0x5A);
    g_assert_cmphex(decoded.opcode, ==, 0x4802);
    g_assert_cmphex(decoded.payload_length, ==, 0x0ABCDE);
    g_assert_true(decoded.background);
    g_assert_cmpuint(decoded.return_code, ==, 0);
}

/* A response with the largest payload length and a non-zero return code and vendor status. */
static void test_response_round_trip(void)
{
    static const uint8_t expected[] = {
        0x07,                   /* MCTP type: FM-API */
        0x01, 0xFF, 0x00,       /* response, tag, reserved */
        0x08, 0x56,             /* DC List Tags */
        0xFF, 0xFF, 0x0F,       /* length 0xFFFFF, no background */
        0x1E, 0x00,             /* Invalid Extent List */
        0xEF, 0xBE,             /* vendor status 0xBEEF */
    };
    _Static_assert(sizeof(expected) == 13, "expected holds 13 bytes");
    TmCciHeader header = {
        .mctp_type = TM_MCTP_TYPE_FM_API,
        .category = TM_CCI_CATEGORY_RESPONSE,
        .tag = 0xFF,
        .opcode = TM_CXL_OP_DC_LIST_TAGS,
        .payload_length = TM_CCI_MAX_PAYLOAD_LENGTH,
        .return_code = TM_CXL_RC_INVALID_EXTENT_LIST,
        .vendor_status = 0xBEEF,
    };
    uint8_t encoded[13];
    TmCciHeader decoded;

    tm_cci_header_encode(&header, encoded);
    wire_assert_bytes(encoded, expected, sizeof(expected));

    g_assert_true(tm_cci_header_decode(expected, sizeof(expected), &decoded, NULL));
    g_assert_cmpuint(decoded.category, ==, TM_CCI_CATEGORY_RESPONSE);
    g_assert_cmphex(decoded.opcode, ==, 0x5608);
    g_assert_cmphex(decoded.payload_length, ==, 0xFFFFF);
    g_assert_false(decoded.background);
    g_assert_cmphex(decoded.return_code, ==, 0x1E);
    g_assert_cmphex(decoded.vendor_status, ==, 0xBEEF);
}

/* Reserved bits (category 7:4, length 22:20) are ignored on input. */
static void test_decode_ignores_reserved_bits(void)
{
    static const uint8_t message[] = {
        0x08, 0xF0, 0x01, 0xAA, 0x00, 0x01, 0x34, 0x12, 0xF0, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(message) == 13, "message holds 13 bytes");
    TmCciHeader decoded;

    g_assert_true(tm_cci_header_decode(message, sizeof(message), &decoded, NULL));
    g_assert_cmpuint(decoded.category, ==, TM_CCI_CATEGORY_REQUEST);
    g_assert_cmphex(decoded.opcode, ==, TM_CXL_OP_GET_EVENT_RECORDS);
    g_assert_cmphex(decoded.payload_length, ==, 0x01234);
    g_assert_true(decoded.background);
}

static void test_decode_short_message(void)
{
    static const uint8_t message[12] = { 0x08 };
    g_autoptr(GError) err = NULL;
    TmCciHeader decoded;

    g_assert_false(tm_cci_header_decode(message, sizeof(message), &decoded, &err));
    g_assert_nonnull(strstr(err->message, "12 bytes"));
}

typedef struct {
    const char *name;
    uint8_t mctp_type;
    uint8_t category;
    uint32_t payload_length;
    size_t message_len;
    const char *error;         /* NULL: accepted */
} RequestCheckCase;

static void test_request_check(void)
{
    static const RequestCheckCase cases[] = {
        { "CCI request", 0x08, 0, 3, 16, NULL },
        { "FM-API request without payload", 0x07, 0, 0, 13, NULL },
        { "unknown MCTP type", 0x09, 0, 0, 13, "MCTP message type 0x09" },
        { "response category", 0x08, 1, 0, 13, "category 1" },
        { "reserved category", 0x08, 5, 0, 13, "category 5" },
        { "length field too large", 0x08, 0, 4, 16, "says 4 bytes" },
        { "length field too small", 0x08, 0, 2, 16, "carries 3 after" },
        { "message shorter than header", 0x08, 0, 0, 5, "5-byte message" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const RequestCheckCase *c = &cases[i];
        TmCciHeader header = {
            .mctp_type = c->mctp_type,
            .category = c->category,
            .opcode = TM_CXL_OP_IDENTIFY,
            .payload_length = c->payload_length,
        };
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        bool ok = tm_cci_request_check(&header, c->message_len, &err);
        if (c->error == NULL) {
            g_assert_no_error(err);
            g_assert_true(ok);
        } else {
            g_assert_false(ok);
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, c->error));
        }
    }
}

static void test_response_header_echoes_request(void)
{
    TmCciHeader request = {
        .mctp_type = TM_MCTP_TYPE_FM_API,
        .category = TM_CCI_CATEGORY_REQUEST,
        .tag = 0x42,
        .opcode = TM_CXL_OP_INITIATE_DC_ADD,
        .payload_length = 112,
        .background = true,
    };
    TmCciHeader response = tm_cci_response_header(&request, TM_CXL_RC_RESOURCES_EXHAUSTED, 0);

    g_assert_cmpuint(response.mctp_type, ==, TM_MCTP_TYPE_FM_API);
    g_assert_cmpuint(response.category, ==, TM_CCI_CATEGORY_RESPONSE);
    g_assert_cmpuint(response.tag, ==, 0x42);
    g_assert_cmphex(response.opcode, ==, 0x5604);
    g_assert_cmpuint(response.payload_length, ==, 0);
    g_assert_false(response.background);
    g_assert_cmphex(response.return_code, ==, 0x1D);
}

static void test_mctp_type_for_opcode(void)
{
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x0001), ==, TM_MCTP_TYPE_CXL_CCI);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x4802), ==, TM_MCTP_TYPE_CXL_CCI);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x5000), ==, TM_MCTP_TYPE_CXL_CCI);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x5100), ==, TM_MCTP_TYPE_FM_API);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x5604), ==, TM_MCTP_TYPE_FM_API);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0x5FFF), ==, TM_MCTP_TYPE_FM_API);
    g_assert_cmphex(tm_cci_mctp_type_for_opcode(0xC000), ==, TM_MCTP_TYPE_CXL_CCI);
}

static void test_opcodes_and_return_codes(void)
{
    g_assert_cmphex(TM_CXL_OPCODE(0x56, 0x04), ==, TM_CXL_OP_INITIATE_DC_ADD);
    g_assert_cmphex(TM_CXL_OPCODE_SET(TM_CXL_OP_CLEAR_EVENT_RECORDS), ==, TM_CXL_SET_EVENTS);
    g_assert_cmphex(TM_CXL_OPCODE_COMMAND(TM_CXL_OP_RELEASE_DC), ==, 0x03);
    g_assert_cmpstr(tm_cxl_opcode_name(0x0101), ==, "Clear Event Records");
    g_assert_cmpstr(tm_cxl_opcode_name(0x5608), ==, "Dynamic Capacity List Tags");
    g_assert_null(tm_cxl_opcode_name(0x4804));
    g_assert_cmpstr(tm_cxl_return_code_name(0x0E), ==, "Invalid Handle");
    g_assert_cmpstr(tm_cxl_return_code_name(0x16), ==, "Invalid Payload Length");
    g_assert_cmpstr(tm_cxl_return_code_name(0x99), ==, "Unknown");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/message/header_layout", test_header_layout);
    g_test_add_func("/cci/message/request_round_trip", test_request_round_trip);
    g_test_add_func("/cci/message/response_round_trip", test_response_round_trip);
    g_test_add_func("/cci/message/reserved_bits_ignored", test_decode_ignores_reserved_bits);
    g_test_add_func("/cci/message/short_message", test_decode_short_message);
    g_test_add_func("/cci/message/request_check", test_request_check);
    g_test_add_func("/cci/message/response_header", test_response_header_echoes_request);
    g_test_add_func("/cci/message/mctp_type_for_opcode", test_mctp_type_for_opcode);
    g_test_add_func("/cci/message/opcodes_and_return_codes", test_opcodes_and_return_codes);
    return g_test_run();
}

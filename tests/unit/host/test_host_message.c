/*
 * Packet framing on the host side, with hand-built bytes: the request
 * header the host writes, responses and notifications it reads, and the
 * packets it must refuse (one row per fault, with the message fragment).
 */
#include <string.h>
#include <glib.h>

#include "host/host_error.h"
#include "host/host_message.h"
#include "wire_assert.h"

static void test_request_header(void)
{
    static const uint8_t expected[] = {
        0x08,                   /* CXL CCI */
        0x00, 0x2A, 0x00,       /* request, tag 42, reserved */
        0x02, 0x48,             /* 4802h */
        0x20, 0x00, 0x01,       /* payload length 0x10020 */
        0x00, 0x00, 0x00, 0x00,
    };
    uint8_t header[TM_CCI_MESSAGE_HEADER_SIZE];

    tm_host_request_header_encode(42, TM_CXL_OP_ADD_DC_RESPONSE, 0x10020, header);
    wire_assert_bytes(header, expected, sizeof(expected));
}

static void test_notification(void)
{
    static const uint8_t packet[] = {
        0x08,
        0x00, 0x00, 0x00,       /* request, tag 0 */
        0x00, 0xC0,             /* C000h Event Notification */
        0x08, 0x00, 0x00,       /* payload 8 */
        0x00, 0x00, 0x00, 0x00,
        0x10, 0x00, 0x00, 0x00, /* bit 4: DC log; reserved */
        0x03, 0x01, 0x00, 0x00, /* 259 records */
    };
    TmCciHeader header;
    TmHostNotification notification;

    g_assert_true(tm_host_packet_decode(packet, sizeof(packet), &header, NULL));
    g_assert_cmpuint(header.category, ==, TM_CCI_CATEGORY_REQUEST);
    g_assert_cmphex(header.opcode, ==, 0xC000);
    g_assert_true(tm_host_notification_decode(&header, packet + TM_CCI_MESSAGE_HEADER_SIZE,
                                              &notification, NULL));
    g_assert_cmphex(notification.log_bitmap, ==, 0x10);
    g_assert_cmpuint(notification.dc_record_count, ==, 259);
}

static void test_response(void)
{
    static const uint8_t packet[] = {
        0x08,
        0x01, 0x07, 0x00,       /* response, tag 7 */
        0x01, 0x00,             /* 0001h Identify */
        0x02, 0x00, 0x00,       /* payload 2 */
        0x0F, 0x00,             /* Invalid Physical Address */
        0xEF, 0xBE,             /* vendor status */
        0xAA, 0xBB,
    };
    TmCciHeader header;
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_host_packet_decode(packet, sizeof(packet), &header, NULL));
    g_assert_cmpuint(header.category, ==, TM_CCI_CATEGORY_RESPONSE);
    g_assert_cmpuint(header.tag, ==, 7);
    g_assert_cmphex(header.opcode, ==, TM_CXL_OP_IDENTIFY);
    g_assert_cmpuint(header.payload_length, ==, 2);
    g_assert_cmphex(header.return_code, ==, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS);
    g_assert_cmphex(header.vendor_status, ==, 0xBEEF);
    g_assert_true(tm_host_response_matches(&header, 7, TM_CXL_OP_IDENTIFY, NULL));
    g_assert_false(tm_host_response_matches(&header, 8, TM_CXL_OP_IDENTIFY, &err));
    g_assert_error(err, TM_HOST_ERROR, EPROTO);
    g_assert_nonnull(strstr(err->message, "tag 7 does not echo request tag 8"));
    g_clear_error(&err);
    g_assert_false(tm_host_response_matches(&header, 7, TM_CXL_OP_GET_DC_CONFIG, &err));
    g_assert_nonnull(strstr(err->message, "opcode 0001h does not echo request opcode 4800h"));
}

typedef struct {
    const char *name;
    uint8_t bytes[16];
    size_t len;
    const char *fragment;
} BadPacketRow;

static const BadPacketRow bad_packets[] = {
    { "short", { 0x08, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, 12,
      "packet of 12 bytes is shorter than the 13-byte message header" },
    { "empty", { 0 }, 0, "packet of 0 bytes" },
    { "fm-api type", { 0x07, 0x01, 0x00, 0x00, 0x00, 0x56, 0x00, 0x00, 0x00, 0, 0, 0, 0 }, 13,
      "MCTP message type 0x07 is not CXL CCI" },
    { "category 2", { 0x08, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0 }, 13,
      "message category 2 is neither request (0) nor response (1)" },
    { "length says more", { 0x08, 0x01, 0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0 },
      13, "payload length field says 4 bytes but the 13-byte packet carries 0" },
    { "length says less", { 0x08, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0,
                            0xAA, 0xBB }, 15,
      "payload length field says 0 bytes but the 15-byte packet carries 2" },
};

static void test_bad_packet(gconstpointer data)
{
    const BadPacketRow *row = data;
    g_autoptr(GError) err = NULL;
    TmCciHeader header;

    g_assert_false(tm_host_packet_decode(row->bytes, row->len, &header, &err));
    g_assert_error(err, TM_HOST_ERROR, EPROTO);
    if (strstr(err->message, row->fragment) == NULL) {
        g_error("%s: '%s' lacks '%s'", row->name, err->message, row->fragment);
    }
}

typedef struct {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    const char *fragment;
} BadRequestRow;

static const BadRequestRow bad_requests[] = {
    { "not a notification", { 0x08, 0x00, 0x00, 0x00, 0x01, 0xC0, 0x00, 0x00, 0x00, 0, 0, 0, 0 },
      13, "request opcode C001h from the daemon is not Event Notification (C000h)" },
    { "short notification", { 0x08, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x04, 0x00, 0x00, 0, 0, 0, 0,
                              0x10, 0, 0, 0 },
      17, "Event Notification payload of 4 bytes is shorter than 8" },
};

static void test_bad_request(gconstpointer data)
{
    const BadRequestRow *row = data;
    g_autoptr(GError) err = NULL;
    TmHostNotification notification;
    TmCciHeader header;

    g_assert_true(tm_host_packet_decode(row->bytes, row->len, &header, NULL));
    g_assert_false(tm_host_notification_decode(&header, row->bytes + TM_CCI_MESSAGE_HEADER_SIZE,
                                               &notification, &err));
    g_assert_error(err, TM_HOST_ERROR, EPROTO);
    if (strstr(err->message, row->fragment) == NULL) {
        g_error("%s: '%s' lacks '%s'", row->name, err->message, row->fragment);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/message/request-header", test_request_header);
    g_test_add_func("/host/message/notification", test_notification);
    g_test_add_func("/host/message/response", test_response);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_packets); i++) {
        g_autofree char *path = g_strdup_printf("/host/message/bad-packet/%s",
                                                bad_packets[i].name);

        g_test_add_data_func(path, &bad_packets[i], test_bad_packet);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_requests); i++) {
        g_autofree char *path = g_strdup_printf("/host/message/bad-request/%s",
                                                bad_requests[i].name);

        g_test_add_data_func(path, &bad_requests[i], test_bad_request);
    }
    return g_test_run();
}

/*
 * One packet on a CCI socket, hand-built byte by byte, through
 * tm_cci_frame_serve(): the checks that close a connection, the return
 * codes of framing and routing faults, the echoed response header, and
 * the C000h Event Notification packet.
 */
#include <string.h>
#include <glib.h>

#include "cci/cci_frame.h"
#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"
#include "wire_assert.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2,sn=0x0123456789abcdef"

/* MCTP type, then the CCI header fields in wire order. */
#define PACKET(type, category, tag, command, set, len0, len1, len2) \
    type, category, tag, 0x00, command, set, len0, len1, len2, 0x00, 0x00, 0x00, 0x00

typedef enum { HOST, FM } Port;

typedef struct {
    const char *name;
    Port port;
    uint32_t max_payload;       /* 0: the default */
    uint8_t packet[32];
    size_t packet_len;          /* the packet's real length */
    size_t received;            /* 0: all of it */
    TmCciFrameVerdict verdict;
    TmCxlReturnCode rc;         /* for REPLY */
    const char *fragment;       /* in the error message, for anything but Success */
} FrameCase;

static void run_case(MailboxFixture *mf, const FrameCase *c, TmCciFrameReply *reply)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *packet = g_malloc0(MAX(c->packet_len, sizeof(c->packet)));

    memcpy(packet, c->packet, MIN(c->packet_len, sizeof(c->packet)));
    mf->caller.port = c->port == FM ? TM_MAILBOX_PORT_FM : TM_MAILBOX_PORT_HOST;
    mf->caller.max_payload = c->max_payload ? c->max_payload : TM_MAILBOX_DEFAULT_MAX_PAYLOAD;
    reply->payload = mf->buffer;

    g_test_message("case: %s", c->name);
    TmCciFrameVerdict verdict = tm_cci_frame_serve(mf->fx.dev, &mf->caller, packet,
                                                   c->received ? c->received : c->packet_len,
                                                   c->packet_len, reply, &err);
    g_assert_cmpint(verdict, ==, c->verdict);
    g_assert_cmpint(reply->fd, ==, -1);
    if (verdict == TM_CCI_FRAME_CLOSE) {
        assert_error_contains(err, c->fragment);
        return;
    }
    if (reply->return_code != c->rc) {
        g_error("%s: return code %02Xh (%s), expected %02Xh", c->name, reply->return_code,
                err ? err->message : "no message", c->rc);
    }
    if (c->rc == TM_CXL_RC_SUCCESS) {
        g_assert_no_error(err);
    } else {
        assert_error_contains(err, c->fragment);
        g_assert_cmpuint(reply->length, ==, 0);
    }
    /* Every reply echoes type, tag and opcode; the length field is what follows. */
    TmCciHeader header;
    g_assert_true(tm_cci_header_decode(reply->header, sizeof(reply->header), &header, NULL));
    g_assert_cmpuint(header.mctp_type, ==, packet[0]);
    g_assert_cmpuint(header.category, ==, TM_CCI_CATEGORY_RESPONSE);
    g_assert_cmpuint(header.tag, ==, packet[2]);
    g_assert_cmpuint(header.opcode, ==, TM_CXL_OPCODE(packet[5], packet[4]));
    g_assert_cmpuint(header.payload_length, ==, reply->length);
    g_assert_cmpuint(header.return_code, ==, c->rc);
}

static void test_frame_faults(void)
{
    static const FrameCase cases[] = {
        { "empty packet", HOST, 0, { 0 }, 0, 0, TM_CCI_FRAME_CLOSE, 0,
          "0 bytes is shorter than its 13-byte header" },
        { "12 bytes", HOST, 0, { PACKET(0x08, 0, 1, 0x01, 0x00, 0, 0, 0) }, 12, 0,
          TM_CCI_FRAME_CLOSE, 0, "12 bytes is shorter than its 13-byte header" },
        { "a response", HOST, 0, { PACKET(0x08, 1, 1, 0x01, 0x00, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_CLOSE, 0, "category 1 is not a request (0)" },
        { "category 15", FM, 0, { PACKET(0x08, 0x0f, 1, 0x01, 0x00, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_CLOSE, 0, "category 15 is not a request" },
        { "truncated by the kernel", HOST, 0, { PACKET(0x08, 0, 7, 0x01, 0x00, 0, 0, 0) },
          5000, 20, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "packet of 5000 bytes is longer than the 13-byte header plus the 1048575-byte" },
        { "over the maximum", HOST, 256, { PACKET(0x08, 0, 7, 0x02, 0x48, 0x01, 0x01, 0) },
          13 + 257, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "packet of 270 bytes is longer than the 13-byte header plus the 256-byte maximum" },
        { "length field says more", HOST, 0, { PACKET(0x08, 0, 9, 0x01, 0x00, 0x02, 0, 0) },
          14, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "payload length field says 2 bytes but 1 follow the header" },
        { "length field says less", HOST, 0, { PACKET(0x08, 0, 9, 0x01, 0x00, 0x00, 0, 0) },
          17, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "payload length field says 0 bytes but 4 follow the header" },
        { "length field's high bits", HOST, 0,
          { PACKET(0x08, 0, 9, 0x01, 0x00, 0x00, 0x00, 0x01) }, 13, 0, TM_CCI_FRAME_REPLY,
          TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "says 65536 bytes but 0 follow" },
        { "FM-API type on a host socket", HOST, 0, { PACKET(0x07, 0, 3, 0x01, 0x00, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "MCTP message type 0x07 does not carry command set 00h (0x08 does)" },
        { "unknown MCTP type", HOST, 0, { PACKET(0x05, 0, 3, 0x01, 0x00, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED, "MCTP message type 0x05" },
        { "FM-API on a host socket", HOST, 0, { PACKET(0x07, 0, 3, 0x00, 0x56, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "command set 56h is not served on the host socket" },
        { "FM-API set as CXL CCI", FM, 0, { PACKET(0x08, 0, 3, 0x00, 0x56, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "MCTP message type 0x08 does not carry command set 56h (0x07 does)" },
        { "memory device set on the FM socket", FM, 0,
          { PACKET(0x08, 0, 3, 0x00, 0x40, 0, 0, 0) }, 13, 0, TM_CCI_FRAME_REPLY,
          TM_CXL_RC_UNSUPPORTED, "command set 40h is not served on the FM socket" },
        { "vendor set on the FM socket", FM, 0, { PACKET(0x08, 0, 3, 0x02, 0xC0, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "command set C0h is not served on the FM socket" },
        { "unknown command set", HOST, 0, { PACKET(0x08, 0, 3, 0x00, 0x20, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "command set 20h is not served on the host socket" },
        { "FM vendor set on a host socket", HOST, 0, { PACKET(0x08, 0, 3, 0x00, 0xC1, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED,
          "command set C1h is not served on the host socket" },
        { "FM vendor set, short payload", FM, 0, { PACKET(0x08, 0, 3, 0x00, 0xC1, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "takes a 32-byte payload, got 0 bytes" },
        { "another vendor's set", FM, 0, { PACKET(0x08, 0, 3, 0x00, 0xC2, 0, 0, 0) }, 13, 0,
          TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED, "command set C2h is not served" },
        { "unknown command of a set taken", HOST, 0, { PACKET(0x08, 0, 3, 0x7f, 0x00, 0, 0, 0) },
          13, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_UNSUPPORTED, "command 007Fh is not supported" },
        { "mailbox payload check", HOST, 0, { PACKET(0x08, 0, 3, 0x00, 0x48, 0x01, 0, 0), 0 },
          14, 0, TM_CCI_FRAME_REPLY, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
          "takes a 2-byte payload, got 1 bytes" },
    };
    MailboxFixture mf;
    TmCciFrameReply reply;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        run_case(&mf, &cases[i], &reply);
    }
    mailbox_fixture_clear(&mf);
}

/* Identify over a host port: the whole response packet, byte by byte. */
static void test_identify_packet(void)
{
    static const uint8_t request[] = { PACKET(0x08, 0x00, 0x5a, 0x01, 0x00, 0, 0, 0) };
    static const uint8_t expected_header[] = {
        0x08,                    /* MCTP type echoed */
        0x01, 0x5a, 0x00,        /* response, tag echoed, reserved */
        0x01, 0x00,              /* Identify */
        0x12, 0x00, 0x00,        /* 18 bytes follow */
        0x00, 0x00,              /* Success */
        0x00, 0x00,              /* vendor status */
    };
    static const uint8_t expected_payload[] = {
        0x86, 0x80, 0x93, 0x0d, 0x00, 0x00, 0x00, 0x00,
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
        0x14, 0x03,
    };
    MailboxFixture mf;
    TmCciFrameReply reply = { 0 };

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    reply.payload = mf.buffer;
    g_assert_cmpint(tm_cci_frame_serve(mf.fx.dev, &mf.caller, request, sizeof(request),
                                       sizeof(request), &reply, NULL), ==, TM_CCI_FRAME_REPLY);
    wire_assert_bytes(reply.header, expected_header, sizeof(expected_header));
    g_assert_cmpuint(reply.length, ==, sizeof(expected_payload));
    wire_assert_bytes(reply.payload, expected_payload, sizeof(expected_payload));
    g_assert_cmpuint(reply.request.opcode, ==, TM_CXL_OP_IDENTIFY);

    /* The background bit and the category's reserved bits are ignored. */
    uint8_t noisy[sizeof(request)];
    memcpy(noisy, request, sizeof(noisy));
    noisy[1] = 0xf0;
    noisy[8] = 0x80;
    g_assert_cmpint(tm_cci_frame_serve(mf.fx.dev, &mf.caller, noisy, sizeof(noisy),
                                       sizeof(noisy), &reply, NULL), ==, TM_CCI_FRAME_REPLY);
    wire_assert_bytes(reply.header, expected_header, sizeof(expected_header));
    mailbox_fixture_clear(&mf);
}

static void test_port_sets(void)
{
    static const struct {
        uint8_t set;
        bool host;
        bool fm;
    } rows[] = {
        { 0x00, true, true }, { 0x01, true, true }, { 0x04, true, true },
        { 0x05, false, false }, { 0x3f, false, false }, { 0x40, true, false },
        { 0x48, true, false }, { 0x4a, true, false }, { 0x4b, false, false },
        { 0x50, false, false }, { 0x51, false, true }, { 0x56, false, true },
        { 0x5f, false, true }, { 0x60, false, false }, { 0xc0, true, false },
        { 0xc1, false, true }, { 0xc2, false, false }, { 0xff, false, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_assert_cmpint(tm_cci_port_takes_set(TM_MAILBOX_PORT_HOST, rows[i].set), ==,
                        rows[i].host);
        g_assert_cmpint(tm_cci_port_takes_set(TM_MAILBOX_PORT_FM, rows[i].set), ==,
                        rows[i].fm);
    }
}

static void test_notification_packet(void)
{
    static const uint8_t expected[TM_CCI_NOTIFICATION_SIZE] = {
        0x08,                    /* CXL CCI */
        0x00, 0x00, 0x00,        /* request, tag 0, reserved */
        0x00, 0xc0,              /* C000h Event Notification */
        0x08, 0x00, 0x00,        /* 8 bytes follow */
        0x00, 0x00, 0x00, 0x00,  /* return code, vendor status */
        0x10,                    /* bit 4: the Dynamic Capacity log */
        0x00, 0x00, 0x00,
        0x2c, 0x01, 0x00, 0x00,  /* 300 records */
    };
    uint8_t packet[TM_CCI_NOTIFICATION_SIZE];

    tm_cci_notification_encode(1u << TM_EVENT_LOG_DYNAMIC_CAPACITY, 0, 300, packet);
    wire_assert_bytes(packet, expected, sizeof(expected));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/frame/faults", test_frame_faults);
    g_test_add_func("/cci/frame/identify", test_identify_packet);
    g_test_add_func("/cci/frame/port-sets", test_port_sets);
    g_test_add_func("/cci/frame/notification", test_notification_packet);
    return g_test_run();
}

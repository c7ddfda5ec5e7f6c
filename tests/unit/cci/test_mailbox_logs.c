/*
 * What a generic client asks first, through the dispatcher: Background
 * Operation Status (0002h), Get/Set Timestamp (0300h/0301h), Get Supported
 * Logs (0400h) and Get Log (0401h) of the Command Effects Log, whose
 * entries must be exactly the commands each port serves.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2"

/* The CEL's identifier as it travels (0da9c0b5-bf41-4b78-8f79-96b1623b3f17). */
#define CEL_ID 0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78, \
               0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17

static void test_background_operation_status(void)
{
    static const uint8_t none[8] = { 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS, none,
                   sizeof(none));
    mf.caller.port = TM_MAILBOX_PORT_FM;
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS, none,
                   sizeof(none));
    mailbox_fixture_clear(&mf);
}

/* The clock runs from the value set, and event records carry it. */
static void test_timestamp(void)
{
    static const uint8_t set[] = { 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
    const uint64_t value = UINT64_C(0x1000000000001000);
    static const uint8_t dc_log = 4;
    TmExtent offer[] = { EXT(0, 2 * MiB) };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_TIMESTAMP, NULL, 0), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 8);
    /* Not set yet: the real-time clock (within a minute of it). */
    uint64_t now_ns = (uint64_t)g_get_real_time() * 1000;
    g_assert_cmpuint(read_le64(mf.buffer) + 60 * G_USEC_PER_SEC * UINT64_C(1000), >, now_ns);
    g_assert_cmpuint(read_le64(mf.buffer), <, now_ns + 60 * G_USEC_PER_SEC * UINT64_C(1000));

    mailbox_expect(&mf, TM_CXL_OP_SET_TIMESTAMP, set, sizeof(set), TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_TIMESTAMP, NULL, 0), ==, TM_CXL_RC_SUCCESS);
    uint64_t read_back = read_le64(mf.buffer);
    g_assert_cmpuint(read_back, >=, value);
    g_assert_cmpuint(read_back, <, value + 60 * G_USEC_PER_SEC * UINT64_C(1000));

    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, offer, 1, NULL), ==, TM_DC_OK);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &dc_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    uint64_t record_ts = read_le64(mf.buffer + 32 + 24);
    g_assert_cmpuint(record_ts, >=, value);
    g_assert_cmpuint(record_ts, <, value + 60 * G_USEC_PER_SEC * UINT64_C(1000));

    /* 7 or 9 bytes: refused, the clock unchanged. */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_TIMESTAMP, set, 7), ==,
                    TM_CXL_RC_INVALID_PAYLOAD_LENGTH);
    mailbox_fixture_clear(&mf);
}

/* The opcodes of the CEL read through Get Log in one piece. */
static GArray *read_cel(MailboxFixture *mf, uint32_t *size)
{
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_SUPPORTED_LOGS, NULL, 0), ==,
                    TM_CXL_RC_SUCCESS);
    static const uint8_t cel_id[16] = { CEL_ID };
    g_assert_cmpuint(mf->response.length, ==, 8 + 20);
    g_assert_cmpuint(read_le16(mf->buffer), ==, 1);
    g_assert_cmpmem(mf->buffer + 8, 16, cel_id, 16);
    *size = read_le32(mf->buffer + 24);

    uint8_t get[24] = { CEL_ID };
    get[20] = (uint8_t)*size;
    get[21] = (uint8_t)(*size >> 8);
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_LOG, get, sizeof(get)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf->response.length, ==, *size);
    GArray *opcodes = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    for (uint32_t at = 0; at < *size; at += 4) {
        uint16_t opcode = read_le16(mf->buffer + at);
        g_array_append_val(opcodes, opcode);
    }
    return opcodes;
}

/* Every opcode in 0000h-FFFFh: served exactly when the CEL lists it. */
static void assert_cel_is_what_is_served(MailboxFixture *mf)
{
    uint32_t size;
    g_autoptr(GArray) listed = read_cel(mf, &size);
    g_autoptr(GHashTable) in_cel = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (guint i = 0; i < listed->len; i++) {
        g_hash_table_add(in_cel, GUINT_TO_POINTER(g_array_index(listed, uint16_t, i)));
    }
    g_assert_cmpuint(g_hash_table_size(in_cel), ==, listed->len);
    for (guint opcode = 0; opcode <= 0xFFFF; opcode++) {
        g_autofree uint8_t *zeros = g_malloc0(64);

        mailbox_call(mf, (uint16_t)opcode, zeros, 0);
        bool unsupported = mf->err != NULL &&
                           (strstr(mf->err->message, "is not supported") ||
                            strstr(mf->err->message, "is not available on the") ||
                            strstr(mf->err->message, "has no dynamic capacity regions"));
        bool listed_here = g_hash_table_contains(in_cel, GUINT_TO_POINTER(opcode));
        if (listed_here == unsupported) {
            g_error("opcode %04Xh: %s in the CEL but %s", opcode,
                    listed_here ? "listed" : "not listed",
                    unsupported ? "unsupported" : "served");
        }
    }
}

static void test_cel_matches_dispatch(void)
{
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    assert_cel_is_what_is_served(&mf);
    mf.caller.port = TM_MAILBOX_PORT_FM;
    assert_cel_is_what_is_served(&mf);
    mailbox_fixture_clear(&mf);

    /* Without DC regions, the DC commands are neither served nor listed. */
    mailbox_fixture_init(&mf, 1 * GiB, "num-dc-regions=0");
    assert_cel_is_what_is_served(&mf);
    mailbox_fixture_clear(&mf);
}

/* Effects as the table says: Add DC Response changes configuration, data and logs. */
static void test_cel_effects(void)
{
    static const uint8_t all[24] = { CEL_ID, 0, 0, 0, 0, 0x00, 0x04 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, all, sizeof(all)), ==,
                    TM_CXL_RC_SUCCESS);
    bool seen_4802 = false, seen_0001 = false;
    for (size_t at = 0; at < mf.response.length; at += 4) {
        uint16_t opcode = read_le16(mf.buffer + at), effects = read_le16(mf.buffer + at + 2);

        if (opcode == 0x4802) {
            g_assert_cmphex(effects, ==, 0x16);
            seen_4802 = true;
        }
        if (opcode == 0x0001) {
            g_assert_cmphex(effects, ==, 0);
            seen_0001 = true;
        }
    }
    g_assert_true(seen_4802 && seen_0001);
    mailbox_fixture_clear(&mf);
}

/* Paged reads, and the refusals: another log, an offset past the end, a length too big. */
static void test_get_log_pieces_and_refusals(void)
{
    MailboxFixture mf;
    uint32_t size;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    g_autoptr(GArray) whole = read_cel(&mf, &size);
    uint8_t get[24] = { CEL_ID, 4, 0, 0, 0, 8, 0, 0, 0 };      /* entries 1 and 2 */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, get, 24), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 8);
    g_assert_cmphex(read_le16(mf.buffer), ==, g_array_index(whole, uint16_t, 1));
    g_assert_cmphex(read_le16(mf.buffer + 4), ==, g_array_index(whole, uint16_t, 2));

    /* From the last entry, more asked than left: what is left. */
    get[16] = (uint8_t)(size - 4);
    get[17] = (uint8_t)((size - 4) >> 8);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, get, 24), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 4);

    get[16] = (uint8_t)(size + 1);
    get[17] = (uint8_t)((size + 1) >> 8);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, get, 24), ==, TM_CXL_RC_INVALID_INPUT);
    g_assert_nonnull(strstr(mf.err->message, "past the end"));

    uint8_t too_long[24] = { CEL_ID, 0, 0, 0, 0, 0x01, 0x01, 0, 0 };   /* 257 bytes */
    mf.caller.max_payload = 256;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, too_long, 24), ==,
                    TM_CXL_RC_INVALID_INPUT);
    g_assert_nonnull(strstr(mf.err->message, "length 257 exceeds"));

    uint8_t other[24] = { CEL_ID, 0, 0, 0, 0, 4, 0, 0, 0 };
    other[0] ^= 1;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, other, 24), ==, TM_CXL_RC_INVALID_LOG);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, other, 23), ==,
                    TM_CXL_RC_INVALID_PAYLOAD_LENGTH);
    mailbox_fixture_clear(&mf);
}

/* 0003h/0004h: 2 KiB until set, then 2^n within the max payload; lists obey it. */
static void test_response_message_limit(void)
{
    static const uint8_t dc_log = 4;
    static const uint8_t n8 = 8, n7 = 7, n21 = 21, n20 = 20;
    static const uint8_t two_kib[] = { 11 }, bytes_256[] = { 8 }, kib_4[] = { 12 };
    TmExtent offer[20];
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    for (guint i = 0; i < 20; i++) {
        offer[i] = (TmExtent)EXT(i * 4 * MiB, 2 * MiB);
    }
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, offer, 20, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_GET_RESPONSE_MESSAGE_LIMIT, NULL, 0, TM_CXL_RC_SUCCESS,
                   two_kib, 1);
    /* 2 KiB: (2048 - 32) / 128 = 15 records, More set. */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &dc_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 20), ==, 15);
    g_assert_cmpuint(mf.buffer[0] & 0x02, ==, 0x02);

    mailbox_expect(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &n8, 1, TM_CXL_RC_SUCCESS,
                   bytes_256, 1);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &dc_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 20), ==, 1);
    g_assert_cmpuint(mf.response.length, <=, 256);

    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &n7, 1), ==,
                    TM_CXL_RC_INVALID_INPUT);
    g_assert_nonnull(strstr(mf.err->message, "2^7 is outside 2^8..2^20"));
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &n21, 1), ==,
                    TM_CXL_RC_INVALID_INPUT);
    /* Refused: the limit is still 256. */
    mailbox_expect(&mf, TM_CXL_OP_GET_RESPONSE_MESSAGE_LIMIT, NULL, 0, TM_CXL_RC_SUCCESS,
                   bytes_256, 1);
    /* Above the connection's max payload: held to it. */
    mf.caller.max_payload = 4096;
    mailbox_expect(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &n20, 1, TM_CXL_RC_SUCCESS,
                   kib_4, 1);
    mailbox_fixture_clear(&mf);
}

/* 0102h/0103h: none until asked; MSI/MSI-X for the DC log is what brings notifications. */
static void test_event_interrupt_policy(void)
{
    static const uint8_t none[5] = { 0 };
    static const uint8_t dc_on[5] = { 0, 0, 0, 0, 0x01 };
    static const uint8_t four[4] = { 0x01, 0, 0, 0 };
    static const uint8_t after_four[5] = { 0x01, 0, 0, 0, 0x01 };
    static const uint8_t fw[5] = { 0, 0, 0, 0, 0x02 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_INTERRUPT_POLICY, NULL, 0, TM_CXL_RC_SUCCESS,
                   none, 5);
    g_assert_false(tm_mailbox_caller_notifies_log(&mf.caller, TM_EVENT_LOG_DYNAMIC_CAPACITY));
    mailbox_expect(&mf, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, dc_on, 5, TM_CXL_RC_SUCCESS,
                   NULL, 0);
    g_assert_true(tm_mailbox_caller_notifies_log(&mf.caller, TM_EVENT_LOG_DYNAMIC_CAPACITY));
    /* Four bytes leave the DC setting alone. */
    mailbox_expect(&mf, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, four, 4, TM_CXL_RC_SUCCESS,
                   NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_INTERRUPT_POLICY, NULL, 0, TM_CXL_RC_SUCCESS,
                   after_four, 5);
    /* FW interrupts: refused, nothing changes. */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, fw, 5), ==,
                    TM_CXL_RC_INVALID_INPUT);
    g_assert_nonnull(strstr(mf.err->message, "mode 2 is not 0"));
    g_assert_true(tm_mailbox_caller_notifies_log(&mf.caller, TM_EVENT_LOG_DYNAMIC_CAPACITY));
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, dc_on, 3), ==,
                    TM_CXL_RC_INVALID_PAYLOAD_LENGTH);
    g_assert_nonnull(strstr(mf.err->message, "takes a 4- to 5-byte payload"));
    /* The FM port has no event logs. */
    mf.caller.port = TM_MAILBOX_PORT_FM;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, dc_on, 5), ==,
                    TM_CXL_RC_UNSUPPORTED);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/logs/background-operation-status", test_background_operation_status);
    g_test_add_func("/cci/logs/timestamp", test_timestamp);
    g_test_add_func("/cci/logs/response-message-limit", test_response_message_limit);
    g_test_add_func("/cci/logs/event-interrupt-policy", test_event_interrupt_policy);
    g_test_add_func("/cci/logs/cel-matches-dispatch", test_cel_matches_dispatch);
    g_test_add_func("/cci/logs/cel-effects", test_cel_effects);
    g_test_add_func("/cci/logs/get-log-pieces-and-refusals", test_get_log_pieces_and_refusals);
    return g_test_run();
}

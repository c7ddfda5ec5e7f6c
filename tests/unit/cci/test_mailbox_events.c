/*
 * Get Event Records (0100h) and Clear Event Records (0101h) through the
 * dispatcher: literal records, the More Event Records and Overflow bits,
 * clearing by handle and Clear All.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2"

/* Two tagged extents offered to host 0 in region 1: handles 1 and 2. */
static void offer_two_tagged(MailboxFixture *mf)
{
    TmExtent offer[] = { EXT(0x20000000, 2 * MiB), EXT(0x20400000, 2 * MiB) };
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(add_prescriptive(&mf->fx, 0, 1, TEST_TAG, offer, 2, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
}

/* Records carry the time they were logged: copy it into @expected at @offset. */
static void patch_timestamp(MailboxFixture *mf, guint index, uint8_t *expected, size_t offset)
{
    TmEventLog *log = tm_dcd_host_event_log(mf->fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
    uint64_t timestamp = htole64(tm_event_log_peek(log, index)->timestamp_ns);

    g_assert_cmpuint(timestamp, !=, 0);
    memcpy(expected + offset, &timestamp, sizeof(timestamp));
}

#define DC_RECORD(handle, more, dpa_byte2, seq)                                    \
    /* common header: DC record UUID, length 128, informational */                \
    0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,                                \
    0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,                                \
    0x80, 0x00, 0x00, 0x00,                                                        \
    (handle), 0x00, 0x00, 0x00,              /* handle, related handle */          \
    0, 0, 0, 0, 0, 0, 0, 0,                  /* timestamp (patched) */             \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                                \
    /* DC record: Add Capacity, tags valid, host 0, region 1, More */              \
    0x00, 0x01, 0x00, 0x00, 0x01, (more), 0x00, 0x00,                              \
    0x00, 0x00, (dpa_byte2), 0x20, 0x00, 0x00, 0x00, 0x00,  /* DPA */              \
    0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,         /* 2 MiB */            \
    TEST_TAG_BYTES,                                                                \
    (seq), 0x00, 0, 0, 0, 0, 0, 0,           /* shared sequence, reserved */       \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,        \
    0xfe, 0x01, 0x00, 0x00,                  /* 510 extents available */           \
    0xff, 0x01, 0x00, 0x00                   /* 511 tags available */

static void test_get_two_records(void)
{
    uint8_t expected[] = {
        0x00, 0x00,                              /* no overflow, no more records */
        0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x02, 0x00,                              /* two records */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        DC_RECORD(0x01, 0x01, 0x00, 0x00),       /* More: the request goes on */
        DC_RECORD(0x02, 0x00, 0x40, 0x01),       /* the last of the request */
    };
    _Static_assert(sizeof(expected) == 32 + 2 * 128, "header and two records");
    static const uint8_t dc_log[] = { 0x04 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    offer_two_tagged(&mf);
    patch_timestamp(&mf, 0, expected, 32 + 24);
    patch_timestamp(&mf, 1, expected, 32 + 128 + 24);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, sizeof(dc_log),
                   TM_CXL_RC_SUCCESS, expected, sizeof(expected));
    /* Reading does not consume: the same answer again. */
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, sizeof(dc_log),
                   TM_CXL_RC_SUCCESS, expected, sizeof(expected));
    mailbox_fixture_clear(&mf);
}

/* A 256-byte mailbox holds one record: More Event Records until the last. */
static void test_more_records_small_mailbox(void)
{
    uint8_t first[] = {
        0x02, 0x00,                              /* more records */
        0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        DC_RECORD(0x01, 0x01, 0x00, 0x00),
    };
    uint8_t second[] = {
        0x00, 0x00,                              /* none left */
        0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        DC_RECORD(0x02, 0x00, 0x40, 0x01),
    };
    static const uint8_t dc_log[] = { 0x04 };
    static const uint8_t clear_first[] = { 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00 };
    static const uint8_t empty[32] = { 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mf.caller.max_payload = 256;
    offer_two_tagged(&mf);
    patch_timestamp(&mf, 0, first, 32 + 24);
    patch_timestamp(&mf, 1, second, 32 + 24);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, 1, TM_CXL_RC_SUCCESS, first,
                   sizeof(first));
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_first, sizeof(clear_first),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, 1, TM_CXL_RC_SUCCESS, second,
                   sizeof(second));
    static const uint8_t clear_second[] = { 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00 };
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_second, sizeof(clear_second),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, 1, TM_CXL_RC_SUCCESS, empty,
                   sizeof(empty));
    mailbox_fixture_clear(&mf);
}

static void test_standard_logs_empty(void)
{
    static const uint8_t empty[32] = { 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    offer_two_tagged(&mf);
    for (uint8_t log = 0; log < 4; log++) {
        mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &log, 1, TM_CXL_RC_SUCCESS, empty,
                       sizeof(empty));
    }
    /* Host 1 was offered nothing. */
    static const uint8_t dc_log[] = { 0x04 };
    mf.caller.host_id = 1;
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, dc_log, 1, TM_CXL_RC_SUCCESS, empty,
                   sizeof(empty));
    mailbox_fixture_clear(&mf);
}

/*
 * Overflow fields, and Clear All, which the spec allows only on a log that
 * has overflowed.  The informational log is filled directly (nothing in
 * tagmem writes to it yet) with known timestamps.
 */
static void test_overflow_and_clear_all(void)
{
    static const uint8_t expected_header[] = {
        0x03, 0x00,                                      /* overflow, more records */
        0x02, 0x00,                                      /* two records lost */
        0x20, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* first lost at 0x1020 */
        0x21, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* last lost at 0x1021 */
        0x01, 0x00,                                      /* one record fits 256 bytes */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t info_log[] = { 0x00 };
    static const uint8_t clear_all[] = { 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };
    static const uint8_t empty[32] = { 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mf.caller.max_payload = 256;
    TmEventLog *log = tm_dcd_host_event_log(mf.fx.dev, 0, TM_EVENT_LOG_INFO);
    /* Clear All before any overflow: Invalid Input, nothing cleared. */
    TmDcEvent event = { .type = TM_DC_EVENT_ADD_CAPACITY };
    g_assert_true(tm_event_log_append(log, &event, 0x1000));
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_all, sizeof(clear_all),
                   TM_CXL_RC_INVALID_INPUT, NULL, 0);
    assert_error_contains(mf.err, "has not overflowed");
    g_assert_cmpuint(tm_event_log_count(log), ==, 1);

    for (uint64_t t = 0x1001; t < 0x1022; t++) {
        tm_event_log_append(log, &event, t);
    }
    g_assert_cmpuint(tm_event_log_count(log), ==, TM_DCD_STD_LOG_DEPTH);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, info_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 32 + 128);
    g_assert_cmpmem(mf.buffer, 32, expected_header, sizeof(expected_header));
    g_assert_cmpuint(read_le16(mf.buffer + 32 + 20), ==, 1);   /* the oldest: handle 1 */

    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_all, sizeof(clear_all),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(tm_event_log_count(log), ==, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_EVENT_RECORDS, info_log, 1, TM_CXL_RC_SUCCESS, empty,
                   sizeof(empty));
    mailbox_fixture_clear(&mf);
}

typedef struct {
    const char *name;
    uint8_t payload[16];
    size_t length;
    TmCxlReturnCode rc;
    guint left;           /* records left in the DC log afterwards */
} ClearRow;

/* Each row starts from the two records of offer_two_tagged() (handles 1, 2). */
static void test_clear_by_handle(void)
{
    static const ClearRow rows[] = {
        { "nothing", { 0x04, 0x00, 0x00, 0, 0, 0 }, 6, TM_CXL_RC_SUCCESS, 2 },
        { "oldest", { 0x04, 0x00, 0x01, 0, 0, 0, 0x01, 0x00 }, 8, TM_CXL_RC_SUCCESS, 1 },
        { "both", { 0x04, 0x00, 0x02, 0, 0, 0, 0x01, 0x00, 0x02, 0x00 }, 10,
          TM_CXL_RC_SUCCESS, 0 },
        { "newer leaves older", { 0x04, 0x00, 0x01, 0, 0, 0, 0x02, 0x00 }, 8,
          TM_CXL_RC_INVALID_HANDLE, 2 },
        { "unknown handle", { 0x04, 0x00, 0x01, 0, 0, 0, 0x09, 0x00 }, 8,
          TM_CXL_RC_INVALID_HANDLE, 2 },
        { "handle 0", { 0x04, 0x00, 0x01, 0, 0, 0, 0x00, 0x00 }, 8,
          TM_CXL_RC_INVALID_HANDLE, 2 },
        { "big-endian handle", { 0x04, 0x00, 0x01, 0, 0, 0, 0x00, 0x01 }, 8,
          TM_CXL_RC_INVALID_HANDLE, 2 },
        { "out of order", { 0x04, 0x00, 0x02, 0, 0, 0, 0x02, 0x00, 0x01, 0x00 }, 10,
          TM_CXL_RC_INVALID_INPUT, 2 },
        { "repeated", { 0x04, 0x00, 0x02, 0, 0, 0, 0x01, 0x00, 0x01, 0x00 }, 10,
          TM_CXL_RC_INVALID_INPUT, 2 },
        { "wrong log", { 0x01, 0x00, 0x01, 0, 0, 0, 0x01, 0x00 }, 8,
          TM_CXL_RC_INVALID_HANDLE, 2 },
        { "clear all with a handle", { 0x04, 0x01, 0x01, 0, 0, 0, 0x01, 0x00 }, 8,
          TM_CXL_RC_INVALID_INPUT, 2 },
        { "clear all, no overflow", { 0x04, 0x01, 0x00, 0, 0, 0 }, 6,
          TM_CXL_RC_INVALID_INPUT, 2 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        MailboxFixture mf;

        g_test_message("row: %s", rows[i].name);
        mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
        offer_two_tagged(&mf);
        mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, rows[i].payload, rows[i].length,
                       rows[i].rc, NULL, 0);
        TmEventLog *log = tm_dcd_host_event_log(mf.fx.dev, 0, TM_EVENT_LOG_DYNAMIC_CAPACITY);
        g_assert_cmpuint(tm_event_log_count(log), ==, rows[i].left);
        mailbox_fixture_clear(&mf);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/events/two-records", test_get_two_records);
    g_test_add_func("/cci/mailbox/events/more-records-small-mailbox",
                    test_more_records_small_mailbox);
    g_test_add_func("/cci/mailbox/events/standard-logs-empty", test_standard_logs_empty);
    g_test_add_func("/cci/mailbox/events/overflow-and-clear-all", test_overflow_and_clear_all);
    g_test_add_func("/cci/mailbox/events/clear-by-handle", test_clear_by_handle);
    return g_test_run();
}

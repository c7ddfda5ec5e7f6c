/*
 * The device's RAS records and health through a host port: General Media,
 * DRAM and Memory Module records as Get Event Records (0100h) returns
 * them (hand-built byte vectors), in every host's log; Get Health Info
 * (4200h), Get/Set Alert Configuration (4201h/4202h); warning thresholds
 * producing exactly one record per crossing.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "device/dcd_ras.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2"

static const uint8_t info_log = 0, warning_log = 1;

/* The one record of @log of @host, copied to @record (timestamp bytes zeroed). */
static void read_only_record(MailboxFixture *mf, uint16_t host, uint8_t log, uint8_t *record)
{
    mf->caller.host_id = host;
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_EVENT_RECORDS, &log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf->response.length, ==, 32 + 128);
    g_assert_cmphex(mf->buffer[0], ==, 0x00);           /* no overflow, no More */
    g_assert_cmpuint(read_le16(mf->buffer + 20), ==, 1);
    memcpy(record, mf->buffer + 32, 128);
    g_assert_cmpuint(read_le64(record + 24), >, 0);
    memset(record + 24, 0, 8);
    mf->caller.host_id = 0;
}

static guint record_count(MailboxFixture *mf, uint8_t log)
{
    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_EVENT_RECORDS, &log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    return read_le16(mf->buffer + 20);
}

static void test_general_media_record(void)
{
    static const uint8_t expected[128] = {
        0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,   /* record UUID */
        0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
        0x80, 0x01, 0x00, 0x00,                           /* length, flags: warning */
        0x01, 0x00, 0x00, 0x00,                           /* handle 1, related 0 */
        0, 0, 0, 0, 0, 0, 0, 0,                           /* timestamp (zeroed) */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x41, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,   /* physical address 200041h */
        0x01, 0x02, 0x03,                                 /* descriptor, type, transaction */
        0x0f, 0x00,                                       /* validity */
        0x04, 0x05,                                       /* channel, rank */
        0x33, 0x22, 0x11,                                 /* device */
        'c', 'o', 'm', 'p', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    TmGeneralMediaEvent event = {
        .common = { .flags = 1, .dpa = 0x200041, .descriptor = 1, .type = 2,
                    .transaction_type = 3, .validity = 0x0f },
        .channel = 4, .rank = 5, .device = 0x112233,
        .component_id = "comp",
    };
    uint8_t record[128];
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    tm_dcd_append_general_media(mf.fx.dev, TM_EVENT_LOG_WARNING, &event);
    /* Every host has its own copy, with its own handle. */
    for (uint16_t host = 0; host < 2; host++) {
        read_only_record(&mf, host, warning_log, record);
        g_assert_cmpmem(record, sizeof(record), expected, sizeof(expected));
    }
    g_assert_cmpuint(record_count(&mf, info_log), ==, 0);
    mailbox_fixture_clear(&mf);
}

static void test_dram_record(void)
{
    static const uint8_t expected[128] = {
        0x60, 0x1d, 0xcb, 0xb3, 0x9c, 0x06, 0x4e, 0xab,
        0xb8, 0xaf, 0x4e, 0x9b, 0xfb, 0x5c, 0x96, 0x24,
        0x80, 0x02, 0x00, 0x00,                           /* flags: failure */
        0x01, 0x00, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* physical address 1000h */
        0x01, 0x00, 0x02,
        0xff, 0x00,                                       /* validity */
        0x06, 0x07,                                       /* channel, rank */
        0x03, 0x02, 0x01,                                 /* nibble mask */
        0x08, 0x09,                                       /* bank group, bank */
        0x0c, 0x0b, 0x0a,                                 /* row */
        0x02, 0x01,                                       /* column */
        1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0,   /* correction mask */
        3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
    };
    TmDramEvent event = {
        .common = { .flags = 2, .dpa = 0x1000, .descriptor = 1, .type = 0,
                    .transaction_type = 2, .validity = 0xff },
        .channel = 6, .rank = 7, .nibble_mask = 0x010203, .bank_group = 8, .bank = 9,
        .row = 0x0a0b0c, .column = 0x0102,
        .correction_mask = { 1, 2, 3, UINT64_C(0x8000000000000000) },
    };
    uint8_t record[128];
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    tm_dcd_append_dram(mf.fx.dev, TM_EVENT_LOG_FAILURE, &event);
    read_only_record(&mf, 1, TM_EVENT_LOG_FAILURE, record);
    g_assert_cmpmem(record, sizeof(record), expected, sizeof(expected));
    /* Uncorrectable (descriptor bit 0): no corrected error counted. */
    g_assert_cmpuint(tm_dcd_health(mf.fx.dev).corrected_persistent_errors, ==, 0);
    mailbox_fixture_clear(&mf);
}

static const uint8_t module_health[] = {
    0x02, 0x01, 0x00, 0x00, 0x28,               /* type, health, media, additional, life 40 */
    0xfb, 0xff,                                        /* temperature -5 */
    0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,    /* dirty shutdowns, corrected volatile */
    0x03, 0x00, 0x00, 0x00,                            /* corrected persistent */
};

static TmMemoryModuleEvent module_event(uint8_t life_used)
{
    return (TmMemoryModuleEvent){
        .flags = 0, .type = TM_MODULE_EVENT_LIFE_USED_CHANGE,
        .health = { .health_status = 1, .life_used = life_used, .temperature = -5,
                    .dirty_shutdown_count = 1, .corrected_volatile_errors = 2,
                    .corrected_persistent_errors = 3 },
    };
}

/* The record carries the health, and the health becomes the device's (4200h). */
static void test_memory_module_record_and_health(void)
{
    static const uint8_t uuid[16] = {
        0xfe, 0x92, 0x74, 0x75, 0xdd, 0x59, 0x43, 0x39,
        0xa5, 0x86, 0x79, 0xba, 0xb1, 0x13, 0xb7, 0x74,
    };
    static const uint8_t new_device[18] = { 0, 0, 0, 0, 25, 0 };
    TmMemoryModuleEvent event = module_event(40);
    uint8_t record[128];
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_GET_HEALTH_INFO, NULL, 0, TM_CXL_RC_SUCCESS, new_device,
                   sizeof(new_device));
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    read_only_record(&mf, 0, info_log, record);
    g_assert_cmpmem(record, 16, uuid, 16);
    g_assert_cmphex(record[16], ==, 0x80);
    g_assert_cmpmem(record + 48, sizeof(module_health), module_health, sizeof(module_health));
    for (size_t i = 48 + sizeof(module_health); i < 128; i++) {
        g_assert_cmphex(record[i], ==, 0);
    }
    mailbox_expect(&mf, TM_CXL_OP_GET_HEALTH_INFO, NULL, 0, TM_CXL_RC_SUCCESS,
                   module_health + 1, 18);
    mailbox_fixture_clear(&mf);
}

static void test_alert_configuration(void)
{
    static const uint8_t defaults[16] = {
        0x00, 0x1f, 100, 0, 85, 0, 0xf6, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t set[12] = {
        0x1f, 0x1b, 50, 0, 70, 0, 0xfb, 0xff, 10, 0, 0x00, 0x01,
    };
    static const uint8_t after[16] = {
        0x1b, 0x1f, 100, 50, 85, 0, 0xf6, 0xff, 70, 0, 0, 0, 10, 0, 0x00, 0x01,
    };
    static const uint8_t disable_life[12] = { 0x01, 0x00, 99 };
    static const uint8_t after_disable[16] = {
        0x1a, 0x1f, 100, 50, 85, 0, 0xf6, 0xff, 70, 0, 0, 0, 10, 0, 0x00, 0x01,
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_GET_ALERT_CONFIG, NULL, 0, TM_CXL_RC_SUCCESS, defaults,
                   sizeof(defaults));
    /* Under-temperature is named valid but not enabled: it stays off, its threshold unused. */
    mailbox_expect(&mf, TM_CXL_OP_SET_ALERT_CONFIG, set, sizeof(set), TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_ALERT_CONFIG, NULL, 0, TM_CXL_RC_SUCCESS, after,
                   sizeof(after));
    mailbox_expect(&mf, TM_CXL_OP_SET_ALERT_CONFIG, disable_life, sizeof(disable_life),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_ALERT_CONFIG, NULL, 0, TM_CXL_RC_SUCCESS, after_disable,
                   sizeof(after_disable));
    mailbox_fixture_clear(&mf);
}

/* One row per bad Set Alert Configuration input: refused, nothing changes. */
static void test_alert_configuration_bad_input(void)
{
    static const struct {
        uint8_t input[12];
        size_t length;
        TmCxlReturnCode rc;
        const char *message;
    } cases[] = {
        { { 0x20, 0x20 }, 12, TM_CXL_RC_INVALID_INPUT, "Valid Alert Actions 20h" },
        { { 0x01, 0x01, 101 }, 12, TM_CXL_RC_INVALID_INPUT, "Life Used warning threshold 101%" },
        { { 0x02, 0x02, 0, 0, 85, 0 }, 12, TM_CXL_RC_INVALID_INPUT,
          "Over-Temperature warning threshold 85 C" },
        { { 0x04, 0x04, 0, 0, 0, 0, 0xf6, 0xff }, 12, TM_CXL_RC_INVALID_INPUT,
          "Under-Temperature warning threshold -10 C" },
        { { 0x1f, 0x1f, 101, 0, 50, 0, 0, 0, 1, 0, 1, 0 }, 12, TM_CXL_RC_INVALID_INPUT,
          "Life Used" },
        { { 0x01, 0x01, 50 }, 11, TM_CXL_RC_INVALID_PAYLOAD_LENGTH, NULL },
    };
    static const uint8_t defaults[16] = {
        0x00, 0x1f, 100, 0, 85, 0, 0xf6, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_ALERT_CONFIG, cases[i].input,
                                     cases[i].length), ==, cases[i].rc);
        if (cases[i].message) {
            g_assert_nonnull(strstr(mf.err->message, cases[i].message));
        }
        mailbox_expect(&mf, TM_CXL_OP_GET_ALERT_CONFIG, NULL, 0, TM_CXL_RC_SUCCESS, defaults,
                       sizeof(defaults));
    }
    mailbox_fixture_clear(&mf);
}

/* The type of the one Memory Module record of the warning log, then cleared. */
static uint8_t take_warning(MailboxFixture *mf)
{
    uint8_t clear[8] = { warning_log, 0, 1, 0, 0, 0 };

    g_assert_cmpuint(record_count(mf, warning_log), ==, 1);
    uint8_t type = mf->buffer[32 + 48];
    g_assert_cmphex(mf->buffer[32 + 17], ==, 0x01);   /* severity: warning */
    memcpy(clear + 6, mf->buffer + 32 + 20, 2);
    mailbox_expect(mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear, sizeof(clear), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    return type;
}

/* CXL r3.1 §8.2.9.9.3.3: one warning record per crossing, none while past it. */
static void test_threshold_crossing(void)
{
    static const uint8_t life_50[12] = { 0x01, 0x01, 50 };
    static const uint8_t volatile_2[12] = { 0x08, 0x08, 0, 0, 0, 0, 0, 0, 2, 0 };
    MailboxFixture mf;
    TmMemoryModuleEvent event;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_SET_ALERT_CONFIG, life_50, sizeof(life_50), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    event = module_event(40);
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    g_assert_cmpuint(record_count(&mf, warning_log), ==, 0);
    event = module_event(50);
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    g_assert_cmphex(take_warning(&mf), ==, TM_MODULE_EVENT_LIFE_USED_CHANGE);
    event = module_event(70);
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    g_assert_cmpuint(record_count(&mf, warning_log), ==, 0);
    /* Below again, then past: a new crossing. */
    event = module_event(10);
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    event = module_event(60);
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    g_assert_cmphex(take_warning(&mf), ==, TM_MODULE_EVENT_LIFE_USED_CHANGE);
    g_assert_cmpuint(record_count(&mf, info_log), ==, 5);

    /* Corrected volatile ECC errors counted from General Media records (count is 2 now). */
    mailbox_expect(&mf, TM_CXL_OP_SET_ALERT_CONFIG, volatile_2, sizeof(volatile_2),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    event = module_event(60);
    event.health.corrected_volatile_errors = 0;
    tm_dcd_append_memory_module(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    TmGeneralMediaEvent corrected = { .common = { .dpa = 0x1000 | 0x1 } };
    tm_dcd_append_general_media(mf.fx.dev, TM_EVENT_LOG_INFO, &corrected);
    g_assert_cmpuint(record_count(&mf, warning_log), ==, 0);
    tm_dcd_append_general_media(mf.fx.dev, TM_EVENT_LOG_INFO, &corrected);
    g_assert_cmphex(take_warning(&mf), ==, TM_MODULE_EVENT_HEALTH_STATUS_CHANGE);
    g_assert_cmpuint(tm_dcd_health(mf.fx.dev).corrected_volatile_errors, ==, 2);
    g_assert_cmpuint(tm_dcd_health(mf.fx.dev).corrected_persistent_errors, ==, 3);
    mailbox_fixture_clear(&mf);
}

/* A full informational log counts what it lost; the host clears, and the flag goes. */
static void test_info_log_overflow(void)
{
    TmGeneralMediaEvent event = { .common = { .dpa = 0x40, .descriptor = 1 } };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    for (guint i = 0; i < TM_DCD_STD_LOG_DEPTH + 3; i++) {
        tm_dcd_append_general_media(mf.fx.dev, TM_EVENT_LOG_INFO, &event);
    }
    /* The default response limit holds fewer than the 32 records: More too. */
    g_assert_cmpuint(record_count(&mf, info_log), <, TM_DCD_STD_LOG_DEPTH);
    g_assert_cmphex(mf.buffer[0], ==, 0x03);          /* overflow, More */
    g_assert_cmpuint(read_le16(mf.buffer + 2), ==, 3);
    g_assert_cmpuint(read_le64(mf.buffer + 4), >, 0);
    g_assert_cmpuint(read_le64(mf.buffer + 12), >=, read_le64(mf.buffer + 4));
    /* A response limited to 2 records says More. */
    static const uint8_t limit_512[] = { 9 };
    mailbox_expect(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, limit_512, 1, TM_CXL_RC_SUCCESS,
                   limit_512, 1);
    g_assert_cmpuint(record_count(&mf, info_log), ==, 3);
    g_assert_cmphex(mf.buffer[0], ==, 0x03);
    static const uint8_t clear_all[] = { 0, 0x01, 0, 0, 0, 0 };
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, clear_all, sizeof(clear_all),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(record_count(&mf, info_log), ==, 0);
    g_assert_cmphex(mf.buffer[0], ==, 0x00);
    mailbox_fixture_clear(&mf);
}

/* Bad handles and log ids on the device's logs. */
static void test_bad_log_and_handles(void)
{
    TmGeneralMediaEvent event = { .common = { .dpa = 0x40, .descriptor = 1 } };
    static const uint8_t bad_log = 5;
    static const uint8_t wrong_handle[] = { 3, 0, 1, 0, 0, 0, 0x02, 0x00 };
    static const uint8_t zero_handle[] = { 3, 0, 1, 0, 0, 0, 0x00, 0x00 };
    static const uint8_t good_handle[] = { 3, 0, 1, 0, 0, 0, 0x01, 0x00 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    tm_dcd_append_general_media(mf.fx.dev, TM_EVENT_LOG_FATAL, &event);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &bad_log, 1), ==,
                    TM_CXL_RC_INVALID_INPUT);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, wrong_handle,
                                 sizeof(wrong_handle)), ==, TM_CXL_RC_INVALID_HANDLE);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, zero_handle,
                                 sizeof(zero_handle)), ==, TM_CXL_RC_INVALID_HANDLE);
    g_assert_cmpuint(record_count(&mf, TM_EVENT_LOG_FATAL), ==, 1);
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_EVENT_RECORDS, good_handle, sizeof(good_handle),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    g_assert_cmpuint(record_count(&mf, TM_EVENT_LOG_FATAL), ==, 0);
    /* Host 1's copy is its own: still there. */
    mf.caller.host_id = 1;
    g_assert_cmpuint(record_count(&mf, TM_EVENT_LOG_FATAL), ==, 1);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/ras/general_media_record", test_general_media_record);
    g_test_add_func("/cci/ras/dram_record", test_dram_record);
    g_test_add_func("/cci/ras/memory_module_record_and_health",
                    test_memory_module_record_and_health);
    g_test_add_func("/cci/ras/alert_configuration", test_alert_configuration);
    g_test_add_func("/cci/ras/alert_configuration_bad_input", test_alert_configuration_bad_input);
    g_test_add_func("/cci/ras/threshold_crossing", test_threshold_crossing);
    g_test_add_func("/cci/ras/info_log_overflow", test_info_log_overflow);
    g_test_add_func("/cci/ras/bad_log_and_handles", test_bad_log_and_handles);
    return g_test_run();
}

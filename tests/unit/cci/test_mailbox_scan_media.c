/*
 * Scan Media through the dispatcher (CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6):
 * byte vectors for Get Scan Media Capabilities (4303h), Scan Media (4304h)
 * and Get Scan Media Results (4305h); results paged with More and
 * consumed, a new scan discarding the last one's, Busy beside another
 * background operation, the Scan Media In Progress flag of 4300h while a
 * scan is held, and every bad input.
 *
 * Two 512 MiB regions of 4 KiB blocks backed by "mem0": a 1 GiB DPA space.
 */
#include <endian.h>
#include <glib/gstdio.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "cci/cxl_payloads.h"
#include "cci/cxl_poison_wire.h"
#include "cci/cxl_scan_media_wire.h"
#include "cci/mailbox_internal.h"
#include "dcd_test_util.h"
#include "device/background_op.h"
#include "device/dcd_poison.h"
#include "mailbox_test_util.h"

#define PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2,dc-block-size=4K"

static void fixture(MailboxFixture *mf, const char *extra_props)
{
    g_autofree char *props = g_strconcat(PROPS, extra_props, NULL);

    mailbox_fixture_init(mf, 1 * GiB, props);
}

static void inject(MailboxFixture *mf, uint64_t dpa)
{
    TmCxlInjectPoisonRequest in = { .dpa = htole64(dpa) };

    mailbox_expect(mf, TM_CXL_OP_INJECT_POISON, &in, sizeof(in), TM_CXL_RC_SUCCESS, NULL, 0);
}

static TmCxlReturnCode scan(MailboxFixture *mf, uint64_t dpa, uint64_t lines, uint8_t flags)
{
    TmCxlScanMediaRequest in = { .dpa = htole64(dpa), .length = htole64(lines),
                                 .flags = flags };

    return mailbox_call(mf, TM_CXL_OP_SCAN_MEDIA, &in, sizeof(in));
}

static TmCxlReturnCode results(MailboxFixture *mf)
{
    return mailbox_call(mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0);
}

/* Poll 0002h until the operation no longer runs (each read settles it). */
static void wait_done(MailboxFixture *mf)
{
    for (;;) {
        g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0), ==,
                        TM_CXL_RC_SUCCESS);
        if ((mf->buffer[0] & 1) == 0) {
            return;
        }
        g_usleep(1000);
    }
}

static void scan_and_wait(MailboxFixture *mf, uint64_t dpa, uint64_t lines)
{
    g_assert_cmpint(scan(mf, dpa, lines, 0), ==, TM_CXL_RC_BACKGROUND_COMMAND_STARTED);
    wait_done(mf);
}

/* 1 ms for nothing poisoned; 500 ns a poisoned range above that, rounded up. */
static void test_capabilities(void)
{
    static const uint8_t request[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* DPA 0 */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,   /* 16M lines: all 1 GiB */
    };
    static const uint8_t one_ms[] = { 0x01, 0x00, 0x00, 0x00 };
    static const uint8_t two_ms[] = { 0x02, 0x00, 0x00, 0x00 };
    MailboxFixture mf;

    fixture(&mf, "");
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_CAPS, request, sizeof(request),
                   TM_CXL_RC_SUCCESS, one_ms, sizeof(one_ms));
    for (uint64_t i = 0; i < 300; i++) {
        inject(&mf, i * 0x100);
    }
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_CAPS, request, sizeof(request),
                   TM_CXL_RC_SUCCESS, two_ms, sizeof(two_ms));
    /* Only the ranges in the asked range count. */
    TmCxlGetScanMediaCapsRequest past = { .dpa = htole64(300 * 0x100), .length = htole64(16) };
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_CAPS, &past, sizeof(past), TM_CXL_RC_SUCCESS,
                   one_ms, sizeof(one_ms));
    mailbox_fixture_clear(&mf);
}

/*
 * Lines 40h and 80h (one record), 1000h, and an internal (QMP) range in
 * region 1: a scan of the first 256 KiB finds the first two records only.
 */
static void test_scan_and_results(void)
{
    static const uint8_t request[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* DPA 0 */
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 4096 lines: 256 KiB */
        0x01,                                             /* No Event Log */
    };
    static const uint8_t done[8] = {
        0xc8, 0x00,                                       /* not running, 100% */
        0x04, 0x43,                                       /* 4304h */
        0x00, 0x00, 0x00, 0x00,                           /* Success */
    };
    static const uint8_t expected[] = {
        0, 0, 0, 0, 0, 0, 0, 0,                           /* restart DPA */
        0, 0, 0, 0, 0, 0, 0, 0,                           /* restart length */
        0x00, 0x00,                                       /* flags, reserved */
        0x02, 0x00,                                       /* 2 records */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x43, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 40h, injected (3) */
        0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0,               /* 2 lines */
        0x03, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 1000h, injected */
        0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    };
    static const uint8_t empty[32] = { 0 };
    MailboxFixture mf;
    g_autoptr(GError) err = NULL;

    fixture(&mf, "");
    /* Nothing scanned since the start: Unsupported (as QEMU). */
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_UNSUPPORTED, NULL,
                   0);
    assert_error_contains(mf.err, "Device 'dcd0' has not scanned its media since it started");
    inject(&mf, 0x40);
    inject(&mf, 0x80);
    inject(&mf, 0x1000);
    g_assert_cmpint(tm_dcd_inject_poison(mf.fx.dev, 512 * MiB, 0x100, &err), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_SCAN_MEDIA, request, sizeof(request),
                   TM_CXL_RC_BACKGROUND_COMMAND_STARTED, NULL, 0);
    wait_done(&mf);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   done, sizeof(done));
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_BACKGROUND_DONE), ==, 1);
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));
    /* Read once: consumed. */
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_SUCCESS, empty,
                   sizeof(empty));
    /* The scan changed nothing: the poison is all still there. */
    g_assert_cmpuint(tm_dcd_poison_count(mf.fx.dev), ==, 3);

    /* The whole space finds the internal range too, with its source (2). */
    scan_and_wait(&mf, 0, 16 * 1024 * 1024);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 3);
    g_assert_cmphex(read_le64(mf.buffer + 32 + 32), ==, 512 * MiB | TM_POISON_SOURCE_INTERNAL);
    g_assert_cmpuint(read_le32(mf.buffer + 32 + 32 + 8), ==, 4);
    mailbox_fixture_clear(&mf);
}

/* The list reports 4 records and overflows; a scan finds all 6 ranges. */
/* The Informational Event Log's record count of host 0 (its records stay). */
static guint info_records(MailboxFixture *mf)
{
    uint8_t info_log = 0;

    g_assert_cmpint(mailbox_call(mf, TM_CXL_OP_GET_EVENT_RECORDS, &info_log, 1), ==,
                    TM_CXL_RC_SUCCESS);
    return read_le16(mf->buffer + 20);
}

/*
 * CXL r3.1 §8.2.9.9.4.5: unless No Event Log is set, each error found is a
 * General Media record (transaction type 03h Host Scan Media) in the
 * informational log, added when the scan ends.
 */
static void test_event_records(void)
{
    MailboxFixture mf;

    fixture(&mf, "");
    /* Each injection logs its poison creation record (transaction type 04h). */
    inject(&mf, 0x40);
    inject(&mf, 0x1000);
    g_assert_cmpuint(info_records(&mf), ==, 2);
    g_assert_cmpint(scan(&mf, 0, 4096, 0x01), ==, TM_CXL_RC_BACKGROUND_COMMAND_STARTED);
    wait_done(&mf);
    g_assert_cmpuint(info_records(&mf), ==, 2);

    scan_and_wait(&mf, 0, 4096);
    g_assert_cmpuint(info_records(&mf), ==, 4);
    for (guint i = 0; i < 2; i++) {
        const uint8_t *record = mf.buffer + 32 + (2 + i) * 128;
        g_assert_cmphex(read_le64(record + 48), ==, (i == 0 ? 0x40u : 0x1000u) | 0x01);
        g_assert_cmphex(record[56], ==, 0x01);       /* uncorrectable */
        g_assert_cmphex(record[58], ==, 0x03);       /* Host Scan Media */
    }
    mailbox_fixture_clear(&mf);
}

static void test_finds_past_overflow(void)
{
    MailboxFixture mf;

    fixture(&mf, ",poison-list-max-records=4");
    for (uint64_t i = 0; i < 6; i++) {
        g_assert_cmpint(tm_dcd_inject_poison(mf.fx.dev, i * 0x100, 0x40, NULL), ==, TM_DC_OK);
    }
    TmCxlGetPoisonListRequest list = { .dpa = 0, .length = htole64(0x1000) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_POISON_LIST, &list, sizeof(list)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[0], ==, TM_CXL_POISON_FLAG_OVERFLOW);
    g_assert_cmpuint(read_le16(mf.buffer + 10), ==, 4);
    scan_and_wait(&mf, 0, 0x1000);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 6);
    for (guint i = 0; i < 6; i++) {
        g_assert_cmphex(read_le64(mf.buffer + 32 + 16 * i), ==,
                        i * 0x100 | TM_POISON_SOURCE_INTERNAL);
        g_assert_cmpuint(read_le32(mf.buffer + 32 + 16 * i + 8), ==, 1);
    }
    mailbox_fixture_clear(&mf);
}

/* 30 separate lines through a 256-byte response limit: 14 records a page. */
static void test_paging_with_more(void)
{
    static const uint8_t limit_256 = 8;
    MailboxFixture mf;
    uint64_t next = 0;

    fixture(&mf, "");
    for (uint64_t i = 0; i < 30; i++) {
        inject(&mf, i * 0x100);
    }
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &limit_256, 1), ==,
                    TM_CXL_RC_SUCCESS);
    scan_and_wait(&mf, 0, 0x10000);
    for (guint page = 0; page < 3; page++) {
        g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
        guint count = read_le16(mf.buffer + 18);
        g_assert_cmpuint(count, ==, page < 2 ? 14 : 2);
        g_assert_cmpuint(mf.response.length, ==, 32 + 16 * count);
        g_assert_cmpuint(mf.buffer[16], ==, page < 2 ? TM_CXL_SCAN_RESULTS_MORE : 0);
        for (guint i = 0; i < count; i++) {
            g_assert_cmphex(read_le64(mf.buffer + 32 + 16 * i), ==,
                            next | TM_POISON_SOURCE_INJECTED);
            next += 0x100;
        }
    }
    g_assert_cmphex(next, ==, 30 * 0x100);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 0);
    g_assert_cmpuint(mf.buffer[16], ==, 0);
    mailbox_fixture_clear(&mf);
}

/* A new scan discards what the last one found and nobody read yet. */
static void test_new_scan_discards(void)
{
    static const uint8_t limit_256 = 8;
    MailboxFixture mf;

    fixture(&mf, "");
    for (uint64_t i = 0; i < 20; i++) {
        inject(&mf, i * 0x100);
    }
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &limit_256, 1), ==,
                    TM_CXL_RC_SUCCESS);
    scan_and_wait(&mf, 0, 0x10000);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[16], ==, TM_CXL_SCAN_RESULTS_MORE);
    /* Six left unread; the new scan of line 1000h alone finds one. */
    scan_and_wait(&mf, 0x1000, 1);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[16], ==, 0);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 1);
    g_assert_cmphex(read_le64(mf.buffer + 32), ==, 0x1000 | TM_POISON_SOURCE_INJECTED);
    /* A scan that finds nothing leaves no results, not the old ones. */
    scan_and_wait(&mf, 0x2000, 1);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 0);
    mailbox_fixture_clear(&mf);
}

/* Every refusal leaves 0002h idle and starts nothing. */
static void test_bad_input(void)
{
    static const uint8_t idle[8] = { 0 };
    static const struct {
        uint64_t dpa;
        uint64_t lines;
        TmCxlReturnCode code;
        const char *fragment;
    } rows[] = {
        { 0x20, 1, TM_CXL_RC_INVALID_INPUT, "DPA 0x20 is not 64-byte aligned" },
        { 0x40, 0, TM_CXL_RC_INVALID_INPUT, "length 0 at DPA 0x40" },
        { 1 * GiB, 1, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "beyond the device's DPA space" },
        { 1 * GiB - 64, 2, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "0x3fffffc0 + 2 lines" },
        { 0, UINT64_MAX, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "beyond the device's DPA space" },
        { UINT64_MAX - 63, 1, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "beyond the device's" },
    };
    MailboxFixture mf;

    fixture(&mf, "");
    for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_assert_cmpint(scan(&mf, rows[i].dpa, rows[i].lines, 0), ==, rows[i].code);
        assert_error_contains(mf.err, "Scan Media: ");
        assert_error_contains(mf.err, rows[i].fragment);
        TmCxlGetScanMediaCapsRequest caps = { .dpa = htole64(rows[i].dpa),
                                              .length = htole64(rows[i].lines) };
        mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_CAPS, &caps, sizeof(caps), rows[i].code,
                       NULL, 0);
        assert_error_contains(mf.err, "Get Scan Media Capabilities: ");
    }
    /* 16 bytes (no flags) and 18 are the wrong length; 4305h takes nothing. */
    uint8_t bytes[18] = { 0 };
    bytes[8] = 1;
    mailbox_expect(&mf, TM_CXL_OP_SCAN_MEDIA, bytes, 16, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                   NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_SCAN_MEDIA, bytes, 18, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                   NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, bytes, 1,
                   TM_CXL_RC_INVALID_PAYLOAD_LENGTH, NULL, 0);
    /* Host ports only. */
    mf.caller.port = TM_MAILBOX_PORT_FM;
    mailbox_expect(&mf, TM_CXL_OP_SCAN_MEDIA, bytes, 17, TM_CXL_RC_UNSUPPORTED, NULL, 0);
    mf.caller.port = TM_MAILBOX_PORT_HOST;
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS, idle,
                   sizeof(idle));
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_UNSUPPORTED, NULL,
                   0);
    mailbox_fixture_clear(&mf);
}

static char *hold_file(char **dir)
{
    *dir = g_dir_make_tmp("tm-scan-XXXXXX", NULL);
    char *hold = g_build_filename(*dir, "hold", NULL);
    g_setenv(TM_BACKGROUND_HOLD_ENV, hold, TRUE);
    g_assert_true(g_file_set_contents(hold, "", 0, NULL));
    return hold;
}

static void release_hold(char *dir, char *hold)
{
    g_assert_cmpint(g_unlink(hold), ==, 0);
    g_unsetenv(TM_BACKGROUND_HOLD_ENV);
    g_rmdir(dir);
    g_free(hold);
    g_free(dir);
}

/* A sanitize held running: Scan Media is Busy and nothing is scanned. */
static void test_busy_during_sanitize(void)
{
    char *dir;
    char *hold = hold_file(&dir);
    MailboxFixture mf;

    fixture(&mf, "");
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BACKGROUND_COMMAND_STARTED, NULL,
                   0);
    g_assert_cmpint(scan(&mf, 0, 1, 0), ==, TM_CXL_RC_BUSY);
    assert_error_contains(mf.err, "Device 'dcd0' is running background operation 4400h");
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_UNSUPPORTED, NULL,
                   0);
    release_hold(dir, hold);
    wait_done(&mf);
    scan_and_wait(&mf, 0, 1);
    mailbox_fixture_clear(&mf);
}

/*
 * A scan held after its first range (50%): 4300h sets Scan Media In
 * Progress, 4305h and another 4304h are Busy; once done the flag goes and
 * the results are there.
 */
static void test_in_progress(void)
{
    char *dir;
    char *hold = hold_file(&dir);
    MailboxFixture mf;
    const uint8_t running[8] = { (50 << 1) | 1, 0x00, 0x04, 0x43, 0x00, 0x00, 0x00, 0x00 };
    TmCxlGetPoisonListRequest list = { .dpa = 0, .length = htole64(0x1000) };

    fixture(&mf, "");
    inject(&mf, 0x40);
    inject(&mf, 0x1000);
    g_assert_cmpint(scan(&mf, 0, 0x1000, 0), ==, TM_CXL_RC_BACKGROUND_COMMAND_STARTED);
    do {
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0), ==,
                        TM_CXL_RC_SUCCESS);
    } while (mf.buffer[0] == 1);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   running, sizeof(running));
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_POISON_LIST, &list, sizeof(list)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[0], ==, TM_CXL_POISON_FLAG_SCAN_IN_PROGRESS);
    mailbox_expect(&mf, TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, NULL, 0, TM_CXL_RC_BUSY, NULL, 0);
    assert_error_contains(mf.err, "Device 'dcd0' is scanning its media (50% done)");
    g_assert_cmpint(scan(&mf, 0, 1, 0), ==, TM_CXL_RC_BUSY);
    assert_error_contains(mf.err, "is running background operation 4304h (50% done)");
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BUSY, NULL, 0);

    release_hold(dir, hold);
    wait_done(&mf);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_POISON_LIST, &list, sizeof(list)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[0], ==, 0);
    g_assert_cmpint(results(&mf), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le16(mf.buffer + 18), ==, 2);
    mailbox_fixture_clear(&mf);
}

/* QEMU's CEL effects; none of the three is journalled. */
static void test_command_effects(void)
{
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_GET_SCAN_MEDIA_CAPS)->effects, ==, 0);
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_SCAN_MEDIA)->effects, ==,
                    TM_CXL_EFFECT_BACKGROUND_OPERATION);
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_GET_SCAN_MEDIA_RESULTS)->effects, ==, 0);
    g_assert_false(tm_mailbox_changes_data_in_background(TM_CXL_OP_SCAN_MEDIA));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/scan_media/capabilities", test_capabilities);
    g_test_add_func("/cci/scan_media/scan_and_results", test_scan_and_results);
    g_test_add_func("/cci/scan_media/event_records", test_event_records);
    g_test_add_func("/cci/scan_media/finds_past_overflow", test_finds_past_overflow);
    g_test_add_func("/cci/scan_media/paging_with_more", test_paging_with_more);
    g_test_add_func("/cci/scan_media/new_scan_discards", test_new_scan_discards);
    g_test_add_func("/cci/scan_media/bad_input", test_bad_input);
    g_test_add_func("/cci/scan_media/busy_during_sanitize", test_busy_during_sanitize);
    g_test_add_func("/cci/scan_media/in_progress", test_in_progress);
    g_test_add_func("/cci/scan_media/command_effects", test_command_effects);
    return g_test_run();
}

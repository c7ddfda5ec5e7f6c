/*
 * Media and Poison Management through the dispatcher (CXL r3.1
 * §8.2.9.9.4): byte vectors for Get Poison List (4300h), Inject Poison
 * (4301h) and Clear Poison (4302h), paging with More, overflow, the data
 * path's media error, and every bad input.
 *
 * Two 512 MiB regions of 4 KiB blocks backed by "mem0"; host 0 holds
 * [0, 2M), host 1 holds [8M, 10M).
 */
#include <endian.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "cci/cxl_payloads.h"
#include "cci/cxl_poison_wire.h"
#include "cci/mailbox_internal.h"
#include "cci/vendor_commands.h"
#include "dcd_test_util.h"
#include "device/dcd_poison.h"
#include "mailbox_test_util.h"

#define PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2,dc-block-size=4K"

static void fixture(MailboxFixture *mf, const char *extra_props)
{
    TmExtent host0[] = { EXT(0, 2 * MiB) };
    TmExtent host1[] = { EXT(8 * MiB, 2 * MiB) };
    g_autofree char *props = g_strconcat(PROPS, extra_props, NULL);

    mailbox_fixture_init(mf, 1 * GiB, props);
    add_and_accept(&mf->fx, 0, 0, NULL, host0, G_N_ELEMENTS(host0));
    add_and_accept(&mf->fx, 1, 0, NULL, host1, G_N_ELEMENTS(host1));
    forget_notices(&mf->fx);
}

static void inject(MailboxFixture *mf, uint64_t dpa)
{
    TmCxlInjectPoisonRequest in = { .dpa = htole64(dpa) };

    mailbox_expect(mf, TM_CXL_OP_INJECT_POISON, &in, sizeof(in), TM_CXL_RC_SUCCESS, NULL, 0);
}

static TmCxlReturnCode get_list(MailboxFixture *mf, uint64_t dpa, uint64_t lines)
{
    TmCxlGetPoisonListRequest in = { .dpa = htole64(dpa), .length = htole64(lines) };

    return mailbox_call(mf, TM_CXL_OP_GET_POISON_LIST, &in, sizeof(in));
}

static void test_empty_list(void)
{
    static const uint8_t request[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* DPA 0 */
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 4M lines: all 256 MiB */
    };
    static const uint8_t expected[32] = { 0 };
    MailboxFixture mf;

    fixture(&mf, "");
    mailbox_expect(&mf, TM_CXL_OP_GET_POISON_LIST, request, sizeof(request), TM_CXL_RC_SUCCESS,
                   expected, sizeof(expected));
    mailbox_fixture_clear(&mf);
}

static void test_inject_and_list(void)
{
    static const uint8_t inject_40[] = { 0x40, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t request[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 8192 lines: 512 KiB */
    };
    static const uint8_t expected[] = {
        0x00, 0x00,                                       /* flags, reserved */
        0, 0, 0, 0, 0, 0, 0, 0,                           /* no overflow timestamp */
        0x03, 0x00,                                       /* 3 records */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x43, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 40h, injected (3) */
        0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0,               /* 2 lines: 40h and 80h merged */
        0x03, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 1000h, injected */
        0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0,
        0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 10000h, internal (QMP) */
        0x04, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    };
    MailboxFixture mf;
    g_autoptr(GError) err = NULL;

    fixture(&mf, "");
    mailbox_expect(&mf, TM_CXL_OP_INJECT_POISON, inject_40, sizeof(inject_40),
                   TM_CXL_RC_SUCCESS, NULL, 0);
    inject(&mf, 0x80);
    inject(&mf, 0x1000);
    /* Again: already poisoned, Success, nothing changes. */
    inject(&mf, 0x1000);
    g_assert_cmpint(tm_dcd_inject_poison(mf.fx.dev, 0x10000, 0x100, &err), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_GET_POISON_LIST, request, sizeof(request), TM_CXL_RC_SUCCESS,
                   expected, sizeof(expected));
    /* Host 0 holds all of it, host 1 none: one notice per change, for host 0. */
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_POISON_CHANGED), ==, 4);
    /* A query clips records to its range. */
    g_assert_cmpint(get_list(&mf, 0x80, 1), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 48);
    g_assert_cmphex(read_le64(mf.buffer + 32), ==, 0x83);
    g_assert_cmpuint(read_le32(mf.buffer + 40), ==, 1);
    mailbox_fixture_clear(&mf);
}

/* 300 separate lines through the default 2 KiB response limit: 126 records a page. */
/*
 * CXL r3.1 §8.2.9.9.4.2: an injection adds a poison creation event to the
 * Informational Event Log -- a General Media record (uncorrectable Media
 * ECC Error, volatile DPA, Host Inject Poison) on every host; a line
 * already poisoned adds none.
 */
static void test_inject_logs_general_media(void)
{
    static const uint8_t expected[] = {
        0xfb, 0xcd, 0x0a, 0x77, 0xc2, 0x60, 0x41, 0x7f,   /* General Media record UUID */
        0x85, 0xa9, 0x08, 0x8b, 0x16, 0x21, 0xeb, 0xa6,
        0x80, 0x00, 0x00, 0x00,                           /* length, flags: informational */
    };
    static const uint8_t media[] = {
        0x41, 0x10, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 801040h | volatile */
        0x01, 0x00, 0x04,                                 /* uncorrectable, ECC, inject */
    };
    uint8_t info_log = 0;
    MailboxFixture mf;

    fixture(&mf, "");
    inject(&mf, 8 * MiB + 0x1040);
    inject(&mf, 8 * MiB + 0x1040);
    for (uint16_t host = 0; host < 2; host++) {
        mf.caller.host_id = host;
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_EVENT_RECORDS, &info_log, 1), ==,
                        TM_CXL_RC_SUCCESS);
        g_assert_cmpuint(read_le16(mf.buffer + 20), ==, 1);
        g_assert_cmpmem(mf.buffer + 32, sizeof(expected), expected, sizeof(expected));
        g_assert_cmpmem(mf.buffer + 32 + 48, sizeof(media), media, sizeof(media));
    }
    mailbox_fixture_clear(&mf);
}

static void test_paging_with_more(void)
{
    MailboxFixture mf;
    uint64_t next = 0;

    fixture(&mf, "");
    for (uint64_t i = 0; i < 300; i++) {
        inject(&mf, i * 0x100);
    }
    for (guint page = 0; page < 3; page++) {
        g_assert_cmpint(get_list(&mf, 0, 0x10000), ==, TM_CXL_RC_SUCCESS);
        guint count = read_le16(mf.buffer + 10);
        g_assert_cmpuint(count, ==, page < 2 ? 126 : 300 - 252);
        g_assert_cmpuint(mf.buffer[0], ==, page < 2 ? TM_CXL_POISON_FLAG_MORE : 0);
        for (guint i = 0; i < count; i++) {
            g_assert_cmphex(read_le64(mf.buffer + 32 + 16 * i), ==,
                            next | TM_POISON_SOURCE_INJECTED);
            next += 0x100;
        }
    }
    g_assert_cmphex(next, ==, 300 * 0x100);
    /* A request for another range starts afresh, and so does the first one again. */
    g_assert_cmpint(get_list(&mf, 0x100, 0x1000), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmphex(read_le64(mf.buffer + 32), ==, 0x103);
    g_assert_cmpint(get_list(&mf, 0, 0x10000), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmphex(read_le64(mf.buffer + 32), ==, 0x3);
    g_assert_cmpuint(mf.buffer[0], ==, TM_CXL_POISON_FLAG_MORE);
    mailbox_fixture_clear(&mf);
}

static void test_overflow_and_inject_limit(void)
{
    static const uint8_t at_limit[] = { 0x00, 0x05, 0, 0, 0, 0, 0, 0 };
    MailboxFixture mf;
    g_autoptr(GError) err = NULL;
    uint64_t before;

    fixture(&mf, ",poison-list-max-records=4");
    for (uint64_t i = 0; i < 4; i++) {
        inject(&mf, i * 0x100);
    }
    mailbox_expect(&mf, TM_CXL_OP_INJECT_POISON, at_limit, sizeof(at_limit),
                   TM_CXL_RC_INJECT_POISON_LIMIT_REACHED, NULL, 0);
    assert_error_contains(mf.err, "inject poison limit");
    /* QMP's injection goes past the list: it overflows and the poison is kept. */
    before = tm_dcd_timestamp_ns(mf.fx.dev);
    g_assert_cmpint(tm_dcd_inject_poison(mf.fx.dev, 0x10000, 0x40, &err), ==, TM_DC_OK);
    g_assert_cmpint(get_list(&mf, 0, 0x10000), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.buffer[0], ==, TM_CXL_POISON_FLAG_OVERFLOW);
    g_assert_cmpuint(read_le64(mf.buffer + 2), >=, before);
    g_assert_cmpuint(read_le64(mf.buffer + 2), <=, tm_dcd_timestamp_ns(mf.fx.dev));
    g_assert_cmpuint(read_le16(mf.buffer + 10), ==, 4);
    TmVendorDpaAccessRequest read = { .dpa = htole64(0x10000), .length = htole32(64) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), ==,
                    TM_CXL_RC_MEDIA_DISABLED);
    mailbox_fixture_clear(&mf);
}

static void test_clear_writes_and_unpoisons(void)
{
    TmCxlClearPoisonRequest clear = { .dpa = htole64(0x40) };
    TmVendorDpaAccessRequest read = { .dpa = htole64(0), .length = htole32(0x1000) };
    MailboxFixture mf;

    fixture(&mf, "");
    for (guint i = 0; i < sizeof(clear.write_data); i++) {
        clear.write_data[i] = (uint8_t)(0xA0 + i);
    }
    inject(&mf, 0x40);
    inject(&mf, 0x80);
    /* A read that reaches a poisoned line fails whole, naming it. */
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), ==,
                    TM_CXL_RC_MEDIA_DISABLED);
    assert_error_contains(mf.err, "DPA 0x40 is poisoned");
    g_assert_cmpuint(mf.response.length, ==, 0);
    forget_notices(&mf.fx);
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_POISON, &clear, sizeof(clear), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_POISON_CHANGED), ==, 1);
    forget_notices(&mf.fx);
    read = (TmVendorDpaAccessRequest) { .dpa = htole64(0x40), .length = htole32(64) };
    mailbox_expect(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read), TM_CXL_RC_SUCCESS,
                   clear.write_data, sizeof(clear.write_data));
    read.length = htole32(128);
    assert_error_contains((mailbox_call(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), mf.err),
                          "DPA 0x80 is poisoned");
    /* A line that is not poisoned: written all the same, Success, nobody told. */
    clear.dpa = htole64(0x2000);
    mailbox_expect(&mf, TM_CXL_OP_CLEAR_POISON, &clear, sizeof(clear), TM_CXL_RC_SUCCESS,
                   NULL, 0);
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_POISON_CHANGED), ==, 0);
    read.dpa = htole64(0x2000);
    read.length = htole32(64);
    mailbox_expect(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read), TM_CXL_RC_SUCCESS,
                   clear.write_data, sizeof(clear.write_data));
    g_assert_cmpuint(tm_dcd_poison_count(mf.fx.dev), ==, 1);
    mailbox_fixture_clear(&mf);
}

/* Poison follows the DPA, not the host: host 1's notices, host 1's reads. */
static void test_poison_is_per_dpa(void)
{
    MailboxFixture mf;
    TmVendorDpaAccessRequest read = { .dpa = htole64(8 * MiB), .length = htole32(4096) };

    fixture(&mf, "");
    inject(&mf, 8 * MiB + 0x400);
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_POISON_CHANGED), ==, 1);
    mf.caller.host_id = 1;
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), ==,
                    TM_CXL_RC_MEDIA_DISABLED);
    /* Host 0 cannot clear (nor write) host 1's line. */
    mf.caller.host_id = 0;
    TmCxlClearPoisonRequest clear = { .dpa = htole64(8 * MiB + 0x400) };
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_CLEAR_POISON, &clear, sizeof(clear)), ==,
                    TM_CXL_RC_INVALID_PHYSICAL_ADDRESS);
    g_assert_cmpuint(tm_dcd_poison_count(mf.fx.dev), ==, 1);
    mailbox_fixture_clear(&mf);
}

static void test_sanitize_on_release_clears(void)
{
    TmExtent released[] = { EXT(8 * MiB, 2 * MiB) };
    MailboxFixture mf;
    g_autoptr(GError) err = NULL;

    /* Region 0 sanitizes what is released: its lines are zeroed, their poison gone. */
    fixture(&mf, ",dc-region-sanitize-on-release=1");
    inject(&mf, 0x40);
    inject(&mf, 8 * MiB + 0x40);
    g_assert_cmpint(tm_dcd_host_release(mf.fx.dev, 1, released, 1, &err), ==, TM_DC_OK);
    g_assert_false(tm_dcd_poison_find(mf.fx.dev, 8 * MiB, 2 * MiB, NULL));
    g_assert_true(tm_dcd_poison_find(mf.fx.dev, 0, 2 * MiB, NULL));
    mailbox_fixture_clear(&mf);

    /* Without sanitize the media keeps its error. */
    fixture(&mf, "");
    inject(&mf, 8 * MiB + 0x40);
    g_assert_cmpint(tm_dcd_host_release(mf.fx.dev, 1, released, 1, &err), ==, TM_DC_OK);
    g_assert_true(tm_dcd_poison_find(mf.fx.dev, 8 * MiB, 2 * MiB, NULL));
    mailbox_fixture_clear(&mf);
}

typedef struct {
    const char *name;
    uint16_t opcode;
    uint64_t dpa;
    uint64_t lines;          /* 4300h only */
    size_t payload_len;      /* 0: the command's own size */
    TmCxlReturnCode rc;
    const char *fragment;
} BadInputRow;

static void test_bad_input(void)
{
    static const BadInputRow rows[] = {
        { "list: unaligned", TM_CXL_OP_GET_POISON_LIST, 0x20, 1, 0, TM_CXL_RC_INVALID_INPUT,
          "DPA 0x20 is not 64-byte aligned" },
        { "list: length 0", TM_CXL_OP_GET_POISON_LIST, 0, 0, 0, TM_CXL_RC_INVALID_INPUT,
          "length 0" },
        { "list: past the end", TM_CXL_OP_GET_POISON_LIST, 1 * GiB - 64, 2, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "beyond the device's DPA space" },
        { "list: huge length", TM_CXL_OP_GET_POISON_LIST, 0, UINT64_MAX, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "beyond" },
        { "list: short payload", TM_CXL_OP_GET_POISON_LIST, 0, 1, 8,
          TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "16-byte payload" },
        { "inject: unaligned", TM_CXL_OP_INJECT_POISON, 0x48, 0, 0, TM_CXL_RC_INVALID_INPUT,
          "not 64-byte aligned" },
        { "inject: past the end", TM_CXL_OP_INJECT_POISON, 1 * GiB, 0, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "not inside one DC region" },
        { "inject: wraps", TM_CXL_OP_INJECT_POISON, UINT64_MAX - 63, 0, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "not inside one DC region" },
        { "inject: long payload", TM_CXL_OP_INJECT_POISON, 0, 0, 16,
          TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "8-byte payload" },
        { "clear: unaligned", TM_CXL_OP_CLEAR_POISON, 0x41, 0, 0, TM_CXL_RC_INVALID_INPUT,
          "not 64-byte aligned" },
        { "clear: past the end", TM_CXL_OP_CLEAR_POISON, 2 * GiB, 0, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "not inside one DC region" },
        { "clear: not accepted", TM_CXL_OP_CLEAR_POISON, 4 * MiB, 0, 0,
          TM_CXL_RC_INVALID_PHYSICAL_ADDRESS, "not in capacity host 0 has accepted" },
        { "clear: without data", TM_CXL_OP_CLEAR_POISON, 0, 0, 8,
          TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "72-byte payload" },
    };
    MailboxFixture mf;

    fixture(&mf, "");
    inject(&mf, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        const BadInputRow *row = &rows[i];
        uint8_t payload[sizeof(TmCxlClearPoisonRequest)] = { 0 };
        uint64_t dpa = htole64(row->dpa);
        uint64_t lines = htole64(row->lines);
        size_t size = row->opcode == TM_CXL_OP_GET_POISON_LIST ? 16
                      : row->opcode == TM_CXL_OP_INJECT_POISON ? 8 : 72;

        memcpy(payload, &dpa, 8);
        memcpy(payload + 8, &lines, 8);
        g_test_message("%s", row->name);
        TmCxlReturnCode rc = mailbox_call(&mf, row->opcode, payload,
                                          row->payload_len ? row->payload_len : size);
        g_assert_cmphex(rc, ==, row->rc);
        g_assert_cmpuint(mf.response.length, ==, 0);
        assert_error_contains(mf.err, row->fragment);
        /* Nothing changed. */
        g_assert_cmpuint(tm_dcd_poison_count(mf.fx.dev), ==, 1);
        g_assert_true(tm_dcd_poison_find(mf.fx.dev, 0, 64, NULL));
    }
    mailbox_fixture_clear(&mf);
}

/* The CEL effects that make the journal record 4301h and 4302h, and not 4300h. */
static void test_command_effects(void)
{
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_GET_POISON_LIST)->effects, ==, 0);
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_INJECT_POISON)->effects, ==,
                    TM_CXL_EFFECT_IMMEDIATE_DATA_CHANGE | TM_CXL_EFFECT_IMMEDIATE_LOG_CHANGE);
    g_assert_cmphex(tm_mailbox_find_command(TM_CXL_OP_CLEAR_POISON)->effects, ==,
                    TM_CXL_EFFECT_IMMEDIATE_DATA_CHANGE | TM_CXL_EFFECT_IMMEDIATE_LOG_CHANGE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/poison/empty_list", test_empty_list);
    g_test_add_func("/cci/poison/inject_and_list", test_inject_and_list);
    g_test_add_func("/cci/poison/inject_logs_general_media", test_inject_logs_general_media);
    g_test_add_func("/cci/poison/paging_with_more", test_paging_with_more);
    g_test_add_func("/cci/poison/overflow_and_inject_limit", test_overflow_and_inject_limit);
    g_test_add_func("/cci/poison/clear_writes_and_unpoisons", test_clear_writes_and_unpoisons);
    g_test_add_func("/cci/poison/per_dpa", test_poison_is_per_dpa);
    g_test_add_func("/cci/poison/sanitize_on_release_clears", test_sanitize_on_release_clears);
    g_test_add_func("/cci/poison/bad_input", test_bad_input);
    g_test_add_func("/cci/poison/command_effects", test_command_effects);
    return g_test_run();
}

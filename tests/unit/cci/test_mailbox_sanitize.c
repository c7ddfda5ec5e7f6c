/*
 * Background Operation Status (0002h), Sanitize (4400h) and Secure Erase
 * (4401h) through the dispatcher: literal request and response bytes for
 * idle, running and done, the refusals, and the device's memory zeroed.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "device/background_op.h"
#include "mailbox_test_util.h"

#define DCD_PROPS "num-dc-regions=1,volatile-dc-memdev=mem0,num-hosts=2"

static const uint8_t idle_status[8] = { 0 };

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

static void test_idle_then_done(void)
{
    static const uint8_t sanitize_done[8] = {
        0xc8,        /* not running, 100% (100 << 1) */
        0x00,
        0x00, 0x44,  /* 4400h */
        0x00, 0x00,  /* Success */
        0x00, 0x00,  /* vendor status */
    };
    static const uint8_t secure_erase_done[8] = { 0xc8, 0x00, 0x01, 0x44, 0, 0, 0, 0 };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 256 * MiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   idle_status, sizeof(idle_status));
    /* Neither takes a payload. */
    uint8_t extra = 0;
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, &extra, 1, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                   NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BACKGROUND_COMMAND_STARTED, NULL,
                   0);
    wait_done(&mf);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   sanitize_done, sizeof(sanitize_done));
    g_assert_cmpuint(count_notices(&mf.fx, TM_DCD_NOTICE_BACKGROUND_DONE), ==, 1);

    /* The other host and the FM port read the same status. */
    mf.caller.host_id = 1;
    mailbox_expect(&mf, TM_CXL_OP_SECURE_ERASE, NULL, 0, TM_CXL_RC_BACKGROUND_COMMAND_STARTED,
                   NULL, 0);
    wait_done(&mf);
    mf.caller.port = TM_MAILBOX_PORT_FM;
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   secure_erase_done, sizeof(secure_erase_done));
    /* Host ports only. */
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_UNSUPPORTED, NULL, 0);
    mailbox_fixture_clear(&mf);
}

/* Held capacity: Busy, and nothing started (0002h stays idle). */
static void test_refused_while_held(void)
{
    static const TmExtent extent = { .dpa = 0, .length = 2 * MiB };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 256 * MiB, DCD_PROPS);
    add_and_accept(&mf.fx, 1, 0, NULL, &extent, 1);
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BUSY, NULL, 0);
    assert_error_contains(mf.err, "has dynamic capacity pending, accepted or kept");
    mailbox_expect(&mf, TM_CXL_OP_SECURE_ERASE, NULL, 0, TM_CXL_RC_BUSY, NULL, 0);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   idle_status, sizeof(idle_status));
    mailbox_fixture_clear(&mf);
}

/*
 * Running (held by the test hook after its first step): status bytes with
 * bit 0 set and the percentage, a second background command Busy, adds
 * Media Disabled.
 */
static void test_running(void)
{
    g_autofree char *dir = g_dir_make_tmp("tm-sanitize-XXXXXX", NULL);
    g_autofree char *hold = g_build_filename(dir, "hold", NULL);
    static const TmExtent extent = { .dpa = 0, .length = 2 * MiB };
    MailboxFixture mf;

    g_setenv(TM_BACKGROUND_HOLD_ENV, hold, TRUE);
    g_assert_true(g_file_set_contents(hold, "", 0, NULL));
    mailbox_fixture_init(&mf, 256 * MiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BACKGROUND_COMMAND_STARTED, NULL,
                   0);
    /* 16 MiB of mem0's 256 and tagged0's 4: 6%. */
    const uint8_t running[8] = { (6 << 1) | 1, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00 };
    do {
        g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0), ==,
                        TM_CXL_RC_SUCCESS);
    } while (mf.buffer[0] == 1);
    mailbox_expect(&mf, TM_CXL_OP_BACKGROUND_OPERATION_STATUS, NULL, 0, TM_CXL_RC_SUCCESS,
                   running, sizeof(running));
    mailbox_expect(&mf, TM_CXL_OP_SECURE_ERASE, NULL, 0, TM_CXL_RC_BUSY, NULL, 0);
    assert_error_contains(mf.err, "is running background operation 4400h (6% done)");
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, &extent, 1, &err), ==,
                    TM_DC_MEDIA_DISABLED);
    assert_error_contains(err, "Device 'dcd0' is sanitizing its media");

    g_assert_cmpint(g_unlink(hold), ==, 0);
    wait_done(&mf);
    g_assert_cmpint(add_prescriptive(&mf.fx, 0, 0, NULL, &extent, 1, NULL), ==, TM_DC_OK);
    mailbox_fixture_clear(&mf);
    g_unsetenv(TM_BACKGROUND_HOLD_ENV);
    g_rmdir(dir);
}

/* Bytes a host wrote and released (no sanitize on release) read as zero afterwards. */
static void test_zeroes_memory(void)
{
    static const TmExtent extent = { .dpa = 2 * MiB, .length = 2 * MiB };
    uint8_t pattern[4096], back[4096];
    MailboxFixture mf;

    memset(pattern, 0xa5, sizeof(pattern));
    mailbox_fixture_init(&mf, 256 * MiB, DCD_PROPS);
    add_and_accept(&mf.fx, 0, 0, NULL, &extent, 1);
    g_assert_cmpint(tm_dcd_host_write(mf.fx.dev, 0, 3 * MiB, pattern, sizeof(pattern), NULL),
                    ==, TM_DC_OK);
    g_assert_cmpint(tm_dcd_host_release(mf.fx.dev, 0, &extent, 1, NULL), ==, TM_DC_OK);
    /* A release alone keeps them for the next owner. */
    add_and_accept(&mf.fx, 0, 0, NULL, &extent, 1);
    g_assert_cmpint(tm_dcd_host_read(mf.fx.dev, 0, 3 * MiB, back, sizeof(back), NULL), ==,
                    TM_DC_OK);
    g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));
    g_assert_cmpint(tm_dcd_host_release(mf.fx.dev, 0, &extent, 1, NULL), ==, TM_DC_OK);
    mailbox_expect(&mf, TM_CXL_OP_SANITIZE, NULL, 0, TM_CXL_RC_BACKGROUND_COMMAND_STARTED, NULL,
                   0);
    wait_done(&mf);
    add_and_accept(&mf.fx, 0, 0, NULL, &extent, 1);
    g_assert_cmpint(tm_dcd_host_read(mf.fx.dev, 0, 3 * MiB, back, sizeof(back), NULL), ==,
                    TM_DC_OK);
    g_assert_cmpuint(back[0], ==, 0);
    g_assert_true(memcmp(back, back + 1, sizeof(back) - 1) == 0);
    mailbox_fixture_clear(&mf);
}

/*
 * The CEL lists both with QEMU's effects: immediate data change, security
 * state change, background operation (bits 2, 5, 6).
 */
static void test_cel_effects(void)
{
    /* The CEL (0da9c0b5-bf41-4b78-8f79-96b1623b3f17), offset 0, 1 KiB. */
    static const uint8_t get_cel[24] = {
        0x0d, 0xa9, 0xc0, 0xb5, 0xbf, 0x41, 0x4b, 0x78,
        0x8f, 0x79, 0x96, 0xb1, 0x62, 0x3b, 0x3f, 0x17,
        0, 0, 0, 0, 0x00, 0x04, 0, 0,
    };
    MailboxFixture mf;
    guint seen = 0;

    mailbox_fixture_init(&mf, 256 * MiB, DCD_PROPS);
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_GET_LOG, get_cel, sizeof(get_cel)), ==,
                    TM_CXL_RC_SUCCESS);
    for (size_t at = 0; at < mf.response.length; at += 4) {
        uint16_t opcode = read_le16(mf.buffer + at);
        if (opcode == TM_CXL_OP_SANITIZE || opcode == TM_CXL_OP_SECURE_ERASE) {
            g_assert_cmphex(read_le16(mf.buffer + at + 2), ==, 0x64);
            seen++;
        }
    }
    g_assert_cmpuint(seen, ==, 2);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/sanitize/idle-then-done", test_idle_then_done);
    g_test_add_func("/cci/mailbox/sanitize/refused-while-held", test_refused_while_held);
    g_test_add_func("/cci/mailbox/sanitize/running", test_running);
    g_test_add_func("/cci/mailbox/sanitize/zeroes-memory", test_zeroes_memory);
    g_test_add_func("/cci/mailbox/sanitize/cel-effects", test_cel_effects);
    return g_test_run();
}

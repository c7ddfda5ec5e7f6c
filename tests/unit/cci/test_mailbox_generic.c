/*
 * Identify (0001h) and Identify Memory Device (4000h) through the
 * dispatcher: literal responses, and the caller checks.
 */
#include <string.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "mailbox_test_util.h"
#include "tagmem-config.h"

#define DCD_PROPS "num-dc-regions=2,volatile-dc-memdev=mem0,num-hosts=2,sn=0x0123456789abcdef"

static void test_identify(void)
{
    static const uint8_t expected[] = {
        0x86, 0x80, 0x93, 0x0d,                          /* QEMU's cxl-type3 8086h:0D93h */
        0x00, 0x00, 0x00, 0x00,                          /* subsystem vendor, id */
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,  /* serial = sn */
        0x14,                                            /* 2^20: 1 MiB */
        0x03,                                            /* Type 3 */
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    mailbox_expect(&mf, TM_CXL_OP_IDENTIFY, NULL, 0, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));

    /* The FM port may ask too; a small mailbox reports its own size. */
    uint8_t small[sizeof(expected)];
    memcpy(small, expected, sizeof(small));
    small[16] = 0x08;
    mf.caller.port = TM_MAILBOX_PORT_FM;
    mf.caller.max_payload = 256;
    mailbox_expect(&mf, TM_CXL_OP_IDENTIFY, NULL, 0, TM_CXL_RC_SUCCESS, small, sizeof(small));
    mailbox_fixture_clear(&mf);
}

static void test_identify_default_serial(void)
{
    static const uint8_t expected[] = {
        0x86, 0x80, 0x93, 0x0d, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  /* QEMU's "no serial" */
        0x0b,                                            /* 2^11: 2 KiB */
        0x03,
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, "num-dc-regions=1,volatile-dc-memdev=mem0");
    mf.caller.max_payload = 2048;
    mailbox_expect(&mf, TM_CXL_OP_IDENTIFY, NULL, 0, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));
    mailbox_fixture_clear(&mf);
}

/* A deployment's own PCI IDs, from the device's properties. */
static void test_identify_own_ids(void)
{
    static const uint8_t expected[] = {
        0x34, 0x12, 0x78, 0x56,                          /* vendor 1234h, device 5678h */
        0xcd, 0xab, 0x01, 0xef,                          /* subsystem ABCDh:EF01h */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x0b,
        0x03,
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, "num-dc-regions=1,volatile-dc-memdev=mem0,"
                         "vendor-id=0x1234,device-id=0x5678,subsystem-vendor-id=0xabcd,"
                         "subsystem-id=0xef01");
    mf.caller.max_payload = 2048;
    mailbox_expect(&mf, TM_CXL_OP_IDENTIFY, NULL, 0, TM_CXL_RC_SUCCESS, expected,
                   sizeof(expected));
    mailbox_fixture_clear(&mf);
}

static void test_identify_memory_device(void)
{
    uint8_t expected[] = {
        /* firmware revision, filled in below */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,  /* total capacity: DC is not static capacity */
        0, 0, 0, 0, 0, 0, 0, 0,  /* volatile only */
        0, 0, 0, 0, 0, 0, 0, 0,  /* persistent only */
        0, 0, 0, 0, 0, 0, 0, 0,  /* partition alignment */
        0x20, 0x00, 0x20, 0x00,  /* informational, warning log: 32 records */
        0x20, 0x00, 0x20, 0x00,  /* failure, fatal log */
        0, 0, 0, 0,              /* LSA size */
        0x70, 0x11, 0x01,        /* poison list max: poison-list-max-records 70000 */
        0xff, 0xff,              /* inject poison limit: as many, held to 16 bits */
        0,                       /* poison capabilities */
        0,                       /* QoS telemetry capabilities */
        0x2c, 0x01,              /* DC event log: dc-event-log-depth 300 */
    };
    _Static_assert(sizeof(expected) == 69, "Identify Memory Device output is 69 bytes");
    const char *revision = "tagmem " TAGMEM_VERSION;
    MailboxFixture mf;

    g_assert_cmpuint(strlen(revision), <=, 16);
    memcpy(expected, revision, strlen(revision));
    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS ",dc-max-extents=100,dc-event-log-depth=300,"
                         "poison-list-max-records=70000");
    mailbox_expect(&mf, TM_CXL_OP_IDENTIFY_MEMORY_DEVICE, NULL, 0, TM_CXL_RC_SUCCESS,
                   expected, sizeof(expected));
    g_assert_cmpmem(mf.buffer, 7, "tagmem ", 7);
    mailbox_fixture_clear(&mf);
}

static void test_identify_memory_device_without_dc(void)
{
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, "num-dc-regions=0");
    g_assert_cmpint(mailbox_call(&mf, TM_CXL_OP_IDENTIFY_MEMORY_DEVICE, NULL, 0), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(mf.response.length, ==, 69);
    /* dc-max-extents' default of 512 sizes the DC log. */
    g_assert_cmpuint(read_le16(mf.buffer + 67), ==, 512);
    g_assert_cmpuint(read_le64(mf.buffer + 16), ==, 0);
    /* No DC regions, no media to poison: no poison list, no injection. */
    g_assert_cmpuint(read_le32(mf.buffer + 60) & 0xFFFFFF, ==, 0);
    g_assert_cmpuint(read_le16(mf.buffer + 63), ==, 0);
    mailbox_fixture_clear(&mf);
}

typedef struct {
    const char *name;
    TmMailboxCaller caller;
    const char *fragment;   /* NULL: accepted */
} CallerRow;

#define CALLER(port_, host_, max_) { .port = (port_), .host_id = (host_), .max_payload = (max_) }

static void test_caller_check(void)
{
    static const CallerRow rows[] = {
        { "host 1 of 2", CALLER(TM_MAILBOX_PORT_HOST, 1, 1u << 20), NULL },
        { "FM, any host id", CALLER(TM_MAILBOX_PORT_FM, 77, 256), NULL },
        { "host 2 of 2", CALLER(TM_MAILBOX_PORT_HOST, 2, 1u << 20), "host-id 2 is out of range" },
        { "no port kind", CALLER(0, 0, 1u << 20), "port kind 0 is neither host nor FM" },
        { "both kinds", CALLER(TM_MAILBOX_PORT_HOST | TM_MAILBOX_PORT_FM, 0, 1u << 20),
          "port kind 3" },
        { "128 bytes", CALLER(TM_MAILBOX_PORT_HOST, 0, 128), "max payload 128 is not" },
        { "2 MiB", CALLER(TM_MAILBOX_PORT_HOST, 0, 2u << 20), "max payload 2097152" },
        { "not a power of two", CALLER(TM_MAILBOX_PORT_HOST, 0, 1000), "max payload 1000" },
        { "zero", CALLER(TM_MAILBOX_PORT_HOST, 0, 0), "max payload 0" },
    };
    MailboxFixture mf;

    mailbox_fixture_init(&mf, 1 * GiB, DCD_PROPS);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        bool ok = tm_mailbox_caller_check(mf.fx.dev, &rows[i].caller, &err);

        g_test_message("row: %s", rows[i].name);
        if (rows[i].fragment == NULL) {
            g_assert_no_error(err);
            g_assert_true(ok);
        } else {
            g_assert_false(ok);
            assert_error_contains(err, rows[i].fragment);
        }
    }
    /* The 20-bit length field caps the default. */
    TmMailboxCaller caller = CALLER(TM_MAILBOX_PORT_HOST, 0, 1u << 20);
    g_assert_cmpuint(tm_mailbox_payload_limit(&caller), ==, 0xFFFFF);
    caller.max_payload = 4096;
    g_assert_cmpuint(tm_mailbox_payload_limit(&caller), ==, 4096);
    mailbox_fixture_clear(&mf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/mailbox/identify", test_identify);
    g_test_add_func("/cci/mailbox/identify-default-serial", test_identify_default_serial);
    g_test_add_func("/cci/mailbox/identify-own-ids", test_identify_own_ids);
    g_test_add_func("/cci/mailbox/identify-memory-device", test_identify_memory_device);
    g_test_add_func("/cci/mailbox/identify-memory-device-without-dc",
                    test_identify_memory_device_without_dc);
    g_test_add_func("/cci/mailbox/caller-check", test_caller_check);
    return g_test_run();
}

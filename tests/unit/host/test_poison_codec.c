/*
 * The host's decoder of Get Poison List (4300h) output, with hand-built
 * bytes: records (source bits dropped), the More flag, and outputs whose
 * length does not match their count.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "host/host_error.h"
#include "host/poison_codec.h"

static const uint8_t two_records[] = {
    0x03, 0x00,                                       /* More and Overflow */
    0x10, 0, 0, 0, 0, 0, 0, 0,                        /* overflow timestamp */
    0x02, 0x00,                                       /* 2 records */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x43, 0x10, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,   /* 10001040h, injected */
    0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0,               /* 2 lines */
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,   /* 1_0000_0000h, internal */
    0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,               /* 2^32 - 1 lines */
};

static void test_records(void)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmHostPoisonRange));
    g_autoptr(GError) err = NULL;
    bool more = false;

    g_assert_true(tm_host_poison_list_decode(two_records, sizeof(two_records), ranges, &more,
                                             &err));
    g_assert_no_error(err);
    g_assert_true(more);
    g_assert_cmpuint(ranges->len, ==, 2);
    g_assert_cmphex(g_array_index(ranges, TmHostPoisonRange, 0).dpa, ==, 0x10001040);
    g_assert_cmphex(g_array_index(ranges, TmHostPoisonRange, 0).length, ==, 0x80);
    g_assert_cmphex(g_array_index(ranges, TmHostPoisonRange, 1).dpa, ==, UINT64_C(0x100000000));
    g_assert_cmphex(g_array_index(ranges, TmHostPoisonRange, 1).length, ==,
                    UINT64_C(0xffffffff) * 64);
}

static void test_bad_lengths(void)
{
    static const size_t lengths[] = { 0, 31, 32, 47, sizeof(two_records) - 1,
                                      sizeof(two_records) + 16 };

    for (size_t i = 0; i < G_N_ELEMENTS(lengths); i++) {
        g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmHostPoisonRange));
        g_autoptr(GError) err = NULL;
        uint8_t bytes[sizeof(two_records) + 16] = { 0 };
        bool more = false;

        memcpy(bytes, two_records, sizeof(two_records));
        g_assert_false(tm_host_poison_list_decode(bytes, lengths[i], ranges, &more, &err));
        g_assert_error(err, TM_HOST_ERROR, EPROTO);
        g_assert_cmpuint(ranges->len, ==, 0);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/poison_codec/records", test_records);
    g_test_add_func("/host/poison_codec/bad_lengths", test_bad_lengths);
    return g_test_run();
}

/*
 * 4802h/4803h payloads built by the host: split with More for a small
 * maximum payload, then decoded back with the daemon's own codec
 * (src/cci) so that both sides agree on the bytes.
 */
#include <endian.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_dc_extent.h"
#include "host/updated_extent_list.h"
#include "wire_assert.h"

#define MiB (UINT64_C(1) << 20)

/* A 4802h payload decoded by the daemon's structs and codec. */
typedef struct {
    uint32_t count;
    bool more;
    TmExtent extents[128];
} DecodedPart;

static void decode_part(GBytes *bytes, DecodedPart *out)
{
    gsize len = 0;
    const uint8_t *payload = g_bytes_get_data(bytes, &len);
    TmCxlAddDcResponseRequest header;

    g_assert_cmpuint(len, >=, sizeof(header));
    memcpy(&header, payload, sizeof(header));
    out->count = le32toh(header.extent_count);
    out->more = (header.flags & TM_CXL_DC_RESPONSE_FLAG_MORE) != 0;
    g_assert_cmpuint(out->count, <=, G_N_ELEMENTS(out->extents));
    /* The daemon's length rule: the payload holds exactly the count. */
    g_assert_cmpuint(len, ==, sizeof(header) + out->count * sizeof(TmCxlUpdatedExtent));
    tm_cxl_updated_extents_decode(payload + sizeof(header), out->count, out->extents);
}

typedef struct {
    size_t n_extents;
    size_t max_payload;
    size_t expected_parts[4];     /* entries per message */
    size_t n_parts;
} SplitRow;

static const SplitRow split_rows[] = {
    { .n_extents = 0, .max_payload = 256, .expected_parts = { 0 }, .n_parts = 1 },
    { .n_extents = 1, .max_payload = 256, .expected_parts = { 1 }, .n_parts = 1 },
    /* (256 - 8) / 24 = 10 entries per message */
    { .n_extents = 10, .max_payload = 256, .expected_parts = { 10 }, .n_parts = 1 },
    { .n_extents = 11, .max_payload = 256, .expected_parts = { 10, 1 }, .n_parts = 2 },
    { .n_extents = 25, .max_payload = 256, .expected_parts = { 10, 10, 5 }, .n_parts = 3 },
    { .n_extents = 30, .max_payload = 256, .expected_parts = { 10, 10, 10 }, .n_parts = 3 },
    /* 2 KiB, QEMU's PCI mailbox: 85 entries */
    { .n_extents = 100, .max_payload = 2048, .expected_parts = { 85, 15 }, .n_parts = 2 },
    /* 1 MiB: everything in one */
    { .n_extents = 100, .max_payload = 0xFFFFF, .expected_parts = { 100 }, .n_parts = 1 },
};

static void test_split(gconstpointer data)
{
    const SplitRow *row = data;
    g_autofree TagmemExtent *extents = g_new0(TagmemExtent, MAX(row->n_extents, 1));
    size_t next = 0;

    for (size_t i = 0; i < row->n_extents; i++) {
        extents[i].dpa = (i * 7 % 11) * 2 * MiB + i * 64 * MiB; /* not in DPA order */
        extents[i].length = (i % 3 + 1) * 2 * MiB;
        memset(extents[i].tag, 0xAB, 16); /* tags do not travel in 4802h */
    }
    g_autoptr(GPtrArray) parts = tm_host_updated_extent_payloads(extents, row->n_extents,
                                                                 row->max_payload);
    g_assert_cmpuint(parts->len, ==, row->n_parts);
    for (guint p = 0; p < parts->len; p++) {
        DecodedPart decoded;

        g_assert_cmpuint(g_bytes_get_size(parts->pdata[p]), <=, row->max_payload);
        decode_part(parts->pdata[p], &decoded);
        g_assert_cmpuint(decoded.count, ==, row->expected_parts[p]);
        g_assert_cmpint(decoded.more, ==, p + 1 < parts->len);
        for (uint32_t i = 0; i < decoded.count; i++, next++) {
            g_assert_cmphex(decoded.extents[i].dpa, ==, extents[next].dpa);
            g_assert_cmphex(decoded.extents[i].length, ==, extents[next].length);
        }
    }
    g_assert_cmpuint(next, ==, row->n_extents);
}

/* The bytes themselves for two extents split one per message. */
static void test_bytes(void)
{
    static const uint8_t first[] = {
        0x01, 0x00, 0x00, 0x00,  0x01, 0x00, 0x00, 0x00,            /* count 1, More */
        0x00, 0x00, 0x20, 0x10, 0x00, 0x00, 0x00, 0x00,             /* DPA 0x10200000 */
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,             /* length 4 MiB */
        0, 0, 0, 0, 0, 0, 0, 0,                                     /* reserved */
    };
    static const uint8_t second[] = {
        0x01, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0x00,            /* count 1, last */
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,             /* DPA 0x100000000 */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,             /* length 2 MiB */
        0, 0, 0, 0, 0, 0, 0, 0,
    };
    TagmemExtent extents[] = {
        { .dpa = 0x10200000, .length = 4 * MiB },
        { .dpa = UINT64_C(0x100000000), .length = 2 * MiB },
    };
    /* Room for exactly one entry: 8 + 24 bytes. */
    g_autoptr(GPtrArray) parts = tm_host_updated_extent_payloads(extents, 2, 32);

    g_assert_cmpuint(tm_host_updated_extents_per_message(32), ==, 1);
    g_assert_cmpuint(parts->len, ==, 2);
    g_assert_cmpuint(g_bytes_get_size(parts->pdata[0]), ==, sizeof(first));
    g_assert_cmpuint(g_bytes_get_size(parts->pdata[1]), ==, sizeof(second));
    wire_assert_bytes(g_bytes_get_data(parts->pdata[0], NULL), first, sizeof(first));
    wire_assert_bytes(g_bytes_get_data(parts->pdata[1], NULL), second, sizeof(second));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(split_rows); i++) {
        g_autofree char *path = g_strdup_printf("/host/updated-extents/split/%zu-in-%zu",
                                                split_rows[i].n_extents,
                                                split_rows[i].max_payload);

        g_test_add_data_func(path, &split_rows[i], test_split);
    }
    g_test_add_func("/host/updated-extents/bytes", test_bytes);
    return g_test_run();
}

#include <endian.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_dc_extent.h"
#include "wire_assert.h"

static TmGuid guid(const char *text)
{
    TmGuid out;

    g_assert_true(tm_guid_parse(text, "tag", &out, NULL));
    return out;
}

static void test_extent_layouts(void)
{
    g_assert_cmpuint(offsetof(TmCxlDcExtent, start_dpa), ==, 0);
    g_assert_cmpuint(offsetof(TmCxlDcExtent, length), ==, 8);
    g_assert_cmpuint(offsetof(TmCxlDcExtent, tag), ==, 16);
    g_assert_cmpuint(offsetof(TmCxlDcExtent, shared_seq), ==, 32);
    g_assert_cmpuint(offsetof(TmCxlDcExtent, reserved), ==, 34);
    g_assert_cmpuint(offsetof(TmCxlUpdatedExtent, start_dpa), ==, 0);
    g_assert_cmpuint(offsetof(TmCxlUpdatedExtent, length), ==, 8);
    g_assert_cmpuint(offsetof(TmCxlUpdatedExtent, reserved), ==, 16);
}

static const uint8_t dc_extent_bytes[] = {
    0x00, 0x00, 0x20, 0x10, 0x01, 0x00, 0x00, 0x00, /* DPA 0x1_1020_0000 */
    0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* length 4 MiB */
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, /* tag 01234567-89ab-cdef- */
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, /*     f0e1-d2c3b4a59687 */
    0x02, 0x01,                                     /* shared sequence 0x0102 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* reserved */
};

_Static_assert(sizeof(dc_extent_bytes) == 40, "dc_extent_bytes holds 40 bytes");

static void test_dc_extent(void)
{
    TmExtent extent = {
        .dpa = 0x110200000ULL,
        .length = 4 << 20,
        .tag = guid("01234567-89ab-cdef-f0e1-d2c3b4a59687"),
        .shared_seq = 0x0102,
    };
    TmCxlDcExtent wire;
    TmExtent decoded;

    tm_cxl_dc_extent_encode(&extent, &wire);
    wire_assert_bytes(&wire, dc_extent_bytes, sizeof(dc_extent_bytes));

    /* Reserved bytes are ignored on input. */
    memcpy(&wire, dc_extent_bytes, sizeof(wire));
    memset(wire.reserved, 0xEE, sizeof(wire.reserved));
    tm_cxl_dc_extent_decode(&wire, &decoded);
    g_assert_cmphex(decoded.dpa, ==, 0x110200000ULL);
    g_assert_cmphex(decoded.length, ==, 0x400000);
    g_assert_true(tm_guid_equal(&decoded.tag, &extent.tag));
    g_assert_cmphex(decoded.shared_seq, ==, 0x0102);
}

static void test_updated_extent(void)
{
    static const uint8_t expected[] = {
        0x00, 0x00, 0x20, 0x10, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 24, "expected holds 24 bytes");
    TmExtent extent = {
        .dpa = 0x110200000ULL,
        .length = 2 << 20,
        .tag = guid("01234567-89ab-cdef-f0e1-d2c3b4a59687"),
        .shared_seq = 9,
    };
    TmCxlUpdatedExtent wire;
    TmExtent decoded;

    /* Tag and sequence do not travel in this form. */
    tm_cxl_updated_extent_encode(&extent, &wire);
    wire_assert_bytes(&wire, expected, sizeof(expected));

    memcpy(&wire, expected, sizeof(wire));
    tm_cxl_updated_extent_decode(&wire, &decoded);
    g_assert_cmphex(decoded.dpa, ==, 0x110200000ULL);
    g_assert_cmphex(decoded.length, ==, 0x200000);
    g_assert_true(tm_guid_is_null(&decoded.tag));
    g_assert_cmpuint(decoded.shared_seq, ==, 0);
}

/* Add DC Response (4802h) with the More flag (r3.2) and two extents. */
static void test_add_dc_response_with_more(void)
{
    static const uint8_t expected[] = {
        0x02, 0x00, 0x00, 0x00,                         /* extent count 2 */
        0x01, 0x00, 0x00, 0x00,                         /* flags: More; reserved */
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, /* DPA 0x1000_0000 */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, /* 2 MiB */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, /* DPA 0x1040_0000 */
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, /* 4 MiB */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 8 + 2 * 24, "expected holds 8+2*24 bytes");
    const TmExtent extents[2] = {
        { .dpa = 0x10000000, .length = 2 << 20 },
        { .dpa = 0x10400000, .length = 4 << 20 },
    };
    uint8_t payload[sizeof(expected)] = { 0 };
    TmCxlAddDcResponseRequest header = {
        .extent_count = htole32(2),
        .flags = TM_CXL_DC_RESPONSE_FLAG_MORE,
    };

    g_assert_cmpuint(offsetof(TmCxlAddDcResponseRequest, flags), ==, 4);
    memcpy(payload, &header, sizeof(header));
    tm_cxl_updated_extents_encode(extents, 2, payload + sizeof(header));
    wire_assert_bytes(payload, expected, sizeof(expected));

    TmCxlReleaseDcRequest decoded_header;
    TmExtent decoded[2];
    memcpy(&decoded_header, expected, sizeof(decoded_header));
    g_assert_cmpuint(le32toh(decoded_header.extent_count), ==, 2);
    g_assert_true(decoded_header.flags & TM_CXL_DC_RESPONSE_FLAG_MORE);
    tm_cxl_updated_extents_decode(expected + sizeof(decoded_header), 2, decoded);
    for (guint i = 0; i < 2; i++) {
        g_assert_cmphex(decoded[i].dpa, ==, extents[i].dpa);
        g_assert_cmphex(decoded[i].length, ==, extents[i].length);
    }
}

/* Initiate DC Add (5604h), prescriptive, with two tagged extents. */
static void test_initiate_dc_add_with_two_extents(void)
{
    static const uint8_t expected[] = {
        0x02, 0x01,                                     /* host ID 0x0102 */
        0x02,                                           /* selection policy: prescriptive */
        0x01,                                           /* region 1 */
        0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, /* length 6 MiB */
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, /* tag aabbccdd-eeff-0011- */
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, /*     2233-445566778899 */
        0x02, 0x00, 0x00, 0x00,                         /* extent count 2 */
        /* extent 0 */
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        /* extent 1 */
        0x00, 0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 32 + 2 * 40, "expected holds 32+2*40 bytes");
    TmGuid tag = guid("aabbccdd-eeff-0011-2233-445566778899");
    const TmExtent extents[2] = {
        { .dpa = 0x10000000, .length = 2 << 20, .tag = tag, .shared_seq = 0 },
        { .dpa = 0x10400000, .length = 4 << 20, .tag = tag, .shared_seq = 1 },
    };
    TmCxlInitiateDcAddRequest header = {
        .host_id = htole16(0x0102),
        .selection_policy = TM_CXL_DC_ADD_PRESCRIPTIVE,
        .region = 1,
        .length = htole64(6 << 20),
        .extent_count = htole32(2),
    };
    uint8_t payload[sizeof(expected)];

    memcpy(header.tag, tag.bytes, sizeof(header.tag));
    memcpy(payload, &header, sizeof(header));
    tm_cxl_dc_extents_encode(extents, 2, payload + sizeof(header));
    wire_assert_bytes(payload, expected, sizeof(expected));

    TmCxlInitiateDcAddRequest decoded_header;
    TmExtent decoded[2];
    memcpy(&decoded_header, expected, sizeof(decoded_header));
    g_assert_cmphex(le16toh(decoded_header.host_id), ==, 0x0102);
    g_assert_cmpuint(decoded_header.selection_policy, ==, TM_CXL_DC_ADD_PRESCRIPTIVE);
    g_assert_cmpuint(decoded_header.region, ==, 1);
    g_assert_cmphex(le64toh(decoded_header.length), ==, 6 << 20);
    g_assert_cmpmem(decoded_header.tag, 16, tag.bytes, 16);
    g_assert_cmpuint(le32toh(decoded_header.extent_count), ==, 2);
    tm_cxl_dc_extents_decode(expected + sizeof(decoded_header), 2, decoded);
    for (guint i = 0; i < 2; i++) {
        g_assert_cmphex(decoded[i].dpa, ==, extents[i].dpa);
        g_assert_cmphex(decoded[i].length, ==, extents[i].length);
        g_assert_true(tm_guid_equal(&decoded[i].tag, &tag));
        g_assert_cmpuint(decoded[i].shared_seq, ==, i);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/extent/layouts", test_extent_layouts);
    g_test_add_func("/cci/extent/dc_extent", test_dc_extent);
    g_test_add_func("/cci/extent/updated_extent", test_updated_extent);
    g_test_add_func("/cci/extent/add_dc_response_more", test_add_dc_response_with_more);
    g_test_add_func("/cci/extent/initiate_dc_add_two_extents",
                    test_initiate_dc_add_with_two_extents);
    return g_test_run();
}

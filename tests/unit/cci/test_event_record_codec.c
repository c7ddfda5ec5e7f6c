#include <string.h>
#include <glib.h>

#include "cci/cxl_event_record.h"
#include "wire_assert.h"

static void test_event_record_layouts(void)
{
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, record_uuid), ==, 0);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, length), ==, 16);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, flags), ==, 17);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, handle), ==, 20);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, related_handle), ==, 22);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, timestamp), ==, 24);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, maint_op_class), ==, 32);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, maint_op_subclass), ==, 33);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, ld_id), ==, 34);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, head_id), ==, 36);
    g_assert_cmpuint(offsetof(TmCxlEventRecordHeader, reserved), ==, 37);
    g_assert_cmpuint(offsetof(TmCxlEventRecord, data), ==, 48);

    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, event_type), ==, 48);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, validity_flags), ==, 49);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, host_id), ==, 50);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, updated_region), ==, 52);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, flags), ==, 53);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, reserved1), ==, 54);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, extent), ==, 56);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, reserved2), ==, 96);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, available_extents), ==, 120);
    g_assert_cmpuint(offsetof(TmCxlDcEventRecord, available_tags), ==, 124);
}

/* An Add Capacity record with the More flag and a tagged extent. */
static const uint8_t add_capacity_record[] = {
    /* 0: record UUID ca95afa7-f183-4018-8c2f-95268e101a2a */
    0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
    0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a,
    0x80,                                           /* 16: length 128 */
    0x00, 0x00, 0x00,                               /* 17: flags: informational */
    0x34, 0x12,                                     /* 20: handle 0x1234 */
    0x00, 0x00,                                     /* 22: related handle */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* 24: timestamp */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 32: maintenance, LD-ID, head, rsvd */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00,                                           /* 48: Add Capacity */
    0x01,                                           /* 49: validity: available tags */
    0x05, 0x00,                                     /* 50: host ID 5 */
    0x02,                                           /* 52: region 2 */
    0x01,                                           /* 53: flags: More */
    0x00, 0x00,                                     /* 54: reserved */
    /* 56: extent */
    0x00, 0x00, 0x20, 0x10, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* 96: reserved */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00,                         /* 120: 256 extents available */
    0xcd, 0xab, 0x00, 0x00,                         /* 124: 0xabcd tags available */
};
_Static_assert(sizeof(add_capacity_record) == 128, "add_capacity_record holds 128 bytes");

static TmEventRecord add_capacity_model(void)
{
    TmEventRecord record = {
        .handle = 0x1234,
        .timestamp_ns = 0x0102030405060708ULL,
        .dc = {
            .type = TM_DC_EVENT_ADD_CAPACITY,
            .host_id = 5,
            .region = 2,
            .more = true,
            .extent = { .dpa = 0x110200000ULL, .length = 4 << 20, .shared_seq = 3 },
            .available_extents = 256,
            .available_tags = 0xabcd,
        },
    };
    g_assert_true(tm_guid_parse("01234567-89ab-cdef-f0e1-d2c3b4a59687", "tag",
                                &record.dc.extent.tag, NULL));
    return record;
}

static void test_encode_add_capacity_record(void)
{
    TmEventRecord record = add_capacity_model();
    TmCxlDcEventRecord wire;

    tm_cxl_dc_event_record_encode(&record, &wire);
    wire_assert_bytes(&wire, add_capacity_record, sizeof(add_capacity_record));

    /* The last record of a request clears More and nothing else. */
    record.dc.more = false;
    tm_cxl_dc_event_record_encode(&record, &wire);
    g_assert_cmphex(((const uint8_t *)&wire)[53], ==, 0x00);
    g_assert_cmpint(memcmp(&wire, add_capacity_record, 53), ==, 0);
    g_assert_cmpint(memcmp((const uint8_t *)&wire + 54, add_capacity_record + 54, 128 - 54), ==, 0);
}

static void test_decode_add_capacity_record(void)
{
    TmEventRecord expected = add_capacity_model();
    TmCxlDcEventRecord wire;
    TmEventRecord decoded;
    g_autoptr(GError) err = NULL;

    memcpy(&wire, add_capacity_record, sizeof(wire));
    g_assert_true(tm_cxl_dc_event_record_decode(&wire, &decoded, &err));
    g_assert_no_error(err);
    g_assert_cmphex(decoded.handle, ==, 0x1234);
    g_assert_cmphex(decoded.timestamp_ns, ==, 0x0102030405060708ULL);
    g_assert_cmpint(decoded.dc.type, ==, TM_DC_EVENT_ADD_CAPACITY);
    g_assert_cmpuint(decoded.dc.host_id, ==, 5);
    g_assert_cmpuint(decoded.dc.region, ==, 2);
    g_assert_true(decoded.dc.more);
    g_assert_cmphex(decoded.dc.extent.dpa, ==, 0x110200000ULL);
    g_assert_cmphex(decoded.dc.extent.length, ==, 4 << 20);
    g_assert_true(tm_guid_equal(&decoded.dc.extent.tag, &expected.dc.extent.tag));
    g_assert_cmpuint(decoded.dc.extent.shared_seq, ==, 3);
    g_assert_cmpuint(decoded.dc.available_extents, ==, 256);
    g_assert_cmphex(decoded.dc.available_tags, ==, 0xabcd);

    /* Without the validity bit the tag count is not read. */
    wire.validity_flags = 0;
    g_assert_true(tm_cxl_dc_event_record_decode(&wire, &decoded, NULL));
    g_assert_cmpuint(decoded.dc.available_tags, ==, 0);
}

typedef struct {
    const char *name;
    size_t offset;
    uint8_t value;
    const char *error;
} BadRecordCase;

static void test_decode_rejects_other_records(void)
{
    static const BadRecordCase cases[] = {
        /* General Media record UUID starts fbcd0a77 */
        { "other record UUID", 0, 0xfb, "UUID fb95afa7-f183-4018-8c2f-95268e101a2a" },
        { "short length", 16, 0x7f, "length 127" },
        { "undefined event type", 48, 0x06, "event type 0x06" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const BadRecordCase *c = &cases[i];
        uint8_t bytes[128];
        TmCxlDcEventRecord wire;
        TmEventRecord decoded;
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", c->name);
        memcpy(bytes, add_capacity_record, sizeof(bytes));
        bytes[c->offset] = c->value;
        memcpy(&wire, bytes, sizeof(wire));
        g_assert_false(tm_cxl_dc_event_record_decode(&wire, &decoded, &err));
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, c->error));
    }
}

/* Every DC event type round-trips through encode and decode. */
static void test_all_event_types_round_trip(void)
{
    for (int type = TM_DC_EVENT_ADD_CAPACITY; type <= TM_DC_EVENT_CAPACITY_RELEASED; type++) {
        TmEventRecord record = add_capacity_model();
        TmCxlDcEventRecord wire;
        TmEventRecord decoded;

        record.dc.type = (TmDcEventType)type;
        tm_cxl_dc_event_record_encode(&record, &wire);
        g_assert_cmpuint(((const uint8_t *)&wire)[48], ==, type);
        g_assert_true(tm_cxl_dc_event_record_decode(&wire, &decoded, NULL));
        g_assert_cmpint(decoded.dc.type, ==, type);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/event_record/layouts", test_event_record_layouts);
    g_test_add_func("/cci/event_record/encode_add_capacity", test_encode_add_capacity_record);
    g_test_add_func("/cci/event_record/decode_add_capacity", test_decode_add_capacity_record);
    g_test_add_func("/cci/event_record/decode_rejects", test_decode_rejects_other_records);
    g_test_add_func("/cci/event_record/all_types_round_trip", test_all_event_types_round_trip);
    return g_test_run();
}

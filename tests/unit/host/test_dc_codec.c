/*
 * What the host decodes from the daemon: DC event records (encoded by the
 * daemon's own codec, and hand-built), Get DC Configuration and Get DC
 * Extent List outputs, and the outputs it must refuse.
 */
#include <endian.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_event_record.h"
#include "host/dc_codec.h"
#include "host/host_error.h"

#define MiB (UINT64_C(1) << 20)

static const TmGuid tag_a = { { 0x5d, 0x3c, 0x2e, 0x1f, 0x00, 0x11, 0x42, 0x33,
                                0x84, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb } };

/* Records the daemon encodes, in a Get Event Records output, read back by the host. */
static void test_event_batch_from_daemon_codec(void)
{
    TmEventRecord records[] = {
        { .handle = 7, .dc = { .type = TM_DC_EVENT_ADD_CAPACITY, .region = 1, .more = true,
                               .extent = { .dpa = 512 * MiB, .length = 4 * MiB, .tag = tag_a,
                                           .shared_seq = 0 } } },
        { .handle = 8, .dc = { .type = TM_DC_EVENT_ADD_CAPACITY, .region = 1, .more = false,
                               .extent = { .dpa = 600 * MiB, .length = 2 * MiB, .tag = tag_a,
                                           .shared_seq = 1 } } },
        { .handle = 9, .dc = { .type = TM_DC_EVENT_FORCED_CAPACITY_RELEASE, .region = 0,
                               .extent = { .dpa = 256 * MiB, .length = 2 * MiB } } },
    };
    TmCxlGetEventRecordsResponse header = {
        .flags = TM_CXL_GET_EVENT_FLAG_MORE_RECORDS | TM_CXL_GET_EVENT_FLAG_OVERFLOW,
        .overflow_count = htole16(5),
        .record_count = htole16(G_N_ELEMENTS(records)),
    };
    uint8_t payload[sizeof(header) + G_N_ELEMENTS(records) * TM_CXL_EVENT_RECORD_SIZE];
    TmHostEventBatch batch = { 0 };

    memcpy(payload, &header, sizeof(header));
    for (size_t i = 0; i < G_N_ELEMENTS(records); i++) {
        TmCxlDcEventRecord wire;

        tm_cxl_dc_event_record_encode(&records[i], &wire);
        memcpy(payload + sizeof(header) + i * sizeof(wire), &wire, sizeof(wire));
    }
    g_assert_true(tm_host_event_batch_decode(payload, sizeof(payload), &batch, NULL));
    g_assert_true(batch.more_records);
    g_assert_true(batch.overflow);
    g_assert_cmpuint(batch.overflow_count, ==, 5);
    g_assert_cmpuint(batch.records->len, ==, 3);
    for (guint i = 0; i < batch.records->len; i++) {
        const TmHostDcRecord *got = &g_array_index(batch.records, TmHostDcRecord, i);
        const TmEventRecord *sent = &records[i];

        g_assert_true(got->is_dc);
        g_assert_cmpuint(got->handle, ==, sent->handle);
        g_assert_cmpuint(got->event_type, ==, sent->dc.type);
        g_assert_cmpint(got->more, ==, sent->dc.more);
        g_assert_cmpuint(got->region, ==, sent->dc.region);
        g_assert_cmphex(got->extent.dpa, ==, sent->dc.extent.dpa);
        g_assert_cmphex(got->extent.length, ==, sent->dc.extent.length);
        g_assert_cmpmem(got->extent.tag, 16, sent->dc.extent.tag.bytes, 16);
        g_assert_cmpuint(got->extent.shared_seq, ==, sent->dc.extent.shared_seq);
    }
    tm_host_event_batch_clear(&batch);
    g_assert_null(batch.records);
}

/* One hand-built record: offsets from CXL r3.1 §8.2.9.2.1 and §8.2.9.2.1.6. */
static void test_event_record_bytes(void)
{
    uint8_t payload[32 + 128] = { 0 };
    uint8_t *record = payload + 32;
    static const uint8_t dc_uuid[16] = { 0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,
                                         0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a };
    TmHostEventBatch batch = { 0 };

    payload[20] = 1;                        /* record count */
    memcpy(record, dc_uuid, 16);
    record[16] = 128;                       /* length */
    record[20] = 0x34;                      /* handle 0x1234 */
    record[21] = 0x12;
    record[48] = 0x01;                      /* Release Capacity */
    record[52] = 2;                         /* region 2 */
    record[53] = 0x01;                      /* More */
    record[56 + 3] = 0x30;                  /* DPA 0x30000000 */
    record[64 + 2] = 0x60;                  /* length 0x600000 */
    record[72] = 0xEE;                      /* tag byte 0 */
    record[87] = 0x11;                      /* tag byte 15 */
    record[88] = 0x02;                      /* shared sequence 0x0102 */
    record[89] = 0x01;
    g_assert_true(tm_host_event_batch_decode(payload, sizeof(payload), &batch, NULL));
    const TmHostDcRecord *got = &g_array_index(batch.records, TmHostDcRecord, 0);
    g_assert_false(batch.more_records);
    g_assert_true(got->is_dc);
    g_assert_cmphex(got->handle, ==, 0x1234);
    g_assert_cmpuint(got->event_type, ==, TM_HOST_DC_RELEASE_CAPACITY);
    g_assert_cmpuint(got->region, ==, 2);
    g_assert_true(got->more);
    g_assert_cmphex(got->extent.dpa, ==, 0x30000000);
    g_assert_cmphex(got->extent.length, ==, 0x600000);
    g_assert_cmphex(got->extent.tag[0], ==, 0xEE);
    g_assert_cmphex(got->extent.tag[15], ==, 0x11);
    g_assert_cmphex(got->extent.shared_seq, ==, 0x0102);
    tm_host_event_batch_clear(&batch);

    record[0] = 0x00;                       /* another record format */
    g_assert_true(tm_host_event_batch_decode(payload, sizeof(payload), &batch, NULL));
    g_assert_false(g_array_index(batch.records, TmHostDcRecord, 0).is_dc);
    tm_host_event_batch_clear(&batch);
}

typedef struct {
    const char *name;
    size_t len;            /* bytes of the payload below that are passed */
    uint16_t record_count;
    uint8_t record_length;
    const char *fragment;
} BadBatchRow;

static const BadBatchRow bad_batches[] = {
    { "short header", 31, 0, 128, "output of 31 bytes is shorter than its 32-byte header" },
    { "count beyond payload", 32 + 128, 2, 128, "does not hold its record count 2" },
    { "count below payload", 32 + 128, 0, 128, "does not hold its record count 0" },
    { "record length", 32 + 128, 1, 64, "event record length 64 is not 128" },
};

static void test_bad_batch(gconstpointer data)
{
    const BadBatchRow *row = data;
    uint8_t payload[32 + 128] = { 0 };
    g_autoptr(GError) err = NULL;
    TmHostEventBatch batch = { 0 };

    payload[20] = (uint8_t)row->record_count;
    payload[32 + 16] = row->record_length;
    g_assert_false(tm_host_event_batch_decode(payload, row->len, &batch, &err));
    g_assert_error(err, TM_HOST_ERROR, EPROTO);
    g_assert_null(batch.records);
    if (strstr(err->message, row->fragment) == NULL) {
        g_error("%s: '%s' lacks '%s'", row->name, err->message, row->fragment);
    }
}

static void test_dc_config(void)
{
    TmCxlGetDcConfigResponse header = { .available_regions = 3, .regions_returned = 2 };
    TmCxlDcRegionConfig configs[2] = {
        { .base = htole64(256 * MiB), .decode_length = htole64(1), .length = htole64(256 * MiB),
          .block_size = htole64(2 * MiB), .flags = TM_CXL_DC_REGION_FLAG_SANITIZE_ON_RELEASE },
        { .base = htole64(512 * MiB), .decode_length = htole64(1), .length = htole64(128 * MiB),
          .block_size = htole64(64 * 1024) },
    };
    TmCxlDcResourceCounts counts = { 0 };
    uint8_t payload[sizeof(header) + sizeof(configs) + sizeof(counts)];
    g_autoptr(GArray) regions = g_array_new(FALSE, FALSE, sizeof(TagmemRegion));
    g_autoptr(GError) err = NULL;
    unsigned available = 0;

    memcpy(payload, &header, sizeof(header));
    memcpy(payload + sizeof(header), configs, sizeof(configs));
    memcpy(payload + sizeof(header) + sizeof(configs), &counts, sizeof(counts));
    g_assert_true(tm_host_dc_config_decode(payload, sizeof(payload), regions, &available, NULL));
    g_assert_cmpuint(available, ==, 3);
    g_assert_cmpuint(regions->len, ==, 2);
    const TagmemRegion *r0 = &g_array_index(regions, TagmemRegion, 0);
    const TagmemRegion *r1 = &g_array_index(regions, TagmemRegion, 1);
    g_assert_cmphex(r0->base, ==, 256 * MiB);
    g_assert_cmphex(r0->length, ==, 256 * MiB);
    g_assert_cmphex(r0->block_size, ==, 2 * MiB);
    g_assert_true(r0->sanitize_on_release);
    g_assert_cmphex(r1->base, ==, 512 * MiB);
    g_assert_cmphex(r1->length, ==, 128 * MiB);
    g_assert_cmphex(r1->block_size, ==, 64 * 1024);
    g_assert_false(r1->sanitize_on_release);

    /* Without the extent and tag counts the output is too short for two regions. */
    g_assert_false(tm_host_dc_config_decode(payload, sizeof(payload) - 1, regions, &available,
                                            &err));
    g_assert_nonnull(strstr(err->message, "cannot hold 2 regions"));
    g_assert_cmpuint(regions->len, ==, 2);
}

static void test_extent_list(void)
{
    TmCxlGetDcExtentListResponse header = {
        .returned_count = htole32(2),
        .total_count = htole32(5),
        .generation = htole32(9),
    };
    TmExtent sent[2] = {
        { .dpa = 256 * MiB, .length = 2 * MiB, .tag = tag_a, .shared_seq = 1 },
        { .dpa = 260 * MiB, .length = 6 * MiB },
    };
    uint8_t payload[sizeof(header) + 2 * sizeof(TmCxlDcExtent)];
    g_autoptr(GArray) extents = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    g_autoptr(GError) err = NULL;
    uint32_t total = 0;

    memcpy(payload, &header, sizeof(header));
    tm_cxl_dc_extents_encode(sent, 2, payload + sizeof(header));
    g_assert_true(tm_host_extent_list_decode(payload, sizeof(payload), extents, &total, NULL));
    g_assert_cmpuint(total, ==, 5);
    g_assert_cmpuint(extents->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        const TagmemExtent *got = &g_array_index(extents, TagmemExtent, i);

        g_assert_cmphex(got->dpa, ==, sent[i].dpa);
        g_assert_cmphex(got->length, ==, sent[i].length);
        g_assert_cmpmem(got->tag, 16, sent[i].tag.bytes, 16);
        g_assert_cmpuint(got->shared_seq, ==, sent[i].shared_seq);
    }
    g_assert_false(tm_host_extent_list_decode(payload, sizeof(payload) - 40, extents, &total,
                                              &err));
    g_assert_nonnull(strstr(err->message, "does not hold its 2 extents"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/dc-codec/event-batch-from-daemon", test_event_batch_from_daemon_codec);
    g_test_add_func("/host/dc-codec/event-record-bytes", test_event_record_bytes);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_batches); i++) {
        g_autofree char *path = g_strdup_printf("/host/dc-codec/bad-batch/%s",
                                                bad_batches[i].name);

        g_test_add_data_func(path, &bad_batches[i], test_bad_batch);
    }
    g_test_add_func("/host/dc-codec/dc-config", test_dc_config);
    g_test_add_func("/host/dc-codec/extent-list", test_extent_list);
    return g_test_run();
}

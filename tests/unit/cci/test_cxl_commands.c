/*
 * Layout of every command payload struct: field offsets, and hand-written
 * byte vectors that a filled-in struct must equal and that read back into
 * the same field values.
 */
#include <endian.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_commands.h"
#include "wire_assert.h"

#define ASSERT_OFFSET(type, field, expected) \
    g_assert_cmpuint(offsetof(type, field), ==, (expected))

static const uint8_t tag_bytes[] = {
    0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
    0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
};

_Static_assert(sizeof(tag_bytes) == 16, "tag_bytes holds 16 bytes");

static void test_identify(void)
{
    static const uint8_t expected[] = {
        0x86, 0x80, 0x93, 0x0d, 0xf4, 0x1a, 0x00, 0x11,  /* vendor, device, subsystem ids */
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,  /* serial */
        0x14,                                            /* max message 2^20 */
        0x03,                                            /* Type 3 */
    };
    _Static_assert(sizeof(expected) == 18, "expected holds 18 bytes");
    TmCxlIdentifyResponse wire = {
        .vendor_id = htole16(0x8086),
        .device_id = htole16(0x0d93),
        .subsystem_vendor_id = htole16(0x1af4),
        .subsystem_id = htole16(0x1100),
        .serial_number = htole64(0x0123456789abcdefULL),
        .max_message_size = 20,
        .component_type = TM_CXL_COMPONENT_TYPE_TYPE3,
    };

    ASSERT_OFFSET(TmCxlIdentifyResponse, serial_number, 8);
    ASSERT_OFFSET(TmCxlIdentifyResponse, max_message_size, 16);
    ASSERT_OFFSET(TmCxlIdentifyResponse, component_type, 17);
    wire_assert_bytes(&wire, expected, sizeof(expected));

    TmCxlIdentifyResponse read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmphex(le16toh(read.device_id), ==, 0x0d93);
    g_assert_cmphex(le64toh(read.serial_number), ==, 0x0123456789abcdefULL);
}

static void test_get_event_records(void)
{
    static const uint8_t expected[] = {
        0x03, 0x00,                                      /* flags: overflow, more */
        0x02, 0x01,                                      /* overflow count 0x0102 */
        0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11,  /* first overflow */
        0x44, 0x44, 0x44, 0x44, 0x33, 0x33, 0x33, 0x33,  /* last overflow */
        0x02, 0x00,                                      /* record count */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 32, "expected holds 32 bytes");
    TmCxlGetEventRecordsResponse wire = {
        .flags = TM_CXL_GET_EVENT_FLAG_OVERFLOW | TM_CXL_GET_EVENT_FLAG_MORE_RECORDS,
        .overflow_count = htole16(0x0102),
        .first_overflow_timestamp = htole64(0x1111111122222222ULL),
        .last_overflow_timestamp = htole64(0x3333333344444444ULL),
        .record_count = htole16(2),
    };

    g_assert_cmpuint(sizeof(TmCxlGetEventRecordsRequest), ==, 1);
    ASSERT_OFFSET(TmCxlGetEventRecordsResponse, overflow_count, 2);
    ASSERT_OFFSET(TmCxlGetEventRecordsResponse, first_overflow_timestamp, 4);
    ASSERT_OFFSET(TmCxlGetEventRecordsResponse, last_overflow_timestamp, 12);
    ASSERT_OFFSET(TmCxlGetEventRecordsResponse, record_count, 20);
    ASSERT_OFFSET(TmCxlGetEventRecordsResponse, reserved2, 22);
    wire_assert_bytes(&wire, expected, sizeof(expected));

    TmCxlGetEventRecordsResponse read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmphex(le64toh(read.last_overflow_timestamp), ==, 0x3333333344444444ULL);
    g_assert_cmpuint(le16toh(read.record_count), ==, 2);
}

static void test_clear_event_records(void)
{
    static const uint8_t expected[] = {
        0x04, 0x00, 0x03, 0x00, 0x00, 0x00,  /* DC log, no flags, 3 handles */
        0x01, 0x00, 0x02, 0x00, 0xff, 0xff,  /* handles 1, 2, 0xffff */
    };
    _Static_assert(sizeof(expected) == 6 + 3 * 2, "expected holds 6+3*2 bytes");
    TmCxlClearEventRecordsRequest header = { .event_log = 4, .handle_count = 3 };
    const uint16_t handles[3] = { htole16(1), htole16(2), htole16(0xffff) };
    uint8_t payload[sizeof(expected)];

    ASSERT_OFFSET(TmCxlClearEventRecordsRequest, flags, 1);
    ASSERT_OFFSET(TmCxlClearEventRecordsRequest, handle_count, 2);
    memcpy(payload, &header, sizeof(header));
    memcpy(payload + sizeof(header), handles, sizeof(handles));
    wire_assert_bytes(payload, expected, sizeof(expected));

    TmCxlClearEventRecordsRequest read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmpuint(read.event_log, ==, 4);
    g_assert_false(read.flags & TM_CXL_CLEAR_EVENT_FLAG_CLEAR_ALL);
    g_assert_cmpuint(read.handle_count, ==, 3);
}

static void test_identify_memory_device(void)
{
    static const uint8_t expected[] = {
        't', 'a', 'g', 'm', 'e', 'm', ' ', '0', '.', '1', 0, 0, 0, 0, 0, 0,
        0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 16: total 4 GiB */
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 24: volatile 1 GiB */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 32: persistent */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 40: partition alignment */
        0x20, 0x00, 0x21, 0x00, 0x22, 0x00, 0x23, 0x00,  /* 48: info/warn/fail/fatal log sizes */
        0x00, 0x00, 0x00, 0x00,                          /* 56: LSA size */
        0x00, 0x01, 0x00,                                /* 60: poison list max 256 */
        0x00, 0x00, 0x00, 0x00,                          /* 63: inject limit, caps */
        0x00, 0x04,                                      /* 67: DC log size 1024 */
    };
    _Static_assert(sizeof(expected) == 69, "expected holds 69 bytes");
    TmCxlIdentifyMemoryDeviceResponse wire = {
        .fw_revision = "tagmem 0.1",
        .total_capacity = htole64(0x10),
        .volatile_only_capacity = htole64(0x04),
        .partition_alignment = htole64(1),
        .info_event_log_size = htole16(0x20),
        .warning_event_log_size = htole16(0x21),
        .failure_event_log_size = htole16(0x22),
        .fatal_event_log_size = htole16(0x23),
        .poison_list_max_records = { 0x00, 0x01, 0x00 },
        .dc_event_log_size = htole16(1024),
    };

    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, total_capacity, 16);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, partition_alignment, 40);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, info_event_log_size, 48);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, fatal_event_log_size, 54);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, lsa_size, 56);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, poison_list_max_records, 60);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, inject_poison_limit, 63);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, poison_caps, 65);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, qos_telemetry_caps, 66);
    ASSERT_OFFSET(TmCxlIdentifyMemoryDeviceResponse, dc_event_log_size, 67);
    wire_assert_bytes(&wire, expected, sizeof(expected));

    TmCxlIdentifyMemoryDeviceResponse read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmpuint(le64toh(read.total_capacity), ==, 0x10);
    g_assert_cmpuint(le16toh(read.fatal_event_log_size), ==, 0x23);
    g_assert_cmpuint(le16toh(read.dc_event_log_size), ==, 1024);
}

/* Get DC Configuration (4800h): one region returned of two, then the counts. */
static void test_get_dc_config(void)
{
    static const uint8_t request_bytes[] = { 0x08, 0x01 };
    _Static_assert(sizeof(request_bytes) == 2, "request_bytes holds 2 bytes");
    static const uint8_t expected[] = {
        0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 2 regions, 1 returned */
        0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00,  /* 8: base 0x5000_0000 */
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 16: decode length 4 x 256 MiB */
        0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,  /* 24: length 1 GiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 32: block size 2 MiB */
        0x02, 0x00, 0x00, 0x00,                          /* 40: DSMAD handle 2 */
        0x01, 0x00, 0x00, 0x00,                          /* 44: sanitize on release */
        0x00, 0x02, 0x00, 0x00, 0xf4, 0x01, 0x00, 0x00,  /* 48: extents 512 / 500 */
        0x40, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,  /* 56: tags 64 / 60 */
    };
    _Static_assert(sizeof(expected) == 8 + 40 + 16, "expected holds 8+40+16 bytes");
    TmCxlGetDcConfigResponse header = { .available_regions = 2, .regions_returned = 1 };
    TmCxlDcRegionConfig region = {
        .base = htole64(0x50000000),
        .decode_length = htole64(4),
        .length = htole64(1ULL << 30),
        .block_size = htole64(2 << 20),
        .dsmad_handle = htole32(2),
        .flags = TM_CXL_DC_REGION_FLAG_SANITIZE_ON_RELEASE,
    };
    TmCxlDcResourceCounts counts = {
        .supported_extents = htole32(512),
        .available_extents = htole32(500),
        .supported_tags = htole32(64),
        .available_tags = htole32(60),
    };
    uint8_t payload[sizeof(expected)];

    ASSERT_OFFSET(TmCxlGetDcConfigRequest, start_region, 1);
    ASSERT_OFFSET(TmCxlDcRegionConfig, decode_length, 8);
    ASSERT_OFFSET(TmCxlDcRegionConfig, length, 16);
    ASSERT_OFFSET(TmCxlDcRegionConfig, block_size, 24);
    ASSERT_OFFSET(TmCxlDcRegionConfig, dsmad_handle, 32);
    ASSERT_OFFSET(TmCxlDcRegionConfig, flags, 36);
    ASSERT_OFFSET(TmCxlDcResourceCounts, available_extents, 4);
    ASSERT_OFFSET(TmCxlDcResourceCounts, supported_tags, 8);
    ASSERT_OFFSET(TmCxlDcResourceCounts, available_tags, 12);

    TmCxlGetDcConfigRequest request;
    memcpy(&request, request_bytes, sizeof(request));
    g_assert_cmpuint(request.region_count, ==, 8);
    g_assert_cmpuint(request.start_region, ==, 1);

    memcpy(payload, &header, sizeof(header));
    memcpy(payload + 8, &region, sizeof(region));
    memcpy(payload + 48, &counts, sizeof(counts));
    wire_assert_bytes(payload, expected, sizeof(expected));

    memcpy(&region, expected + 8, sizeof(region));
    memcpy(&counts, expected + 48, sizeof(counts));
    g_assert_cmphex(le64toh(region.block_size), ==, 2 << 20);
    g_assert_cmpuint(le32toh(region.dsmad_handle), ==, 2);
    g_assert_cmpuint(le32toh(counts.available_extents), ==, 500);
    g_assert_cmpuint(le32toh(counts.available_tags), ==, 60);
}

static void test_get_dc_extent_list(void)
{
    static const uint8_t request_bytes[] = { 0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00 };
    _Static_assert(sizeof(request_bytes) == 8, "request_bytes holds 8 bytes");
    static const uint8_t expected[] = {
        0x01, 0x00, 0x00, 0x00,  /* returned 1 */
        0x03, 0x00, 0x00, 0x00,  /* total 3 */
        0x07, 0x00, 0x00, 0x00,  /* generation 7 */
        0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 16, "expected holds 16 bytes");
    TmCxlGetDcExtentListRequest request = {
        .extent_count = htole32(0x10),
        .start_index = htole32(2),
    };
    TmCxlGetDcExtentListResponse response = {
        .returned_count = htole32(1),
        .total_count = htole32(3),
        .generation = htole32(7),
    };

    ASSERT_OFFSET(TmCxlGetDcExtentListRequest, start_index, 4);
    ASSERT_OFFSET(TmCxlGetDcExtentListResponse, total_count, 4);
    ASSERT_OFFSET(TmCxlGetDcExtentListResponse, generation, 8);
    wire_assert_bytes(&request, request_bytes, sizeof(request_bytes));
    wire_assert_bytes(&response, expected, sizeof(expected));

    memcpy(&response, expected, sizeof(response));
    g_assert_cmpuint(le32toh(response.generation), ==, 7);
}

static void test_get_dcd_info(void)
{
    static const uint8_t expected[] = {
        0x02, 0x02, 0x00, 0x00,                          /* 2 hosts, 2 regions */
        0x0f, 0x00, 0x00, 0x00,                          /* 4: add policies */
        0x03, 0x00,                                      /* 8: removal policies */
        0x01, 0x00,                                      /* 10: sanitize mask */
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 12: total 2 GiB */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 20: region 0: 2 MiB */
        0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 28: region 1: 2 MiB, 1 MiB */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    _Static_assert(sizeof(expected) == 84, "expected holds 84 bytes");
    TmCxlGetDcdInfoResponse wire = {
        .num_hosts = 2,
        .num_supported_regions = 2,
        .add_selection_policies = htole16(TM_CXL_DC_ADD_POLICY_FREE_BIT |
                                          TM_CXL_DC_ADD_POLICY_CONTIGUOUS_BIT |
                                          TM_CXL_DC_ADD_POLICY_PRESCRIPTIVE_BIT |
                                          TM_CXL_DC_ADD_POLICY_ENABLE_SHARED_ACCESS_BIT),
        .removal_policies = htole16(TM_CXL_DC_REMOVAL_POLICY_TAG_BASED_BIT |
                                    TM_CXL_DC_REMOVAL_POLICY_PRESCRIPTIVE_BIT),
        .sanitize_on_release_mask = 0x01,
        .total_dynamic_capacity = htole64(8),
        .region_block_size_masks = { htole64(1u << 21), htole64((1u << 21) | (1u << 20)) },
    };

    ASSERT_OFFSET(TmCxlGetDcdInfoResponse, add_selection_policies, 4);
    ASSERT_OFFSET(TmCxlGetDcdInfoResponse, removal_policies, 8);
    ASSERT_OFFSET(TmCxlGetDcdInfoResponse, sanitize_on_release_mask, 10);
    ASSERT_OFFSET(TmCxlGetDcdInfoResponse, total_dynamic_capacity, 12);
    ASSERT_OFFSET(TmCxlGetDcdInfoResponse, region_block_size_masks, 20);
    wire_assert_bytes(&wire, expected, sizeof(expected));

    TmCxlGetDcdInfoResponse read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmphex(le64toh(read.region_block_size_masks[1]), ==, 0x300000);
    g_assert_cmphex(le64toh(read.region_block_size_masks[7]), ==, 0);
}

static void test_get_host_dc_region_config(void)
{
    static const uint8_t request_bytes[] = { 0x01, 0x00, 0x02, 0x00 };
    _Static_assert(sizeof(request_bytes) == 4, "request_bytes holds 4 bytes");
    static const uint8_t expected[] = {
        0x01, 0x00, 0x02, 0x01,                          /* host 1, 2 regions, 1 returned */
        0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00,  /* 4: base */
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 12: decode length */
        0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,  /* 20: length */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 28: block size */
        0x00, 0x00, 0x00, 0x00,                          /* 36: flags */
        0x01, 0x00, 0x00, 0x00,                          /* 40: sanitize on release */
        0x00, 0x02, 0x00, 0x00, 0xf4, 0x01, 0x00, 0x00,  /* 44: extents 512 / 500 */
        0x40, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,  /* 52: tags 64 / 60 */
    };
    _Static_assert(sizeof(expected) == 4 + 40 + 16, "expected holds 4+40+16 bytes");
    TmCxlGetHostDcRegionConfigRequest request = {
        .host_id = htole16(1),
        .region_count = 2,
    };
    TmCxlGetHostDcRegionConfigResponse header = {
        .host_id = htole16(1),
        .available_regions = 2,
        .regions_returned = 1,
    };
    TmCxlHostDcRegionConfig region = {
        .base = htole64(0x50000000),
        .decode_length = htole64(4),
        .length = htole64(1ULL << 30),
        .block_size = htole64(2 << 20),
        .sanitize_on_release = 1,
    };
    TmCxlDcResourceCounts counts = {
        .supported_extents = htole32(512),
        .available_extents = htole32(500),
        .supported_tags = htole32(64),
        .available_tags = htole32(60),
    };
    uint8_t payload[sizeof(expected)];

    ASSERT_OFFSET(TmCxlGetHostDcRegionConfigRequest, region_count, 2);
    ASSERT_OFFSET(TmCxlGetHostDcRegionConfigRequest, start_region, 3);
    ASSERT_OFFSET(TmCxlHostDcRegionConfig, flags, 32);
    ASSERT_OFFSET(TmCxlHostDcRegionConfig, sanitize_on_release, 36);
    wire_assert_bytes(&request, request_bytes, sizeof(request_bytes));

    memcpy(payload, &header, sizeof(header));
    memcpy(payload + 4, &region, sizeof(region));
    memcpy(payload + 44, &counts, sizeof(counts));
    wire_assert_bytes(payload, expected, sizeof(expected));

    memcpy(&region, expected + 4, sizeof(region));
    g_assert_cmphex(le64toh(region.base), ==, 0x50000000);
    g_assert_cmpuint(region.sanitize_on_release, ==, 1);
}

static void test_set_dc_region_config(void)
{
    static const uint8_t expected[] = {
        0x01, 0x00, 0x00, 0x00,                          /* region 1 */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* block size 2 MiB */
        0x01, 0x00, 0x00, 0x00,                          /* sanitize on release */
    };
    _Static_assert(sizeof(expected) == 16, "expected holds 16 bytes");
    TmCxlSetDcRegionConfigRequest wire = {
        .region = 1,
        .block_size = htole64(2 << 20),
        .sanitize_on_release = 1,
    };

    ASSERT_OFFSET(TmCxlSetDcRegionConfigRequest, block_size, 4);
    ASSERT_OFFSET(TmCxlSetDcRegionConfigRequest, sanitize_on_release, 12);
    wire_assert_bytes(&wire, expected, sizeof(expected));
}

static void test_get_dc_region_extent_lists(void)
{
    static const uint8_t request_bytes[] = {
        0x02, 0x00, 0x00, 0x00,  /* host 2 */
        0x20, 0x00, 0x00, 0x00,  /* up to 32 extents */
        0x05, 0x00, 0x00, 0x00,  /* from index 5 */
    };
    _Static_assert(sizeof(request_bytes) == 12, "request_bytes holds 12 bytes");
    static const uint8_t expected[] = {
        0x02, 0x00, 0x00, 0x00,  /* host 2 */
        0x05, 0x00, 0x00, 0x00,  /* start index 5 */
        0x01, 0x00, 0x00, 0x00,  /* returned 1 */
        0x06, 0x00, 0x00, 0x00,  /* total 6 */
        0x09, 0x00, 0x00, 0x00,  /* generation 9 */
        0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 24, "expected holds 24 bytes");
    TmCxlGetDcRegionExtentListsRequest request = {
        .host_id = htole16(2),
        .extent_count = htole32(32),
        .start_index = htole32(5),
    };
    TmCxlGetDcRegionExtentListsResponse response = {
        .host_id = htole16(2),
        .start_index = htole32(5),
        .returned_count = htole32(1),
        .total_count = htole32(6),
        .generation = htole32(9),
    };

    ASSERT_OFFSET(TmCxlGetDcRegionExtentListsRequest, extent_count, 4);
    ASSERT_OFFSET(TmCxlGetDcRegionExtentListsRequest, start_index, 8);
    ASSERT_OFFSET(TmCxlGetDcRegionExtentListsResponse, start_index, 4);
    ASSERT_OFFSET(TmCxlGetDcRegionExtentListsResponse, generation, 16);
    wire_assert_bytes(&request, request_bytes, sizeof(request_bytes));
    wire_assert_bytes(&response, expected, sizeof(expected));
}

/* Initiate DC Release (5605h): prescriptive, forced, sanitize, one extent. */
static void test_initiate_dc_release(void)
{
    static const uint8_t expected[] = {
        0x01, 0x00,                                      /* host 1 */
        0x31, 0x00,                                      /* prescriptive | forced | sanitize */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* length 2 MiB */
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        0x01, 0x00, 0x00, 0x00,                          /* 1 extent */
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    _Static_assert(sizeof(expected) == 32 + 40, "expected holds 32+40 bytes");
    TmCxlInitiateDcReleaseRequest header = {
        .host_id = htole16(1),
        .flags = TM_CXL_DC_RELEASE_PRESCRIPTIVE | TM_CXL_DC_RELEASE_FLAG_FORCED |
                 TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE,
        .length = htole64(2 << 20),
        .extent_count = htole32(1),
    };
    TmExtent extent = { .dpa = 0x10000000, .length = 2 << 20 };
    uint8_t payload[sizeof(expected)];

    memcpy(header.tag, tag_bytes, sizeof(tag_bytes));
    memcpy(extent.tag.bytes, tag_bytes, sizeof(tag_bytes));
    ASSERT_OFFSET(TmCxlInitiateDcReleaseRequest, flags, 2);
    ASSERT_OFFSET(TmCxlInitiateDcReleaseRequest, length, 4);
    ASSERT_OFFSET(TmCxlInitiateDcReleaseRequest, tag, 12);
    ASSERT_OFFSET(TmCxlInitiateDcReleaseRequest, extent_count, 28);
    ASSERT_OFFSET(TmCxlInitiateDcAddRequest, selection_policy, 2);
    ASSERT_OFFSET(TmCxlInitiateDcAddRequest, region, 3);
    ASSERT_OFFSET(TmCxlInitiateDcAddRequest, length, 4);
    ASSERT_OFFSET(TmCxlInitiateDcAddRequest, tag, 12);
    ASSERT_OFFSET(TmCxlInitiateDcAddRequest, extent_count, 28);

    memcpy(payload, &header, sizeof(header));
    tm_cxl_dc_extents_encode(&extent, 1, payload + sizeof(header));
    wire_assert_bytes(payload, expected, sizeof(expected));

    TmCxlInitiateDcReleaseRequest read;
    memcpy(&read, expected, sizeof(read));
    g_assert_cmpuint(read.flags & TM_CXL_DC_RELEASE_POLICY_MASK, ==,
                     TM_CXL_DC_RELEASE_PRESCRIPTIVE);
    g_assert_true(read.flags & TM_CXL_DC_RELEASE_FLAG_FORCED);
    g_assert_true(read.flags & TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE);
    g_assert_cmpmem(read.tag, 16, tag_bytes, 16);
}

static void test_dc_references(void)
{
    TmCxlDcAddReferenceRequest add;
    TmCxlDcRemoveReferenceRequest remove;

    memcpy(add.tag, tag_bytes, sizeof(tag_bytes));
    memcpy(remove.tag, tag_bytes, sizeof(tag_bytes));
    wire_assert_bytes(&add, tag_bytes, sizeof(tag_bytes));
    wire_assert_bytes(&remove, tag_bytes, sizeof(tag_bytes));
}

/* DC List Tags (5608h): one 84-byte entry referenced by hosts 0 and 9, pending for host 1. */
static void test_dc_list_tags(void)
{
    static const uint8_t request_bytes[] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00 };
    _Static_assert(sizeof(request_bytes) == 8, "request_bytes holds 8 bytes");
    static const uint8_t expected[] = {
        0x03, 0x00, 0x00, 0x00,                          /* generation 3 */
        0x02, 0x00, 0x00, 0x00,                          /* 2 tags in all */
        0x01, 0x00, 0x00, 0x00,                          /* 1 returned */
        0x01, 0x00, 0x00, 0x00,                          /* validity bitmap */
        /* 16: entry */
        0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11,
        0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
        0x01, 0x00, 0x00, 0x00,                          /* 32: flags */
        0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 36: references */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 68: pending */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    _Static_assert(sizeof(expected) == 16 + 84, "expected holds 16+84 bytes");
    TmCxlDcListTagsRequest request = { .start_index = 0, .tag_count = htole32(16) };
    TmCxlDcListTagsResponse header = {
        .generation = htole32(3),
        .total_tags = htole32(2),
        .returned_count = htole32(1),
        .validity_bitmap = 0x01,
    };
    TmCxlDcTagEntry entry = { .flags = 0x01 };
    uint8_t payload[sizeof(expected)];

    memcpy(entry.tag, tag_bytes, sizeof(tag_bytes));
    entry.reference_bitmap[0] = 1u << 0;
    entry.reference_bitmap[1] = 1u << (9 - 8);
    entry.pending_reference_bitmap[0] = 1u << 1;

    ASSERT_OFFSET(TmCxlDcListTagsRequest, tag_count, 4);
    ASSERT_OFFSET(TmCxlDcListTagsResponse, returned_count, 8);
    ASSERT_OFFSET(TmCxlDcListTagsResponse, validity_bitmap, 12);
    ASSERT_OFFSET(TmCxlDcTagEntry, flags, 16);
    ASSERT_OFFSET(TmCxlDcTagEntry, reference_bitmap, 20);
    ASSERT_OFFSET(TmCxlDcTagEntry, pending_reference_bitmap, 52);
    wire_assert_bytes(&request, request_bytes, sizeof(request_bytes));

    memcpy(payload, &header, sizeof(header));
    memcpy(payload + sizeof(header), &entry, sizeof(entry));
    wire_assert_bytes(payload, expected, sizeof(expected));

    memcpy(&entry, expected + 16, sizeof(entry));
    g_assert_cmpmem(entry.tag, 16, tag_bytes, 16);
    g_assert_cmphex(entry.reference_bitmap[1], ==, 0x02);
    g_assert_cmphex(entry.pending_reference_bitmap[0], ==, 0x02);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/commands/identify", test_identify);
    g_test_add_func("/cci/commands/get_event_records", test_get_event_records);
    g_test_add_func("/cci/commands/clear_event_records", test_clear_event_records);
    g_test_add_func("/cci/commands/identify_memory_device", test_identify_memory_device);
    g_test_add_func("/cci/commands/get_dc_config", test_get_dc_config);
    g_test_add_func("/cci/commands/get_dc_extent_list", test_get_dc_extent_list);
    g_test_add_func("/cci/commands/get_dcd_info", test_get_dcd_info);
    g_test_add_func("/cci/commands/get_host_dc_region_config", test_get_host_dc_region_config);
    g_test_add_func("/cci/commands/set_dc_region_config", test_set_dc_region_config);
    g_test_add_func("/cci/commands/get_dc_region_extent_lists", test_get_dc_region_extent_lists);
    g_test_add_func("/cci/commands/initiate_dc_release", test_initiate_dc_release);
    g_test_add_func("/cci/commands/dc_references", test_dc_references);
    g_test_add_func("/cci/commands/dc_list_tags", test_dc_list_tags);
    return g_test_run();
}

/*
 * tagmem's vendor data-path commands through the dispatcher: Get Extent
 * Memory (C001h) hands out a descriptor whose mapping is the device's
 * memory, Read DPA (C002h) and Write DPA (C003h) copy through it; each
 * only within capacity the calling host has accepted.
 *
 * Region 0 is [0, 256M), region 1 [256M, 512M) (sharable).  Host 0 holds
 * [0, 2M) and [2M, 4M) untagged (static memdev "static0", a memfd) and
 * [256M, 260M) tagged TAG (backend "tagged0", a memfd); host 1 holds
 * [8M, 10M) untagged.  "private0" (share=off) carries TAG_PRIVATE.
 */
#include <endian.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "cci/cxl_opcodes.h"
#include "cci/vendor_commands.h"
#include "dcd_test_util.h"
#include "mailbox_test_util.h"
#include "wire_assert.h"

#define TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"
#define TAG_PRIVATE "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"
/* 4 KiB blocks, so that ranges smaller than an extent can be asked for. */
#define DEVICE_PROPS "num-dc-regions=2,volatile-dc-memdev=static0,num-hosts=2," \
                     "dc-region-sharable=2,dc-block-size=4K"

typedef struct {
    DcdFixture fx;
    TmMailboxCaller caller;
    uint8_t *buffer;
    TmMailboxResponse response;
    GError *err;
} VendorFixture;

static void vendor_fixture_init(VendorFixture *vf)
{
    TmExtent untagged[] = { EXT(0, 2 * MiB), EXT(2 * MiB, 2 * MiB) };
    TmExtent tagged[] = { EXT(256 * MiB, 4 * MiB) };
    TmExtent host1[] = { EXT(8 * MiB, 2 * MiB) };

    fixture_init(&vf->fx, NULL);
    fixture_typed_backend(&vf->fx, "memory-backend-memfd", "static0", 512 * MiB, NULL);
    fixture_typed_backend(&vf->fx, "memory-backend-memfd", "tagged0", 4 * MiB, TAG);
    fixture_typed_backend(&vf->fx, "memory-backend-ram", "private0", 2 * MiB, TAG_PRIVATE);
    fixture_device(&vf->fx, DEVICE_PROPS);
    add_and_accept(&vf->fx, 0, 0, NULL, untagged, G_N_ELEMENTS(untagged));
    add_and_accept(&vf->fx, 0, 1, TAG, tagged, G_N_ELEMENTS(tagged));
    add_and_accept(&vf->fx, 1, 0, NULL, host1, G_N_ELEMENTS(host1));

    vf->caller = (TmMailboxCaller) {
        .port = TM_MAILBOX_PORT_HOST,
        .host_id = 0,
        .max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
    };
    vf->buffer = g_malloc0(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    vf->response = (TmMailboxResponse) { .payload = vf->buffer, .fd = -1 };
    vf->err = NULL;
}

static void vendor_fixture_clear(VendorFixture *vf)
{
    if (vf->response.fd >= 0) {
        close(vf->response.fd);
    }
    g_clear_error(&vf->err);
    g_free(vf->buffer);
    fixture_clear(&vf->fx);
}

static TmCxlReturnCode call(VendorFixture *vf, uint16_t opcode, const void *payload,
                            size_t length)
{
    TmMailboxRequest request = {
        .dev = vf->fx.dev,
        .caller = &vf->caller,
        .opcode = opcode,
        .payload = payload,
        .payload_len = length,
    };

    if (vf->response.fd >= 0) {
        close(vf->response.fd);
    }
    g_clear_error(&vf->err);
    TmCxlReturnCode rc = tm_mailbox_dispatch(&request, &vf->response, &vf->err);
    g_assert_true((rc == TM_CXL_RC_SUCCESS) == (vf->err == NULL));
    /* Only a successful C001h carries a descriptor. */
    g_assert_true((vf->response.fd >= 0) ==
                  (rc == TM_CXL_RC_SUCCESS && opcode == TM_CXL_OP_GET_EXTENT_MEMORY));
    return rc;
}

static void expect_failure(VendorFixture *vf, uint16_t opcode, const void *payload,
                           size_t length, TmCxlReturnCode expected, const char *fragment)
{
    TmCxlReturnCode rc = call(vf, opcode, payload, length);

    if (rc != expected) {
        g_error("%04Xh returned %02Xh (%s), expected %02Xh", opcode, rc,
                vf->err ? vf->err->message : "no message", expected);
    }
    g_assert_cmpuint(vf->response.length, ==, 0);
    assert_error_contains(vf->err, fragment);
}

static TmVendorGetExtentMemoryRequest memory_request(uint64_t dpa, uint64_t length)
{
    return (TmVendorGetExtentMemoryRequest) { .dpa = htole64(dpa), .length = htole64(length) };
}

#define BLOCK (4 * 1024)

/* Bytes of backend @id as the daemon reaches them (the device's 4 KiB blocks). */
static void backend_access(VendorFixture *vf, const char *id, uint64_t offset, void *buf,
                           uint64_t length, bool write)
{
    TmHostMem *backend = tm_backend_registry_find_by_id(vf->fx.backends, id);
    g_autoptr(GError) err = NULL;
    uint8_t *bytes = buf;

    g_assert_nonnull(backend);
    while (length > 0) {
        uint64_t block = offset - offset % BLOCK;
        uint64_t n = MIN(length, block + BLOCK - offset);
        bool ok = write ? tm_hostmem_block_write(backend, block, BLOCK, offset, bytes, n, &err)
                        : tm_hostmem_block_read(backend, block, BLOCK, offset, bytes, n, &err);
        g_assert_no_error(err);
        g_assert_true(ok);
        bytes += n;
        offset += n;
        length -= n;
    }
}

static void assert_backend_bytes(VendorFixture *vf, const char *id, uint64_t offset,
                                 const void *expected, uint64_t length)
{
    g_autofree uint8_t *bytes = g_malloc(length);

    backend_access(vf, id, offset, bytes, length, false);
    g_assert_cmpmem(bytes, length, expected, length);
}

static void test_request_layouts(void)
{
    TmVendorGetExtentMemoryRequest memory = memory_request(0x1122334455667788,
                                                           0x0000000000200000);
    static const uint8_t memory_bytes[] = {
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,  /* DPA */
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,  /* length 2 MiB */
    };
    TmVendorDpaAccessRequest access = { .dpa = htole64(0x10000005), .length = htole32(300) };
    static const uint8_t access_bytes[] = {
        0x05, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,  /* DPA */
        0x2c, 0x01, 0x00, 0x00,                          /* length 300 */
        0x00, 0x00, 0x00, 0x00,                          /* reserved */
    };

    wire_assert_bytes(&memory, memory_bytes, sizeof(memory_bytes));
    wire_assert_bytes(&access, access_bytes, sizeof(access_bytes));
}

/*
 * Untagged static capacity: the memory object of one block of the memdev
 * (4 KiB here), from its first byte, and no more even when more is asked.
 */
static void test_get_extent_memory_untagged(void)
{
    static const uint8_t expected[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* file offset 0 */
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* length: one 4 KiB block */
        0x01, 0x00, 0x00, 0x00,                          /* writable */
        0x00, 0x00, 0x00, 0x00,
    };
    TmVendorGetExtentMemoryRequest in = memory_request(3 * MiB, 1 * MiB);
    VendorFixture vf;
    struct stat st;

    vendor_fixture_init(&vf);
    g_assert_cmpint(call(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(vf.response.length, ==, sizeof(expected));
    wire_assert_bytes(vf.buffer, expected, sizeof(expected));
    /* Exactly the block: nothing past it can be mapped, sealed against resizing. */
    g_assert_cmpint(fstat(vf.response.fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, BLOCK);
    g_assert_cmpint(ftruncate(vf.response.fd, 1 * MiB), ==, -1);

    /* The descriptor is the memory: bytes written by the daemon show in the mapping. */
    backend_access(&vf, "static0", 3 * MiB + 17, "through the memdev", 18, true);
    uint8_t *map = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, vf.response.fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpmem(map + 17, 18, "through the memdev", 18);
    /* ... and the other way round. */
    memcpy(map + 100, "through the map", 15);
    assert_backend_bytes(&vf, "static0", 3 * MiB + 100, "through the map", 15);
    munmap(map, BLOCK);

    /* The descriptor is the caller's own: close-on-exec, not the backend's. */
    g_assert_cmpint(fcntl(vf.response.fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    vendor_fixture_clear(&vf);
}

/* Tagged capacity: the object of the tag's backend block where the extent's block lies. */
static void test_get_extent_memory_tagged(void)
{
    static const uint8_t expected[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* file offset 0 */
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* length 4 KiB */
        0x03, 0x00, 0x00, 0x00,                          /* writable, tagged */
        0x00, 0x00, 0x00, 0x00,
    };
    TmVendorGetExtentMemoryRequest in = memory_request(258 * MiB, 2 * MiB);
    VendorFixture vf;

    vendor_fixture_init(&vf);
    g_assert_cmpint(call(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(vf.response.length, ==, sizeof(expected));
    wire_assert_bytes(vf.buffer, expected, sizeof(expected));

    backend_access(&vf, "tagged0", 2 * MiB, "tagged bytes", 12, true);
    uint8_t *map = mmap(NULL, BLOCK, PROT_READ, MAP_SHARED, vf.response.fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpmem(map, 12, "tagged bytes", 12);
    munmap(map, BLOCK);
    vendor_fixture_clear(&vf);
}

/* A tag shared with enable-shared-access: both hosts see the shared flag. */
static void test_get_extent_memory_shared(void)
{
    TmVendorGetExtentMemoryRequest in = memory_request(256 * MiB, 4 * MiB);
    g_autoptr(GError) err = NULL;
    VendorFixture vf;

    vendor_fixture_init(&vf);
    g_assert_cmpint(call(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(vf.buffer + 16), ==, 0x3);

    g_assert_cmpint(add_by_length(&vf.fx, 1, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 1, TAG, 0, &err),
                    ==, TM_DC_OK);
    g_assert_no_error(err);
    accept_all(&vf.fx, 1);
    for (uint16_t host = 0; host < 2; host++) {
        vf.caller.host_id = host;
        g_assert_cmpint(call(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in)), ==,
                        TM_CXL_RC_SUCCESS);
        g_assert_cmpuint(read_le64(vf.buffer), ==, 0);
        g_assert_cmpuint(read_le32(vf.buffer + 16), ==, 0x7);
    }
    /* Host 0 lets its part go: host 1's range is its alone again. */
    TmExtent released[] = { EXT(256 * MiB, 4 * MiB) };
    g_assert_cmpint(tm_dcd_host_release(vf.fx.dev, 0, released, 1, &err), ==, TM_DC_OK);
    g_assert_cmpint(call(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(read_le32(vf.buffer + 16), ==, 0x3);
    vendor_fixture_clear(&vf);
}

typedef struct {
    const char *name;
    uint16_t host;
    uint64_t dpa;
    uint64_t length;
    TmCxlReturnCode expected;
    const char *fragment;
} MemoryFailureCase;

static void test_get_extent_memory_refused(void)
{
    static const MemoryFailureCase cases[] = {
        { "length 0", 0, 0, 0, TM_CXL_RC_INVALID_INPUT, "length 0 at DPA 0x0" },
        { "outside every region", 0, 512 * MiB, 2 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "0x20000000+0x200000 is not inside one DC region" },
        { "across two regions", 0, 254 * MiB, 4 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "is not inside one DC region" },
        { "unaligned start", 0, 512, 4096, TM_CXL_RC_INVALID_INPUT,
          "0x200+0x1000 is not aligned to the region's block size 0x1000" },
        { "unaligned length", 0, 0, 512, TM_CXL_RC_INVALID_INPUT,
          "not aligned to the region's block size 0x1000" },
        { "not accepted", 0, 6 * MiB, 2 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "0x600000+0x200000 is not inside one extent host 0 has accepted" },
        { "across two extents", 0, 0, 4 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "is not inside one extent host 0 has accepted" },
        { "past the extent's end", 0, 258 * MiB, 4 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "is not inside one extent host 0 has accepted" },
        { "another host's extent", 0, 8 * MiB, 2 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "0x800000+0x200000 is not inside one extent host 0 has accepted" },
        { "host 1 asks for host 0's", 1, 0, 2 * MiB, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "is not inside one extent host 1 has accepted" },
    };
    VendorFixture vf;

    vendor_fixture_init(&vf);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TmVendorGetExtentMemoryRequest in = memory_request(cases[i].dpa, cases[i].length);
        g_test_message("case: %s", cases[i].name);
        vf.caller.host_id = cases[i].host;
        expect_failure(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in), cases[i].expected,
                       cases[i].fragment);
    }
    vendor_fixture_clear(&vf);
}

/* Private memory has no descriptor to give: Unsupported, and C002h/C003h still work. */
static void test_private_backend(void)
{
    TmExtent extent[] = { EXT(300 * MiB, 2 * MiB) };
    TmVendorGetExtentMemoryRequest in = memory_request(300 * MiB, 2 * MiB);
    VendorFixture vf;

    vendor_fixture_init(&vf);
    add_and_accept(&vf.fx, 0, 1, TAG_PRIVATE, extent, 1);
    expect_failure(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in), TM_CXL_RC_UNSUPPORTED,
                   "memory backend 'private0' is private memory");

    uint8_t write[16 + 5] = { 0 };
    TmVendorDpaAccessRequest header = { .dpa = htole64(300 * MiB + 7), .length = htole32(5) };
    memcpy(write, &header, sizeof(header));
    memcpy(write + 16, "hello", 5);
    g_assert_cmpint(call(&vf, TM_CXL_OP_WRITE_DPA, write, sizeof(write)), ==, TM_CXL_RC_SUCCESS);
    assert_backend_bytes(&vf, "private0", 7, "hello", 5);
    g_assert_cmpint(call(&vf, TM_CXL_OP_READ_DPA, &header, sizeof(header)), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpmem(vf.buffer, vf.response.length, "hello", 5);
    vendor_fixture_clear(&vf);
}

static GByteArray *write_payload(uint64_t dpa, const void *bytes, uint32_t length)
{
    GByteArray *payload = g_byte_array_new();
    TmVendorDpaAccessRequest header = { .dpa = htole64(dpa), .length = htole32(length) };

    g_byte_array_append(payload, (const guint8 *)&header, sizeof(header));
    g_byte_array_append(payload, bytes, length);
    return payload;
}

/* Bytes written by DPA land in the backend behind each extent; a read returns them. */
static void test_read_write_dpa(void)
{
    static const uint8_t pattern[] = {
        0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
        0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    };
    VendorFixture vf;

    vendor_fixture_init(&vf);
    /* Across the boundary of host 0's two untagged extents. */
    g_autoptr(GByteArray) across = write_payload(2 * MiB - 8, pattern, sizeof(pattern));
    g_assert_cmpint(call(&vf, TM_CXL_OP_WRITE_DPA, across->data, across->len), ==,
                    TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(vf.response.length, ==, 0);
    assert_backend_bytes(&vf, "static0", 2 * MiB - 8, pattern, 16);

    TmVendorDpaAccessRequest read = { .dpa = htole64(2 * MiB - 8), .length = htole32(16) };
    g_assert_cmpint(call(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(vf.response.length, ==, 16);
    wire_assert_bytes(vf.buffer, pattern, sizeof(pattern));

    /* Tagged: DPA 256M + 1M + 3 is byte 1M + 3 of the tag's backend. */
    g_autoptr(GByteArray) tagged = write_payload(257 * MiB + 3, pattern, 4);
    g_assert_cmpint(call(&vf, TM_CXL_OP_WRITE_DPA, tagged->data, tagged->len), ==,
                    TM_CXL_RC_SUCCESS);
    assert_backend_bytes(&vf, "tagged0", 1 * MiB + 3, pattern, 4);

    /* A read as large as the payload limit. */
    vf.caller.max_payload = 256;
    read = (TmVendorDpaAccessRequest) { .dpa = htole64(0), .length = htole32(256) };
    g_assert_cmpint(call(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read)), ==, TM_CXL_RC_SUCCESS);
    g_assert_cmpuint(vf.response.length, ==, 256);
    vendor_fixture_clear(&vf);
}

typedef struct {
    const char *name;
    uint16_t host;
    uint64_t dpa;
    uint32_t length;
    TmCxlReturnCode expected;
    const char *fragment;
} AccessFailureCase;

static void test_read_write_refused(void)
{
    static const AccessFailureCase cases[] = {
        { "length 0", 0, 0, 0, TM_CXL_RC_INVALID_INPUT, "length 0 at DPA 0x0" },
        { "past host 0's capacity", 0, 4 * MiB - 8, 16, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "DPA 0x400000 is not in capacity host 0 has accepted" },
        { "another host's", 0, 8 * MiB, 16, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "DPA 0x800000 is not in capacity host 0 has accepted" },
        { "host 1 reaches for host 0's", 1, 0, 16, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "DPA 0x0 is not in capacity host 1 has accepted" },
        { "wraps around", 0, UINT64_MAX - 7, 16, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "wraps around" },
        { "outside every region", 0, 1 * GiB, 16, TM_CXL_RC_INVALID_PHYSICAL_ADDRESS,
          "is not in capacity host 0 has accepted" },
    };
    VendorFixture vf;
    uint8_t ones[16];

    memset(ones, 0xff, sizeof(ones));
    vendor_fixture_init(&vf);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TmVendorDpaAccessRequest read = { .dpa = htole64(cases[i].dpa),
                                          .length = htole32(cases[i].length) };
        g_autoptr(GByteArray) write = write_payload(cases[i].dpa, ones, cases[i].length);

        g_test_message("case: %s", cases[i].name);
        vf.caller.host_id = cases[i].host;
        expect_failure(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read), cases[i].expected,
                       cases[i].fragment);
        expect_failure(&vf, TM_CXL_OP_WRITE_DPA, write->data, write->len, cases[i].expected,
                       cases[i].fragment);
    }
    /* All or nothing: the accepted half of the refused write was not written. */
    static const uint8_t zeros[8] = { 0 };
    assert_backend_bytes(&vf, "static0", 4 * MiB - 8, zeros, 8);
    assert_backend_bytes(&vf, "static0", 8 * MiB, zeros, 8);
    vendor_fixture_clear(&vf);
}

static void test_read_write_lengths(void)
{
    VendorFixture vf;

    vendor_fixture_init(&vf);
    vf.caller.max_payload = 256;
    TmVendorDpaAccessRequest read = { .dpa = htole64(0), .length = htole32(257) };
    expect_failure(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read), TM_CXL_RC_INVALID_INPUT,
                   "length 257 is more than the 256 bytes a response carries");

    /* Write: the payload must be the header and exactly @length bytes. */
    g_autoptr(GByteArray) write = write_payload(0, "abcd", 4);
    expect_failure(&vf, TM_CXL_OP_WRITE_DPA, write->data, write->len - 1,
                   TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "does not match its count of 4 entries");
    g_byte_array_append(write, (const guint8 *)"e", 1);
    expect_failure(&vf, TM_CXL_OP_WRITE_DPA, write->data, write->len,
                   TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "does not match its count of 4 entries");
    expect_failure(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read) - 1,
                   TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "takes a 16-byte payload, got 15 bytes");
    TmVendorGetExtentMemoryRequest memory = memory_request(0, 2 * MiB);
    expect_failure(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &memory, sizeof(memory) - 1,
                   TM_CXL_RC_INVALID_PAYLOAD_LENGTH, "takes a 16-byte payload, got 15 bytes");
    vendor_fixture_clear(&vf);
}

/* The data path is a host's: the FM port has none of it. */
static void test_fm_port_refused(void)
{
    TmVendorGetExtentMemoryRequest memory = memory_request(0, 2 * MiB);
    TmVendorDpaAccessRequest read = { .dpa = htole64(0), .length = htole32(16) };
    VendorFixture vf;

    vendor_fixture_init(&vf);
    vf.caller.port = TM_MAILBOX_PORT_FM;
    expect_failure(&vf, TM_CXL_OP_GET_EXTENT_MEMORY, &memory, sizeof(memory),
                   TM_CXL_RC_UNSUPPORTED, "Get Extent Memory (C001h) is not available on the FM");
    expect_failure(&vf, TM_CXL_OP_READ_DPA, &read, sizeof(read), TM_CXL_RC_UNSUPPORTED,
                   "Read DPA (C002h) is not available on the FM port");
    /* C000h goes from the device to a host, never the other way. */
    vf.caller.port = TM_MAILBOX_PORT_HOST;
    expect_failure(&vf, TM_CXL_OP_EVENT_NOTIFICATION, NULL, 0, TM_CXL_RC_UNSUPPORTED,
                   "command C000h is not supported");
    vendor_fixture_clear(&vf);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cci/vendor/request-layouts", test_request_layouts);
    g_test_add_func("/cci/vendor/get-extent-memory/untagged", test_get_extent_memory_untagged);
    g_test_add_func("/cci/vendor/get-extent-memory/tagged", test_get_extent_memory_tagged);
    g_test_add_func("/cci/vendor/get-extent-memory/shared", test_get_extent_memory_shared);
    g_test_add_func("/cci/vendor/get-extent-memory/refused", test_get_extent_memory_refused);
    g_test_add_func("/cci/vendor/private-backend", test_private_backend);
    g_test_add_func("/cci/vendor/read-write", test_read_write_dpa);
    g_test_add_func("/cci/vendor/read-write-refused", test_read_write_refused);
    g_test_add_func("/cci/vendor/read-write-lengths", test_read_write_lengths);
    g_test_add_func("/cci/vendor/fm-port-refused", test_fm_port_refused);
    return g_test_run();
}

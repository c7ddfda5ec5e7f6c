#include "dc_bulk.h"

#include <stdbool.h>
#include <string.h>

#include "cci_client.h"

/* Opcodes and return codes, written out: tests do not use src/cci. */
#define OP_SET_RESPONSE_MESSAGE_LIMIT 0x0004
#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_GET_DC_EXTENT_LIST 0x4801
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_RELEASE_DC 0x4803
#define OP_INITIATE_DC_ADD 0x5604
#define RC_SUCCESS 0x00
#define DC_EVENT_LOG 4
#define POLICY_PRESCRIPTIVE 2
#define RECORD_SIZE 128
/* Clear Event Records names at most 255 handles: its count is one byte. */
#define MAX_CLEAR_HANDLES 255

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static uint16_t call_rc(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    return response.return_code;
}

int tm_bulk_connect_host(const char *path)
{
    int fd = tm_test_cci_connect(path);
    const uint8_t limit = 20;   /* 2^20 bytes */

    g_assert_cmphex(call_rc(fd, OP_SET_RESPONSE_MESSAGE_LIMIT, &limit, 1), ==, RC_SUCCESS);
    return fd;
}

/* A 5604h payload: the 32-byte header, then @count 40-byte extents. */
static GByteArray *add_request(uint16_t host, uint8_t region, uint64_t first_dpa,
                               uint64_t stride, uint64_t length, guint count)
{
    GByteArray *payload = g_byte_array_sized_new(32 + 40 * count);
    uint8_t header[32] = { 0 };

    put_le(header, host, 2);
    header[2] = POLICY_PRESCRIPTIVE;
    header[3] = region;
    put_le(header + 28, count, 4);
    g_byte_array_append(payload, header, sizeof(header));
    for (guint i = 0; i < count; i++) {
        uint8_t extent[40] = { 0 };

        put_le(extent, first_dpa + i * stride, 8);
        put_le(extent + 8, length, 8);
        g_byte_array_append(payload, extent, sizeof(extent));
    }
    return payload;
}

/* A 4802h or 4803h payload: the 8-byte header, then @count 24-byte entries. */
static GByteArray *extent_response(uint64_t first_dpa, uint64_t stride, uint64_t length,
                                   guint count, bool more)
{
    GByteArray *payload = g_byte_array_sized_new(8 + 24 * count);
    uint8_t header[8] = { 0 };

    put_le(header, count, 4);
    header[4] = more ? 1 : 0;
    g_byte_array_append(payload, header, sizeof(header));
    for (guint i = 0; i < count; i++) {
        uint8_t entry[24] = { 0 };

        put_le(entry, first_dpa + i * stride, 8);
        put_le(entry + 8, length, 8);
        g_byte_array_append(payload, entry, sizeof(entry));
    }
    return payload;
}

guint tm_bulk_drain_dc_log(int host_fd)
{
    guint total = 0;

    for (;;) {
        uint8_t log = DC_EVENT_LOG;
        g_auto(TmTestCciPacket) records;

        tm_test_cci_call(host_fd, OP_GET_EVENT_RECORDS, &log, 1, &records, NULL);
        g_assert_cmphex(records.return_code, ==, RC_SUCCESS);
        guint n = tm_test_le16(records.payload + 20);
        if (n == 0) {
            return total;
        }
        g_assert_cmpuint(records.payload_size, ==, 32 + (gsize)n * RECORD_SIZE);
        for (guint done = 0; done < n;) {
            guint batch = MIN(n - done, MAX_CLEAR_HANDLES);
            g_autoptr(GByteArray) clear = g_byte_array_new();
            uint8_t header[6] = { DC_EVENT_LOG, 0, (uint8_t)batch };

            g_byte_array_append(clear, header, sizeof(header));
            for (guint i = done; i < done + batch; i++) {
                /* Records start at offset 32; the handle is at offset 20 of each. */
                g_byte_array_append(clear, records.payload + 32 + RECORD_SIZE * i + 20, 2);
            }
            g_assert_cmphex(call_rc(host_fd, OP_CLEAR_EVENT_RECORDS, clear->data, clear->len),
                            ==, RC_SUCCESS);
            done += batch;
        }
        total += n;
    }
}

/*
 * Entries in one 4802h part (24 bytes each): 192 KiB, less than a
 * SOCK_SEQPACKET socket takes in one packet by default.
 */
#define ENTRIES_PER_PART 8192u

/* Accept [dpa, dpa + length) in @piece-byte pieces, in 4802h parts chained with More. */
static void accept_in_pieces(int host_fd, uint64_t dpa, uint64_t length, uint64_t piece)
{
    uint64_t pieces = length / piece;

    for (uint64_t done = 0; done < pieces;) {
        guint part = (guint)MIN(pieces - done, ENTRIES_PER_PART);
        bool more = done + part < pieces;
        g_autoptr(GByteArray) accept = extent_response(dpa + done * piece, piece, piece, part,
                                                       more);

        g_assert_cmphex(call_rc(host_fd, OP_ADD_DC_RESPONSE, accept->data, accept->len), ==,
                        RC_SUCCESS);
        done += part;
    }
}

void tm_bulk_accept(int host_fd, uint64_t first_dpa, uint64_t stride, uint64_t length,
                    guint count)
{
    g_autoptr(GByteArray) accept = extent_response(first_dpa, stride, length, count, false);

    g_assert_cmpuint(count, <=, ENTRIES_PER_PART);
    g_assert_cmphex(call_rc(host_fd, OP_ADD_DC_RESPONSE, accept->data, accept->len), ==,
                    RC_SUCCESS);
}

void tm_bulk_add_accepted(int fm_fd, int host_fd, uint16_t host, uint8_t region,
                          uint64_t first_dpa, uint64_t stride, uint64_t length, guint count,
                          uint64_t piece)
{
    g_assert_true(length % piece == 0 && (piece == length || stride == length));
    for (guint done = 0; done < count;) {
        guint batch = MIN(count - done, TM_BULK_EXTENTS_PER_ADD);
        uint64_t dpa = first_dpa + done * stride;
        g_autoptr(GByteArray) add = add_request(host, region, dpa, stride, length, batch);

        g_assert_cmphex(call_rc(fm_fd, OP_INITIATE_DC_ADD, add->data, add->len), ==,
                        RC_SUCCESS);
        g_assert_cmpuint(tm_bulk_drain_dc_log(host_fd), ==, batch);
        if (piece == length) {
            tm_bulk_accept(host_fd, dpa, stride, length, batch);
        } else {
            /* Back to back extents: one run of pieces across the whole request. */
            accept_in_pieces(host_fd, dpa, (uint64_t)batch * length, piece);
        }
        done += batch;
    }
}

guint tm_bulk_read_extent_list(int host_fd, guint page, TmBulkExtentCheck check,
                               gpointer opaque)
{
    guint index = 0;
    guint total = 0;
    uint32_t generation = 0;

    do {
        uint8_t request[8];
        g_auto(TmTestCciPacket) reply;

        put_le(request, page, 4);
        put_le(request + 4, index, 4);
        tm_test_cci_call(host_fd, OP_GET_DC_EXTENT_LIST, request, sizeof(request), &reply, NULL);
        g_assert_cmphex(reply.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(reply.payload_size, >=, 16);
        guint returned = tm_test_le32(reply.payload);
        if (index == 0) {
            total = tm_test_le32(reply.payload + 4);
            generation = tm_test_le32(reply.payload + 8);
        }
        g_assert_cmpuint(tm_test_le32(reply.payload + 4), ==, total);
        g_assert_cmpuint(tm_test_le32(reply.payload + 8), ==, generation);
        if (total == 0) {
            g_assert_cmpuint(returned, ==, 0);
            break;
        }
        /* The device returns what fits its reply when asked for more. */
        g_assert_cmpuint(returned, >, 0);
        g_assert_cmpuint(returned, <=, MIN(page, total - index));
        g_assert_cmpuint(reply.payload_size, ==, 16 + 40 * (gsize)returned);
        for (guint i = 0; i < returned && check; i++) {
            const uint8_t *entry = reply.payload + 16 + 40 * i;
            check(index + i, tm_test_le64(entry), tm_test_le64(entry + 8), opaque);
        }
        index += returned;
    } while (index < total);
    return index;
}

uint16_t tm_bulk_release(int host_fd, uint64_t dpa, uint64_t length)
{
    g_autoptr(GByteArray) release = extent_response(dpa, 0, length, 1, false);

    return call_rc(host_fd, OP_RELEASE_DC, release->data, release->len);
}

uint16_t tm_bulk_fm_add_one(int fm_fd, uint16_t host, uint64_t dpa, uint64_t length)
{
    uint8_t payload[32 + 40] = { 0 };

    payload[0] = (uint8_t)host;
    payload[1] = (uint8_t)(host >> 8);
    payload[2] = 2;   /* prescriptive */
    payload[28] = 1;  /* one extent */
    for (int i = 0; i < 8; i++) {
        payload[32 + i] = (uint8_t)(dpa >> (8 * i));
        payload[40 + i] = (uint8_t)(length >> (8 * i));
    }
    return call_rc(fm_fd, OP_INITIATE_DC_ADD, payload, sizeof(payload));
}

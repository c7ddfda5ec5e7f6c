/*
 * FM-API DCD management through the real daemon's FM socket (docs/fm-api.md),
 * mixed with QMP and a raw host client: an FM add reaches the host and shows
 * in query-cxl-dynamic-capacity, a QMP add shows in 5603h, an FM forced
 * release takes capacity back with the same QMP event as QMP's, each of two
 * devices answers only for itself on its own FM socket, a tag reference
 * keeps a tag's bytes across a forced release for the next host, and the FM
 * withdraws (C100h) an offer a host never answered.
 */
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"
#include "e2e_daemon.h"

#define MiB (UINT64_C(1) << 20)
#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define TAG_A_BYTES 0x01, 0x23, 0xab, 0xcd, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0x0a
#define RESPONSE_TIMEOUT_MS 10000

/* Opcodes and return codes, written out: the test does not use src/cci. */
#define OP_GET_EVENT_RECORDS 0x0100
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_GET_DCD_INFO 0x5600
#define OP_GET_HOST_DC_REGION_CONFIG 0x5601
#define OP_GET_DC_REGION_EXTENT_LISTS 0x5603
#define OP_INITIATE_DC_ADD 0x5604
#define OP_INITIATE_DC_RELEASE 0x5605
#define OP_DC_ADD_REFERENCE 0x5606
#define OP_DC_REMOVE_REFERENCE 0x5607
#define OP_DC_LIST_TAGS 0x5608
#define OP_EVENT_NOTIFICATION 0xC000
#define OP_READ_DPA 0xC002
#define OP_WRITE_DPA 0xC003
#define OP_WITHDRAW_DC 0xC100
#define RC_SUCCESS 0x00
#define RC_INVALID_INPUT 0x02
#define RC_UNSUPPORTED 0x03

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    char *fm[2];     /* FM sockets of dcd0 and dcd1 */
    char *host[2];   /* dcd0's hosts 0 and 1 */
} FmDaemon;

/*
 * dcd0 (two 256 MiB regions, two hosts, region 1 sharable) and dcd1 (one
 * region, one host); a 4 MiB memfd tagged TAG_A.
 */
static void fm_daemon_start(FmDaemon *fd)
{
    char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "qmp.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    const char *args[] = {
        "-qmp", qmp,
        "-object", "memory-backend-memfd,id=dc0,size=512M",
        "-object", "memory-backend-memfd,id=dc1,size=256M",
        "-object", "memory-backend-memfd,id=t1,size=4M,tag=" TAG_A,
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2,"
                   "dc-region-sharable=2",
        "-device", "cxl-type3,id=dcd1,volatile-dc-memdev=dc1,num-dc-regions=1,num-hosts=1",
        NULL,
    };

    fd->fm[0] = g_build_filename(dir, "tagmem", "fm.sock", NULL);
    fd->fm[1] = g_build_filename(dir, "tagmem", "dcd1-fm.sock", NULL);
    fd->host[0] = g_build_filename(dir, "tagmem", "host0.sock", NULL);
    fd->host[1] = g_build_filename(dir, "tagmem", "host1.sock", NULL);
    fd->daemon = tm_test_daemon_start_in(dir, args, NULL, qmp_path);
    fd->qmp = tm_test_daemon_connect(fd->daemon);
}

static void fm_daemon_stop(FmDaemon *fd)
{
    tm_qmp_conn_free(fd->qmp);
    g_assert_cmpint(tm_test_daemon_stop(fd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(fd->daemon);
    g_free(fd->fm[0]);
    g_free(fd->fm[1]);
    g_free(fd->host[0]);
    g_free(fd->host[1]);
}

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

/*
 * A 5604h/5605h payload: the 32-byte header (@tag may be NULL) and @n
 * 40-byte extents (dpa, len pairs).
 */
static GByteArray *dc_request_tagged(uint16_t host, uint8_t policy_or_flags, uint8_t region,
                                     uint64_t length, const uint8_t *tag,
                                     const uint64_t *extents, guint n)
{
    GByteArray *payload = g_byte_array_new();
    uint8_t header[32] = { 0 };

    put_le(header, host, 2);
    header[2] = policy_or_flags;
    header[3] = region;
    put_le(header + 4, length, 8);
    if (tag) {
        memcpy(header + 12, tag, 16);
    }
    put_le(header + 28, n, 4);
    g_byte_array_append(payload, header, sizeof(header));
    for (guint i = 0; i < n; i++) {
        uint8_t extent[40] = { 0 };

        put_le(extent, extents[2 * i], 8);
        put_le(extent + 8, extents[2 * i + 1], 8);
        g_byte_array_append(payload, extent, sizeof(extent));
    }
    return payload;
}

static GByteArray *dc_request(uint16_t host, uint8_t policy_or_flags, uint8_t region,
                              uint64_t length, const uint64_t *extents, guint n)
{
    return dc_request_tagged(host, policy_or_flags, region, length, NULL, extents, n);
}

static uint16_t call(int fd, uint16_t opcode, const void *payload, size_t length,
                     TmTestCciPacket *response)
{
    tm_test_cci_call(fd, opcode, payload, length, response, NULL);
    return response->return_code;
}

static uint16_t call_rc(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    return call(fd, opcode, payload, length, &response);
}

/* 5603h for @host: the accepted extents as "dpa+len" words, and the total. */
static char *fm_extents(int fm, uint16_t host, uint32_t *total)
{
    uint8_t request[12] = { 0 };
    g_auto(TmTestCciPacket) response;
    GString *out = g_string_new(NULL);

    put_le(request, host, 2);
    put_le(request + 4, 1000, 4);
    g_assert_cmpuint(call(fm, OP_GET_DC_REGION_EXTENT_LISTS, request, 12, &response), ==,
                     RC_SUCCESS);
    g_assert_cmpuint(tm_test_le16(response.payload), ==, host);
    *total = tm_test_le32(response.payload + 12);
    uint32_t returned = tm_test_le32(response.payload + 8);
    g_assert_cmpuint(response.payload_size, ==, 24 + returned * 40);
    for (uint32_t i = 0; i < returned; i++) {
        const uint8_t *extent = response.payload + 24 + i * 40;

        g_string_append_printf(out, "%s%" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x",
                               i ? " " : "", tm_test_le64(extent), tm_test_le64(extent + 8));
    }
    return g_string_free(out, FALSE);
}

/* The host's side of an offer: the notification, its records read and cleared, 4802h. */
static void host_accepts_one(int host, uint64_t dpa, uint64_t length)
{
    g_auto(TmTestCciPacket) note;
    g_auto(TmTestCciPacket) records;
    uint8_t dc_log = 4;

    g_assert_true(tm_test_cci_receive(host, RESPONSE_TIMEOUT_MS, &note));
    g_assert_cmphex(note.opcode, ==, OP_EVENT_NOTIFICATION);
    g_assert_cmpuint(call(host, OP_GET_EVENT_RECORDS, &dc_log, 1, &records), ==, RC_SUCCESS);
    g_assert_cmpuint(tm_test_le16(records.payload + 20), ==, 1);
    /* The record's extent is the FM's: DPA at 32 + 56, length right after. */
    g_assert_cmphex(tm_test_le64(records.payload + 32 + 56), ==, dpa);
    g_assert_cmphex(tm_test_le64(records.payload + 32 + 64), ==, length);
    uint8_t clear[8] = { 4, 0, 1, 0, 0, 0 };
    memcpy(clear + 6, records.payload + 32 + 20, 2);
    g_assert_cmpuint(call_rc(host, OP_CLEAR_EVENT_RECORDS, clear, 8), ==, RC_SUCCESS);

    uint8_t accept[8 + 24] = { 1 };
    put_le(accept + 8, dpa, 8);
    put_le(accept + 16, length, 8);
    g_assert_cmpuint(call_rc(host, OP_ADD_DC_RESPONSE, accept, sizeof(accept)), ==, RC_SUCCESS);
}

/* Read the pending notification and every record of @host's DC log, and clear them. */
static void drain_log(int host)
{
    g_auto(TmTestCciPacket) note;
    g_auto(TmTestCciPacket) records;
    uint8_t dc_log = 4;

    g_assert_true(tm_test_cci_receive(host, RESPONSE_TIMEOUT_MS, &note));
    g_assert_cmphex(note.opcode, ==, OP_EVENT_NOTIFICATION);
    g_assert_cmpuint(call(host, OP_GET_EVENT_RECORDS, &dc_log, 1, &records), ==, RC_SUCCESS);
    uint16_t count = tm_test_le16(records.payload + 20);
    g_autofree uint8_t *clear = g_malloc0(6 + 2 * count);
    clear[0] = 4;
    clear[2] = (uint8_t)count;
    for (uint16_t i = 0; i < count; i++) {
        memcpy(clear + 6 + 2 * i, records.payload + 32 + 128 * i + 20, 2);
    }
    g_assert_cmpuint(call_rc(host, OP_CLEAR_EVENT_RECORDS, clear, 6 + 2 * count), ==,
                     RC_SUCCESS);
}

/* query-cxl-dynamic-capacity: device @dev, host @host, "pending" or "accepted" count. */
static size_t queried(TmQmpConn *qmp, int dev, int host, const char *list)
{
    json_object *reply = tm_test_execute(qmp, "query-cxl-dynamic-capacity", NULL);
    json_object *device = json_object_array_get_idx(tm_test_assert_return(reply), dev);
    json_object *hosts, *entries;

    g_assert_true(json_object_object_get_ex(device, "hosts", &hosts));
    g_assert_true(json_object_object_get_ex(json_object_array_get_idx(hosts, host), list,
                                            &entries));
    size_t n = json_object_array_length(entries);
    json_object_put(reply);
    return n;
}

static void test_fm_and_qmp_planes(void)
{
    FmDaemon fd;
    uint32_t total;

    fm_daemon_start(&fd);
    int fm = tm_test_cci_connect(fd.fm[0]);
    int host = tm_test_cci_connect_host(fd.host[0]);

    /* Discovery: two hosts, two regions of 256 MiB, every policy. */
    g_auto(TmTestCciPacket) info;
    g_assert_cmpuint(call(fm, OP_GET_DCD_INFO, NULL, 0, &info), ==, RC_SUCCESS);
    g_assert_cmpuint(info.payload_size, ==, 84);
    g_assert_cmpuint(info.payload[0], ==, 2);
    g_assert_cmpuint(info.payload[1], ==, 2);
    g_assert_cmphex(tm_test_le16(info.payload + 4), ==, 0x0f);
    g_assert_cmpuint(tm_test_le64(info.payload + 12), ==, 2);

    /* FM add for host 0: the host is told, QMP sees it pending, then accepted. */
    const uint64_t extent[] = { 256 * MiB, 4 * MiB };
    g_autoptr(GByteArray) add = dc_request(0, 2, 1, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_ADD, add->data, add->len), ==, RC_SUCCESS);
    g_assert_cmpuint(queried(fd.qmp, 0, 0, "pending"), ==, 1);
    host_accepts_one(host, 256 * MiB, 4 * MiB);
    json_object_put(tm_e2e_next_event(fd.qmp, "CXL_DC_CAPACITY_COMMITTED"));
    g_assert_cmpuint(queried(fd.qmp, 0, 0, "accepted"), ==, 1);
    g_autofree char *listed = fm_extents(fm, 0, &total);
    g_assert_cmpstr(listed, ==, "10000000+400000");

    /* A QMP add for host 1 shows in 5603h once accepted; until then not at all. */
    json_object *reply = tm_test_execute(fd.qmp, "cxl-add-dynamic-capacity",
        "{\"path\": \"dcd0\", \"host-id\": 1, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 2097152}]}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_autofree char *before = fm_extents(fm, 1, &total);
    g_assert_cmpuint(total, ==, 0);

    /* FM forced release of host 0's extent: gone at once, QMP's event says forced. */
    g_autoptr(GByteArray) release = dc_request(0, 0x11, 0, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_RELEASE, release->data, release->len), ==,
                     RC_SUCCESS);
    json_object *released = tm_e2e_next_event(fd.qmp, "CXL_DC_CAPACITY_RELEASED");
    json_object *data, *forced;
    g_assert_true(json_object_object_get_ex(released, "data", &data));
    g_assert_true(json_object_object_get_ex(data, "forced", &forced));
    g_assert_true(json_object_get_boolean(forced));
    json_object_put(released);
    g_assert_cmpuint(queried(fd.qmp, 0, 0, "accepted"), ==, 0);
    g_autofree char *after = fm_extents(fm, 0, &total);
    g_assert_cmpuint(total, ==, 0);

    /*
     * Host 1 never answers QMP's add: the FM withdraws it (C100h, every
     * request of host 1), with QMP's event; a second withdrawal finds nothing.
     */
    uint8_t withdraw[32] = { 1, 0 };
    g_assert_cmpuint(queried(fd.qmp, 0, 1, "pending"), ==, 1);
    g_assert_cmpuint(call_rc(host, OP_WITHDRAW_DC, withdraw, sizeof(withdraw)), ==,
                     RC_UNSUPPORTED);
    g_assert_cmpuint(call_rc(fm, OP_WITHDRAW_DC, withdraw, sizeof(withdraw)), ==, RC_SUCCESS);
    json_object_put(tm_e2e_next_event(fd.qmp, "CXL_DC_CAPACITY_WITHDRAWN"));
    g_assert_cmpuint(queried(fd.qmp, 0, 1, "pending"), ==, 0);
    g_assert_cmpuint(call_rc(fm, OP_WITHDRAW_DC, withdraw, sizeof(withdraw)), ==,
                     RC_INVALID_INPUT);

    /* Hostile: the FM plane's commands on a host socket, a bad host id. */
    g_assert_cmpuint(call_rc(host, OP_INITIATE_DC_ADD, add->data, add->len), ==, RC_UNSUPPORTED);
    uint8_t bad_host[4] = { 7, 0, 8, 0 };
    g_assert_cmpuint(call_rc(fm, OP_GET_HOST_DC_REGION_CONFIG, bad_host, 4), ==,
                     RC_INVALID_INPUT);
    g_assert_cmpuint(queried(fd.qmp, 0, 0, "pending"), ==, 0);
    close(fm);
    close(host);
    fm_daemon_stop(&fd);
}

/* C003h of @length bytes at @dpa, or C002h into @out when @data is NULL. */
static void dpa_io(int host, uint64_t dpa, const char *data, char *out, uint32_t length)
{
    g_autoptr(GByteArray) payload = g_byte_array_new();
    uint8_t header[16] = { 0 };
    g_auto(TmTestCciPacket) response;

    put_le(header, dpa, 8);
    put_le(header + 8, length, 4);
    g_byte_array_append(payload, header, sizeof(header));
    if (data) {
        g_byte_array_append(payload, (const guint8 *)data, length);
    }
    g_assert_cmpuint(call(host, data ? OP_WRITE_DPA : OP_READ_DPA, payload->data, payload->len,
                          &response), ==, RC_SUCCESS);
    if (out) {
        g_assert_cmpuint(response.payload_size, ==, length);
        memcpy(out, response.payload, length);
    }
}

/* 5608h: how many tags, and the first one's flags and bitmaps' first bytes. */
static uint32_t fm_tags(int fm, uint8_t *flags, uint8_t *holders, uint8_t *pending)
{
    uint8_t request[8] = { 0, 0, 0, 0, 16 };
    g_auto(TmTestCciPacket) response;

    g_assert_cmpuint(call(fm, OP_DC_LIST_TAGS, request, 8, &response), ==, RC_SUCCESS);
    uint32_t returned = tm_test_le32(response.payload + 8);
    if (returned > 0) {
        *flags = response.payload[16 + 16];
        *holders = response.payload[16 + 20];
        *pending = response.payload[16 + 52];
    }
    return returned;
}

/*
 * An FM reference keeps a tag's bytes across host 0's forced release for
 * host 1; only after the reference and host 1 are gone is the capacity
 * free, and sanitized: the next owner reads zeros.
 */
static void test_tag_reference_keeps_data(void)
{
    static const uint8_t tag[16] = { TAG_A_BYTES };
    const uint64_t extent[] = { 256 * MiB, 2 * MiB };
    uint8_t flags = 0, holders = 0, pending = 0;
    char read_back[9] = { 0 };
    FmDaemon fd;

    fm_daemon_start(&fd);
    int fm = tm_test_cci_connect(fd.fm[0]);
    int host0 = tm_test_cci_connect_host(fd.host[0]);
    int host1 = tm_test_cci_connect_host(fd.host[1]);

    g_autoptr(GByteArray) add0 = dc_request_tagged(0, 2, 1, 0, tag, extent, 1);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_ADD, add0->data, add0->len), ==, RC_SUCCESS);
    host_accepts_one(host0, 256 * MiB, 2 * MiB);
    dpa_io(host0, 256 * MiB + 100, "survives", NULL, 8);
    g_assert_cmpuint(call_rc(fm, OP_DC_ADD_REFERENCE, tag, 16), ==, RC_SUCCESS);

    /* Host 0 loses it by force, sanitize asked: the reference keeps the bytes. */
    g_autoptr(GByteArray) release0 = dc_request(0, 0x01 | 0x10 | 0x20, 0, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_RELEASE, release0->data, release0->len), ==,
                     RC_SUCCESS);
    g_assert_cmpuint(fm_tags(fm, &flags, &holders, &pending), ==, 1);
    g_assert_cmpuint(flags, ==, 1);
    g_assert_cmpuint(holders, ==, 0);

    g_autoptr(GByteArray) share = dc_request_tagged(1, 3, 1, 0, tag, NULL, 0);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_ADD, share->data, share->len), ==, RC_SUCCESS);
    g_assert_cmpuint(fm_tags(fm, &flags, &holders, &pending), ==, 1);
    g_assert_cmpuint(pending, ==, 0x02);
    host_accepts_one(host1, 256 * MiB, 2 * MiB);
    dpa_io(host1, 256 * MiB + 100, NULL, read_back, 8);
    g_assert_cmpstr(read_back, ==, "survives");

    /* The reference goes, then host 1: freed, sanitized. */
    g_assert_cmpuint(call_rc(fm, OP_DC_REMOVE_REFERENCE, tag, 16), ==, RC_SUCCESS);
    g_assert_cmpuint(call_rc(fm, OP_DC_REMOVE_REFERENCE, tag, 16), ==, RC_INVALID_INPUT);
    g_autoptr(GByteArray) release1 = dc_request(1, 0x01 | 0x10, 0, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_RELEASE, release1->data, release1->len), ==,
                     RC_SUCCESS);
    g_assert_cmpuint(fm_tags(fm, &flags, &holders, &pending), ==, 0);
    drain_log(host0);   /* the forced release's record */
    g_assert_cmpuint(call_rc(fm, OP_INITIATE_DC_ADD, add0->data, add0->len), ==, RC_SUCCESS);
    host_accepts_one(host0, 256 * MiB, 2 * MiB);
    dpa_io(host0, 256 * MiB + 100, NULL, read_back, 8);
    g_assert_cmpmem(read_back, 8, "\0\0\0\0\0\0\0\0", 8);
    close(fm);
    close(host0);
    close(host1);
    fm_daemon_stop(&fd);
}

/* Each device's FM socket manages that device only. */
static void test_two_devices(void)
{
    FmDaemon fd;
    uint32_t total;

    fm_daemon_start(&fd);
    int fm0 = tm_test_cci_connect(fd.fm[0]);
    int fm1 = tm_test_cci_connect(fd.fm[1]);
    g_auto(TmTestCciPacket) info;
    g_assert_cmpuint(call(fm1, OP_GET_DCD_INFO, NULL, 0, &info), ==, RC_SUCCESS);
    g_assert_cmpuint(info.payload[0], ==, 1);
    g_assert_cmpuint(info.payload[1], ==, 1);

    const uint64_t extent[] = { 0, 2 * MiB };
    g_autoptr(GByteArray) add = dc_request(0, 2, 0, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm1, OP_INITIATE_DC_ADD, add->data, add->len), ==, RC_SUCCESS);
    g_assert_cmpuint(queried(fd.qmp, 1, 0, "pending"), ==, 1);
    g_assert_cmpuint(queried(fd.qmp, 0, 0, "pending"), ==, 0);
    /* dcd1 has one host: host 1 exists only on dcd0. */
    g_autoptr(GByteArray) add_host1 = dc_request(1, 2, 0, 0, extent, 1);
    g_assert_cmpuint(call_rc(fm1, OP_INITIATE_DC_ADD, add_host1->data, add_host1->len), ==,
                     RC_INVALID_INPUT);
    g_autofree char *none = fm_extents(fm0, 0, &total);
    g_assert_cmpuint(total, ==, 0);
    close(fm0);
    close(fm1);
    fm_daemon_stop(&fd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fm-api/fm-and-qmp-planes", test_fm_and_qmp_planes);
    g_test_add_func("/fm-api/two-devices", test_two_devices);
    g_test_add_func("/fm-api/tag-reference-keeps-data", test_tag_reference_keeps_data);
    return g_test_run();
}

/*
 * libtagmem's decoder of the device's own event records against the
 * daemon's encoder (cci/event_record_codec.c): each kind read back with
 * its log, flags, type, DPA and raw bytes; malformed outputs refused.
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "cci/cxl_commands.h"
#include "host/host_error.h"
#include "host/ras_codec.h"

/* A Get Event Records output holding @records encoded by the daemon. */
static GByteArray *output(const TmEventRecord *records, guint n)
{
    GByteArray *bytes = g_byte_array_new();
    uint8_t header[32] = { 0 };

    header[20] = (uint8_t)n;
    g_byte_array_append(bytes, header, sizeof(header));
    for (guint i = 0; i < n; i++) {
        TmCxlEventRecord wire;

        tm_cxl_event_record_encode(&records[i], &wire);
        g_byte_array_append(bytes, (const uint8_t *)&wire, sizeof(wire));
    }
    return bytes;
}

static void test_every_kind(void)
{
    const TmEventRecord records[] = {
        { .handle = 7, .timestamp_ns = 99, .kind = TM_EVENT_KIND_GENERAL_MEDIA,
          .media = { .common = { .dpa = 0x12345041, .flags = 0x21, .descriptor = 1,
                                 .type = 2 } } },
        { .handle = 8, .kind = TM_EVENT_KIND_DRAM,
          .dram = { .common = { .dpa = 0x80, .flags = 3, .type = 1 } } },
        { .handle = 9, .kind = TM_EVENT_KIND_MEMORY_MODULE,
          .module = { .flags = 1, .type = 3, .health = { .temperature = -2 } } },
        { .handle = 10, .kind = TM_EVENT_KIND_DYNAMIC_CAPACITY },
    };
    g_autoptr(GByteArray) bytes = output(records, G_N_ELEMENTS(records));
    TmHostDeviceBatch batch = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_host_device_batch_decode(bytes->data, bytes->len, TAGMEM_DEVICE_LOG_FATAL,
                                              &batch, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(batch.events->len, ==, 4);
    const TagmemDeviceEvent *media = &g_array_index(batch.events, TagmemDeviceEvent, 0);
    g_assert_cmpint(media->log, ==, TAGMEM_DEVICE_LOG_FATAL);
    g_assert_cmpint(media->type, ==, TAGMEM_DEVICE_EVENT_GENERAL_MEDIA);
    g_assert_cmphex(media->flags, ==, 0x21);
    g_assert_cmpuint(media->timestamp_ns, ==, 99);
    g_assert_true(media->has_dpa);
    g_assert_cmphex(media->dpa, ==, 0x12345040);     /* flag bits dropped */
    g_assert_cmpuint(media->descriptor, ==, 1);
    g_assert_cmpuint(media->event_type, ==, 2);
    g_assert_cmpmem(media->record, 128, bytes->data + 32, 128);
    const TagmemDeviceEvent *dram = &g_array_index(batch.events, TagmemDeviceEvent, 1);
    g_assert_cmpint(dram->type, ==, TAGMEM_DEVICE_EVENT_DRAM);
    g_assert_cmphex(dram->dpa, ==, 0x80);
    const TagmemDeviceEvent *module = &g_array_index(batch.events, TagmemDeviceEvent, 2);
    g_assert_cmpint(module->type, ==, TAGMEM_DEVICE_EVENT_MEMORY_MODULE);
    g_assert_false(module->has_dpa);
    g_assert_cmpuint(module->event_type, ==, 3);
    g_assert_cmpint(g_array_index(batch.events, TagmemDeviceEvent, 3).type, ==,
                    TAGMEM_DEVICE_EVENT_OTHER);
    for (guint i = 0; i < 4; i++) {
        g_assert_cmpuint(g_array_index(batch.handles, uint16_t, i), ==, 7 + i);
    }
    tm_host_device_batch_clear(&batch);
}

/* One row per malformed output: refused with EPROTO, nothing kept. */
static void test_malformed(void)
{
    const TmEventRecord one = { .kind = TM_EVENT_KIND_DRAM };
    g_autoptr(GByteArray) good = output(&one, 1);
    g_autoptr(GByteArray) bad_length = output(&one, 1);
    g_autoptr(GByteArray) bad_count = output(&one, 1);
    bad_length->data[32 + 16] = 127;
    bad_count->data[20] = 2;
    const struct {
        const uint8_t *bytes;
        size_t len;
    } cases[] = {
        { good->data, 31 },
        { good->data, good->len - 1 },
        { bad_length->data, bad_length->len },
        { bad_count->data, bad_count->len },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TmHostDeviceBatch batch = { 0 };
        g_autoptr(GError) err = NULL;

        g_assert_false(tm_host_device_batch_decode(cases[i].bytes, cases[i].len,
                                                   TAGMEM_DEVICE_LOG_INFORMATIONAL, &batch, &err));
        g_assert_error(err, TM_HOST_ERROR, EPROTO);
        g_assert_null(batch.events);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/ras_codec/every_kind", test_every_kind);
    g_test_add_func("/host/ras_codec/malformed", test_malformed);
    return g_test_run();
}

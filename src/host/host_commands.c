#include "host/host_commands.h"

#include <endian.h>
#include <string.h>
#include <unistd.h>

#include "host/host_error.h"
#include "host/updated_extent_list.h"

/* The most regions a device has (CXL r3.1 §8.2.9.9.9.1). */
#define MAX_DC_REGIONS 8
/* Clear Event Records carries a one-byte handle count (Table 8-54). */
#define MAX_CLEAR_HANDLES 255

static void drop_fd(TmHostReply *reply)
{
    if (reply->fd >= 0) {
        close(reply->fd);
        reply->fd = -1;
    }
}

bool tm_host_identify(TmHostConn *conn, size_t *max_payload, GError **err)
{
    TmHostReply reply;
    TmCxlIdentifyResponse out;

    if (!tm_host_conn_call(conn, TM_CXL_OP_IDENTIFY, NULL, 0, &reply, err)) {
        return false;
    }
    drop_fd(&reply);
    if (reply.payload_len < sizeof(out)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "Identify output of %zu bytes is shorter than %zu",
                    reply.payload_len, sizeof(out));
        return false;
    }
    memcpy(&out, reply.payload, sizeof(out));
    /* 2^n bytes, n = 8..20 (CXL r3.1 §8.2.9.1.1); the length field holds 2^20 - 1. */
    if (out.max_message_size < 8 || out.max_message_size > 20) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Identify max message size 2^%u is outside 2^8..2^20", out.max_message_size);
        return false;
    }
    *max_payload = MIN((size_t)1 << out.max_message_size, TM_CCI_MAX_PAYLOAD_LENGTH);
    return true;
}

/*
 * A command a device may lack: Unsupported is not an error (the device
 * then keeps its default), anything else is.
 */
static bool call_optional(TmHostConn *conn, uint16_t opcode, const void *payload, size_t length,
                          GError **err)
{
    g_autoptr(GError) local = NULL;
    TmHostReply reply;

    if (tm_host_conn_call(conn, opcode, payload, length, &reply, &local)) {
        drop_fd(&reply);
        return true;
    }
    if (g_error_matches(local, TM_HOST_ERROR, EREMOTEIO) &&
        conn->last_return_code == TM_CXL_RC_UNSUPPORTED) {
        tm_host_log(conn->logger, TAGMEM_LOG_DEBUG,
                    "the device does not support %04Xh; it keeps its default", opcode);
        return true;
    }
    g_propagate_error(err, g_steal_pointer(&local));
    return false;
}

/*
 * Ask for records to fit our buffer (0004h) and for the notification
 * packet of every event log (0103h).  Both commands are optional (CXL r3.1
 * §8.2.9.1.4, §8.2.9.2.5): a device without them, such as a tagmemd from
 * before they existed, sends its notifications unasked and records within
 * its own limit.
 */
bool tm_host_enable_events(TmHostConn *conn, size_t max_payload, GError **err)
{
    /* The smallest 2^n holding @max_payload (which may be 2^20 - 1); the daemon holds it to its own. */
    TmCxlResponseMessageLimit limit = { .limit_log2 = (uint8_t)MIN(g_bit_storage(max_payload), 20) };
    /* Every log: mode 01b (the device's RAS records as well as DC). */
    TmCxlEventInterruptPolicy policy = {
        .informational = 0x01, .warning = 0x01, .failure = 0x01, .fatal = 0x01,
        .dynamic_capacity = 0x01,
    };

    return call_optional(conn, TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, &limit, sizeof(limit),
                         err) &&
           call_optional(conn, TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, &policy, sizeof(policy),
                         err);
}

bool tm_host_get_dc_config(TmHostConn *conn, GArray *regions, GError **err)
{
    unsigned available = MAX_DC_REGIONS;

    while (regions->len < available) {
        TmCxlGetDcConfigRequest in = {
            .region_count = MAX_DC_REGIONS,
            .start_region = (uint8_t)regions->len,
        };
        TmHostReply reply;
        guint before = regions->len;

        if (!tm_host_conn_call(conn, TM_CXL_OP_GET_DC_CONFIG, &in, sizeof(in), &reply, err)) {
            return false;
        }
        drop_fd(&reply);
        if (!tm_host_dc_config_decode(reply.payload, reply.payload_len, regions, &available,
                                      err)) {
            return false;
        }
        if (regions->len == before && regions->len < available) {
            g_set_error(err, TM_HOST_ERROR, EPROTO,
                        "Get DC Configuration returned no region from region %u of %u",
                        before, available);
            return false;
        }
    }
    return true;
}

bool tm_host_get_extent_list(TmHostConn *conn, size_t max_payload, GArray *extents,
                             GError **err)
{
    uint32_t per_message = (uint32_t)((max_payload - sizeof(TmCxlGetDcExtentListResponse)) /
                                      sizeof(TmCxlDcExtent));
    uint32_t total = 0;

    do {
        TmCxlGetDcExtentListRequest in = {
            .extent_count = htole32(per_message),
            .start_index = htole32(extents->len),
        };
        TmHostReply reply;
        guint before = extents->len;

        if (!tm_host_conn_call(conn, TM_CXL_OP_GET_DC_EXTENT_LIST, &in, sizeof(in), &reply,
                               err)) {
            return false;
        }
        drop_fd(&reply);
        if (!tm_host_extent_list_decode(reply.payload, reply.payload_len, extents, &total,
                                        err)) {
            return false;
        }
        if (extents->len == before && extents->len < total) {
            g_set_error(err, TM_HOST_ERROR, EPROTO,
                        "Get DC Extent List returned no extent from index %u of %u", before,
                        total);
            return false;
        }
    } while (extents->len < total);
    return true;
}

/* One page of C004h: appends its extents, sets *@total; false on a malformed answer. */
static bool decode_pending_offer(const TmHostReply *reply, GArray *extents, uint32_t *total,
                                 GError **err)
{
    TmVendorGetPendingOfferResponse header;

    if (reply->payload_len < sizeof(header)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "Get Pending Offer output of %zu bytes",
                    reply->payload_len);
        return false;
    }
    memcpy(&header, reply->payload, sizeof(header));
    uint32_t returned = le32toh(header.returned_count);
    *total = le32toh(header.total_count);
    if (reply->payload_len != sizeof(header) + (size_t)returned * sizeof(TmCxlDcExtent) ||
        extents->len + returned > *total) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Pending Offer: %u extents in %zu bytes, %u in all", returned,
                    reply->payload_len, *total);
        return false;
    }
    for (uint32_t i = 0; i < returned; i++) {
        TmCxlDcExtent wire;
        TagmemExtent extent;

        memcpy(&wire, reply->payload + sizeof(header) + i * sizeof(wire), sizeof(wire));
        tm_host_dc_extent_decode(&wire, &extent);
        g_array_append_val(extents, extent);
    }
    return returned > 0 || extents->len == *total;
}

bool tm_host_get_pending_offer(TmHostConn *conn, GArray *extents, GError **err)
{
    uint32_t total = 0;

    do {
        TmVendorGetPendingOfferRequest in = { .start_index = htole32(extents->len) };
        TmHostReply reply;

        if (!tm_host_conn_call(conn, TM_CXL_OP_GET_PENDING_OFFER, &in, sizeof(in), &reply,
                               err)) {
            return false;
        }
        drop_fd(&reply);
        if (!decode_pending_offer(&reply, extents, &total, err)) {
            g_prefix_error(err, "from index %u: ", extents->len);
            return false;
        }
    } while (extents->len < total);
    return true;
}

bool tm_host_get_dc_events(TmHostConn *conn, TmHostEventBatch *batch, GError **err)
{
    uint8_t log = TM_HOST_EVENT_LOG_DYNAMIC_CAPACITY;
    TmHostReply reply;

    if (!tm_host_conn_call(conn, TM_CXL_OP_GET_EVENT_RECORDS, &log, sizeof(log), &reply, err)) {
        return false;
    }
    drop_fd(&reply);
    return tm_host_event_batch_decode(reply.payload, reply.payload_len, batch, err);
}

bool tm_host_clear_dc_events(TmHostConn *conn, size_t max_payload, const uint16_t *handles,
                             size_t n_handles, GError **err)
{
    return tm_host_clear_events(conn, max_payload, TM_HOST_EVENT_LOG_DYNAMIC_CAPACITY, handles,
                                n_handles, err);
}

bool tm_host_get_device_events(TmHostConn *conn, TagmemDeviceLog log, TmHostDeviceBatch *batch,
                               GError **err)
{
    uint8_t log_id = (uint8_t)log;
    TmHostReply reply;

    if (!tm_host_conn_call(conn, TM_CXL_OP_GET_EVENT_RECORDS, &log_id, sizeof(log_id), &reply,
                           err)) {
        return false;
    }
    drop_fd(&reply);
    return tm_host_device_batch_decode(reply.payload, reply.payload_len, log, batch, err);
}

bool tm_host_clear_events(TmHostConn *conn, size_t max_payload, uint8_t log,
                          const uint16_t *handles, size_t n_handles, GError **err)
{
    size_t per_message = MIN(MAX_CLEAR_HANDLES,
                             (max_payload - sizeof(TmCxlClearEventRecordsRequest)) /
                             sizeof(uint16_t));
    g_autofree uint8_t *payload = g_malloc(sizeof(TmCxlClearEventRecordsRequest) +
                                           per_message * sizeof(uint16_t));

    for (size_t done = 0; done < n_handles;) {
        size_t part = MIN(n_handles - done, per_message);
        TmCxlClearEventRecordsRequest header = {
            .event_log = log,
            .handle_count = (uint8_t)part,
        };
        TmHostReply reply;

        memcpy(payload, &header, sizeof(header));
        for (size_t i = 0; i < part; i++) {
            uint16_t handle = htole16(handles[done + i]);

            memcpy(payload + sizeof(header) + i * sizeof(handle), &handle, sizeof(handle));
        }
        if (!tm_host_conn_call(conn, TM_CXL_OP_CLEAR_EVENT_RECORDS, payload,
                               sizeof(header) + part * sizeof(uint16_t), &reply, err)) {
            return false;
        }
        drop_fd(&reply);
        done += part;
    }
    return true;
}

bool tm_host_add_dc_response(TmHostConn *conn, size_t max_payload, const TagmemExtent *extents,
                             size_t n_extents, size_t *parts_sent, GError **err)
{
    g_autoptr(GPtrArray) payloads = tm_host_updated_extent_payloads(extents, n_extents,
                                                                    max_payload);

    *parts_sent = 0;
    for (guint i = 0; i < payloads->len; i++) {
        gsize len = 0;
        const void *payload = g_bytes_get_data(payloads->pdata[i], &len);
        TmHostReply reply;

        if (!tm_host_conn_call(conn, TM_CXL_OP_ADD_DC_RESPONSE, payload, len, &reply, err)) {
            return false;
        }
        drop_fd(&reply);
        (*parts_sent)++;
    }
    return true;
}

bool tm_host_release_dc(TmHostConn *conn, const TagmemExtent *extent, GError **err)
{
    g_autoptr(GPtrArray) payloads = tm_host_updated_extent_payloads(extent, 1,
                                                                    TM_CCI_MAX_PAYLOAD_LENGTH);
    gsize len = 0;
    const void *payload = g_bytes_get_data(payloads->pdata[0], &len);
    TmHostReply reply;

    if (!tm_host_conn_call(conn, TM_CXL_OP_RELEASE_DC, payload, len, &reply, err)) {
        return false;
    }
    drop_fd(&reply);
    return true;
}

bool tm_host_get_extent_memory(TmHostConn *conn, uint64_t dpa, uint64_t length,
                               TmHostExtentMemory *out, GError **err)
{
    TmVendorGetExtentMemoryRequest in = { .dpa = htole64(dpa), .length = htole64(length) };
    TmVendorGetExtentMemoryResponse wire;
    TmHostReply reply;

    if (!tm_host_conn_call(conn, TM_CXL_OP_GET_EXTENT_MEMORY, &in, sizeof(in), &reply, err)) {
        return false;
    }
    if (reply.payload_len < sizeof(wire) || reply.fd < 0) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Extent Memory output of %zu bytes%s", reply.payload_len,
                    reply.fd < 0 ? " came without a descriptor" : " is shorter than 24");
        drop_fd(&reply);
        return false;
    }
    memcpy(&wire, reply.payload, sizeof(wire));
    *out = (TmHostExtentMemory){
        .file_offset = le64toh(wire.file_offset),
        .length = le64toh(wire.length),
        .flags = le32toh(wire.flags),
        .fd = reply.fd,
    };
    /* One memory object per answer: as much as asked, or less, never nothing. */
    if (out->length == 0 || out->length > length) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Extent Memory answered length 0x%" G_GINT64_MODIFIER "x for 0x%"
                    G_GINT64_MODIFIER "x", out->length, length);
        close(out->fd);
        return false;
    }
    return true;
}

bool tm_host_read_dpa(TmHostConn *conn, size_t max_payload, uint64_t dpa, void *buf,
                      size_t length, GError **err)
{
    for (size_t done = 0; done < length;) {
        size_t part = MIN(length - done, max_payload);
        TmVendorDpaAccessRequest in = {
            .dpa = htole64(dpa + done),
            .length = htole32((uint32_t)part),
        };
        TmHostReply reply;

        if (!tm_host_conn_call(conn, TM_CXL_OP_READ_DPA, &in, sizeof(in), &reply, err)) {
            return false;
        }
        drop_fd(&reply);
        if (reply.payload_len != part) {
            g_set_error(err, TM_HOST_ERROR, EPROTO,
                        "Read DPA answered %zu bytes for %zu", reply.payload_len, part);
            return false;
        }
        memcpy((uint8_t *)buf + done, reply.payload, part);
        done += part;
    }
    return true;
}

bool tm_host_write_dpa(TmHostConn *conn, size_t max_payload, uint64_t dpa, const void *buf,
                       size_t length, GError **err)
{
    size_t per_message = max_payload - sizeof(TmVendorDpaAccessRequest);
    g_autofree uint8_t *payload = g_malloc(max_payload);

    for (size_t done = 0; done < length;) {
        size_t part = MIN(length - done, per_message);
        TmVendorDpaAccessRequest header = {
            .dpa = htole64(dpa + done),
            .length = htole32((uint32_t)part),
        };
        TmHostReply reply;

        memcpy(payload, &header, sizeof(header));
        memcpy(payload + sizeof(header), (const uint8_t *)buf + done, part);
        if (!tm_host_conn_call(conn, TM_CXL_OP_WRITE_DPA, payload, sizeof(header) + part,
                               &reply, err)) {
            return false;
        }
        drop_fd(&reply);
        done += part;
    }
    return true;
}

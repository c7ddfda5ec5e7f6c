/*
 * The commands a host sends, one function each: build the payload, call,
 * check and decode the response.  Commands whose answer or input may not
 * fit one message (4800h, 4801h, 0101h, 4802h, C002h, C003h) are split
 * over as many as @max_payload needs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "host/dc_codec.h"
#include "host/ras_codec.h"
#include "host/host_conn.h"

/* CXL r3.1 §8.2.9.1.1 Identify (0001h): the largest payload the device takes and sends. */
bool tm_host_identify(TmHostConn *conn, size_t *max_payload, GError **err);

/*
 * Make this connection the host's event channel: list replies as large as
 * @max_payload (Set Response Message Limit, 0004h; the daemon's default is
 * the 2 KiB of a CXL mailbox) and the C000h notification for the records
 * of every log (Set Event Interrupt Policy, 0103h, MSI/MSI-X), which the
 * daemon sends only to connections that ask (docs/host-protocol.md).
 */
bool tm_host_enable_events(TmHostConn *conn, size_t max_payload, GError **err);

/* The offer the next 4802h answers (C004h), appended to @extents; empty when none. */
bool tm_host_get_pending_offer(TmHostConn *conn, GArray *extents, GError **err);

/* 4800h Get DC Configuration: every region, into @regions (of TagmemRegion). */
bool tm_host_get_dc_config(TmHostConn *conn, GArray *regions, GError **err);

/* 4801h Get DC Extent List: every committed extent, into @extents (of TagmemExtent). */
bool tm_host_get_extent_list(TmHostConn *conn, size_t max_payload, GArray *extents,
                             GError **err);

/* 0100h Get Event Records on the DC log. */
bool tm_host_get_dc_events(TmHostConn *conn, TmHostEventBatch *batch, GError **err);

/* 0101h Clear Event Records on the DC log, oldest first, as many messages as needed. */
bool tm_host_clear_dc_events(TmHostConn *conn, size_t max_payload, const uint16_t *handles,
                             size_t n_handles, GError **err);

/* 0100h Get Event Records on one of the device's own logs (informational .. fatal). */
bool tm_host_get_device_events(TmHostConn *conn, TagmemDeviceLog log, TmHostDeviceBatch *batch,
                               GError **err);

/* 0101h Clear Event Records on @log, oldest first, as many messages as needed. */
bool tm_host_clear_events(TmHostConn *conn, size_t max_payload, uint8_t log,
                          const uint16_t *handles, size_t n_handles, GError **err);

/*
 * 4802h Add DC Response listing @extents, split with More when needed (one
 * empty message when n_extents is 0).  *parts_sent counts the messages the
 * device took, so that a failure part-way is known.
 */
bool tm_host_add_dc_response(TmHostConn *conn, size_t max_payload, const TagmemExtent *extents,
                             size_t n_extents, size_t *parts_sent, GError **err);

/* 4803h Release DC of one extent. */
bool tm_host_release_dc(TmHostConn *conn, const TagmemExtent *extent, GError **err);

/*
 * C001h Get Extent Memory, decoded, with the descriptor (the caller closes
 * it).  The answer covers one memory object: the first @out->length bytes
 * of the range, which may be less than asked (docs/host-protocol.md).
 */
typedef struct {
    uint64_t file_offset;
    uint64_t length;
    uint32_t flags;            /* TM_VENDOR_EXTENT_MEMORY_* */
    int fd;
} TmHostExtentMemory;

bool tm_host_get_extent_memory(TmHostConn *conn, uint64_t dpa, uint64_t length,
                               TmHostExtentMemory *out, GError **err);

/* C002h Read DPA / C003h Write DPA over [dpa, dpa + length). */
bool tm_host_read_dpa(TmHostConn *conn, size_t max_payload, uint64_t dpa, void *buf,
                      size_t length, GError **err);
bool tm_host_write_dpa(TmHostConn *conn, size_t max_payload, uint64_t dpa, const void *buf,
                       size_t length, GError **err);

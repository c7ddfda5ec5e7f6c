/*
 * Many Dynamic Capacity extents quickly, for tests and benchmarks that
 * need hundreds of thousands: the FM adds them in large prescriptive
 * requests (Initiate DC Add, 5604h), the host reads and clears its DC log
 * (0100h/0101h) and accepts them (4802h, in More-chained parts), and the
 * host's extent list is read back page by page (4801h).  Raw packets from
 * the test CCI client (cci_client.h); failures abort the test.
 */
#pragma once

#include <stdint.h>
#include <glib.h>

/*
 * Extents the FM sends in one 5604h (40 bytes each): 160 KiB, less than
 * a SOCK_SEQPACKET socket takes in one packet by default (net.core.wmem_default).
 */
#define TM_BULK_EXTENTS_PER_ADD 4096u

/* A host connection that takes replies of up to 1 MiB (0004h) and gets no notifications. */
int tm_bulk_connect_host(const char *path);

/*
 * The FM adds @count extents of @length bytes to @host in @region, extent
 * i at DPA @first_dpa + i * @stride, in 5604h requests of at most
 * TM_BULK_EXTENTS_PER_ADD; after each request the host on @host_fd drains
 * its DC log and accepts all of it: each extent whole when @piece is
 * @length, else (extents back to back, @stride == @length) in pieces of
 * @piece bytes, each of which becomes an extent of the host, listed in
 * 4802h parts chained with More.  Pieces give a host many extents for
 * few event records.
 */
void tm_bulk_add_accepted(int fm_fd, int host_fd, uint16_t host, uint8_t region,
                          uint64_t first_dpa, uint64_t stride, uint64_t length, guint count,
                          uint64_t piece);

/*
 * The host accepts @count (at most 8,192: one 4802h) extents of @length
 * bytes at @first_dpa + i * @stride, the whole of its oldest pending request.
 */
void tm_bulk_accept(int host_fd, uint64_t first_dpa, uint64_t stride, uint64_t length,
                    guint count);

/* Read and clear every record of the host's DC log; returns how many there were. */
guint tm_bulk_drain_dc_log(int host_fd);

/*
 * Page through the host's extent list (4801h) from index 0, asking for
 * @page extents at a time (the device may return fewer, as many as its
 * reply holds), checking that the pages agree on the total and generation.
 * Calls @check for each extent in order (may be NULL); returns the number
 * of extents read, which is the total the device reported.
 */
typedef void (*TmBulkExtentCheck)(guint index, uint64_t dpa, uint64_t length, gpointer opaque);
guint tm_bulk_read_extent_list(int host_fd, guint page, TmBulkExtentCheck check,
                               gpointer opaque);

/* The host releases [dpa, dpa + length) with one 4803h; returns the return code. */
uint16_t tm_bulk_release(int host_fd, uint64_t dpa, uint64_t length);

/*
 * The FM adds one prescriptive extent of @length bytes at @dpa to @host in
 * region 0 (one 5604h), whose answer is left to the host; returns the
 * return code.
 */
uint16_t tm_bulk_fm_add_one(int fm_fd, uint16_t host, uint64_t dpa, uint64_t length);

/*
 * Scan Media (CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6) on a device: a
 * background operation that looks for media errors in a DPA range and
 * keeps what it found until a host reads it.
 *
 * tagmem's media errors are exactly the poisoned lines its device knows
 * (dcd_poison.h): the poison list never forgets a line (its "overflow"
 * only limits what Get Poison List reports), so a scan finds every
 * poisoned line of the range, reported by 4300h or not, without reading
 * memory.  The results are not durable state (docs/durable-state.md): a
 * restarted daemon has no scan results, as a reset device has none.
 */
#pragma once

#include "device/dcd.h"
#include "device/poison_list.h"

/*
 * Get Scan Media Capabilities' estimate for [dpa, dpa + length), in ms
 * (at least 1): see dcd_scan_media.c for what it stands for.
 */
uint32_t tm_dcd_scan_media_estimate_ms(const TmDcd *dev, uint64_t dpa, uint64_t length);

/*
 * Start a scan of [dpa, dpa + length) (the caller checked the range),
 * reported by 0002h under @opcode: Busy while another background
 * operation runs.  The previous results are discarded; the poisoned
 * ranges are taken now, on the main loop, and the worker turns them into
 * the results.  With @log_events (the No Event Log flag clear), each
 * error found becomes a General Media record in every host's
 * informational log when the scan ends (tm_dcd_log_media_error).
 */
TmDcStatus tm_dcd_scan_media(TmDcd *dev, uint16_t opcode, uint64_t dpa, uint64_t length,
                             bool log_events, GError **err);

/* A scan runs (Get Poison List's Scan Media In Progress flag), after settling one that ended. */
bool tm_dcd_scan_media_running(TmDcd *dev);

/*
 * Take (consume) up to @max_out of the last scan's results, in DPA order,
 * appended to @out (TmPoisonRange, each at most UINT32_MAX lines); *more
 * says whether some remain.  No scan started since the daemon did →
 * Unsupported (as QEMU); a scan running → Busy.
 */
TmDcStatus tm_dcd_scan_media_take_results(TmDcd *dev, guint max_out, GArray *out, bool *more,
                                          GError **err);

/* dcd.c: the results left when the device goes away. */
void tm_dcd_scan_media_free(TmDcd *dev);

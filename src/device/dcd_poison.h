/*
 * Poison on a device (CXL r3.1 §8.2.9.9.4): 64-byte lines of DPA whose
 * data is lost.  Poison belongs to the DPA, not to a host: every host that
 * holds a poisoned line (capacity shared through a tag included) sees it,
 * by-DPA reads of it fail with a media error, and only Clear Poison (which
 * writes the line's new data) or a sanitize of the range removes it.
 * Hosts holding a line whose poison changes get a
 * TM_DCD_NOTICE_POISON_CHANGED notice (docs/host-protocol.md).
 */
#pragma once

#include "device/dcd.h"
#include "device/poison_list.h"

/*
 * The shape of an injected range, QEMU's checks and texts in its order
 * (which come before it looks the device up): @length a multiple of 64,
 * @dpa 64-byte aligned; and, tagmem's own, @length not 0 (Invalid Input).
 */
TmDcStatus tm_dcd_check_poison_range(uint64_t dpa, uint64_t length, GError **err);

/*
 * QMP cxl-inject-poison, QEMU's rules and wording: @length a non-zero
 * multiple of 64, @dpa 64-byte aligned (Invalid Input), the range inside
 * one DC region (Invalid Physical Address), none of it poisoned already
 * (Invalid Input).  The lines are poisoned with source "internal" (as
 * QEMU marks poison injected over QMP); past the list's maximum the list
 * overflows, and the poison is kept all the same.
 */
TmDcStatus tm_dcd_inject_poison(TmDcd *dev, uint64_t dpa, uint64_t length, GError **err);

/*
 * Inject Poison (4301h) for one line at @dpa: 64-byte aligned (Invalid
 * Input), inside a DC region (Invalid Physical Address).  A line already
 * poisoned is Success and changes nothing (as QEMU); a list that already
 * holds the inject poison limit's worth of records refuses with Inject
 * Poison Limit Reached.
 */
TmDcStatus tm_dcd_host_inject_poison(TmDcd *dev, uint64_t dpa, GError **err);

/*
 * Clear Poison (4302h) from @host_id: write @data (64 bytes) to the line
 * at @dpa through the host's data path (tm_dcd_host_write: the line must
 * be in capacity the host has accepted, else Invalid Physical Address) and
 * clear its poison.  A line that is not poisoned is written all the same
 * and the answer is Success (CXL r3.1 §8.2.9.9.4.3; QEMU does the same).
 * @write_data false clears the poison only: a daemon replaying its journal
 * does not write memory, which keeps itself (docs/durable-state.md).
 */
TmDcStatus tm_dcd_host_clear_poison(TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                    const uint8_t *data, bool write_data, GError **err);

/* General Media Event transaction types (CXL r3.1 Table 8-45) tagmem reports. */
#define TM_GM_TRANSACTION_UNKNOWN 0x00u
#define TM_GM_TRANSACTION_HOST_SCAN_MEDIA 0x03u
#define TM_GM_TRANSACTION_HOST_INJECT_POISON 0x04u

/*
 * A media error at @dpa as one General Media record (an uncorrectable
 * Media ECC Error at a volatile DPA) in the Informational Event Log of
 * every host of the device (dcd_ras.h).  Injection logs one per request
 * (CXL r3.1 §8.2.9.9.4.2: a poison creation event), Scan Media one per
 * error found unless asked not to (§8.2.9.9.4.5), so that a host learns
 * of poison also in capacity it does not hold yet.
 */
void tm_dcd_log_media_error(TmDcd *dev, uint64_t dpa, uint8_t transaction_type);

/* Some line of [dpa, dpa + length) is poisoned; *first_dpa the first (may be NULL). */
bool tm_dcd_poison_find(const TmDcd *dev, uint64_t dpa, uint64_t length, uint64_t *first_dpa);

/*
 * Clear the poison of [dpa, dpa + length) (line-aligned): what sanitize
 * and Scan Media use.  Hosts holding cleared lines are told.  Returns the
 * bytes that were poisoned.
 */
uint64_t tm_dcd_clear_poison_range(TmDcd *dev, uint64_t dpa, uint64_t length);

/*
 * Sanitize and Secure Erase (dcd_sanitize.c) rewrite the whole media, so no
 * line of the device stays poisoned (CXL r3.1 §8.2.9.9.5.1: sanitize
 * removes all user data, and poison is a property of that data).
 */
uint64_t tm_dcd_clear_all_poison(TmDcd *dev);

/* Every poisoned range in [dpa, dpa + length) (poison_list.h), reported or not. */
void tm_dcd_foreach_poison(const TmDcd *dev, uint64_t dpa, uint64_t length,
                           TmPoisonRangeFn fn, void *opaque);

/* The device's list as Get Poison List reports it (tm_poison_list_report). */
bool tm_dcd_poison_report(const TmDcd *dev, uint64_t dpa, uint64_t length, uint64_t *cursor,
                          guint max_out, GArray *out);
bool tm_dcd_poison_overflowed(const TmDcd *dev, uint64_t *since_ns);
guint tm_dcd_poison_count(const TmDcd *dev);
/* Identify Memory Device's poison list maximum and inject poison limit. */
guint tm_dcd_poison_list_max(const TmDcd *dev);
guint tm_dcd_inject_poison_limit(const TmDcd *dev);

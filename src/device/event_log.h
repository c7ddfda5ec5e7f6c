/*
 * A host's event logs (CXL r3.1 §8.2.9.2): the four standard logs
 * (informational, warning, failure, fatal) and the Dynamic Capacity log.
 * Records are held structured; cci/ encodes them as 128-byte common event
 * records when a host reads them (Get Event Records, 0100h).
 *
 * Handles are non-zero 16-bit numbers assigned in order of arrival.  A
 * log has a fixed depth, the most records it may hold; its memory follows
 * the records it does hold (tm_event_log_room).  Callers that must not
 * lose records (the DC log: every record of an accepted add request) check
 * tm_event_log_free_slots() before appending, so that a request that would
 * not fit is refused.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "device/extent.h"

typedef enum {
    TM_EVENT_LOG_INFO = 0,
    TM_EVENT_LOG_WARNING = 1,
    TM_EVENT_LOG_FAILURE = 2,
    TM_EVENT_LOG_FATAL = 3,
    TM_EVENT_LOG_DYNAMIC_CAPACITY = 4,
} TmEventLogType;
#define TM_EVENT_LOG_COUNT 5

/* Dynamic Capacity event types (CXL r3.1 §8.2.9.2.1.6). */
typedef enum {
    TM_DC_EVENT_ADD_CAPACITY = 0x00,
    TM_DC_EVENT_RELEASE_CAPACITY = 0x01,
    TM_DC_EVENT_FORCED_CAPACITY_RELEASE = 0x02,
    TM_DC_EVENT_REGION_CONFIGURATION_UPDATED = 0x03,
    TM_DC_EVENT_ADD_CAPACITY_RESPONSE = 0x04,
    TM_DC_EVENT_CAPACITY_RELEASED = 0x05,
} TmDcEventType;

/* One Dynamic Capacity event record's content (the DC log's only kind). */
typedef struct {
    TmDcEventType type;
    uint16_t host_id;
    uint8_t region;
    bool more;                  /* another record of the same request follows */
    TmExtent extent;
    uint32_t available_extents; /* r3.2 */
    uint32_t available_tags;    /* r3.2 */
} TmDcEvent;

typedef struct {
    uint16_t handle;
    uint64_t timestamp_ns;
    TmDcEvent dc;
} TmEventRecord;

typedef struct TmEventLog TmEventLog;

/*
 * Handles are 16-bit and never 0, so a log can tell at most 0xFFFF records
 * apart; @depth must be 1..TM_EVENT_LOG_MAX_DEPTH.
 */
#define TM_EVENT_LOG_MAX_DEPTH 0xFFFFu

TmEventLog *tm_event_log_new(guint depth);
void tm_event_log_free(TmEventLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmEventLog, tm_event_log_free)

guint tm_event_log_depth(const TmEventLog *log);
guint tm_event_log_count(const TmEventLog *log);
guint tm_event_log_free_slots(const TmEventLog *log);
/*
 * Records the log has memory for: it grows with the records held, up to
 * the depth, and shrinks when they are cleared (nothing when empty).
 */
guint tm_event_log_room(const TmEventLog *log);

/*
 * Append a DC event; the log assigns handle and timestamp.  When the log is
 * full the record is dropped and counted as an overflow (the Get Event
 * Records overflow fields report it), and false is returned.
 */
bool tm_event_log_append(TmEventLog *log, const TmDcEvent *event, uint64_t timestamp_ns);

/* The @index-th oldest record (0 = oldest), or NULL. */
const TmEventRecord *tm_event_log_peek(const TmEventLog *log, guint index);

/*
 * Overflow state (CXL r3.1 §8.2.9.2.2, Get Event Records output: Overflow
 * flag, Overflow Error Count, First/Last Overflow Event Timestamp).  The
 * flag stays set until the host clears records: any clear that removes at
 * least one record resets it, as does clear-all (QEMU does the same: every
 * removed record resets the overflow state).
 */
typedef struct {
    bool overflowed;
    uint16_t overflow_count;    /* saturates at 0xFFFF */
    uint64_t first_overflow_ns;
    uint64_t last_overflow_ns;
} TmEventLogOverflow;

TmEventLogOverflow tm_event_log_overflow(const TmEventLog *log);

typedef enum {
    TM_EVENT_CLEAR_OK,
    TM_EVENT_CLEAR_INVALID_HANDLE, /* a handle is not in the log */
    TM_EVENT_CLEAR_INVALID_INPUT,  /* e.g. handles not in the order the log holds them */
} TmEventClearResult;

/*
 * Remove the records with these handles, all or none (CXL r3.1 §8.2.9.2.3).
 * The handles must name the oldest records of the log, oldest first: the
 * spec requires them in temporal order and answers Invalid Handle when an
 * older record would stay behind; QEMU and Linux likewise clear from the
 * head in the order Get Event Records returned them.
 *   - a handle not in the log (or 0)           -> INVALID_HANDLE
 *   - handles out of log order, or repeated    -> INVALID_INPUT
 *   - an older record would not be cleared     -> INVALID_HANDLE
 * Zero handles is OK and removes nothing.
 */
TmEventClearResult tm_event_log_clear(TmEventLog *log, const uint16_t *handles, guint n_handles);

/* Remove every record and reset the overflow state. */
void tm_event_log_clear_all(TmEventLog *log);

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

/* One Dynamic Capacity event record's content (the DC log holds only these). */
typedef struct {
    TmDcEventType type;
    uint16_t host_id;
    uint8_t region;
    bool more;                  /* another record of the same request follows */
    TmExtent extent;
    uint32_t available_extents; /* r3.2 */
    uint32_t available_tags;    /* r3.2 */
} TmDcEvent;

/*
 * The device's health as Get Health Info (4200h) reports it and a Memory
 * Module event record copies it (CXL r3.1 §8.2.9.9.3.1, Table 8-123).
 */
typedef struct {
    uint8_t health_status;      /* bit 0 maintenance needed, 1 performance degraded,
                                   2 hardware replacement needed */
    uint8_t media_status;       /* 00h normal, ... */
    uint8_t additional_status;  /* life used, temperature, shutdown, error alerts */
    uint8_t life_used;          /* percent, 0-100 */
    int16_t temperature;        /* degrees Celsius */
    uint32_t dirty_shutdown_count;
    uint32_t corrected_volatile_errors;
    uint32_t corrected_persistent_errors;
} TmHealthInfo;

/* Event Record Flags bits 1:0, the severity (CXL r3.1 Table 8-43). */
typedef enum {
    TM_EVENT_SEVERITY_INFORMATIONAL = 0,
    TM_EVENT_SEVERITY_WARNING = 1,
    TM_EVENT_SEVERITY_FAILURE = 2,
    TM_EVENT_SEVERITY_FATAL = 3,
} TmEventSeverity;

/*
 * General Media and DRAM records share their first fields (CXL r3.1
 * §8.2.9.2.1.1 and §8.2.9.2.1.2).  @dpa is the Physical Address field
 * as-is: the DPA in bits 63:6, the flag bits (volatile, ...) in 2:0.
 */
typedef struct {
    uint64_t dpa;
    uint32_t flags;             /* Event Record Flags, 24 bits (severity in 1:0) */
    uint16_t validity;          /* which optional fields below are valid */
    uint8_t descriptor;
    uint8_t type;
    uint8_t transaction_type;
} TmMediaEventCommon;

/* CXL r3.1 §8.2.9.2.1.1: General Media Event Record. */
typedef struct {
    TmMediaEventCommon common;
    uint8_t channel;
    uint8_t rank;
    uint32_t device;            /* 24 bits */
    uint8_t component_id[16];
} TmGeneralMediaEvent;

/* CXL r3.1 §8.2.9.2.1.2: DRAM Event Record. */
typedef struct {
    TmMediaEventCommon common;
    uint8_t channel;
    uint8_t rank;
    uint8_t bank_group;
    uint8_t bank;
    uint16_t column;
    uint32_t nibble_mask;       /* 24 bits */
    uint32_t row;               /* 24 bits */
    uint64_t correction_mask[4];
} TmDramEvent;

/* Memory Module event types (CXL r3.1 §8.2.9.2.1.3, Device Event Type). */
typedef enum {
    TM_MODULE_EVENT_HEALTH_STATUS_CHANGE = 0x00,
    TM_MODULE_EVENT_MEDIA_STATUS_CHANGE = 0x01,
    TM_MODULE_EVENT_LIFE_USED_CHANGE = 0x02,
    TM_MODULE_EVENT_TEMPERATURE_CHANGE = 0x03,
    TM_MODULE_EVENT_DATA_PATH_ERROR = 0x04,
    TM_MODULE_EVENT_LSA_ERROR = 0x05,
} TmModuleEventType;

/* CXL r3.1 §8.2.9.2.1.3: Memory Module Event Record. */
typedef struct {
    uint32_t flags;             /* Event Record Flags, 24 bits */
    uint8_t type;               /* TmModuleEventType, or any value injected */
    TmHealthInfo health;        /* the device's health at the event */
} TmMemoryModuleEvent;

/* Which record a TmEventRecord holds; each has its record UUID on the wire. */
typedef enum {
    TM_EVENT_KIND_DYNAMIC_CAPACITY = 0,
    TM_EVENT_KIND_GENERAL_MEDIA,
    TM_EVENT_KIND_DRAM,
    TM_EVENT_KIND_MEMORY_MODULE,
} TmEventKind;

/* Ordered so that a record costs 88 bytes (the DRAM record is the largest kind). */
typedef struct {
    uint16_t handle;
    TmEventKind kind;
    uint64_t timestamp_ns;
    union {
        TmDcEvent dc;                  /* TM_EVENT_KIND_DYNAMIC_CAPACITY */
        TmGeneralMediaEvent media;     /* TM_EVENT_KIND_GENERAL_MEDIA */
        TmDramEvent dram;              /* TM_EVENT_KIND_DRAM */
        TmMemoryModuleEvent module;    /* TM_EVENT_KIND_MEMORY_MODULE */
    };
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

/*
 * Append a record of any kind: @record's kind and content are copied, the
 * log assigns handle and timestamp.  Full: as tm_event_log_append().
 */
bool tm_event_log_append_record(TmEventLog *log, const TmEventRecord *record,
                                uint64_t timestamp_ns);

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

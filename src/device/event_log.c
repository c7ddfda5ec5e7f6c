#include "device/event_log.h"

#include <string.h>

/*
 * A ring of records.  Records leave only from the oldest end (a clear by
 * handles must name the oldest records, and clear-all empties the log), so
 * the records in the log always carry consecutive handles in the cyclic
 * space 1..0xFFFF.  That gives O(1) handle lookup (distance from the
 * oldest handle) and guarantees that the next handle is never one still in
 * the log: it could only be if the log held 0xFFFF records, and then the
 * log is full and the append is refused.
 *
 * The depth is a bound, not an allocation: a log holds what is
 * outstanding, often nothing, while its depth may be 65535 records of a
 * host that takes a million extents.  So the ring's room follows the
 * records held: it doubles when full (up to the depth) and, when a clear
 * leaves it a quarter full or less, shrinks to twice what is left (to
 * nothing when empty).  Each resize copies the records once, after at
 * least as many appends or removals, so appends and clears stay O(1)
 * amortized.
 */
struct TmEventLog {
    guint depth;
    guint room;            /* records allocated, at most depth */
    guint oldest;          /* ring index of the oldest record */
    guint count;
    uint16_t next_handle;  /* never 0 */
    TmEventLogOverflow overflow;
    TmEventRecord *records;
};

/* A ring that grows from nothing starts with room for this many records. */
#define MIN_ROOM 8u

TmEventLog *tm_event_log_new(guint depth)
{
    g_return_val_if_fail(depth >= 1 && depth <= TM_EVENT_LOG_MAX_DEPTH, NULL);

    TmEventLog *log = g_new0(TmEventLog, 1);
    log->depth = depth;
    log->next_handle = 1;
    return log;
}

void tm_event_log_free(TmEventLog *log)
{
    if (log == NULL) {
        return;
    }
    g_free(log->records);
    g_free(log);
}

guint tm_event_log_room(const TmEventLog *log)
{
    return log->room;
}

/* Twice @count records (a power of two, at most the depth); nothing for none. */
static guint room_for(const TmEventLog *log, guint count)
{
    guint room = MIN_ROOM;

    if (count == 0) {
        return 0;
    }
    while (room < 2 * count) {
        room *= 2;
    }
    return MIN(room, log->depth);
}

/* Move the records to a ring of @room (>= count) records, the oldest first. */
static void resize(TmEventLog *log, guint room)
{
    TmEventRecord *records = room ? g_new(TmEventRecord, room) : NULL;
    guint first = MIN(log->count, log->room - log->oldest);

    g_assert(room >= log->count);
    if (log->count > 0) {
        memcpy(records, &log->records[log->oldest], first * sizeof(*records));
        memcpy(&records[first], log->records, (log->count - first) * sizeof(*records));
    }
    g_free(log->records);
    log->records = records;
    log->room = room;
    log->oldest = 0;
}

guint tm_event_log_depth(const TmEventLog *log)
{
    return log->depth;
}

guint tm_event_log_count(const TmEventLog *log)
{
    return log->count;
}

guint tm_event_log_free_slots(const TmEventLog *log)
{
    return log->depth - log->count;
}

/* The handle after @handle: 1, 2, ..., 0xFFFF, 1, ... (0 is never valid). */
static uint16_t handle_after(uint16_t handle)
{
    return handle == 0xFFFF ? 1 : (uint16_t)(handle + 1);
}

static void record_overflow(TmEventLog *log, uint64_t timestamp_ns)
{
    if (!log->overflow.overflowed) {
        log->overflow.overflowed = true;
        log->overflow.first_overflow_ns = timestamp_ns;
    }
    /* CXL r3.1 §8.2.9.2.2: the count does not wrap. */
    if (log->overflow.overflow_count < UINT16_MAX) {
        log->overflow.overflow_count++;
    }
    log->overflow.last_overflow_ns = timestamp_ns;
}

bool tm_event_log_append(TmEventLog *log, const TmDcEvent *event, uint64_t timestamp_ns)
{
    TmEventRecord record = { .kind = TM_EVENT_KIND_DYNAMIC_CAPACITY, .dc = *event };

    return tm_event_log_append_record(log, &record, timestamp_ns);
}

bool tm_event_log_append_record(TmEventLog *log, const TmEventRecord *content,
                                uint64_t timestamp_ns)
{
    if (log->count == log->depth) {
        record_overflow(log, timestamp_ns);
        return false;
    }

    if (log->count == log->room) {
        resize(log, MIN(log->depth, MAX(MIN_ROOM, log->room * 2)));
    }
    TmEventRecord *record = &log->records[(log->oldest + log->count) % log->room];
    *record = *content;
    record->handle = log->next_handle;
    record->timestamp_ns = timestamp_ns;
    log->count++;
    log->next_handle = handle_after(log->next_handle);
    return true;
}

const TmEventRecord *tm_event_log_peek(const TmEventLog *log, guint index)
{
    if (index >= log->count) {
        return NULL;
    }
    return &log->records[(log->oldest + index) % log->room];
}

TmEventLogOverflow tm_event_log_overflow(const TmEventLog *log)
{
    return log->overflow;
}

/* Position of @handle counted from the oldest record, or -1 if absent. */
static gint64 handle_position(const TmEventLog *log, uint16_t handle)
{
    if (handle == 0 || log->count == 0) {
        return -1;
    }
    uint16_t oldest_handle = log->records[log->oldest].handle;
    /* Cyclic distance in the 0xFFFF-element handle space 1..0xFFFF. */
    guint distance = ((guint)handle + 0xFFFFu - oldest_handle) % 0xFFFFu;
    const TmEventRecord *record = tm_event_log_peek(log, distance);

    if (record == NULL || record->handle != handle) {
        return -1;
    }
    return distance;
}

/*
 * Any removal resets the overflow state: CXL r3.1 §8.2.9.2.2 keeps the
 * Overflow flag set until the host clears records (see event_log.h).
 */
static void remove_oldest(TmEventLog *log, guint n)
{
    log->overflow = (TmEventLogOverflow){ 0 };
    if (n == 0) {
        return;
    }
    log->oldest = (log->oldest + n) % log->room;
    log->count -= n;
    if (log->count <= log->room / 4) {
        guint room = room_for(log, log->count);

        if (room != log->room) {
            resize(log, room);
        }
    }
}

TmEventClearResult tm_event_log_clear(TmEventLog *log, const uint16_t *handles, guint n_handles)
{
    gint64 previous = -1;

    for (guint i = 0; i < n_handles; i++) {
        gint64 position = handle_position(log, handles[i]);

        if (position < 0) {
            return TM_EVENT_CLEAR_INVALID_HANDLE;
        }
        if (position <= previous) {
            return TM_EVENT_CLEAR_INVALID_INPUT;
        }
        previous = position;
    }
    /*
     * Strictly increasing positions end at n-1 only if they are exactly
     * 0..n-1.  Anything else leaves an older record behind: CXL r3.1
     * §8.2.9.2.3 answers that with Invalid Handle and clears nothing.
     */
    if (n_handles > 0 && previous != (gint64)n_handles - 1) {
        return TM_EVENT_CLEAR_INVALID_HANDLE;
    }
    if (n_handles > 0) {
        remove_oldest(log, n_handles);
    }
    return TM_EVENT_CLEAR_OK;
}

void tm_event_log_clear_all(TmEventLog *log)
{
    remove_oldest(log, log->count);
}

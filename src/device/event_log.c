#include "device/event_log.h"

/*
 * A fixed ring of records.  Records leave only from the oldest end (a
 * clear by handles must name the oldest records, and clear-all empties the
 * log), so the records in the log always carry consecutive handles in the
 * cyclic space 1..0xFFFF.  That gives O(1) handle lookup (distance from the
 * oldest handle) and guarantees that the next handle is never one still in
 * the log: it could only be if the log held 0xFFFF records, and then the
 * log is full and the append is refused.
 */
struct TmEventLog {
    guint depth;
    guint oldest;          /* ring index of the oldest record */
    guint count;
    uint16_t next_handle;  /* never 0 */
    TmEventLogOverflow overflow;
    TmEventRecord records[];
};

TmEventLog *tm_event_log_new(guint depth)
{
    g_return_val_if_fail(depth >= 1 && depth <= TM_EVENT_LOG_MAX_DEPTH, NULL);

    TmEventLog *log = g_malloc0(sizeof(*log) + (gsize)depth * sizeof(log->records[0]));
    log->depth = depth;
    log->next_handle = 1;
    return log;
}

void tm_event_log_free(TmEventLog *log)
{
    g_free(log);
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
    if (log->count == log->depth) {
        record_overflow(log, timestamp_ns);
        return false;
    }

    TmEventRecord *record = &log->records[(log->oldest + log->count) % log->depth];
    record->handle = log->next_handle;
    record->timestamp_ns = timestamp_ns;
    record->dc = *event;
    log->count++;
    log->next_handle = handle_after(log->next_handle);
    return true;
}

const TmEventRecord *tm_event_log_peek(const TmEventLog *log, guint index)
{
    if (index >= log->count) {
        return NULL;
    }
    return &log->records[(log->oldest + index) % log->depth];
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
    log->oldest = (log->oldest + n) % log->depth;
    log->count -= n;
    log->overflow = (TmEventLogOverflow){ 0 };
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

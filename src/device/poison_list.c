#include "device/poison_list.h"

#include "device/range_array.h"

/* One run of poisoned lines; a range array record starts with its TmExtent. */
typedef struct {
    TmExtent range;     /* dpa, length; the tag is not used */
    TmPoisonSource source;
} TmPoisonRecord;

/* A media error record's length is 32 bits of lines (CXL r3.1 §8.2.9.9.4.1). */
#define MAX_REPORTED_BYTES ((uint64_t)UINT32_MAX * TM_POISON_LINE)

struct TmPoisonList {
    TmRangeArray records;    /* TmPoisonRecord, by DPA, disjoint */
    guint max_records;
    bool overflowed;
    uint64_t overflow_ns;
};

TmPoisonList *tm_poison_list_new(guint max_records)
{
    TmPoisonList *list = g_new0(TmPoisonList, 1);

    g_assert(max_records > 0);
    tm_range_array_init(&list->records, sizeof(TmPoisonRecord));
    list->max_records = max_records;
    return list;
}

void tm_poison_list_free(TmPoisonList *list)
{
    if (list == NULL) {
        return;
    }
    tm_range_array_clear(&list->records);
    g_free(list);
}

guint tm_poison_list_count(const TmPoisonList *list)
{
    return tm_range_array_length(&list->records);
}

guint tm_poison_list_max_records(const TmPoisonList *list)
{
    return list->max_records;
}

static TmPoisonRecord *record_at(const TmPoisonList *list, TmRangePos pos)
{
    return tm_range_array_at(&list->records, pos);
}

/*
 * The flag follows the count: the list overflows when it holds more than
 * it reports, and stops when it is back within the maximum, since tagmem
 * never dropped a record and the reported list is then complete.
 */
static void settle_overflow(TmPoisonList *list, uint64_t now_ns)
{
    if (tm_poison_list_count(list) <= list->max_records) {
        list->overflowed = false;
        list->overflow_ns = 0;
    } else if (!list->overflowed) {
        list->overflowed = true;
        list->overflow_ns = now_ns;
    }
}

static void insert_record(TmPoisonList *list, uint64_t start, uint64_t stop,
                          TmPoisonSource source)
{
    TmPoisonRecord record = {
        .range = { .dpa = start, .length = stop - start },
        .source = source,
    };

    tm_range_array_insert(&list->records, &record);
}

/* Poison the gap [start, stop), merged with neighbours of the same source that touch it. */
static void insert_merged(TmPoisonList *list, uint64_t start, uint64_t stop,
                          TmPoisonSource source)
{
    /* The first record that ends at or after @start: one ending at @start, or the next one. */
    TmRangePos pos = tm_range_array_lower_bound(&list->records, start > 0 ? start - 1 : 0);
    const TmPoisonRecord *record = record_at(list, pos);

    if (record && tm_extent_end(&record->range) == start && record->source == source) {
        start = record->range.dpa;
        pos = tm_range_array_remove(&list->records, pos);
        record = record_at(list, pos);
    }
    if (record && record->range.dpa == stop && record->source == source) {
        stop = tm_extent_end(&record->range);
        tm_range_array_remove(&list->records, pos);
    }
    insert_record(list, start, stop, source);
}

uint64_t tm_poison_list_add(TmPoisonList *list, uint64_t dpa, uint64_t length,
                            TmPoisonSource source, uint64_t now_ns)
{
    uint64_t end = dpa + length;
    uint64_t added = 0;

    g_assert(dpa % TM_POISON_LINE == 0 && length % TM_POISON_LINE == 0 && end >= dpa);
    for (uint64_t at = dpa; at < end;) {
        /* The first record that ends after @at: what is poisoned already from @at on. */
        const TmPoisonRecord *next = record_at(list, tm_range_array_lower_bound(&list->records,
                                                                                at));
        uint64_t gap_end = next ? MIN(MAX(next->range.dpa, at), end) : end;
        uint64_t covered_end = next ? MIN(tm_extent_end(&next->range), end) : end;

        if (gap_end > at) {
            insert_merged(list, at, gap_end, source);
            added += gap_end - at;
        }
        at = MAX(gap_end, covered_end);
    }
    settle_overflow(list, now_ns);
    return added;
}

uint64_t tm_poison_list_remove(TmPoisonList *list, uint64_t dpa, uint64_t length,
                               uint64_t now_ns)
{
    uint64_t end = dpa + length;
    uint64_t removed = 0;
    TmRangePos pos = tm_range_array_lower_bound(&list->records, dpa);
    const TmPoisonRecord *record;

    g_assert(dpa % TM_POISON_LINE == 0 && length % TM_POISON_LINE == 0 && end >= dpa);
    while ((record = record_at(list, pos)) != NULL && record->range.dpa < end) {
        TmPoisonRecord old = *record;
        uint64_t old_end = tm_extent_end(&old.range);
        uint64_t cut_end = MIN(old_end, end);

        removed += cut_end - MAX(old.range.dpa, dpa);
        tm_range_array_remove(&list->records, pos);
        if (old.range.dpa < dpa) {
            insert_record(list, old.range.dpa, dpa, old.source);
        }
        if (old_end > end) {
            insert_record(list, end, old_end, old.source);
        }
        pos = tm_range_array_lower_bound(&list->records, cut_end);
    }
    settle_overflow(list, now_ns);
    return removed;
}

bool tm_poison_list_find(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                         uint64_t *first_dpa)
{
    if (tm_range_array_length(&list->records) == 0 || length == 0) {
        return false;
    }
    const TmPoisonRecord *record = record_at(list, tm_range_array_lower_bound(&list->records,
                                                                              dpa));
    if (record == NULL || record->range.dpa >= dpa + length) {
        return false;
    }
    if (first_dpa) {
        *first_dpa = MAX(record->range.dpa, dpa);
    }
    return true;
}

bool tm_poison_list_overflowed(const TmPoisonList *list, uint64_t *since_ns)
{
    if (since_ns) {
        *since_ns = list->overflow_ns;
    }
    return list->overflowed;
}

/* Records from this DPA on are beyond the reported list (UINT64_MAX: none are). */
static uint64_t reported_limit(const TmPoisonList *list)
{
    if (tm_poison_list_count(list) <= list->max_records) {
        return UINT64_MAX;
    }
    return record_at(list, tm_range_array_at_index(&list->records, list->max_records))->range.dpa;
}

bool tm_poison_list_report(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                           uint64_t *cursor, guint max_out, GArray *out)
{
    uint64_t end = MIN(dpa + length, reported_limit(list));
    uint64_t at = MAX(*cursor, dpa);
    const TmPoisonRecord *record;
    guint appended = 0;

    /* The first record that ends after @at, each time: a record may take several pieces. */
    while (at < end &&
           (record = record_at(list, tm_range_array_lower_bound(&list->records, at))) != NULL &&
           record->range.dpa < end) {
        if (appended == max_out) {
            *cursor = at;
            return true;
        }
        uint64_t start = MAX(record->range.dpa, at);
        uint64_t stop = MIN(MIN(tm_extent_end(&record->range), end), start + MAX_REPORTED_BYTES);
        TmPoisonRange piece = { .dpa = start, .length = stop - start, .source = record->source };

        g_array_append_val(out, piece);
        appended++;
        at = stop;
    }
    *cursor = at;
    return false;
}

void tm_poison_list_foreach(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                            TmPoisonRangeFn fn, void *opaque)
{
    uint64_t end = dpa + length;
    TmRangePos pos = tm_range_array_lower_bound(&list->records, dpa);
    const TmPoisonRecord *record;

    while ((record = record_at(list, pos)) != NULL && record->range.dpa < end) {
        TmPoisonRange piece = {
            .dpa = MAX(record->range.dpa, dpa),
            .source = record->source,
        };
        piece.length = MIN(tm_extent_end(&record->range), end) - piece.dpa;
        if (!fn(&piece, opaque)) {
            return;
        }
        pos = tm_range_array_next(&list->records, pos);
    }
}

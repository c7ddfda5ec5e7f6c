/*
 * The poisoned lines of one device, by DPA, at the 64-byte granularity of
 * CXL's Media and Poison Management commands (CXL r3.1 §8.2.9.9.4).
 *
 * Lines are kept as disjoint ranges ordered by DPA; ranges of the same
 * source that touch are merged, so a run of poisoned lines costs one
 * record.  Every lookup is O(log n) (a range array, range_array.h), and a
 * device with no poison answers "is anything in [dpa, dpa + len)
 * poisoned?" without a search.
 *
 * The list the device *reports* (Get Poison List, 4300h) holds at most
 * @max_records records: the lowest ones by DPA.  Past that the Poison List
 * Overflow flag is set, with the device time it first overflowed (CXL
 * r3.1 §8.2.9.9.4.1), but nothing is forgotten: the data path still finds
 * every poisoned line, and once clears bring the list back within its
 * maximum the reported list is complete again and the flag goes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/* CXL r3.1 §8.2.9.9.4: poison is tracked and reported in 64-byte lines. */
#define TM_POISON_LINE 64u

/* Media error record source, bits 2:0 of its address (CXL r3.1 §8.2.9.9.4.1). */
typedef enum {
    TM_POISON_SOURCE_UNKNOWN = 0,
    TM_POISON_SOURCE_EXTERNAL = 1,
    TM_POISON_SOURCE_INTERNAL = 2,
    TM_POISON_SOURCE_INJECTED = 3,
    TM_POISON_SOURCE_VENDOR = 7,
} TmPoisonSource;

typedef struct {
    uint64_t dpa;
    uint64_t length;          /* bytes, a multiple of TM_POISON_LINE */
    TmPoisonSource source;
} TmPoisonRange;

typedef struct TmPoisonList TmPoisonList;

TmPoisonList *tm_poison_list_new(guint max_records);
void tm_poison_list_free(TmPoisonList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmPoisonList, tm_poison_list_free)

/* Records held (all of them, reported or not), and the most the list reports. */
guint tm_poison_list_count(const TmPoisonList *list);
guint tm_poison_list_max_records(const TmPoisonList *list);

/*
 * Poison the lines of [dpa, dpa + length) (line-aligned) that are not
 * poisoned yet, with @source; lines already poisoned keep theirs.  Returns
 * the bytes newly poisoned.  @now_ns dates an overflow this causes.
 */
uint64_t tm_poison_list_add(TmPoisonList *list, uint64_t dpa, uint64_t length,
                            TmPoisonSource source, uint64_t now_ns);
/*
 * Clear the poison of [dpa, dpa + length) (line-aligned), splitting
 * records that reach past it.  Returns the bytes that were poisoned.
 */
uint64_t tm_poison_list_remove(TmPoisonList *list, uint64_t dpa, uint64_t length,
                               uint64_t now_ns);

/* Some line of [dpa, dpa + length) is poisoned; *first_dpa the first (may be NULL). */
bool tm_poison_list_find(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                         uint64_t *first_dpa);

/* More records than the list reports; *since_ns when it first overflowed. */
bool tm_poison_list_overflowed(const TmPoisonList *list, uint64_t *since_ns);

/*
 * The reported records that overlap [dpa, dpa + length), clipped to it,
 * from *cursor on (a DPA; start with @dpa): at most @max_out appended to
 * @out (TmPoisonRange), each at most UINT32_MAX lines long, so that one
 * fits a media error record.  *cursor moves past what was appended;
 * returns true when more remain.
 */
bool tm_poison_list_report(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                           uint64_t *cursor, guint max_out, GArray *out);

/*
 * Every poisoned range (reported or not) that overlaps [dpa, dpa + length),
 * clipped to it, in DPA order, until @fn returns false.  @fn must not
 * change the list.
 */
typedef bool (*TmPoisonRangeFn)(const TmPoisonRange *range, void *opaque);
void tm_poison_list_foreach(const TmPoisonList *list, uint64_t dpa, uint64_t length,
                            TmPoisonRangeFn fn, void *opaque);

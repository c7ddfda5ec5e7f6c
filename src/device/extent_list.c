#include "device/extent_list.h"

/* What the sequence holds for each extent. */
typedef struct {
    TmBackedExtent backed;  /* first: the pointers callers get lead back to the entry */
    GSequenceIter *node;    /* the entry's place in the sequence, to step from it */
} ListEntry;

struct TmExtentList {
    GSequence *entries;     /* ListEntry*, sorted by backed.extent.dpa, disjoint; owned */
    /* Paging cursor: the entry at cursor_index, or NULL after any change. */
    GSequenceIter *cursor;
    guint cursor_index;
};

TmBackedExtent tm_backed_extent_slice(const TmBackedExtent *whole, uint64_t dpa,
                                      uint64_t length)
{
    g_assert(tm_extent_contains(&whole->extent, dpa, length));

    TmBackedExtent part = *whole;
    part.extent.dpa = dpa;
    part.extent.length = length;
    part.backend_offset = whole->backend_offset + (dpa - whole->extent.dpa);
    return part;
}

TmExtentList *tm_extent_list_new(void)
{
    TmExtentList *list = g_new0(TmExtentList, 1);

    list->entries = g_sequence_new(g_free);
    return list;
}

void tm_extent_list_free(TmExtentList *list)
{
    if (list == NULL) {
        return;
    }
    g_sequence_free(list->entries);
    g_free(list);
}

guint tm_extent_list_length(const TmExtentList *list)
{
    return (guint)g_sequence_get_length(list->entries);
}

/* The entry at @node, or NULL at the end of the sequence. */
static ListEntry *entry_at(GSequenceIter *node)
{
    return g_sequence_iter_is_end(node) ? NULL : g_sequence_get(node);
}

const TmBackedExtent *tm_extent_list_get(TmExtentList *list, guint index)
{
    g_assert(index < tm_extent_list_length(list));

    if (list->cursor != NULL && index == list->cursor_index + 1) {
        list->cursor = g_sequence_iter_next(list->cursor);
    } else if (list->cursor == NULL || index != list->cursor_index) {
        list->cursor = g_sequence_get_iter_at_pos(list->entries, (gint)index);
    }
    list->cursor_index = index;
    return &entry_at(list->cursor)->backed;
}

const TmBackedExtent *tm_extent_list_first(const TmExtentList *list)
{
    ListEntry *first = entry_at(g_sequence_get_begin_iter(list->entries));

    return first ? &first->backed : NULL;
}

const TmBackedExtent *tm_extent_list_next(const TmBackedExtent *extent)
{
    const ListEntry *entry = (const ListEntry *)extent;
    ListEntry *next = entry_at(g_sequence_iter_next(entry->node));

    return next ? &next->backed : NULL;
}

/*
 * Orders an entry before a DPA when the entry ends at or below it.  Never
 * 0, so that g_sequence_search() lands on the first entry that ends after
 * the DPA: extents are disjoint and sorted, so their ends are sorted too.
 */
static gint compare_end_with_dpa(gconstpointer entry, gconstpointer dpa, gpointer unused)
{
    (void)unused;
    return tm_extent_end(&((const ListEntry *)entry)->backed.extent) <= *(const uint64_t *)dpa
           ? -1 : 1;
}

/* The node of the first extent that ends after @dpa (the end node if none). */
static GSequenceIter *lower_bound(const TmExtentList *list, uint64_t dpa)
{
    return g_sequence_search(list->entries, &dpa, compare_end_with_dpa, NULL);
}

const TmBackedExtent *tm_extent_list_find(const TmExtentList *list, uint64_t dpa)
{
    ListEntry *entry = entry_at(lower_bound(list, dpa));

    return entry && entry->backed.extent.dpa <= dpa ? &entry->backed : NULL;
}

bool tm_extent_list_overlaps(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    ListEntry *entry = entry_at(lower_bound(list, dpa));

    return entry && entry->backed.extent.dpa < dpa + length;
}

bool tm_extent_list_covers(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;

    for (GSequenceIter *node = lower_bound(list, dpa); dpa < end;
         node = g_sequence_iter_next(node)) {
        ListEntry *entry = entry_at(node);

        if (entry == NULL || entry->backed.extent.dpa > dpa) {
            return false;
        }
        dpa = tm_extent_end(&entry->backed.extent);
    }
    return true;
}

void tm_extent_list_slices(const TmExtentList *list, uint64_t dpa, uint64_t length,
                           GArray *out)
{
    uint64_t end = dpa + length;
    ListEntry *entry;

    for (GSequenceIter *node = lower_bound(list, dpa);
         (entry = entry_at(node)) != NULL && entry->backed.extent.dpa < end;
         node = g_sequence_iter_next(node)) {
        uint64_t from = MAX(dpa, entry->backed.extent.dpa);
        uint64_t to = MIN(end, tm_extent_end(&entry->backed.extent));
        TmBackedExtent slice = tm_backed_extent_slice(&entry->backed, from, to - from);

        g_array_append_val(out, slice);
    }
}

/* A new entry for @extent just before @node, which keeps the order. */
static void insert_before(TmExtentList *list, GSequenceIter *node, const TmBackedExtent *extent)
{
    ListEntry *entry = g_new(ListEntry, 1);

    entry->backed = *extent;
    entry->node = g_sequence_insert_before(node, entry);
    list->cursor = NULL;
}

void tm_extent_list_insert(TmExtentList *list, const TmBackedExtent *extent)
{
    GSequenceIter *node = lower_bound(list, extent->extent.dpa);
    ListEntry *after = entry_at(node);

    g_assert(after == NULL || after->backed.extent.dpa >= tm_extent_end(&extent->extent));
    insert_before(list, node, extent);
}

void tm_extent_list_remove_range(TmExtentList *list, uint64_t dpa, uint64_t length,
                                 GArray *removed)
{
    uint64_t end = dpa + length;
    GSequenceIter *node = lower_bound(list, dpa);
    ListEntry *entry;

    g_assert(tm_extent_list_covers(list, dpa, length));
    list->cursor = NULL;
    while ((entry = entry_at(node)) != NULL && entry->backed.extent.dpa < end) {
        GSequenceIter *next = g_sequence_iter_next(node);
        TmBackedExtent whole = entry->backed;
        uint64_t whole_end = tm_extent_end(&whole.extent);
        uint64_t cut_start = MAX(dpa, whole.extent.dpa);
        uint64_t cut_end = MIN(end, whole_end);

        if (removed) {
            TmBackedExtent piece = tm_backed_extent_slice(&whole, cut_start,
                                                          cut_end - cut_start);
            g_array_append_val(removed, piece);
        }
        /*
         * What is left keeps the entry (shrinking it in place keeps the
         * order); a cut in the middle adds the tail after it.
         */
        if (cut_start > whole.extent.dpa) {
            entry->backed = tm_backed_extent_slice(&whole, whole.extent.dpa,
                                                   cut_start - whole.extent.dpa);
            if (cut_end < whole_end) {
                TmBackedExtent tail = tm_backed_extent_slice(&whole, cut_end,
                                                             whole_end - cut_end);
                insert_before(list, next, &tail);
            }
        } else if (cut_end < whole_end) {
            entry->backed = tm_backed_extent_slice(&whole, cut_end, whole_end - cut_end);
        } else {
            g_sequence_remove(node);
        }
        node = next;
    }
}

guint tm_extent_list_length_after_removal(const TmExtentList *list, const GArray *ranges)
{
    /* Only the extents the ranges touch can change: cut the ranges out of copies of them. */
    g_autoptr(TmExtentList) touched = tm_extent_list_new();

    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmBackedExtent, i).extent;
        ListEntry *entry;

        for (GSequenceIter *node = lower_bound(list, range->dpa);
             (entry = entry_at(node)) != NULL && entry->backed.extent.dpa < tm_extent_end(range);
             node = g_sequence_iter_next(node)) {
            if (tm_extent_list_find(touched, entry->backed.extent.dpa) == NULL) {
                tm_extent_list_insert(touched, &entry->backed);
            }
        }
    }
    guint n_touched = tm_extent_list_length(touched);
    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmBackedExtent, i).extent;
        tm_extent_list_remove_range(touched, range->dpa, range->length, NULL);
    }
    return tm_extent_list_length(list) - n_touched + tm_extent_list_length(touched);
}

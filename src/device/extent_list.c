#include "device/extent_list.h"

#include "device/range_array.h"

struct TmExtentList {
    TmRangeArray extents;   /* TmBackedExtent, sorted by DPA, disjoint */
    /* Paging cursor: when valid, the extent at cursor_index is at cursor. */
    bool cursor_valid;
    guint cursor_index;
    TmRangePos cursor;
};

/* The range array reads each record's TmExtent at its start. */
_Static_assert(offsetof(TmBackedExtent, extent) == 0, "TmBackedExtent starts with its range");

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

    tm_range_array_init(&list->extents, sizeof(TmBackedExtent));
    return list;
}

void tm_extent_list_free(TmExtentList *list)
{
    if (list == NULL) {
        return;
    }
    tm_range_array_clear(&list->extents);
    g_free(list);
}

guint tm_extent_list_length(const TmExtentList *list)
{
    return tm_range_array_length(&list->extents);
}

const TmBackedExtent *tm_extent_list_get(TmExtentList *list, guint index)
{
    g_assert(index < tm_extent_list_length(list));

    if (list->cursor_valid && index == list->cursor_index + 1) {
        list->cursor = tm_range_array_next(&list->extents, list->cursor);
    } else if (!list->cursor_valid || index != list->cursor_index) {
        list->cursor = tm_range_array_at_index(&list->extents, index);
    }
    list->cursor_valid = true;
    list->cursor_index = index;
    return tm_range_array_at(&list->extents, list->cursor);
}

static const TmBackedExtent *extent_at(const TmExtentList *list, TmRangePos pos)
{
    return tm_range_array_at(&list->extents, pos);
}

const TmBackedExtent *tm_extent_list_find(const TmExtentList *list, uint64_t dpa)
{
    const TmBackedExtent *extent = extent_at(list, tm_range_array_lower_bound(&list->extents, dpa));

    return extent && extent->extent.dpa <= dpa ? extent : NULL;
}

void tm_extent_list_span(const TmExtentList *list, uint64_t dpa, uint64_t length,
                         guint *first, guint *end)
{
    uint64_t limit = dpa + length;
    TmRangePos after = tm_range_array_lower_bound(&list->extents, limit);
    const TmBackedExtent *straddling = extent_at(list, after);

    *first = tm_range_array_index_of(&list->extents,
                                     tm_range_array_lower_bound(&list->extents, dpa));
    /* The first extent that ends after the range's end is in it if it starts inside. */
    *end = tm_range_array_index_of(&list->extents, after) +
           (straddling && straddling->extent.dpa < limit ? 1 : 0);
}

bool tm_extent_list_overlaps(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    const TmBackedExtent *extent = extent_at(list, tm_range_array_lower_bound(&list->extents, dpa));

    return extent && extent->extent.dpa < dpa + length;
}

bool tm_extent_list_covers(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;

    for (TmRangePos pos = tm_range_array_lower_bound(&list->extents, dpa); dpa < end;
         pos = tm_range_array_next(&list->extents, pos)) {
        const TmBackedExtent *extent = extent_at(list, pos);

        if (extent == NULL || extent->extent.dpa > dpa) {
            return false;
        }
        dpa = tm_extent_end(&extent->extent);
    }
    return true;
}

void tm_extent_list_slices(const TmExtentList *list, uint64_t dpa, uint64_t length,
                           GArray *out)
{
    uint64_t end = dpa + length;
    const TmBackedExtent *extent;

    for (TmRangePos pos = tm_range_array_lower_bound(&list->extents, dpa);
         (extent = extent_at(list, pos)) != NULL && extent->extent.dpa < end;
         pos = tm_range_array_next(&list->extents, pos)) {
        uint64_t from = MAX(dpa, extent->extent.dpa);
        uint64_t to = MIN(end, tm_extent_end(&extent->extent));
        TmBackedExtent slice = tm_backed_extent_slice(extent, from, to - from);

        g_array_append_val(out, slice);
    }
}

void tm_extent_list_insert(TmExtentList *list, const TmBackedExtent *extent)
{
    tm_range_array_insert(&list->extents, extent);
    list->cursor_valid = false;
}

void tm_extent_list_remove_range(TmExtentList *list, uint64_t dpa, uint64_t length,
                                 GArray *removed)
{
    uint64_t end = dpa + length;

    g_assert(tm_extent_list_covers(list, dpa, length));
    list->cursor_valid = false;
    /* Each step cuts [dpa, ...) out of the extent that holds @dpa. */
    while (dpa < end) {
        TmRangePos pos = tm_range_array_lower_bound(&list->extents, dpa);
        TmBackedExtent whole = *extent_at(list, pos);
        uint64_t whole_end = tm_extent_end(&whole.extent);
        uint64_t cut_end = MIN(end, whole_end);

        if (removed) {
            TmBackedExtent piece = tm_backed_extent_slice(&whole, dpa, cut_end - dpa);
            g_array_append_val(removed, piece);
        }
        /*
         * What is left keeps the record: the head if there is one, else the
         * tail; a cut in the middle adds the tail as a new record.
         */
        TmBackedExtent tail = cut_end < whole_end
                              ? tm_backed_extent_slice(&whole, cut_end, whole_end - cut_end)
                              : whole;
        if (dpa > whole.extent.dpa) {
            TmBackedExtent head = tm_backed_extent_slice(&whole, whole.extent.dpa,
                                                         dpa - whole.extent.dpa);
            tm_range_array_replace(&list->extents, pos, &head);
            if (cut_end < whole_end) {
                tm_range_array_insert(&list->extents, &tail);
            }
        } else if (cut_end < whole_end) {
            tm_range_array_replace(&list->extents, pos, &tail);
        } else {
            tm_range_array_remove(&list->extents, pos);
        }
        dpa = cut_end;
    }
}

/* A cut that a removal makes in one extent. */
typedef struct {
    uint64_t extent_dpa;    /* the extent cut */
    uint64_t extent_end;
    uint64_t from;          /* the part cut out */
    uint64_t to;
} ExtentCut;

static gint compare_cut_start(gconstpointer a, gconstpointer b)
{
    const ExtentCut *ca = a;
    const ExtentCut *cb = b;

    return ca->from < cb->from ? -1 : ca->from > cb->from;
}

guint tm_extent_list_length_after_removal(const TmExtentList *list, const GArray *ranges)
{
    g_autoptr(GArray) cuts = g_array_sized_new(FALSE, FALSE, sizeof(ExtentCut), ranges->len);

    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmBackedExtent, i).extent;
        const TmBackedExtent *extent;

        for (TmRangePos pos = tm_range_array_lower_bound(&list->extents, range->dpa);
             (extent = extent_at(list, pos)) != NULL && extent->extent.dpa < tm_extent_end(range);
             pos = tm_range_array_next(&list->extents, pos)) {
            ExtentCut cut = {
                .extent_dpa = extent->extent.dpa,
                .extent_end = tm_extent_end(&extent->extent),
                .from = MAX(range->dpa, extent->extent.dpa),
                .to = MIN(tm_extent_end(range), tm_extent_end(&extent->extent)),
            };
            g_array_append_val(cuts, cut);
        }
    }
    /*
     * In DPA order an extent's cuts come together (extents are disjoint);
     * the extent leaves one extent per stretch its cuts do not reach.
     */
    g_array_sort(cuts, compare_cut_start);
    int64_t length = tm_extent_list_length(list);
    for (guint i = 0; i < cuts->len;) {
        const ExtentCut *first = &g_array_index(cuts, ExtentCut, i);
        uint64_t reached = first->extent_dpa;
        int64_t stretches = 0;

        for (; i < cuts->len && g_array_index(cuts, ExtentCut, i).extent_dpa == first->extent_dpa;
             i++) {
            const ExtentCut *cut = &g_array_index(cuts, ExtentCut, i);

            stretches += cut->from > reached;
            reached = cut->to;
        }
        stretches += reached < first->extent_end;
        length += stretches - 1;
    }
    return (guint)length;
}

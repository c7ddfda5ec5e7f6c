#include "device/extent_list.h"

struct TmExtentList {
    GArray *extents; /* TmBackedExtent, sorted by extent.dpa, disjoint */
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

    list->extents = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent));
    return list;
}

TmExtentList *tm_extent_list_copy(const TmExtentList *list)
{
    TmExtentList *copy = g_new0(TmExtentList, 1);

    copy->extents = g_array_copy(list->extents);
    return copy;
}

void tm_extent_list_free(TmExtentList *list)
{
    if (list == NULL) {
        return;
    }
    g_array_unref(list->extents);
    g_free(list);
}

guint tm_extent_list_length(const TmExtentList *list)
{
    return list->extents->len;
}

static TmBackedExtent *at(const TmExtentList *list, guint index)
{
    return &g_array_index(list->extents, TmBackedExtent, index);
}

const TmBackedExtent *tm_extent_list_get(const TmExtentList *list, guint index)
{
    g_assert(index < list->extents->len);
    return at(list, index);
}

/* Index of the first extent that ends after @dpa (extents.len if none). */
static guint lower_bound(const TmExtentList *list, uint64_t dpa)
{
    guint lo = 0;
    guint hi = list->extents->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (tm_extent_end(&at(list, mid)->extent) <= dpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int tm_extent_list_find(const TmExtentList *list, uint64_t dpa)
{
    guint i = lower_bound(list, dpa);

    if (i < list->extents->len && at(list, i)->extent.dpa <= dpa) {
        return (int)i;
    }
    return -1;
}

bool tm_extent_list_overlaps(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    guint i = lower_bound(list, dpa);

    return i < list->extents->len && at(list, i)->extent.dpa < dpa + length;
}

bool tm_extent_list_covers(const TmExtentList *list, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;

    for (guint i = lower_bound(list, dpa); dpa < end; i++) {
        if (i >= list->extents->len || at(list, i)->extent.dpa > dpa) {
            return false;
        }
        dpa = tm_extent_end(&at(list, i)->extent);
    }
    return true;
}

void tm_extent_list_insert(TmExtentList *list, const TmBackedExtent *extent)
{
    guint i = lower_bound(list, extent->extent.dpa);

    g_assert(!tm_extent_list_overlaps(list, extent->extent.dpa, extent->extent.length));
    g_array_insert_val(list->extents, i, *extent);
}

void tm_extent_list_remove_range(TmExtentList *list, uint64_t dpa, uint64_t length,
                                 GArray *removed)
{
    uint64_t end = dpa + length;
    guint i = lower_bound(list, dpa);

    g_assert(tm_extent_list_covers(list, dpa, length));
    while (i < list->extents->len && at(list, i)->extent.dpa < end) {
        TmBackedExtent whole = *at(list, i);
        uint64_t cut_start = MAX(dpa, whole.extent.dpa);
        uint64_t cut_end = MIN(end, tm_extent_end(&whole.extent));

        if (removed) {
            TmBackedExtent piece = tm_backed_extent_slice(&whole, cut_start,
                                                          cut_end - cut_start);
            g_array_append_val(removed, piece);
        }
        g_array_remove_index(list->extents, i);
        if (cut_start > whole.extent.dpa) {
            TmBackedExtent head = tm_backed_extent_slice(&whole, whole.extent.dpa,
                                                         cut_start - whole.extent.dpa);
            g_array_insert_val(list->extents, i, head);
            i++;
        }
        if (cut_end < tm_extent_end(&whole.extent)) {
            TmBackedExtent tail = tm_backed_extent_slice(&whole, cut_end,
                                                         tm_extent_end(&whole.extent) - cut_end);
            g_array_insert_val(list->extents, i, tail);
            i++;
        }
    }
}

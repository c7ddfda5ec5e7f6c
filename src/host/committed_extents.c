#include "host/committed_extents.h"

#include <string.h>

#include "host/host_extent.h"

#define AT(array, i) (&g_array_index((array), TmCommittedExtent, (i)))

GArray *tm_committed_new(void)
{
    return g_array_new(FALSE, FALSE, sizeof(TmCommittedExtent));
}

/* Index of the first extent that ends after @dpa (binary search). */
static guint first_ending_after(const GArray *committed, uint64_t dpa)
{
    guint low = 0;
    guint high = committed->len;

    while (low < high) {
        guint mid = low + (high - low) / 2;
        const TagmemExtent *extent = &AT(committed, mid)->extent;

        if (extent->dpa + extent->length <= dpa) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low;
}

void tm_committed_insert(GArray *committed, const TmCommittedExtent *extent)
{
    g_array_insert_val(committed, first_ending_after(committed, extent->extent.dpa), *extent);
}

bool tm_committed_holds_exactly(const GArray *committed, const TagmemExtent *extent)
{
    guint i = first_ending_after(committed, extent->dpa);

    return i < committed->len && AT(committed, i)->extent.dpa == extent->dpa &&
           AT(committed, i)->extent.length == extent->length;
}

bool tm_committed_covers(const GArray *committed, uint64_t dpa, uint64_t length)
{
    uint64_t next = dpa;
    uint64_t end = dpa + length;

    if (length == 0 || end < dpa) {
        return false;
    }
    for (guint i = first_ending_after(committed, dpa); i < committed->len && next < end; i++) {
        const TagmemExtent *extent = &AT(committed, i)->extent;

        if (extent->dpa > next) {
            return false;
        }
        next = extent->dpa + extent->length;
    }
    return next >= end;
}

GArray *tm_committed_pieces(const GArray *committed, uint64_t dpa, uint64_t length)
{
    GArray *pieces = tm_committed_new();
    uint64_t end = dpa + length;

    for (guint i = first_ending_after(committed, dpa); i < committed->len; i++) {
        TmCommittedExtent piece = *AT(committed, i);
        uint64_t piece_end = piece.extent.dpa + piece.extent.length;

        if (piece.extent.dpa >= end) {
            break;
        }
        piece.extent.dpa = MAX(piece.extent.dpa, dpa);
        piece.extent.length = MIN(piece_end, end) - piece.extent.dpa;
        g_array_append_val(pieces, piece);
    }
    return pieces;
}

void tm_committed_remove(GArray *committed, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;
    guint i = first_ending_after(committed, dpa);

    while (i < committed->len && AT(committed, i)->extent.dpa < end) {
        TmCommittedExtent *held = AT(committed, i);
        uint64_t held_end = held->extent.dpa + held->extent.length;
        TmCommittedExtent tail = *held;

        tail.extent.dpa = end;
        tail.extent.length = held_end > end ? held_end - end : 0;
        if (held->extent.dpa < dpa) {
            held->extent.length = dpa - held->extent.dpa;
            i++;
        } else {
            g_array_remove_index(committed, i);
        }
        if (tail.extent.length != 0) {
            g_array_insert_val(committed, i, tail);
            i++;
        }
    }
}

static gint compare_by_sequence(gconstpointer a, gconstpointer b)
{
    const TmCommittedExtent *x = a;
    const TmCommittedExtent *y = b;

    if (x->extent.shared_seq != y->extent.shared_seq) {
        return x->extent.shared_seq < y->extent.shared_seq ? -1 : 1;
    }
    return x->extent.dpa < y->extent.dpa ? -1 : x->extent.dpa > y->extent.dpa;
}

GArray *tm_committed_with_tag(const GArray *committed, const uint8_t tag[16])
{
    GArray *with_tag = tm_committed_new();

    for (guint i = 0; i < committed->len; i++) {
        if (memcmp(AT(committed, i)->extent.tag, tag, 16) == 0) {
            g_array_append_val(with_tag, *AT(committed, i));
        }
    }
    g_array_sort(with_tag, compare_by_sequence);
    return with_tag;
}

GArray *tm_committed_extents(const GArray *committed)
{
    GArray *extents = g_array_sized_new(FALSE, FALSE, sizeof(TagmemExtent), committed->len);

    for (guint i = 0; i < committed->len; i++) {
        g_array_append_val(extents, AT(committed, i)->extent);
    }
    return extents;
}

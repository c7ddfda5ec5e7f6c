/*
 * Poison in the capacity a host holds (tagmem_poison.h): the device's
 * poison list (Get Poison List, 4300h) cut to held extents, and the pages
 * of the direct alias and the tag views that hold a poisoned line made
 * inaccessible, so that a load there faults as a poisoned load does.
 */
#include "host/host_internal.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cci/cxl_opcodes.h"
#include "cci/cxl_poison_wire.h"
#include "cci/cxl_return_codes.h"
#include "host/host_error.h"
#include "host/poison_codec.h"

/* 4300h over [0, end): every page of it, asking again while More is set. */
static bool get_poison_list(TmHostConn *conn, uint64_t end, GArray *ranges, GError **err)
{
    TmCxlGetPoisonListRequest in = {
        .dpa = 0,
        .length = htole64(end / TM_CXL_POISON_LINE),
    };
    bool more = true;

    while (more) {
        g_autoptr(GError) local = NULL;
        TmHostReply reply;

        if (!tm_host_conn_call(conn, TM_CXL_OP_GET_POISON_LIST, &in, sizeof(in), &reply,
                               &local)) {
            /* A device without poison management (a tagmemd from before it) has none. */
            if (g_error_matches(local, TM_HOST_ERROR, EREMOTEIO) &&
                conn->last_return_code == TM_CXL_RC_UNSUPPORTED) {
                return true;
            }
            g_propagate_error(err, g_steal_pointer(&local));
            return false;
        }
        if (reply.fd >= 0) {
            close(reply.fd);
        }
        if (!tm_host_poison_list_decode(reply.payload, reply.payload_len, ranges, &more, err)) {
            return false;
        }
    }
    return true;
}

/* @dpa's offset in its tag's allocation: the extents of the tag in shared-sequence order. */
static uint64_t tag_offset(const TagmemHost *host, const TagmemExtent *extent, uint64_t dpa)
{
    g_autoptr(GArray) with_tag = tm_committed_with_tag(host->committed, extent->tag);
    uint64_t offset = 0;

    for (guint i = 0; i < with_tag->len; i++) {
        const TagmemExtent *e = &g_array_index(with_tag, TmCommittedExtent, i).extent;

        if (dpa >= e->dpa && dpa < e->dpa + e->length) {
            return offset + (dpa - e->dpa);
        }
        offset += e->length;
    }
    return 0;
}

/* The device's ranges cut to held extents, as the application sees them. */
static GArray *held_poison(const TagmemHost *host, const GArray *ranges)
{
    GArray *held = g_array_new(FALSE, FALSE, sizeof(TagmemPoison));
    static const uint8_t untagged[16];

    for (guint i = 0; i < ranges->len; i++) {
        const TmHostPoisonRange *range = &g_array_index(ranges, TmHostPoisonRange, i);
        g_autoptr(GArray) pieces = tm_committed_pieces(host->committed, range->dpa,
                                                       range->length);

        for (guint p = 0; p < pieces->len; p++) {
            const TmCommittedExtent *piece = &g_array_index(pieces, TmCommittedExtent, p);
            TagmemPoison poison = {
                .dpa = piece->extent.dpa,
                .length = piece->extent.length,
                .addr = piece->mapped ? host->window + piece->extent.dpa : NULL,
            };
            memcpy(poison.tag, piece->extent.tag, sizeof(poison.tag));
            if (memcmp(piece->extent.tag, untagged, sizeof(untagged)) != 0) {
                poison.tag_offset = tag_offset(host, &piece->extent, piece->extent.dpa);
            }
            g_array_append_val(held, poison);
        }
    }
    return held;
}

/* [dpa, dpa + length) of @range, with its window address and tag offset moved along. */
static TagmemPoison part_of(const TagmemPoison *range, uint64_t dpa, uint64_t length)
{
    static const uint8_t untagged[16];
    TagmemPoison part = *range;

    part.dpa = dpa;
    part.length = length;
    part.addr = range->addr ? (uint8_t *)range->addr + (dpa - range->dpa) : NULL;
    if (memcmp(range->tag, untagged, sizeof(untagged)) != 0) {
        part.tag_offset = range->tag_offset + (dpa - range->dpa);
    }
    return part;
}

/*
 * The index of the first range of @list (by DPA, disjoint) that ends after
 * @dpa: a binary search, so that comparing lists of 100k ranges stays
 * O(n log n).
 */
static guint first_ending_after(const GArray *list, uint64_t dpa)
{
    guint low = 0;
    guint high = list->len;

    while (low < high) {
        guint mid = low + (high - low) / 2;
        const TagmemPoison *p = &g_array_index(list, TagmemPoison, mid);

        if (p->dpa + p->length <= dpa) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low;
}

/* The parts of @range that no range of @list (by DPA, disjoint; may be NULL) covers. */
static GArray *not_in(const GArray *list, const TagmemPoison *range)
{
    GArray *parts = g_array_new(FALSE, FALSE, sizeof(TagmemPoison));
    uint64_t at = range->dpa;
    uint64_t end = range->dpa + range->length;

    for (guint i = list ? first_ending_after(list, at) : 0; list && i < list->len && at < end;
         i++) {
        const TagmemPoison *p = &g_array_index(list, TagmemPoison, i);
        if (p->dpa + p->length <= at || p->dpa >= end) {
            continue;
        }
        if (p->dpa > at) {
            TagmemPoison part = part_of(range, at, p->dpa - at);
            g_array_append_val(parts, part);
        }
        at = p->dpa + p->length;
    }
    if (at < end) {
        TagmemPoison part = part_of(range, at, end - at);
        g_array_append_val(parts, part);
    }
    return parts;
}

/* Some line of the page at @page_dpa is in @list. */
static bool page_poisoned(const GArray *list, uint64_t page_dpa, uint64_t page_size)
{
    guint i = first_ending_after(list, page_dpa);

    return i < list->len && g_array_index(list, TagmemPoison, i).dpa < page_dpa + page_size;
}

/* mprotect the page at @page_dpa wherever the host maps it: the window and the tag's view. */
static void protect_page(TagmemHost *host, const TmCommittedExtent *held, uint64_t page_dpa,
                         uint64_t page_size, int prot)
{
    const TmTagView *view = g_hash_table_lookup(host->tag_views, held->extent.tag);

    if (held->mapped && mprotect(host->window + page_dpa, page_size, prot) != 0) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING, "mprotect of DPA 0x%" G_GINT64_MODIFIER
                    "x failed: %s", page_dpa, g_strerror(errno));
    }
    for (guint i = 0; view && view->base && i < view->pieces->len; i++) {
        const TmTagViewPiece *piece = &g_array_index(view->pieces, TmTagViewPiece, i);

        if (page_dpa >= piece->dpa && page_dpa < piece->dpa + piece->length) {
            mprotect(view->base + piece->offset + (page_dpa - piece->dpa), page_size, prot);
        }
    }
}

/* Every page of @range, with the held extent that holds it. */
static void protect_range(TagmemHost *host, const TagmemPoison *range, const GArray *poisoned,
                          bool restore)
{
    uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t first = range->dpa - range->dpa % page_size;

    for (uint64_t page = first; page < range->dpa + range->length; page += page_size) {
        g_autoptr(GArray) held = tm_committed_pieces(host->committed, page, page_size);

        if (held->len == 0 || (restore && page_poisoned(poisoned, page, page_size))) {
            continue;
        }
        const TmCommittedExtent *extent = &g_array_index(held, TmCommittedExtent, 0);
        int prot = restore ? PROT_READ | (extent->writable ? PROT_WRITE : 0) : PROT_NONE;
        protect_page(host, extent, page, page_size, prot);
    }
}

static void report(TagmemHost *host, const TagmemPoison *poison, bool cleared)
{
    TagmemPoison copy = *poison;

    copy.cleared = cleared;
    tm_host_log(&host->logger, TAGMEM_LOG_INFO,
                "poison %s: DPA 0x%" G_GINT64_MODIFIER "x + 0x%" G_GINT64_MODIFIER "x",
                cleared ? "cleared" : "found", poison->dpa, poison->length);
    if (host->poison_fn) {
        host->poison_fn(host->poison_data, &copy);
    }
}

bool tm_host_refresh_poison(TagmemHost *host, bool protect_all, GError **err)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmHostPoisonRange));

    if (!get_poison_list(&host->conn, host->window_size, ranges, err)) {
        return false;
    }
    GArray *now = held_poison(host, ranges);
    GArray *before = host->poisoned;

    host->poisoned = now;
    for (guint i = 0; i < now->len; i++) {
        const TagmemPoison *p = &g_array_index(now, TagmemPoison, i);
        g_autoptr(GArray) found = not_in(before, p);

        if (protect_all) {
            protect_range(host, p, now, false);
        }
        for (guint f = 0; f < found->len; f++) {
            if (!protect_all) {
                protect_range(host, &g_array_index(found, TagmemPoison, f), now, false);
            }
            report(host, &g_array_index(found, TagmemPoison, f), false);
        }
    }
    for (guint i = 0; before && i < before->len; i++) {
        g_autoptr(GArray) gone = not_in(now, &g_array_index(before, TagmemPoison, i));
        for (guint g = 0; g < gone->len; g++) {
            const TagmemPoison *p = &g_array_index(gone, TagmemPoison, g);
            /* Released capacity is the reservation's again: never made accessible. */
            if (tm_committed_covers(host->committed, p->dpa, p->length)) {
                protect_range(host, p, now, true);
                report(host, p, true);
            }
        }
    }
    if (before) {
        g_array_unref(before);
    }
    return true;
}

void tm_host_poison_protect_view(TagmemHost *host, const TmTagView *view)
{
    uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);

    for (guint i = 0; host->poisoned && i < view->pieces->len; i++) {
        const TmTagViewPiece *piece = &g_array_index(view->pieces, TmTagViewPiece, i);
        uint64_t end = piece->dpa + piece->length;

        for (guint k = first_ending_after(host->poisoned, piece->dpa);
             k < host->poisoned->len && g_array_index(host->poisoned, TagmemPoison, k).dpa < end;
             k++) {
            const TagmemPoison *p = &g_array_index(host->poisoned, TagmemPoison, k);
            uint64_t first = MAX(p->dpa, piece->dpa);
            uint64_t last = MIN(p->dpa + p->length, end);

            first -= first % page_size;
            for (uint64_t page = first; page < last; page += page_size) {
                mprotect(view->base + piece->offset + (page - piece->dpa), page_size, PROT_NONE);
            }
        }
    }
}

TAGMEM_API void tagmem_host_set_poison_callback(TagmemHost *host, TagmemPoisonFn fn, void *data)
{
    host->poison_fn = fn;
    host->poison_data = data;
}

TAGMEM_API size_t tagmem_host_poison(const TagmemHost *host, uint64_t dpa, uint64_t length,
                                     TagmemPoison *out, size_t max)
{
    uint64_t end = dpa + length < dpa ? UINT64_MAX : dpa + length;
    size_t found = 0;

    for (guint i = host->poisoned ? first_ending_after(host->poisoned, dpa) : 0;
         host->poisoned && i < host->poisoned->len; i++) {
        const TagmemPoison *p = &g_array_index(host->poisoned, TagmemPoison, i);

        if (p->dpa >= end) {
            break;
        }
        if (found < max) {
            out[found] = *p;
        }
        found++;
    }
    return found;
}

/*
 * Contiguous views of tagged allocations: the extents of one tag mapped
 * back to back in shared-sequence order in a reservation of their own,
 * whatever their DPA order (docs/memory-model.md: in shared-sequence order
 * the extents of an allocation tile its backend from offset 0).
 *
 * A view's address range is never used again once the view is retired:
 * it is left PROT_NONE, so a stale pointer into it faults rather than
 * reaching memory mapped there later.  Views are carved one after the
 * other from large PROT_NONE arenas, so a retired view merges back into
 * the arena's one inaccessible mapping: the process's mapping count stays
 * flat however many views come and go (it used to grow by one per retired
 * view, until vm.max_map_count).  What grows is address space, by each
 * view's size rounded to 2 MiB, given back at close: 64 TiB of it lasts
 * for 32 million views of 2 MiB.
 */
#include "host/host_internal.h"

#include <string.h>
#include <unistd.h>

#include "host/host_commands.h"
#include "host/host_extent.h"
#include "host/memory_map.h"

/* Views start on 2 MiB boundaries, so huge pages can back them. */
#define VIEW_ALIGNMENT (UINT64_C(2) << 20)
/* An arena holds many views; a larger view gets an arena of its own size. */
#define VIEW_ARENA_SIZE (UINT64_C(64) << 30)

/* @size bytes of fresh PROT_NONE address space for a view. */
static bool carve_view(TagmemHost *host, uint64_t size, uint8_t **out, GError **err)
{
    uint64_t rounded = (size + VIEW_ALIGNMENT - 1) & ~(VIEW_ALIGNMENT - 1);
    TmReservation *arena = host->view_arenas->len
        ? &g_array_index(host->view_arenas, TmReservation, host->view_arenas->len - 1)
        : NULL;

    if (arena == NULL || arena->size - host->arena_used < rounded) {
        TmReservation fresh = { .size = MAX(VIEW_ARENA_SIZE, rounded) };

        if (!tm_host_reserve(fresh.size, &fresh.base, err)) {
            return false;
        }
        g_array_append_val(host->view_arenas, fresh);
        arena = &g_array_index(host->view_arenas, TmReservation, host->view_arenas->len - 1);
        host->arena_used = 0;
    }
    *out = arena->base + host->arena_used;
    host->arena_used += rounded;
    return true;
}

static void retire_view(TagmemHost *host, const uint8_t tag[16])
{
    TmTagView *view = g_hash_table_lookup(host->tag_views, tag);

    if (view == NULL) {
        return;
    }
    if (view->base != NULL) {
        /* Stale pointers must fault, not reach memory mapped there later. */
        tm_host_make_inaccessible(view->base, view->size, NULL);
    }
    g_hash_table_remove(host->tag_views, tag);
}

static void tag_view_free(gpointer data)
{
    TmTagView *view = data;

    g_array_unref(view->pieces);
    g_free(view);
}

static bool map_view(TagmemHost *host, TmTagView *view, GError **err)
{
    if (!carve_view(host, view->size, &view->base, err)) {
        return false;
    }
    for (guint i = 0; i < view->pieces->len; i++) {
        const TmTagViewPiece *piece = &g_array_index(view->pieces, TmTagViewPiece, i);
        uint32_t flags = 0;

        if (tm_host_map_range(host, view->base + piece->offset, piece->dpa, piece->length,
                              &flags, err) != TM_HOST_MAP_OK) {
            return false;
        }
    }
    return true;
}

void tm_tag_view_rebuild(TagmemHost *host, const uint8_t tag[16])
{
    g_autoptr(GArray) extents = tm_committed_with_tag(host->committed, tag);
    char tag_text[TM_HOST_TAG_STRING_LEN + 1];
    bool all_mapped = true;

    retire_view(host, tag);
    if (extents->len == 0) {
        return;
    }
    TmTagView *view = g_new0(TmTagView, 1);
    memcpy(view->tag, tag, sizeof(view->tag));
    view->pieces = g_array_new(FALSE, FALSE, sizeof(TmTagViewPiece));
    for (guint i = 0; i < extents->len; i++) {
        const TmCommittedExtent *held = &g_array_index(extents, TmCommittedExtent, i);
        TmTagViewPiece piece = {
            .dpa = held->extent.dpa,
            .length = held->extent.length,
            .offset = view->size,
        };

        g_array_append_val(view->pieces, piece);
        view->size += piece.length;
        all_mapped = all_mapped && held->mapped;
    }
    g_hash_table_insert(host->tag_views, view->tag, view);
    tm_host_tag_format(tag, tag_text);
    if (!all_mapped) {
        tm_host_log(&host->logger, TAGMEM_LOG_INFO,
                    "tag %s: some capacity is on the slow path, no contiguous view", tag_text);
        return;
    }
    g_autoptr(GError) local = NULL;
    if (!map_view(host, view, &local)) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING, "tag %s: no contiguous view: %s",
                    tag_text, local->message);
        if (view->base != NULL) {
            tm_host_make_inaccessible(view->base, view->size, NULL);
            view->base = NULL;
        }
        return;
    }
    tm_host_poison_protect_view(host, view);
    tm_host_log(&host->logger, TAGMEM_LOG_DEBUG,
                "tag %s: view of 0x%" G_GINT64_MODIFIER "x bytes in %u extents at %p", tag_text,
                view->size, view->pieces->len, (void *)view->base);
}

void tm_tag_view_forget(TagmemHost *host, const uint8_t tag[16], uint64_t dpa,
                        uint64_t length)
{
    TmTagView *view = g_hash_table_lookup(host->tag_views, tag);
    g_autoptr(GArray) left = tm_committed_with_tag(host->committed, tag);

    if (view == NULL) {
        return;
    }
    if (left->len == 0) {
        retire_view(host, tag);
        return;
    }
    for (guint i = 0; i < view->pieces->len && view->base != NULL; i++) {
        const TmTagViewPiece *piece = &g_array_index(view->pieces, TmTagViewPiece, i);
        uint64_t start = MAX(piece->dpa, dpa);
        uint64_t end = MIN(piece->dpa + piece->length, dpa + length);

        if (start < end) {
            tm_host_make_inaccessible(view->base + piece->offset + (start - piece->dpa),
                                      end - start, NULL);
        }
    }
}

void tm_tag_views_free(TagmemHost *host)
{
    /* The arenas hold every view, live or retired. */
    g_hash_table_remove_all(host->tag_views);
    for (guint i = 0; i < host->view_arenas->len; i++) {
        TmReservation *arena = &g_array_index(host->view_arenas, TmReservation, i);

        tm_host_unreserve(arena->base, arena->size);
    }
    g_array_set_size(host->view_arenas, 0);
    host->arena_used = 0;
}

GHashTable *tm_tag_views_new(void)
{
    return g_hash_table_new_full(tm_host_tag_hash, tm_host_tag_equal, NULL, tag_view_free);
}

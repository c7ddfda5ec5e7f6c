/*
 * Capacity leaving a host: the allocation map, the backed-block bitmaps,
 * release marks and tags follow, and memory is zeroed before a range can
 * be handed out again when sanitize was asked for (by the request or the
 * region's sanitize-on-release flag).
 */
#include "device/dcd_internal.h"
#include "device/dcd_poison.h"

#include <inttypes.h>

void tm_dcd_mark_backed(TmDcd *dev, TmDcHost *host, const TmExtent *extent, bool backed)
{
    int r = tm_dc_region_find(dev->regions, dev->num_dc_regions, extent->dpa, extent->length);
    g_assert(r >= 0);
    const TmDcRegion *region = &dev->regions[r];
    uint64_t first = (extent->dpa - region->base) / region->block_size;
    uint64_t count = extent->length / region->block_size;

    if (host->backed[r] == NULL) {
        host->backed[r] = tm_block_bitmap_new(region->len / region->block_size);
    }
    if (backed) {
        tm_block_bitmap_set(host->backed[r], first, count);
    } else {
        tm_block_bitmap_clear(host->backed[r], first, count);
    }
}

bool tm_dcd_host_has_pending(const TmDcd *dev, const TmDcHost *host, uint64_t dpa,
                             uint64_t length)
{
    const TmAllocRange *range;

    for (TmRangePos pos = tm_alloc_map_lower_bound(dev->alloc_map, dpa);
         (range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL &&
         range->range.extent.dpa < dpa + length;
         pos = tm_alloc_map_next(dev->alloc_map, pos)) {
        if (tm_host_set_contains(&range->holders, host->id) &&
            !tm_extent_list_overlaps(host->accepted, range->range.extent.dpa,
                                     range->range.extent.length)) {
            return true;
        }
    }
    return false;
}

bool tm_dcd_all_backed(const TmDcd *dev, const TmDcHost *host, unsigned region, uint64_t dpa,
                       uint64_t length)
{
    const TmDcRegion *reg = &dev->regions[region];

    if (host->backed[region] == NULL) {
        return false;
    }
    return tm_block_bitmap_all_set(host->backed[region], (dpa - reg->base) / reg->block_size,
                                   length / reg->block_size);
}

/*
 * A range nobody holds any more.  Memory handed out in objects is replaced
 * (revocation by replacement, docs/memory-model.md): its objects are
 * dropped, whoever still maps them keeps only those pages, and the next
 * owner gets fresh zeroed memory, sanitize asked or not.  Memory that never
 * left the daemon is zeroed if asked.  False when zeroing failed; the range
 * then stays in the map, out of use, so that its old contents never reach
 * a new owner.
 */
/*
 * A sanitized range holds zeroes now, written over every line, so none of
 * its lines is poisoned any more (CXL r3.1 §8.2.9.9.5.1: sanitize leaves
 * the media's data unreadable and rewritten; dcd_poison.h).
 */
static void sanitized(TmDcd *dev, const TmAllocRange *range)
{
    if (range->sanitize_on_free) {
        tm_dcd_clear_poison_range(dev, range->range.extent.dpa, range->range.extent.length);
    }
}

bool tm_dcd_free_range(TmDcd *dev, uint16_t host_id, const TmAllocRange *range)
{
    g_autoptr(GError) error = NULL;
    const TmBackedExtent *r = &range->range;

    if (tm_hostmem_passes_fds(r->backend)) {
        tm_hostmem_drop_objects(r->backend, r->backend_offset, r->extent.length,
                                dev->regions[r->region].block_size);
        sanitized(dev, range);
        return true;
    }
    if (!range->sanitize_on_free ||
        tm_hostmem_zero_range(r->backend, r->backend_offset, r->extent.length, &error)) {
        sanitized(dev, range);
        return true;
    }
    g_autofree char *message = g_strdup_printf(
        "cannot sanitize DPA 0x%" PRIx64 "+0x%" PRIx64 " (memory backend '%s'): %s",
        r->extent.dpa, r->extent.length, tm_hostmem_id(r->backend), error->message);
    TmDcdNotice notice = {
        .kind = TM_DCD_NOTICE_SANITIZE_FAILED,
        .host_id = host_id,
        .extents = r,
        .n_extents = 1,
        .message = message,
    };
    tm_dcd_notify(dev, &notice);
    return false;
}

void tm_dcd_drop_holder(TmDcd *dev, uint16_t host_id, uint64_t dpa, uint64_t length,
                        bool sanitize)
{
    uint64_t end = dpa + length;
    TmRangePos pos = tm_alloc_map_isolate(dev->alloc_map, dpa, length);
    TmAllocRange *range;

    while ((range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL &&
           range->range.extent.dpa < end) {
        if (tm_host_set_contains(&range->holders, host_id)) {
            tm_host_set_remove(&range->holders, host_id);
            range->sanitize_on_free |= sanitize;
            if (tm_host_set_is_empty(&range->holders)) {
                if (tm_dcd_range_referenced(dev, range)) {
                    range->retained = true;
                } else if (tm_dcd_free_range(dev, host_id, range)) {
                    pos = tm_alloc_map_remove(dev->alloc_map, pos);
                    continue;
                }
            }
        }
        pos = tm_alloc_map_next(dev->alloc_map, pos);
    }
}

/* Ask for [dpa, dpa + length) to be zeroed when its last holder lets go. */
static void mark_sanitize(TmDcd *dev, uint64_t dpa, uint64_t length)
{
    uint64_t end = dpa + length;
    TmAllocRange *range;

    for (TmRangePos pos = tm_alloc_map_isolate(dev->alloc_map, dpa, length);
         (range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL && range->range.extent.dpa < end;
         pos = tm_alloc_map_next(dev->alloc_map, pos)) {
        range->sanitize_on_free = true;
    }
}

/*
 * Apply the host's release marks that overlap @piece: the sanitize ones
 * mark the map, and every mark loses the part @piece covers.
 */
static void settle_release_marks(TmDcd *dev, TmDcHost *host, const TmExtent *piece)
{
    if (!tm_release_marks_overlap(host->release_marks, piece->dpa, piece->length)) {
        return;
    }
    g_autoptr(GArray) sanitized = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    tm_release_marks_settle(host->release_marks, piece->dpa, piece->length, sanitized);
    for (guint i = 0; i < sanitized->len; i++) {
        const TmExtent *part = &g_array_index(sanitized, TmExtent, i);
        mark_sanitize(dev, part->dpa, part->length);
    }
}

void tm_dcd_revoke_accepted(TmDcd *dev, uint16_t host_id, const GArray *pieces,
                            bool sanitize, bool forced)
{
    TmDcHost *host = tm_dcd_host(dev, host_id);
    /* Each tag touched, once: a refresh may scan the allocation map. */
    g_autoptr(GHashTable) tags = g_hash_table_new(tm_guid_hash_func, tm_guid_equal_func);

    for (guint i = 0; i < pieces->len; i++) {
        const TmBackedExtent *piece = &g_array_index(pieces, TmBackedExtent, i);

        tm_dcd_tag_count_accepted(dev, piece, host_id, false);
        tm_dcd_mark_backed(dev, host, &piece->extent, false);
        settle_release_marks(dev, host, &piece->extent);
        tm_dcd_drop_holder(dev, host_id, piece->extent.dpa, piece->extent.length,
                           sanitize || dev->regions[piece->region].sanitize_on_release);
        if (!tm_guid_is_null(&piece->extent.tag)) {
            g_hash_table_add(tags, (gpointer)&piece->extent.tag);
        }
    }
    host->generation++;
    GHashTableIter iter;
    gpointer tag;
    g_hash_table_iter_init(&iter, tags);
    while (g_hash_table_iter_next(&iter, &tag, NULL)) {
        tm_dcd_tag_refresh(dev, tag, host_id);
    }
    TmDcdNotice notice = {
        .kind = TM_DCD_NOTICE_RELEASED,
        .host_id = host_id,
        .extents = (const TmBackedExtent *)(const void *)pieces->data,
        .n_extents = pieces->len,
        .forced = forced,
    };
    tm_dcd_notify(dev, &notice);
}

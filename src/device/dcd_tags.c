/*
 * Tag bookkeeping: for each tag a device has seen, its allocation (backend,
 * region, how much of the backend it spans) and which hosts hold it
 * pending or committed.  A tag is live from the add request that creates
 * its allocation until no host holds any of it; only live tags count
 * against dc-max-tags.  Records of released tags stay, so that status
 * queries can answer "Released".
 */
#include "device/dcd_internal.h"

TmDcTag *tm_dcd_tag_lookup(const TmDcd *dev, const TmGuid *tag)
{
    return g_hash_table_lookup(dev->tags_by_guid, tag);
}

TmDcTag *tm_dcd_tag_obtain(TmDcd *dev, const TmGuid *tag)
{
    TmDcTag *record = tm_dcd_tag_lookup(dev, tag);

    if (record == NULL) {
        record = g_new0(TmDcTag, 1);
        record->tag = *tag;
        g_ptr_array_add(dev->tags, record);
        g_hash_table_insert(dev->tags_by_guid, &record->tag, record);
    }
    return record;
}

bool tm_dcd_tag_is_live(const TmDcTag *tag)
{
    return tag->backend != NULL;
}

void tm_dcd_tags_free(TmDcd *dev)
{
    g_hash_table_unref(dev->tags_by_guid);
    g_ptr_array_unref(dev->tags);
}

static bool host_has_pending(const TmDcHost *host, const TmGuid *tag)
{
    for (GList *l = host->pending_groups.head; l; l = l->next) {
        const TmPendingGroup *group = l->data;

        if (tm_guid_equal(&group->tag, tag)) {
            return true;
        }
    }
    return false;
}

static bool host_has_accepted(const TmDcHost *host, const TmGuid *tag)
{
    for (guint i = 0; i < tm_extent_list_length(host->accepted); i++) {
        if (tm_guid_equal(&tm_extent_list_get(host->accepted, i)->extent.tag, tag)) {
            return true;
        }
    }
    return false;
}

/* A range of the tag is still in the allocation map (e.g. kept out of use). */
static bool map_holds_tag(const TmDcd *dev, const TmGuid *tag)
{
    const TmAllocRange *range;
    for (TmRangePos pos = tm_alloc_map_first(dev->alloc_map);
         (range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL;
         pos = tm_alloc_map_next(dev->alloc_map, pos)) {
        if (tm_guid_equal(&range->range.extent.tag, tag)) {
            return true;
        }
    }
    return false;
}

void tm_dcd_tag_refresh(TmDcd *dev, const TmGuid *tag, uint16_t host_id)
{
    TmDcTag *record = tm_dcd_tag_lookup(dev, tag);
    const TmDcHost *host = tm_dcd_host(dev, host_id);

    if (record == NULL) {
        return;
    }
    if (host_has_pending(host, tag)) {
        tm_host_set_add(&record->pending_hosts, host_id);
    } else {
        tm_host_set_remove(&record->pending_hosts, host_id);
    }
    if (host_has_accepted(host, tag)) {
        tm_host_set_add(&record->committed_hosts, host_id);
    } else {
        tm_host_set_remove(&record->committed_hosts, host_id);
    }
    if (tm_dcd_tag_is_live(record) && tm_host_set_is_empty(&record->pending_hosts) &&
        tm_host_set_is_empty(&record->committed_hosts) && !map_holds_tag(dev, tag)) {
        /* The allocation is gone: the next add with this tag starts afresh. */
        record->backend = NULL;
        record->next_offset = 0;
        record->next_seq = 0;
        dev->live_tag_count--;
    }
}

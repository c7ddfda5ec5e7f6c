/*
 * Tag bookkeeping: for each tag a device has seen, its allocation (backend,
 * region, how much of the backend it spans) and which hosts hold it
 * pending or committed (counted per host as groups and extents come and
 * go).  A tag is live from the add request that creates
 * its allocation until no host holds any of it; only live tags count
 * against dc-max-tags.  Records of released tags stay, so that status
 * queries can answer "Released".
 */
#include "device/dcd_internal.h"

TmDcTag *tm_dcd_tag_lookup(const TmDcd *dev, const TmGuid *tag)
{
    return g_hash_table_lookup(dev->tags_by_guid, tag);
}

/* What one host holds of a tag. */
typedef struct {
    guint pending_groups;     /* its pending groups with the tag */
    uint64_t accepted_bytes;  /* its accepted capacity with the tag */
} TmDcTagHolding;

TmDcTag *tm_dcd_tag_obtain(TmDcd *dev, const TmGuid *tag)
{
    TmDcTag *record = tm_dcd_tag_lookup(dev, tag);

    if (record == NULL) {
        record = g_new0(TmDcTag, 1);
        record->tag = *tag;
        record->index = dev->tags->len;
        record->holdings = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        g_ptr_array_add(dev->tags, record);
        g_hash_table_insert(dev->tags_by_guid, &record->tag, record);
    }
    return record;
}

void tm_dcd_tag_free(gpointer tag)
{
    TmDcTag *record = tag;

    g_hash_table_unref(record->holdings);
    g_free(record);
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

static TmDcTagHolding *find_holding(const TmDcTag *record, uint16_t host_id)
{
    return g_hash_table_lookup(record->holdings, GUINT_TO_POINTER(host_id));
}

static TmDcTagHolding *obtain_holding(TmDcTag *record, uint16_t host_id)
{
    TmDcTagHolding *holding = find_holding(record, host_id);

    if (holding == NULL) {
        holding = g_new0(TmDcTagHolding, 1);
        g_hash_table_insert(record->holdings, GUINT_TO_POINTER(host_id), holding);
    }
    return holding;
}

static void forget_empty_holding(TmDcTag *record, uint16_t host_id,
                                 const TmDcTagHolding *holding)
{
    if (holding->pending_groups == 0 && holding->accepted_bytes == 0) {
        g_hash_table_remove(record->holdings, GUINT_TO_POINTER(host_id));
    }
}

void tm_dcd_tag_count_group(TmDcd *dev, const TmGuid *tag, uint16_t host_id, int change)
{
    TmDcTag *record = tm_dcd_tag_lookup(dev, tag);
    TmDcTagHolding *holding = obtain_holding(record, host_id);

    g_assert(change > 0 || holding->pending_groups > 0);
    holding->pending_groups += change;
    forget_empty_holding(record, host_id, holding);
}

void tm_dcd_tag_count_accepted(TmDcd *dev, const TmBackedExtent *extent, uint16_t host_id,
                               bool accepted)
{
    if (tm_guid_is_null(&extent->extent.tag)) {
        return;
    }
    TmDcTag *record = tm_dcd_tag_lookup(dev, &extent->extent.tag);
    TmDcTagHolding *holding = obtain_holding(record, host_id);

    if (accepted) {
        holding->accepted_bytes += extent->extent.length;
    } else {
        g_assert(holding->accepted_bytes >= extent->extent.length);
        holding->accepted_bytes -= extent->extent.length;
    }
    forget_empty_holding(record, host_id, holding);
}

/* A range of the tag is still in the allocation map (e.g. kept out of use). */
static bool map_holds_tag(const TmDcd *dev, const TmGuid *tag)
{
    return tm_alloc_map_tag_range_count(dev->alloc_map, tag) > 0;
}

/* Keep @host's set of held tags in step with the tag's host sets. */
static void note_held(TmDcHost *host, TmDcTag *record, bool held)
{
    if (held) {
        if (host->held_tags == NULL) {
            host->held_tags = g_hash_table_new(NULL, NULL);
        }
        g_hash_table_add(host->held_tags, record);
    } else if (host->held_tags) {
        g_hash_table_remove(host->held_tags, record);
    }
}

void tm_dcd_tag_refresh(TmDcd *dev, const TmGuid *tag, uint16_t host_id)
{
    TmDcTag *record = tm_dcd_tag_lookup(dev, tag);

    if (record == NULL) {
        return;
    }
    dev->tag_generation++;
    const TmDcTagHolding *holding = find_holding(record, host_id);
    if (holding && holding->pending_groups > 0) {
        tm_host_set_add(&record->pending_hosts, host_id);
    } else {
        tm_host_set_remove(&record->pending_hosts, host_id);
    }
    if (holding && holding->accepted_bytes > 0) {
        tm_host_set_add(&record->committed_hosts, host_id);
    } else {
        tm_host_set_remove(&record->committed_hosts, host_id);
    }
    note_held(tm_dcd_host(dev, host_id), record,
              tm_host_set_contains(&record->pending_hosts, host_id) ||
              tm_host_set_contains(&record->committed_hosts, host_id));
    if (tm_dcd_tag_is_live(record) && tm_host_set_is_empty(&record->pending_hosts) &&
        tm_host_set_is_empty(&record->committed_hosts) && !map_holds_tag(dev, tag)) {
        /* The allocation is gone: the next add with this tag starts afresh. */
        g_assert(!record->referenced);
        record->backend = NULL;
        record->next_offset = 0;
        record->next_seq = 0;
        dev->live_tag_count--;
    }
}

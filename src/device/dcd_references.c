/*
 * FM references on tags (CXL r3.2 §7.6.7.6.7 DC Add Reference, §7.6.7.6.8
 * DC Remove Reference).  A reference keeps a tag's allocation -- its DPA
 * ranges in the allocation map and the memory behind them, data included
 * -- after every host has let go of it, so that a later
 * enable-shared-access add can hand the same bytes to a host again.  The
 * ranges nobody holds are marked "retained"; removing the reference frees
 * them (sanitized if a release asked for it).
 */
#include "device/dcd_internal.h"

bool tm_dcd_range_referenced(const TmDcd *dev, const TmAllocRange *range)
{
    const TmGuid *tag = &range->range.extent.tag;

    if (tm_guid_is_null(tag)) {
        return false;
    }
    const TmDcTag *record = tm_dcd_tag_lookup(dev, tag);
    return record != NULL && record->referenced;
}

uint32_t tm_dcd_tag_generation(const TmDcd *dev)
{
    return dev->tag_generation;
}

/* The live tag @guid names, or NULL with @err set. */
static TmDcTag *live_tag(const TmDcd *dev, const TmGuid *guid, GError **err)
{
    TmDcTag *tag = tm_dcd_tag_lookup(dev, guid);

    if (tag == NULL || !tm_dcd_tag_is_live(tag)) {
        char text[TM_GUID_STRING_LEN + 1];

        tm_guid_format(guid, text);
        tm_dc_fail(err, TM_DC_INVALID_INPUT, "tag %s has no allocation on device '%s'", text,
                   tm_dcd_id(dev));
        return NULL;
    }
    return tag;
}

TmDcStatus tm_dcd_add_tag_reference(TmDcd *dev, const TmGuid *guid, GError **err)
{
    if (tm_guid_is_null(guid)) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "a reference needs a tag, not the null GUID");
    }
    TmDcTag *tag = live_tag(dev, guid, err);
    if (tag == NULL) {
        return TM_DC_INVALID_INPUT;
    }
    if (!tag->referenced) {
        tag->referenced = true;
        dev->tag_generation++;
    }
    return TM_DC_OK;
}

/* Free the tag's ranges that only the reference kept; ranges that fail to zero stay out of use. */
static void free_retained(TmDcd *dev, const TmGuid *guid)
{
    TmAllocRange *range;
    TmRangePos pos = tm_alloc_map_first(dev->alloc_map);

    while ((range = tm_alloc_map_at(dev->alloc_map, pos)) != NULL) {
        if (range->retained && tm_guid_equal(&range->range.extent.tag, guid)) {
            range->retained = false;
            if (tm_dcd_free_range(dev, TM_DCD_NO_HOST, range)) {
                pos = tm_alloc_map_remove(dev->alloc_map, pos);
                continue;
            }
        }
        pos = tm_alloc_map_next(dev->alloc_map, pos);
    }
}

TmDcStatus tm_dcd_remove_tag_reference(TmDcd *dev, const TmGuid *guid, GError **err)
{
    TmDcTag *tag = live_tag(dev, guid, err);

    if (tag == NULL) {
        return TM_DC_INVALID_INPUT;
    }
    if (!tag->referenced) {
        char text[TM_GUID_STRING_LEN + 1];

        tm_guid_format(guid, text);
        return tm_dc_fail(err, TM_DC_INVALID_INPUT, "tag %s has no reference to remove", text);
    }
    tag->referenced = false;
    free_retained(dev, guid);
    /* No host may hold it any more: then the allocation ends here. */
    tm_dcd_tag_refresh(dev, guid, 0);
    return TM_DC_OK;
}

/*
 * FM-API tag references (CXL r3.2 §7.6.7.6.7-§7.6.7.6.9), on the FM port:
 * DC Add Reference, DC Remove Reference and DC List Tags.  What a
 * reference means is the device's (tm_dcd_add_tag_reference, dcd.h).
 */
#include "cci/return_code_mapping.h"
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"

/* 5608h flags of a tag: bit 0, an FM reference holds it (tagmem's reading, docs/fm-api.md). */
#define TM_CXL_TAG_FLAG_REFERENCED (1u << 0)
/* 5608h validity bitmap: bit 0 the reference bitmaps, bit 1 the pending ones, are valid. */
#define TM_CXL_TAG_BITMAPS_VALID 0x03

/* r3.2 §7.6.7.6.7: DC Add Reference (5606h). */
TmCxlReturnCode tm_mailbox_dc_add_reference(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err)
{
    TmCxlDcAddReferenceRequest in;
    TmGuid tag;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    memcpy(tag.bytes, in.tag, sizeof(tag.bytes));
    response->length = 0;
    TmDcStatus status = tm_dcd_add_tag_reference(request->dev, &tag, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}

/* r3.2 §7.6.7.6.8: DC Remove Reference (5607h). */
TmCxlReturnCode tm_mailbox_dc_remove_reference(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err)
{
    TmCxlDcRemoveReferenceRequest in;
    TmGuid tag;
    GError *local = NULL;

    memcpy(&in, request->payload, sizeof(in));
    memcpy(tag.bytes, in.tag, sizeof(tag.bytes));
    response->length = 0;
    TmDcStatus status = tm_dcd_remove_tag_reference(request->dev, &tag, &local);
    return tm_cxl_return_code_from_dc_result(status, local, err);
}

static void encode_hosts(const TmHostSet *hosts, uint8_t bitmap[32])
{
    for (unsigned host = 0; host < TM_DCD_MAX_HOSTS; host++) {
        if (tm_host_set_contains(hosts, (uint16_t)host)) {
            bitmap[host / 8] |= (uint8_t)(1u << (host % 8));
        }
    }
}

static TmCxlDcTagEntry encode_tag(const TmDcTagInfo *info)
{
    TmCxlDcTagEntry entry = {
        .flags = info->referenced ? TM_CXL_TAG_FLAG_REFERENCED : 0,
    };

    memcpy(entry.tag, info->tag.bytes, sizeof(entry.tag));
    encode_hosts(&info->committed_hosts, entry.reference_bitmap);
    encode_hosts(&info->pending_hosts, entry.pending_reference_bitmap);
    return entry;
}

/* The live tags (those with an allocation), in order of first use. */
static GArray *live_tags(const TmDcd *dev)
{
    GArray *tags = g_array_new(FALSE, FALSE, sizeof(TmDcTagInfo));

    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        TmDcTagInfo info = tm_dcd_tag_info(dev, i);

        if (info.backend != NULL) {
            g_array_append_val(tags, info);
        }
    }
    return tags;
}

/*
 * r3.2 §7.6.7.6.9: DC List Tags (5608h): the live tags from the starting
 * index, as many as asked for and fit, with the tag generation number.  A
 * start equal to the total returns none; beyond it is Invalid Input.
 */
TmCxlReturnCode tm_mailbox_dc_list_tags(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err)
{
    TmCxlDcListTagsRequest in;
    g_autoptr(GArray) tags = live_tags(request->dev);

    memcpy(&in, request->payload, sizeof(in));
    uint32_t start = le32toh(in.start_index);
    if (start > tags->len) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "starting tag index %u is beyond the %u tags", start, tags->len);
    }
    size_t returned = tm_mailbox_entries_that_fit(request, sizeof(TmCxlDcListTagsResponse),
                                                  sizeof(TmCxlDcTagEntry),
                                                  MIN(le32toh(in.tag_count), tags->len - start));
    TmCxlDcListTagsResponse header = {
        .generation = htole32(tm_dcd_tag_generation(request->dev)),
        .total_tags = htole32(tags->len),
        .returned_count = htole32((uint32_t)returned),
        .validity_bitmap = TM_CXL_TAG_BITMAPS_VALID,
    };
    memcpy(response->payload, &header, sizeof(header));
    for (size_t i = 0; i < returned; i++) {
        TmCxlDcTagEntry entry = encode_tag(&g_array_index(tags, TmDcTagInfo, start + i));

        memcpy(response->payload + sizeof(header) + i * sizeof(entry), &entry, sizeof(entry));
    }
    response->length = sizeof(header) + returned * sizeof(TmCxlDcTagEntry);
    return TM_CXL_RC_SUCCESS;
}

/*
 * Withdrawing add requests a host has not answered: by the orchestrator
 * (QMP cxl-withdraw-dynamic-capacity) or when dc-offer-timeout runs out.
 * CXL has no such operation; without it a host that never answers keeps
 * the tag, the backend and the DPA ranges of its offers busy for ever.
 *
 * A host answers add requests in order (4802h names no request: CXL r3.1
 * §8.2.9.9.9.3), and it may have read the records of a withdrawn request
 * already.  So a withdrawn group gives its capacity back at once but stays
 * at its place in the host's queue, empty, until the host answers it.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>

uint64_t tm_dcd_offer_timeout(const TmDcd *dev)
{
    return dev->offer_timeout_s;
}

static bool group_matches(const TmPendingGroup *group, uint64_t group_id, const TmGuid *tag)
{
    if (group->withdrawn) {
        return false;
    }
    if (group_id != 0 && group->id != group_id) {
        return false;
    }
    return tag == NULL || tm_guid_equal(&group->tag, tag);
}

/* Give back everything @group holds and leave it waiting for the host's answer. */
static void withdraw_group(TmDcd *dev, TmDcHost *host, TmPendingGroup *group)
{
    if (host->oldest_group == group) {
        /* Parts of a More chain answered this group: they answer nothing now. */
        tm_dcd_drop_response_parts(host);
        g_clear_pointer(&host->answered_by_dpa, tm_extent_list_free);
    }
    /* The order of commit_response (dcd_response.c) for rejected extents. */
    if (!tm_guid_is_null(&group->tag)) {
        tm_dcd_tag_count_group(dev, &group->tag, host->id, -1);
    }
    for (guint i = 0; i < group->n_extents; i++) {
        const TmExtent *offered = &group->extents[i].extent;

        tm_dcd_drop_holder(dev, host->id, offered->dpa, offered->length, false);
    }
    if (!tm_guid_is_null(&group->tag)) {
        tm_dcd_tag_refresh(dev, &group->tag, host->id);
    }
    host->pending_extents -= group->n_extents;
    group->withdrawn = true;
    TmDcdNotice notice = {
        .kind = TM_DCD_NOTICE_WITHDRAWN,
        .host_id = host->id,
        .extents = group->extents,
        .n_extents = group->n_extents,
    };
    tm_dcd_notify(dev, &notice);
    group->n_extents = 0;
}

static TmDcStatus no_match(TmDcd *dev, uint16_t host_id, uint64_t group_id, const TmGuid *tag,
                           GError **err)
{
    if (group_id != 0) {
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "add request %" PRIu64 " is not pending for host %u of device '%s'",
                          group_id, host_id, tm_dcd_id(dev));
    }
    if (tag != NULL) {
        g_autofree char *text = tm_guid_to_string(tag);
        return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                          "no add request with tag %s is pending for host %u of device '%s'",
                          text, host_id, tm_dcd_id(dev));
    }
    return tm_dc_fail(err, TM_DC_INVALID_INPUT,
                      "no add request is pending for host %u of device '%s'", host_id,
                      tm_dcd_id(dev));
}

TmDcStatus tm_dcd_withdraw_offers(TmDcd *dev, uint16_t host_id, uint64_t group_id,
                                  const TmGuid *tag, GError **err)
{
    TmDcStatus status = tm_dcd_check_host(dev, host_id, err);

    if (status != TM_DC_OK) {
        return status;
    }
    TmDcHost *host = tm_dcd_host(dev, host_id);
    guint withdrawn = 0;
    for (TmPendingGroup *group = host->oldest_group; group != NULL; group = group->next) {
        if (group_matches(group, group_id, tag)) {
            withdraw_group(dev, host, group);
            withdrawn++;
        }
    }
    return withdrawn > 0 ? TM_DC_OK : no_match(dev, host_id, group_id, tag, err);
}

guint tm_dcd_withdraw_expired(TmDcd *dev, int64_t now_us, GArray *withdrawn_offers)
{
    int64_t timeout_us = (int64_t)dev->offer_timeout_s * G_USEC_PER_SEC;
    guint withdrawn = 0;

    if (dev->offer_timeout_s == 0) {
        return 0;
    }
    for (uint16_t h = 0; h < dev->num_hosts; h++) {
        TmDcHost *host = tm_dcd_host(dev, h);

        for (TmPendingGroup *group = host->oldest_group; group != NULL; group = group->next) {
            if (!group->withdrawn && now_us - group->offered_us >= timeout_us) {
                withdraw_group(dev, host, group);
                withdrawn++;
                if (withdrawn_offers != NULL) {
                    TmDcWithdrawnOffer offer = { .host_id = h, .group_id = group->id };
                    g_array_append_val(withdrawn_offers, offer);
                }
            }
        }
    }
    return withdrawn;
}

TmDcStatus tm_dcd_answer_withdrawn(TmDcd *dev, TmDcHost *host, guint n_extents, GError **err)
{
    const TmPendingGroup *group = host->oldest_group;

    /*
     * As for any group, an answer the device refuses changes nothing; the
     * empty answer a host sends to reject everything (or to end a refused
     * response, as libtagmem does) ends the withdrawn group.
     */
    if (n_extents > 0) {
        return tm_dc_fail(err, TM_DC_INVALID_PHYSICAL_ADDRESS,
                          "add request %" PRIu64 " to host %u of device '%s' was withdrawn: "
                          "nothing can be accepted from it", group->id, host->id,
                          tm_dcd_id(dev));
    }
    g_free(tm_dcd_pop_group(host));
    return TM_DC_OK;
}

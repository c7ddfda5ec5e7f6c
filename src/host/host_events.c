/*
 * Reading and answering the DC event log (CXL r3.1 §8.2.9.2, §8.2.9.9.9):
 * Get Event Records until the log is empty, each batch handled in log
 * order and then cleared by handle, as the Linux driver does.  Add
 * Capacity records queue until the record with More = 0 ends the chain;
 * the chain is then judged and answered with one 4802h (split with More
 * when long).  Release Capacity records are unmapped, then answered with
 * 4803h; Forced Capacity Release records are unmapped and not answered.
 */
#include "host/host_internal.h"

#include <string.h>

#include "host/accept_policy.h"
#include "host/host_commands.h"
#include "host/host_extent.h"

static void log_extent(TagmemHost *host, TagmemLogLevel level, const char *what,
                       const TagmemExtent *extent, const char *why)
{
    char tag_text[TM_HOST_TAG_STRING_LEN + 1];

    tm_host_tag_format(extent->tag, tag_text);
    tm_host_log(&host->logger, level,
                "%s DPA 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x tag %s seq %u%s%s",
                what, extent->dpa, extent->length, tag_text, extent->shared_seq,
                why != NULL ? ": " : "", why != NULL ? why : "");
}

static void judge_chain(TagmemHost *host, const GArray *chain, TagmemVerdict *verdicts)
{
    g_autoptr(GArray) committed = tm_committed_extents(host->committed);
    TmAcceptContext ctx = {
        .policy = host->opts.policy,
        .policy_fn = host->opts.policy_fn,
        .policy_data = host->opts.policy_data,
        .sequence_base = host->opts.sequence_base,
        .max_pending = host->opts.max_pending_extents,
        .regions = (const TagmemRegion *)(void *)host->regions->data,
        .n_regions = host->regions->len,
        .committed = (const TagmemExtent *)(void *)committed->data,
        .n_committed = committed->len,
    };

    tm_accept_judge(&ctx, (const TagmemExtent *)(void *)chain->data, chain->len, verdicts);
}

/*
 * The device refused the response: end it so that the pending group does
 * not block the next ones (an empty 4802h rejects the group, or ends a
 * response whose earlier parts were taken), then hold what the device
 * says the host holds.
 */
static bool recover_refused_response(TagmemHost *host, size_t n_accepted, GError **err)
{
    g_autoptr(GError) local = NULL;
    size_t parts_sent = 0;

    if (n_accepted > 0 &&
        !tm_host_add_dc_response(&host->conn, host->max_payload, NULL, 0, &parts_sent, &local)) {
        if (!tm_host_error_is_refusal(local)) {
            g_propagate_error(err, g_steal_pointer(&local));
            return false;
        }
        tm_host_log(&host->logger, TAGMEM_LOG_ERROR, "ending the refused response: %s",
                    local->message);
    }
    return tm_host_sync_committed(host, err);
}

static bool commit_accepted(TagmemHost *host, const TagmemExtent *accepted, size_t n_accepted,
                            GError **err)
{
    g_autoptr(GHashTable) tags = g_hash_table_new(tm_host_tag_hash, tm_host_tag_equal);

    for (size_t i = 0; i < n_accepted; i++) {
        bool mapped = false;

        if (!tm_host_commit_extent(host, &accepted[i], &mapped, err)) {
            return false;
        }
        log_extent(host, TAGMEM_LOG_INFO, "accepted", &accepted[i], mapped ? NULL : "slow path");
        tm_host_emit(host, TAGMEM_EVENT_ACCEPTED, &accepted[i], TAGMEM_VERDICT_ACCEPT, !mapped);
        if (!tm_host_tag_is_null(accepted[i].tag)) {
            g_hash_table_add(tags, (gpointer)accepted[i].tag);
        }
    }
    GHashTableIter iter;
    gpointer tag;
    g_hash_table_iter_init(&iter, tags);
    while (g_hash_table_iter_next(&iter, &tag, NULL)) {
        tm_tag_view_rebuild(host, tag);
    }
    return true;
}

/*
 * The device never offers DPA a host holds or has pending (it refuses
 * such an add, as QEMU does), so a chain that overlaps held capacity was
 * answered already: a process of this host answered it and ended before
 * clearing its records.  Answering it again would answer the next pending
 * group instead (an empty response rejects that group).
 */
static bool chain_answered_before(const TagmemHost *host, const GArray *chain)
{
    for (guint i = 0; i < chain->len; i++) {
        const TagmemExtent *extent = &g_array_index(chain, TagmemExtent, i);
        g_autoptr(GArray) held = tm_committed_pieces(host->committed, extent->dpa,
                                                     extent->length);

        if (held->len > 0) {
            return true;
        }
    }
    return false;
}

static bool same_extent(const TagmemExtent *a, const TagmemExtent *b)
{
    return a->dpa == b->dpa && a->length == b->length;
}

/*
 * The whole offer the chain belongs to.  The records of an offer longer
 * than one Get Event Records answer are cleared batch by batch, so a
 * process of this host that died after clearing some left the next one
 * only the offer's tail.  The device still knows the offer (C004h): when
 * the chain read is the tail of the offer it names, the offer replaces
 * the chain, so the whole of it is judged and answered.
 */
static GArray *whole_offer(TagmemHost *host, GArray *chain)
{
    g_autoptr(GArray) offer = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    g_autoptr(GError) local = NULL;

    if (!tm_host_get_pending_offer(&host->conn, offer, &local)) {
        tm_host_log(&host->logger, TAGMEM_LOG_DEBUG, "no pending offer from the device: %s",
                    local->message);
        return chain;
    }
    if (offer->len <= chain->len) {
        return chain;
    }
    guint skip = offer->len - chain->len;
    for (guint i = 0; i < chain->len; i++) {
        if (!same_extent(&g_array_index(offer, TagmemExtent, skip + i),
                         &g_array_index(chain, TagmemExtent, i))) {
            return chain;
        }
    }
    tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                "the Add Capacity chain read holds only the last %u of the offer's %u extents "
                "(an earlier process of this host cleared the others): answering the whole "
                "offer", chain->len, offer->len);
    g_array_unref(chain);
    return g_steal_pointer(&offer);
}

/* The chain is complete: judge it, answer with one 4802h (in parts), map what was taken. */
static bool answer_chain(TagmemHost *host, GError **err)
{
    g_autoptr(GArray) chain = whole_offer(host, host->pending_chain);
    size_t n = chain->len;
    g_autofree TagmemVerdict *verdicts = g_new(TagmemVerdict, n);
    g_autofree TagmemExtent *accepted = g_new(TagmemExtent, n);
    g_autoptr(GError) local = NULL;
    size_t parts_sent = 0;

    host->pending_chain = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    if (chain_answered_before(host, chain)) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "Add Capacity chain of %zu extents overlaps capacity this host holds: "
                    "answered before, not answered again", n);
        return true;
    }
    judge_chain(host, chain, verdicts);
    size_t n_accepted = tm_accept_list((const TagmemExtent *)(void *)chain->data, n, verdicts,
                                       accepted);
    tm_host_log(&host->logger, TAGMEM_LOG_INFO, "Add Capacity chain of %zu extents: accepting %zu",
                n, n_accepted);
    for (size_t i = 0; i < n; i++) {
        const TagmemExtent *extent = &g_array_index(chain, TagmemExtent, i);

        if (verdicts[i] != TAGMEM_VERDICT_ACCEPT) {
            log_extent(host, TAGMEM_LOG_INFO, "rejected", extent, tagmem_verdict_name(verdicts[i]));
            tm_host_emit(host, TAGMEM_EVENT_REJECTED, extent, verdicts[i], false);
        }
    }
    if (!tm_host_add_dc_response(&host->conn, host->max_payload, accepted, n_accepted,
                                 &parts_sent, &local)) {
        if (!tm_host_error_is_refusal(local)) {
            g_propagate_error(err, g_steal_pointer(&local));
            return false;
        }
        tm_host_log(&host->logger, TAGMEM_LOG_ERROR,
                    "Add DC Response part %zu of the chain: %s", parts_sent + 1, local->message);
        return recover_refused_response(host, n_accepted, err);
    }
    return commit_accepted(host, accepted, n_accepted, err);
}

/* The device asks for capacity back: unmap it, then answer with 4803h. */
static bool release_requested(TagmemHost *host, const TagmemExtent *extent, GError **err)
{
    g_autoptr(GError) local = NULL;

    tm_host_forget_range(host, extent->dpa, extent->length);
    if (!tm_host_release_dc(&host->conn, extent, &local)) {
        if (!tm_host_error_is_refusal(local)) {
            g_propagate_error(err, g_steal_pointer(&local));
            return false;
        }
        log_extent(host, TAGMEM_LOG_ERROR, "release refused for", extent, local->message);
        return tm_host_sync_committed(host, err);
    }
    log_extent(host, TAGMEM_LOG_INFO, "released", extent, "asked by the device");
    tm_host_emit(host, TAGMEM_EVENT_RELEASED, extent, TAGMEM_VERDICT_ACCEPT, false);
    return true;
}

/* The device took the capacity back already: make it inaccessible, do not answer. */
static void forced_release(TagmemHost *host, const TagmemExtent *extent)
{
    tm_host_forget_range(host, extent->dpa, extent->length);
    log_extent(host, TAGMEM_LOG_WARNING, "forced release of", extent, NULL);
    tm_host_emit(host, TAGMEM_EVENT_FORCED_RELEASE, extent, TAGMEM_VERDICT_ACCEPT, false);
}

static bool reread_regions(TagmemHost *host, GError **err)
{
    g_autoptr(GArray) regions = g_array_new(FALSE, FALSE, sizeof(TagmemRegion));

    if (!tm_host_get_dc_config(&host->conn, regions, err)) {
        return false;
    }
    g_array_unref(host->regions);
    host->regions = g_steal_pointer(&regions);
    tm_host_log(&host->logger, TAGMEM_LOG_INFO, "DC region configuration updated");
    return true;
}

static bool handle_record(TagmemHost *host, const TmHostDcRecord *record, GError **err)
{
    if (!record->is_dc) {
        tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                    "record %u in the DC log is not a DC event record: cleared", record->handle);
        return true;
    }
    switch (record->event_type) {
    case TM_HOST_DC_ADD_CAPACITY:
        g_array_append_val(host->pending_chain, record->extent);
        return record->more ? true : answer_chain(host, err);
    case TM_HOST_DC_RELEASE_CAPACITY:
        return release_requested(host, &record->extent, err);
    case TM_HOST_DC_FORCED_CAPACITY_RELEASE:
        forced_release(host, &record->extent);
        return true;
    case TM_HOST_DC_REGION_CONFIGURATION_UPDATED:
        return reread_regions(host, err);
    default:
        tm_host_log(&host->logger, TAGMEM_LOG_DEBUG, "DC event type %02Xh (record %u) ignored",
                    record->event_type, record->handle);
        return true;
    }
}

/* Handle one batch in log order; *handles gets each record's handle. */
static bool handle_batch(TagmemHost *host, const TmHostEventBatch *batch, uint16_t *handles,
                         GError **err)
{
    for (guint i = 0; i < batch->records->len; i++) {
        const TmHostDcRecord *record = &g_array_index(batch->records, TmHostDcRecord, i);

        handles[i] = record->handle;
        if (!handle_record(host, record, err)) {
            return false;
        }
    }
    if (!batch->overflow) {
        return true;
    }
    /*
     * Only a forced release may overflow the DC log (an add or a polite
     * release waits for room), so what was lost is capacity taken away:
     * the device's extent list (4801h) says what is still held.
     */
    tm_host_log(&host->logger, TAGMEM_LOG_WARNING,
                "the DC event log overflowed: %u records lost; re-reading the extent list",
                batch->overflow_count);
    return tm_host_sync_committed(host, err);
}

bool tm_host_drain_events(TagmemHost *host, size_t *handled, GError **err)
{
    *handled = 0;
    for (;;) {
        TmHostEventBatch batch = { 0 };

        if (!tm_host_get_dc_events(&host->conn, &batch, err)) {
            return false;
        }
        size_t n = batch.records->len;
        g_autofree uint16_t *handles = g_new(uint16_t, MAX(n, 1));
        bool ok = n > 0 && handle_batch(host, &batch, handles, err);
        tm_host_event_batch_clear(&batch);
        if (n == 0) {
            return true;
        }
        if (!ok || !tm_host_clear_dc_events(&host->conn, host->max_payload, handles, n, err)) {
            return false;
        }
        *handled += n;
    }
}

TAGMEM_API const char *tagmem_event_kind_name(TagmemEventKind kind)
{
    switch (kind) {
    case TAGMEM_EVENT_ACCEPTED:
        return "accepted";
    case TAGMEM_EVENT_REJECTED:
        return "rejected";
    case TAGMEM_EVENT_RELEASED:
        return "released";
    case TAGMEM_EVENT_FORCED_RELEASE:
        return "forced";
    }
    return "unknown";
}

#include "host/accept_policy.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "host/host_extent.h"

typedef struct {
    size_t group;          /* rank of the tag's first appearance */
    uint16_t shared_seq;
    size_t position;       /* in the chain */
} OrderKey;

static int compare_order_keys(const void *a, const void *b)
{
    const OrderKey *x = a;
    const OrderKey *y = b;

    if (x->group != y->group) {
        return x->group < y->group ? -1 : 1;
    }
    if (x->shared_seq != y->shared_seq) {
        return x->shared_seq < y->shared_seq ? -1 : 1;
    }
    return x->position < y->position ? -1 : x->position > y->position;
}

void tm_accept_order(const TagmemExtent *chain, size_t n_extents, size_t *order)
{
    g_autoptr(GHashTable) group_of_tag = g_hash_table_new(tm_host_tag_hash, tm_host_tag_equal);
    g_autofree OrderKey *keys = g_new(OrderKey, n_extents);
    size_t n_groups = 0;

    for (size_t i = 0; i < n_extents; i++) {
        const uint8_t *tag = chain[i].tag;
        gpointer group;

        keys[i] = (OrderKey){ .shared_seq = chain[i].shared_seq, .position = i };
        if (tm_host_tag_is_null(tag)) {
            keys[i].group = n_groups++;
        } else if (g_hash_table_lookup_extended(group_of_tag, tag, NULL, &group)) {
            keys[i].group = GPOINTER_TO_SIZE(group);
        } else {
            keys[i].group = n_groups++;
            g_hash_table_insert(group_of_tag, (gpointer)tag, GSIZE_TO_POINTER(keys[i].group));
        }
    }
    qsort(keys, n_extents, sizeof(*keys), compare_order_keys);
    for (size_t i = 0; i < n_extents; i++) {
        order[i] = keys[i].position;
    }
}

/* The region that holds all of @extent, or -1. */
static long region_holding(const TmAcceptContext *ctx, const TagmemExtent *extent)
{
    for (size_t r = 0; r < ctx->n_regions; r++) {
        const TagmemRegion *region = &ctx->regions[r];

        if (extent->dpa >= region->base && extent->length <= region->length &&
            extent->dpa - region->base <= region->length - extent->length) {
            return (long)r;
        }
    }
    return -1;
}

static bool overlaps_any(const TagmemExtent *extent, const TagmemExtent *others, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (tm_host_ranges_overlap(extent->dpa, extent->length, others[i].dpa,
                                   others[i].length)) {
            return true;
        }
    }
    return false;
}

static bool tag_is_committed(const TmAcceptContext *ctx, const uint8_t *tag)
{
    for (size_t i = 0; i < ctx->n_committed; i++) {
        if (memcmp(ctx->committed[i].tag, tag, 16) == 0) {
            return true;
        }
    }
    return false;
}

/* Sequences (already sorted) all 0, or base, base+1, ... */
static bool sequence_is_dense(const TagmemExtent *chain, const size_t *members, size_t n,
                              uint16_t base)
{
    bool all_zero = true;
    bool dense = true;

    for (size_t k = 0; k < n; k++) {
        uint16_t seq = chain[members[k]].shared_seq;

        all_zero = all_zero && seq == 0;
        dense = dense && seq == base + k;
    }
    return all_zero || dense;
}

typedef struct {
    const TmAcceptContext *ctx;
    const TagmemExtent *chain;
    GArray *accepted;      /* of TagmemExtent: accepted so far in this chain */
} Judge;

static bool extent_aligned(const TagmemExtent *extent)
{
    return extent->length != 0 && extent->dpa % TM_ACCEPT_ALIGNMENT == 0 &&
           extent->length % TM_ACCEPT_ALIGNMENT == 0;
}

/* The first rule the group (chain indexes @members, in order) breaks. */
static TagmemVerdict judge_group(Judge *judge, const size_t *members, size_t n)
{
    const TmAcceptContext *ctx = judge->ctx;
    const TagmemExtent *first = &judge->chain[members[0]];
    bool tagged = !tm_host_tag_is_null(first->tag);

    for (size_t k = 0; k < n; k++) {
        if (members[k] >= ctx->max_pending) {
            return TAGMEM_VERDICT_TOO_MANY_PENDING;
        }
    }
    if (tagged && tag_is_committed(ctx, first->tag)) {
        return TAGMEM_VERDICT_DUPLICATE_TAG;
    }
    if (tagged && !sequence_is_dense(judge->chain, members, n, ctx->sequence_base)) {
        return TAGMEM_VERDICT_SEQUENCE_NOT_DENSE;
    }
    for (size_t k = 0; k < n; k++) {
        if (!extent_aligned(&judge->chain[members[k]])) {
            return TAGMEM_VERDICT_MISALIGNED;
        }
    }
    long group_region = region_holding(ctx, first);
    for (size_t k = 0; k < n; k++) {
        long region = region_holding(ctx, &judge->chain[members[k]]);

        if (region < 0) {
            return TAGMEM_VERDICT_OUTSIDE_REGION;
        }
        if (region != group_region) {
            return TAGMEM_VERDICT_SEVERAL_REGIONS;
        }
    }
    for (size_t k = 0; k < n; k++) {
        const TagmemExtent *extent = &judge->chain[members[k]];

        /* Members are checked against each other too: each joins once it passes. */
        if (overlaps_any(extent, ctx->committed, ctx->n_committed) ||
            overlaps_any(extent, (const TagmemExtent *)(void *)judge->accepted->data,
                         judge->accepted->len)) {
            g_array_set_size(judge->accepted, judge->accepted->len - k);
            return TAGMEM_VERDICT_OVERLAPS_COMMITTED;
        }
        g_array_append_val(judge->accepted, *extent);
    }
    return TAGMEM_VERDICT_ACCEPT;
}

/* Extents of one group are adjacent in the order; an untagged extent is alone. */
static size_t group_length(const TagmemExtent *chain, const size_t *order, size_t from,
                           size_t n_extents)
{
    const uint8_t *tag = chain[order[from]].tag;
    size_t end = from + 1;

    if (tm_host_tag_is_null(tag)) {
        return 1;
    }
    while (end < n_extents && memcmp(chain[order[end]].tag, tag, 16) == 0) {
        end++;
    }
    return end - from;
}

void tm_accept_linux_v11(const TmAcceptContext *ctx, const TagmemExtent *chain,
                         size_t n_extents, TagmemVerdict *verdicts)
{
    g_autofree size_t *order = g_new(size_t, n_extents);
    g_autoptr(GArray) accepted = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    Judge judge = { .ctx = ctx, .chain = chain, .accepted = accepted };

    tm_accept_order(chain, n_extents, order);
    for (size_t from = 0; from < n_extents;) {
        size_t n = group_length(chain, order, from, n_extents);
        TagmemVerdict verdict = judge_group(&judge, order + from, n);

        for (size_t k = 0; k < n; k++) {
            verdicts[order[from + k]] = verdict;
        }
        from += n;
    }
}

static void judge_by_callback(const TmAcceptContext *ctx, const TagmemExtent *chain,
                              size_t n_extents, TagmemVerdict *verdicts)
{
    g_autofree bool *accept = g_new0(bool, n_extents);

    if (ctx->policy_fn != NULL) {
        ctx->policy_fn(ctx->policy_data, chain, n_extents, accept);
    }
    for (size_t i = 0; i < n_extents; i++) {
        verdicts[i] = accept[i] ? TAGMEM_VERDICT_ACCEPT : TAGMEM_VERDICT_CALLBACK;
    }
}

void tm_accept_judge(const TmAcceptContext *ctx, const TagmemExtent *chain, size_t n_extents,
                     TagmemVerdict *verdicts)
{
    switch (ctx->policy) {
    case TAGMEM_POLICY_LINUX_V11:
        tm_accept_linux_v11(ctx, chain, n_extents, verdicts);
        return;
    case TAGMEM_POLICY_ACCEPT_ALL:
        for (size_t i = 0; i < n_extents; i++) {
            verdicts[i] = TAGMEM_VERDICT_ACCEPT;
        }
        return;
    case TAGMEM_POLICY_REJECT_ALL:
        for (size_t i = 0; i < n_extents; i++) {
            verdicts[i] = TAGMEM_VERDICT_REJECT_ALL;
        }
        return;
    case TAGMEM_POLICY_CALLBACK:
        judge_by_callback(ctx, chain, n_extents, verdicts);
        return;
    }
}

size_t tm_accept_list(const TagmemExtent *chain, size_t n_extents,
                      const TagmemVerdict *verdicts, TagmemExtent *out)
{
    g_autofree size_t *order = g_new(size_t, n_extents);
    size_t n_accepted = 0;

    tm_accept_order(chain, n_extents, order);
    for (size_t i = 0; i < n_extents; i++) {
        if (verdicts[order[i]] == TAGMEM_VERDICT_ACCEPT) {
            out[n_accepted++] = chain[order[i]];
        }
    }
    return n_accepted;
}

TAGMEM_API const char *tagmem_verdict_name(TagmemVerdict verdict)
{
    static const char *const names[] = {
        [TAGMEM_VERDICT_ACCEPT] = "accepted",
        [TAGMEM_VERDICT_TOO_MANY_PENDING] = "more pending extents than the chain may hold",
        [TAGMEM_VERDICT_DUPLICATE_TAG] = "tag already held by this host",
        [TAGMEM_VERDICT_SEQUENCE_NOT_DENSE] = "shared sequence neither all 0 nor dense",
        [TAGMEM_VERDICT_MISALIGNED] = "not 2 MiB aligned",
        [TAGMEM_VERDICT_OUTSIDE_REGION] = "not inside one DC region",
        [TAGMEM_VERDICT_SEVERAL_REGIONS] = "tag group spans several DC regions",
        [TAGMEM_VERDICT_OVERLAPS_COMMITTED] = "overlaps capacity already held",
        [TAGMEM_VERDICT_REJECT_ALL] = "reject-all policy",
        [TAGMEM_VERDICT_CALLBACK] = "refused by the policy callback",
    };

    if ((size_t)verdict >= G_N_ELEMENTS(names)) {
        return "unknown verdict";
    }
    return names[verdict];
}

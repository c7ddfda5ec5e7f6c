/*
 * Acceptance policies: which extents of one complete Add Capacity chain
 * (every record up to the one with More = 0) the host accepts.  Pure
 * functions over arrays, so that each rule is tested without a daemon.
 *
 * The default applies the rules of the Linux DCD host driver, v11 series
 * (docs/cxl-layouts.md "What a real host does"):
 *   - extents are judged in tag groups, whole: a group is every extent of
 *     one tag in the chain; groups are taken in order of their tag's first
 *     appearance, the extents of a group sorted by shared sequence;
 *   - an untagged extent (null tag) is a group of its own: the null tag
 *     names no allocation, so the tag and sequence rules do not apply;
 *   - only the first max_pending extents of a chain are queued; a group
 *     with an extent beyond them is dropped;
 *   - the tag must be unique host-wide: a group whose tag the host already
 *     holds is dropped;
 *   - shared sequence numbers are all 0 or dense from the base
 *     (base, base+1, ..., base+n-1; base 0 in v11, 1 before);
 *   - every extent is 2 MiB aligned (DPA and length), lies entirely in one
 *     DC region (as 4800h reports them), and the group stays in one region
 *     (one partition);
 *   - no extent overlaps committed capacity, or an extent accepted earlier
 *     in the chain.
 * A group that breaks a rule is dropped whole; its extents carry the first
 * rule it broke, checked in the order above.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tagmem/tagmem.h"

/* Linux v11: CXL_DCD_MAX_PENDING extents per chain, 2 MiB granularity. */
#define TM_ACCEPT_DEFAULT_MAX_PENDING 100
#define TM_ACCEPT_ALIGNMENT (2u << 20)

typedef struct {
    TagmemPolicy policy;
    TagmemPolicyFn policy_fn;      /* TAGMEM_POLICY_CALLBACK */
    void *policy_data;
    uint16_t sequence_base;        /* 0 or 1 */
    size_t max_pending;            /* extents per chain */
    const TagmemRegion *regions;   /* the device's DC regions */
    size_t n_regions;
    const TagmemExtent *committed; /* capacity the host holds */
    size_t n_committed;
} TmAcceptContext;

/*
 * The order in which the chain is judged and answered: tag groups in order
 * of first appearance, each sorted by shared sequence (ties keep chain
 * order).  @order receives a permutation of 0..n-1.
 */
void tm_accept_order(const TagmemExtent *chain, size_t n_extents, size_t *order);

/* The Linux v11 rules: verdicts[i] for chain[i]. */
void tm_accept_linux_v11(const TmAcceptContext *ctx, const TagmemExtent *chain,
                         size_t n_extents, TagmemVerdict *verdicts);

/* The context's policy: verdicts[i] for chain[i]. */
void tm_accept_judge(const TmAcceptContext *ctx, const TagmemExtent *chain, size_t n_extents,
                     TagmemVerdict *verdicts);

/*
 * The accepted extents in tm_accept_order() order, copied to @out (room for
 * n_extents); returns how many.
 */
size_t tm_accept_list(const TagmemExtent *chain, size_t n_extents,
                      const TagmemVerdict *verdicts, TagmemExtent *out);

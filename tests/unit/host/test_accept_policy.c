/*
 * The acceptance policies over hand-built chains: one table row per rule
 * of the Linux v11 host (docs/cxl-layouts.md), each checking the verdict
 * of every extent and the order of the accepted list (the 4802h order).
 */
#include <string.h>
#include <glib.h>

#include "host/accept_policy.h"

#define MiB (UINT64_C(1) << 20)
#define R0 (256 * MiB)            /* region 0: 256 MiB from 256 MiB */
#define R1 (512 * MiB)            /* region 1: 256 MiB from 512 MiB */
#define MAX_CHAIN 8

static const TagmemRegion regions[] = {
    { .base = R0, .length = 256 * MiB, .block_size = 2 * MiB },
    { .base = R1, .length = 256 * MiB, .block_size = 2 * MiB },
};

/* Tag letter 'A'.. fills the 16 bytes; 0 is untagged. */
#define X(dpa_, len_, tag_, seq_) { .dpa = (dpa_), .length = (len_), .tag = { (tag_) }, \
                                    .shared_seq = (seq_) }
#define ACC TAGMEM_VERDICT_ACCEPT

typedef struct {
    const char *name;
    TagmemExtent chain[MAX_CHAIN];
    size_t n_chain;
    TagmemExtent committed[MAX_CHAIN];
    size_t n_committed;
    uint16_t sequence_base;
    size_t max_pending;            /* 0: the default */
    TagmemVerdict verdicts[MAX_CHAIN];
    size_t accepted_order[MAX_CHAIN]; /* chain indexes, in 4802h order */
    size_t n_accepted;
} PolicyRow;

static const PolicyRow rows[] = {
    {
        .name = "groups in order of first appearance, sorted by sequence",
        .chain = { X(R0 + 4 * MiB, 2 * MiB, 'A', 1), X(R0 + 8 * MiB, 2 * MiB, 'B', 0),
                   X(R0, 4 * MiB, 'A', 0) },
        .n_chain = 3,
        .verdicts = { ACC, ACC, ACC },
        .accepted_order = { 2, 0, 1 }, .n_accepted = 3,
    },
    {
        .name = "duplicate tag host-wide drops the group",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'B', 0),
                   X(R0 + 4 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 3,
        .committed = { X(R0 + 100 * MiB, 2 * MiB, 'A', 0) }, .n_committed = 1,
        .verdicts = { TAGMEM_VERDICT_DUPLICATE_TAG, ACC, TAGMEM_VERDICT_DUPLICATE_TAG },
        .accepted_order = { 1 }, .n_accepted = 1,
    },
    {
        .name = "sparse sequence drops the group",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'A', 2),
                   X(R0 + 4 * MiB, 2 * MiB, 'B', 0) },
        .n_chain = 3,
        .verdicts = { TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, ACC },
        .accepted_order = { 2 }, .n_accepted = 1,
    },
    {
        .name = "sequence 1..n with base 0 is not dense",
        .chain = { X(R0, 2 * MiB, 'A', 1), X(R0 + 2 * MiB, 2 * MiB, 'A', 2) },
        .n_chain = 2,
        .verdicts = { TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, TAGMEM_VERDICT_SEQUENCE_NOT_DENSE },
        .n_accepted = 0,
    },
    {
        .name = "sequence 1..n with base 1 is dense",
        .chain = { X(R0 + 2 * MiB, 2 * MiB, 'A', 2), X(R0, 2 * MiB, 'A', 1) },
        .n_chain = 2,
        .sequence_base = 1,
        .verdicts = { ACC, ACC },
        .accepted_order = { 1, 0 }, .n_accepted = 2,
    },
    {
        .name = "sequence 0..n-1 with base 1 is not dense",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 2,
        .sequence_base = 1,
        .verdicts = { TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, TAGMEM_VERDICT_SEQUENCE_NOT_DENSE },
        .n_accepted = 0,
    },
    {
        .name = "all-zero sequences keep chain order, whatever the base",
        .chain = { X(R0 + 2 * MiB, 2 * MiB, 'A', 0), X(R0, 2 * MiB, 'A', 0) },
        .n_chain = 2,
        .sequence_base = 1,
        .verdicts = { ACC, ACC },
        .accepted_order = { 0, 1 }, .n_accepted = 2,
    },
    {
        .name = "repeated sequence number is not dense",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'A', 1),
                   X(R0 + 4 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 3,
        .verdicts = { TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, TAGMEM_VERDICT_SEQUENCE_NOT_DENSE,
                      TAGMEM_VERDICT_SEQUENCE_NOT_DENSE },
        .n_accepted = 0,
    },
    {
        .name = "two regions in one group",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R1, 2 * MiB, 'A', 1),
                   X(R1 + 2 * MiB, 2 * MiB, 'B', 0) },
        .n_chain = 3,
        .verdicts = { TAGMEM_VERDICT_SEVERAL_REGIONS, TAGMEM_VERDICT_SEVERAL_REGIONS, ACC },
        .accepted_order = { 2 }, .n_accepted = 1,
    },
    {
        .name = "misaligned DPA drops the group",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 3 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 2,
        .verdicts = { TAGMEM_VERDICT_MISALIGNED, TAGMEM_VERDICT_MISALIGNED },
        .n_accepted = 0,
    },
    {
        .name = "misaligned length",
        .chain = { X(R0, 3 * MiB, 'A', 0), X(R0 + 4 * MiB, 2 * MiB, 0, 0) },
        .n_chain = 2,
        .verdicts = { TAGMEM_VERDICT_MISALIGNED, ACC },
        .accepted_order = { 1 }, .n_accepted = 1,
    },
    {
        .name = "outside the decoder: past the last region, before the first",
        .chain = { X(R1 + 254 * MiB, 4 * MiB, 'A', 0), X(0, 2 * MiB, 'B', 0),
                   X(R0 + 254 * MiB, 4 * MiB, 'C', 0), X(R0, 2 * MiB, 'D', 0) },
        .n_chain = 4,
        .verdicts = { TAGMEM_VERDICT_OUTSIDE_REGION, TAGMEM_VERDICT_OUTSIDE_REGION,
                      TAGMEM_VERDICT_OUTSIDE_REGION, ACC },
        .accepted_order = { 3 }, .n_accepted = 1,
    },
    {
        .name = "overlap with committed capacity",
        .chain = { X(R0 + 2 * MiB, 2 * MiB, 0, 0), X(R0 + 4 * MiB, 2 * MiB, 'A', 0) },
        .n_chain = 2,
        .committed = { X(R0, 4 * MiB, 0, 0) }, .n_committed = 1,
        .verdicts = { TAGMEM_VERDICT_OVERLAPS_COMMITTED, ACC },
        .accepted_order = { 1 }, .n_accepted = 1,
    },
    {
        .name = "overlap with an extent accepted earlier in the chain",
        .chain = { X(R0, 4 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'B', 0),
                   X(R0 + 8 * MiB, 2 * MiB, 'B', 1) },
        .n_chain = 3,
        .verdicts = { ACC, TAGMEM_VERDICT_OVERLAPS_COMMITTED, TAGMEM_VERDICT_OVERLAPS_COMMITTED },
        .accepted_order = { 0 }, .n_accepted = 1,
    },
    {
        .name = "more than max pending: a group past the limit goes whole",
        .chain = { X(R0, 2 * MiB, 0, 0), X(R0 + 2 * MiB, 2 * MiB, 'A', 0),
                   X(R0 + 4 * MiB, 2 * MiB, 'B', 0), X(R0 + 6 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 4,
        .max_pending = 3,
        .verdicts = { ACC, TAGMEM_VERDICT_TOO_MANY_PENDING, ACC,
                      TAGMEM_VERDICT_TOO_MANY_PENDING },
        .accepted_order = { 0, 2 }, .n_accepted = 2,
    },
    {
        .name = "untagged extents are judged one by one, without tag or sequence rules",
        .chain = { X(R0 + 4 * MiB, 2 * MiB, 0, 7), X(R0 + 9 * MiB, 2 * MiB, 0, 0),
                   X(R0 + 6 * MiB, 2 * MiB, 0, 3) },
        .n_chain = 3,
        .committed = { X(R0, 2 * MiB, 0, 0) }, .n_committed = 1,
        .verdicts = { ACC, TAGMEM_VERDICT_MISALIGNED, ACC },
        .accepted_order = { 0, 2 }, .n_accepted = 2,
    },
    {
        .name = "several tag groups, the middle one dropped",
        .chain = { X(R0, 2 * MiB, 'A', 0), X(R0 + 2 * MiB, 2 * MiB, 'B', 0),
                   X(R0 + 4 * MiB, 2 * MiB, 'C', 1), X(R0 + 6 * MiB, 1 * MiB, 'B', 1),
                   X(R0 + 8 * MiB, 2 * MiB, 'C', 0), X(R0 + 10 * MiB, 2 * MiB, 'A', 1) },
        .n_chain = 6,
        .verdicts = { ACC, TAGMEM_VERDICT_MISALIGNED, ACC, TAGMEM_VERDICT_MISALIGNED, ACC, ACC },
        .accepted_order = { 0, 5, 4, 2 }, .n_accepted = 4,
    },
    {
        .name = "rules apply in order: duplicate tag before sequence",
        .chain = { X(R0 + 1 * MiB, 2 * MiB, 'A', 5) },
        .n_chain = 1,
        .committed = { X(R1, 2 * MiB, 'A', 0) }, .n_committed = 1,
        .verdicts = { TAGMEM_VERDICT_DUPLICATE_TAG },
        .n_accepted = 0,
    },
};

static void fill_tags(TagmemExtent *extents, size_t n)
{
    /* X() sets the first byte; an allocation's tag is that letter throughout. */
    for (size_t i = 0; i < n; i++) {
        memset(extents[i].tag + 1, extents[i].tag[0], 15);
    }
}

static void test_linux_v11_row(gconstpointer data)
{
    PolicyRow row = *(const PolicyRow *)data;
    TagmemVerdict verdicts[MAX_CHAIN];
    TagmemExtent accepted[MAX_CHAIN];

    fill_tags(row.chain, row.n_chain);
    fill_tags(row.committed, row.n_committed);
    TmAcceptContext ctx = {
        .policy = TAGMEM_POLICY_LINUX_V11,
        .sequence_base = row.sequence_base,
        .max_pending = row.max_pending != 0 ? row.max_pending : TM_ACCEPT_DEFAULT_MAX_PENDING,
        .regions = regions,
        .n_regions = G_N_ELEMENTS(regions),
        .committed = row.committed,
        .n_committed = row.n_committed,
    };

    tm_accept_judge(&ctx, row.chain, row.n_chain, verdicts);
    for (size_t i = 0; i < row.n_chain; i++) {
        if (verdicts[i] != row.verdicts[i]) {
            g_error("%s: extent %zu is '%s', expected '%s'", row.name, i,
                    tagmem_verdict_name(verdicts[i]), tagmem_verdict_name(row.verdicts[i]));
        }
    }
    size_t n_accepted = tm_accept_list(row.chain, row.n_chain, verdicts, accepted);
    g_assert_cmpuint(n_accepted, ==, row.n_accepted);
    for (size_t i = 0; i < n_accepted; i++) {
        const TagmemExtent *expected = &row.chain[row.accepted_order[i]];

        g_assert_cmphex(accepted[i].dpa, ==, expected->dpa);
        g_assert_cmphex(accepted[i].length, ==, expected->length);
        g_assert_cmpmem(accepted[i].tag, 16, expected->tag, 16);
    }
}

/* The default limit: 100 extents per chain (Linux v11), the 101st and its group go. */
static void test_default_pending_limit(void)
{
    enum { N = TM_ACCEPT_DEFAULT_MAX_PENDING + 2 };
    TagmemExtent chain[N] = { 0 };
    TagmemVerdict verdicts[N];
    TagmemExtent accepted[N];
    TmAcceptContext ctx = {
        .max_pending = TM_ACCEPT_DEFAULT_MAX_PENDING,
        .regions = regions,
        .n_regions = G_N_ELEMENTS(regions),
    };

    for (size_t i = 0; i < N; i++) {
        chain[i].dpa = R0 + i * 2 * MiB;
        chain[i].length = 2 * MiB;
    }
    /* The group of tag 'T' straddles the limit: positions 99 and 100. */
    memset(chain[99].tag, 'T', 16);
    memset(chain[100].tag, 'T', 16);
    chain[100].shared_seq = 1;
    tm_accept_judge(&ctx, chain, N, verdicts);
    for (size_t i = 0; i < 99; i++) {
        g_assert_cmpint(verdicts[i], ==, TAGMEM_VERDICT_ACCEPT);
    }
    g_assert_cmpint(verdicts[99], ==, TAGMEM_VERDICT_TOO_MANY_PENDING);
    g_assert_cmpint(verdicts[100], ==, TAGMEM_VERDICT_TOO_MANY_PENDING);
    g_assert_cmpint(verdicts[101], ==, TAGMEM_VERDICT_TOO_MANY_PENDING);
    g_assert_cmpuint(tm_accept_list(chain, N, verdicts, accepted), ==, 99);
}

static void accept_even(void *data, const TagmemExtent *chain, size_t n_extents, bool *accept)
{
    size_t *calls = data;

    (*calls)++;
    for (size_t i = 0; i < n_extents; i++) {
        accept[i] = chain[i].dpa % (4 * MiB) == 0;
    }
}

/* accept-all, reject-all and the callback ignore the v11 rules. */
static void test_other_policies(void)
{
    TagmemExtent chain[] = {
        X(R0, 2 * MiB, 'A', 9),       /* sparse sequence: v11 would drop it */
        X(R0 + 2 * MiB, 2 * MiB, 0, 0),
        X(R0 + 4 * MiB, 2 * MiB, 0, 0),
    };
    TagmemVerdict verdicts[3];
    size_t calls = 0;
    TmAcceptContext ctx = {
        .regions = regions,
        .n_regions = G_N_ELEMENTS(regions),
        .max_pending = TM_ACCEPT_DEFAULT_MAX_PENDING,
        .policy_fn = accept_even,
        .policy_data = &calls,
    };

    ctx.policy = TAGMEM_POLICY_ACCEPT_ALL;
    tm_accept_judge(&ctx, chain, 3, verdicts);
    for (size_t i = 0; i < 3; i++) {
        g_assert_cmpint(verdicts[i], ==, TAGMEM_VERDICT_ACCEPT);
    }
    ctx.policy = TAGMEM_POLICY_REJECT_ALL;
    tm_accept_judge(&ctx, chain, 3, verdicts);
    for (size_t i = 0; i < 3; i++) {
        g_assert_cmpint(verdicts[i], ==, TAGMEM_VERDICT_REJECT_ALL);
    }
    ctx.policy = TAGMEM_POLICY_CALLBACK;
    tm_accept_judge(&ctx, chain, 3, verdicts);
    g_assert_cmpuint(calls, ==, 1);
    g_assert_cmpint(verdicts[0], ==, TAGMEM_VERDICT_ACCEPT);
    g_assert_cmpint(verdicts[1], ==, TAGMEM_VERDICT_CALLBACK);
    g_assert_cmpint(verdicts[2], ==, TAGMEM_VERDICT_ACCEPT);
    ctx.policy = TAGMEM_POLICY_LINUX_V11;
    tm_accept_judge(&ctx, chain, 3, verdicts);
    g_assert_cmpint(verdicts[0], ==, TAGMEM_VERDICT_SEQUENCE_NOT_DENSE);
}

static void test_verdict_names(void)
{
    for (int v = TAGMEM_VERDICT_ACCEPT; v <= TAGMEM_VERDICT_CALLBACK; v++) {
        g_assert_cmpstr(tagmem_verdict_name((TagmemVerdict)v), !=, "unknown verdict");
    }
    g_assert_cmpstr(tagmem_verdict_name((TagmemVerdict)99), ==, "unknown verdict");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autofree char *path = g_strdup_printf("/host/accept/linux-v11/%zu", i);

        g_test_add_data_func(path, &rows[i], test_linux_v11_row);
    }
    g_test_add_func("/host/accept/default-pending-limit", test_default_pending_limit);
    g_test_add_func("/host/accept/other-policies", test_other_policies);
    g_test_add_func("/host/accept/verdict-names", test_verdict_names);
    return g_test_run();
}

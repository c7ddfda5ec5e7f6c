/*
 * Acceptance policies end to end: capacity offered over QMP by the real
 * tagmemd, judged by libtagmem in a host process (tagmem-test-host-agent),
 * answered with Add DC Response, and what the device committed read back
 * with query-cxl-dynamic-capacity.  The default policy is the Linux DCD
 * host driver's (v11 series, docs/cxl-layouts.md "What a real host does").
 *
 * Rules the daemon cannot break on its own (a tag group across two
 * regions, an extent outside the decoder: it offers neither) are covered
 * by tests/unit/host/test_accept_policy.c; the device's refusal of such
 * responses is in test_host_chain.c.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "e2e_daemon.h"
#include "host_agent_client.h"
#include "tagmem/tagmem.h"

#define TAG_A "5a9e0000-0000-4000-8000-00000000000a"
#define TAG_B "5a9e0000-0000-4000-8000-00000000000b"
#define REGION1 "0x10000000"    /* region 1's base: 256 MiB */
#define WAIT_MS "10000"

/*
 * dcd0: two 256 MiB regions over the memfd dc0 (untagged capacity), 1 MiB
 * blocks (so that the device may offer what Linux finds misaligned), two
 * hosts, region 1 sharable; backends for TAG_A and TAG_B.
 */
static const char *const policy_daemon[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=64M,tag=" TAG_A,
    "-object", "memory-backend-memfd,id=tb,size=64M,tag=" TAG_B,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,dc-block-size=1M,"
               "num-hosts=2,dc-region-sharable=2",
    NULL,
};

static const char *verdict_name(int verdict)
{
    static const char *const names[] = {
        [TAGMEM_VERDICT_ACCEPT] = "accept",
        [TAGMEM_VERDICT_TOO_MANY_PENDING] = "too-many",
        [TAGMEM_VERDICT_DUPLICATE_TAG] = "duplicate",
        [TAGMEM_VERDICT_SEQUENCE_NOT_DENSE] = "sparse",
        [TAGMEM_VERDICT_MISALIGNED] = "misaligned",
        [TAGMEM_VERDICT_OUTSIDE_REGION] = "outside",
        [TAGMEM_VERDICT_SEVERAL_REGIONS] = "regions",
        [TAGMEM_VERDICT_OVERLAPS_COMMITTED] = "overlap",
        [TAGMEM_VERDICT_REJECT_ALL] = "reject-all",
        [TAGMEM_VERDICT_CALLBACK] = "callback",
    };

    g_assert_cmpint(verdict, >=, 0);
    g_assert_cmpint(verdict, <, (int)G_N_ELEMENTS(names));
    return names[verdict];
}

typedef struct {
    uint64_t dpa;
    char *text;
} EventItem;

static gint compare_items(gconstpointer a, gconstpointer b)
{
    const EventItem *x = a;
    const EventItem *y = b;

    return x->dpa < y->dpa ? -1 : x->dpa > y->dpa;
}

/*
 * The agent's events as "accepted@DPA" and "rejected@DPA/VERDICT", by DPA:
 * "event KIND DPA LEN TAG SEQ VERDICT SLOW" lines.
 */
static char *event_summary(TmAgent *agent)
{
    g_autoptr(GPtrArray) events = tm_agent_take_events(agent);
    g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(EventItem));
    GString *summary = g_string_new(NULL);

    for (guint i = 0; i < events->len; i++) {
        g_auto(GStrv) words = g_strsplit(g_ptr_array_index(events, i), " ", -1);
        g_assert_cmpuint(g_strv_length(words), ==, 8);
        EventItem item = { .dpa = g_ascii_strtoull(words[2], NULL, 0) };

        if (strcmp(words[1], "rejected") == 0) {
            item.text = g_strdup_printf("rejected@%s/%s", words[2], verdict_name(atoi(words[6])));
        } else {
            item.text = g_strdup_printf("%s@%s", words[1], words[2]);
        }
        g_array_append_val(items, item);
    }
    g_array_sort(items, compare_items);
    for (guint i = 0; i < items->len; i++) {
        EventItem *item = &g_array_index(items, EventItem, i);
        g_string_append_printf(summary, "%s%s", i > 0 ? " " : "", item->text);
        g_free(item->text);
    }
    return g_string_free(summary, FALSE);
}

/* One add request of a row: @extents of @tag (NULL: untagged) in @region. */
typedef struct {
    const char *tag;
    unsigned region;
    const char *extents;
} RowAdd;

typedef struct {
    const char *name;
    const char *options;     /* connect options */
    RowAdd adds[2];          /* offered in order before the host reads its log */
    unsigned n_offered;      /* extents in all */
    const char *events;      /* event_summary() */
    const char *accepted;    /* tm_e2e_accepted() */
} PolicyRow;

static const PolicyRow policy_rows[] = {
    { "v11 takes a dense tag group (shared sequence 0, 1)", "",
      { { TAG_A, 0, "0:2M 4M:2M" } }, 2,
      "accepted@0x0 accepted@0x400000",
      "0x0+0x200000#0 0x400000+0x200000#1" },
    { "v11 with sequence base 1 drops a group numbered from 0", "base=1",
      { { TAG_A, 0, "0:2M 4M:2M" } }, 2,
      "rejected@0x0/sparse rejected@0x400000/sparse",
      "" },
    { "v11 judges untagged extents one by one: the misaligned one goes", "",
      { { NULL, 0, "1M:1M 4M:2M" } }, 2,
      "rejected@0x100000/misaligned accepted@0x400000",
      "0x400000+0x200000#0" },
    { "v11 judges a tag group whole: one misaligned extent drops it all", "",
      { { TAG_A, 1, "0:2M 2M:1M" } }, 2,
      "rejected@0x10000000/misaligned rejected@0x10200000/misaligned",
      "" },
    { "v11 drops a lone extent numbered 1 (sparse: 0 is missing)", "",
      { { TAG_A, 0, "0:1M" }, { TAG_A, 0, "4M:2M" } }, 2,
      "rejected@0x0/misaligned rejected@0x400000/sparse",
      "" },
    { "v11 with sequence base 1 takes that extent numbered 1", "base=1",
      { { TAG_A, 0, "0:1M" }, { TAG_A, 0, "4M:2M" } }, 2,
      "rejected@0x0/misaligned accepted@0x400000",
      "0x400000+0x200000#1" },
    { "v11 takes at most max-pending extents of a chain", "max-pending=2",
      { { NULL, 0, "0:2M 2M:2M 4M:2M" } }, 3,
      "accepted@0x0 accepted@0x200000 rejected@0x400000/too-many",
      "0x0+0x200000#0 0x200000+0x200000#0" },
    { "accept-all takes what v11 finds misaligned", "policy=accept",
      { { NULL, 0, "1M:1M 4M:2M" } }, 2,
      "accepted@0x100000 accepted@0x400000",
      "0x100000+0x100000#0 0x400000+0x200000#0" },
    { "reject-all answers with an empty response", "policy=reject",
      { { TAG_A, 0, "0:2M 4M:2M" } }, 2,
      "rejected@0x0/reject-all rejected@0x400000/reject-all",
      "" },
    { "a callback may take part of a tag group; the device commits that part", "policy=first",
      { { TAG_A, 0, "4M:2M 0:2M" } }, 2,
      "rejected@0x0/callback accepted@0x400000",
      "0x400000+0x200000#0" },
};

static unsigned count_words(const char *text)
{
    g_auto(GStrv) words = g_strsplit(text, " ", -1);

    return text[0] != '\0' ? g_strv_length(words) : 0;
}

static void run_policy_row(gconstpointer data)
{
    const PolicyRow *row = data;
    TmE2e e2e;

    g_test_message("%s", row->name);
    tm_e2e_start(&e2e, policy_daemon);
    g_autoptr(TmAgent) host = tm_agent_start();
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);

    g_assert_cmpstr(tm_agent_ok(host, "connect %s %s", socket, row->options), ==, "0");
    /* Both requests are logged before the host reads its log: seq numbers are fixed. */
    for (unsigned i = 0; i < G_N_ELEMENTS(row->adds) && row->adds[i].extents; i++) {
        tm_e2e_add(&e2e, 0, row->adds[i].region, row->adds[i].tag, row->adds[i].extents);
    }
    g_autofree char *count = g_strdup_printf("%u", row->n_offered);
    g_assert_cmpstr(tm_agent_ok(host, "await %u " WAIT_MS, row->n_offered), ==, count);

    g_autofree char *events = event_summary(host);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_assert_cmpstr(events, ==, row->events);
    g_assert_cmpstr(accepted, ==, row->accepted);
    /* Every group was answered, and only an accepting answer changes the list. */
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpuint(tm_e2e_generation(&e2e, 0), ==, row->accepted[0] != '\0' ? 1 : 0);
    /* The host holds what the device committed. */
    g_autofree char *held = g_strdup_printf("%u", count_words(row->accepted));
    g_assert_cmpstr(tm_agent_ok(host, "extents"), ==, held);
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

/* A tag the host already holds: a later offer of it is dropped whole. */
static void test_duplicate_tag(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, policy_daemon);
    g_autoptr(TmAgent) host = tm_agent_start();
    g_autofree char *socket = tm_e2e_host_socket(&e2e, 0);

    tm_agent_ok(host, "connect %s", socket);
    tm_e2e_add(&e2e, 0, 0, TAG_A, "0:2M");
    tm_agent_ok(host, "await 1 " WAIT_MS);
    /* The device extends the host's allocation (sequence 1); Linux takes a tag once. */
    tm_e2e_add(&e2e, 0, 0, TAG_A, "4M:2M 8M:2M");
    tm_agent_ok(host, "await 2 " WAIT_MS);

    g_autofree char *events = event_summary(host);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_autofree char *pending = tm_e2e_pending(&e2e, 0);
    g_autofree char *state = tm_e2e_tag_state(&e2e, TAG_A);
    g_assert_cmpstr(events, ==,
                    "accepted@0x0 rejected@0x400000/duplicate rejected@0x800000/duplicate");
    g_assert_cmpstr(accepted, ==, "0x0+0x200000#0");
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpstr(state, ==, "Committed pending= committed=0");
    g_assert_cmpuint(tm_e2e_generation(&e2e, 0), ==, 1);
    g_assert_cmpstr(tm_agent_ok(host, "tag-size " TAG_A), ==, "0x200000");
    tm_agent_exit(host);
    tm_e2e_stop(&e2e);
}

/*
 * A hole in a shared allocation: host 0 gives back the middle extent of
 * TAG_B, so sharing the tag with host 1 offers sequences 0 and 2, which
 * the Linux rules refuse (neither all 0 nor dense).
 */
static void test_sparse_shared_offer(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, policy_daemon);
    g_autoptr(TmAgent) host0 = tm_agent_start();
    g_autoptr(TmAgent) host1 = tm_agent_start();
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    g_autofree char *socket1 = tm_e2e_host_socket(&e2e, 1);

    tm_agent_ok(host0, "connect %s", socket0);
    tm_agent_ok(host1, "connect %s", socket1);
    tm_e2e_add(&e2e, 0, 1, TAG_B, "0:2M 2M:2M 4M:2M");
    tm_agent_ok(host0, "await 3 " WAIT_MS);
    tm_agent_ok(host0, "release-range 0x10200000 0x200000");
    g_autofree char *held = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(held, ==, "0x10000000+0x200000#0 0x10400000+0x200000#2");

    tm_e2e_share(&e2e, 1, 1, TAG_B);
    g_autofree char *offered = tm_e2e_pending(&e2e, 1);
    g_assert_cmpstr(offered, ==, "0x10000000+0x200000#0 0x10400000+0x200000#2");
    tm_agent_ok(host1, "await 2 " WAIT_MS);

    g_autofree char *events = event_summary(host1);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 1);
    g_autofree char *pending = tm_e2e_pending(&e2e, 1);
    g_autofree char *state = tm_e2e_tag_state(&e2e, TAG_B);
    g_assert_cmpstr(events, ==, "rejected@0x10000000/sparse rejected@0x10400000/sparse");
    g_assert_cmpstr(accepted, ==, "");
    g_assert_cmpstr(pending, ==, "");
    g_assert_cmpstr(state, ==, "Committed pending= committed=0");
    /* Host 1 maps none of it. */
    g_assert_cmpstr(tm_agent_ok(host1, "prot " REGION1), ==, "---p");
    tm_agent_exit(host0);
    tm_agent_exit(host1);
    tm_e2e_stop(&e2e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(policy_rows); i++) {
        g_autofree char *path = g_strdup_printf("/host-policy/row/%zu", i);
        g_test_add_data_func(path, &policy_rows[i], run_policy_row);
    }
    g_test_add_func("/host-policy/duplicate-tag", test_duplicate_tag);
    g_test_add_func("/host-policy/sparse-shared-offer", test_sparse_shared_offer);
    return g_test_run();
}

#include <string.h>
#include <glib.h>

#include "device/event_log.h"

static TmDcEvent make_event(uint8_t region, uint64_t dpa)
{
    TmDcEvent event = {
        .type = TM_DC_EVENT_ADD_CAPACITY,
        .host_id = 3,
        .region = region,
        .more = true,
        .extent = { .dpa = dpa, .length = 2 << 20, .shared_seq = 7 },
        .available_extents = 100,
        .available_tags = 50,
    };
    memset(event.extent.tag.bytes, 0xA0 + region, sizeof(event.extent.tag.bytes));
    return event;
}

/* A log of @depth holding @n records with handles 1..n and timestamps 1000+i. */
static TmEventLog *log_with_records(guint depth, guint n)
{
    TmEventLog *log = tm_event_log_new(depth);

    for (guint i = 0; i < n; i++) {
        TmDcEvent event = make_event((uint8_t)i, (uint64_t)i << 21);
        g_assert_true(tm_event_log_append(log, &event, 1000 + i));
    }
    return log;
}

static void test_new_log_is_empty(void)
{
    g_autoptr(TmEventLog) log = tm_event_log_new(8);
    TmEventLogOverflow overflow = tm_event_log_overflow(log);

    g_assert_cmpuint(tm_event_log_depth(log), ==, 8);
    g_assert_cmpuint(tm_event_log_count(log), ==, 0);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, 8);
    g_assert_null(tm_event_log_peek(log, 0));
    g_assert_false(overflow.overflowed);
    g_assert_cmpuint(overflow.overflow_count, ==, 0);
}

static void test_depth_out_of_range_is_refused(void)
{
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*depth*");
    g_assert_null(tm_event_log_new(0));
    g_test_assert_expected_messages();
    g_test_expect_message(NULL, G_LOG_LEVEL_CRITICAL, "*depth*");
    g_assert_null(tm_event_log_new(TM_EVENT_LOG_MAX_DEPTH + 1));
    g_test_assert_expected_messages();

    g_autoptr(TmEventLog) log = tm_event_log_new(TM_EVENT_LOG_MAX_DEPTH);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, TM_EVENT_LOG_MAX_DEPTH);
}

static void test_append_and_peek_in_arrival_order(void)
{
    g_autoptr(TmEventLog) log = log_with_records(8, 3);

    g_assert_cmpuint(tm_event_log_count(log), ==, 3);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, 5);
    for (guint i = 0; i < 3; i++) {
        const TmEventRecord *record = tm_event_log_peek(log, i);
        TmDcEvent expected = make_event((uint8_t)i, (uint64_t)i << 21);

        g_assert_nonnull(record);
        g_assert_cmpuint(record->handle, ==, i + 1);
        g_assert_cmpuint(record->timestamp_ns, ==, 1000 + i);
        g_assert_cmpuint(record->dc.region, ==, i);
        g_assert_cmpuint(record->dc.extent.dpa, ==, (uint64_t)i << 21);
        g_assert_cmpuint(record->dc.extent.shared_seq, ==, 7);
        g_assert_true(tm_guid_equal(&record->dc.extent.tag, &expected.extent.tag));
        g_assert_true(record->dc.more);
        g_assert_cmpuint(record->dc.available_tags, ==, 50);
    }
    g_assert_null(tm_event_log_peek(log, 3));
}

static void test_full_log_counts_overflow(void)
{
    g_autoptr(TmEventLog) log = log_with_records(2, 2);
    TmDcEvent event = make_event(9, 0);

    g_assert_false(tm_event_log_append(log, &event, 5000));
    g_assert_false(tm_event_log_append(log, &event, 6000));

    TmEventLogOverflow overflow = tm_event_log_overflow(log);
    g_assert_true(overflow.overflowed);
    g_assert_cmpuint(overflow.overflow_count, ==, 2);
    g_assert_cmpuint(overflow.first_overflow_ns, ==, 5000);
    g_assert_cmpuint(overflow.last_overflow_ns, ==, 6000);

    /* The log itself is untouched, and a dropped record used no handle. */
    g_assert_cmpuint(tm_event_log_count(log), ==, 2);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, 0);
    g_assert_cmpuint(tm_event_log_peek(log, 1)->handle, ==, 2);
    g_assert_cmpuint(tm_event_log_peek(log, 1)->dc.region, ==, 1);
    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 1 }, 1), ==, TM_EVENT_CLEAR_OK);
    g_assert_true(tm_event_log_append(log, &event, 7000));
    g_assert_cmpuint(tm_event_log_peek(log, 1)->handle, ==, 3);
}

static void test_overflow_count_saturates(void)
{
    g_autoptr(TmEventLog) log = log_with_records(1, 1);
    TmDcEvent event = make_event(0, 0);

    for (guint i = 0; i < 70000; i++) {
        g_assert_false(tm_event_log_append(log, &event, 10 + i));
    }
    TmEventLogOverflow overflow = tm_event_log_overflow(log);
    g_assert_cmpuint(overflow.overflow_count, ==, 0xFFFF);
    g_assert_cmpuint(overflow.first_overflow_ns, ==, 10);
    g_assert_cmpuint(overflow.last_overflow_ns, ==, 10 + 69999);
}

/*
 * Push 140000 records through a 4-deep log, clearing the oldest each time
 * it fills: handles follow 1..0xFFFF, 1, ... twice over, never 0, and the
 * records in the log always carry distinct handles.
 */
static void test_handles_wrap_and_stay_unique(void)
{
    g_autoptr(TmEventLog) log = tm_event_log_new(4);
    TmDcEvent event = make_event(0, 0);
    uint16_t expected = 1;

    for (guint i = 0; i < 140000; i++) {
        if (tm_event_log_free_slots(log) == 0) {
            uint16_t oldest = tm_event_log_peek(log, 0)->handle;
            g_assert_cmpint(tm_event_log_clear(log, &oldest, 1), ==, TM_EVENT_CLEAR_OK);
        }
        g_assert_true(tm_event_log_append(log, &event, i));

        guint count = tm_event_log_count(log);
        uint16_t newest = tm_event_log_peek(log, count - 1)->handle;
        g_assert_cmpuint(newest, ==, expected);
        expected = expected == 0xFFFF ? 1 : expected + 1;
        for (guint a = 0; a < count; a++) {
            g_assert_cmpuint(tm_event_log_peek(log, a)->handle, !=, 0);
            for (guint b = a + 1; b < count; b++) {
                g_assert_cmpuint(tm_event_log_peek(log, a)->handle, !=,
                                 tm_event_log_peek(log, b)->handle);
            }
        }
    }
}

/* Clearing by handle works on a log whose handles straddle the wrap. */
static void test_clear_across_handle_wrap(void)
{
    g_autoptr(TmEventLog) log = tm_event_log_new(4);
    TmDcEvent event = make_event(0, 0);

    /* Advance to handle 0xFFFE: append and clear 0xFFFD records. */
    for (guint i = 0; i < 0xFFFD; i++) {
        g_assert_true(tm_event_log_append(log, &event, i));
        tm_event_log_clear_all(log);
    }
    for (guint i = 0; i < 4; i++) {
        g_assert_true(tm_event_log_append(log, &event, i));
    }
    g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 0xFFFE);
    g_assert_cmpuint(tm_event_log_peek(log, 1)->handle, ==, 0xFFFF);
    g_assert_cmpuint(tm_event_log_peek(log, 2)->handle, ==, 1);
    g_assert_cmpuint(tm_event_log_peek(log, 3)->handle, ==, 2);

    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 0xFFFF }, 1), ==,
                    TM_EVENT_CLEAR_INVALID_HANDLE);
    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 1, 0xFFFE }, 2), ==,
                    TM_EVENT_CLEAR_INVALID_INPUT);
    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 0xFFFE, 0xFFFF, 1 }, 3), ==,
                    TM_EVENT_CLEAR_OK);
    g_assert_cmpuint(tm_event_log_count(log), ==, 1);
    g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 2);
}

typedef struct {
    const char *name;
    uint16_t handles[8];
    guint n_handles;
    TmEventClearResult result;
    guint remaining;           /* records left of the five */
} ClearCase;

static void test_clear_by_handles(void)
{
    static const ClearCase cases[] = {
        { "oldest one", { 1 }, 1, TM_EVENT_CLEAR_OK, 4 },
        { "oldest three", { 1, 2, 3 }, 3, TM_EVENT_CLEAR_OK, 2 },
        { "all five", { 1, 2, 3, 4, 5 }, 5, TM_EVENT_CLEAR_OK, 0 },
        { "no handles", { 0 }, 0, TM_EVENT_CLEAR_OK, 5 },
        { "unknown handle", { 9 }, 1, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "handle zero", { 0 }, 1, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "valid then unknown", { 1, 9 }, 2, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "one handle too many", { 1, 2, 3, 4, 5, 6 }, 6, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "leaves older record", { 2 }, 1, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "skips a record", { 1, 3 }, 2, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "newest only", { 5 }, 1, TM_EVENT_CLEAR_INVALID_HANDLE, 5 },
        { "out of order", { 2, 1 }, 2, TM_EVENT_CLEAR_INVALID_INPUT, 5 },
        { "repeated", { 1, 1 }, 2, TM_EVENT_CLEAR_INVALID_INPUT, 5 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const ClearCase *c = &cases[i];
        g_autoptr(TmEventLog) log = log_with_records(8, 5);

        g_test_message("case: %s", c->name);
        g_assert_cmpint(tm_event_log_clear(log, c->handles, c->n_handles), ==, c->result);
        g_assert_cmpuint(tm_event_log_count(log), ==, c->remaining);
        g_assert_cmpuint(tm_event_log_free_slots(log), ==, 8 - c->remaining);
        if (c->remaining > 0) {
            /* The survivors are the newest records, still in order. */
            g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 5 - c->remaining + 1);
            g_assert_cmpuint(tm_event_log_peek(log, c->remaining - 1)->handle, ==, 5);
        }
    }
}

static TmEventLog *overflowed_log(void)
{
    TmEventLog *log = log_with_records(2, 2);
    TmDcEvent event = make_event(0, 0);

    g_assert_false(tm_event_log_append(log, &event, 9000));
    g_assert_true(tm_event_log_overflow(log).overflowed);
    return log;
}

static void test_clear_resets_overflow(void)
{
    g_autoptr(TmEventLog) log = overflowed_log();

    /* A refused clear changes nothing, overflow included. */
    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 2 }, 1), ==,
                    TM_EVENT_CLEAR_INVALID_HANDLE);
    g_assert_true(tm_event_log_overflow(log).overflowed);
    g_assert_cmpint(tm_event_log_clear(log, NULL, 0), ==, TM_EVENT_CLEAR_OK);
    g_assert_true(tm_event_log_overflow(log).overflowed);

    g_assert_cmpint(tm_event_log_clear(log, (uint16_t[]){ 1 }, 1), ==, TM_EVENT_CLEAR_OK);
    TmEventLogOverflow overflow = tm_event_log_overflow(log);
    g_assert_false(overflow.overflowed);
    g_assert_cmpuint(overflow.overflow_count, ==, 0);
    g_assert_cmpuint(overflow.first_overflow_ns, ==, 0);
    g_assert_cmpuint(overflow.last_overflow_ns, ==, 0);
}

static void test_clear_all(void)
{
    g_autoptr(TmEventLog) log = overflowed_log();
    TmDcEvent event = make_event(4, 0);

    tm_event_log_clear_all(log);
    g_assert_cmpuint(tm_event_log_count(log), ==, 0);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, 2);
    g_assert_null(tm_event_log_peek(log, 0));
    g_assert_false(tm_event_log_overflow(log).overflowed);
    g_assert_cmpuint(tm_event_log_overflow(log).overflow_count, ==, 0);

    /* Handles keep counting after a clear-all. */
    g_assert_true(tm_event_log_append(log, &event, 1));
    g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 3);
    g_assert_cmpuint(tm_event_log_peek(log, 0)->dc.region, ==, 4);
}

/* Clear the oldest @n records by their handles. */
static void clear_oldest(TmEventLog *log, guint n)
{
    g_autofree uint16_t *handles = g_new(uint16_t, MAX(n, 1));

    for (guint i = 0; i < n; i++) {
        handles[i] = tm_event_log_peek(log, i)->handle;
    }
    g_assert_cmpint(tm_event_log_clear(log, handles, n), ==, TM_EVENT_CLEAR_OK);
}

/*
 * The memory follows the records held, not the depth: a deep log holds
 * nothing until records come, grows to what it holds and gives the room
 * back as they are cleared, while the records keep their order, content
 * and handles through every move.
 */
static void test_room_follows_records(void)
{
    g_autoptr(TmEventLog) log = tm_event_log_new(TM_EVENT_LOG_MAX_DEPTH);

    g_assert_cmpuint(tm_event_log_room(log), ==, 0);
    for (guint i = 0; i < 1000; i++) {
        TmDcEvent event = make_event((uint8_t)i, (uint64_t)i << 21);
        g_assert_true(tm_event_log_append(log, &event, 1000 + i));
        g_assert_cmpuint(tm_event_log_room(log), >=, i + 1);
        g_assert_cmpuint(tm_event_log_room(log), <=, MAX(8, 2 * (i + 1)));
    }
    /* Clear from the front in uneven steps: the ring wraps, then shrinks. */
    guint cleared = 0;
    for (guint step = 1; cleared + step <= 990; cleared += step, step += 7) {
        clear_oldest(log, step);
        guint held = 1000 - cleared - step;
        g_assert_cmpuint(tm_event_log_count(log), ==, held);
        g_assert_cmpuint(tm_event_log_room(log), <=, MAX(8, 4 * held));
        for (guint i = 0; i < held; i += 37) {
            const TmEventRecord *record = tm_event_log_peek(log, i);
            guint n = cleared + step + i;
            g_assert_cmpuint(record->handle, ==, n + 1);
            g_assert_cmpuint(record->timestamp_ns, ==, 1000 + n);
            g_assert_cmpuint(record->dc.extent.dpa, ==, (uint64_t)n << 21);
        }
    }
    /* New records after a shrink follow the old ones, handles in sequence. */
    TmDcEvent event = make_event(1, 0);
    guint held = tm_event_log_count(log);
    g_assert_true(tm_event_log_append(log, &event, 5000));
    g_assert_cmpuint(tm_event_log_peek(log, held)->handle, ==, 1001);
    g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 1000 - held + 1);
    tm_event_log_clear_all(log);
    g_assert_cmpuint(tm_event_log_room(log), ==, 0);
    g_assert_cmpuint(tm_event_log_free_slots(log), ==, TM_EVENT_LOG_MAX_DEPTH);
}

/* A log shallower than the smallest room never grows past its depth. */
static void test_room_capped_by_depth(void)
{
    g_autoptr(TmEventLog) log = log_with_records(5, 5);

    g_assert_cmpuint(tm_event_log_room(log), ==, 5);
    TmDcEvent event = make_event(0, 0);
    g_assert_false(tm_event_log_append(log, &event, 1));
    clear_oldest(log, 4);
    g_assert_cmpuint(tm_event_log_room(log), <=, 5);
    g_assert_cmpuint(tm_event_log_peek(log, 0)->handle, ==, 5);
    g_assert_true(tm_event_log_append(log, &event, 2));
    g_assert_cmpuint(tm_event_log_peek(log, 1)->handle, ==, 6);
}

/* Records of every kind keep their kind and content through the ring's growth and clears. */
static void test_mixed_kinds(void)
{
    g_autoptr(TmEventLog) log = tm_event_log_new(64);
    const guint n = 40;

    for (guint i = 0; i < n; i++) {
        TmEventRecord record = { .kind = (TmEventKind)(i % 4) };

        switch (record.kind) {
        case TM_EVENT_KIND_DYNAMIC_CAPACITY:
            record.dc.extent.dpa = i;
            break;
        case TM_EVENT_KIND_GENERAL_MEDIA:
            record.media.common.dpa = i;
            record.media.component_id[15] = (uint8_t)i;
            break;
        case TM_EVENT_KIND_DRAM:
            record.dram.common.dpa = i;
            record.dram.correction_mask[3] = i;
            break;
        case TM_EVENT_KIND_MEMORY_MODULE:
            record.module.health.corrected_persistent_errors = i;
            break;
        }
        /* The log assigns handle and timestamp, whatever the content says. */
        record.handle = 0x7777;
        g_assert_true(tm_event_log_append_record(log, &record, 1000 + i));
    }
    static const uint16_t oldest[] = { 1, 2, 3, 4, 5 };
    g_assert_cmpint(tm_event_log_clear(log, oldest, 5), ==, TM_EVENT_CLEAR_OK);
    for (guint k = 0; k < n - 5; k++) {
        const TmEventRecord *record = tm_event_log_peek(log, k);
        guint i = k + 5;

        g_assert_cmpuint(record->handle, ==, i + 1);
        g_assert_cmpuint(record->timestamp_ns, ==, 1000 + i);
        g_assert_cmpint(record->kind, ==, i % 4);
        switch (record->kind) {
        case TM_EVENT_KIND_DYNAMIC_CAPACITY:
            g_assert_cmpuint(record->dc.extent.dpa, ==, i);
            break;
        case TM_EVENT_KIND_GENERAL_MEDIA:
            g_assert_cmpuint(record->media.common.dpa, ==, i);
            g_assert_cmpuint(record->media.component_id[15], ==, i);
            break;
        case TM_EVENT_KIND_DRAM:
            g_assert_cmpuint(record->dram.common.dpa, ==, i);
            g_assert_cmpuint(record->dram.correction_mask[3], ==, i);
            break;
        case TM_EVENT_KIND_MEMORY_MODULE:
            g_assert_cmpuint(record->module.health.corrected_persistent_errors, ==, i);
            break;
        }
    }
    /* A DC append through the old entry point is a DC record. */
    TmDcEvent dc = { .type = TM_DC_EVENT_RELEASE_CAPACITY };
    g_assert_true(tm_event_log_append(log, &dc, 5));
    g_assert_cmpint(tm_event_log_peek(log, n - 5)->kind, ==, TM_EVENT_KIND_DYNAMIC_CAPACITY);
    g_assert_cmpint(tm_event_log_peek(log, n - 5)->dc.type, ==, TM_DC_EVENT_RELEASE_CAPACITY);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/event_log/new_is_empty", test_new_log_is_empty);
    g_test_add_func("/device/event_log/depth_out_of_range", test_depth_out_of_range_is_refused);
    g_test_add_func("/device/event_log/append_peek_order", test_append_and_peek_in_arrival_order);
    g_test_add_func("/device/event_log/full_counts_overflow", test_full_log_counts_overflow);
    g_test_add_func("/device/event_log/overflow_saturates", test_overflow_count_saturates);
    g_test_add_func("/device/event_log/handles_wrap_unique", test_handles_wrap_and_stay_unique);
    g_test_add_func("/device/event_log/clear_across_wrap", test_clear_across_handle_wrap);
    g_test_add_func("/device/event_log/clear_by_handles", test_clear_by_handles);
    g_test_add_func("/device/event_log/clear_resets_overflow", test_clear_resets_overflow);
    g_test_add_func("/device/event_log/clear_all", test_clear_all);
    g_test_add_func("/device/event_log/room_follows_records", test_room_follows_records);
    g_test_add_func("/device/event_log/room_capped_by_depth", test_room_capped_by_depth);
    g_test_add_func("/device/event_log/mixed_kinds", test_mixed_kinds);
    return g_test_run();
}

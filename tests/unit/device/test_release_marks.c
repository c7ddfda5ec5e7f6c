/* A host's outstanding release marks: adding, overlapping requests, settling. */
#include <glib.h>

#include "device/release_marks.h"
#include "device/extent.h"

/* Settle [dpa, dpa + length) and return the sanitize parts as "dpa+length ..." text. */
static char *settle(TmReleaseMarks *marks, uint64_t dpa, uint64_t length)
{
    g_autoptr(GArray) parts = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    GString *text = g_string_new(NULL);

    tm_release_marks_settle(marks, dpa, length, parts);
    for (guint i = 0; i < parts->len; i++) {
        const TmExtent *part = &g_array_index(parts, TmExtent, i);
        g_string_append_printf(text, "%s%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT,
                               i ? " " : "", part->dpa, part->length);
    }
    return g_string_free(text, FALSE);
}

static void test_settle_cuts_marks(void)
{
    g_autoptr(TmReleaseMarks) marks = tm_release_marks_new();

    tm_release_marks_add(marks, 10, 10, true);   /* [10,20) sanitize */
    tm_release_marks_add(marks, 20, 10, false);  /* [20,30) */
    tm_release_marks_add(marks, 40, 10, true);   /* [40,50) sanitize */
    g_assert_true(tm_release_marks_overlap(marks, 5, 6));
    g_assert_false(tm_release_marks_overlap(marks, 30, 10));
    g_assert_false(tm_release_marks_overlap(marks, 0, 10));

    /* One part per sanitize mark the piece covers, in DPA order. */
    g_autofree char *first = settle(marks, 15, 30);
    g_assert_cmpstr(first, ==, "15+5 40+5");
    g_assert_true(tm_release_marks_overlap(marks, 10, 5));
    g_assert_false(tm_release_marks_overlap(marks, 15, 30));
    g_assert_true(tm_release_marks_overlap(marks, 45, 1));

    g_autofree char *rest = settle(marks, 0, 100);
    g_assert_cmpstr(rest, ==, "10+5 45+5");
    g_assert_false(tm_release_marks_overlap(marks, 0, 100));
}

/* Asked twice: held once; the overlap takes sanitize if either request asked. */
static void test_overlapping_requests(void)
{
    g_autoptr(TmReleaseMarks) marks = tm_release_marks_new();

    tm_release_marks_add(marks, 10, 20, false);  /* [10,30) */
    tm_release_marks_add(marks, 20, 20, true);   /* [20,40): [20,30) gains sanitize */
    tm_release_marks_add(marks, 0, 50, false);   /* fills [0,10) and [40,50), changes nothing */

    g_autofree char *parts = settle(marks, 0, 50);
    g_assert_cmpstr(parts, ==, "20+10 30+10");
    g_assert_false(tm_release_marks_overlap(marks, 0, 50));
}

/*
 * Random adds, settles and overlap queries against a model that keeps,
 * per DPA unit, the start of the mark holding it (or NO_MARK) and its
 * sanitize flag.
 */
#define SPACE 1024
#define NO_MARK UINT64_MAX

typedef struct {
    uint64_t start[SPACE];
    bool sanitize[SPACE];
} MarkModel;

static uint64_t model_mark_end(const MarkModel *model, uint64_t u)
{
    uint64_t end = u + 1;

    while (end < SPACE && model->start[end] == model->start[u]) {
        end++;
    }
    return end;
}

static void model_split_at(MarkModel *model, uint64_t dpa)
{
    if (dpa >= SPACE || model->start[dpa] == NO_MARK || model->start[dpa] == dpa) {
        return;
    }
    for (uint64_t u = dpa, end = model_mark_end(model, dpa); u < end; u++) {
        model->start[u] = dpa;
    }
}

static void model_add(MarkModel *model, uint64_t dpa, uint64_t end, bool sanitize)
{
    uint64_t gap_start = NO_MARK;

    /* Marks without sanitize split at the request's ends; their parts inside gain it. */
    if (sanitize && model->start[dpa] != NO_MARK && !model->sanitize[dpa]) {
        model_split_at(model, dpa);
    }
    if (sanitize && end < SPACE && model->start[end] != NO_MARK && !model->sanitize[end]) {
        model_split_at(model, end);
    }
    for (uint64_t u = dpa; u < end; u++) {
        if (model->start[u] != NO_MARK) {
            model->sanitize[u] |= sanitize;
            gap_start = NO_MARK;
            continue;
        }
        if (gap_start == NO_MARK) {
            gap_start = u;
        }
        model->start[u] = gap_start;
        model->sanitize[u] = sanitize;
    }
}

static char *model_settle(MarkModel *model, uint64_t dpa, uint64_t end)
{
    GString *text = g_string_new(NULL);

    model_split_at(model, dpa);
    model_split_at(model, end);
    for (uint64_t u = dpa; u < end;) {
        if (model->start[u] == NO_MARK) {
            u++;
            continue;
        }
        uint64_t mark_end = model_mark_end(model, u);
        if (model->sanitize[u]) {
            g_string_append_printf(text, "%s%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT,
                                   text->len ? " " : "", u, mark_end - u);
        }
        for (uint64_t v = u; v < mark_end; v++) {
            model->start[v] = NO_MARK;
        }
        u = mark_end;
    }
    return g_string_free(text, FALSE);
}

static bool model_overlap(const MarkModel *model, uint64_t dpa, uint64_t end)
{
    for (uint64_t u = dpa; u < end; u++) {
        if (model->start[u] != NO_MARK) {
            return true;
        }
    }
    return false;
}

static void test_random_against_model(void)
{
    for (guint32 seed = 1; seed <= 4; seed++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
        g_autoptr(TmReleaseMarks) marks = tm_release_marks_new();
        MarkModel model;

        for (guint u = 0; u < SPACE; u++) {
            model.start[u] = NO_MARK;
            model.sanitize[u] = false;
        }
        for (int step = 0; step < 5000; step++) {
            uint64_t dpa = g_rand_int_range(rand, 0, SPACE);
            uint64_t wanted = g_rand_int_range(rand, 1, 33);
            uint64_t end = MIN(dpa + wanted, SPACE);

            g_assert_cmpint(tm_release_marks_overlap(marks, dpa, end - dpa), ==,
                            model_overlap(&model, dpa, end));
            if (g_rand_int_range(rand, 0, 3) > 0) {
                bool sanitize = g_rand_boolean(rand);

                tm_release_marks_add(marks, dpa, end - dpa, sanitize);
                model_add(&model, dpa, end, sanitize);
            } else {
                g_autofree char *got = settle(marks, dpa, end - dpa);
                g_autofree char *want = model_settle(&model, dpa, end);

                g_assert_cmpstr(got, ==, want);
            }
        }
        g_autofree char *got = settle(marks, 0, SPACE);
        g_autofree char *want = model_settle(&model, 0, SPACE);
        g_assert_cmpstr(got, ==, want);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/release_marks/settle", test_settle_cuts_marks);
    g_test_add_func("/device/release_marks/overlapping", test_overlapping_requests);
    g_test_add_func("/device/release_marks/random_vs_model", test_random_against_model);
    return g_test_run();
}

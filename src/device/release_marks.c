#include "device/release_marks.h"

#include "device/range_array.h"

typedef struct {
    TmExtent range;     /* first, as the range array reads it; DPA and length only */
    bool sanitize;
} ReleaseMark;

struct TmReleaseMarks {
    TmRangeArray marks; /* ReleaseMark, sorted by DPA, disjoint */
};

TmReleaseMarks *tm_release_marks_new(void)
{
    TmReleaseMarks *marks = g_new0(TmReleaseMarks, 1);

    tm_range_array_init(&marks->marks, sizeof(ReleaseMark));
    return marks;
}

void tm_release_marks_free(TmReleaseMarks *marks)
{
    if (marks == NULL) {
        return;
    }
    tm_range_array_clear(&marks->marks);
    g_free(marks);
}

static ReleaseMark *mark_at(const TmReleaseMarks *marks, TmRangePos pos)
{
    return tm_range_array_at(&marks->marks, pos);
}

static void insert_mark(TmReleaseMarks *marks, uint64_t dpa, uint64_t length, bool sanitize)
{
    ReleaseMark mark = { .range = { .dpa = dpa, .length = length }, .sanitize = sanitize };

    tm_range_array_insert(&marks->marks, &mark);
}

/* Split the mark that strictly contains @dpa, if any, at @dpa. */
static void split_at(TmReleaseMarks *marks, uint64_t dpa)
{
    TmRangePos pos = tm_range_array_lower_bound(&marks->marks, dpa);
    const ReleaseMark *mark = mark_at(marks, pos);

    if (mark == NULL || mark->range.dpa >= dpa) {
        return;
    }
    ReleaseMark head = *mark;
    uint64_t end = tm_extent_end(&mark->range);

    head.range.length = dpa - mark->range.dpa;
    tm_range_array_replace(&marks->marks, pos, &head);
    insert_mark(marks, dpa, end - dpa, head.sanitize);
}

void tm_release_marks_add(TmReleaseMarks *marks, uint64_t dpa, uint64_t length,
                          bool sanitize)
{
    uint64_t end = dpa + length;

    /* Fill the gaps between existing marks; existing marks inside take sanitize. */
    while (dpa < end) {
        const ReleaseMark *next = mark_at(marks, tm_range_array_lower_bound(&marks->marks, dpa));

        if (next == NULL || next->range.dpa >= end) {
            insert_mark(marks, dpa, end - dpa, sanitize);
            return;
        }
        /* @next points into the array: read it before changing the array. */
        uint64_t next_dpa = next->range.dpa;
        uint64_t covered_to = MIN(end, tm_extent_end(&next->range));
        if (next_dpa > dpa) {
            insert_mark(marks, dpa, next_dpa - dpa, sanitize);
            dpa = next_dpa;
            continue;
        }
        if (sanitize && !next->sanitize) {
            split_at(marks, dpa);
            split_at(marks, covered_to);
            mark_at(marks, tm_range_array_lower_bound(&marks->marks, dpa))->sanitize = true;
        }
        dpa = covered_to;
    }
}

bool tm_release_marks_overlap(const TmReleaseMarks *marks, uint64_t dpa, uint64_t length)
{
    const ReleaseMark *next = mark_at(marks, tm_range_array_lower_bound(&marks->marks, dpa));

    return next != NULL && next->range.dpa < dpa + length;
}

void tm_release_marks_settle(TmReleaseMarks *marks, uint64_t dpa, uint64_t length,
                             GArray *sanitized)
{
    uint64_t end = dpa + length;
    const ReleaseMark *mark;

    split_at(marks, dpa);
    split_at(marks, end);
    for (TmRangePos pos = tm_range_array_lower_bound(&marks->marks, dpa);
         (mark = mark_at(marks, pos)) != NULL && mark->range.dpa < end;
         pos = tm_range_array_remove(&marks->marks, pos)) {
        if (mark->sanitize) {
            TmExtent part = { .dpa = mark->range.dpa, .length = mark->range.length };
            g_array_append_val(sanitized, part);
        }
    }
}

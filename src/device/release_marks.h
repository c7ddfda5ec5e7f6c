/*
 * The DPA ranges a host has been asked to release (a Release Capacity
 * record was logged, CXL r3.1 §8.2.9.2.1.6) and has not released yet,
 * each with whether the request asked for sanitize.  When the host
 * releases capacity (4803h) or it is forced away, the marks it covers are
 * settled: their sanitize requests apply, and they go.
 *
 * Marks are kept disjoint in a chunked array (range_array.h), so that
 * settling a released piece costs O(log n) however many marks are
 * outstanding.  A range asked for twice is held once; where the requests
 * overlap, the mark is split so that the overlap carries sanitize if
 * either request asked for it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmReleaseMarks TmReleaseMarks;

TmReleaseMarks *tm_release_marks_new(void);
void tm_release_marks_free(TmReleaseMarks *marks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmReleaseMarks, tm_release_marks_free)

/* Mark [dpa, dpa + length). */
void tm_release_marks_add(TmReleaseMarks *marks, uint64_t dpa, uint64_t length,
                          bool sanitize);

/* Some mark overlaps [dpa, dpa + length). */
bool tm_release_marks_overlap(const TmReleaseMarks *marks, uint64_t dpa, uint64_t length);

/*
 * Unmark [dpa, dpa + length): marks inside it go, marks across its ends
 * lose the part inside.  The parts that were marked with sanitize are
 * appended to @sanitized (TmExtent, DPA and length set) in DPA order, one
 * per mark.
 */
void tm_release_marks_settle(TmReleaseMarks *marks, uint64_t dpa, uint64_t length,
                             GArray *sanitized);

/*
 * The capacity a host holds: its committed extents, sorted by DPA, each
 * with how it is mapped.  A release of part of an extent splits it, as the
 * device does (the remaining parts keep tag and shared sequence).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "tagmem/tagmem.h"

typedef struct {
    TagmemExtent extent;
    bool mapped;           /* in the direct-alias window (else the slow path) */
    bool writable;
    bool shared;
} TmCommittedExtent;

/* A GArray of TmCommittedExtent, sorted by DPA, no two overlapping. */
GArray *tm_committed_new(void);

/* Insert @extent (which overlaps none held). */
void tm_committed_insert(GArray *committed, const TmCommittedExtent *extent);

/* An extent with exactly @extent's DPA and length is held. */
bool tm_committed_holds_exactly(const GArray *committed, const TagmemExtent *extent);

/* Every byte of [dpa, dpa + length) is held (possibly across several extents). */
bool tm_committed_covers(const GArray *committed, uint64_t dpa, uint64_t length);

/*
 * The pieces of held extents inside [dpa, dpa + length), in DPA order: a
 * GArray of TmCommittedExtent whose extents are cut to the range.
 */
GArray *tm_committed_pieces(const GArray *committed, uint64_t dpa, uint64_t length);

/* Forget [dpa, dpa + length): extents inside go, extents across it are cut. */
void tm_committed_remove(GArray *committed, uint64_t dpa, uint64_t length);

/* The held extents with @tag, sorted by shared sequence (ties: DPA). */
GArray *tm_committed_with_tag(const GArray *committed, const uint8_t tag[16]);

/* The extents alone (a GArray of TagmemExtent), for the acceptance policy. */
GArray *tm_committed_extents(const GArray *committed);

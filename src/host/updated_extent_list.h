/*
 * The Updated Extent List input of Add Dynamic Capacity Response (4802h)
 * and Release Dynamic Capacity (4803h), CXL r3.1 §8.2.9.9.9.3/4: an 8-byte
 * header (count, flags) and 24-byte entries (DPA, length).
 */
#pragma once

#include <stddef.h>
#include <glib.h>

#include "tagmem/tagmem.h"

/* The most entries one payload of @max_payload bytes holds (at least 1). */
size_t tm_host_updated_extents_per_message(size_t max_payload);

/*
 * The payloads of the messages that list @extents in order, as many per
 * message as @max_payload bytes hold, with More (r3.2) set on all but the
 * last.  No extents: one payload with count 0 (an empty 4802h rejects the
 * whole pending group).  Returns a GPtrArray of GBytes.
 */
GPtrArray *tm_host_updated_extent_payloads(const TagmemExtent *extents, size_t n_extents,
                                           size_t max_payload);

/* Small helpers over extents, tags and DPA ranges, shared by the host modules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "tagmem/tagmem.h"

#define TM_HOST_TAG_STRING_LEN 36 /* 8-4-4-4-12, without the NUL */

static inline bool tm_host_ranges_overlap(uint64_t a, uint64_t a_len, uint64_t b,
                                          uint64_t b_len)
{
    return a < b + b_len && b < a + a_len;
}

bool tm_host_tag_is_null(const uint8_t tag[16]);

/* GHashTable callbacks for keys that point at 16 tag bytes. */
guint tm_host_tag_hash(gconstpointer key);
gboolean tm_host_tag_equal(gconstpointer a, gconstpointer b);

/* The canonical lower-case 8-4-4-4-12 form, for messages. */
void tm_host_tag_format(const uint8_t tag[16], char out[TM_HOST_TAG_STRING_LEN + 1]);

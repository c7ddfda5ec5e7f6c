/*
 * GUIDs, used as CXL tags (CXL r3.1 §8.2.9.2.1.6: the extent's 16-byte Tag
 * field; all zero means untagged).
 *
 * The 16 bytes are kept in the order libuuid's uuid_parse() produces, which
 * is the order the string reads and the order the Linux host driver and
 * QEMU put on the wire.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#define TM_GUID_STRING_LEN 36 /* 8-4-4-4-12, without the NUL */

typedef struct {
    uint8_t bytes[16];
} TmGuid;

/*
 * Parse @text (case-insensitive 8-4-4-4-12 hex).  @field names the
 * parameter in the error message.  The null GUID parses; callers that
 * forbid it check tm_guid_is_null() so they can say why.
 */
bool tm_guid_parse(const char *text, const char *field, TmGuid *out, GError **err);

/* Write the canonical lower-case form into @out (37 bytes with NUL). */
void tm_guid_format(const TmGuid *guid, char out[TM_GUID_STRING_LEN + 1]);

/* A newly allocated canonical string; caller frees. */
char *tm_guid_to_string(const TmGuid *guid);

bool tm_guid_is_null(const TmGuid *guid);
bool tm_guid_equal(const TmGuid *a, const TmGuid *b);

/* GHashTable callbacks for keys that point at a TmGuid. */
guint tm_guid_hash_func(gconstpointer key);
gboolean tm_guid_equal_func(gconstpointer a, gconstpointer b);

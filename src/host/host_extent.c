#include "host/host_extent.h"

#include <stdio.h>
#include <string.h>

bool tm_host_tag_is_null(const uint8_t tag[16])
{
    static const uint8_t null_tag[16];

    return memcmp(tag, null_tag, sizeof(null_tag)) == 0;
}

/* FNV-1a over the 16 bytes. */
guint tm_host_tag_hash(gconstpointer key)
{
    const uint8_t *bytes = key;
    uint32_t hash = 2166136261u;

    for (int i = 0; i < 16; i++) {
        hash = (hash ^ bytes[i]) * 16777619u;
    }
    return hash;
}

gboolean tm_host_tag_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 16) == 0;
}

void tm_host_tag_format(const uint8_t tag[16], char out[TM_HOST_TAG_STRING_LEN + 1])
{
    snprintf(out, TM_HOST_TAG_STRING_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             tag[0], tag[1], tag[2], tag[3], tag[4], tag[5], tag[6], tag[7], tag[8], tag[9],
             tag[10], tag[11], tag[12], tag[13], tag[14], tag[15]);
}

#include "core/guid.h"

#include <string.h>
#include <uuid/uuid.h>

#include "core/error.h"

bool tm_guid_parse(const char *text, const char *field, TmGuid *out, GError **err)
{
    uuid_t parsed;

    /* uuid_parse() accepts exactly 36 characters in the 8-4-4-4-12 form. */
    if (text == NULL || strlen(text) != TM_GUID_STRING_LEN || uuid_parse(text, parsed) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter '%s' expects a GUID (8-4-4-4-12 hex digits), got '%s'",
                    field, text ? text : "");
        return false;
    }
    memcpy(out->bytes, parsed, sizeof(out->bytes));
    return true;
}

void tm_guid_format(const TmGuid *guid, char out[TM_GUID_STRING_LEN + 1])
{
    uuid_unparse_lower(guid->bytes, out);
}

char *tm_guid_to_string(const TmGuid *guid)
{
    char text[TM_GUID_STRING_LEN + 1];

    tm_guid_format(guid, text);
    return g_strdup(text);
}

bool tm_guid_is_null(const TmGuid *guid)
{
    return uuid_is_null(guid->bytes);
}

bool tm_guid_equal(const TmGuid *a, const TmGuid *b)
{
    return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

guint tm_guid_hash_func(gconstpointer key)
{
    const TmGuid *guid = key;
    uint64_t lo, hi;

    /*
     * Random (version 4) GUIDs are already uniformly distributed, but tags
     * may be handed out sequentially by an orchestrator; mixing both halves
     * through a multiplicative hash keeps those spread too.
     */
    memcpy(&lo, guid->bytes, sizeof(lo));
    memcpy(&hi, guid->bytes + 8, sizeof(hi));
    uint64_t h = (lo ^ (hi * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
    return (guint)(h ^ (h >> 32));
}

gboolean tm_guid_equal_func(gconstpointer a, gconstpointer b)
{
    return tm_guid_equal(a, b);
}

#include "core/ident.h"

#include <string.h>
#include <uuid/uuid.h>

#include "core/error.h"
#include "core/guid.h"

bool tm_id_is_valid(const char *id)
{
    if (id == NULL || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_') {
            return false;
        }
    }
    return true;
}

static bool looks_like_guid(const char *id)
{
    uuid_t ignored;

    return strlen(id) == TM_GUID_STRING_LEN && uuid_parse(id, ignored) == 0;
}

bool tm_id_check(const char *id, GError **err)
{
    if (tm_id_is_valid(id) && !looks_like_guid(id)) {
        return true;
    }
    if (id != NULL && looks_like_guid(id)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'id' expects an identifier, got GUID '%s' "
                    "(a GUID names a backend through its 'tag' property, not its id)", id);
        return false;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Parameter 'id' expects an identifier, got '%s' (identifiers consist of "
                "letters, digits, '-', '.', '_', starting with a letter)",
                id ? id : "");
    return false;
}

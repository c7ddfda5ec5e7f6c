#include "object/value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/size.h"

void tm_value_clear(TmValue *value)
{
    if (tm_prop_kind_is_string(value->kind)) {
        g_clear_pointer(&value->str, g_free);
    } else if (value->kind == TM_PROP_UINT_LIST && value->list) {
        g_clear_pointer(&value->list, g_array_unref);
    }
}

GArray *tm_value_uint_list_new(void)
{
    return g_array_new(FALSE, FALSE, sizeof(uint64_t));
}

const char *tm_value_string(const TmValue *value)
{
    return value->str ? value->str : "";
}

const char *tm_prop_kind_name(TmPropKind kind)
{
    switch (kind) {
    case TM_PROP_STR:       return "str";
    case TM_PROP_BOOL:      return "bool";
    case TM_PROP_SIZE:      return "size";
    case TM_PROP_UINT:      return "uint64";
    case TM_PROP_ENUM:      return "enum";
    case TM_PROP_GUID:      return "guid";
    case TM_PROP_UINT_LIST: return "uint64List";
    case TM_PROP_LINK:      return "link";
    }
    return "unknown";
}

bool tm_prop_kind_is_string(TmPropKind kind)
{
    return kind == TM_PROP_STR || kind == TM_PROP_ENUM || kind == TM_PROP_GUID ||
           kind == TM_PROP_LINK;
}

static bool parse_bool(const char *field, const char *text, bool *out, GError **err)
{
    static const char *const yes[] = { "on", "yes", "true", NULL };
    static const char *const no[] = { "off", "no", "false", NULL };

    if (g_strv_contains(yes, text)) {
        *out = true;
        return true;
    }
    if (g_strv_contains(no, text)) {
        *out = false;
        return true;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Parameter '%s' expects 'on' or 'off', got '%s'", field, text);
    return false;
}

static bool parse_uint(const char *field, const char *text, uint64_t *out, GError **err)
{
    char *end;

    errno = 0;
    /* NULL: the empty list element ("host-nodes=" splits into nothing). */
    if (text == NULL || !g_ascii_isdigit(text[0])) {
        goto bad;
    }
    unsigned long long value = strtoull(text, &end, 0);
    if (errno == ERANGE || *end != '\0') {
        goto bad;
    }
    *out = value;
    return true;
bad:
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Parameter '%s' expects an unsigned integer, got '%s'", field, text ? text : "");
    return false;
}

/* "N" or "N-M" into a new list in @out, left unset on failure. */
static bool parse_uint_range(const char *field, const char *text, GArray **out, GError **err)
{
    g_auto(GStrv) bounds = g_strsplit(text, "-", 2);
    g_autoptr(GArray) list = tm_value_uint_list_new();
    uint64_t first, last;

    if (!parse_uint(field, bounds[0], &first, err)) {
        return false;
    }
    last = first;
    if (bounds[1] && !parse_uint(field, bounds[1], &last, err)) {
        return false;
    }
    if (last < first || last - first >= 4096) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter '%s' expects a range N-M with N <= M, got '%s'", field, text);
        return false;
    }
    /* Counted, not "n <= last": that never ends when last is UINT64_MAX. */
    for (uint64_t count = last - first + 1, n = first; count > 0; count--, n++) {
        g_array_append_val(list, n);
    }
    *out = g_steal_pointer(&list);
    return true;
}

bool tm_value_parse_text(TmPropKind kind, const char *field, const char *text, TmValue *out,
                         GError **err)
{
    out->kind = kind;
    switch (kind) {
    case TM_PROP_STR:
    case TM_PROP_ENUM:
    case TM_PROP_GUID:
    case TM_PROP_LINK:
        out->str = g_strdup(text);
        return true;
    case TM_PROP_BOOL:
        return parse_bool(field, text, &out->boolean, err);
    case TM_PROP_SIZE:
        return tm_size_parse(text, field, &out->uint, err);
    case TM_PROP_UINT:
        return parse_uint(field, text, &out->uint, err);
    case TM_PROP_UINT_LIST:
        return parse_uint_range(field, text, &out->list, err);
    }
    g_assert_not_reached();
}

char *tm_value_to_text(const TmValue *value)
{
    switch (value->kind) {
    case TM_PROP_STR:
    case TM_PROP_ENUM:
    case TM_PROP_GUID:
    case TM_PROP_LINK:
        return g_strdup(tm_value_string(value));
    case TM_PROP_BOOL:
        return g_strdup(value->boolean ? "on" : "off");
    case TM_PROP_SIZE:
    case TM_PROP_UINT:
        return g_strdup_printf("%" G_GUINT64_FORMAT, value->uint);
    case TM_PROP_UINT_LIST: {
        GString *text = g_string_new(NULL);
        for (guint i = 0; value->list && i < value->list->len; i++) {
            g_string_append_printf(text, "%s%" G_GUINT64_FORMAT, i ? "," : "",
                                   g_array_index(value->list, uint64_t, i));
        }
        return g_string_free(text, FALSE);
    }
    }
    g_assert_not_reached();
}

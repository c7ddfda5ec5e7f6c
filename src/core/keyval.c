#include "core/keyval.h"

#include <string.h>

#include "core/error.h"

static void pair_free(gpointer data)
{
    TmKeyvalPair *pair = data;

    g_free(pair->key);
    g_free(pair->value);
    g_free(pair);
}

/* Read up to the next lone ',' (or the end), undoubling ",,". */
static char *read_element(const char **cursor)
{
    GString *element = g_string_new(NULL);
    const char *p = *cursor;

    while (*p) {
        if (*p == ',') {
            if (p[1] != ',') {
                break;
            }
            p++; /* ",," is one literal comma */
        }
        g_string_append_c(element, *p);
        p++;
    }
    *cursor = *p == ',' ? p + 1 : p;
    return g_string_free(element, FALSE);
}

static bool key_is_valid(const char *key)
{
    if (*key == '\0') {
        return false;
    }
    for (const char *p = key; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.') {
            return false;
        }
    }
    return true;
}

static bool add_element(GPtrArray *pairs, char *element, bool first, const char *implied_key,
                        GError **err)
{
    char *equals = strchr(element, '=');
    TmKeyvalPair *pair;

    if (equals == NULL) {
        if (!first || implied_key == NULL) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Expected '=' after parameter '%s'", element);
            return false;
        }
        pair = g_new(TmKeyvalPair, 1);
        pair->key = g_strdup(implied_key);
        pair->value = g_strdup(element);
    } else {
        *equals = '\0';
        if (!key_is_valid(element)) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Invalid parameter '%s' (parameter names consist of letters, digits, "
                        "'-', '_' and '.')", element);
            return false;
        }
        pair = g_new(TmKeyvalPair, 1);
        pair->key = g_strdup(element);
        pair->value = g_strdup(equals + 1);
    }
    g_ptr_array_add(pairs, pair);
    return true;
}

GPtrArray *tm_keyval_parse(const char *text, const char *implied_key, GError **err)
{
    g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func(pair_free);
    const char *cursor = text;

    if (text == NULL || *text == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Empty option string");
        return NULL;
    }
    for (bool first = true; *cursor || first; first = false) {
        g_autofree char *element = read_element(&cursor);
        if (!add_element(pairs, element, first, implied_key, err)) {
            return NULL;
        }
        if (*cursor == '\0') {
            break;
        }
    }
    return g_steal_pointer(&pairs);
}

const char *tm_keyval_lookup(const GPtrArray *pairs, const char *key)
{
    for (guint i = pairs->len; i > 0; i--) {
        const TmKeyvalPair *pair = g_ptr_array_index(pairs, i - 1);
        if (strcmp(pair->key, key) == 0) {
            return pair->value;
        }
    }
    return NULL;
}

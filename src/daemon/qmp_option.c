#include "daemon/qmp_option.h"

#include <string.h>

#include "core/error.h"
#include "core/keyval.h"
#include "object/value.h"

static bool parse_flag(const char *key, const char *text, bool *out, GError **err)
{
    TmValue value = { 0 };

    if (!tm_value_parse_text(TM_PROP_BOOL, key, text, &value, err)) {
        return false;
    }
    *out = value.boolean;
    return true;
}

static bool check_pair(const TmKeyvalPair *pair, GError **err)
{
    bool flag;

    if (strcmp(pair->key, "addr") == 0) {
        return true;
    }
    if (strcmp(pair->key, "server") == 0) {
        if (!parse_flag(pair->key, pair->value, &flag, err)) {
            return false;
        }
        if (!flag) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "'server=off' is not supported: tagmemd listens for QMP clients");
            return false;
        }
        return true;
    }
    if (strcmp(pair->key, "wait") == 0) {
        if (!parse_flag(pair->key, pair->value, &flag, err)) {
            return false;
        }
        if (flag) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "'wait=on' is not supported: tagmemd serves at once; use 'wait=off'");
            return false;
        }
        return true;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "Invalid parameter '%s' (expected 'server' or 'wait')", pair->key);
    return false;
}

char *tm_qmp_option_parse(const char *text, GError **err)
{
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, "addr", err);

    if (pairs == NULL) {
        return NULL;
    }
    for (guint i = 0; i < pairs->len; i++) {
        if (!check_pair(g_ptr_array_index(pairs, i), err)) {
            return NULL;
        }
    }
    const char *addr = tm_keyval_lookup(pairs, "addr");
    if (addr == NULL || !g_str_has_prefix(addr, "unix:") || addr[5] == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Expected a UNIX socket address 'unix:PATH', got '%s'", addr ? addr : "");
        return NULL;
    }
    const char *server = tm_keyval_lookup(pairs, "server");
    if (server == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'server' is missing: tagmemd listens, write 'server=on'");
        return NULL;
    }
    return g_strdup(addr + strlen("unix:"));
}

#include "daemon/cci_option.h"

#include <string.h>

#include "cci/mailbox.h"
#include "core/error.h"
#include "core/ident.h"
#include "core/keyval.h"
#include "core/size.h"
#include "device/host_set.h"

static bool check_key(TmCciSocketKind kind, const char *key, GError **err)
{
    if (strcmp(key, "socket") == 0 || strcmp(key, "device") == 0 ||
        (kind == TM_CCI_SOCKET_HOST && strcmp(key, "id") == 0)) {
        return true;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Invalid parameter '%s' (expected %s)", key,
                kind == TM_CCI_SOCKET_HOST ? "'id', 'socket' or 'device'"
                                           : "'socket' or 'device'");
    return false;
}

static bool parse_host_id(const char *text, uint16_t *out, GError **err)
{
    guint64 value;

    if (text == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'id' is missing: the host id");
        return false;
    }
    if (!g_ascii_string_to_unsigned(text, 10, 0, TM_DCD_MAX_HOSTS - 1, &value, NULL)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'id' expects a host id from 0 to %d, got '%s'",
                    TM_DCD_MAX_HOSTS - 1, text);
        return false;
    }
    *out = (uint16_t)value;
    return true;
}

static bool check_values(const char *path, const char *device, GError **err)
{
    if (path == NULL || *path == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'socket' is missing: the path of the socket to listen on");
        return false;
    }
    if (device && !tm_id_is_valid(device)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'device' expects a device id, got '%s'", device);
        return false;
    }
    return true;
}

TmCciSocketOption *tm_cci_socket_option_parse(TmCciSocketKind kind, const char *text,
                                              GError **err)
{
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, NULL, err);
    uint16_t host_id = 0;

    if (pairs == NULL) {
        return NULL;
    }
    for (guint i = 0; i < pairs->len; i++) {
        if (!check_key(kind, ((TmKeyvalPair *)g_ptr_array_index(pairs, i))->key, err)) {
            return NULL;
        }
    }
    const char *path = tm_keyval_lookup(pairs, "socket");
    const char *device = tm_keyval_lookup(pairs, "device");
    if ((kind == TM_CCI_SOCKET_HOST &&
         !parse_host_id(tm_keyval_lookup(pairs, "id"), &host_id, err)) ||
        !check_values(path, device, err)) {
        return NULL;
    }
    TmCciSocketOption *option = g_new0(TmCciSocketOption, 1);
    option->text = g_strdup(text);
    option->kind = kind;
    option->host_id = host_id;
    option->path = g_strdup(path);
    option->device_id = g_strdup(device);
    return option;
}

void tm_cci_socket_option_free(TmCciSocketOption *option)
{
    if (option == NULL) {
        return;
    }
    g_free(option->text);
    g_free(option->path);
    g_free(option->device_id);
    g_free(option);
}

bool tm_max_payload_parse(const char *text, uint32_t *out, GError **err)
{
    uint64_t size;

    if (!tm_size_parse(text, "max-payload", &size, err)) {
        return false;
    }
    if (size < TM_MAILBOX_MIN_MAX_PAYLOAD || size > TM_MAILBOX_DEFAULT_MAX_PAYLOAD ||
        (size & (size - 1)) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "--max-payload expects a power of two from 256 to 1M, got '%s'", text);
        return false;
    }
    *out = (uint32_t)size;
    return true;
}

#include "daemon/redfish_option.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/keyval.h"

static bool check_keys(const GPtrArray *pairs, GError **err)
{
    for (guint i = 0; i < pairs->len; i++) {
        const TmKeyvalPair *pair = g_ptr_array_index(pairs, i);
        if (strcmp(pair->key, "addr") != 0 && strcmp(pair->key, "users") != 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Invalid parameter '%s' (expected 'addr' or 'users')", pair->key);
            return false;
        }
    }
    return true;
}

static bool parse_port(const char *text, guint16 *out, GError **err)
{
    char *end = NULL;
    unsigned long port = g_ascii_isdigit(text[0]) ? strtoul(text, &end, 10) : 0;

    if (end == NULL || *end != '\0' || port > 65535) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr' expects a port 0 to 65535, got '%s'", text);
        return false;
    }
    *out = (guint16)port;
    return true;
}

/* "HOST:PORT" or "[HOST]:PORT" (IPv6) into its parts. */
static bool split_addr(const char *addr, char **host, guint16 *port, GError **err)
{
    const char *colon = strrchr(addr, ':');
    const char *host_end = colon;
    const char *host_start = addr;

    if (addr[0] == '[') {
        host_start = addr + 1;
        host_end = strchr(addr, ']');
        if (host_end == NULL || host_end[1] != ':') {
            colon = NULL;
        }
    }
    if (colon == NULL || host_end == NULL || host_end <= host_start) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr' expects HOST:PORT, got '%s'", addr);
        return false;
    }
    if (!parse_port(colon + 1, port, err)) {
        return false;
    }
    *host = g_strndup(host_start, host_end - host_start);
    return true;
}

static bool check_loopback(const char *host, GError **err)
{
    g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(host);

    if (inet == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr' expects an IP address, got '%s'", host);
        return false;
    }
    /* DSP0266 §13.2: a service on the network must use TLS. */
    if (!g_inet_address_get_is_loopback(inet)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr': '%s' is not a loopback address; serving Redfish on "
                    "the network needs TLS and users, and tagmemd has no TLS yet", host);
        return false;
    }
    return true;
}

TmRedfishOption *tm_redfish_option_parse(const char *text, GError **err)
{
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, NULL, err);
    g_autoptr(TmRedfishOption) option = g_new0(TmRedfishOption, 1);

    if (pairs == NULL || !check_keys(pairs, err)) {
        return NULL;
    }
    const char *addr = tm_keyval_lookup(pairs, "addr");
    const char *users = tm_keyval_lookup(pairs, "users");
    if (addr == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'addr' is missing");
        return NULL;
    }
    if (users != NULL && users[0] == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter 'users' expects a file name");
        return NULL;
    }
    if (!split_addr(addr, &option->host, &option->port, err) ||
        !check_loopback(option->host, err)) {
        return NULL;
    }
    option->users_file = g_strdup(users);
    return g_steal_pointer(&option);
}

void tm_redfish_option_free(TmRedfishOption *option)
{
    if (option == NULL) {
        return;
    }
    g_free(option->host);
    g_free(option->users_file);
    g_free(option);
}

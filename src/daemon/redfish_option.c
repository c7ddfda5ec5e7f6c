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
        if (strcmp(pair->key, "addr") != 0 && strcmp(pair->key, "users") != 0 &&
            strcmp(pair->key, "tls-cert") != 0 && strcmp(pair->key, "tls-key") != 0 &&
            strcmp(pair->key, "idle-timeout") != 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Invalid parameter '%s' (expected 'addr', 'users', 'tls-cert', "
                        "'tls-key' or 'idle-timeout')", pair->key);
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

/* idle-timeout: whole seconds, 1 to an hour (0 would close every connection at once). */
static bool parse_idle_timeout(const char *text, guint *out, GError **err)
{
    char *end = NULL;
    unsigned long seconds = text && g_ascii_isdigit(text[0]) ? strtoul(text, &end, 10) : 0;

    *out = TM_REDFISH_IDLE_TIMEOUT_DEFAULT_S;
    if (text == NULL) {
        return true;
    }
    if (end == NULL || *end != '\0' || seconds < 1 || seconds > 3600) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'idle-timeout' expects seconds, 1 to 3600, got '%s'", text);
        return false;
    }
    *out = (guint)seconds;
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

/* A service off loopback: TLS and users, or a message saying which is missing. */
static bool check_loopback(const char *host, const TmRedfishOption *option, GError **err)
{
    g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(host);

    if (inet == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr' expects an IP address, got '%s'", host);
        return false;
    }
    /*
     * DSP0266 §13.2: a service on the network must use TLS; and without
     * users anybody who reaches the port could change the devices.
     */
    if (!g_inet_address_get_is_loopback(inet) &&
        (option->tls_cert == NULL || option->users_file == NULL)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'addr': '%s' is not a loopback address; serving Redfish on "
                    "the network needs TLS and users, and %s", host,
                    option->tls_cert == NULL && option->users_file == NULL
                        ? "'tls-cert', 'tls-key' and 'users' are missing"
                        : option->tls_cert == NULL ? "'tls-cert' and 'tls-key' are missing"
                                                   : "'users' is missing");
        return false;
    }
    return true;
}

/* @key, when given, names a file: not empty. */
static bool check_file(const GPtrArray *pairs, const char *key, GError **err)
{
    const char *value = tm_keyval_lookup(pairs, key);

    if (value != NULL && value[0] == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' expects a file name", key);
        return false;
    }
    return true;
}

/* A certificate is no use without its key, and the other way round. */
static bool check_tls_pair(const GPtrArray *pairs, GError **err)
{
    bool cert = tm_keyval_lookup(pairs, "tls-cert") != NULL;
    bool key = tm_keyval_lookup(pairs, "tls-key") != NULL;

    if (cert != key) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter '%s' is missing (it goes with '%s')", cert ? "tls-key" : "tls-cert",
                    cert ? "tls-cert" : "tls-key");
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
    if (!check_file(pairs, "users", err) || !check_file(pairs, "tls-cert", err) ||
        !check_file(pairs, "tls-key", err) || !check_tls_pair(pairs, err) ||
        !parse_idle_timeout(tm_keyval_lookup(pairs, "idle-timeout"), &option->idle_timeout_s,
                            err)) {
        return NULL;
    }
    option->users_file = g_strdup(users);
    option->tls_cert = g_strdup(tm_keyval_lookup(pairs, "tls-cert"));
    option->tls_key = g_strdup(tm_keyval_lookup(pairs, "tls-key"));
    if (!split_addr(addr, &option->host, &option->port, err) ||
        !check_loopback(option->host, option, err)) {
        return NULL;
    }
    return g_steal_pointer(&option);
}

void tm_redfish_option_free(TmRedfishOption *option)
{
    if (option == NULL) {
        return;
    }
    g_free(option->host);
    g_free(option->users_file);
    g_free(option->tls_cert);
    g_free(option->tls_key);
    g_free(option);
}

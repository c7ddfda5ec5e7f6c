/* tagmemd's -redfish option: addresses, users file, the loopback rule, on the command line. */
#include <string.h>

#include "core/error.h"
#include "daemon/options.h"
#include "daemon/redfish_option.h"

static void test_good(void)
{
    static const struct {
        const char *text;
        const char *host;
        guint16 port;
        const char *users;
        const char *cert;
    } good[] = {
        { "addr=127.0.0.1:8000", "127.0.0.1", 8000, NULL, NULL },
        { "addr=127.0.0.2:0,users=/etc/tagmem/users", "127.0.0.2", 0, "/etc/tagmem/users", NULL },
        { "users=/a,,b,addr=[::1]:65535", "::1", 65535, "/a,b", NULL },
        { "addr=127.0.0.1:1,tls-cert=/c,tls-key=/k", "127.0.0.1", 1, NULL, "/c" },
        { "addr=0.0.0.0:443,tls-cert=/c,tls-key=/k,users=/u", "0.0.0.0", 443, "/u", "/c" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(TmRedfishOption) option = tm_redfish_option_parse(good[i].text, &err);

        g_assert_no_error(err);
        g_assert_cmpstr(option->host, ==, good[i].host);
        g_assert_cmpuint(option->port, ==, good[i].port);
        g_assert_cmpstr(option->users_file, ==, good[i].users);
        g_assert_cmpstr(option->tls_cert, ==, good[i].cert);
        g_assert_cmpstr(option->tls_key, ==, good[i].cert ? "/k" : NULL);
    }
}

static void test_bad(void)
{
    static const struct {
        const char *text;
        const char *fragment;
    } bad[] = {
        { "", "Empty option string" },
        { "users=/u", "Parameter 'addr' is missing" },
        { "addr=127.0.0.1:80,tls=on", "Invalid parameter 'tls'" },
        { "addr=127.0.0.1", "expects HOST:PORT, got '127.0.0.1'" },
        { "addr=:80", "expects HOST:PORT, got ':80'" },
        { "addr=127.0.0.1:65536", "a port 0 to 65535, got '65536'" },
        { "addr=127.0.0.1:-1", "got '-1'" },
        { "addr=127.0.0.1:8x", "got '8x'" },
        { "addr=127.0.0.1:", "got ''" },
        { "addr=[::1:80", "expects HOST:PORT" },
        { "addr=localhost:80", "expects an IP address, got 'localhost'" },
        { "addr=0.0.0.0:80", "'0.0.0.0' is not a loopback address" },
        { "addr=192.0.2.1:80,users=/u", "'tls-cert' and 'tls-key' are missing" },
        { "addr=192.0.2.1:80", "'tls-cert', 'tls-key' and 'users' are missing" },
        { "addr=192.0.2.1:80,tls-cert=/c,tls-key=/k", "needs TLS and users, and 'users' is" },
        { "addr=127.0.0.1:80,tls-cert=/c", "Parameter 'tls-key' is missing" },
        { "addr=127.0.0.1:80,tls-key=/k", "Parameter 'tls-cert' is missing" },
        { "addr=127.0.0.1:80,tls-cert=,tls-key=/k", "'tls-cert' expects a file name" },
        { "addr=[::]:80", "'::' is not a loopback address" },
        { "addr=127.0.0.1:80,users=", "'users' expects a file name" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("-redfish '%s'", bad[i].text);
        g_autoptr(TmRedfishOption) option = tm_redfish_option_parse(bad[i].text, &err);
        g_assert_null(option);
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        if (strstr(err->message, bad[i].fragment) == NULL) {
            g_error("'%s': '%s' lacks '%s'", bad[i].text, err->message, bad[i].fragment);
        }
    }
}

static void test_argv(void)
{
    char *argv[] = { "tagmemd", "-redfish", "addr=127.0.0.1:1", "--redfish=addr=[::1]:2", NULL };
    TmDaemonOptions options;
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_daemon_options_parse(4, argv, &options, &err));
    g_assert_cmpuint(options.redfish->len, ==, 2);
    g_assert_cmpuint(((TmRedfishOption *)g_ptr_array_index(options.redfish, 1))->port, ==, 2);
    tm_daemon_options_clear(&options);

    char *bad[] = { "tagmemd", "-redfish", "addr=10.0.0.1:1", NULL };
    g_assert_false(tm_daemon_options_parse(3, bad, &options, &err));
    g_assert_nonnull(strstr(err->message, "-redfish addr=10.0.0.1:1: "));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/redfish_option/good", test_good);
    g_test_add_func("/daemon/redfish_option/bad", test_bad);
    g_test_add_func("/daemon/redfish_option/argv", test_argv);
    return g_test_run();
}

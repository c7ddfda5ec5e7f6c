/* tagmemd's CCI socket options: -host, -fm and --max-payload, alone and on the command line. */
#include <string.h>

#include "core/error.h"
#include "daemon/cci_option.h"
#include "daemon/options.h"

typedef struct {
    TmCciSocketKind kind;
    const char *text;
    const char *fragment;
} BadSocketOption;

static void test_socket_options_good(void)
{
    static const struct {
        TmCciSocketKind kind;
        const char *text;
        uint16_t host_id;
        const char *path;
        const char *device;
    } good[] = {
        { TM_CCI_SOCKET_HOST, "id=0,socket=/run/h0.sock", 0, "/run/h0.sock", NULL },
        { TM_CCI_SOCKET_HOST, "socket=/a,,b.sock,id=255,device=dcd1", 255, "/a,b.sock", "dcd1" },
        { TM_CCI_SOCKET_HOST, "id=007,socket=rel.sock", 7, "rel.sock", NULL },
        { TM_CCI_SOCKET_FM, "socket=/run/fm.sock", 0, "/run/fm.sock", NULL },
        { TM_CCI_SOCKET_FM, "device=cxl-dcd0,socket=/x", 0, "/x", "cxl-dcd0" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(TmCciSocketOption) option =
            tm_cci_socket_option_parse(good[i].kind, good[i].text, &err);

        g_test_message("'%s'", good[i].text);
        g_assert_no_error(err);
        g_assert_cmpint(option->kind, ==, good[i].kind);
        g_assert_cmpuint(option->host_id, ==, good[i].host_id);
        g_assert_cmpstr(option->path, ==, good[i].path);
        g_assert_cmpstr(option->device_id, ==, good[i].device);
        g_assert_cmpstr(option->text, ==, good[i].text);
    }
}

static void test_socket_options_bad(void)
{
    static const BadSocketOption bad[] = {
        { TM_CCI_SOCKET_HOST, "", "Empty option string" },
        { TM_CCI_SOCKET_HOST, "socket=/h.sock", "Parameter 'id' is missing" },
        { TM_CCI_SOCKET_HOST, "id=1", "Parameter 'socket' is missing" },
        { TM_CCI_SOCKET_HOST, "id=1,socket=", "Parameter 'socket' is missing" },
        { TM_CCI_SOCKET_HOST, "id=256,socket=/h", "host id from 0 to 255, got '256'" },
        { TM_CCI_SOCKET_HOST, "id=-1,socket=/h", "host id from 0 to 255, got '-1'" },
        { TM_CCI_SOCKET_HOST, "id=one,socket=/h", "got 'one'" },
        { TM_CCI_SOCKET_HOST, "id=0x1,socket=/h", "got '0x1'" },
        { TM_CCI_SOCKET_HOST, "id=0,socket=/h,device=9dcd", "expects a device id, got '9dcd'" },
        { TM_CCI_SOCKET_HOST, "id=0,socket=/h,mode=0600", "Invalid parameter 'mode'" },
        { TM_CCI_SOCKET_HOST, "/h.sock", "Expected '=' after parameter '/h.sock'" },
        { TM_CCI_SOCKET_FM, "socket=/f,id=0",
          "Invalid parameter 'id' (expected 'socket' or 'device')" },
        { TM_CCI_SOCKET_FM, "device=dcd0", "Parameter 'socket' is missing" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("'%s'", bad[i].text);
        g_assert_null(tm_cci_socket_option_parse(bad[i].kind, bad[i].text, &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        if (strstr(err->message, bad[i].fragment) == NULL) {
            g_error("'%s': '%s' lacks '%s'", bad[i].text, err->message, bad[i].fragment);
        }
    }
}

static void test_max_payload(void)
{
    static const struct {
        const char *text;
        uint32_t value;  /* 0: refused */
    } rows[] = {
        { "256", 256 }, { "2K", 2048 }, { "4096", 4096 }, { "1M", 1u << 20 },
        { "0x10000", 65536 }, { "512K", 512u << 10 },
        { "128", 0 }, { "2M", 0 }, { "3K", 0 }, { "1000", 0 }, { "0", 0 }, { "-1", 0 },
        { "big", 0 }, { "", 0 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        uint32_t value = 0;
        bool ok = tm_max_payload_parse(rows[i].text, &value, &err);

        g_test_message("'%s'", rows[i].text);
        g_assert_cmpint(ok, ==, rows[i].value != 0);
        if (ok) {
            g_assert_cmpuint(value, ==, rows[i].value);
        } else {
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, "max-payload"));
        }
    }
}

static bool parse_argv(const char *const *args, TmDaemonOptions *options, GError **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, "tagmemd");
    for (const char *const *arg = args; *arg; arg++) {
        g_ptr_array_add(argv, (gpointer)*arg);
    }
    g_ptr_array_add(argv, NULL);
    return tm_daemon_options_parse((int)argv->len - 1, (char **)argv->pdata, options, err);
}

static void test_argv(void)
{
    const char *args[] = {
        "-fm", "socket=/f.sock",
        "-host", "id=1,socket=/h1.sock",
        "--host=id=0,socket=/h0.sock,device=d",
        "-max-payload", "2K",
        NULL,
    };
    g_autoptr(GError) err = NULL;
    TmDaemonOptions options;

    g_assert_true(parse_argv(args, &options, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(options.max_payload, ==, 2048);
    /* -host options first, then -fm, each in command-line order. */
    g_assert_cmpuint(options.cci_sockets->len, ==, 3);
    const TmCciSocketOption *first = g_ptr_array_index(options.cci_sockets, 0);
    const TmCciSocketOption *second = g_ptr_array_index(options.cci_sockets, 1);
    const TmCciSocketOption *third = g_ptr_array_index(options.cci_sockets, 2);
    g_assert_cmpstr(first->path, ==, "/h1.sock");
    g_assert_cmpstr(second->device_id, ==, "d");
    g_assert_cmpint(third->kind, ==, TM_CCI_SOCKET_FM);
    tm_daemon_options_clear(&options);

    const char *none[] = { NULL };
    g_assert_true(parse_argv(none, &options, &err));
    g_assert_cmpuint(options.cci_sockets->len, ==, 0);
    g_assert_cmpuint(options.max_payload, ==, 1u << 20);
    tm_daemon_options_clear(&options);
}

static void test_argv_bad(void)
{
    static const struct {
        const char *args[4];
        const char *fragment;
    } bad[] = {
        { { "-host", "id=1" }, "-host id=1: Parameter 'socket' is missing" },
        { { "-fm", "sock=/f" }, "-fm sock=/f: Invalid parameter 'sock'" },
        { { "-host" }, "Missing argument for --host" },
        { { "--max-payload", "3M" },
          "--max-payload expects a power of two from 256 to 1M, got '3M'" },
        { { "--max-payload", "lots" }, "max-payload" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TmDaemonOptions options;

        g_assert_false(parse_argv(bad[i].args, &options, &err));
        g_test_message("%s", err->message);
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
        g_assert_null(options.cci_sockets);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/cci-option/socket-good", test_socket_options_good);
    g_test_add_func("/daemon/cci-option/socket-bad", test_socket_options_bad);
    g_test_add_func("/daemon/cci-option/max-payload", test_max_payload);
    g_test_add_func("/daemon/cci-option/argv", test_argv);
    g_test_add_func("/daemon/cci-option/argv-bad", test_argv_bad);
    return g_test_run();
}

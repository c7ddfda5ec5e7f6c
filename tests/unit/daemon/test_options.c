/* tagmemd's command-line parsing: -object, -device, -qmp and the argument vector. */
#include <string.h>

#include "core/error.h"
#include "daemon/device_option.h"
#include "daemon/object_option.h"
#include "daemon/options.h"
#include "daemon/qmp_option.h"

static const TmPropAssignment *find(const TmObjectOption *option, const char *name)
{
    for (guint i = 0; i < option->props->len; i++) {
        const TmPropAssignment *a = &g_array_index(option->props, TmPropAssignment, i);
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

static void test_object_typed_values(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmObjectOption) option = tm_object_option_parse(
        "memory-backend-memfd,id=mem0,size=1.5G,share=on,tag=0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D,"
        "prealloc-threads=4", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(option->qom_type, ==, "memory-backend-memfd");
    g_assert_cmpstr(option->id, ==, "mem0");
    g_assert_cmpuint(option->props->len, ==, 4);
    g_assert_cmpint(find(option, "size")->value.kind, ==, TM_PROP_SIZE);
    g_assert_cmpuint(find(option, "size")->value.uint, ==, 3ULL << 29);
    g_assert_cmpint(find(option, "share")->value.kind, ==, TM_PROP_BOOL);
    g_assert_true(find(option, "share")->value.boolean);
    g_assert_cmpint(find(option, "tag")->value.kind, ==, TM_PROP_GUID);
    g_assert_cmpint(find(option, "prealloc-threads")->value.kind, ==, TM_PROP_UINT);
    g_assert_cmpuint(find(option, "prealloc-threads")->value.uint, ==, 4);
}

static void test_object_repeated_keys(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmObjectOption) option = tm_object_option_parse(
        "memory-backend-ram,id=m,size=1M,host-nodes=0,policy=bind,host-nodes=2-3,size=2M,"
        "host-nodes=1", &err);

    g_assert_no_error(err);
    /* A list collects every value in order; a scalar keeps the last. */
    GArray *nodes = find(option, "host-nodes")->value.list;
    g_assert_cmpuint(nodes->len, ==, 4);
    g_assert_cmpuint(g_array_index(nodes, uint64_t, 0), ==, 0);
    g_assert_cmpuint(g_array_index(nodes, uint64_t, 1), ==, 2);
    g_assert_cmpuint(g_array_index(nodes, uint64_t, 2), ==, 3);
    g_assert_cmpuint(g_array_index(nodes, uint64_t, 3), ==, 1);
    g_assert_cmpuint(find(option, "size")->value.uint, ==, 2 << 20);
    g_assert_cmpstr(find(option, "policy")->value.str, ==, "bind");
    g_assert_cmpuint(option->props->len, ==, 3);
}

typedef struct {
    const char *text;
    const char *fragment;
} BadOption;

static void test_object_bad(void)
{
    static const BadOption bad[] = {
        { "", "Empty option string" },
        { "id=m,size=1M", "Parameter 'qom-type' is missing" },
        { "memory-backend-ram,size=1M", "Parameter 'id' is missing" },
        { "memory-backend-cheese,id=m", "'memory-backend-cheese' (expected one of:" },
        { "memory-backend,id=m", "'memory-backend'" },
        { "memory-backend-ram,id=m,colour=red", "Property 'memory-backend-ram.colour' not found" },
        { "memory-backend-ram,id=m,size=1Q", "unknown suffix" },
        { "memory-backend-ram,id=m,size=-1", "negative" },
        { "memory-backend-ram,id=m,share=maybe", "'share' expects 'on' or 'off'" },
        { "memory-backend-ram,id=m,prealloc-threads=x", "'prealloc-threads'" },
        { "memory-backend-ram,id=m,host-nodes=3-1", "N <= M" },
        { "memory-backend-ram,id=m,host-nodes=", "'host-nodes' expects an unsigned integer" },
        { "memory-backend-ram,id=m,host-nodes=0,host-nodes=x", "'host-nodes'" },
        { "memory-backend-ram,id=m,size", "Expected '=' after parameter 'size'" },
        { "memory-backend-file,id=m,hugetlb=on", "memory-backend-file.hugetlb" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("-object '%s'", bad[i].text);
        g_autoptr(TmObjectOption) option = tm_object_option_parse(bad[i].text, &err);
        g_assert_null(option);
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
    }
}

static const TmPropAssignment *find_device_prop(const TmDeviceOption *option, const char *name)
{
    for (guint i = 0; i < option->props->len; i++) {
        const TmPropAssignment *a = &g_array_index(option->props, TmPropAssignment, i);
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}

/* The implied key is the driver; values take the property's kind; bus= is dropped. */
static void test_device_typed_values(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmDeviceOption) option = tm_device_option_parse(
        "cxl-type3,bus=rp0,volatile-dc-memdev=dc0,num-dc-regions=2,id=cxl-dcd0,"
        "dc-regions-total-size=4G,dc-block-size=64K,num-dc-regions=3", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(option->driver, ==, "cxl-type3");
    g_assert_cmpstr(option->id, ==, "cxl-dcd0");
    g_assert_cmpuint(option->props->len, ==, 4);
    g_assert_null(find_device_prop(option, "bus"));
    g_assert_cmpint(find_device_prop(option, "volatile-dc-memdev")->value.kind, ==,
                    TM_PROP_LINK);
    g_assert_cmpstr(find_device_prop(option, "volatile-dc-memdev")->value.str, ==, "dc0");
    g_assert_cmpuint(find_device_prop(option, "num-dc-regions")->value.uint, ==, 3);
    g_assert_cmpint(find_device_prop(option, "dc-regions-total-size")->value.kind, ==,
                    TM_PROP_SIZE);
    g_assert_cmpuint(find_device_prop(option, "dc-regions-total-size")->value.uint, ==,
                     UINT64_C(4) << 30);
    g_assert_cmpuint(find_device_prop(option, "dc-block-size")->value.uint, ==, 64 << 10);

    g_autoptr(TmDeviceOption) named = tm_device_option_parse("driver=cxl-type3,id=d", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(named->props->len, ==, 0);
}

static void test_device_bad(void)
{
    static const BadOption bad[] = {
        { "", "Empty option string" },
        { "id=d,num-dc-regions=1", "Parameter 'driver' is missing" },
        { "pxb-cxl,id=cxl.1", "'pxb-cxl' is not a valid device model name" },
        { "cxl-type3,num-dc-regions=1", "Parameter 'id' is missing" },
        { "cxl-type3,id=d,volatile-memdev=m", "Property 'cxl-type3.volatile-memdev' not found" },
        { "cxl-type3,id=d,num-dc-regions=two", "'num-dc-regions'" },
        { "cxl-type3,id=d,dc-regions-total-size=1Q", "unknown suffix" },
        { "cxl-type3,id=d,num-hosts", "Expected '=' after parameter 'num-hosts'" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("-device '%s'", bad[i].text);
        g_autoptr(TmDeviceOption) option = tm_device_option_parse(bad[i].text, &err);
        g_assert_null(option);
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        if (strstr(err->message, bad[i].fragment) == NULL) {
            g_error("-device '%s': '%s' lacks '%s'", bad[i].text, err->message,
                    bad[i].fragment);
        }
    }
}

static void test_qmp_good(void)
{
    static const char *const good[][2] = {
        { "unix:/run/q.sock,server=on,wait=off", "/run/q.sock" },
        { "unix:/run/q.sock,server=on", "/run/q.sock" },
        { "unix:/run/q.sock,wait=off,server=yes", "/run/q.sock" },
        { "unix:/tmp/a,,b.sock,server=on,wait=off", "/tmp/a,b.sock" },
        { "addr=unix:rel.sock,server=on", "rel.sock" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *path = tm_qmp_option_parse(good[i][0], &err);

        g_assert_no_error(err);
        g_assert_cmpstr(path, ==, good[i][1]);
    }
}

static void test_qmp_bad(void)
{
    static const BadOption bad[] = {
        { "", "Empty option string" },
        { "unix:/q.sock", "'server' is missing" },
        { "unix:/q.sock,server=off", "'server=off' is not supported" },
        { "unix:/q.sock,server=on,wait=on", "'wait=on' is not supported" },
        { "unix:/q.sock,server=maybe", "'server' expects 'on' or 'off'" },
        { "unix:/q.sock,server", "Expected '=' after parameter 'server'" },
        { "unix:/q.sock,server=on,nowait=on", "Invalid parameter 'nowait'" },
        { "tcp:localhost:4444,server=on", "'unix:PATH', got 'tcp:localhost:4444'" },
        { "unix:,server=on", "'unix:PATH'" },
        { "/q.sock,server=on", "'unix:PATH'" },
        { "server=on", "'unix:PATH', got ''" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("-qmp '%s'", bad[i].text);
        g_autofree char *path = tm_qmp_option_parse(bad[i].text, &err);
        g_assert_null(path);
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
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

static void test_argv_spellings(void)
{
    const char *args[] = {
        "-object", "memory-backend-ram,id=a,size=1M",
        "--object", "memory-backend-ram,id=b,size=1M",
        "-object=memory-backend-ram,id=c,size=1M",
        "--object=memory-backend-ram,id=d,size=1M",
        "-qmp", "unix:/x.sock,server=on",
        "--qmp=unix:/y.sock,server=on",
        /* An option's value is never taken for an option. */
        "-pidfile", "-object",
        "-log-level=debug",
        "-device", "cxl-type3,id=d0", "--device=cxl-type3,id=d1", "-nodefaults",
        NULL,
    };
    g_autoptr(GError) err = NULL;
    TmDaemonOptions options;

    g_assert_true(parse_argv(args, &options, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(options.objects->len, ==, 4);
    for (guint i = 0; i < 4; i++) {
        const TmObjectOption *object = g_ptr_array_index(options.objects, i);
        char expected[2] = { (char)('a' + i), '\0' };
        g_assert_cmpstr(object->id, ==, expected);
    }
    g_assert_cmpuint(options.devices->len, ==, 2);
    g_assert_cmpstr(((TmDeviceOption *)g_ptr_array_index(options.devices, 1))->id, ==, "d1");
    g_assert_true(options.no_defaults);
    g_assert_cmpuint(options.qmp_sockets->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(options.qmp_sockets, 0), ==, "/x.sock");
    g_assert_cmpstr(g_ptr_array_index(options.qmp_sockets, 1), ==, "/y.sock");
    g_assert_cmpstr(options.pidfile, ==, "-object");
    g_assert_cmpint(options.log_level, ==, TM_LOG_DEBUG);
    g_assert_null(options.help_text);
    g_assert_false(options.show_version);
    tm_daemon_options_clear(&options);
}

static void test_argv_defaults(void)
{
    const char *args[] = { NULL };
    g_autoptr(GError) err = NULL;
    TmDaemonOptions options;

    g_assert_true(parse_argv(args, &options, &err));
    g_assert_cmpuint(options.objects->len, ==, 0);
    g_assert_cmpuint(options.devices->len, ==, 0);
    g_assert_false(options.no_defaults);
    g_assert_cmpuint(options.qmp_sockets->len, ==, 0);
    g_assert_null(options.pidfile);
    g_assert_cmpint(options.log_level, ==, TM_LOG_INFO);
    tm_daemon_options_clear(&options);
}

static void test_argv_help(void)
{
    const char *args[] = { "-help", NULL };
    g_autoptr(GError) err = NULL;
    TmDaemonOptions options;

    g_assert_true(parse_argv(args, &options, &err));
    g_assert_nonnull(options.help_text);
    g_assert_nonnull(strstr(options.help_text, "--object"));
    tm_daemon_options_clear(&options);
}

static void test_argv_bad(void)
{
    static const struct {
        const char *args[4];
        const char *fragment;
    } bad[] = {
        { { "--frob" }, "Unknown option --frob" },
        { { "-object" }, "Missing argument for --object" },
        { { "extra" }, "Unexpected argument 'extra'" },
        { { "--", "-object" }, "Unexpected argument '-object'" },
        { { "--log-level", "chatty" }, "got 'chatty'" },
        { { "-object", "memory-backend-ram,id=a,size=1Q" },
          "-object memory-backend-ram,id=a,size=1Q: " },
        { { "-qmp", "unix:/q,server=on,wait=on" }, "-qmp unix:/q,server=on,wait=on: " },
        { { "-device", "cxl-type3" }, "-device cxl-type3: Parameter 'id' is missing" },
        { { "-device" }, "Missing argument for --device" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TmDaemonOptions options;

        g_assert_false(parse_argv(bad[i].args, &options, &err));
        g_assert_nonnull(err);
        g_test_message("%s", err->message);
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
        /* Nothing to free on failure. */
        g_assert_null(options.objects);
        g_assert_null(options.devices);
        g_assert_null(options.qmp_sockets);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/daemon/options/object-typed-values", test_object_typed_values);
    g_test_add_func("/daemon/options/object-repeated-keys", test_object_repeated_keys);
    g_test_add_func("/daemon/options/object-bad", test_object_bad);
    g_test_add_func("/daemon/options/device-typed-values", test_device_typed_values);
    g_test_add_func("/daemon/options/device-bad", test_device_bad);
    g_test_add_func("/daemon/options/qmp-good", test_qmp_good);
    g_test_add_func("/daemon/options/qmp-bad", test_qmp_bad);
    g_test_add_func("/daemon/options/argv-spellings", test_argv_spellings);
    g_test_add_func("/daemon/options/argv-defaults", test_argv_defaults);
    g_test_add_func("/daemon/options/argv-help", test_argv_help);
    g_test_add_func("/daemon/options/argv-bad", test_argv_bad);
    return g_test_run();
}

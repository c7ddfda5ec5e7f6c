/*
 * Argument schema checking with QEMU's messages, on a schema shaped like
 * cxl-add-dynamic-capacity (nested list of structs, uintN ranges, enums).
 */
#include <string.h>

#include "qmp/qmp_args.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

static const TmQmpArg extent_members[] = {
    { .name = "offset", .type = TM_QMP_ARG_UINT64 },
    { .name = "len", .type = TM_QMP_ARG_UINT64 },
    { .name = NULL },
};

static const TmQmpArg extent_arg = { .type = TM_QMP_ARG_STRUCT, .members = extent_members };

static const char *const policies[] = {
    "free", "contiguous", "prescriptive", "enable-shared-access", NULL,
};

static const TmQmpArg add_args[] = {
    { .name = "path", .type = TM_QMP_ARG_STR },
    { .name = "host-id", .type = TM_QMP_ARG_UINT16 },
    { .name = "selection-policy", .type = TM_QMP_ARG_ENUM, .enum_values = policies },
    { .name = "region", .type = TM_QMP_ARG_UINT8 },
    { .name = "tag", .type = TM_QMP_ARG_STR, .optional = true },
    { .name = "extents", .type = TM_QMP_ARG_LIST, .element = &extent_arg },
    { .name = "ratio", .type = TM_QMP_ARG_NUMBER, .optional = true },
    { .name = "count", .type = TM_QMP_ARG_INT, .optional = true },
    { .name = "flag", .type = TM_QMP_ARG_BOOL, .optional = true },
    { .name = "blob", .type = TM_QMP_ARG_ANY, .optional = true },
    { .name = "n32", .type = TM_QMP_ARG_UINT32, .optional = true },
    { .name = NULL },
};

#define BASE "\"path\":\"/machine/peripheral/dcd0\",\"host-id\":0," \
             "\"selection-policy\":\"prescriptive\",\"region\":0"
#define EXTENTS "\"extents\":[{\"offset\":0,\"len\":2097152}]"

typedef struct {
    const char *args;
    const char *error; /* NULL: accepted; else the whole message */
} ArgsCase;

static const ArgsCase args_cases[] = {
    { "{" BASE "," EXTENTS "}", NULL },
    { "{" BASE ",\"extents\":[]}", NULL },
    { "{" BASE "," EXTENTS ",\"tag\":\"x\",\"ratio\":1,\"count\":-9223372036854775808,"
      "\"flag\":false,\"blob\":{\"any\":[null]},\"n32\":4294967295}", NULL },
    { "{" BASE "," EXTENTS ",\"ratio\":1.5,\"blob\":null}", NULL },
    { "{" BASE ",\"extents\":[{\"offset\":18446744073709551615,\"len\":1}]}", NULL },
    { "{}", "Parameter 'path' is missing" },
    { "{\"path\":\"p\"}", "Parameter 'host-id' is missing" },
    { "{" BASE "}", "Parameter 'extents' is missing" },
    /* missing members are reported before unexpected ones, as QEMU does */
    { "{" BASE ",\"zzz\":1}", "Parameter 'extents' is missing" },
    { "{" BASE "," EXTENTS ",\"zzz\":1}", "Parameter 'zzz' is unexpected" },
    { "{" BASE "," EXTENTS ",\"path\":1}", "Invalid parameter type for 'path', expected: string" },
    { "{\"path\":null}", "Invalid parameter type for 'path', expected: string" },
    { "{\"path\":\"p\",\"host-id\":65536}", "Parameter 'host-id' expects uint16_t" },
    { "{\"path\":\"p\",\"host-id\":-1}", "Parameter 'host-id' expects uint16_t" },
    /* QEMU reads every unsigned integer as uint64 first, whatever its width */
    { "{\"path\":\"p\",\"host-id\":1.0}", "Parameter 'host-id' expects uint64" },
    { "{\"path\":\"p\",\"host-id\":\"0\"}", "Parameter 'host-id' expects uint64" },
    { "{\"path\":\"p\",\"host-id\":null}", "Parameter 'host-id' expects uint64" },
    { "{\"path\":\"p\",\"host-id\":true}", "Parameter 'host-id' expects uint64" },
    { "{\"path\":\"p\",\"host-id\":0,\"selection-policy\":\"free\",\"region\":\"x\"}",
      "Parameter 'region' expects uint64" },
    { "{\"path\":\"p\",\"host-id\":0,\"selection-policy\":\"free\",\"region\":-1}",
      "Parameter 'region' expects uint8_t" },
    { "{\"path\":\"p\",\"host-id\":0,\"selection-policy\":\"any\"}",
      "Parameter 'selection-policy' does not accept value 'any'" },
    { "{\"path\":\"p\",\"host-id\":0,\"selection-policy\":0}",
      "Invalid parameter type for 'selection-policy', expected: string" },
    { "{\"path\":\"p\",\"host-id\":0,\"selection-policy\":\"free\",\"region\":256}",
      "Parameter 'region' expects uint8_t" },
    { "{" BASE ",\"extents\":{}}", "Invalid parameter type for 'extents', expected: array" },
    { "{" BASE ",\"extents\":[1]}", "Invalid parameter type for 'extents[0]', expected: object" },
    { "{" BASE ",\"extents\":[{\"offset\":0,\"len\":1},{\"offset\":0}]}",
      "Parameter 'extents[1].len' is missing" },
    { "{" BASE ",\"extents\":[{\"offset\":0,\"len\":1,\"x\":2}]}",
      "Parameter 'extents[0].x' is unexpected" },
    { "{" BASE ",\"extents\":[{\"offset\":-1,\"len\":1}]}",
      "Parameter 'extents[0].offset' expects uint64, got negative value -1" },
    { "{" BASE ",\"extents\":[{\"offset\":-9223372036854775808,\"len\":1}]}",
      "Parameter 'extents[0].offset' expects uint64, got negative value -9223372036854775808" },
    { "{" BASE ",\"extents\":[{\"offset\":\"0\",\"len\":1}]}",
      "Parameter 'extents[0].offset' expects uint64" },
    { "{" BASE ",\"extents\":[{\"offset\":0,\"len\":1.5}]}",
      "Parameter 'extents[0].len' expects uint64" },
    { "{" BASE ",\"extents\":[{\"offset\":0,\"len\":true}]}",
      "Parameter 'extents[0].len' expects uint64" },
    { "{" BASE "," EXTENTS ",\"ratio\":\"1\"}",
      "Invalid parameter type for 'ratio', expected: number" },
    { "{" BASE "," EXTENTS ",\"count\":9223372036854775808}",
      "Invalid parameter type for 'count', expected: integer" },
    { "{" BASE "," EXTENTS ",\"flag\":1}", "Invalid parameter type for 'flag', expected: boolean" },
    { "{" BASE "," EXTENTS ",\"n32\":4294967296}", "Parameter 'n32' expects uint32_t" },
    { "{" BASE "," EXTENTS ",\"n32\":-1}", "Parameter 'n32' expects uint32_t" },
    { "{" BASE "," EXTENTS ",\"n32\":[]}", "Parameter 'n32' expects uint64" },
};

static void test_args_table(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(args_cases); i++) {
        const ArgsCase *tc = &args_cases[i];
        g_autoptr(json_object) args = json_tokener_parse(tc->args);
        g_autoptr(GError) err = NULL;

        g_assert_nonnull(args);
        bool ok = tm_qmp_args_check(add_args, false, args, &err);
        if (tc->error == NULL && !ok) {
            g_error("%s: unexpected error %s", tc->args, err->message);
        }
        if (tc->error && (ok || strcmp(err->message, tc->error) != 0)) {
            g_error("%s: expected '%s', got %s", tc->args, tc->error,
                    ok ? "success" : err->message);
        }
    }
}

/* With extra arguments allowed, only the named members are checked. */
static void test_args_extra(void)
{
    static const TmQmpArg named[] = {
        { .name = "id", .type = TM_QMP_ARG_STR },
        { .name = NULL },
    };
    g_autoptr(json_object) good = json_tokener_parse("{\"id\":\"a\",\"size\":1,\"x\":[]}");
    g_autoptr(json_object) bad = json_tokener_parse("{\"id\":1,\"size\":1}");
    g_autoptr(json_object) none = json_tokener_parse("{\"x\":1}");
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_qmp_args_check(named, true, good, NULL));
    g_assert_false(tm_qmp_args_check(named, true, bad, &err));
    g_assert_cmpstr(err->message, ==, "Invalid parameter type for 'id', expected: string");
    g_clear_error(&err);
    g_assert_false(tm_qmp_args_check(named, false, good, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'size' is unexpected");
    g_clear_error(&err);
    /* A command without arguments refuses any. */
    g_assert_false(tm_qmp_args_check(NULL, false, none, &err));
    g_assert_cmpstr(err->message, ==, "Parameter 'x' is unexpected");
}

static void test_args_accessors(void)
{
    g_autoptr(json_object) args = json_tokener_parse(
        "{\"s\":\"text\",\"b\":true,\"i\":-5,\"u\":18446744073709551615}");

    g_assert_cmpstr(tm_qmp_arg_str(args, "s", NULL), ==, "text");
    g_assert_cmpstr(tm_qmp_arg_str(args, "missing", "def"), ==, "def");
    g_assert_true(tm_qmp_arg_bool(args, "b", false));
    g_assert_false(tm_qmp_arg_bool(args, "missing", false));
    g_assert_cmpint(tm_qmp_arg_int(args, "i", 0), ==, -5);
    g_assert_cmpint(tm_qmp_arg_int(args, "missing", 9), ==, 9);
    g_assert_cmpuint(tm_qmp_arg_uint(args, "u", 0), ==, UINT64_MAX);
    g_assert_cmpuint(tm_qmp_arg_uint(args, "missing", 3), ==, 3);
    g_assert_true(tm_qmp_arg_has(args, "s"));
    g_assert_false(tm_qmp_arg_has(args, "missing"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/args/table", test_args_table);
    g_test_add_func("/qmp/args/extra", test_args_extra);
    g_test_add_func("/qmp/args/accessors", test_args_accessors);
    return g_test_run();
}

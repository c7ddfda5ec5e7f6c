/* Typed property values parsed from command-line text. */
#include <string.h>

#include "core/error.h"
#include "object/value.h"

typedef struct {
    TmPropKind kind;
    const char *text;
    const char *expected_text; /* tm_value_to_text() of the result */
} GoodValue;

typedef struct {
    TmPropKind kind;
    const char *text;
    const char *fragment;
} BadValue;

static void test_good(void)
{
    static const GoodValue good[] = {
        { TM_PROP_BOOL, "on", "on" },
        { TM_PROP_BOOL, "yes", "on" },
        { TM_PROP_BOOL, "true", "on" },
        { TM_PROP_BOOL, "off", "off" },
        { TM_PROP_BOOL, "no", "off" },
        { TM_PROP_BOOL, "false", "off" },
        { TM_PROP_SIZE, "1G", "1073741824" },
        { TM_PROP_SIZE, "0x200000", "2097152" },
        { TM_PROP_SIZE, "0", "0" },
        { TM_PROP_UINT, "0", "0" },
        { TM_PROP_UINT, "42", "42" },
        { TM_PROP_UINT, "0x10", "16" },
        { TM_PROP_UINT, "18446744073709551615", "18446744073709551615" },
        { TM_PROP_UINT_LIST, "3", "3" },
        { TM_PROP_UINT_LIST, "0-2", "0,1,2" },
        { TM_PROP_UINT_LIST, "5-5", "5" },
        { TM_PROP_UINT_LIST, "18446744073709551615", "18446744073709551615" },
        { TM_PROP_UINT_LIST, "18446744073709551614-18446744073709551615",
          "18446744073709551614,18446744073709551615" },
        { TM_PROP_STR, "any text, even ,", "any text, even ," },
        { TM_PROP_STR, "", "" },
        { TM_PROP_ENUM, "bind", "bind" },
        { TM_PROP_GUID, "0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D",
          "0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D" },
        { TM_PROP_LINK, "mem0", "mem0" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;
        TmValue value = { 0 };

        g_test_message("%s '%s'", tm_prop_kind_name(good[i].kind), good[i].text);
        g_assert_true(tm_value_parse_text(good[i].kind, "prop", good[i].text, &value, &err));
        g_assert_no_error(err);
        g_assert_cmpint(value.kind, ==, good[i].kind);
        g_autofree char *text = tm_value_to_text(&value);
        g_assert_cmpstr(text, ==, good[i].expected_text);
        tm_value_clear(&value);
    }
}

static void test_bad(void)
{
    static const BadValue bad[] = {
        { TM_PROP_BOOL, "", "expects 'on' or 'off'" },
        { TM_PROP_BOOL, "1", "expects 'on' or 'off'" },
        { TM_PROP_BOOL, "On", "expects 'on' or 'off'" },
        { TM_PROP_BOOL, "onn", "expects 'on' or 'off'" },
        { TM_PROP_SIZE, "1Q", "unknown suffix" },
        { TM_PROP_SIZE, "-1", "negative" },
        { TM_PROP_SIZE, "16E", "too large" },
        { TM_PROP_UINT, "", "expects an unsigned integer" },
        { TM_PROP_UINT, "-1", "expects an unsigned integer" },
        { TM_PROP_UINT, "+1", "expects an unsigned integer" },
        { TM_PROP_UINT, " 1", "expects an unsigned integer" },
        { TM_PROP_UINT, "1x", "expects an unsigned integer" },
        { TM_PROP_UINT, "1K", "expects an unsigned integer" },
        { TM_PROP_UINT, "18446744073709551616", "expects an unsigned integer" },
        { TM_PROP_UINT_LIST, "", "expects an unsigned integer" },
        { TM_PROP_UINT_LIST, "a", "expects an unsigned integer" },
        { TM_PROP_UINT_LIST, "1-", "expects an unsigned integer" },
        { TM_PROP_UINT_LIST, "-1", "expects an unsigned integer" },
        { TM_PROP_UINT_LIST, "2-1", "N <= M" },
        { TM_PROP_UINT_LIST, "0-100000", "N <= M" },
        { TM_PROP_UINT_LIST, "0-18446744073709551615", "N <= M" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TmValue value = { 0 };

        g_test_message("%s '%s'", tm_prop_kind_name(bad[i].kind), bad[i].text);
        g_assert_false(tm_value_parse_text(bad[i].kind, "prop", bad[i].text, &value, &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_nonnull(strstr(err->message, "'prop'"));
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
        /* Nothing is left for the caller to free on error. */
        tm_value_clear(&value);
    }
}

static void test_kind_names(void)
{
    g_assert_cmpstr(tm_prop_kind_name(TM_PROP_STR), ==, "str");
    g_assert_cmpstr(tm_prop_kind_name(TM_PROP_BOOL), ==, "bool");
    g_assert_cmpstr(tm_prop_kind_name(TM_PROP_SIZE), ==, "size");
    g_assert_cmpstr(tm_prop_kind_name(TM_PROP_UINT_LIST), ==, "uint64List");
    g_assert_true(tm_prop_kind_is_string(TM_PROP_GUID));
    g_assert_true(tm_prop_kind_is_string(TM_PROP_LINK));
    g_assert_false(tm_prop_kind_is_string(TM_PROP_SIZE));
    g_assert_false(tm_prop_kind_is_string(TM_PROP_UINT_LIST));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/value/good", test_good);
    g_test_add_func("/core/value/bad", test_bad);
    g_test_add_func("/core/value/kind-names", test_kind_names);
    return g_test_run();
}

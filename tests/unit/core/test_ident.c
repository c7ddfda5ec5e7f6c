/* Object ids: QEMU's identifier rule, and GUIDs refused as ids. */
#include <string.h>

#include "core/error.h"
#include "core/ident.h"

static void test_valid_ids(void)
{
    static const char *const good[] = {
        "a", "Z", "mem0", "mem-0", "mem.0", "mem_0", "a-b.c_d", "dcd0", "x1234567890",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_true(tm_id_is_valid(good[i]));
        g_assert_true(tm_id_check(good[i], &err));
        g_assert_no_error(err);
    }
}

static void test_invalid_ids(void)
{
    static const char *const bad[] = {
        "", "0mem", "9", "-a", "_a", ".a", "a b", "a/b", "a,b", "a=b", "a:b", "m\xc3\xa9m", "a\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(tm_id_is_valid(bad[i]));
        g_assert_false(tm_id_check(bad[i], &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        /* QEMU's wording, with the value quoted and the rule spelled out. */
        g_assert_nonnull(strstr(err->message, "Parameter 'id' expects an identifier"));
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_assert_nonnull(strstr(err->message, "starting with a letter"));
    }
}

static void test_null_id(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(tm_id_is_valid(NULL));
    g_assert_false(tm_id_check(NULL, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
}

static void test_guid_is_not_an_id(void)
{
    /* Starts with a letter: passes QEMU's rule, refused by ours. */
    static const char *const letter_guid = "abcdef01-2345-4789-8bcd-ef0123456789";
    /* Starts with a digit: fails both, but the message still says why. */
    static const char *const digit_guid = "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d";
    static const char *const guids[] = { letter_guid, digit_guid };

    g_assert_true(tm_id_is_valid(letter_guid));
    for (gsize i = 0; i < G_N_ELEMENTS(guids); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(tm_id_check(guids[i], &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_nonnull(strstr(err->message, "GUID"));
        g_assert_nonnull(strstr(err->message, "'tag'"));
        g_assert_nonnull(strstr(err->message, guids[i]));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/ident/valid", test_valid_ids);
    g_test_add_func("/core/ident/invalid", test_invalid_ids);
    g_test_add_func("/core/ident/null", test_null_id);
    g_test_add_func("/core/ident/guid-is-not-an-id", test_guid_is_not_an_id);
    return g_test_run();
}

/* GUIDs as CXL tags: parsing, canonical form, the null GUID, hashing. */
#include <string.h>

#include "core/error.h"
#include "core/guid.h"

static const char *const canonical = "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d";

static void test_parse_is_case_insensitive(void)
{
    static const char *const spellings[] = {
        "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d",
        "0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D",
        "0b5E6c1C-8d2F-4A3b-9c4D-5e6F7a8B9c0D",
    };
    static const uint8_t expected[16] = {
        0x0b, 0x5e, 0x6c, 0x1c, 0x8d, 0x2f, 0x4a, 0x3b,
        0x9c, 0x4d, 0x5e, 0x6f, 0x7a, 0x8b, 0x9c, 0x0d,
    };

    for (gsize i = 0; i < G_N_ELEMENTS(spellings); i++) {
        g_autoptr(GError) err = NULL;
        TmGuid guid;

        g_assert_true(tm_guid_parse(spellings[i], "tag", &guid, &err));
        g_assert_no_error(err);
        g_assert_cmpmem(guid.bytes, 16, expected, 16);

        /* Output is always the canonical lower-case form. */
        g_autofree char *text = tm_guid_to_string(&guid);
        g_assert_cmpstr(text, ==, canonical);
        char buffer[TM_GUID_STRING_LEN + 1];
        tm_guid_format(&guid, buffer);
        g_assert_cmpstr(buffer, ==, canonical);
    }
}

static void test_parse_rejects_bad_forms(void)
{
    static const char *const bad[] = {
        "",
        "0b5e6c1c",
        "0b5e6c1c8d2f4a3b9c4d5e6f7a8b9c0d",       /* no dashes */
        "{0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d}",  /* braces */
        "urn:uuid:0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d",
        "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0",     /* one digit short */
        "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d0",   /* one digit long */
        "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0g",    /* not hex */
        "0b5e6c1c8-d2f-4a3b-9c4d-5e6f7a8b9c0d",    /* dash misplaced */
        " 0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d",
        "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d\n",
        "0b5e6c1c_8d2f_4a3b_9c4d_5e6f7a8b9c0d",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        TmGuid guid;

        g_assert_false(tm_guid_parse(bad[i], "tag", &guid, &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        /* The message names the parameter and quotes the value. */
        g_assert_nonnull(strstr(err->message, "'tag'"));
        g_assert_nonnull(strstr(err->message, bad[i]));
    }
}

static void test_parse_null_text(void)
{
    g_autoptr(GError) err = NULL;
    TmGuid guid;

    g_assert_false(tm_guid_parse(NULL, "tag", &guid, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
}

static void test_null_guid(void)
{
    g_autoptr(GError) err = NULL;
    TmGuid null_guid, other;

    /* The null GUID parses: refusing it is the caller's decision. */
    g_assert_true(tm_guid_parse("00000000-0000-0000-0000-000000000000", "tag", &null_guid, &err));
    g_assert_true(tm_guid_is_null(&null_guid));
    g_assert_true(tm_guid_parse("00000000-0000-0000-0000-000000000001", "tag", &other, &err));
    g_assert_false(tm_guid_is_null(&other));
    g_assert_false(tm_guid_equal(&null_guid, &other));
}

static TmGuid sequential_guid(guint n)
{
    TmGuid guid = { { 0 } };

    guid.bytes[15] = n & 0xff;
    guid.bytes[14] = (n >> 8) & 0xff;
    return guid;
}

static void test_hash_table(void)
{
    const guint count = 4096;
    g_autoptr(GHashTable) table = g_hash_table_new(tm_guid_hash_func, tm_guid_equal_func);
    g_autofree TmGuid *guids = g_new(TmGuid, count);
    g_autoptr(GHashTable) hashes = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (guint i = 0; i < count; i++) {
        guids[i] = sequential_guid(i);
        g_hash_table_insert(table, &guids[i], GUINT_TO_POINTER(i + 1));
        g_hash_table_add(hashes, GUINT_TO_POINTER(tm_guid_hash_func(&guids[i])));
    }
    g_assert_cmpuint(g_hash_table_size(table), ==, count);
    /* Sequential tags must not collide into a few buckets. */
    g_assert_cmpuint(g_hash_table_size(hashes), ==, count);

    for (guint i = 0; i < count; i++) {
        TmGuid probe = sequential_guid(i);
        g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(table, &probe)), ==, i + 1);
        g_assert_cmpuint(tm_guid_hash_func(&probe), ==, tm_guid_hash_func(&guids[i]));
    }
    TmGuid absent = sequential_guid(count);
    g_assert_null(g_hash_table_lookup(table, &absent));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/guid/parse-case-insensitive", test_parse_is_case_insensitive);
    g_test_add_func("/core/guid/parse-bad-forms", test_parse_rejects_bad_forms);
    g_test_add_func("/core/guid/parse-null-text", test_parse_null_text);
    g_test_add_func("/core/guid/null-guid", test_null_guid);
    g_test_add_func("/core/guid/hash-table", test_hash_table);
    return g_test_run();
}

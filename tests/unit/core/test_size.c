/* Sizes with QEMU's suffixes: good values, bad values, overflow, text form. */
#include <string.h>

#include "core/error.h"
#include "core/size.h"

typedef struct {
    const char *text;
    uint64_t bytes;
} GoodSize;

typedef struct {
    const char *text;
    const char *why; /* fragment of the message */
} BadSize;

static void test_good_sizes(void)
{
    static const GoodSize good[] = {
        { "0", 0 },
        { "1", 1 },
        { "4096", 4096 },
        { "1B", 1 },
        { "1b", 1 },
        { "1K", 1024 },
        { "1k", 1024 },
        { "1M", 1ULL << 20 },
        { "1G", 1ULL << 30 },
        { "1T", 1ULL << 40 },
        { "1P", 1ULL << 50 },
        { "1E", 1ULL << 60 },
        { "15E", 15ULL << 60 },
        { "15.5E", (31ULL << 59) },
        { "256m", 256ULL << 20 },
        { "1.5K", 1536 },
        { "0.5M", 512 * 1024 },
        { "2.25G", (9ULL << 30) / 4 },
        { ".5K", 512 },
        { "0x1000", 4096 },
        { "0X10", 16 },
        { "0xffffffffffffffff", UINT64_MAX },
        { "18446744073709551615", UINT64_MAX },
        { "007", 7 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;
        uint64_t bytes = 12345;

        g_test_message("size '%s'", good[i].text);
        g_assert_true(tm_size_parse(good[i].text, "size", &bytes, &err));
        g_assert_no_error(err);
        g_assert_cmpuint(bytes, ==, good[i].bytes);
    }
}

static void test_bad_sizes(void)
{
    static const BadSize bad[] = {
        { "", "empty" },
        { "-1", "negative" },
        { "-0", "negative" },
        { "-1G", "negative" },
        { "16E", "too large" },
        { "17179869184G", "too large" },
        { "18446744073709551616", "too large" },
        { "99999999999999999999999", "too large" },
        { "0x10000000000000000", "too large" },
        { "1Q", "unknown suffix" },
        { "1KB", "unknown suffix" },
        { "1 K", "unknown suffix" },
        { "1K ", "unknown suffix" },
        { "1e3", "unknown suffix" },
        { "1.5", "fraction needs a suffix" },
        { "1.K", "no digits after the decimal point" },
        { "K", "not a number" },
        { "abc", "not a number" },
        { " 1", "not a number" },
        { "inf", "not a number" },
        { "nan", "not a number" },
        { "0x", "no digits after 0x" },
        { "0x-1", "no digits after 0x" },
        { "0x 1", "no digits after 0x" },
        { "0x1.5", "unexpected characters" },
        { "0x10K", "unexpected characters" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        uint64_t bytes = 12345;

        g_test_message("size '%s'", bad[i].text);
        g_assert_false(tm_size_parse(bad[i].text, "size", &bytes, &err));
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_cmpuint(bytes, ==, 12345); /* output untouched on error */
        g_assert_nonnull(strstr(err->message, "Parameter 'size'"));
        g_assert_nonnull(strstr(err->message, bad[i].text));
        g_assert_nonnull(strstr(err->message, bad[i].why));
    }
}

static void test_null_text(void)
{
    g_autoptr(GError) err = NULL;
    uint64_t bytes;

    g_assert_false(tm_size_parse(NULL, "size", &bytes, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
}

static void test_to_human(void)
{
    static const GoodSize cases[] = {
        { "0 B", 0 },
        { "1023 B", 1023 },
        { "1 KiB", 1024 },
        { "1.5 KiB", 1536 },
        { "2 MiB", 2ULL << 20 },
        { "256 MiB", 256ULL << 20 },
        { "1 GiB", 1ULL << 30 },
        { "16 EiB", UINT64_MAX },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = tm_size_to_human(cases[i].bytes);
        g_assert_cmpstr(text, ==, cases[i].text);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/size/good", test_good_sizes);
    g_test_add_func("/core/size/bad", test_bad_sizes);
    g_test_add_func("/core/size/null-text", test_null_text);
    g_test_add_func("/core/size/to-human", test_to_human);
    return g_test_run();
}

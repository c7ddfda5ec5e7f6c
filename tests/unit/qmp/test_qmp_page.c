/* The paging arguments: which page is asked for, and the count's bounds. */
#include <string.h>

#include "qmp/qmp_page.h"

static const TmQmpArg page_args[] = {
    TM_QMP_PAGE_ARGS,
    { .name = NULL },
};

/* Parse @text's paging arguments; false with the error's message in *@message. */
static bool parse(const char *text, TmQmpPage *page, char **message)
{
    json_object *args = json_tokener_parse(text);
    g_autoptr(GError) err = NULL;
    bool ok = tm_qmp_args_check(page_args, false, args, &err) &&
              tm_qmp_page_parse(args, page, &err);

    *message = err ? g_strdup(err->message) : NULL;
    json_object_put(args);
    return ok;
}

static void test_defaults_and_values(void)
{
    TmQmpPage page;
    g_autofree char *none = NULL, *start = NULL, *count = NULL;

    g_assert_true(parse("{}", &page, &none));
    g_assert_false(page.paged);
    g_assert_cmpuint(page.start, ==, 0);
    g_assert_cmpuint(page.count, ==, TM_QMP_PAGE_MAX_COUNT);
    g_assert_true(parse("{\"start\": 5}", &page, &start));
    g_assert_true(page.paged);
    g_assert_cmpuint(page.start, ==, 5);
    g_assert_cmpuint(page.count, ==, TM_QMP_PAGE_MAX_COUNT);
    g_assert_true(parse("{\"count\": 10000}", &page, &count));
    g_assert_true(page.paged);
    g_assert_cmpuint(page.count, ==, 10000);
}

static void test_bad_counts(void)
{
    static const struct {
        const char *args;
        const char *message;
    } cases[] = {
        { "{\"count\": 0}", "Parameter 'count' expects a value from 1 to 10000, got 0" },
        { "{\"count\": 10001}", "Parameter 'count' expects a value from 1 to 10000, got 10001" },
        { "{\"count\": 4294967296}", "Parameter 'count' expects uint32_t" },
        { "{\"start\": -3}", "Parameter 'start' expects uint64, got negative value -3" },
        { "{\"start\": true}", "Parameter 'start' expects uint64" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TmQmpPage page;
        g_autofree char *message = NULL;

        g_assert_false(parse(cases[i].args, &page, &message));
        g_assert_cmpstr(message, ==, cases[i].message);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/page/defaults", test_defaults_and_values);
    g_test_add_func("/qmp/page/bad_counts", test_bad_counts);
    return g_test_run();
}

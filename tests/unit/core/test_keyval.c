/* QEMU keyval syntax: implied key, ",," escape, repeated keys, errors. */
#include <string.h>

#include "core/error.h"
#include "core/keyval.h"

typedef struct {
    const char *text;
    const char *implied_key;
    const char *expected; /* pairs as "key=value|key=value" */
} GoodKeyval;

typedef struct {
    const char *text;
    const char *implied_key;
    const char *fragment;
} BadKeyval;

static char *join_pairs(const GPtrArray *pairs)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < pairs->len; i++) {
        const TmKeyvalPair *pair = g_ptr_array_index(pairs, i);
        g_string_append_printf(out, "%s%s=%s", i ? "|" : "", pair->key, pair->value);
    }
    return g_string_free(out, FALSE);
}

static void test_good(void)
{
    static const GoodKeyval good[] = {
        { "memory-backend-ram,id=mem0,size=1G", "qom-type",
          "qom-type=memory-backend-ram|id=mem0|size=1G" },
        { "qom-type=memory-backend-ram,id=mem0", "qom-type", "qom-type=memory-backend-ram|id=mem0" },
        { "id=mem0,size=1G", NULL, "id=mem0|size=1G" },
        { "memory-backend-ram", "qom-type", "qom-type=memory-backend-ram" },
        /* ",," is a literal comma, in the implied value and in values. */
        { "unix:/tmp/a,,b.sock,server=on,wait=off", "addr",
          "addr=unix:/tmp/a,b.sock|server=on|wait=off" },
        { "x,mem-path=/dev/shm/a,,b,,,,c", "qom-type", "qom-type=x|mem-path=/dev/shm/a,b,,c" },
        { "x,id=a,,", "qom-type", "qom-type=x|id=a," },
        /* Repeated keys keep their order (list properties). */
        { "ram,host-nodes=0,host-nodes=1,host-nodes=3", "qom-type",
          "qom-type=ram|host-nodes=0|host-nodes=1|host-nodes=3" },
        { "ram,id=", "qom-type", "qom-type=ram|id=" },
        { "ram,path=a=b", "qom-type", "qom-type=ram|path=a=b" },
        { "ram,id=a,", "qom-type", "qom-type=ram|id=a" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("keyval '%s'", good[i].text);
        g_autoptr(GPtrArray) pairs = tm_keyval_parse(good[i].text, good[i].implied_key, &err);
        g_assert_no_error(err);
        g_assert_nonnull(pairs);
        g_autofree char *joined = join_pairs(pairs);
        g_assert_cmpstr(joined, ==, good[i].expected);
    }
}

static void test_bad(void)
{
    static const BadKeyval bad[] = {
        { "", "qom-type", "Empty option string" },
        { "", NULL, "Empty option string" },
        { "memory-backend-ram", NULL, "Expected '=' after parameter 'memory-backend-ram'" },
        { "ram,id", "qom-type", "Expected '=' after parameter 'id'" },
        { "ram,id=a,share", "qom-type", "Expected '=' after parameter 'share'" },
        { "ram,=x", "qom-type", "Invalid parameter ''" },
        { "ram,a b=x", "qom-type", "Invalid parameter 'a b'" },
        { "ram,a/b=x", "qom-type", "Invalid parameter 'a/b'" },
        { "ram,,,a", "qom-type", "Expected '=' after parameter 'a'" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("keyval '%s'", bad[i].text);
        g_autoptr(GPtrArray) pairs = tm_keyval_parse(bad[i].text, bad[i].implied_key, &err);
        g_assert_null(pairs);
        g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
        g_assert_nonnull(strstr(err->message, bad[i].fragment));
    }
}

static void test_null_text(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(NULL, "qom-type", &err);

    g_assert_null(pairs);
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
}

static void test_lookup_takes_last(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) pairs = tm_keyval_parse("ram,size=1M,id=a,size=2M", "qom-type", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(tm_keyval_lookup(pairs, "size"), ==, "2M");
    g_assert_cmpstr(tm_keyval_lookup(pairs, "id"), ==, "a");
    g_assert_cmpstr(tm_keyval_lookup(pairs, "qom-type"), ==, "ram");
    g_assert_null(tm_keyval_lookup(pairs, "share"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/keyval/good", test_good);
    g_test_add_func("/core/keyval/bad", test_bad);
    g_test_add_func("/core/keyval/null-text", test_null_text);
    g_test_add_func("/core/keyval/lookup-takes-last", test_lookup_takes_last);
    return g_test_run();
}

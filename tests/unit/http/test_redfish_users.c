/* The Redfish users file: parsing, checking passwords, what tagmem passwd writes. */
#include <string.h>
#include <glib.h>

#include "core/error.h"
#include "http/redfish_users.h"

static char *users_text(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *one = tm_redfish_users_set(NULL, "admin", "s3cret", TM_REDFISH_ROLE_OPERATOR,
                                                &err);
    g_assert_no_error(err);
    char *two = tm_redfish_users_set(one, "viewer", "look", TM_REDFISH_ROLE_READ_ONLY, &err);
    g_assert_no_error(err);
    return two;
}

static void test_check(void)
{
    g_autofree char *text = users_text();
    g_autoptr(GError) err = NULL;
    g_autoptr(TmRedfishUsers) users = tm_redfish_users_parse(text, &err);
    TmRedfishRole role = TM_REDFISH_ROLE_READ_ONLY;

    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(text, "admin:Operator:$y$"));
    g_assert_true(tm_redfish_users_check(users, "admin", "s3cret", &role));
    g_assert_cmpint(role, ==, TM_REDFISH_ROLE_OPERATOR);
    g_assert_true(tm_redfish_users_check(users, "viewer", "look", &role));
    g_assert_cmpint(role, ==, TM_REDFISH_ROLE_READ_ONLY);
    g_assert_false(tm_redfish_users_check(users, "admin", "look", &role));
    g_assert_false(tm_redfish_users_check(users, "admin", "s3cre", &role));
    g_assert_false(tm_redfish_users_check(users, "admin", "", &role));
    g_assert_false(tm_redfish_users_check(users, "nobody", "s3cret", &role));
    g_assert_false(tm_redfish_users_check(users, "", "", &role));
}

static void test_set_replaces(void)
{
    g_autofree char *text = users_text();
    g_autoptr(GError) err = NULL;
    g_autofree char *changed = tm_redfish_users_set(text, "admin", "new", TM_REDFISH_ROLE_READ_ONLY,
                                                    &err);
    g_assert_no_error(err);
    g_autoptr(TmRedfishUsers) users = tm_redfish_users_parse(changed, &err);
    TmRedfishRole role = TM_REDFISH_ROLE_OPERATOR;

    g_assert_no_error(err);
    g_assert_false(tm_redfish_users_check(users, "admin", "s3cret", &role));
    g_assert_true(tm_redfish_users_check(users, "admin", "new", &role));
    g_assert_cmpint(role, ==, TM_REDFISH_ROLE_READ_ONLY);
    g_assert_true(tm_redfish_users_check(users, "viewer", "look", &role));
    /* Two lines, the replaced one still first: one user, one line. */
    g_auto(GStrv) lines = g_strsplit(changed, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 3);
    g_assert_true(g_str_has_prefix(lines[0], "admin:ReadOnly:$y$"));
    /* Two hashes of one password differ: each has its own salt. */
    g_autofree char *h1 = tm_redfish_password_hash("same", &err);
    g_autofree char *h2 = tm_redfish_password_hash("same", &err);
    g_assert_cmpstr(h1, !=, h2);
}

/* Bad files and names: one row each, with the message fragment expected. */
static void test_bad_input(void)
{
    static const struct {
        const char *text;
        const char *fragment;
    } rows[] = {
        { "admin:Operator\n", "line 1: expected 'NAME:ROLE:HASH'" },
        { "# c\n\nadmin:Admin:$y$x\n", "line 3: role: 'Admin' is not a role" },
        { ":Operator:$y$x\n", "line 1: expected" },
        { "admin:Operator:plain\n", "line 1: expected 'NAME:ROLE:HASH' with a crypt(3) hash" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(TmRedfishUsers) users = tm_redfish_users_parse(rows[i].text, &err);
        g_assert_null(users);
        g_assert_nonnull(err);
        if (strstr(err->message, rows[i].fragment) == NULL) {
            g_error("row %zu: '%s' lacks '%s'", i, err->message, rows[i].fragment);
        }
    }
    g_autoptr(GError) err = NULL;
    g_assert_null(tm_redfish_users_set(NULL, "a:b", "x", TM_REDFISH_ROLE_OPERATOR, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "user: 'a:b' is not a user name"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http/redfish_users/check", test_check);
    g_test_add_func("/http/redfish_users/set_replaces", test_set_replaces);
    g_test_add_func("/http/redfish_users/bad_input", test_bad_input);
    return g_test_run();
}

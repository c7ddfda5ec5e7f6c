/* Redfish sessions: tokens, the idle timeout, the bound, logout; the resources. */
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "http/redfish_sessions.h"

#define S G_USEC_PER_SEC

static void test_tokens(void)
{
    g_autoptr(TmRedfishSessions) sessions = tm_redfish_sessions_new(4, 60);
    g_autoptr(GError) err = NULL;
    const TmRedfishSession *a = tm_redfish_sessions_create(sessions, "admin",
                                                           TM_REDFISH_ROLE_OPERATOR, 0, &err);
    const TmRedfishSession *b = tm_redfish_sessions_create(sessions, "viewer",
                                                           TM_REDFISH_ROLE_READ_ONLY, 0, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(strlen(a->token), ==, 64);
    g_assert_cmpstr(a->token, !=, b->token);
    g_assert_cmpstr(a->id, ==, "1");
    g_assert_cmpstr(b->id, ==, "2");
    g_autofree char *a_token = g_strdup(a->token);
    g_assert_true(tm_redfish_sessions_use(sessions, a_token, S) == a);
    g_assert_cmpint(tm_redfish_sessions_use(sessions, b->token, S)->role, ==,
                    TM_REDFISH_ROLE_READ_ONLY);
    /* A prefix, a longer string, one changed digit, nothing: no session. */
    g_autofree char *prefix = g_strndup(a_token, 63);
    g_autofree char *longer = g_strconcat(a_token, "0", NULL);
    g_autofree char *changed = g_strdup(a_token);
    changed[10] = changed[10] == '0' ? '1' : '0';
    const char *wrong[] = { prefix, longer, changed, "" };
    for (gsize i = 0; i < G_N_ELEMENTS(wrong); i++) {
        g_assert_null(tm_redfish_sessions_use(sessions, wrong[i], S));
    }
}

static void test_timeout_and_bound(void)
{
    g_autoptr(TmRedfishSessions) sessions = tm_redfish_sessions_new(2, 60);
    g_autoptr(GError) err = NULL;
    const TmRedfishSession *a = tm_redfish_sessions_create(sessions, "a",
                                                           TM_REDFISH_ROLE_OPERATOR, 0, &err);
    g_autofree char *a_token = g_strdup(a->token);
    const TmRedfishSession *b = tm_redfish_sessions_create(sessions, "b",
                                                           TM_REDFISH_ROLE_OPERATOR, 0, &err);
    g_autofree char *b_token = g_strdup(b->token);

    g_assert_null(tm_redfish_sessions_create(sessions, "c", TM_REDFISH_ROLE_OPERATOR, 0, &err));
    g_assert_nonnull(strstr(err->message, "2 sessions are open"));
    g_clear_error(&err);
    /* Each use restarts the idle time: a used at 50 s, b at 60 s; both idle over 60 s at 121 s. */
    g_assert_nonnull(tm_redfish_sessions_use(sessions, a_token, 50 * S));
    g_assert_nonnull(tm_redfish_sessions_use(sessions, b_token, 60 * S));
    g_assert_null(tm_redfish_sessions_use(sessions, b_token, 121 * S));
    g_assert_nonnull(tm_redfish_sessions_create(sessions, "c", TM_REDFISH_ROLE_OPERATOR,
                                                121 * S, &err));
    g_assert_null(tm_redfish_sessions_use(sessions, a_token, 121 * S));
    g_assert_null(tm_redfish_sessions_find(sessions, "1", 121 * S));
}

static void test_delete_and_resources(void)
{
    g_autoptr(TmRedfishSessions) sessions = tm_redfish_sessions_new(4, 1800);
    const TmRedfishSession *a = tm_redfish_sessions_create(sessions, "admin",
                                                           TM_REDFISH_ROLE_OPERATOR, 0, NULL);
    g_autofree char *token = g_strdup(a->token);
    json_object *service = tm_redfish_sessions_resource(sessions, "/redfish/v1/SessionService", 0);
    json_object *member = tm_redfish_sessions_resource(
        sessions, "/redfish/v1/SessionService/Sessions/1", 0);

    g_assert_cmpint(json_object_get_int(json_object_object_get(service, "SessionTimeout")), ==,
                    1800);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(member, "UserName")), ==,
                    "admin");
    /* DSP0266: the password is never given back, nor the token. */
    g_assert_null(strstr(json_object_to_json_string(member), token));
    json_object_put(service);
    json_object_put(member);
    g_assert_null(tm_redfish_sessions_resource(sessions, "/redfish/v1/SessionService/Sessions/2",
                                               0));
    g_assert_false(tm_redfish_sessions_delete(sessions, "2"));
    g_assert_true(tm_redfish_sessions_delete(sessions, "1"));
    g_assert_null(tm_redfish_sessions_use(sessions, token, 0));
    json_object *list = tm_redfish_sessions_resource(sessions,
                                                     "/redfish/v1/SessionService/Sessions", 0);
    g_assert_cmpint(json_object_get_int(json_object_object_get(list, "Members@odata.count")), ==,
                    0);
    json_object_put(list);
}

/* PATCH SessionTimeout: in DMTF's range it takes effect, else 400 and no change. */
static void test_patch_timeout(void)
{
    g_autoptr(TmRedfishSessions) sessions = tm_redfish_sessions_new(4, 1800);
    const TmRedfishSession *a = tm_redfish_sessions_create(sessions, "a",
                                                           TM_REDFISH_ROLE_OPERATOR, 0, NULL);
    g_autofree char *token = g_strdup(a->token);
    static const char *const bad[] = { "{\"SessionTimeout\": 29}", "{\"SessionTimeout\": 86401}",
                                       "{\"SessionTimeout\": \"60\"}", "{\"Timeout\": 60}", "{}" };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_auto(TmRedfishReply) reply = { 0 };
        tm_redfish_sessions_patch(sessions, bad[i], strlen(bad[i]), &reply);
        g_assert_cmpuint(reply.status, ==, 400);
    }
    g_assert_nonnull(tm_redfish_sessions_use(sessions, token, 1000 * S));
    g_auto(TmRedfishReply) reply = { 0 };
    const char *good = "{\"SessionTimeout\": 30}";
    tm_redfish_sessions_patch(sessions, good, strlen(good), &reply);
    g_assert_cmpuint(reply.status, ==, 200);
    g_assert_cmpint(json_object_get_int(json_object_object_get(reply.body, "SessionTimeout")), ==,
                    30);
    g_assert_null(tm_redfish_sessions_use(sessions, token, 1031 * S));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish-sessions/tokens", test_tokens);
    g_test_add_func("/redfish-sessions/timeout-and-bound", test_timeout_and_bound);
    g_test_add_func("/redfish-sessions/delete-and-resources", test_delete_and_resources);
    g_test_add_func("/redfish-sessions/patch-timeout", test_patch_timeout);
    return g_test_run();
}

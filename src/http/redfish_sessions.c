#include "http/redfish_sessions.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "core/error.h"
#include "http/redfish_body.h"
#include "http/redfish_json.h"

#define TOKEN_BYTES 32
#define SESSIONS_PATH "/redfish/v1/SessionService/Sessions"

struct TmRedfishSessions {
    GPtrArray *list;     /* TmRedfishSession, oldest first */
    guint max_sessions;
    gint64 timeout_us;
    guint64 next_id;
};

static void session_free(gpointer data)
{
    TmRedfishSession *session = data;

    explicit_bzero(session->token, strlen(session->token));
    g_free(session->token);
    g_free(session->id);
    g_free(session->user);
    g_free(session);
}

TmRedfishSessions *tm_redfish_sessions_new(guint max_sessions, guint timeout_s)
{
    TmRedfishSessions *sessions = g_new0(TmRedfishSessions, 1);

    sessions->list = g_ptr_array_new_with_free_func(session_free);
    sessions->max_sessions = max_sessions;
    sessions->timeout_us = (gint64)timeout_s * G_USEC_PER_SEC;
    sessions->next_id = 1;
    return sessions;
}

void tm_redfish_sessions_free(TmRedfishSessions *sessions)
{
    if (sessions == NULL) {
        return;
    }
    g_ptr_array_unref(sessions->list);
    g_free(sessions);
}

/* Sessions idle longer than the timeout end (DSP0266 §13.3.4.4). */
static void expire(TmRedfishSessions *sessions, gint64 now_us)
{
    for (guint i = sessions->list->len; i-- > 0;) {
        const TmRedfishSession *session = g_ptr_array_index(sessions->list, i);
        if (now_us - session->last_used_us > sessions->timeout_us) {
            g_ptr_array_remove_index(sessions->list, i);
        }
    }
}

/*
 * The token is the only secret of a session: 256 bits from the kernel's
 * CSPRNG (g_random is a Mersenne twister, predictable from its output).
 */
static char *new_token(GError **err)
{
    guchar bytes[TOKEN_BYTES];
    size_t got = 0;

    while (got < sizeof(bytes)) {
        ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
        if (n < 0 && errno != EINTR) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "getrandom: %s", g_strerror(errno));
            return NULL;
        }
        got += n > 0 ? (size_t)n : 0;
    }
    GString *hex = g_string_sized_new(2 * TOKEN_BYTES);
    for (size_t i = 0; i < sizeof(bytes); i++) {
        g_string_append_printf(hex, "%02x", bytes[i]);
    }
    explicit_bzero(bytes, sizeof(bytes));
    return g_string_free(hex, FALSE);
}

const TmRedfishSession *tm_redfish_sessions_create(TmRedfishSessions *sessions,
                                                   const char *user, TmRedfishRole role,
                                                   gint64 now_us, GError **err)
{
    expire(sessions, now_us);
    if (sessions->list->len >= sessions->max_sessions) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%u sessions are open, the most this service keeps; delete one or wait "
                    "for one to time out", sessions->list->len);
        return NULL;
    }
    char *token = new_token(err);
    if (token == NULL) {
        return NULL;
    }
    TmRedfishSession *session = g_new0(TmRedfishSession, 1);
    session->id = g_strdup_printf("%" G_GUINT64_FORMAT, sessions->next_id++);
    session->user = g_strdup(user);
    session->role = role;
    session->token = token;
    session->last_used_us = now_us;
    g_ptr_array_add(sessions->list, session);
    return session;
}

/* Every byte of the longer compared, whatever differs, so timing tells nothing. */
static bool token_equal(const char *given, size_t given_len, const char *token)
{
    size_t token_len = strlen(token);
    unsigned char diff = given_len != token_len;

    for (size_t i = 0; i < token_len; i++) {
        diff |= (unsigned char)(token[i] ^ (i < given_len ? given[i] : 0));
    }
    return diff == 0;
}

const TmRedfishSession *tm_redfish_sessions_use(TmRedfishSessions *sessions, const char *token,
                                                gint64 now_us)
{
    size_t len = strlen(token);
    TmRedfishSession *found = NULL;

    expire(sessions, now_us);
    /* Every session is compared: which one matched does not show in the time either. */
    for (guint i = 0; i < sessions->list->len; i++) {
        TmRedfishSession *session = g_ptr_array_index(sessions->list, i);
        if (token_equal(token, len, session->token)) {
            found = session;
        }
    }
    if (found != NULL) {
        found->last_used_us = now_us;
    }
    return found;
}

static gint find_index(TmRedfishSessions *sessions, const char *id)
{
    for (guint i = 0; i < sessions->list->len; i++) {
        const TmRedfishSession *session = g_ptr_array_index(sessions->list, i);
        if (strcmp(session->id, id) == 0) {
            return (gint)i;
        }
    }
    return -1;
}

const TmRedfishSession *tm_redfish_sessions_find(TmRedfishSessions *sessions, const char *id,
                                                 gint64 now_us)
{
    expire(sessions, now_us);
    gint index = find_index(sessions, id);
    return index < 0 ? NULL : g_ptr_array_index(sessions->list, index);
}

bool tm_redfish_sessions_delete(TmRedfishSessions *sessions, const char *id)
{
    gint index = find_index(sessions, id);

    if (index < 0) {
        return false;
    }
    g_ptr_array_remove_index(sessions->list, (guint)index);
    return true;
}

static json_object *service(const TmRedfishSessions *sessions)
{
    json_object *obj = json_object_new_object();
    json_object *status = json_object_new_object();

    json_object_object_add(obj, "@odata.id", json_object_new_string("/redfish/v1/SessionService"));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#SessionService.v1_1_9.SessionService"));
    json_object_object_add(obj, "Id", json_object_new_string("SessionService"));
    json_object_object_add(obj, "Name", json_object_new_string("Session Service"));
    json_object_object_add(obj, "ServiceEnabled", json_object_new_boolean(true));
    json_object_object_add(obj, "SessionTimeout",
                           json_object_new_int64(sessions->timeout_us / G_USEC_PER_SEC));
    json_object_object_add(status, "State", json_object_new_string("Enabled"));
    json_object_object_add(obj, "Status", status);
    json_object_object_add(obj, "Sessions", tm_redfish_link(SESSIONS_PATH));
    return obj;
}

static json_object *collection(const TmRedfishSessions *sessions)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new();

    for (guint i = 0; i < sessions->list->len; i++) {
        const TmRedfishSession *session = g_ptr_array_index(sessions->list, i);
        g_ptr_array_add(ids, session->id);
    }
    return tm_redfish_collection(SESSIONS_PATH, "#SessionCollection.SessionCollection",
                                 "Session Collection", ids);
}

/* DSP0266 §13.3.4.3: the Password is never given back. */
static json_object *session_resource(const TmRedfishSession *session)
{
    g_autofree char *odata_id = g_strdup_printf(SESSIONS_PATH "/%s", session->id);
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "@odata.id", json_object_new_string(odata_id));
    json_object_object_add(obj, "@odata.type", json_object_new_string("#Session.v1_7_0.Session"));
    json_object_object_add(obj, "Id", json_object_new_string(session->id));
    json_object_object_add(obj, "Name", json_object_new_string("User Session"));
    json_object_object_add(obj, "UserName", json_object_new_string(session->user));
    json_object_object_add(obj, "Password", NULL);
    return obj;
}

/* DMTF's SessionService schema bounds SessionTimeout to 30 s .. 24 h. */
#define MIN_TIMEOUT_S 30
#define MAX_TIMEOUT_S 86400

void tm_redfish_sessions_patch(TmRedfishSessions *sessions, const char *body, gsize len,
                               TmRedfishReply *reply)
{
    static const char *const members[] = { "SessionTimeout", NULL };
    json_object *parsed = tm_redfish_body_parse(body, len, reply);
    json_object *timeout;

    if (parsed != NULL && tm_redfish_body_only(parsed, "#", members, reply) &&
        tm_redfish_body_member(parsed, "#", "SessionTimeout", json_type_int, true, &timeout,
                               reply)) {
        int64_t seconds = json_object_get_int64(timeout);
        if (seconds < MIN_TIMEOUT_S || seconds > MAX_TIMEOUT_S) {
            tm_redfish_reply_property_error(reply, "PropertyValueOutOfRange", "#/SessionTimeout",
                                            json_object_to_json_string(timeout));
        } else {
            sessions->timeout_us = seconds * G_USEC_PER_SEC;
            tm_redfish_reply_json(reply, 200, service(sessions));
        }
    }
    json_object_put(parsed);
}

json_object *tm_redfish_sessions_resource(TmRedfishSessions *sessions, const char *path,
                                          gint64 now_us)
{
    if (strcmp(path, "/redfish/v1/SessionService") == 0) {
        return service(sessions);
    }
    if (strcmp(path, SESSIONS_PATH) == 0) {
        expire(sessions, now_us);
        return collection(sessions);
    }
    if (!g_str_has_prefix(path, SESSIONS_PATH "/")) {
        return NULL;
    }
    const TmRedfishSession *session =
        tm_redfish_sessions_find(sessions, path + strlen(SESSIONS_PATH "/"), now_us);
    return session ? session_resource(session) : NULL;
}

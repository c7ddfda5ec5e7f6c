/*
 * The Redfish service against hostile and careless clients (docs/redfish.md):
 * HTTPS with a self-signed certificate made here, start-up refusals (wrong
 * key, unreadable files, a network address without TLS or users), sessions,
 * refused writes that change nothing (401, 403, 400s, 412, 413, 411), and
 * clients that stall half-way through a request while QMP and other HTTP
 * clients are served, until the idle timeout closes them; and writes kept
 * by the state journal across a restart.
 */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"
#include "redfish_client.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define CHUNKS "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks"
#define HOST0 "/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-0"
#define GOOD_CHUNK "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": " \
                   "[{\"@odata.id\": \"" HOST0 "\"}]}}"

typedef struct {
    TmTestDaemon *daemon;
    char *dir;      /* users file, certificate and key */
    guint16 port;
    bool tls;
} Service;

static void run(const char *const *argv, const char *input)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                    G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                    G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err);
    g_assert_no_error(err);
    g_assert_true(g_subprocess_communicate_utf8(proc, input, NULL, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(g_subprocess_get_if_exited(proc));
    g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
}

static void set_password(const char *dir, const char *user, const char *role,
                         const char *password)
{
    g_autofree char *file = g_build_filename(dir, "users", NULL);

    tm_redfish_test_set_password(file, user, role, password);
}

/* A self-signed P-256 certificate for 127.0.0.1 in DIR/NAME-cert.pem and DIR/NAME-key.pem. */
static void make_certificate(const char *dir, const char *name)
{
    g_autofree char *cert = g_strdup_printf("%s/%s-cert.pem", dir, name);
    g_autofree char *key = g_strdup_printf("%s/%s-key.pem", dir, name);
    const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                           "/CN=127.0.0.1", "-keyout", key, "-out", cert, NULL };

    run(argv, NULL);
}

static char *redfish_option(const Service *svc, const char *extra)
{
    g_autofree char *tls = svc->tls
        ? g_strdup_printf(",tls-cert=%s/a-cert.pem,tls-key=%s/a-key.pem", svc->dir, svc->dir)
        : g_strdup("");

    return g_strdup_printf("addr=127.0.0.1:%u,users=%s/users%s%s", svc->port, svc->dir, tls,
                           extra);
}

static void start(Service *svc, bool tls, const char *extra)
{
    svc->dir = tm_test_make_dir();
    svc->tls = tls;
    svc->port = tm_redfish_test_free_port();
    set_password(svc->dir, "admin", "Operator", "s3cret");
    set_password(svc->dir, "viewer", "ReadOnly", "look");
    if (tls) {
        make_certificate(svc->dir, "a");
    }
    g_autofree char *option = redfish_option(svc, extra);
    const char *args[] = { "-redfish", option, NULL };
    svc->daemon = tm_test_daemon_start(args);
}

static void stop(Service *svc)
{
    g_assert_cmpint(tm_test_daemon_stop(svc->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(svc->daemon);
    tm_test_remove_tree(svc->dir);
    g_free(svc->dir);
}

typedef struct {
    guint status;
    json_object *body;
    char *location;
    char *token;
} Reply;

static void reply_clear(Reply *r)
{
    json_object_put(r->body);
    g_free(r->location);
    g_free(r->token);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Reply, reply_clear)

/* Self-signed: the test accepts exactly the certificate it made. */
static gboolean accept_ours(SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                            gpointer data)
{
    g_autoptr(GTlsCertificate) ours = g_tls_certificate_new_from_file(data, NULL);

    return ours != NULL && g_tls_certificate_is_same(ours, peer);
}

/*
 * @method @path with @body (NULL: none) and headers "Name: value" pairs in
 * @headers (NULL-terminated); auth: "token:T", "basic:USER:PASS" or NULL.
 */
static Reply request(const Service *svc, const char *method, const char *path,
                     const char *auth, const char *body, const char *const *headers)
{
    g_autoptr(SoupSession) session = soup_session_new();
    g_autofree char *uri = g_strdup_printf("%s://127.0.0.1:%u%s", svc->tls ? "https" : "http",
                                           svc->port, path);
    g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
    g_autofree char *cert = g_strdup_printf("%s/a-cert.pem", svc->dir);
    SoupMessageHeaders *out = soup_message_get_request_headers(msg);
    g_autoptr(GError) err = NULL;
    Reply r = { 0 };

    g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_ours), cert);
    if (auth && g_str_has_prefix(auth, "token:")) {
        soup_message_headers_replace(out, "X-Auth-Token", auth + 6);
    } else if (auth) {
        g_autofree char *b64 = g_base64_encode((const guchar *)auth + 6, strlen(auth + 6));
        g_autofree char *value = g_strdup_printf("Basic %s", b64);
        soup_message_headers_replace(out, "Authorization", value);
    }
    for (guint i = 0; headers && headers[i]; i += 2) {
        soup_message_headers_replace(out, headers[i], headers[i + 1]);
    }
    if (body != NULL) {
        g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));
        soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
    }
    g_autoptr(GBytes) answer = soup_session_send_and_read(session, msg, NULL, &err);
    g_assert_no_error(err);
    r.status = soup_message_get_status(msg);
    r.location = g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(msg),
                                                       "Location"));
    r.token = g_strdup(soup_message_headers_get_one(soup_message_get_response_headers(msg),
                                                    "X-Auth-Token"));
    g_autofree char *text = g_strndup(g_bytes_get_data(answer, NULL), g_bytes_get_size(answer));
    r.body = text ? json_tokener_parse(text) : NULL;
    return r;
}

static const char *str_at(json_object *obj, const char *pointer)
{
    json_object *value = NULL;

    g_assert_cmpint(json_pointer_get(obj, pointer, &value), ==, 0);
    return json_object_get_string(value);
}

static void assert_error(const Reply *r, guint status, const char *message_id)
{
    g_autofree char *code = g_strdup_printf("Base.1.15.0.%s", message_id);

    g_assert_cmpuint(r->status, ==, status);
    g_assert_cmpstr(str_at(r->body, "/error/code"), ==, code);
}

/* A session token for @user. */
static char *log_in(const Service *svc, const char *user, const char *password)
{
    g_autofree char *body = g_strdup_printf("{\"UserName\": \"%s\", \"Password\": \"%s\"}", user,
                                            password);
    g_auto(Reply) r = request(svc, "POST", "/redfish/v1/SessionService/Sessions", NULL, body,
                              NULL);

    g_assert_cmpuint(r.status, ==, 201);
    g_assert_nonnull(r.token);
    g_assert_cmpuint(strlen(r.token), ==, 64);
    g_assert_true(g_str_has_prefix(r.location, "/redfish/v1/SessionService/Sessions/"));
    return g_steal_pointer(&r.token);
}

/* HTTPS with a certificate made here; sessions; nothing without credentials. */
static void test_tls_and_sessions(void)
{
    Service svc = { 0 };

    start(&svc, true, "");
    g_autofree char *token = log_in(&svc, "admin", "s3cret");
    g_autofree char *auth = g_strdup_printf("token:%s", token);
    g_auto(Reply) chassis = request(&svc, "GET", "/redfish/v1/Chassis", auth, NULL, NULL);
    g_assert_cmpuint(chassis.status, ==, 200);
    g_assert_cmpstr(str_at(chassis.body, "/Members/0/@odata.id"), ==, "/redfish/v1/Chassis/dcd0");

    g_auto(Reply) wrong = request(&svc, "POST", "/redfish/v1/SessionService/Sessions", NULL,
                                  "{\"UserName\": \"admin\", \"Password\": \"nope\"}", NULL);
    assert_error(&wrong, 401, "AccessDenied");
    g_assert_null(wrong.token);
    g_auto(Reply) forged = request(&svc, "GET", "/redfish/v1/Chassis", "token:0123", NULL, NULL);
    assert_error(&forged, 401, "AccessDenied");
    g_auto(Reply) sessions = request(&svc, "GET", "/redfish/v1/SessionService/Sessions", auth,
                                     NULL, NULL);
    g_assert_cmpstr(str_at(sessions.body, "/Members@odata.count"), ==, "1");
    g_auto(Reply) service = request(&svc, "GET", "/redfish/v1/SessionService", auth, NULL, NULL);
    g_assert_cmpstr(str_at(service.body, "/SessionTimeout"), ==, "1800");
    /* PATCH of the timeout: If-Match, the range, then the change. */
    static const char *const stale[] = { "If-Match", "W/\"0000000000000000\"", NULL };
    g_auto(Reply) old_etag = request(&svc, "PATCH", "/redfish/v1/SessionService", auth,
                                     "{\"SessionTimeout\": 600}", stale);
    assert_error(&old_etag, 412, "PreconditionFailed");
    g_auto(Reply) too_short = request(&svc, "PATCH", "/redfish/v1/SessionService", auth,
                                      "{\"SessionTimeout\": 5}", NULL);
    assert_error(&too_short, 400, "PropertyValueOutOfRange");
    const char *current[] = { "If-Match", str_at(service.body, "/@odata.etag"), NULL };
    g_auto(Reply) patched = request(&svc, "PATCH", "/redfish/v1/SessionService", auth,
                                    "{\"SessionTimeout\": 600}", current);
    g_assert_cmpuint(patched.status, ==, 200);
    g_assert_cmpstr(str_at(patched.body, "/SessionTimeout"), ==, "600");

    /* A ReadOnly user may log out of its own session, not of another's. */
    g_autofree char *viewer_token = log_in(&svc, "viewer", "look");
    g_autofree char *viewer = g_strdup_printf("token:%s", viewer_token);
    g_auto(Reply) other = request(&svc, "DELETE", "/redfish/v1/SessionService/Sessions/1", viewer,
                                  NULL, NULL);
    assert_error(&other, 403, "InsufficientPrivilege");
    g_auto(Reply) viewer_patch = request(&svc, "PATCH", "/redfish/v1/SessionService", viewer,
                                         "{\"SessionTimeout\": 60}", NULL);
    assert_error(&viewer_patch, 403, "InsufficientPrivilege");
    g_auto(Reply) own = request(&svc, "DELETE", "/redfish/v1/SessionService/Sessions/2", viewer,
                                NULL, NULL);
    g_assert_cmpuint(own.status, ==, 204);
    g_auto(Reply) after = request(&svc, "GET", "/redfish/v1/Chassis", viewer, NULL, NULL);
    assert_error(&after, 401, "AccessDenied");
    stop(&svc);
}

/* What tagmemd says when it refuses to start with @option. */
static char *refusal(const char *option)
{
    const char *args[] = { "-redfish", option, NULL };
    g_autofree char *cwd = tm_test_make_dir();
    char *text = NULL;

    g_assert_cmpint(tm_test_run_tagmemd(args, cwd, &text), !=, 0);
    tm_test_remove_tree(cwd);
    return text;
}

static void test_startup_refusals(void)
{
    g_autofree char *dir = tm_test_make_dir();
    make_certificate(dir, "a");
    make_certificate(dir, "b");
    static const struct {
        const char *option; /* %1$s: the directory */
        const char *fragment;
    } cases[] = {
        { "addr=127.0.0.1:0,tls-cert=%1$s/a-cert.pem,tls-key=%1$s/b-key.pem",
          "is not the private key of the certificate in" },
        { "addr=127.0.0.1:0,tls-cert=%1$s/none.pem,tls-key=%1$s/a-key.pem",
          "tls-cert: Failed to open file" },
        { "addr=127.0.0.1:0,tls-cert=%1$s/a-key.pem,tls-key=%1$s/a-key.pem",
          "not a PEM certificate and key" },
        { "addr=0.0.0.0:0,users=%1$s/users", "needs TLS and users, and 'tls-cert' and" },
        { "addr=0.0.0.0:0,tls-cert=%1$s/a-cert.pem,tls-key=%1$s/a-key.pem",
          "'users' is missing" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *option = g_strdup_printf(cases[i].option, dir);
        g_autofree char *text = refusal(option);
        if (strstr(text, cases[i].fragment) == NULL) {
            g_error("-redfish %s: '%s' lacks '%s'", option, text, cases[i].fragment);
        }
    }
    tm_test_remove_tree(dir);
}

/* Refused writes: each answer, and no backend made, nothing offered. */
static void test_refused_writes_change_nothing(void)
{
    Service svc = { 0 };

    start(&svc, false, "");
    g_autoptr(TmQmpConn) qmp = tm_test_daemon_connect(svc.daemon);
    g_autofree char *admin_token = log_in(&svc, "admin", "s3cret");
    g_autofree char *viewer_token = log_in(&svc, "viewer", "look");
    g_autofree char *admin = g_strdup_printf("token:%s", admin_token);
    g_autofree char *viewer = g_strdup_printf("token:%s", viewer_token);
    static const char *const stale[] = { "If-Match", "W/\"0000000000000000\"", NULL };
    const struct {
        const char *auth;
        const char *body;
        const char *const *headers;
        guint status;
        const char *message_id;
        const char *related; /* RelatedProperties[0], or NULL */
    } cases[] = {
        { NULL, GOOD_CHUNK, NULL, 401, "AccessDenied", NULL },
        { "basic:admin:wrong", GOOD_CHUNK, NULL, 401, "AccessDenied", NULL },
        { "basic:root:s3cret", GOOD_CHUNK, NULL, 401, "AccessDenied", NULL },
        { viewer, GOOD_CHUNK, NULL, 403, "InsufficientPrivilege", NULL },
        { "basic:viewer:look", GOOD_CHUNK, NULL, 403, "InsufficientPrivilege", NULL },
        { admin, GOOD_CHUNK, stale, 412, "PreconditionFailed", NULL },
        { admin, "{\"MemoryChunkSizeMiB\": 8,", NULL, 400, "MalformedJSON", NULL },
        { admin, "{} {}", NULL, 400, "MalformedJSON", NULL },
        { admin, "\"text\"", NULL, 400, "MalformedJSON", NULL },
        { admin, "{\"Size\": 1}", NULL, 400, "PropertyUnknown", "#/Size" },
        { admin, "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": [{\"@odata.id\": \""
          HOST0 "\"}]}, \"Oem\": {\"Tagmem\": {\"Colour\": 1}}}", NULL, 400, "PropertyUnknown",
          "#/Oem/Tagmem/Colour" },
        { admin, "{\"MemoryChunkSizeMiB\": \"8\"}", NULL, 400, "PropertyValueTypeError",
          "#/MemoryChunkSizeMiB" },
        { admin, "{\"MemoryChunkSizeMiB\": 8}", NULL, 400, "PropertyMissing", "#/Links" },
        { admin, "{\"Links\": {\"Endpoints\": [{\"@odata.id\": \"" HOST0 "\"}]}}", NULL, 400,
          "PropertyMissing", "#/MemoryChunkSizeMiB" },
        { admin, "{\"MemoryChunkSizeMiB\": 0}", NULL, 400, "PropertyValueOutOfRange",
          "#/MemoryChunkSizeMiB" },
        { admin, "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": []}}", NULL, 400,
          "PropertyValueFormatError", "#/Links/Endpoints" },
        { admin, "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": [{\"@odata.id\": "
          "\"/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-7\"}]}}", NULL, 400,
          "PropertyValueNotInList", "#/Links/Endpoints/0/@odata.id" },
        { admin, "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": [{\"@odata.id\": \""
          HOST0 "\"}]}, \"Oem\": {\"Tagmem\": {\"Tag\": \"not-a-tag\"}}}", NULL, 400,
          "PropertyValueFormatError", "#/Oem/Tagmem/Tag" },
        { admin, "{\"MemoryChunkSizeMiB\": 8, \"Links\": {\"Endpoints\": [{\"@odata.id\": \""
          HOST0 "\"}]}, \"Oem\": {\"Tagmem\": {\"SelectionPolicy\": \"prescriptive\"}}}", NULL,
          400, "PropertyValueNotInList", "#/Oem/Tagmem/SelectionPolicy" },
        /* The device model's refusal, in QMP's words. */
        { admin, "{\"MemoryChunkSizeMiB\": 1048576, \"Links\": {\"Endpoints\": [{\"@odata.id\": "
          "\"" HOST0 "\"}]}}", NULL, 400, "GeneralError", NULL },
    };
    g_autofree char *before = tm_test_backend_snapshot(qmp);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %" G_GSIZE_FORMAT ": %s", i, cases[i].body);
        g_auto(Reply) r = request(&svc, "POST", CHUNKS, cases[i].auth, cases[i].body,
                                  cases[i].headers);
        assert_error(&r, cases[i].status, cases[i].message_id);
        if (cases[i].related != NULL) {
            g_assert_cmpstr(str_at(r.body, "/error/@Message.ExtendedInfo/0/RelatedProperties/0"),
                            ==, cases[i].related);
        }
        g_autofree char *after = tm_test_backend_snapshot(qmp);
        g_assert_cmpstr(after, ==, before);
    }
    g_auto(Reply) chunks = request(&svc, "GET", CHUNKS, admin, NULL, NULL);
    g_assert_cmpstr(str_at(chunks.body, "/Members@odata.count"), ==, "0");
    g_auto(Reply) refused = request(&svc, "POST", CHUNKS, admin,
                                    "{\"MemoryChunkSizeMiB\": 1048576, \"Links\": {\"Endpoints\": "
                                    "[{\"@odata.id\": \"" HOST0 "\"}]}}", NULL);
    g_assert_nonnull(strstr(str_at(refused.body, "/error/message"), "not enough free capacity"));
    stop(&svc);
}

/* Writes @text on a new connection to the service and returns it, left open. */
static GSocketConnection *stall(const Service *svc, const char *text)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) err = NULL;
    GSocketConnection *conn = g_socket_client_connect_to_host(client, "127.0.0.1", svc->port,
                                                              NULL, &err);

    g_assert_no_error(err);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_assert_true(g_output_stream_write_all(out, text, strlen(text), NULL, NULL, &err));
    g_assert_no_error(err);
    return conn;
}

/* The whole answer to @text sent on a raw connection (the server closes it). */
static char *raw(const Service *svc, const char *text)
{
    g_autoptr(GSocketConnection) conn = stall(svc, text);
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    g_autoptr(GString) reply = g_string_new(NULL);
    char buf[4096];
    gssize n;

    while ((n = g_input_stream_read(in, buf, sizeof(buf), NULL, NULL)) > 0) {
        g_string_append_len(reply, buf, n);
    }
    return g_string_free(g_steal_pointer(&reply), FALSE);
}

/*
 * Half-sent requests (headers, then a body) stall; QMP, CCI and another
 * HTTP client are served meanwhile, and the idle timeout (1 s here) closes the
 * stalled connections.  Bodies over the limit or without a length are
 * refused from their headers.
 */
static void test_stalled_clients(void)
{
    Service svc = { 0 };

    start(&svc, false, ",idle-timeout=1");
    g_autoptr(GSocketConnection) half_headers = stall(&svc, "GET /redfish/v1 HTTP/1.1\r\nHo");
    g_autoptr(GSocketConnection) half_body = stall(
        &svc, "POST " CHUNKS " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"Memory");
    g_autoptr(TmQmpConn) qmp = tm_test_daemon_connect(svc.daemon);
    g_autoptr(json_object) version = tm_test_execute(qmp, "query-version", NULL);
    tm_test_assert_return(version);
    g_auto(Reply) root = request(&svc, "GET", "/redfish/v1", NULL, NULL, NULL);
    g_assert_cmpuint(root.status, ==, 200);
    /* The FM's CCI socket answers too: Identify (0001h). */
    g_autofree char *fm_path = g_build_filename(svc.daemon->dir, "tagmem", "fm.sock", NULL);
    int fm = tm_test_cci_connect(fm_path);
    g_auto(TmTestCciPacket) identity = { .fd = -1 };
    tm_test_cci_call(fm, 0x0001, NULL, 0, &identity, NULL);
    g_assert_cmpuint(identity.return_code, ==, 0);
    close(fm);

    gint64 start_us = g_get_monotonic_time();
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(half_body));
    char buf[256];
    g_autoptr(GError) err = NULL;
    gssize n = g_input_stream_read(in, buf, sizeof(buf), NULL, &err);
    /* Closed (end of stream or reset), never an answer to the half request. */
    g_assert_cmpint(n, <=, 0);
    g_assert_cmpint(g_get_monotonic_time() - start_us, <, 10 * G_USEC_PER_SEC);
    n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(half_headers)), buf,
                            sizeof(buf), NULL, NULL);
    g_assert_cmpint(n, <=, 0);

    g_autofree char *big = raw(&svc, "POST " CHUNKS " HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 65537\r\nExpect: 100-continue\r\n\r\n");
    g_assert_true(g_str_has_prefix(big, "HTTP/1.1 413 "));
    g_autofree char *chunked = raw(&svc, "POST " CHUNKS " HTTP/1.1\r\nHost: x\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    g_assert_true(g_str_has_prefix(chunked, "HTTP/1.1 411 "));
    g_autofree char *get_body = raw(&svc, "GET /redfish/v1 HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Length: 2\r\n\r\n{}");
    g_assert_true(g_str_has_prefix(get_body, "HTTP/1.1 413 "));
    g_assert_cmpint(tm_test_backend_count(qmp), ==, 0);
    stop(&svc);
}

/*
 * Writes go to the state journal as the QMP requests they run: a chunk
 * POSTed (offered, not yet answered: no host runs) and a chunk POSTed then
 * refused leave, after a restart on the same --state-dir, the first chunk
 * and its backend, and nothing of the second.
 */
static void test_writes_survive_restart(void)
{
    Service svc = { 0 };
    g_autofree char *state = tm_test_make_dir();

    svc.dir = tm_test_make_dir();
    svc.port = tm_redfish_test_free_port();
    set_password(svc.dir, "admin", "Operator", "s3cret");
    g_autofree char *option = redfish_option(&svc, "");
    const char *args[] = { "-redfish", option, "--state-dir", state, NULL };
    svc.daemon = tm_test_daemon_start(args);
    g_autofree char *token = log_in(&svc, "admin", "s3cret");
    g_autofree char *auth = g_strdup_printf("token:%s", token);
    g_auto(Reply) made = request(&svc, "POST", CHUNKS, auth, GOOD_CHUNK, NULL);
    g_assert_cmpuint(made.status, ==, 202);
    const char *chunk = str_at(made.body, "/Payload/TargetUri");
    g_auto(Reply) refused = request(&svc, "POST", CHUNKS, auth,
                                    "{\"MemoryChunkSizeMiB\": 1048576, \"Links\": {\"Endpoints\": "
                                    "[{\"@odata.id\": \"" HOST0 "\"}]}}", NULL);
    assert_error(&refused, 400, "GeneralError");
    g_assert_cmpint(tm_test_daemon_stop(svc.daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(svc.daemon);

    svc.daemon = tm_test_daemon_start(args);
    g_autofree char *again = log_in(&svc, "admin", "s3cret");
    g_autofree char *auth_again = g_strdup_printf("token:%s", again);
    g_auto(Reply) back = request(&svc, "GET", chunk, auth_again, NULL, NULL);
    g_assert_cmpuint(back.status, ==, 200);
    g_assert_cmpstr(str_at(back.body, "/Oem/Tagmem/TagState"), ==, "Pending");
    g_autoptr(TmQmpConn) qmp = tm_test_daemon_connect(svc.daemon);
    g_assert_cmpint(tm_test_backend_count(qmp), ==, 1);
    /* The session did not survive: sessions live in memory. */
    g_auto(Reply) old = request(&svc, "GET", chunk, auth, NULL, NULL);
    assert_error(&old, 401, "AccessDenied");
    stop(&svc);
    tm_test_remove_tree(state);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish-security/tls-and-sessions", test_tls_and_sessions);
    g_test_add_func("/redfish-security/startup-refusals", test_startup_refusals);
    g_test_add_func("/redfish-security/refused-writes-change-nothing",
                    test_refused_writes_change_nothing);
    g_test_add_func("/redfish-security/stalled-clients", test_stalled_clients);
    g_test_add_func("/redfish-security/writes-survive-restart", test_writes_survive_restart);
    return g_test_run();
}

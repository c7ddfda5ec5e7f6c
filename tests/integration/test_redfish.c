/*
 * The Redfish service of the real tagmemd (docs/redfish.md): capacity
 * added over QMP, read back over HTTP with libsoup and with DMTF's
 * redfishtool; credentials, unknown URIs and methods not allowed.
 */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "daemon_harness.h"
#include "redfish_client.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define DCD0 "\"path\": \"/machine/peripheral/dcd0\""
#define CHUNKS "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks"

typedef struct {
    TmTestDaemon *daemon;
    guint16 port;
    char *users_file; /* NULL: no credentials needed */
} RedfishDaemon;

static void start(RedfishDaemon *rd, bool with_users)
{
    rd->port = tm_redfish_test_free_port();
    if (with_users) {
        g_autofree char *dir = tm_test_make_dir();
        rd->users_file = g_build_filename(dir, "users", NULL);
        tm_redfish_test_set_password(rd->users_file, "viewer", "ReadOnly", "look");
        tm_redfish_test_set_password(rd->users_file, "admin", "Operator", "s3cret");
    }
    g_autofree char *option = rd->users_file
        ? g_strdup_printf("addr=127.0.0.1:%u,users=%s", rd->port, rd->users_file)
        : g_strdup_printf("addr=127.0.0.1:%u", rd->port);
    const char *args[] = { "-redfish", option, NULL };
    rd->daemon = tm_test_daemon_start(args);
}

static void stop(RedfishDaemon *rd)
{
    g_assert_cmpint(tm_test_daemon_stop(rd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(rd->daemon);
    if (rd->users_file) {
        g_autofree char *dir = g_path_get_dirname(rd->users_file);
        tm_test_remove_tree(dir);
        g_free(rd->users_file);
    }
}

/* A tagged backend and 8 MiB of it offered to host 0 in region 1 (sharable). */
static void add_capacity(RedfishDaemon *rd)
{
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd->daemon);
    g_autoptr(json_object) made = tm_test_execute(client, "object-add",
        "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m0\", \"size\": 8388608,"
        " \"tag\": \"" TAG_A "\"}");
    tm_test_assert_return(made);
    g_autoptr(json_object) added = tm_test_execute(client, "cxl-add-dynamic-capacity",
        "{" DCD0 ", \"host-id\": 0, \"selection-policy\": \"free\", \"region\": 1,"
        " \"tag\": \"" TAG_A "\", \"extents\": [{\"offset\": 0, \"len\": 8388608}]}");
    tm_test_assert_return(added);
}

typedef struct {
    guint status;
    json_object *body;
    char *etag;
    char *allow;
    char *authenticate;
} Response;

static void response_clear(Response *r)
{
    json_object_put(r->body);
    g_free(r->etag);
    g_free(r->allow);
    g_free(r->authenticate);
}

/* @method @path over HTTP, with Basic credentials when @user is not NULL. */
static Response request(const RedfishDaemon *rd, const char *method, const char *path,
                        const char *user, const char *password)
{
    g_autoptr(SoupSession) session = soup_session_new();
    g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u%s", rd->port, path);
    g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
    g_autoptr(GError) err = NULL;
    Response r = { 0 };

    g_assert_nonnull(msg);
    if (user != NULL) {
        g_autofree char *pair = g_strdup_printf("%s:%s", user, password);
        g_autofree char *b64 = g_base64_encode((const guchar *)pair, strlen(pair));
        g_autofree char *header = g_strdup_printf("Basic %s", b64);
        soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization",
                                     header);
    }
    g_autoptr(GBytes) bytes = soup_session_send_and_read(session, msg, NULL, &err);
    g_assert_no_error(err);
    SoupMessageHeaders *headers = soup_message_get_response_headers(msg);
    r.status = soup_message_get_status(msg);
    r.etag = g_strdup(soup_message_headers_get_one(headers, "ETag"));
    r.allow = g_strdup(soup_message_headers_get_one(headers, "Allow"));
    r.authenticate = g_strdup(soup_message_headers_get_one(headers, "WWW-Authenticate"));
    g_autofree char *text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
    r.body = json_tokener_parse(text);
    g_assert_nonnull(r.body);
    return r;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Response, response_clear)

/* Headers and as many body bytes as their Content-Length says are in @text. */
static bool response_complete(const char *text)
{
    const char *end = strstr(text, "\r\n\r\n");
    const char *length = g_strstr_len(text, end ? end - text : 0, "\r\nContent-Length: ");

    return length != NULL &&
           strlen(end + 4) >= g_ascii_strtoull(length + strlen("\r\nContent-Length: "), NULL, 10);
}

/* @method @path with @headers, written byte for byte on a socket; the whole response text. */
static char *raw_request(const RedfishDaemon *rd, const char *method, const char *path,
                         const char *headers)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, "127.0.0.1", rd->port, NULL, &err);
    g_assert_no_error(err);
    g_autofree char *text = g_strdup_printf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            "Connection: close\r\n%s\r\n", method, path,
                                            headers);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_assert_true(g_output_stream_write_all(out, text, strlen(text), NULL, NULL, &err));
    g_autoptr(GString) reply = g_string_new(NULL);
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    char buf[4096];
    gssize n;
    /* Until the response is whole: the server may keep reading a body it refused. */
    while (!response_complete(reply->str) &&
           (n = g_input_stream_read(in, buf, sizeof(buf), NULL, &err)) > 0) {
        g_string_append_len(reply, buf, n);
    }
    g_assert_no_error(err);
    return g_string_free(g_steal_pointer(&reply), FALSE);
}

static char *raw_get(const RedfishDaemon *rd, const char *path)
{
    return raw_request(rd, "GET", path, "");
}

static const char *str_at(json_object *obj, const char *pointer)
{
    json_object *value = NULL;

    g_assert_cmpint(json_pointer_get(obj, pointer, &value), ==, 0);
    return json_object_get_string(value);
}

static void assert_error(const Response *r, guint status, const char *message_id)
{
    g_autofree char *code = g_strdup_printf("Base.1.15.0.%s", message_id);

    g_assert_cmpuint(r->status, ==, status);
    g_assert_cmpstr(str_at(r->body, "/error/code"), ==, code);
    g_assert_cmpstr(str_at(r->body, "/error/@Message.ExtendedInfo/0/MessageId"), ==, code);
}

static void test_resources_over_http(void)
{
    RedfishDaemon rd = { 0 };

    start(&rd, false);
    add_capacity(&rd);
    g_auto(Response) chunks = request(&rd, "GET", CHUNKS, NULL, NULL);
    g_assert_cmpuint(chunks.status, ==, 200);
    g_assert_cmpstr(str_at(chunks.body, "/Members@odata.count"), ==, "1");
    g_assert_cmpstr(str_at(chunks.body, "/Members/0/@odata.id"), ==, CHUNKS "/" TAG_A);
    g_auto(Response) chunk = request(&rd, "GET", CHUNKS "/" TAG_A, NULL, NULL);
    g_assert_cmpuint(chunk.status, ==, 200);
    g_assert_cmpstr(str_at(chunk.body, "/MemoryChunkSizeMiB"), ==, "8");
    g_assert_cmpstr(str_at(chunk.body, "/Status/State"), ==, "Starting");
    g_assert_cmpstr(str_at(chunk.body, "/Oem/Tagmem/PendingHosts/0"), ==, "0");
    g_assert_cmpstr(chunk.etag, ==, str_at(chunk.body, "/@odata.etag"));
    g_auto(Response) domain = request(&rd, "GET", "/redfish/v1/Chassis/dcd0/MemoryDomains/1/",
                                      NULL, NULL);
    g_assert_cmpstr(str_at(domain.body, "/Oem/Tagmem/Sharable"), ==, "true");

    g_auto(Response) missing = request(&rd, "GET", "/redfish/v1/Chassis/dcd7", NULL, NULL);
    assert_error(&missing, 404, "ResourceNotFound");
    /* Dot segments, plain and escaped, sent as written (libsoup's client would remove them). */
    g_autofree char *dots = raw_get(&rd, "/redfish/v1/../../etc/passwd");
    g_assert_true(g_str_has_prefix(dots, "HTTP/1.1 404 "));
    g_autofree char *escaped = raw_get(&rd, "/redfish/v1/Chassis/%2e%2e/%2e%2e/%2e%2e/etc/passwd");
    g_assert_true(g_str_has_prefix(escaped, "HTTP/1.1 404 "));
    g_assert_nonnull(strstr(escaped, "ResourceNotFound"));
    g_auto(Response) post = request(&rd, "POST", "/redfish/v1/Chassis", NULL, NULL);
    assert_error(&post, 405, "ActionNotSupported");
    g_assert_cmpstr(post.allow, ==, "GET, HEAD");
    g_auto(Response) del = request(&rd, "DELETE", "/redfish/v1/Chassis/dcd0", NULL, NULL);
    assert_error(&del, 405, "ActionNotSupported");
    g_auto(Response) patch = request(&rd, "PATCH", CHUNKS "/" TAG_A, NULL, NULL);
    assert_error(&patch, 405, "ActionNotSupported");
    g_assert_cmpstr(patch.allow, ==, "GET, HEAD, DELETE");
    /* A body announced as 1 GB (100-continue) is refused from its headers, never read. */
    g_autofree char *big = raw_request(&rd, "POST", CHUNKS,
                                       "Content-Length: 1000000000\r\n"
                                       "Expect: 100-continue\r\n");
    g_assert_true(g_str_has_prefix(big, "HTTP/1.1 413 "));
    /* A body sent anyway is read and dropped, then refused. */
    g_autofree char *chunked = raw_request(&rd, "PATCH", CHUNKS "/" TAG_A,
                                           "Transfer-Encoding: chunked\r\n\r\n"
                                           "5\r\nhello\r\n0\r\n");
    g_assert_true(g_str_has_prefix(chunked, "HTTP/1.1 413 "));
    /* Nothing changed: the chunk is still there, still pending. */
    g_auto(Response) after = request(&rd, "GET", CHUNKS "/" TAG_A, NULL, NULL);
    g_assert_cmpstr(after.etag, ==, chunk.etag);
    stop(&rd);
}

static void test_credentials(void)
{
    RedfishDaemon rd = { 0 };

    start(&rd, true);
    g_auto(Response) anonymous = request(&rd, "GET", "/redfish/v1/Chassis", NULL, NULL);
    assert_error(&anonymous, 401, "AccessDenied");
    g_assert_cmpstr(anonymous.authenticate, ==, "Basic realm=\"tagmem\"");
    g_auto(Response) wrong = request(&rd, "GET", "/redfish/v1/Chassis", "admin", "look");
    assert_error(&wrong, 401, "AccessDenied");
    g_auto(Response) unknown = request(&rd, "GET", "/redfish/v1/Chassis", "root", "s3cret");
    assert_error(&unknown, 401, "AccessDenied");
    /* Credentials first: an anonymous client learns nothing of what exists. */
    g_auto(Response) hidden = request(&rd, "GET", "/redfish/v1/Nothing", NULL, NULL);
    assert_error(&hidden, 401, "AccessDenied");
    g_auto(Response) viewer = request(&rd, "GET", "/redfish/v1/Chassis", "viewer", "look");
    g_assert_cmpuint(viewer.status, ==, 200);
    g_assert_cmpstr(str_at(viewer.body, "/Members/0/@odata.id"), ==, "/redfish/v1/Chassis/dcd0");
    g_auto(Response) admin = request(&rd, "GET", "/redfish/v1/Fabrics/CXL/Endpoints", "admin",
                                     "s3cret");
    g_assert_cmpuint(admin.status, ==, 200);
    /* DSP0266: the service root is open, for discovery. */
    g_auto(Response) root = request(&rd, "GET", "/redfish/v1/", NULL, NULL);
    g_assert_cmpuint(root.status, ==, 200);
    stop(&rd);
}

typedef struct {
    const RedfishDaemon *rd;
    gint done;          /* requests answered */
    gint unavailable;   /* of them, 503 */
} Burst;

static gpointer burst_request(gpointer data)
{
    Burst *burst = data;
    g_auto(Response) r = request(burst->rd, "GET", "/redfish/v1/Chassis", "admin", "s3cret");

    g_assert_true(r.status == 200 || r.status == 503);
    if (r.status == 503) {
        g_atomic_int_inc(&burst->unavailable);
    }
    g_atomic_int_inc(&burst->done);
    return NULL;
}

/*
 * Password checks (a deliberately slow hash) run beside the main loop:
 * QMP answers while a burst of Basic requests is being checked, and
 * checks beyond the limit get 503 with Retry-After instead of piling up.
 */
static void test_checks_beside_the_loop(void)
{
    RedfishDaemon rd = { 0 };
    Burst burst = { .rd = &rd };
    GThread *threads[8];

    start(&rd, true);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
        threads[i] = g_thread_new("burst", burst_request, &burst);
    }
    g_usleep(30 * 1000);   /* the requests are in; their checks take longer than this */
    g_autoptr(json_object) version = tm_test_execute(client, "query-version", NULL);
    tm_test_assert_return(version);
    g_assert_cmpint(g_atomic_int_get(&burst.done), <, (gint)G_N_ELEMENTS(threads));
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
        g_thread_join(threads[i]);
    }
    g_assert_cmpint(burst.unavailable, >, 0);
    stop(&rd);
}

/* redfishtool @args...; returns its exit status, stdout and stderr. */
static int redfishtool(const RedfishDaemon *rd, const char *user, const char *password,
                       const char *method, const char *path, char **out, char **errout)
{
    g_autofree char *target = g_strdup_printf("127.0.0.1:%u", rd->port);
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_new(
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &err, "redfishtool",
        "-S", "Never", "-r", target, "-u", user, "-p", password, "raw", method, path, NULL);

    g_assert_no_error(err);
    g_assert_true(g_subprocess_communicate_utf8(proc, NULL, NULL, out, errout, &err));
    g_assert_no_error(err);
    return g_subprocess_get_exit_status(proc);
}

static void test_redfishtool(void)
{
    g_autofree char *found = g_find_program_in_path("redfishtool");
    if (found == NULL) {
        g_test_skip("redfishtool is not installed (scripts/setup.sh installs it)");
        return;
    }
    RedfishDaemon rd = { 0 };
    g_autofree char *out = NULL;
    g_autofree char *errout = NULL;

    start(&rd, true);
    add_capacity(&rd);
    g_assert_cmpint(redfishtool(&rd, "viewer", "look", "GET", CHUNKS "/" TAG_A, &out, &errout),
                    ==, 0);
    g_autoptr(json_object) chunk = json_tokener_parse(out);
    g_assert_nonnull(chunk);
    g_assert_cmpstr(str_at(chunk, "/Id"), ==, TAG_A);
    g_assert_cmpstr(str_at(chunk, "/Oem/Tagmem/TagState"), ==, "Pending");
    g_clear_pointer(&out, g_free);
    g_clear_pointer(&errout, g_free);

    static const struct {
        const char *password;
        const char *method;
        const char *path;
        const char *fragment;
    } refused[] = {
        { "wrong", "GET", "/redfish/v1/Chassis", "status_code: 401" },
        { "look", "GET", "/redfish/v1/Chassis/dcd0/Nothing", "status_code: 404" },
        { "look", "DELETE", "/redfish/v1/Chassis/dcd0", "status_code: 405" },
        { "look", "DELETE", CHUNKS "/" TAG_A, "status_code: 403" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_assert_cmpint(redfishtool(&rd, "viewer", refused[i].password, refused[i].method,
                                    refused[i].path, &out, &errout), !=, 0);
        if (strstr(errout, refused[i].fragment) == NULL) {
            g_error("redfishtool %s %s: '%s' lacks '%s'", refused[i].method, refused[i].path,
                    errout, refused[i].fragment);
        }
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&errout, g_free);
    }
    stop(&rd);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish/resources_over_http", test_resources_over_http);
    g_test_add_func("/redfish/credentials", test_credentials);
    g_test_add_func("/redfish/redfishtool", test_redfishtool);
    g_test_add_func("/redfish/checks-beside-the-loop", test_checks_beside_the_loop);
    return g_test_run();
}

/*
 * The web page's static files and the read features of the real tagmemd
 * (docs/redfish.md, "Web page", "Query parameters"): content types and
 * cache headers, paths that must not reach outside web/ (sent byte for
 * byte on a socket), $select and $expand, the DPAMap resource.
 */
#include <gio/gio.h>
#include <string.h>

#include "redfish_client.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define DCD0 "\"path\": \"/machine/peripheral/dcd0\""

static const char *str_at(json_object *obj, const char *pointer)
{
    return tm_redfish_test_str_at(obj, pointer);
}

/* @request written as is on a socket; the whole response (the server closes). */
static char *raw(const TmRedfishTestDaemon *rd, const char *request)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocketConnection) conn =
        g_socket_client_connect_to_host(client, "127.0.0.1", rd->port, NULL, &err);
    g_assert_no_error(err);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_assert_true(g_output_stream_write_all(out, request, strlen(request), NULL, NULL, &err));
    g_autoptr(GString) reply = g_string_new(NULL);
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    char buf[4096];
    gssize n;
    while ((n = g_input_stream_read(in, buf, sizeof(buf), NULL, &err)) > 0) {
        g_string_append_len(reply, buf, n);
    }
    g_assert_no_error(err);
    return g_string_free(g_steal_pointer(&reply), FALSE);
}

static char *raw_get(const TmRedfishTestDaemon *rd, const char *path, const char *headers)
{
    g_autofree char *request = g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                               "Connection: close\r\n%s\r\n", path, headers);
    return raw(rd, request);
}

/* POST of the JSON @body to @path with the extra header lines @headers. */
static char *post_as(const TmRedfishTestDaemon *rd, const char *path, const char *headers,
                     const char *body)
{
    g_autofree char *request = g_strdup_printf(
        "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s"
        "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        path, headers, strlen(body), body);
    return raw(rd, request);
}

/* The value of header @name in the response @text, or NULL. */
static char *header(const char *text, const char *name)
{
    g_autofree char *key = g_strdup_printf("\r\n%s: ", name);
    const char *end = strstr(text, "\r\n\r\n");
    const char *at = g_strstr_len(text, end ? end - text : -1, key);

    return at ? g_strndup(at + strlen(key), strcspn(at + strlen(key), "\r")) : NULL;
}

typedef struct {
    const char *path;
    const char *content_type;
} StaticFile;

static const StaticFile files[] = {
    { "/", "text/html; charset=utf-8" },
    { "/index.html", "text/html; charset=utf-8" },
    { "/tagmem.css", "text/css; charset=utf-8" },
    { "/tagmem.js", "text/javascript; charset=utf-8" },
};

/* Paths that must name nothing, whatever is on the disk. */
static const char *const refused[] = {
    "/../meson.build", "/%2e%2e/meson.build", "/..%2fmeson.build", "/%2e%2e%2fmeson.build",
    "/web/../../etc/passwd", "/../../../../etc/passwd", "/.hidden.js", "/meson.build",
    "/tagmem.js/", "/tagmem.js%00.html", "//etc/passwd", "/etc/passwd", "/%2fetc%2fpasswd.html",
    "/nothing.html", "/tagmem.js.bak", "/index.html/../../meson.build",
};

/* Paths libsoup resolves (RFC 3986 §5.2.4) to "/" before the handler: the page itself. */
static const char *const resolved_to_index[] = { "/..", "/.", "/a/..", "/index.html?../../x" };

static void test_static_files(void)
{
    TmRedfishTestDaemon rd = { 0 };

    tm_redfish_test_start(&rd, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *reply = raw_get(&rd, files[i].path, "");
        g_test_message("GET %s", files[i].path);
        g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 200 "));
        g_autofree char *type = header(reply, "Content-Type");
        g_assert_cmpstr(type, ==, files[i].content_type);
        g_autofree char *cache = header(reply, "Cache-Control");
        g_assert_cmpstr(cache, ==, "no-cache");
        g_autofree char *etag = header(reply, "ETag");
        g_assert_nonnull(etag);
        /* The same ETag back: 304, no body. */
        g_autofree char *match = g_strdup_printf("If-None-Match: %s\r\n", etag);
        g_autofree char *again = raw_get(&rd, files[i].path, match);
        g_assert_true(g_str_has_prefix(again, "HTTP/1.1 304 "));
        g_assert_true(g_str_has_suffix(again, "\r\n\r\n"));
    }
    g_autofree char *page = raw_get(&rd, "/", "");
    g_assert_nonnull(strstr(page, "<script src=\"tagmem.js\""));
    g_autofree char *csp = header(page, "Content-Security-Policy");
    g_assert_nonnull(csp);
    g_assert_nonnull(strstr(csp, "default-src 'self'"));
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autofree char *reply = raw_get(&rd, refused[i], "");
        g_test_message("GET %s", refused[i]);
        g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 404 ") ||
                      g_str_has_prefix(reply, "HTTP/1.1 400 "));
        g_assert_null(strstr(reply, "project("));   /* meson.build's first line */
        g_assert_null(strstr(reply, "root:"));      /* /etc/passwd's */
    }
    for (size_t i = 0; i < G_N_ELEMENTS(resolved_to_index); i++) {
        g_autofree char *reply = raw_get(&rd, resolved_to_index[i], "");
        g_test_message("GET %s", resolved_to_index[i]);
        g_assert_true(g_str_has_prefix(reply, "HTTP/1.1 200 "));
        g_assert_nonnull(strstr(reply, "<script src=\"tagmem.js\""));
    }
    /* Not GET: refused, the file unchanged. */
    g_autofree char *del = raw(&rd, "DELETE /tagmem.js HTTP/1.1\r\nHost: x\r\n"
                                    "Connection: close\r\n\r\n");
    g_assert_true(g_str_has_prefix(del, "HTTP/1.1 405 "));
    g_autofree char *allow = header(del, "Allow");
    g_assert_cmpstr(allow, ==, "GET, HEAD");
    tm_redfish_test_stop(&rd);
}

static void test_queries(void)
{
    TmRedfishTestDaemon rd = { 0 };

    tm_redfish_test_start(&rd, NULL);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(rd.daemon);
    g_autoptr(json_object) made = tm_test_execute(client, "object-add",
        "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"m0\", \"size\": 8388608,"
        " \"tag\": \"" TAG_A "\"}");
    tm_test_assert_return(made);
    g_autoptr(json_object) added = tm_test_execute(client, "cxl-add-dynamic-capacity",
        "{" DCD0 ", \"host-id\": 1, \"selection-policy\": \"free\", \"region\": 1,"
        " \"tag\": \"" TAG_A "\", \"extents\": [{\"offset\": 0, \"len\": 8388608}]}");
    tm_test_assert_return(added);

    g_autoptr(json_object) root = tm_redfish_test_get(&rd, "/redfish/v1");
    g_assert_cmpstr(str_at(root, "/ProtocolFeaturesSupported/SelectQuery"), ==, "true");
    g_assert_cmpstr(str_at(root, "/ProtocolFeaturesSupported/ExpandQuery/NoLinks"), ==, "true");
    g_assert_cmpstr(str_at(root, "/ProtocolFeaturesSupported/ExpandQuery/MaxLevels"), ==, "1");
    g_assert_cmpstr(str_at(root, "/ProtocolFeaturesSupported/FilterQuery"), ==, "false");

    g_autoptr(json_object) selected = tm_redfish_test_get(
        &rd, "/redfish/v1/Chassis/dcd0?$select=SerialNumber,Oem/Tagmem");
    g_assert_cmpstr(str_at(selected, "/@odata.id"), ==, "/redfish/v1/Chassis/dcd0");
    g_assert_nonnull(json_object_object_get(selected, "@odata.etag"));
    g_assert_cmpstr(str_at(selected, "/SerialNumber"), ==, "ffffffffffffffff");
    g_assert_nonnull(json_object_object_get(selected, "Oem"));
    g_assert_null(json_object_object_get(selected, "ChassisType"));
    g_assert_null(json_object_object_get(selected, "Name"));

    const char *chunks = "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks";
    g_autofree char *expand = g_strdup_printf("%s?$expand=.($levels=1)", chunks);
    g_autoptr(json_object) expanded = tm_redfish_test_get(&rd, expand);
    g_assert_cmpstr(str_at(expanded, "/Members@odata.count"), ==, "1");
    g_assert_cmpstr(str_at(expanded, "/Members/0/Oem/Tagmem/PendingHosts/0"), ==, "1");
    g_assert_cmpstr(str_at(expanded, "/Members/0/MemoryChunkSizeMiB"), ==, "8");
    g_autofree char *both = g_strdup_printf("%s?$expand=.&$select=Members", chunks);
    g_autoptr(json_object) members = tm_redfish_test_get(&rd, both);
    g_assert_cmpstr(str_at(members, "/Members/0/Id"), ==, TAG_A);
    g_assert_null(json_object_object_get(members, "Members@odata.count"));

    /* Not supported, or not a value this service takes. */
    g_autoptr(json_object) filter = NULL;
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", "/redfish/v1/Chassis?$filter=Id%20eq%201",
                                             NULL, &filter), ==, 501);
    g_assert_cmpstr(str_at(filter, "/error/code"), ==, "Base.1.15.0.QueryNotSupported");
    g_autoptr(json_object) levels = NULL;
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", "/redfish/v1/Chassis?$expand=*",
                                             NULL, &levels), ==, 400);
    g_assert_cmpstr(str_at(levels, "/error/code"), ==,
                    "Base.1.15.0.QueryParameterValueFormatError");
    g_autoptr(json_object) empty = NULL;
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", "/redfish/v1/Chassis?$select=Id,,Name",
                                             NULL, &empty), ==, 400);
    /* Parameters that are not the service's are ignored. */
    g_autoptr(json_object) other = tm_redfish_test_get(&rd, "/redfish/v1/Chassis?cache=1");
    g_assert_cmpstr(str_at(other, "/Members@odata.count"), ==, "1");

    g_autoptr(json_object) map = tm_redfish_test_get(&rd,
                                                     "/redfish/v1/Chassis/dcd0/Oem/Tagmem/DPAMap");
    g_assert_cmpstr(str_at(map, "/Hosts"), ==, "2");
    g_assert_cmpstr(str_at(map, "/Regions/1/BaseDPA"), ==, "17179869184");
    g_assert_cmpstr(str_at(map, "/Extents/0/0"), ==, "1");            /* host */
    g_assert_cmpstr(str_at(map, "/Extents/0/1"), ==, "17179869184");  /* DPA */
    g_assert_cmpstr(str_at(map, "/Extents/0/2"), ==, "8388608");      /* length */
    g_assert_cmpstr(str_at(map, "/Extents/0/3"), ==, "0");            /* pending */
    g_assert_cmpstr(str_at(map, "/Tags/0"), ==, TAG_A);
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET",
                                             "/redfish/v1/Chassis/dcd9/Oem/Tagmem/DPAMap", NULL,
                                             NULL), ==, 404);

    /* The device's memory: one Memory resource, the DC regions as its Regions. */
    g_autoptr(json_object) chassis = tm_redfish_test_get(&rd, "/redfish/v1/Chassis/dcd0");
    g_assert_cmpstr(str_at(chassis, "/Memory/@odata.id"), ==, "/redfish/v1/Chassis/dcd0/Memory");
    g_autoptr(json_object) memories = tm_redfish_test_get(&rd, "/redfish/v1/Chassis/dcd0/Memory");
    g_assert_cmpstr(str_at(memories, "/Members/0/@odata.id"), ==,
                    "/redfish/v1/Chassis/dcd0/Memory/DC");
    g_autoptr(json_object) memory = tm_redfish_test_get(&rd, "/redfish/v1/Chassis/dcd0/Memory/DC");
    g_assert_cmpstr(str_at(memory, "/CapacityMiB"), ==, "32768");
    g_assert_cmpstr(str_at(memory, "/Regions/1/OffsetMiB"), ==, "16384");
    g_assert_cmpstr(str_at(memory, "/Regions/1/SizeMiB"), ==, "16384");
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", "/redfish/v1/Chassis/dcd0/Memory/dc",
                                             NULL, NULL), ==, 404);
    g_assert_cmpuint(tm_redfish_test_request(&rd, "GET", "/redfish/v1/Chassis/dcd0/Memory/DC/x",
                                             NULL, NULL), ==, 404);
    tm_redfish_test_stop(&rd);
}

/* "tagmem passwd FILE USER --role ROLE" with @password on stdin. */
/*
 * With users: the page's files are public (they hold nothing), the event
 * stream and the subscriptions are not, and a refused POST creates nothing.
 * A subscription makes the daemon send requests where its creator says, so
 * only an Operator may create one: a ReadOnly user gets 403.
 */
static void test_credentials(void)
{
    TmRedfishTestDaemon rd = { 0 };
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *users = g_build_filename(dir, "users", NULL);
    g_autofree char *redfish = NULL;
    static const char subscription[] = "{\"Destination\": \"http://127.0.0.1:9/\"}";
    /* viewer:look */
    static const char credentials[] = "Authorization: Basic dmlld2VyOmxvb2s=\r\n";
    /* admin:s3cret */
    static const char operator[] = "Authorization: Basic YWRtaW46czNjcmV0\r\n";

    tm_redfish_test_set_password(users, "viewer", "ReadOnly", "look");
    tm_redfish_test_set_password(users, "admin", "Operator", "s3cret");
    rd.port = tm_redfish_test_free_port();
    redfish = g_strdup_printf("addr=127.0.0.1:%u,users=%s", rd.port, users);
    const char *args[] = { "-redfish", redfish, NULL };
    rd.daemon = tm_test_daemon_start(args);

    g_autofree char *page = raw_get(&rd, "/", "");
    g_assert_true(g_str_has_prefix(page, "HTTP/1.1 200 "));
    g_autofree char *sse = raw_get(&rd, "/redfish/v1/EventService/SSE", "");
    g_assert_true(g_str_has_prefix(sse, "HTTP/1.1 401 "));
    g_autofree char *map = raw_get(&rd, "/redfish/v1/Chassis/dcd0/Oem/Tagmem/DPAMap", "");
    g_assert_true(g_str_has_prefix(map, "HTTP/1.1 401 "));
    g_autofree char *post = g_strdup_printf(
        "POST /redfish/v1/EventService/Subscriptions HTTP/1.1\r\nHost: x\r\n"
        "Connection: close\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        strlen(subscription), subscription);
    g_autofree char *unauthorized = raw(&rd, post);
    g_assert_true(g_str_has_prefix(unauthorized, "HTTP/1.1 401 "));
    g_autofree char *as_viewer = post_as(&rd, "/redfish/v1/EventService/Subscriptions",
                                         credentials, subscription);
    g_assert_true(g_str_has_prefix(as_viewer, "HTTP/1.1 403 "));
    g_assert_nonnull(strstr(as_viewer, "InsufficientPrivilege"));
    g_autofree char *list = raw_get(&rd, "/redfish/v1/EventService/Subscriptions", credentials);
    g_assert_true(g_str_has_prefix(list, "HTTP/1.1 200 "));
    g_assert_nonnull(strstr(list, "\"Members@odata.count\":0"));
    g_autofree char *as_operator = post_as(&rd, "/redfish/v1/EventService/Subscriptions",
                                           operator, subscription);
    g_assert_true(g_str_has_prefix(as_operator, "HTTP/1.1 201 "));
    g_autofree char *after = raw_get(&rd, "/redfish/v1/EventService/Subscriptions", credentials);
    g_assert_nonnull(strstr(after, "\"Members@odata.count\":1"));
    tm_redfish_test_stop(&rd);
    tm_test_remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish-web/static-files", test_static_files);
    g_test_add_func("/redfish-web/queries", test_queries);
    g_test_add_func("/redfish-web/credentials", test_credentials);
    return g_test_run();
}

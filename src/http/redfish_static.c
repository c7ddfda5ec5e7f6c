#include "http/redfish_static.h"

#include <string.h>
#include <sys/stat.h>

#include "http/redfish_send.h"

/* The web page's files are small; anything larger is not one of them. */
#define TM_STATIC_MAX_BYTES (4 * 1024 * 1024)

typedef struct {
    const char *suffix;
    const char *content_type;
} StaticType;

static const StaticType static_types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
};

const char *tm_redfish_static_dir(void)
{
    const char *dir = g_getenv("TAGMEM_WEB_DIR");

    return dir != NULL && dir[0] != '\0' ? dir : TM_WEB_DIR;
}

bool tm_redfish_static_owns(const char *path)
{
    return strcmp(path, "/redfish") != 0 && !g_str_has_prefix(path, "/redfish/");
}

/* The file name @path asks for, or NULL when it is not a plain name of a known type. */
static const StaticType *file_type(const char *name)
{
    if (!g_ascii_isalnum(name[0])) {
        return NULL;
    }
    for (const char *c = name; *c != '\0'; c++) {
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '-' && *c != '_') {
            return NULL;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(static_types); i++) {
        if (g_str_has_suffix(name, static_types[i].suffix)) {
            return &static_types[i];
        }
    }
    return NULL;
}

static void not_found(SoupServerMessage *msg, const char *path)
{
    tm_redfish_send_error(msg, SOUP_STATUS_NOT_FOUND, "ResourceNotFound",
                           "The requested resource was not found.", path,
                           "Provide a valid resource identifier and resubmit the request.");
}

/* The file's contents, or NULL when it is not a regular file of a sane size. */
static char *read_file(const char *file, gsize *size, char **etag)
{
    struct stat st;
    char *contents = NULL;

    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TM_STATIC_MAX_BYTES ||
        !g_file_get_contents(file, &contents, size, NULL)) {
        return NULL;
    }
    *etag = g_strdup_printf("W/\"%jx-%jx\"", (uintmax_t)st.st_size,
                            (uintmax_t)st.st_mtim.tv_sec * 1000000000u + st.st_mtim.tv_nsec);
    return contents;
}

void tm_redfish_static_serve(const char *dir, SoupServerMessage *msg, const char *path)
{
    const char *method = soup_server_message_get_method(msg);
    const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
    const StaticType *type = file_type(name);
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    gsize size = 0;
    g_autofree char *etag = NULL;
    g_autofree char *file = type ? g_build_filename(dir, name, NULL) : NULL;
    g_autofree char *contents = file ? read_file(file, &size, &etag) : NULL;

    if (contents == NULL) {
        not_found(msg, path);
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        soup_message_headers_replace(headers, "Allow", "GET, HEAD");
        tm_redfish_send_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "ActionNotSupported",
                               "The action is not supported by the resource.", method,
                               "The action supplied cannot be resubmitted to the "
                               "implementation.");
        return;
    }
    /*
     * Cached, but checked with the server on every use (RFC 9111 §5.2.2.4):
     * an upgraded daemon's page is never mixed with an old one's files.
     */
    soup_message_headers_replace(headers, "Cache-Control", "no-cache");
    soup_message_headers_replace(headers, "ETag", etag);
    /* Everything the page loads comes from here: no CDN, no inline code. */
    soup_message_headers_replace(headers, "Content-Security-Policy",
                                 "default-src 'self'; img-src 'self' data:");
    soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
    const char *match = soup_message_headers_get_one(
        soup_server_message_get_request_headers(msg), "If-None-Match");
    if (match != NULL && strcmp(match, etag) == 0) {
        soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, NULL);
        return;
    }
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response(msg, type->content_type, SOUP_MEMORY_TAKE,
                                     g_steal_pointer(&contents), size);
}

#include "redfish_client.h"

#include <string.h>

guint16 tm_redfish_test_free_port(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, &err);
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);

    g_assert_no_error(err);
    g_assert_true(g_socket_bind(sock, any, FALSE, &err));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(sock, &err);
    g_assert_no_error(err);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

void tm_redfish_test_set_password(const char *file, const char *user, const char *role,
                                  const char *password)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE, &err,
                                                   g_getenv("TAGMEM"), "passwd", file, user,
                                                   "--role", role, NULL);
    g_autofree char *input = g_strdup_printf("%s\n", password);

    g_assert_no_error(err);
    g_assert_true(g_subprocess_communicate_utf8(proc, input, NULL, NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(g_subprocess_get_if_exited(proc));
    g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
}

void tm_redfish_test_start(TmRedfishTestDaemon *rd, const char *const *extra_args)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

    rd->port = tm_redfish_test_free_port();
    g_ptr_array_add(args, g_strdup("-redfish"));
    g_ptr_array_add(args, g_strdup_printf("addr=127.0.0.1:%u", rd->port));
    for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
        g_ptr_array_add(args, g_strdup(extra_args[i]));
    }
    g_ptr_array_add(args, NULL);
    rd->daemon = tm_test_daemon_start((const char *const *)args->pdata);
}

void tm_redfish_test_stop(TmRedfishTestDaemon *rd)
{
    g_assert_cmpint(tm_test_daemon_stop(rd->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(rd->daemon);
    rd->daemon = NULL;
}

guint tm_redfish_test_request(const TmRedfishTestDaemon *rd, const char *method,
                              const char *path, const char *body, json_object **reply)
{
    g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 10, NULL);
    g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u%s", rd->port, path);
    g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(msg);
    if (body != NULL) {
        g_autoptr(GBytes) bytes = g_bytes_new(body, strlen(body));
        soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
    }
    g_autoptr(GBytes) answer = soup_session_send_and_read(session, msg, NULL, &err);
    g_assert_no_error(err);
    if (reply != NULL) {
        g_autofree char *text = g_strndup(g_bytes_get_data(answer, NULL),
                                          g_bytes_get_size(answer));
        *reply = json_tokener_parse(text);
    }
    return soup_message_get_status(msg);
}

json_object *tm_redfish_test_get(const TmRedfishTestDaemon *rd, const char *path)
{
    json_object *reply = NULL;

    g_assert_cmpuint(tm_redfish_test_request(rd, "GET", path, NULL, &reply), ==, 200);
    g_assert_nonnull(reply);
    return reply;
}

void tm_redfish_test_answer(const TmRedfishTestDaemon *rd, int host, const char *policy)
{
    const char *tagmem = g_getenv("TAGMEM");
    g_autofree char *socket = g_strdup_printf("%s/tagmem/host%d.sock", rd->daemon->dir, host);
    g_autofree char *id = g_strdup_printf("%d", host);
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(tagmem);
    g_autoptr(GSubprocess) proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err,
                                                   tagmem, "host-agent", "--host", id,
                                                   "--socket", socket, "--once", "--policy",
                                                   policy, NULL);
    g_assert_no_error(err);
    g_assert_true(g_subprocess_wait_check(proc, NULL, &err));
    g_assert_no_error(err);
}

void tm_redfish_test_stream_open(TmRedfishTestStream *stream, const TmRedfishTestDaemon *rd)
{
    g_autofree char *uri = g_strdup_printf("http://127.0.0.1:%u/redfish/v1/EventService/SSE",
                                           rd->port);
    g_autoptr(GError) err = NULL;

    stream->session = soup_session_new_with_options("timeout", 10, NULL);
    stream->msg = soup_message_new("GET", uri);
    GInputStream *body = soup_session_send(stream->session, stream->msg, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(soup_message_get_status(stream->msg), ==, 200);
    g_assert_cmpstr(soup_message_headers_get_content_type(
                        soup_message_get_response_headers(stream->msg), NULL),
                    ==, "text/event-stream");
    stream->lines = g_data_input_stream_new(body);
    g_object_unref(body);
}

json_object *tm_redfish_test_stream_next(TmRedfishTestStream *stream, char **event_id)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) err = NULL;

    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line_utf8(stream->lines, NULL, NULL,
                                                                   &err);
        g_assert_no_error(err);
        g_assert_nonnull(line);
        if (line[0] == '\0' && data != NULL) {
            break;
        }
        if (g_str_has_prefix(line, "id: ")) {
            g_free(*event_id);
            *event_id = g_strdup(line + 4);
        } else if (g_str_has_prefix(line, "data: ")) {
            g_assert_null(data);  /* one data line per event */
            data = g_strdup(line + 6);
        }
    }
    json_object *event = json_tokener_parse(data);
    g_assert_nonnull(event);
    return event;
}

void tm_redfish_test_stream_close(TmRedfishTestStream *stream)
{
    g_clear_object(&stream->lines);
    g_clear_object(&stream->msg);
    g_clear_object(&stream->session);
}

const char *tm_redfish_test_str_at(json_object *obj, const char *pointer)
{
    json_object *value = NULL;

    g_assert_cmpint(json_pointer_get(obj, pointer, &value), ==, 0);
    return json_object_get_string(value);
}

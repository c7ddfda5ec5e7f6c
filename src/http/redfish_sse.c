#include "http/redfish_sse.h"

#include <string.h>
#include <sys/socket.h>

typedef struct {
    TmRedfishSse *sse;
    SoupServerMessage *msg;  /* a reference */
    GQueue chunk_sizes;      /* of the chunks libsoup has not written yet (GSIZE_TO_POINTER) */
    gsize backlog;           /* their sum */
    bool dropped;            /* shut down for its backlog; waits for "finished" */
} Stream;

struct TmRedfishSse {
    TmRedfishEvents *events;
    guint sink_id;
    GList *streams;          /* Stream */
    guint64 dropped;
    guint keepalive_source;  /* while there are streams */
};

static void stream_free(Stream *stream)
{
    g_signal_handlers_disconnect_by_data(stream->msg, stream);
    g_object_unref(stream->msg);
    g_queue_clear(&stream->chunk_sizes);
    g_free(stream);
}

static void stream_finished(SoupServerMessage *msg, gpointer data)
{
    Stream *stream = data;

    stream->sse->streams = g_list_remove(stream->sse->streams, stream);
    stream_free(stream);
}

/* libsoup wrote the oldest chunk to the socket. */
static void stream_wrote_chunk(SoupServerMessage *msg, gpointer data)
{
    Stream *stream = data;

    if (!g_queue_is_empty(&stream->chunk_sizes)) {
        stream->backlog -= GPOINTER_TO_SIZE(g_queue_pop_head(&stream->chunk_sizes));
    }
}

/*
 * Too far behind: shut the socket down, so that libsoup's pending write
 * fails and it finishes the message itself (it still owns the connection).
 */
static void stream_drop(Stream *stream)
{
    GSocket *socket = soup_server_message_get_socket(stream->msg);

    stream->dropped = true;
    stream->sse->dropped++;
    g_message("redfish: SSE client dropped: %" G_GSIZE_FORMAT " bytes unread",
              stream->backlog);
    if (socket != NULL) {
        g_socket_shutdown(socket, TRUE, TRUE, NULL);
    }
}

static void stream_send(Stream *stream, const char *text, gsize len)
{
    if (stream->dropped) {
        return;
    }
    /* A client that has taken everything gets any one event, however large (10k extents). */
    if (stream->backlog > 0 && stream->backlog + len > TM_REDFISH_SSE_BACKLOG) {
        stream_drop(stream);
        return;
    }
    soup_message_body_append(soup_server_message_get_response_body(stream->msg), SOUP_MEMORY_COPY,
                             text, len);
    g_queue_push_tail(&stream->chunk_sizes, GSIZE_TO_POINTER(len));
    stream->backlog += len;
    soup_server_message_unpause(stream->msg);
}

/* @text to every stream. */
static void send_all(TmRedfishSse *sse, const char *text)
{
    gsize len = strlen(text);
    GList *next = NULL;

    /* The next one first: a stream may be finished (and removed) as it is written to. */
    for (GList *l = sse->streams; l != NULL; l = next) {
        next = l->next;
        stream_send(l->data, text, len);
    }
}

static gboolean keep_alive(gpointer data)
{
    TmRedfishSse *sse = data;

    if (sse->streams == NULL) {
        sse->keepalive_source = 0;
        return G_SOURCE_REMOVE;
    }
    send_all(sse, ": keep-alive\n\n");
    return G_SOURCE_CONTINUE;
}

static void on_event(const char *event_id, json_object *event, gpointer opaque)
{
    TmRedfishSse *sse = opaque;

    if (sse->streams == NULL) {
        return;
    }
    /* The JSON text has no newline (plain output), so it is one "data:" line. */
    g_autofree char *text = g_strdup_printf(
        "id: %s\ndata: %s\n\n", event_id,
        json_object_to_json_string_ext(event, JSON_C_TO_STRING_PLAIN));
    send_all(sse, text);
}

TmRedfishSse *tm_redfish_sse_new(TmRedfishEvents *events)
{
    TmRedfishSse *sse = g_new0(TmRedfishSse, 1);

    sse->events = events;
    sse->sink_id = tm_redfish_events_add_sink(events, on_event, sse);
    return sse;
}

void tm_redfish_sse_free(TmRedfishSse *sse)
{
    if (sse == NULL) {
        return;
    }
    tm_redfish_events_remove_sink(sse->events, sse->sink_id);
    g_clear_handle_id(&sse->keepalive_source, g_source_remove);
    g_list_free_full(sse->streams, (GDestroyNotify)stream_free);
    g_free(sse);
}

void tm_redfish_sse_open(TmRedfishSse *sse, SoupServerMessage *msg)
{
    SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
    GSocket *socket = soup_server_message_get_socket(msg);
    Stream *stream = g_new0(Stream, 1);

    stream->sse = sse;
    stream->msg = g_object_ref(msg);
    g_queue_init(&stream->chunk_sizes);
    if (socket != NULL) {
        g_socket_set_option(socket, SOL_SOCKET, SO_SNDBUF, TM_REDFISH_SSE_SNDBUF, NULL);
        /*
         * A stream is quiet on purpose: no idle timeout of the connection
         * applies to it; the backlog bound and the keep-alive lines do.
         */
        g_socket_set_timeout(socket, 0);
    }
    soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
    soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
    soup_message_headers_replace(headers, "Content-Type", "text/event-stream");
    soup_message_headers_replace(headers, "Cache-Control", "no-cache");
    soup_message_headers_replace(headers, "X-Accel-Buffering", "no");
    g_signal_connect(msg, "wrote-chunk", G_CALLBACK(stream_wrote_chunk), stream);
    g_signal_connect(msg, "finished", G_CALLBACK(stream_finished), stream);
    sse->streams = g_list_prepend(sse->streams, stream);
    if (sse->keepalive_source == 0) {
        sse->keepalive_source = g_timeout_add_seconds(TM_REDFISH_SSE_KEEPALIVE, keep_alive, sse);
    }
    /* A comment line first, so that the client sees the headers at once. */
    static const char hello[] = ": tagmem event stream\n\n";
    stream_send(stream, hello, strlen(hello));
}

guint tm_redfish_sse_count(const TmRedfishSse *sse)
{
    return g_list_length(sse->streams);
}

guint64 tm_redfish_sse_dropped(const TmRedfishSse *sse)
{
    return sse->dropped;
}

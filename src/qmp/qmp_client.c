#include "qmp/qmp_client.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp/json_stream.h"
#include "qmp/qmp_command.h"
#include "qmp/qmp_dispatch.h"
#include "qmp/qmp_reply_stream.h"

/* A message read from the socket, waiting for its answer. */
typedef struct {
    json_object *request; /* the value (NULL is JSON null) ... */
    GError *error;        /* ... or why the stream refused it */
} TmQmpPending;

struct TmQmpClient {
    int fd;
    TmQmpEnv *env;
    TmQmpSession session;
    TmJsonStream *stream;
    GQueue pending;      /* TmQmpPending *, in arrival order */
    GByteArray *output;  /* serialized messages not yet fully sent */
    size_t output_sent;  /* bytes at the head of @output already sent */
    /* A response being written piece by piece; events wait in @held behind it. */
    TmQmpReplyStream *streaming;
    GByteArray *held;
    size_t event_bytes;  /* events queued since @output last drained */
    guint id;            /* for log lines: the order clients came in */
    TmFdWatch *watch;    /* the socket on the daemon's dispatcher */
    TmQmpLater *waiting; /* a command answering later; requests wait behind it */
    bool input_ended;    /* the peer will send no more */
    bool closed;
    TmQmpClientClosedFn closed_fn;
    void *closed_opaque;
};

static void pending_free(TmQmpPending *pending)
{
    json_object_put(pending->request);
    g_clear_error(&pending->error);
    g_free(pending);
}

/* Bytes of @output not yet sent. */
static size_t unsent(const TmQmpClient *client)
{
    return client->output->len - client->output_sent;
}

/* Everything waiting to be sent: @output and what waits behind a streamed response. */
static size_t output_queued(const TmQmpClient *client)
{
    return unsent(client) + client->held->len;
}

static void end_stream(TmQmpClient *client)
{
    tm_qmp_reply_stream_free(client->streaming);
    client->streaming = NULL;
}

/* Keep the global count of queued bytes: @before was output_queued() before a change. */
static void account_output(TmQmpClient *client, size_t before)
{
    client->env->output_queued -= before;
    client->env->output_queued += output_queued(client);
}

static void client_close(TmQmpClient *client)
{
    if (client->closed) {
        return;
    }
    client->env->output_queued -= output_queued(client);
    g_byte_array_set_size(client->output, 0);
    g_byte_array_set_size(client->held, 0);
    client->output_sent = 0;
    end_stream(client);
    client->closed = true;
    g_clear_pointer(&client->watch, tm_fd_watch_free);
    close(client->fd);
    client->fd = -1;
    client->closed_fn(client, client->closed_opaque);
}

/*
 * QEMU ends every QMP message with CR LF.  A message that comes while a
 * response is streaming waits behind it.  Returns the bytes queued.
 */
static size_t queue_message(TmQmpClient *client, json_object *message)
{
    size_t len;
    size_t before = output_queued(client);
    GByteArray *target = client->streaming ? client->held : client->output;
    const char *text = json_object_to_json_string_length(
        message, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    g_byte_array_append(target, (const guint8 *)text, len);
    g_byte_array_append(target, (const guint8 *)"\r\n", 2);
    account_output(client, before);
    return len + 2;
}

/* A drained queue gives its memory back: an idle client keeps no buffer. */
static void compact_output(TmQmpClient *client)
{
    if (client->output_sent == client->output->len) {
        if (client->output->len > TM_QMP_CLIENT_READ_SIZE) {
            g_byte_array_unref(client->output);
            client->output = g_byte_array_new();
        }
        g_byte_array_set_size(client->output, 0);
        client->output_sent = 0;
        /* Events held behind a streaming response are still unread. */
        client->event_bytes = client->held->len;
    } else if (client->output_sent > client->output->len / 2) {
        g_byte_array_remove_range(client->output, 0, client->output_sent);
        client->output_sent = 0;
    }
}

/* Write what the socket takes now; never blocks. */
static void flush_output(TmQmpClient *client)
{
    while (!client->closed && unsent(client) > 0) {
        ssize_t n = send(client->fd, client->output->data + client->output_sent,
                         unsent(client), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            client->output_sent += n;
            client->env->output_queued -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            client_close(client);
            return;
        }
    }
    compact_output(client);
}

static void on_stream_message(void *opaque, json_object *value, GError *error)
{
    TmQmpClient *client = opaque;
    TmQmpPending *pending = g_new0(TmQmpPending, 1);

    pending->request = value;
    pending->error = error;
    g_queue_push_tail(&client->pending, pending);
}

static void answer(TmQmpClient *client, TmQmpPending *pending)
{
    json_object *response = pending->error
                                ? tm_qmp_error_response(pending->error)
                                : tm_qmp_dispatch(client->env, &client->session,
                                                  pending->request);

    if (response == NULL) {
        client->waiting = g_steal_pointer(&client->session.later);
        client->streaming = g_steal_pointer(&client->session.stream);
        return;
    }
    if (!client->closed) {
        queue_message(client, response);
    }
    json_object_put(response);
    if (client->session.quit_requested) {
        /* QEMU sends quit's reply before it stops; so do we. */
        client->session.quit_requested = false;
        flush_output(client);
        if (client->env->request_quit) {
            client->env->request_quit(client->env->quit_opaque);
        }
    }
}

/* A request waits and nothing holds it back: no deferred answer, no stream, room for output. */
static bool can_answer(TmQmpClient *client)
{
    return !client->closed && client->waiting == NULL && client->streaming == NULL &&
           !g_queue_is_empty(&client->pending) &&
           output_queued(client) < TM_QMP_CLIENT_OUTPUT_HIGH;
}

/* Answer waiting requests in order, a few per turn (fairness). */
static void answer_pending(TmQmpClient *client)
{
    for (guint answered = 0; answered < TM_QMP_CLIENT_REQUESTS_PER_TURN && can_answer(client);
         answered++) {
        TmQmpPending *pending = g_queue_pop_head(&client->pending);
        answer(client, pending);
        pending_free(pending);
    }
}

static void read_input(TmQmpClient *client)
{
    char buffer[TM_QMP_CLIENT_READ_SIZE];
    ssize_t n = recv(client->fd, buffer, sizeof(buffer), MSG_DONTWAIT);

    if (n > 0) {
        tm_json_stream_feed(client->stream, buffer, n);
    } else if (n == 0) {
        tm_json_stream_finish(client->stream);
        client->input_ended = true;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        client_close(client);
    }
}

/*
 * One piece of a streamed response per dispatch, and only when the socket
 * has taken the previous ones: between pieces the loop serves everyone else.
 */
static void stream_piece(TmQmpClient *client)
{
    if (client->streaming == NULL || unsent(client) >= TM_QMP_CLIENT_STREAM_PIECE) {
        return;
    }
    size_t before = output_queued(client);
    g_autoptr(GString) piece = g_string_sized_new(TM_QMP_CLIENT_STREAM_PIECE + 512);
    bool done = tm_qmp_reply_stream_next(client->streaming, piece, TM_QMP_CLIENT_STREAM_PIECE);

    g_byte_array_append(client->output, (const guint8 *)piece->str, piece->len);
    if (done) {
        end_stream(client);
        g_byte_array_append(client->output, client->held->data, client->held->len);
        g_byte_array_unref(client->held);
        client->held = g_byte_array_new();
    }
    account_output(client, before);
}

static void update_events(TmQmpClient *client)
{
    GIOCondition events = 0;

    if (!client->input_ended && g_queue_is_empty(&client->pending) &&
        output_queued(client) < TM_QMP_CLIENT_OUTPUT_HIGH) {
        events |= G_IO_IN;
    }
    /*
     * A streaming response goes on when the socket can take more; so do
     * requests left for the next turn (a full socket must be read first
     * anyway).
     */
    if (unsent(client) > 0 || client->streaming || can_answer(client)) {
        events |= G_IO_OUT;
    }
    tm_fd_watch_set_interest(client->watch, events);
}

static void make_progress(TmQmpClient *client)
{
    stream_piece(client);
    answer_pending(client);
    flush_output(client);
    if (client->closed) {
        return;
    }
    if (client->input_ended && g_queue_is_empty(&client->pending) &&
        client->waiting == NULL && client->streaming == NULL && output_queued(client) == 0) {
        client_close(client);
        return;
    }
    update_events(client);
}

/* One read and a few answers per turn: every client has its turn in each pass. */
static void on_ready(GIOCondition revents, void *opaque)
{
    TmQmpClient *client = opaque;

    if (revents & G_IO_OUT) {
        flush_output(client);
    }
    if (!client->closed && (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR)) &&
        !client->input_ended) {
        read_input(client);
    }
    if (!client->closed) {
        make_progress(client);
    }
}

/*
 * The deferred answer arrives, possibly inside another client's command
 * (object-del cancels): queue it and let the client's own dispatch send it
 * and answer what waited behind it, so no client runs inside another.
 */
static void deliver_later(void *opaque, json_object *response)
{
    TmQmpClient *client = opaque;

    client->waiting = NULL;
    if (!client->closed) {
        queue_message(client, response);
        update_events(client);
    }
    json_object_put(response);
}

TmQmpClient *tm_qmp_client_new(TmFdDispatcher *dispatcher, int fd, TmQmpEnv *env, guint id,
                               TmQmpClientClosedFn closed, void *opaque, GError **err)
{
    TmQmpClient *client = g_new0(TmQmpClient, 1);

    /* The greeting waits to be sent. */
    client->watch = tm_fd_watch_new(dispatcher, fd, G_IO_IN | G_IO_OUT, on_ready, client, err);
    if (client->watch == NULL) {
        g_free(client);
        return NULL;
    }
    client->fd = fd;
    client->id = id;
    client->env = env;
    client->closed_fn = closed;
    client->closed_opaque = opaque;
    client->session.deliver = deliver_later;
    client->session.deliver_opaque = client;
    client->session.can_stream = true;
    client->stream = tm_json_stream_new(0, on_stream_message, client);
    g_queue_init(&client->pending);
    client->output = g_byte_array_new();
    client->held = g_byte_array_new();

    json_object *greeting = tm_qmp_greeting();
    queue_message(client, greeting);
    json_object_put(greeting);
    return client;
}

void tm_qmp_client_free(TmQmpClient *client)
{
    if (client == NULL) {
        return;
    }
    if (!client->closed) {
        tm_fd_watch_free(client->watch);
        close(client->fd);
    }
    if (client->waiting) {
        tm_qmp_later_orphan(client->waiting);
    }
    g_queue_clear_full(&client->pending, (GDestroyNotify)pending_free);
    tm_json_stream_free(client->stream);
    client->env->output_queued -= output_queued(client);
    end_stream(client);
    g_byte_array_unref(client->output);
    g_byte_array_unref(client->held);
    g_free(client);
}

/* Why @client is over an output budget, or NULL. */
static char *over_budget(const TmQmpClient *client)
{
    if (client->event_bytes > TM_QMP_CLIENT_EVENT_BUDGET) {
        return g_strdup_printf("%zu bytes of events unread, over its budget of %d",
                               client->event_bytes, TM_QMP_CLIENT_EVENT_BUDGET);
    }
    if (client->env->output_queued > TM_QMP_OUTPUT_BUDGET) {
        return g_strdup_printf("all clients have %zu bytes unread, over the budget of %d; "
                               "this one %zu", client->env->output_queued, TM_QMP_OUTPUT_BUDGET,
                               output_queued(client));
    }
    if (output_queued(client) > TM_QMP_CLIENT_OUTPUT_MAX) {
        return g_strdup_printf("%zu bytes unread, over %d", output_queued(client),
                               TM_QMP_CLIENT_OUTPUT_MAX);
    }
    return NULL;
}

void tm_qmp_client_send(TmQmpClient *client, json_object *message)
{
    if (client->closed) {
        return;
    }
    client->event_bytes += queue_message(client, message);
    g_autofree char *why = over_budget(client);
    if (why) {
        g_warning("QMP client %u does not read its output (%s); disconnecting", client->id,
                  why);
        client_close(client);
        return;
    }
    flush_output(client);
    if (!client->closed) {
        update_events(client);
    }
}

bool tm_qmp_client_wants_events(const TmQmpClient *client)
{
    return !client->closed && client->session.negotiated;
}

#include "qmp/qmp_reply_stream.h"

typedef enum {
    STREAM_OPEN,   /* {"return": not yet written */
    STREAM_VALUE,  /* the producer is writing the value */
    STREAM_CLOSE,  /* the id and the closing brace remain */
    STREAM_DONE,
} StreamPhase;

struct TmQmpReplyStream {
    const TmQmpProducerOps *ops;
    void *state;
    StreamPhase phase;
    char *id_text;  /* the request's id as JSON text, NULL without one */
};

/* The whole value at once, for sessions that cannot take it in pieces. */
static json_object *produce_all(const TmQmpProducerOps *ops, void *state)
{
    g_autoptr(GString) text = g_string_new(NULL);

    while (!ops->produce(state, text, 1 << 20)) {
    }
    json_object *value = json_tokener_parse(text->str);
    /* The producers write what json-c itself printed: it always parses. */
    g_assert(value != NULL);
    return value;
}

void tm_qmp_session_return_stream(TmQmpSession *session, const TmQmpProducerOps *ops,
                                  void *state, json_object **ret)
{
    if (!session->can_stream) {
        *ret = produce_all(ops, state);
        ops->free(state);
        return;
    }
    g_assert(session->stream == NULL);
    session->stream = g_new0(TmQmpReplyStream, 1);
    session->stream->ops = ops;
    session->stream->state = state;
}

void tm_qmp_reply_stream_set_id(TmQmpReplyStream *stream, bool has_id, json_object *id)
{
    g_free(stream->id_text);
    stream->id_text = has_id ? g_strdup(json_object_to_json_string_ext(
                                   id, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                             : NULL;
}

bool tm_qmp_reply_stream_next(TmQmpReplyStream *stream, GString *out, size_t budget)
{
    switch (stream->phase) {
    case STREAM_OPEN:
        /* The member order of every other response (qmp_dispatch.c). */
        g_string_append(out, "{\"return\":");
        stream->phase = STREAM_VALUE;
        /* fall through */
    case STREAM_VALUE:
        if (!stream->ops->produce(stream->state, out, budget)) {
            return false;
        }
        stream->phase = STREAM_CLOSE;
        /* fall through */
    case STREAM_CLOSE:
        if (stream->id_text) {
            g_string_append_printf(out, ",\"id\":%s", stream->id_text);
        }
        g_string_append(out, "}\r\n");
        stream->phase = STREAM_DONE;
        /* fall through */
    case STREAM_DONE:
        break;
    }
    return true;
}

void tm_qmp_reply_stream_free(TmQmpReplyStream *stream)
{
    if (stream == NULL) {
        return;
    }
    stream->ops->free(stream->state);
    g_free(stream->id_text);
    g_free(stream);
}

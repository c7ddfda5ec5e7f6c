#include "qmp/json_stream.h"

#include "core/error.h"
#include "qmp/json_scan.h"

typedef enum {
    STREAM_BETWEEN,      /* before a value: whitespace is dropped */
    STREAM_IN_VALUE,     /* the tokener is building a value */
    STREAM_SKIP_VALUE,   /* dropping the rest of a refused value */
    STREAM_SKIP_GARBAGE, /* dropping bytes outside any value */
} TmJsonStreamMode;

struct TmJsonStream {
    struct json_tokener *tokener;
    TmJsonScan scan;
    TmJsonStreamMode mode;
    size_t value_len; /* bytes of the value in progress seen so far */
    size_t max_message;
    TmJsonStreamEmitFn emit;
    void *opaque;
};

TmJsonStream *tm_json_stream_new(size_t max_message, TmJsonStreamEmitFn emit, void *opaque)
{
    g_assert(max_message <= TM_JSON_STREAM_LIMIT_MAX);

    TmJsonStream *stream = g_new0(TmJsonStream, 1);
    stream->tokener = json_tokener_new_ex(TM_JSON_STREAM_MAX_DEPTH);
    tm_json_scan_init(&stream->scan);
    g_assert(stream->tokener != NULL);
    /* Trailing bytes are the next message, not an error: we frame ourselves. */
    json_tokener_set_flags(stream->tokener, JSON_TOKENER_STRICT |
                                            JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                            JSON_TOKENER_VALIDATE_UTF8);
    stream->max_message = max_message ? max_message : TM_JSON_STREAM_DEFAULT_MAX;
    stream->emit = emit;
    stream->opaque = opaque;
    stream->mode = STREAM_BETWEEN;
    return stream;
}

void tm_json_stream_free(TmJsonStream *stream)
{
    if (stream == NULL) {
        return;
    }
    json_tokener_free(stream->tokener);
    tm_json_scan_clear(&stream->scan);
    g_free(stream);
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void start_value(TmJsonStream *stream)
{
    stream->mode = STREAM_IN_VALUE;
    stream->value_len = 0;
    tm_json_scan_reset(&stream->scan);
    json_tokener_reset(stream->tokener);
}

/* Report @error for the value in progress and choose how to resynchronise. */
static void refuse_value(TmJsonStream *stream, GError *error)
{
    json_tokener_reset(stream->tokener);
    stream->mode = tm_json_scan_in_value(&stream->scan) ? STREAM_SKIP_VALUE
                                                         : STREAM_SKIP_GARBAGE;
    stream->emit(stream->opaque, NULL, error);
}

static size_t feed_between(TmJsonStream *stream, const char *data, size_t len)
{
    size_t i = 0;

    while (i < len && is_json_space(data[i])) {
        i++;
    }
    if (i < len) {
        start_value(stream);
    }
    return i;
}

static size_t refuse_oversize(TmJsonStream *stream)
{
    refuse_value(stream, g_error_new(TM_ERROR, TM_ERROR_GENERIC, "QMP message exceeds %zu bytes",
                                     stream->max_message));
    return 0;
}

static size_t refuse_syntax(TmJsonStream *stream, enum json_tokener_error jerr, size_t used)
{
    size_t offset = stream->value_len + used;

    refuse_value(stream, g_error_new(TM_ERROR, TM_ERROR_GENERIC, "JSON parse error, %s at byte %zu",
                                     json_tokener_error_desc(jerr), offset));
    /* The first byte of a value refused: drop it, so the stream advances. */
    return offset == 0 ? 1 : used;
}

/*
 * The tokener ends a top-level number or keyword at the first byte it
 * cannot use ("0x10" yields 0, "truex" true); the scanner takes the
 * token's remaining bytes so that the whole token is judged.
 */
static size_t take_token_tail(TmJsonStream *stream, const char *data, size_t len)
{
    size_t tail = 0;

    if (!stream->scan.in_token) {
        return 0;
    }
    while (tail < len && tm_json_scan_is_token_char(data[tail])) {
        tail++;
    }
    tm_json_scan_check(&stream->scan, data, tail, NULL);
    return tail;
}

static size_t complete_value(TmJsonStream *stream, json_object *value, const char *data,
                             size_t len, size_t used)
{
    GError *error = NULL;

    used += take_token_tail(stream, data + used, len - used);
    if (!tm_json_scan_end_token(&stream->scan, &error)) {
        json_object_put(value);
        refuse_value(stream, error);
        return used;
    }
    if (!tm_json_scan_check_keys(&stream->scan, value, &error)) {
        json_object_put(value);
        refuse_value(stream, error);
        /* The object ended at its '}' and the tokener may have taken blanks after
         * it: what follows is the next value, not garbage. */
        stream->mode = STREAM_BETWEEN;
        return used;
    }
    stream->mode = STREAM_BETWEEN;
    stream->emit(stream->opaque, value, NULL);
    return used;
}

static size_t feed_value(TmJsonStream *stream, const char *data, size_t len)
{
    size_t room = stream->max_message - stream->value_len;

    if (room == 0) {
        return refuse_oversize(stream);
    }
    size_t n = MIN(len, room);
    json_object *value = json_tokener_parse_ex(stream->tokener, data, (int)n);
    enum json_tokener_error jerr = json_tokener_get_error(stream->tokener);
    size_t used = jerr == json_tokener_continue ? n : json_tokener_get_parse_end(stream->tokener);

    /* The scanner sees exactly the bytes the tokener took. */
    GError *scan_error = NULL;
    size_t checked = tm_json_scan_check(&stream->scan, data, used, &scan_error);
    if (checked < used) {
        json_object_put(value);
        refuse_value(stream, scan_error);
        return checked;
    }
    if (jerr == json_tokener_success) {
        return complete_value(stream, value, data, len, used);
    }
    if (jerr != json_tokener_continue) {
        return refuse_syntax(stream, jerr, used);
    }
    stream->value_len += used;
    return used;
}

static size_t feed_skip_value(TmJsonStream *stream, const char *data, size_t len)
{
    bool ended;
    size_t used = tm_json_scan_skip_value(&stream->scan, data, len, &ended);

    if (ended) {
        stream->mode = STREAM_BETWEEN;
    }
    return used;
}

static size_t feed_skip_garbage(TmJsonStream *stream, const char *data, size_t len)
{
    size_t i = 0;

    while (i < len && !is_json_space(data[i]) && data[i] != '{' && data[i] != '[') {
        i++;
    }
    if (i < len) {
        stream->mode = STREAM_BETWEEN;
    }
    return i;
}

void tm_json_stream_feed(TmJsonStream *stream, const void *data, size_t len)
{
    const char *p = data;
    const char *end = p + len;

    while (p < end) {
        size_t left = end - p;
        switch (stream->mode) {
        case STREAM_BETWEEN:
            p += feed_between(stream, p, left);
            break;
        case STREAM_IN_VALUE:
            p += feed_value(stream, p, left);
            break;
        case STREAM_SKIP_VALUE:
            p += feed_skip_value(stream, p, left);
            break;
        case STREAM_SKIP_GARBAGE:
            p += feed_skip_garbage(stream, p, left);
            break;
        }
    }
}

void tm_json_stream_finish(TmJsonStream *stream)
{
    if (stream->mode == STREAM_IN_VALUE) {
        /* A delimiter completes a top-level number; anything else stays open. */
        tm_json_stream_feed(stream, " ", 1);
    }
    if (stream->mode == STREAM_IN_VALUE) {
        stream->emit(stream->opaque, NULL,
                     g_error_new(TM_ERROR, TM_ERROR_GENERIC,
                                 "JSON parse error, input ends inside a value"));
    }
    json_tokener_reset(stream->tokener);
    stream->mode = STREAM_BETWEEN;
}

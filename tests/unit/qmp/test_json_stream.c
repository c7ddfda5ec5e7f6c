/*
 * The streaming JSON framer: values in order whatever the chunking, clear
 * errors, resynchronisation, bounded input.
 */
#include <stdbool.h>
#include <string.h>

#include "qmp/json_stream.h"

/* What the stream emitted, one line per event: the value as JSON, or "!" + message. */
typedef struct {
    GPtrArray *events;
} Collected;

static void collect(void *opaque, json_object *value, GError *error)
{
    Collected *c = opaque;

    if (error) {
        g_ptr_array_add(c->events, g_strdup_printf("!%s", error->message));
        g_error_free(error);
        return;
    }
    g_ptr_array_add(c->events,
                    g_strdup(json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN)));
    json_object_put(value);
}

static void collected_init(Collected *c)
{
    c->events = g_ptr_array_new_with_free_func(g_free);
}

static void collected_clear(Collected *c)
{
    g_ptr_array_unref(c->events);
}

/* Feed @input in chunks of @chunk bytes (0: all at once), then finish. */
static void run_stream(const char *input, size_t input_len, size_t chunk, size_t max,
                       Collected *c)
{
    g_autoptr(TmJsonStream) stream = tm_json_stream_new(max, collect, c);

    if (chunk == 0) {
        chunk = input_len ? input_len : 1;
    }
    for (size_t off = 0; off < input_len; off += chunk) {
        tm_json_stream_feed(stream, input + off, MIN(chunk, input_len - off));
    }
    tm_json_stream_finish(stream);
}

/* The events joined by '|' so a whole run compares in one assertion. */
static char *joined(const Collected *c)
{
    g_ptr_array_add(c->events, NULL);
    char *text = g_strjoinv("|", (char **)c->events->pdata);
    g_ptr_array_remove_index(c->events, c->events->len - 1);
    return text;
}

/*
 * Compare emitted events with @expected: '|'-separated, each either a
 * value in json-c's plain form or "!" + a fragment of the error message.
 */
static void assert_events(const Collected *c, const char *expected, const char *input)
{
    g_auto(GStrv) want = expected[0] ? g_strsplit(expected, "|", -1) : g_new0(char *, 1);
    g_autofree char *got = joined(c);

    if (g_strv_length(want) != c->events->len) {
        g_error("input %s: expected %s, got %s", input, expected, got);
    }
    for (guint i = 0; i < c->events->len; i++) {
        const char *actual = g_ptr_array_index(c->events, i);
        bool ok = want[i][0] == '!' ? actual[0] == '!' && strstr(actual, want[i] + 1) != NULL
                                    : strcmp(actual, want[i]) == 0;
        if (!ok) {
            g_error("input %s: event %u expected %s, got %s (all: %s)", input, i, want[i],
                    actual, got);
        }
    }
}

#define OPEN10 "[[[[[[[[[["
#define CLOSE10 "]]]]]]]]]]"
#define OPEN70 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10 OPEN10
#define CLOSE70 CLOSE10 CLOSE10 CLOSE10 CLOSE10 CLOSE10 CLOSE10 CLOSE10

typedef struct {
    const char *input;
    size_t max;           /* 0: the default */
    const char *expected; /* see assert_events */
} StreamCase;

static const StreamCase stream_cases[] = {
    { "", 0, "" },
    { " \r\n\t ", 0, "" },
    { "{\"execute\":\"qmp_capabilities\"}", 0, "{\"execute\":\"qmp_capabilities\"}" },
    { "{\"a\":1}{\"b\":2}{\"c\":3}", 0, "{\"a\":1}|{\"b\":2}|{\"c\":3}" },
    { "{\n  \"execute\": \"query-version\",\r\n  \"id\": [1, {\"x\": null}]\n}\n"
      "{\n    \"execute\": \"quit\"\n}\n",
      0, "{\"execute\":\"query-version\",\"id\":[1,{\"x\":null}]}|{\"execute\":\"quit\"}" },
    { "[1,2] \"str\" 42 -7 1.5 true false null", 0, "[1,2]|\"str\"|42|-7|1.5|true|false|null" },
    { "123", 0, "123" },
    { "{\"a\":\"}{][\"} {\"b\":\"\\\"}\"}", 0, "{\"a\":\"}{][\"}|{\"b\":\"\\\"}\"}" },
    { "{\"a\":\"\\u00e9\\ud83d\\ude00\"}", 0, "{\"a\":\"\xc3\xa9\xf0\x9f\x98\x80\"}" },
    { "{\"big\":18446744073709551615,\"min\":-9223372036854775808}", 0,
      "{\"big\":18446744073709551615,\"min\":-9223372036854775808}" },
    /* garbage, then a good value: one error per run of garbage */
    { "garbage {\"a\":1}", 0, "!JSON parse error|{\"a\":1}" },
    { "garbage{\"a\":1}", 0, "!JSON parse error|{\"a\":1}" },
    { "}{\"a\":1}", 0, "!JSON parse error, unexpected character at byte 0|{\"a\":1}" },
    { "{\"a\":1}}]{\"b\":2}", 0, "{\"a\":1}|!JSON parse error|{\"b\":2}" },
    { "/* comment */ {}", 0, "!JSON parse error|!JSON parse error|!JSON parse error|{}" },
    { "'single' {}", 0, "!JSON parse error|{}" },
    /* broken values: the rest of the value is skipped */
    { "{\"a\": x, \"s\": \"}\"}{\"b\":2}", 0, "!JSON parse error|{\"b\":2}" },
    { "{\"a\":1,}\n{\"b\":2}", 0, "!JSON parse error|{\"b\":2}" },
    { "{\"a\" 1} {\"b\":2}", 0, "!JSON parse error|{\"b\":2}" },
    { "[1 2] 3", 0, "!JSON parse error|3" },
    { "{\"a\":01} 3", 0, "!JSON parse error|3" },
    /* what json-c's strict mode lets through and QMP must not */
    { "{\"a\":NaN}{\"b\":2}", 0, "!invalid keyword 'NaN'|{\"b\":2}" },
    { "[Infinity] [-Infinity] 1", 0, "!invalid keyword 'Infinity'|!invalid number '-Infinity'|1" },
    { "NaN 1", 0, "!invalid keyword 'NaN'|1" },
    { "0x10 1", 0, "!invalid number '0x|1" },
    { "truex 1", 0, "!invalid keyword 'truex'|1" },
    { "{\"a\":99999999999999999999} 1", 0, "!integer '99999999999999999999' does not fit|1" },
    { "[-9223372036854775809] 1", 0, "!integer '-9223372036854775809' does not fit|1" },
    { "[123456789012345678901234567890123456789] 1", 0, "!does not fit in 64 bits|1" },
    { "[1.5e300, 123456789012345678901234567890123456789.5]", 0,
      "[1.5e300,123456789012345678901234567890123456789.5]" },
    { "{\"a\\u0000b\":1} {\"c\":1}", 0, "!\\u0000 is not supported|{\"c\":1}" },
    { "\"a\\u0000\" 2", 0, "!\\u0000 is not supported|2" },
    { "\"a\tb\" 2", 0, "!control character 0x09 in a string must be escaped|2" },
    { "{\"a\":\"\xff\"} 2", 0, "!invalid utf-8|2" },
    { OPEN70 CLOSE70 " 2", 0, "!nesting too deep|2" },
    /* duplicate keys, at any depth (json-c would keep the last; QEMU refuses) */
    { "{\"a\":1,\"a\":2} {\"b\":2}", 0, "!JSON parse error, duplicate key|{\"b\":2}" },
    { "{\"x\":[{\"k\":{}},{\"a\":1,\"b\":{\"c\":1,\"c\":1}}]}{}", 0,
      "!JSON parse error, duplicate key|{}" },
    { "{\"a\":{\"z\":1},\"a\":{\"y\":2}} 1", 0, "!duplicate key|1" },
    { "{\"a\":\"x:y\",\"b\":\"{:}\"} [{\"a\":1},{\"a\":2}]", 0,
      "{\"a\":\"x:y\",\"b\":\"{:}\"}|[{\"a\":1},{\"a\":2}]" },
    /* cut short by the end of input */
    { "{\"a\":1", 0, "!input ends inside a value" },
    { "{\"a\":\"abc", 0, "!input ends inside a value" },
    { "tru", 0, "!JSON parse error" },
    { "-", 0, "!JSON parse error" },
    { "{\"a\":1} {", 0, "{\"a\":1}|!input ends inside a value" },
    /* size bound: the rest of an oversize value is skipped */
    { "{\"a\":1}", 7, "{\"a\":1}" },
    { "{\"a\":12}", 7, "!QMP message exceeds 7 bytes" },
    { "{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}{\\\"}\"} {\"b\":2}", 16,
      "!QMP message exceeds 16 bytes|{\"b\":2}" },
    { "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" 5", 16, "!QMP message exceeds 16 bytes|5" },
    { "12345678901234567890123456 {\"b\":2}", 16, "!QMP message exceeds 16 bytes|{\"b\":2}" },
    { "[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]] 5", 16,
      "!QMP message exceeds 16 bytes|5" },
};

static void test_stream_table(void)
{
    static const size_t chunk_sizes[] = { 0, 1, 2, 3, 7, 64 };

    for (size_t i = 0; i < G_N_ELEMENTS(stream_cases); i++) {
        const StreamCase *tc = &stream_cases[i];
        for (size_t k = 0; k < G_N_ELEMENTS(chunk_sizes); k++) {
            Collected c;
            collected_init(&c);
            run_stream(tc->input, strlen(tc->input), chunk_sizes[k], tc->max, &c);
            assert_events(&c, tc->expected, tc->input);
            collected_clear(&c);
        }
    }
}

/* A NUL byte is garbage between values, and breaks a value it is inside. */
static void test_stream_nul_bytes(void)
{
    static const char input[] = "{\"a\":1}\0{\"b\":2}\n{\"c\":\0}\n{\"d\":4}";
    Collected c;

    for (size_t chunk = 0; chunk < 4; chunk++) {
        collected_init(&c);
        run_stream(input, sizeof(input) - 1, chunk, 0, &c);
        assert_events(&c, "{\"a\":1}|!JSON parse error|{\"b\":2}|!JSON parse error|{\"d\":4}",
                      "NUL bytes");
        collected_clear(&c);
    }
}

/* The stream is reusable after finish(), and finish() twice is harmless. */
static void test_stream_finish_and_reuse(void)
{
    Collected c;
    collected_init(&c);
    g_autoptr(TmJsonStream) stream = tm_json_stream_new(0, collect, &c);

    tm_json_stream_feed(stream, "{\"a\":", 5);
    tm_json_stream_finish(stream);
    tm_json_stream_finish(stream);
    tm_json_stream_feed(stream, "{\"b\":2} 7", 9);
    tm_json_stream_finish(stream);
    assert_events(&c, "!input ends inside a value|{\"b\":2}|7", "reuse");
    collected_clear(&c);
}

/*
 * A 100 MiB string and 1 MiB of garbage go through with memory bounded
 * (the stream buffers nothing while skipping; ASan would flag a runaway
 * buffer as an allocation failure) and the next value still arrives.
 */
static void test_stream_huge_inputs(void)
{
    const size_t chunk = 64 * 1024;
    g_autofree char *block = g_malloc(chunk);
    Collected c;
    collected_init(&c);
    g_autoptr(TmJsonStream) stream = tm_json_stream_new(0, collect, &c);

    memset(block, 'x', chunk);
    tm_json_stream_feed(stream, "{\"execute\":\"", 12);
    for (size_t fed = 0; fed < 100 * 1024 * 1024; fed += chunk) {
        tm_json_stream_feed(stream, block, chunk);
    }
    tm_json_stream_feed(stream, "\"} {\"ok\":1}", 11);

    for (size_t i = 0; i < chunk; i++) {
        block[i] = "}]x:,@#\x01\xfe"[i % 9];
    }
    for (size_t fed = 0; fed < 1024 * 1024; fed += chunk) {
        tm_json_stream_feed(stream, block, chunk);
    }
    tm_json_stream_feed(stream, "\n{\"ok\":2}", 9);
    tm_json_stream_finish(stream);

    g_assert_cmpuint(c.events->len, >=, 3);
    g_assert_cmpstr(g_ptr_array_index(c.events, 0), ==, "!QMP message exceeds 1048576 bytes");
    g_assert_cmpstr(g_ptr_array_index(c.events, 1), ==, "{\"ok\":1}");
    g_assert_cmpstr(g_ptr_array_index(c.events, c.events->len - 1), ==, "{\"ok\":2}");
    for (guint i = 2; i < c.events->len - 1; i++) {
        g_assert_true(((const char *)g_ptr_array_index(c.events, i))[0] == '!');
    }
    collected_clear(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/json-stream/table", test_stream_table);
    g_test_add_func("/qmp/json-stream/nul-bytes", test_stream_nul_bytes);
    g_test_add_func("/qmp/json-stream/finish-and-reuse", test_stream_finish_and_reuse);
    g_test_add_func("/qmp/json-stream/huge-inputs", test_stream_huge_inputs);
    return g_test_run();
}

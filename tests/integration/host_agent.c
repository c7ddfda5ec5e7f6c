/*
 * tagmem-test-host-agent: one host process for the end-to-end tests.  It
 * uses libtagmem exactly as an application would (the public header only)
 * and is driven line by line on stdin by the test, which runs many of
 * them at once against the real tagmemd (tests/integration/host_agent_client.h).
 *
 * Each command is one line of words; its answer is any number of "event"
 * lines (what libtagmem reported meanwhile) and then one final line that
 * starts with "ok" or "err".  Numbers are decimal or 0x-prefixed hex;
 * bytes read back are printed as hex.  Commands:
 *
 *   connect PATH [policy=v11|accept|reject|first] [base=N] [max-pending=N]
 *                                         ok HELD (extents held after connect)
 *   process TIMEOUT_MS                    ok HANDLED (one tagmem_host_process_events)
 *   await N TIMEOUT_MS                    process events until N library events were
 *                                         reported since the last await: ok N
 *   extents                               "extent DPA LEN TAG SEQ MAPPED WRITABLE SHARED"
 *                                         lines, ok COUNT
 *   poke DPA TEXT | peek DPA LEN          the direct alias (window + DPA)
 *   fill DPA LEN BYTE | check DPA LEN BYTE
 *                                         check: ok, or "mismatch OFFSET VALUE"
 *   prot DPA                              the window's protection there, from
 *                                         /proc/self/maps: ok ---p, ok rw-s, ...
 *   tag-size TAG | tag-poke TAG OFFSET TEXT | tag-peek TAG OFFSET LEN
 *                                         the tag's contiguous view (tagmem_host_find_tag)
 *   read DPA LEN | write DPA TEXT         through the daemon (tagmem_host_read/write)
 *   release-tag TAG | release-range DPA LEN
 *   crash DPA                             read window + DPA with SIGSEGV at its default
 *                                         action: a fault kills the agent by SIGSEGV
 *   tag-crash TAG OFFSET                  the same through the tag's contiguous view
 *   close                                 tagmem_host_close
 *
 * Poison the library reports (tagmem_host_set_poison_callback) comes as
 * "event poison DPA LEN TAG TAG_OFFSET MAPPED" lines ("poison-cleared"
 * when it goes) and counts as an event for await.
 *   exit
 *
 * Failures of libtagmem are "err ERRNO RC MESSAGE": the negative errno, the
 * CXL return code (tagmem_host_last_return_code) and the message.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tagmem/tagmem.h"
#include "tagmem/tagmem_poison.h"

#define MAX_WORDS 8
#define MAX_LINE 4096

typedef struct {
    TagmemHost *host;
    unsigned events_since_await;
} Agent;

typedef struct {
    const char *name;
    int min_words;            /* words after the name */
    void (*run)(Agent *agent, char **words, int n_words);
} Command;

/* ---- output ---- */

static void reply(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void reply(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
}

static void reply_failure(const Agent *agent, int rc)
{
    reply("err %d %u %s", rc, (unsigned)tagmem_host_last_return_code(agent->host),
          tagmem_host_last_error(agent->host));
}

static void format_tag(const uint8_t tag[16], char out[37])
{
    static const int dash_after[] = { 3, 5, 7, 9 };
    char *cursor = out;

    for (int i = 0, dash = 0; i < 16; i++) {
        cursor += sprintf(cursor, "%02x", tag[i]);
        if (dash < 4 && i == dash_after[dash]) {
            *cursor++ = '-';
            dash++;
        }
    }
    *cursor = '\0';
}

static void print_hex(const char *prefix, const uint8_t *bytes, size_t length)
{
    fputs(prefix, stdout);
    for (size_t i = 0; i < length; i++) {
        printf("%02x", bytes[i]);
    }
    putchar('\n');
    fflush(stdout);
}

/* "event KIND DPA LEN TAG SEQ VERDICT SLOW_PATH" */
static void on_event(void *data, const TagmemEvent *event)
{
    Agent *agent = data;
    char tag[37];

    format_tag(event->extent.tag, tag);
    printf("event %s 0x%" PRIx64 " 0x%" PRIx64 " %s %u %d %d\n", tagmem_event_kind_name(event->kind),
           event->extent.dpa, event->extent.length, tag, event->extent.shared_seq,
           (int)event->verdict, event->slow_path ? 1 : 0);
    fflush(stdout);
    agent->events_since_await++;
}

/* "event poison|poison-cleared DPA LEN TAG TAG_OFFSET MAPPED" */
static void on_poison(void *data, const TagmemPoison *poison)
{
    Agent *agent = data;
    char tag[37];

    format_tag(poison->tag, tag);
    printf("event %s 0x%" PRIx64 " 0x%" PRIx64 " %s 0x%" PRIx64 " %d\n",
           poison->cleared ? "poison-cleared" : "poison", poison->dpa, poison->length, tag,
           poison->tag_offset, poison->addr != NULL ? 1 : 0);
    fflush(stdout);
    agent->events_since_await++;
}

/* libtagmem's warnings and errors go to stderr, which the test log keeps. */
static void on_log(void *data, TagmemLogLevel level, const char *message)
{
    if (level <= TAGMEM_LOG_WARNING) {
        fprintf(stderr, "host-agent[%ld]: %s\n", (long)getpid(), message);
    }
}

/* ---- parsing ---- */

static bool parse_u64(const char *text, uint64_t *value)
{
    char *end;

    errno = 0;
    *value = strtoull(text, &end, 0);
    return errno == 0 && end != text && *end == '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A GUID in 8-4-4-4-12 form, in string byte order (as uuid_t). */
static bool parse_tag(const char *text, uint8_t tag[16])
{
    int n = 0;

    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '-') {
            continue;
        }
        int high = hex_digit(c[0]);
        int low = c[1] != '\0' ? hex_digit(c[1]) : -1;
        if (high < 0 || low < 0 || n == 16) {
            return false;
        }
        tag[n++] = (uint8_t)(high << 4 | low);
        c++;
    }
    return n == 16;
}

/* ---- the window ---- */

static bool connected(const Agent *agent)
{
    if (agent->host == NULL) {
        reply("err not connected");
        return false;
    }
    return true;
}

/* window + DPA, for @length bytes inside the window; NULL (answered) otherwise. */
static uint8_t *window_at(const Agent *agent, const char *dpa_text, uint64_t length)
{
    void *base;
    uint64_t size;
    uint64_t dpa;

    if (!connected(agent)) {
        return NULL;
    }
    tagmem_host_window(agent->host, &base, &size);
    if (!parse_u64(dpa_text, &dpa) || dpa > size || length > size - dpa) {
        reply("err DPA %s+0x%" PRIx64 " is outside the window of 0x%" PRIx64 " bytes",
              dpa_text, length, size);
        return NULL;
    }
    return (uint8_t *)base + dpa;
}

static bool parse_length(const char *text, uint64_t *length)
{
    if (!parse_u64(text, length) || *length == 0 || *length > SIZE_MAX) {
        reply("err bad length '%s'", text);
        return false;
    }
    return true;
}

/* ---- commands ---- */

static bool parse_policy(const char *name, TagmemHostOptions *opts)
{
    static const struct {
        const char *name;
        TagmemPolicy policy;
    } policies[] = {
        { "v11", TAGMEM_POLICY_LINUX_V11 },
        { "accept", TAGMEM_POLICY_ACCEPT_ALL },
        { "reject", TAGMEM_POLICY_REJECT_ALL },
        { "first", TAGMEM_POLICY_CALLBACK },
    };

    for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
        if (strcmp(policies[i].name, name) == 0) {
            opts->policy = policies[i].policy;
            return true;
        }
    }
    return false;
}

/* Policy "first": accept only the first extent of each chain. */
static void accept_first(void *data, const TagmemExtent *chain, size_t n_extents, bool *accept)
{
    accept[0] = n_extents > 0;
}

/* connect's options: TagmemHostOptions fields, and the reconnect window (*reconnect_ms). */
static bool parse_option(const char *word, TagmemHostOptions *opts, int *reconnect_ms)
{
    uint64_t value;

    if (strncmp(word, "reconnect=", 10) == 0 && parse_u64(word + 10, &value) &&
        value <= 600000) {
        *reconnect_ms = (int)value;
        return true;
    }
    if (strncmp(word, "policy=", 7) == 0) {
        return parse_policy(word + 7, opts);
    }
    if (strncmp(word, "base=", 5) == 0 && parse_u64(word + 5, &value) && value <= 1) {
        opts->sequence_base = (uint16_t)value;
        return true;
    }
    if (strncmp(word, "max-pending=", 12) == 0 && parse_u64(word + 12, &value) &&
        value <= 10000) {
        opts->max_pending_extents = (unsigned)value;
        return true;
    }
    return false;
}

static void cmd_connect(Agent *agent, char **words, int n_words)
{
    TagmemHostOptions opts = {
        .policy_fn = accept_first,
        .event_fn = on_event,
        .event_data = agent,
        .log_fn = on_log,
    };
    char *error = NULL;
    int reconnect_ms = -1;

    if (agent->host != NULL) {
        reply("err already connected");
        return;
    }
    for (int i = 1; i < n_words; i++) {
        if (!parse_option(words[i], &opts, &reconnect_ms)) {
            reply("err bad option '%s'", words[i]);
            return;
        }
    }
    agent->host = tagmem_host_connect(words[0], &opts, &error);
    if (agent->host == NULL) {
        reply("err %s", error);
        free(error);
        return;
    }
    tagmem_host_set_poison_callback(agent->host, on_poison, agent);
    if (reconnect_ms >= 0) {
        tagmem_host_set_reconnect(agent->host, reconnect_ms);
    }
    reply("ok %zu", tagmem_host_extents(agent->host, NULL, 0));
}

static void cmd_process(Agent *agent, char **words, int n_words)
{
    uint64_t timeout;

    if (!connected(agent)) {
        return;
    }
    if (!parse_u64(words[0], &timeout) || timeout > INT32_MAX) {
        reply("err bad timeout '%s'", words[0]);
        return;
    }
    int rc = tagmem_host_process_events(agent->host, (int)timeout);
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok %d", rc);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cmd_await(Agent *agent, char **words, int n_words)
{
    uint64_t wanted;
    uint64_t timeout;

    if (!connected(agent)) {
        return;
    }
    if (!parse_u64(words[0], &wanted) || !parse_u64(words[1], &timeout) ||
        timeout > INT32_MAX) {
        reply("err bad count or timeout");
        return;
    }
    int64_t deadline = now_ms() + (int64_t)timeout;
    while (agent->events_since_await < wanted) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            reply("err %d timed out with %u of %" PRIu64 " events", -ETIMEDOUT,
                  agent->events_since_await, wanted);
            agent->events_since_await = 0;
            return;
        }
        int rc = tagmem_host_process_events(agent->host, (int)left);
        if (rc < 0) {
            agent->events_since_await = 0;
            reply_failure(agent, rc);
            return;
        }
    }
    reply("ok %u", agent->events_since_await);
    agent->events_since_await = 0;
}

static void cmd_extents(Agent *agent, char **words, int n_words)
{
    if (!connected(agent)) {
        return;
    }
    size_t n = tagmem_host_extents(agent->host, NULL, 0);
    TagmemMapping *mappings = calloc(n + 1, sizeof(*mappings));
    n = tagmem_host_extents(agent->host, mappings, n);
    for (size_t i = 0; i < n; i++) {
        const TagmemMapping *m = &mappings[i];
        char tag[37];

        format_tag(m->extent.tag, tag);
        printf("extent 0x%" PRIx64 " 0x%" PRIx64 " %s %u %d %d %d\n", m->extent.dpa,
               m->extent.length, tag, m->extent.shared_seq, m->addr != NULL, m->writable,
               m->shared);
    }
    free(mappings);
    reply("ok %zu", n);
}

static void cmd_poke(Agent *agent, char **words, int n_words)
{
    size_t length = strlen(words[1]);
    uint8_t *at = window_at(agent, words[0], length);

    if (at != NULL) {
        memcpy(at, words[1], length);
        reply("ok");
    }
}

static void cmd_peek(Agent *agent, char **words, int n_words)
{
    uint64_t length;

    if (!parse_length(words[1], &length)) {
        return;
    }
    uint8_t *at = window_at(agent, words[0], length);
    if (at != NULL) {
        print_hex("ok ", at, length);
    }
}

static bool parse_byte(const char *text, uint8_t *byte)
{
    uint64_t value;

    if (!parse_u64(text, &value) || value > 255) {
        reply("err bad byte '%s'", text);
        return false;
    }
    *byte = (uint8_t)value;
    return true;
}

static void cmd_fill(Agent *agent, char **words, int n_words)
{
    uint64_t length;
    uint8_t byte;

    if (!parse_length(words[1], &length) || !parse_byte(words[2], &byte)) {
        return;
    }
    uint8_t *at = window_at(agent, words[0], length);
    if (at != NULL) {
        memset(at, byte, length);
        reply("ok");
    }
}

static void check_bytes(const uint8_t *at, uint64_t length, uint8_t byte)
{
    for (uint64_t i = 0; i < length; i++) {
        if (at[i] != byte) {
            reply("mismatch 0x%" PRIx64 " 0x%02x", i, at[i]);
            return;
        }
    }
    reply("ok");
}

static void cmd_check(Agent *agent, char **words, int n_words)
{
    uint64_t length;
    uint8_t byte;

    if (!parse_length(words[1], &length) || !parse_byte(words[2], &byte)) {
        return;
    }
    uint8_t *at = window_at(agent, words[0], length);
    if (at != NULL) {
        check_bytes(at, length, byte);
    }
}

/* The protection of the mapping holding @address, as /proc/self/maps shows it. */
static bool protection_at(const void *address, char perms[5])
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[MAX_LINE];
    bool found = false;

    if (maps == NULL) {
        return false;
    }
    while (!found && fgets(line, sizeof(line), maps) != NULL) {
        uintptr_t start, end;

        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &start, &end, perms) == 3 &&
            (uintptr_t)address >= start && (uintptr_t)address < end) {
            found = true;
        }
    }
    fclose(maps);
    return found;
}

static void cmd_prot(Agent *agent, char **words, int n_words)
{
    uint8_t *at = window_at(agent, words[0], 1);
    char perms[5];

    if (at == NULL) {
        return;
    }
    if (!protection_at(at, perms)) {
        reply("err no mapping at DPA %s", words[0]);
        return;
    }
    reply("ok %s", perms);
}

/* The tag's view, or NULL (answered). */
static uint8_t *tag_view(Agent *agent, const char *tag_text, const char *offset_text,
                         uint64_t length)
{
    uint8_t tag[16];
    uint64_t offset;
    void *addr;
    size_t size;

    if (!connected(agent)) {
        return NULL;
    }
    if (!parse_tag(tag_text, tag) || !parse_u64(offset_text, &offset)) {
        reply("err bad tag or offset");
        return NULL;
    }
    int rc = tagmem_host_find_tag(agent->host, tag, &addr, &size);
    if (rc < 0) {
        reply_failure(agent, rc);
        return NULL;
    }
    if (offset > size || length > size - offset) {
        reply("err 0x%" PRIx64 "+0x%" PRIx64 " is outside the view of 0x%zx bytes", offset,
              length, size);
        return NULL;
    }
    return (uint8_t *)addr + offset;
}

static void cmd_tag_size(Agent *agent, char **words, int n_words)
{
    uint8_t tag[16];
    void *addr;
    size_t size;

    if (!connected(agent)) {
        return;
    }
    if (!parse_tag(words[0], tag)) {
        reply("err bad tag '%s'", words[0]);
        return;
    }
    int rc = tagmem_host_find_tag(agent->host, tag, &addr, &size);
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok 0x%zx", size);
}

static void cmd_tag_poke(Agent *agent, char **words, int n_words)
{
    size_t length = strlen(words[2]);
    uint8_t *at = tag_view(agent, words[0], words[1], length);

    if (at != NULL) {
        memcpy(at, words[2], length);
        reply("ok");
    }
}

static void cmd_tag_peek(Agent *agent, char **words, int n_words)
{
    uint64_t length;

    if (!parse_length(words[2], &length)) {
        return;
    }
    uint8_t *at = tag_view(agent, words[0], words[1], length);
    if (at != NULL) {
        print_hex("ok ", at, length);
    }
}

static void cmd_read(Agent *agent, char **words, int n_words)
{
    uint64_t dpa;
    uint64_t length;

    if (!connected(agent) || !parse_length(words[1], &length)) {
        return;
    }
    if (!parse_u64(words[0], &dpa)) {
        reply("err bad DPA '%s'", words[0]);
        return;
    }
    uint8_t *buffer = malloc(length);
    int rc = tagmem_host_read(agent->host, dpa, buffer, length);
    if (rc < 0) {
        reply_failure(agent, rc);
    } else {
        print_hex("ok ", buffer, length);
    }
    free(buffer);
}

static void cmd_write(Agent *agent, char **words, int n_words)
{
    uint64_t dpa;

    if (!connected(agent)) {
        return;
    }
    if (!parse_u64(words[0], &dpa)) {
        reply("err bad DPA '%s'", words[0]);
        return;
    }
    int rc = tagmem_host_write(agent->host, dpa, words[1], strlen(words[1]));
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok");
}

/*
 * The arguments DPA LENGTH BYTE of dpa-fill and dpa-check, and a buffer of
 * LENGTH bytes for them (the caller frees it); NULL after replying an error.
 */
static uint8_t *dpa_pattern_args(Agent *agent, char **words, uint64_t *dpa, uint64_t *length,
                                 int *byte)
{
    uint64_t value;

    if (!connected(agent)) {
        return NULL;
    }
    if (!parse_u64(words[0], dpa) || !parse_u64(words[1], length) ||
        !parse_u64(words[2], &value) || value > 0xFF) {
        reply("err bad arguments");
        return NULL;
    }
    *byte = (int)value;
    uint8_t *bytes = malloc(*length ? *length : 1);
    if (bytes == NULL) {
        reply("err out of memory");
    }
    return bytes;
}

/* dpa-fill DPA LENGTH BYTE: write LENGTH bytes of BYTE by DPA (C003h) in one call. */
static void cmd_dpa_fill(Agent *agent, char **words, int n_words)
{
    uint64_t dpa, length;
    int byte;
    uint8_t *bytes = dpa_pattern_args(agent, words, &dpa, &length, &byte);

    if (bytes == NULL) {
        return;
    }
    memset(bytes, byte, length);
    int rc = tagmem_host_write(agent->host, dpa, bytes, length);
    free(bytes);
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok");
}

/* dpa-check DPA LENGTH BYTE: read LENGTH bytes by DPA (C002h); all must be BYTE. */
static void cmd_dpa_check(Agent *agent, char **words, int n_words)
{
    uint64_t dpa, length;
    int byte;
    uint8_t *bytes = dpa_pattern_args(agent, words, &dpa, &length, &byte);

    if (bytes == NULL) {
        return;
    }
    int rc = tagmem_host_read(agent->host, dpa, bytes, length);
    uint64_t first_bad = length;
    for (uint64_t i = 0; rc >= 0 && i < length && first_bad == length; i++) {
        if (bytes[i] != (uint8_t)byte) {
            first_bad = i;
        }
    }
    unsigned bad_value = first_bad < length ? bytes[first_bad] : 0;
    free(bytes);
    if (rc < 0) {
        reply_failure(agent, rc);
    } else if (first_bad < length) {
        reply("err byte %" PRIu64 " is 0x%02x", first_bad, bad_value);
    } else {
        reply("ok");
    }
}

static void cmd_release_tag(Agent *agent, char **words, int n_words)
{
    uint8_t tag[16];

    if (!connected(agent)) {
        return;
    }
    if (!parse_tag(words[0], tag)) {
        reply("err bad tag '%s'", words[0]);
        return;
    }
    int rc = tagmem_host_release_tag(agent->host, tag);
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok");
}

static void cmd_release_range(Agent *agent, char **words, int n_words)
{
    uint64_t dpa;
    uint64_t length;

    if (!connected(agent) || !parse_length(words[1], &length)) {
        return;
    }
    if (!parse_u64(words[0], &dpa)) {
        reply("err bad DPA '%s'", words[0]);
        return;
    }
    int rc = tagmem_host_release_range(agent->host, dpa, length);
    if (rc < 0) {
        reply_failure(agent, rc);
        return;
    }
    reply("ok");
}

static void cmd_crash(Agent *agent, char **words, int n_words)
{
    volatile uint8_t *at = window_at(agent, words[0], 1);
    struct sigaction default_action = { .sa_handler = SIG_DFL };

    if (at == NULL) {
        return;
    }
    /* The sanitizers' SEGV handler would turn the fault into exit code 1. */
    sigaction(SIGSEGV, &default_action, NULL);
    uint8_t byte = *at;
    reply("ok 0x%02x", byte);
}

static void cmd_tag_crash(Agent *agent, char **words, int n_words)
{
    volatile uint8_t *at = tag_view(agent, words[0], words[1], 1);
    struct sigaction default_action = { .sa_handler = SIG_DFL };

    if (at == NULL) {
        return;
    }
    sigaction(SIGSEGV, &default_action, NULL);
    uint8_t byte = *at;
    reply("ok 0x%02x", byte);
}

static void cmd_close(Agent *agent, char **words, int n_words)
{
    tagmem_host_close(agent->host);
    agent->host = NULL;
    reply("ok");
}

static const Command commands[] = {
    { "connect", 1, cmd_connect },
    { "process", 1, cmd_process },
    { "await", 2, cmd_await },
    { "extents", 0, cmd_extents },
    { "poke", 2, cmd_poke },
    { "peek", 2, cmd_peek },
    { "fill", 3, cmd_fill },
    { "check", 3, cmd_check },
    { "prot", 1, cmd_prot },
    { "tag-size", 1, cmd_tag_size },
    { "tag-poke", 3, cmd_tag_poke },
    { "tag-peek", 3, cmd_tag_peek },
    { "read", 2, cmd_read },
    { "write", 2, cmd_write },
    { "dpa-fill", 3, cmd_dpa_fill },
    { "dpa-check", 3, cmd_dpa_check },
    { "release-tag", 1, cmd_release_tag },
    { "release-range", 2, cmd_release_range },
    { "crash", 1, cmd_crash },
    { "tag-crash", 2, cmd_tag_crash },
    { "close", 0, cmd_close },
};

static int split_words(char *line, char **words)
{
    int n = 0;

    for (char *word = strtok(line, " \t\n"); word != NULL && n < MAX_WORDS;
         word = strtok(NULL, " \t\n")) {
        words[n++] = word;
    }
    return n;
}

static bool run_line(Agent *agent, char *line)
{
    char *words[MAX_WORDS];
    int n = split_words(line, words);

    if (n == 0) {
        reply("err empty command");
        return true;
    }
    if (strcmp(words[0], "exit") == 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, words[0]) == 0) {
            if (n - 1 < commands[i].min_words) {
                reply("err %s needs %d arguments", words[0], commands[i].min_words);
            } else {
                commands[i].run(agent, words + 1, n - 1);
            }
            return true;
        }
    }
    reply("err unknown command '%s'", words[0]);
    return true;
}

int main(void)
{
    Agent agent = { 0 };
    char line[MAX_LINE];

    while (fgets(line, sizeof(line), stdin) != NULL && run_line(&agent, line)) {
    }
    tagmem_host_close(agent.host);
    return 0;
}

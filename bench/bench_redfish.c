/*
 * bench-redfish: the Redfish service of tagmemd beside QMP, in one run
 * (docs/redfish.md, "Measurements").
 *
 *   bench-redfish [--rounds N] [TAGMEMD]  (TAGMEMD defaults to $TAGMEMD)
 *
 * 1. Reading a tagged allocation: GET of its MemoryChunk over one
 *    keep-alive HTTP connection beside query-cxl-dynamic-capacity-tags
 *    over one QMP connection (the same facts: size, state, hosts), N
 *    rounds each; median and p99.  Both clients read raw bytes (the HTTP
 *    one reads the headers and Content-Length bytes), so neither side's
 *    client-side JSON work is timed.
 * 2. Event latency: an SSE client is open; each round sends a
 *    cxl-add-dynamic-capacity over QMP and times (a) its QMP reply and (b)
 *    the arrival of the CapacityOffered event on the SSE stream, both from
 *    the moment the request was written; then withdraws the offer.
 * 3. 100 concurrent HTTP clients (threads, each its own keep-alive
 *    connection) GET the chunk N/10 times each; throughput and per-request
 *    p99, beside one client alone doing the same number of requests.
 * 4. Adding and releasing, with `tagmem host-agent --policy accept-all` as
 *    host 0 (TAGMEM names the CLI): POST of a MemoryChunk (2 MiB, the tag
 *    generated), its Task polled until Completed (the host accepted), DELETE
 *    of the chunk, its Task polled until Completed (the host released, the
 *    backend deleted), beside the QMP requests the service runs for the same
 *    change (object-add, cxl-add-dynamic-capacity, status polled until
 *    Committed, cxl-release-dynamic-capacity, status polled until Released,
 *    object-del).  Both sides poll at once again, one request at a time.
 */
#include <errno.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "daemon_harness.h"

#define TAG "0123abcd-0000-4000-8000-0000000000be"
#define EVENT_TAG "0123abcd-0000-4000-8000-0000000000ef"  /* offered and withdrawn in table 2 */
#define CHUNK "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks/" TAG
#define CLIENTS 100

static guint16 free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(addr);

    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        g_error("free port: %s", g_strerror(errno));
    }
    close(fd);
    return ntohs(addr.sin_port);
}

static int http_connect(guint16 port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        g_error("connect 127.0.0.1:%u: %s", port, g_strerror(errno));
    }
    return fd;
}

/* One keep-alive GET of @path: write, then read the headers and the body; the body's size. */
static size_t http_get(int fd, const char *path, GString *scratch)
{
    g_autofree char *request = g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    char buffer[1 << 16];
    const char *end = NULL;
    size_t body = 0;

    tm_bench_write_all(fd, request, strlen(request));
    g_string_truncate(scratch, 0);
    for (;;) {
        if (end == NULL && (end = strstr(scratch->str, "\r\n\r\n")) != NULL) {
            const char *length = strstr(scratch->str, "Content-Length: ");
            if (length == NULL || !g_str_has_prefix(scratch->str, "HTTP/1.1 200 ")) {
                g_error("GET %s: %.*s", path, (int)MIN(scratch->len, 200), scratch->str);
            }
            body = g_ascii_strtoull(length + 16, NULL, 10);
        }
        if (end != NULL && scratch->len >= (size_t)(end + 4 - scratch->str) + body) {
            return body;
        }
        ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            g_error("recv: %s", got == 0 ? "connection closed" : g_strerror(errno));
        }
        g_string_append_len(scratch, buffer, got);
        end = end ? strstr(scratch->str, "\r\n\r\n") : NULL;
    }
}

/* A QMP request and its reply line ({"return" or {"error"), skipping event lines. */
static void qmp_call(int fd, const char *request, GString *scratch)
{
    tm_bench_write_all(fd, request, strlen(request));
    for (;;) {
        tm_bench_read_message(fd, scratch);
        /* Events may come in the same read, before the reply or after it. */
        for (const char *line = scratch->str; line != NULL && *line != '\0';) {
            if (g_str_has_prefix(line, "{\"return\"")) {
                return;
            }
            if (g_str_has_prefix(line, "{\"error\"")) {
                g_error("%s: %s", request, line);
            }
            line = strchr(line, '\n');
            line = line ? line + 1 : NULL;
        }
    }
}

typedef struct {
    double median_us;
    double p99_us;
} Stats;

static Stats stats(uint64_t *samples, size_t n)
{
    qsort(samples, n, sizeof(*samples), tm_bench_compare_u64);
    return (Stats){ samples[n / 2] / 1e3, samples[n * 99 / 100] / 1e3 };
}

static void print_row(const char *name, Stats s, Stats reference)
{
    printf("%-44s %10.1f %10.1f %8.2fx\n", name, s.median_us, s.p99_us,
           s.median_us / reference.median_us);
}

static void bench_reads(guint16 port, int qmp, guint rounds)
{
    g_autofree uint64_t *http = g_new(uint64_t, rounds);
    g_autofree uint64_t *query = g_new(uint64_t, rounds);
    g_autoptr(GString) scratch = g_string_new(NULL);
    int fd = http_connect(port);
    static const char request[] = "{\"execute\": \"query-cxl-dynamic-capacity-tags\", "
                                  "\"arguments\": {\"path\": \"/machine/peripheral/dcd0\"}}\r\n";
    size_t body = 0;

    for (guint i = 0; i < rounds / 10; i++) {  /* warm-up */
        http_get(fd, CHUNK, scratch);
        qmp_call(qmp, request, scratch);
    }
    for (guint i = 0; i < rounds; i++) {
        uint64_t start = tm_bench_now_ns();
        body = http_get(fd, CHUNK, scratch);
        http[i] = tm_bench_now_ns() - start;
        start = tm_bench_now_ns();
        qmp_call(qmp, request, scratch);
        query[i] = tm_bench_now_ns() - start;
    }
    close(fd);
    Stats q = stats(query, rounds), h = stats(http, rounds);
    printf("\n1. reading one tagged allocation, %u rounds (us)\n", rounds);
    printf("%-44s %10s %10s %9s\n", "", "median", "p99", "vs QMP");
    print_row("QMP query-cxl-dynamic-capacity-tags", q, q);
    g_autofree char *name = g_strdup_printf("HTTP GET MemoryChunk (%zu-byte body)", body);
    print_row(name, h, q);
}

/* Read the SSE socket until @count more "data: " lines have arrived. */
static void wait_events(int fd, GString *stream, size_t *seen, guint count)
{
    char buffer[1 << 16];

    for (;;) {
        guint found = 0;
        const char *at = stream->str + *seen;
        const char *hit;
        while ((hit = strstr(at, "\ndata: ")) != NULL && found < count) {
            found++;
            at = hit + 7;
        }
        if (found == count) {
            *seen = at - stream->str;
            return;
        }
        ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            g_error("SSE stream: %s", got == 0 ? "closed" : g_strerror(errno));
        }
        g_string_append_len(stream, buffer, got);
    }
}

static void bench_events(guint16 port, int qmp, guint rounds)
{
    g_autofree uint64_t *reply = g_new(uint64_t, rounds);
    g_autofree uint64_t *event = g_new(uint64_t, rounds);
    g_autoptr(GString) scratch = g_string_new(NULL);
    g_autoptr(GString) stream = g_string_new(NULL);
    size_t seen = 0;
    int sse = http_connect(port);
    static const char get[] = "GET /redfish/v1/EventService/SSE HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char add[] =
        "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": {\"path\": "
        "\"/machine/peripheral/dcd0\", \"host-id\": 1, \"selection-policy\": \"prescriptive\","
        " \"region\": 0, \"tag\": \"" EVENT_TAG "\","
        " \"extents\": [{\"offset\": 0, \"len\": 2097152}]}}\r\n";
    static const char withdraw[] = "{\"execute\": \"cxl-withdraw-dynamic-capacity\", "
                                   "\"arguments\": {\"path\": \"/machine/peripheral/dcd0\", "
                                   "\"host-id\": 1}}\r\n";

    tm_bench_write_all(sse, get, strlen(get));
    /* The stream is open (and gets events) once its first comment line is in. */
    while (strstr(stream->str, ": tagmem event stream") == NULL) {
        char buffer[4096];
        ssize_t got = recv(sse, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            g_error("SSE stream: %s", got == 0 ? "closed" : g_strerror(errno));
        }
        g_string_append_len(stream, buffer, got);
    }
    for (guint i = 0; i < rounds; i++) {
        uint64_t start = tm_bench_now_ns();
        tm_bench_write_all(qmp, add, strlen(add));
        tm_bench_read_message(qmp, scratch);
        reply[i] = tm_bench_now_ns() - start;
        if (!g_str_has_prefix(scratch->str, "{\"return\"")) {
            g_error("add: %s", scratch->str);
        }
        wait_events(sse, stream, &seen, 1);
        event[i] = tm_bench_now_ns() - start;
        qmp_call(qmp, withdraw, scratch);
        wait_events(sse, stream, &seen, 1);
    }
    close(sse);
    Stats r = stats(reply, rounds), e = stats(event, rounds);
    printf("\n2. event latency from a QMP add, %u rounds (us)\n", rounds);
    printf("%-44s %10s %10s %9s\n", "", "median", "p99", "vs reply");
    print_row("QMP reply of cxl-add-dynamic-capacity", r, r);
    print_row("SSE CapacityOffered event received", e, r);
}

typedef struct {
    guint16 port;
    guint requests;
    uint64_t *samples;
    GMutex *start_lock;  /* held until every thread is connected */
} Client;

static gpointer client_thread(gpointer data)
{
    Client *c = data;
    g_autoptr(GString) scratch = g_string_new(NULL);
    int fd = http_connect(c->port);

    g_mutex_lock(c->start_lock);
    g_mutex_unlock(c->start_lock);
    for (guint i = 0; i < c->requests; i++) {
        uint64_t start = tm_bench_now_ns();
        http_get(fd, CHUNK, scratch);
        c->samples[i] = tm_bench_now_ns() - start;
    }
    close(fd);
    return NULL;
}

/* @clients threads of @requests GETs each; requests per second, and the samples' stats. */
static double run_clients(guint16 port, guint clients, guint requests, Stats *out)
{
    g_autofree uint64_t *samples = g_new(uint64_t, (gsize)clients * requests);
    g_autofree Client *c = g_new0(Client, clients);
    g_autofree GThread **threads = g_new(GThread *, clients);
    GMutex start_lock;

    g_mutex_init(&start_lock);
    g_mutex_lock(&start_lock);
    for (guint i = 0; i < clients; i++) {
        c[i] = (Client){ port, requests, samples + (gsize)i * requests, &start_lock };
        threads[i] = g_thread_new("client", client_thread, &c[i]);
    }
    g_usleep(200000);  /* every client connected */
    uint64_t start = tm_bench_now_ns();
    g_mutex_unlock(&start_lock);
    for (guint i = 0; i < clients; i++) {
        g_thread_join(threads[i]);
    }
    double seconds = (tm_bench_now_ns() - start) / 1e9;
    g_mutex_clear(&start_lock);
    *out = stats(samples, (gsize)clients * requests);
    return clients * requests / seconds;
}

static void bench_concurrent(guint16 port, guint rounds)
{
    guint each = MAX(rounds / 10, 10);
    Stats one, many;
    double one_rate = run_clients(port, 1, each * CLIENTS / 10, &one);
    double many_rate = run_clients(port, CLIENTS, each, &many);

    printf("\n3. concurrent HTTP clients, GET MemoryChunk (us per request)\n");
    printf("%-44s %10s %10s %12s\n", "", "median", "p99", "requests/s");
    printf("%-44s %10.1f %10.1f %12.0f\n", "1 client", one.median_us, one.p99_us, one_rate);
    g_autofree char *name = g_strdup_printf("%u clients, %u requests each", CLIENTS, each);
    printf("%-44s %10.1f %10.1f %12.0f  (%.2fx the throughput of 1)\n", name, many.median_us,
           many.p99_us, many_rate, many_rate / one_rate);
}

/*
 * One keep-alive request with a JSON body (or none): write, read the
 * headers and the body into @scratch; the status.  @location gets the
 * Location header's value when there is one.
 */
static guint http_call(int fd, const char *method, const char *path, const char *body,
                       GString *scratch, char **location)
{
    g_autofree char *request = g_strdup_printf(
        "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: %zu\r\n\r\n%s", method, path, body ? strlen(body) : 0, body ? body : "");
    char buffer[1 << 16];
    size_t head = 0;  /* the headers' length with their blank line, once in */
    size_t length = 0;

    tm_bench_write_all(fd, request, strlen(request));
    g_string_truncate(scratch, 0);
    for (;;) {
        const char *end = head ? NULL : strstr(scratch->str, "\r\n\r\n");
        if (end != NULL) {
            const char *field = g_strstr_len(scratch->str, end - scratch->str,
                                             "\r\nContent-Length: ");
            length = field ? g_ascii_strtoull(field + 18, NULL, 10) : 0;
            head = (size_t)(end + 4 - scratch->str);
        }
        if (head != 0 && scratch->len >= head + length) {
            break;
        }
        ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            g_error("recv: %s", got == 0 ? "connection closed" : g_strerror(errno));
        }
        g_string_append_len(scratch, buffer, got);
    }
    if (location != NULL) {
        const char *at = g_strstr_len(scratch->str, head, "\r\nLocation: ");
        *location = at ? g_strndup(at + 12, strcspn(at + 12, "\r")) : NULL;
    }
    return (guint)g_ascii_strtoull(scratch->str + 9, NULL, 10);
}

/* GET @task until it is no longer Running; fails unless it Completed. */
static void wait_task(int fd, const char *task, GString *scratch)
{
    while (http_call(fd, "GET", task, NULL, scratch, NULL) == 200 &&
           strstr(scratch->str, "\"TaskState\":\"Running\"") != NULL) {
    }
    if (strstr(scratch->str, "\"TaskState\":\"Completed\"") == NULL) {
        g_error("%s: %s", task, scratch->str);
    }
}

/* The new chunk's URI from its Task (in @scratch): its Oem.Tagmem.Tag names it. */
static char *chunk_uri(const GString *scratch)
{
    const char *at = strstr(scratch->str, "\"Tag\":\"");

    if (at == NULL) {
        g_error("no Tag in the Task: %s", scratch->str);
    }
    at += strlen("\"Tag\":\"");
    return g_strdup_printf("/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks/%.*s",
                           (int)strcspn(at, "\""), at);
}

static uint64_t redfish_round_trip(int fd, GString *scratch)
{
    static const char body[] = "{\"MemoryChunkSizeMiB\": 2, \"Links\": {\"Endpoints\": "
                               "[{\"@odata.id\": \"/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-0\"}]}}";
    uint64_t start = tm_bench_now_ns();
    g_autofree char *task = NULL;
    g_autofree char *release = NULL;

    if (http_call(fd, "POST", "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks", body,
                  scratch, &task) != 202) {
        g_error("POST MemoryChunk: %s", scratch->str);
    }
    g_autofree char *chunk = chunk_uri(scratch);
    wait_task(fd, task, scratch);
    if (http_call(fd, "DELETE", chunk, NULL, scratch, &release) != 202) {
        g_error("DELETE %s: %s", chunk, scratch->str);
    }
    wait_task(fd, release, scratch);
    return tm_bench_now_ns() - start;
}

/* cxl-release-dynamic-capacity-status of @tag for host 0, until its status is @status. */
static void wait_status(int qmp, const char *tag, const char *status, GString *scratch)
{
    g_autofree char *request = g_strdup_printf(
        "{\"execute\": \"cxl-release-dynamic-capacity-status\", \"arguments\": {\"path\": "
        "\"/machine/peripheral/dcd0\", \"host-id\": 0, \"region\": 1, \"tag\": \"%s\"}}\r\n",
        tag);
    g_autofree char *want = g_strdup_printf("\"status\":\"%s\"", status);

    do {
        qmp_call(qmp, request, scratch);
    } while (strstr(scratch->str, want) == NULL);
}

static uint64_t qmp_round_trip(int qmp, guint round, GString *scratch)
{
    g_autofree char *tag = g_strdup_printf("0123abcd-0000-4000-8000-%012x", 0x100000u + round);
    g_autofree char *add = g_strdup_printf(
        "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-memfd\", "
        "\"id\": \"q%u\", \"size\": 2097152, \"tag\": \"%s\"}}\r\n"
        "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": {\"path\": "
        "\"/machine/peripheral/dcd0\", \"host-id\": 0, \"selection-policy\": \"free\", "
        "\"region\": 1, \"tag\": \"%s\", \"extents\": [{\"offset\": 0, \"len\": 2097152}]}}\r\n",
        round, tag, tag);
    g_autofree char *release = g_strdup_printf(
        "{\"execute\": \"cxl-release-dynamic-capacity\", \"arguments\": {\"path\": "
        "\"/machine/peripheral/dcd0\", \"host-id\": 0, \"removal-policy\": \"tag-based\", "
        "\"region\": 1, \"tag\": \"%s\", \"extents\": []}}\r\n", tag);
    g_autofree char *del = g_strdup_printf(
        "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"q%u\"}}\r\n", round);
    uint64_t start = tm_bench_now_ns();
    g_autofree char *object_add = g_strndup(add, strstr(add, "\r\n") + 2 - add);

    qmp_call(qmp, object_add, scratch);
    qmp_call(qmp, add + strlen(object_add), scratch);
    wait_status(qmp, tag, "Committed", scratch);
    qmp_call(qmp, release, scratch);
    wait_status(qmp, tag, "Released", scratch);
    qmp_call(qmp, del, scratch);
    return tm_bench_now_ns() - start;
}

static void bench_round_trips(TmTestDaemon *daemon, guint16 port, int qmp, guint rounds)
{
    g_autofree char *socket = g_strdup_printf("%s/tagmem/host0.sock", daemon->dir);
    const char *args[] = { g_getenv("TAGMEM"), "host-agent", "--host", "0", "--socket", socket,
                           "--policy", "accept-all", NULL };
    g_autofree uint64_t *http = g_new(uint64_t, rounds);
    g_autofree uint64_t *query = g_new(uint64_t, rounds);
    g_autoptr(GString) scratch = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    int fd = http_connect(port);

    if (args[0] == NULL) {
        g_error("TAGMEM (the tagmem CLI, for its host-agent) is not set");
    }
    g_autoptr(GSubprocess) agent = g_subprocess_newv(args, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
    g_assert_no_error(err);
    g_autoptr(GDataInputStream) out = g_data_input_stream_new(
        g_subprocess_get_stdout_pipe(agent));
    /* It says "ready" once connected (after a line per offer it found waiting). */
    for (;;) {
        g_autofree char *line = g_data_input_stream_read_line(out, NULL, NULL, &err);
        if (line == NULL) {
            g_error("tagmem host-agent did not start");
        }
        if (g_str_has_prefix(line, "ready")) {
            break;
        }
    }
    for (guint i = 0; i < rounds; i++) {
        http[i] = redfish_round_trip(fd, scratch);
        query[i] = qmp_round_trip(qmp, i, scratch);
    }
    close(fd);
    g_subprocess_force_exit(agent);
    g_subprocess_wait(agent, NULL, NULL);
    Stats q = stats(query, rounds), h = stats(http, rounds);
    printf("\n4. add 2 MiB, host 0 accepts, release, host 0 releases: %u rounds (us)\n", rounds);
    printf("%-44s %10s %10s %9s\n", "", "median", "p99", "vs QMP");
    print_row("QMP object-add, add, release, object-del", q, q);
    print_row("Redfish POST+DELETE MemoryChunk, Tasks", h, q);
}

int main(int argc, char **argv)
{
    guint rounds = 2000;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = (guint)g_ascii_strtoull(argv[++i], NULL, 10);
        } else {
            g_setenv("TAGMEMD", argv[i], TRUE);
        }
    }
    if (rounds < 100) {
        g_error("--rounds: at least 100");
    }
    guint16 port = free_port();
    g_autofree char *addr = g_strdup_printf("addr=127.0.0.1:%u", port);
    const char *args[] = { "-redfish", addr, "-device",
                           "cxl-type3,id=dcd0,num-dc-regions=2,dc-regions-total-size=32G,"
                           "num-hosts=2,dc-region-sharable=2,dc-event-log-depth=65535", NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(GString) scratch = g_string_new(NULL);
    int qmp = tm_bench_qmp_connect(daemon->socket_path);

    qmp_call(qmp, "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
                  "\"memory-backend-memfd\", \"id\": \"m0\", \"size\": 67108864, \"tag\": \""
                  TAG "\"}}\r\n", scratch);
    qmp_call(qmp, "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": "
                  "\"memory-backend-memfd\", \"id\": \"m1\", \"size\": 2097152, \"tag\": \""
                  EVENT_TAG "\"}}\r\n", scratch);
    qmp_call(qmp, "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": {\"path\": "
                  "\"/machine/peripheral/dcd0\", \"host-id\": 0, \"selection-policy\": \"free\","
                  " \"region\": 1, \"tag\": \"" TAG "\", \"extents\": [{\"offset\": 0, "
                  "\"len\": 8388608}]}}\r\n", scratch);
    printf("bench-redfish: tagmemd %s, Redfish on 127.0.0.1:%u\n", tm_test_tagmemd_path(), port);
    bench_reads(port, qmp, rounds);
    bench_events(port, qmp, rounds / 4);
    bench_concurrent(port, rounds);
    bench_round_trips(daemon, port, qmp, rounds / 20);
    close(qmp);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    return 0;
}

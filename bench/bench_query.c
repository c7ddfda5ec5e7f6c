/*
 * bench-query: what a 100k-extent query-cxl-dynamic-capacity costs the
 * other clients of tagmemd.
 *
 *   bench-query [--extents N] [--rounds N]   (tagmemd from $TAGMEMD)
 *
 * The daemon gets one device with two hosts and N (default 100,000)
 * pending 2 MiB extents, offered in requests of 1,000.  Client B times
 * query-version round trips twice: alone (the reference), then while
 * client A runs query-cxl-dynamic-capacity back to back, reading each
 * answer as fast as it can.  The table gives B's median, p99 and worst
 * round trip in both runs and their ratio, and A's answer size and time.
 * The answer is produced and sent piece by piece (src/qmp/qmp_reply_stream.h);
 * the goal is B's latency within 2x of idle.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "bench_util.h"

#define BLOCK ((guint64)2 * 1024 * 1024)
#define EXTENTS_PER_ADD 1000
#define HOSTS 2
#define WARMUP_ROUNDS 500
#define REGION_ALIGN ((guint64)256 * 1024 * 1024)  /* region lengths are multiples */

static const char version_request[] = "{\"execute\": \"query-version\"}\r\n";
static const char query_request[] = "{\"execute\": \"query-cxl-dynamic-capacity\"}\r\n";

typedef struct {
    double median_us;
    double p99_us;
    double max_us;
} Latency;

typedef struct {
    int fd;
    volatile gint stop;
    guint queries;
    uint64_t query_ns;
    size_t answer_bytes;
} Loader;

static void offer(TmQmpConn *conn, unsigned host, guint64 first)
{
    g_autoptr(GString) args = g_string_new(NULL);

    g_string_printf(args, "{\"path\": \"dcd0\", \"host-id\": %u, \"selection-policy\": "
                    "\"prescriptive\", \"region\": 0, \"extents\": [", host);
    for (guint i = 0; i < EXTENTS_PER_ADD; i++) {
        g_string_append_printf(args, "%s{\"offset\": %" G_GUINT64_FORMAT ", \"len\": %" G_GUINT64_FORMAT "}",
                               i ? ", " : "", (first + i) * BLOCK, BLOCK);
    }
    g_string_append(args, "]}");
    json_object *reply = tm_test_execute(conn, "cxl-add-dynamic-capacity", args->str);
    tm_test_assert_return(reply);
    json_object_put(reply);
}

static Latency time_round_trips(int fd, guint rounds)
{
    g_autofree uint64_t *samples = g_new(uint64_t, rounds);
    g_autoptr(GString) scratch = g_string_new(NULL);

    for (guint i = 0; i < WARMUP_ROUNDS + rounds; i++) {
        uint64_t start = tm_bench_now_ns();
        tm_bench_write_all(fd, version_request, sizeof(version_request) - 1);
        tm_bench_read_message(fd, scratch);
        if (i >= WARMUP_ROUNDS) {
            samples[i - WARMUP_ROUNDS] = tm_bench_now_ns() - start;
        }
    }
    qsort(samples, rounds, sizeof(uint64_t), tm_bench_compare_u64);
    return (Latency){
        .median_us = samples[rounds / 2] / 1000.0,
        .p99_us = samples[(guint)(rounds * 0.99)] / 1000.0,
        .max_us = samples[rounds - 1] / 1000.0,
    };
}

/* Client A: whole queries back to back until told to stop. */
static gpointer run_loader(gpointer data)
{
    Loader *loader = data;
    g_autoptr(GString) scratch = g_string_new(NULL);

    while (!g_atomic_int_get(&loader->stop)) {
        uint64_t start = tm_bench_now_ns();
        tm_bench_write_all(loader->fd, query_request, sizeof(query_request) - 1);
        loader->answer_bytes = tm_bench_read_message(loader->fd, scratch);
        loader->query_ns += tm_bench_now_ns() - start;
        loader->queries++;
    }
    return NULL;
}

static void print_row(const char *name, const Latency *l, const Latency *idle)
{
    printf("%-36s %10.1f %10.1f %10.1f %8.2fx %8.2fx\n", name, l->median_us, l->p99_us,
           l->max_us, l->median_us / idle->median_us, l->p99_us / idle->p99_us);
}

int main(int argc, char **argv)
{
    gint extents = 100000;
    gint rounds = 5000;
    GOptionEntry entries[] = {
        { "extents", 0, 0, G_OPTION_ARG_INT, &extents, "pending extents (default 100000)", "N" },
        { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "timed round trips (default 5000)", "N" },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- QMP latency beside a large query");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || extents < HOSTS * EXTENTS_PER_ADD ||
        rounds < 100) {
        fprintf(stderr, "bench-query: %s\n", err ? err->message : "--extents >= 2000, --rounds >= 100");
        return 2;
    }
    guint adds_per_host = (guint)extents / HOSTS / EXTENTS_PER_ADD;
    guint per_host = adds_per_host * EXTENTS_PER_ADD;
    g_autofree char *device = g_strdup_printf(
        "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=%d,"
        "dc-max-extents=%u,dc-event-log-depth=%u", HOSTS, per_host, per_host);
    g_autofree char *memdev = g_strdup_printf("memory-backend-memfd,id=dc0,size=%" G_GUINT64_FORMAT,
                                              (HOSTS * per_host * BLOCK + REGION_ALIGN - 1) /
                                                  REGION_ALIGN * REGION_ALIGN);
    const char *const args[] = { "-object", memdev, "-nodefaults", "-device", device, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(TmQmpConn) conn = tm_test_daemon_connect(daemon);

    for (unsigned host = 0; host < HOSTS; host++) {
        for (guint a = 0; a < adds_per_host; a++) {
            offer(conn, host, (guint64)host * per_host + (guint64)a * EXTENTS_PER_ADD);
        }
    }
    int client_b = tm_bench_qmp_connect(daemon->socket_path);
    Latency idle = time_round_trips(client_b, (guint)rounds);

    Loader loader = { .fd = tm_bench_qmp_connect(daemon->socket_path) };
    GThread *thread = g_thread_new("query-loader", run_loader, &loader);
    while (g_atomic_int_get((gint *)&loader.queries) == 0 && loader.answer_bytes == 0) {
        g_usleep(1000);
    }
    Latency loaded = time_round_trips(client_b, (guint)rounds);
    g_atomic_int_set(&loader.stop, 1);
    g_thread_join(thread);

    printf("bench-query: %u pending extents on %d hosts; %d timed query-version round trips\n\n",
           HOSTS * per_host, HOSTS, rounds);
    printf("%-36s %10s %10s %10s %9s %9s\n", "client B's query-version", "median us", "p99 us",
           "max us", "median/", "p99/");
    printf("%-36s %10s %10s %10s %9s %9s\n", "", "", "", "", "idle", "idle");
    print_row("alone (reference)", &idle, &idle);
    g_autofree char *loaded_name = g_strdup_printf("while A runs %u-extent queries",
                                                   HOSTS * per_host);
    print_row(loaded_name, &loaded, &idle);
    printf("\nclient A: %u whole answers of %zu bytes, %.1f ms each on average\n",
           loader.queries, loader.answer_bytes,
           loader.queries ? loader.query_ns / 1e6 / loader.queries : 0.0);
    close(loader.fd);
    close(client_b);
    return tm_test_daemon_stop(daemon, SIGTERM) == 0 ? 0 : 1;
}

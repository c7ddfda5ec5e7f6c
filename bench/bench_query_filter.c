/*
 * bench-query-filter: filtered and paged queries beside the unfiltered
 * ones, on a big daemon, in one run (docs/qmp.md, "Filters and paging").
 *
 *   bench-query-filter [--tags N] [--per-tag N] [--hosts N] [--backends N]
 *   (TAGMEMD and TAGMEM from meson)
 *
 * State: one device with --hosts hosts (default 10) and --tags tags
 * (default 10,000) of --per-tag extents each (default 10: 100,000
 * extents), tag t offered to host t mod hosts; host 0 accepts its offers
 * (tagmem host-agent), the others' stay pending.  Each tag has its own
 * memory-backend-ram; untagged ones are added up to --backends backends
 * (default 100,000).
 *
 * Table: per query, the median wall time of a raw client's round trip
 * (request sent, whole answer read, nothing parsed) and the answer's size,
 * each beside the unfiltered query of the same command measured in the
 * same run.  The goal: a filtered or paged query costs what it answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_tagged.h"
#include "bench_util.h"
#include "daemon_harness.h"

#define BLOCK TM_BENCH_BLOCK

static void accept_host0(TmTestDaemon *daemon, const char *tagmem)
{
    g_autofree char *socket = g_strdup_printf("%s/tagmem/host0.sock", daemon->dir);
    const char *args[] = { tagmem, "host-agent", "--host", "0", "--socket", socket,
                           "--policy", "accept-all", "--once", NULL };
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)args, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* Median round trip (ms) of @request over @runs runs; *@bytes the answer's size. */
static double time_query(int fd, const char *request, guint runs, size_t *bytes)
{
    g_autofree uint64_t *samples = g_new(uint64_t, runs);
    g_autoptr(GString) scratch = g_string_new(NULL);

    for (guint i = 0; i < runs; i++) {
        uint64_t start = tm_bench_now_ns();
        tm_bench_write_all(fd, request, strlen(request));
        *bytes = tm_bench_read_message(fd, scratch);
        samples[i] = tm_bench_now_ns() - start;
        if (strncmp(scratch->str, "{\"return\"", 9) != 0) {
            g_error("%s answered %.200s", request, scratch->str);
        }
    }
    qsort(samples, runs, sizeof(uint64_t), tm_bench_compare_u64);
    return samples[runs / 2] / 1e6;
}

typedef struct {
    const char *name;
    char *arguments;   /* JSON object text; NULL: none */
} Query;

/* The rows of one command; the first, unfiltered, is the reference. */
static void print_table(int fd, const char *command, const Query *queries, size_t n,
                        guint big_runs, guint small_runs)
{
    double reference_ms = 0;
    size_t reference_bytes = 0;

    printf("%-52s %10s %12s %9s %9s\n", command, "median ms", "bytes", "time/ref", "size/ref");
    for (size_t i = 0; i < n; i++) {
        g_autofree char *request = queries[i].arguments
            ? g_strdup_printf("{\"execute\": \"%s\", \"arguments\": %s}\r\n", command,
                              queries[i].arguments)
            : g_strdup_printf("{\"execute\": \"%s\"}\r\n", command);
        size_t bytes;
        double ms = time_query(fd, request, i == 0 ? big_runs : small_runs, &bytes);

        if (i == 0) {
            reference_ms = ms;
            reference_bytes = bytes;
        }
        printf("%-52s %10.3f %12zu %9.4f %9.5f\n", queries[i].name, ms, bytes, ms / reference_ms,
               (double)bytes / (double)reference_bytes);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    gint tags = 10000, per_tag = 10, hosts = 10, backends = 100000;
    GOptionEntry entries[] = {
        { "tags", 0, 0, G_OPTION_ARG_INT, &tags, "tags (default 10000)", "N" },
        { "per-tag", 0, 0, G_OPTION_ARG_INT, &per_tag, "extents per tag (default 10)", "N" },
        { "hosts", 0, 0, G_OPTION_ARG_INT, &hosts, "hosts (default 10)", "N" },
        { "backends", 0, 0, G_OPTION_ARG_INT, &backends, "backends in all (default 100000)",
          "N" },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- filtered queries beside whole ones");
    g_autoptr(GError) err = NULL;
    const char *tagmem = g_getenv("TAGMEM");

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || tagmem == NULL ||
        hosts < 2 || tags < hosts || per_tag < 1 || backends < tags) {
        fprintf(stderr, "bench-query-filter: %s\n",
                err ? err->message : "TAGMEM must be set; --hosts >= 2, --tags >= --hosts, "
                                     "--backends >= --tags");
        return 2;
    }
    uint64_t extents = (uint64_t)tags * per_tag;
    uint64_t region = (extents * 2 * BLOCK + (256u << 20) - 1) / (256u << 20) * (256u << 20);
    g_autofree char *device = g_strdup_printf(
        "cxl-type3,id=dcd0,num-dc-regions=1,dc-regions-total-size=%" PRIu64 ",dc-block-size=4K,"
        "num-hosts=%d,dc-max-extents=%" PRIu64 ",dc-max-tags=%d", region, hosts,
        extents / (uint64_t)hosts + (uint64_t)per_tag, tags);
    const char *extra[] = { "-device", device, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(extra);
    g_autoptr(TmQmpConn) conn = tm_test_daemon_connect(daemon);
    gint64 start = g_get_monotonic_time();

    for (guint t = 0; t < (guint)tags; t++) {
        tm_bench_add_tagged(conn, t, (guint)per_tag, (guint)hosts);
    }
    for (guint b = (guint)tags; b < (guint)backends; b++) {
        g_autofree char *id = g_strdup_printf("plain%u", b);
        tm_bench_add_backend(conn, id, BLOCK, NULL);
    }
    g_clear_pointer(&conn, tm_qmp_conn_free);
    accept_host0(daemon, tagmem);
    printf("bench-query-filter: %" PRIu64 " extents of %d tags on %d hosts (host 0's %" PRIu64
           " accepted, the rest pending), %d backends; built in %.1f s\n\n", extents, tags,
           hosts, extents / (uint64_t)hosts, backends, (g_get_monotonic_time() - start) / 1e6);

    int fd = tm_bench_qmp_connect(daemon->socket_path);
    /* Tag t is host t mod hosts's: one offered to host 1, one accepted by host 0. */
    g_autofree char *tag = tm_bench_tag_text((guint)tags / 2 / (guint)hosts * (guint)hosts + 1);
    g_autofree char *host0_tag = tm_bench_tag_text((guint)hosts * ((guint)tags / 2 / (guint)hosts));
    Query capacity[] = {
        { "unfiltered (reference)", NULL },
        { "host-id 0 (accepted)", g_strdup("{\"path\": \"dcd0\", \"host-id\": 0}") },
        { "host-id 1 (pending)", g_strdup("{\"path\": \"dcd0\", \"host-id\": 1}") },
        { "tag (pending)", g_strdup_printf("{\"tag\": \"%s\"}", tag) },
        { "tag (accepted by host 0)", g_strdup_printf("{\"tag\": \"%s\"}", host0_tag) },
        { "state pending, start N/2, count 100",
          g_strdup_printf("{\"state\": \"pending\", \"start\": %" PRIu64 ", \"count\": 100}",
                          extents / 2) },
        { "host-id 0, start N/hosts/2, count 100",
          g_strdup_printf("{\"host-id\": 0, \"start\": %" PRIu64 ", \"count\": 100}",
                          extents / (uint64_t)hosts / 2) },
        { "start 9N/10, count 100 (no filter)",
          g_strdup_printf("{\"start\": %" PRIu64 ", \"count\": 100}", extents * 9 / 10) },
    };
    g_autofree char *memdev_start = g_strdup_printf("{\"start\": %d, \"count\": 100}",
                                                    backends / 2);
    Query memdev[] = {
        { "unfiltered (reference)", NULL },
        { "tag", g_strdup_printf("{\"tag\": \"%s\"}", tag) },
        { "path dcd0 (its tags' backends)", g_strdup("{\"path\": \"dcd0\"}") },
        { "start N/2, count 100", g_strdup(memdev_start) },
        { "start 0, count 10000", g_strdup("{\"start\": 0, \"count\": 10000}") },
    };

    print_table(fd, "query-cxl-dynamic-capacity", capacity, G_N_ELEMENTS(capacity), 5, 101);
    print_table(fd, "query-memdev", memdev, G_N_ELEMENTS(memdev), 5, 101);
    printf("(median of 5 runs for the unfiltered queries, of 101 for the others; a raw client\n"
           " reads each whole answer without parsing it)\n");
    for (size_t i = 0; i < G_N_ELEMENTS(capacity); i++) {
        g_free(capacity[i].arguments);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(memdev); i++) {
        g_free(memdev[i].arguments);
    }
    close(fd);
    return tm_test_daemon_stop(daemon, SIGTERM) == 0 ? 0 : 1;
}

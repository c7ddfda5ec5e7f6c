/*
 * bench-cli: what the operator's views cost on a big device, in one run.
 * A device with 100k extents of 10k tags (two hosts; host 0 accepts its
 * half, host 1's stays pending), then, best of 3 wall times and output
 * sizes of
 *   tagmem qmp query-cxl-dynamic-capacity   (the raw reply: the reference)
 *   tagmem list --json
 *   tagmem map --svg -
 *   tagmem map                              (terminal, 120 columns)
 * Each is a whole tagmem process: connect, query, format, print.
 *
 * Backends are memory-backend-ram (share=off): one private mapping each,
 * no memory object per block, so 50k accepted blocks do not take 50k
 * descriptors in the daemon.
 *
 * Usage: bench-cli [TAGS [EXTENTS-PER-TAG [SVG-FILE]]]  (TAGMEMD and TAGMEM
 * from meson); SVG-FILE keeps the map for a look.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_tagged.h"
#include "daemon_harness.h"

#define BLOCK TM_BENCH_BLOCK
#define RUNS 3

/* One tagged RAM backend and one prescriptive add of its extents. */
/* Run tagmem with @args; returns the best wall time in ms, *@bytes the output size. */
static double time_cli(char **envp, const char *const *args, gsize *bytes)
{
    double best = 1e18;

    for (int run = 0; run < RUNS; run++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *out = NULL;
        g_autofree char *errors = NULL;
        int status;
        gint64 start = g_get_monotonic_time();

        if (!g_spawn_sync(NULL, (char **)args, envp, 0, NULL, NULL, &out, &errors, &status,
                          &err) ||
            !g_spawn_check_wait_status(status, NULL)) {
            g_error("%s %s failed: %s", args[3], args[4] ? args[4] : "",
                    err ? err->message : errors);
        }
        best = MIN(best, (g_get_monotonic_time() - start) / 1000.0);
        *bytes = strlen(out);
    }
    return best;
}

static void accept_host0(TmTestDaemon *daemon, const char *tagmem)
{
    g_autofree char *socket = g_strdup_printf("%s/tagmem/host0.sock", daemon->dir);
    const char *args[] = { tagmem, "host-agent", "--host", "0", "--socket", socket,
                           "--policy", "accept-all", "--once", NULL };
    g_autofree char *out = NULL;
    int status;

    g_assert_true(g_spawn_sync(NULL, (char **)args, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

int main(int argc, char **argv)
{
    guint tags = argc > 1 ? (guint)atoi(argv[1]) : 10000;
    guint per_tag = argc > 2 ? (guint)atoi(argv[2]) : 10;
    const char *tagmem = g_getenv("TAGMEM");
    uint64_t dpa_needed = (uint64_t)tags * per_tag * 2 * BLOCK;
    uint64_t region = (dpa_needed + (256u << 20) - 1) / (256u << 20) * (256u << 20);
    g_autofree char *device = g_strdup_printf(
        "cxl-type3,id=dcd0,num-dc-regions=1,dc-regions-total-size=%" PRIu64 ",dc-block-size=4K,"
        "num-hosts=2,dc-max-extents=%u,dc-max-tags=%u", region, tags * per_tag / 2 + 1,
        tags);
    const char *extra[] = { "-device", device, NULL };

    if (tagmem == NULL || tags < 2 || per_tag < 1) {
        fprintf(stderr, "usage: TAGMEM=... TAGMEMD=... bench-cli [TAGS [EXTENTS-PER-TAG]]\n");
        return 2;
    }
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(extra);
    g_autoptr(TmQmpConn) conn = tm_test_daemon_connect(daemon);
    gint64 start = g_get_monotonic_time();

    for (guint t = 0; t < tags; t++) {
        tm_bench_add_tagged(conn, t, per_tag, 2);
    }
    /* Done with it: the hosts' events would pile up unread on it. */
    g_clear_pointer(&conn, tm_qmp_conn_free);
    printf("state: %u extents of %u tags on 2 hosts, built in %.1f s over QMP\n",
           tags * per_tag, tags, (g_get_monotonic_time() - start) / 1e6);
    start = g_get_monotonic_time();
    accept_host0(daemon, tagmem);
    printf("host 0 accepted its %u extents in %.1f s (host 1's stay pending)\n\n",
           tags * per_tag / 2, (g_get_monotonic_time() - start) / 1e6);

    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "COLUMNS", "120", TRUE);
    const char *s = daemon->socket_path;
    const struct {
        const char *name;
        const char *args[8];
    } runs[] = {
        { "qmp query-cxl-dynamic-capacity (reference)",
          { tagmem, "-s", s, "qmp", "query-cxl-dynamic-capacity", NULL } },
        { "list --json", { tagmem, "-s", s, "list", "--json", NULL } },
        { "map --svg -", { tagmem, "-s", s, "map", "--svg", "-", NULL } },
        { "map (terminal, 120 columns)", { tagmem, "-s", s, "map", NULL } },
    };
    double reference_ms = 0;
    printf("%-44s %10s %12s %8s\n", "tagmem ...", "wall ms", "bytes", "time/ref");
    for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
        gsize bytes;
        double ms = time_cli(envp, runs[i].args, &bytes);

        reference_ms = i == 0 ? ms : reference_ms;
        printf("%-44s %10.1f %12" G_GSIZE_FORMAT " %8.2f\n", runs[i].name, ms, bytes,
               ms / reference_ms);
    }
    printf("\n(best of %d runs each; every run is a whole tagmem process)\n", RUNS);
    if (argc > 3) {
        const char *args[] = { tagmem, "-s", s, "map", "--svg", argv[3], NULL };
        gsize ignored;
        time_cli(envp, args, &ignored);
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    return 0;
}

/*
 * bench-memory: what tagmemd's live state costs in resident memory, and
 * whether the memory comes back when the state goes.
 *
 *   bench-memory [--extents N] [--pending N] [--backends N] [--qmp] [TAGMEMD [OLD_TAGMEMD]]
 *
 * One daemon (TAGMEMD, default $TAGMEMD) with one device: a 64 GiB region
 * of 4 KiB blocks over a memfd that is never touched (its pages are the
 * hosts' capacity, not the daemon's), two hosts, dc-max-extents 1,048,576.
 * Its RSS (VmRSS of /proc/PID/status) is read:
 *
 *   start       after one extent was added, accepted and released (so the
 *               connections' buffers exist)
 *   accepted    after the FM added N extents (default 200,000) to host 0
 *               in requests of 4,096 and host 0 accepted them (with --qmp:
 *               cxl-add-dynamic-capacity in requests of 1,000, as an
 *               orchestrator would)
 *   pending     after N (default 50,000) one-extent add requests to host 1
 *               that it leaves unanswered
 *   backends    after N (default 20,000) object-add memory-backend-ram
 *   released    after host 0 released everything (one 4803h), host 1
 *               rejected every request and read its log, every backend was
 *               deleted, and a second passed (the daemon gives memory back
 *               on a timer)
 *
 * The table gives bytes per accepted extent, per pending one-extent add and
 * per backend, and the RSS after release against the start, whole and
 * anonymous only (RssAnon: without the code pages that the run touched
 * for the first time).  Given
 * OLD_TAGMEMD too, both daemons run the same steps in this run and the
 * table has a column for each and their ratio.  The figures in
 * docs/memory-model.md compare with the daemon of 12d4134:
 *
 *   git worktree add --detach /tmp/old 12d4134
 *   meson setup /tmp/old/build /tmp/old --buildtype=release
 *   ninja -C /tmp/old/build src/daemon/tagmemd
 *   build-release/bench/bench-memory build-release/src/daemon/tagmemd \
 *       /tmp/old/build/src/daemon/tagmemd
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"
#include "dc_bulk.h"

#define BLOCK ((uint64_t)4096)
#define REGION_SIZE ((uint64_t)64 << 30)
#define OP_ADD_DC_RESPONSE 0x4802

typedef struct {
    gint extents;
    gint pending;
    gint backends;
    gboolean qmp;     /* accepted extents offered over QMP, not by the FM */
} Sizes;

#define EXTENTS_PER_QMP_ADD 1000

typedef struct {
    double start_kib;
    double accepted_kib;
    double pending_kib;
    double backends_kib;
    double released_kib;
    double start_anon_kib;      /* RssAnon: the heap and other private memory, no code */
    double released_anon_kib;
} RssSteps;

/* A "Name:   N kB" field of /proc/PID/status. */
static double status_kib(GPid pid, const char *field)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_error("cannot read %s", path);
    }
    g_autofree char *key = g_strdup_printf("\n%s:", field);
    const char *line = strstr(text, key);
    g_assert_nonnull(line);
    return g_ascii_strtod(line + strlen(key), NULL);
}

static double rss_kib(GPid pid)
{
    return status_kib(pid, "VmRSS");
}

static void reject_oldest(int host)
{
    uint8_t payload[8] = { 0 };
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(host, OP_ADD_DC_RESPONSE, payload, sizeof(payload), &response, NULL);
    g_assert_cmphex(response.return_code, ==, 0);
}

static void qmp_ok(TmQmpConn *qmp, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(qmp, command, arguments);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

/*
 * @count extents of one block from @first_block, offered to host 0 with
 * cxl-add-dynamic-capacity in requests of EXTENTS_PER_QMP_ADD, each
 * accepted whole by the host.
 */
static void add_accepted_over_qmp(TmQmpConn *qmp, int host0, guint count)
{
    for (guint done = 0; done < count;) {
        guint batch = MIN(count - done, EXTENTS_PER_QMP_ADD);
        g_autoptr(GString) args = g_string_new("{\"path\": \"dcd0\", \"host-id\": 0, "
                                               "\"selection-policy\": \"prescriptive\", "
                                               "\"region\": 0, \"extents\": [");

        for (guint i = 0; i < batch; i++) {
            g_string_append_printf(args, "%s{\"offset\": %" G_GUINT64_FORMAT ", \"len\": %"
                                   G_GUINT64_FORMAT "}", i ? ", " : "",
                                   (guint64)(done + i) * BLOCK, (guint64)BLOCK);
        }
        g_string_append(args, "]}");
        qmp_ok(qmp, "cxl-add-dynamic-capacity", args->str);
        g_assert_cmpuint(tm_bulk_drain_dc_log(host0), ==, batch);
        tm_bulk_accept(host0, (uint64_t)done * BLOCK, BLOCK, BLOCK, batch);
        done += batch;
    }
}

static void settle(void)
{
    g_usleep(1500 * 1000);
}

static RssSteps run(const char *tagmemd, const Sizes *sizes)
{
    static const char *const args[] = {
        "-nodefaults",
        "-object", "memory-backend-memfd,id=dc0,size=64G",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=2,"
                   "dc-block-size=4K,dc-max-extents=1048576",
        NULL,
    };
    RssSteps rss;

    g_setenv("TAGMEMD", tagmemd, TRUE);
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autofree char *fm_path = g_build_filename(daemon->dir, "tagmem", "fm.sock", NULL);
    g_autofree char *host0_path = g_build_filename(daemon->dir, "tagmem", "host0.sock", NULL);
    g_autofree char *host1_path = g_build_filename(daemon->dir, "tagmem", "host1.sock", NULL);
    int fm = tm_test_cci_connect(fm_path);
    int host0 = tm_bulk_connect_host(host0_path);
    int host1 = tm_bulk_connect_host(host1_path);
    uint64_t pending_base = (uint64_t)sizes->extents * BLOCK;

    tm_bulk_add_accepted(fm, host0, 0, 0, 0, BLOCK, BLOCK, 1, BLOCK);
    g_assert_cmphex(tm_bulk_release(host0, 0, BLOCK), ==, 0);
    settle();
    rss.start_kib = rss_kib(daemon->pid);
    rss.start_anon_kib = status_kib(daemon->pid, "RssAnon");

    if (sizes->qmp) {
        TmQmpConn *qmp = tm_test_daemon_connect(daemon);
        add_accepted_over_qmp(qmp, host0, (guint)sizes->extents);
        tm_qmp_conn_free(qmp);
        g_usleep(200 * 1000);
    } else {
        tm_bulk_add_accepted(fm, host0, 0, 0, 0, BLOCK, BLOCK, (guint)sizes->extents, BLOCK);
    }
    rss.accepted_kib = rss_kib(daemon->pid);

    for (gint i = 0; i < sizes->pending; i++) {
        g_assert_cmphex(tm_bulk_fm_add_one(fm, 1, pending_base + (uint64_t)i * BLOCK, BLOCK),
                        ==, 0);
    }
    rss.pending_kib = rss_kib(daemon->pid);

    /* QMP connects only while it is used: it would hear every DC event. */
    TmQmpConn *qmp = tm_test_daemon_connect(daemon);
    for (gint i = 0; i < sizes->backends; i++) {
        g_autofree char *object = g_strdup_printf(
            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"m%d\", \"size\": 4096}", i);
        qmp_ok(qmp, "object-add", object);
    }
    tm_qmp_conn_free(qmp);
    /* Until the daemon sees the close, the release below would be a QMP event for it. */
    g_usleep(200 * 1000);
    rss.backends_kib = rss_kib(daemon->pid);

    g_assert_cmphex(tm_bulk_release(host0, 0, (uint64_t)sizes->extents * BLOCK), ==, 0);
    g_assert_cmpuint(tm_bulk_drain_dc_log(host1), ==, (guint)sizes->pending);
    for (gint i = 0; i < sizes->pending; i++) {
        reject_oldest(host1);
    }
    qmp = tm_test_daemon_connect(daemon);
    for (gint i = 0; i < sizes->backends; i++) {
        g_autofree char *object = g_strdup_printf("{\"id\": \"m%d\"}", i);
        qmp_ok(qmp, "object-del", object);
    }
    tm_qmp_conn_free(qmp);
    settle();
    rss.released_kib = rss_kib(daemon->pid);
    rss.released_anon_kib = status_kib(daemon->pid, "RssAnon");

    close(fm);
    close(host0);
    close(host1);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    return rss;
}

static void print_row(const char *name, const char *unit, double value, const double *old)
{
    printf("%-40s %-6s %12.1f", name, unit, value);
    if (old) {
        printf(" %12.1f %8.2fx", *old, value / *old);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    Sizes sizes = { .extents = 200000, .pending = 50000, .backends = 20000 };
    GOptionEntry entries[] = {
        { "extents", 0, 0, G_OPTION_ARG_INT, &sizes.extents, "accepted extents (200000)", "N" },
        { "pending", 0, 0, G_OPTION_ARG_INT, &sizes.pending, "one-extent adds (50000)", "N" },
        { "backends", 0, 0, G_OPTION_ARG_INT, &sizes.backends, "backends (20000)", "N" },
        { "qmp", 0, 0, G_OPTION_ARG_NONE, &sizes.qmp,
          "offer the accepted extents with QMP cxl-add-dynamic-capacity (1,000 a request)",
          NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD [OLD_TAGMEMD]]");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || argc > 3 ||
        sizes.extents < 1 || sizes.extents > 1000000 || sizes.pending < 1 ||
        sizes.pending > 65535 || sizes.backends < 1) {
        fprintf(stderr, "bench-memory: %s\n",
                err ? err->message : "1 <= --extents <= 1000000, 1 <= --pending <= 65535, "
                                     "--backends >= 1, at most two daemons");
        return 2;
    }
    g_autofree char *tagmemd = g_strdup(argc > 1 ? argv[1] : g_getenv("TAGMEMD"));
    if (tagmemd == NULL) {
        fprintf(stderr, "bench-memory: no daemon (TAGMEMD or an argument)\n");
        return 2;
    }
    g_autofree char *new_path = g_canonicalize_filename(tagmemd, NULL);
    g_autofree char *old_path = argc > 2 ? g_canonicalize_filename(argv[2], NULL) : NULL;
    RssSteps now = run(new_path, &sizes);
    RssSteps old = { 0 };
    if (old_path) {
        old = run(old_path, &sizes);
    }
    const RssSteps *o = old_path ? &old : NULL;

    printf("bench-memory: %d accepted extents (offered by %s), %d pending one-extent adds, "
           "%d backends\n", sizes.extents, sizes.qmp ? "QMP" : "the FM", sizes.pending,
           sizes.backends);
    printf("daemon: %s\n", new_path);
    if (o) {
        printf("old:    %s\n", old_path);
    }
    printf("\n%-40s %-6s %12s", "", "", "daemon");
    if (o) {
        printf(" %12s %9s", "old", "new/old");
    }
    printf("\n");
#define PER(steps, to, from, n) (((steps)->to - (steps)->from) * 1024.0 / (n))
    double v, ov;
    v = PER(&now, accepted_kib, start_kib, sizes.extents);
    ov = o ? PER(o, accepted_kib, start_kib, sizes.extents) : 0;
    print_row("RSS per accepted extent", "B", v, o ? &ov : NULL);
    v = PER(&now, pending_kib, accepted_kib, sizes.pending);
    ov = o ? PER(o, pending_kib, accepted_kib, sizes.pending) : 0;
    print_row("RSS per pending one-extent add", "B", v, o ? &ov : NULL);
    v = PER(&now, backends_kib, pending_kib, sizes.backends);
    ov = o ? PER(o, backends_kib, pending_kib, sizes.backends) : 0;
    print_row("RSS per backend", "B", v, o ? &ov : NULL);
#undef PER
    print_row("RSS at start", "MiB", now.start_kib / 1024, o ? &(double){ o->start_kib / 1024 } : NULL);
    print_row("RSS with everything", "MiB", now.backends_kib / 1024,
              o ? &(double){ o->backends_kib / 1024 } : NULL);
    print_row("RSS after releasing everything", "MiB", now.released_kib / 1024,
              o ? &(double){ o->released_kib / 1024 } : NULL);
    print_row("  released / start", "x", now.released_kib / now.start_kib,
              o ? &(double){ o->released_kib / o->start_kib } : NULL);
    print_row("anonymous RSS at start", "MiB", now.start_anon_kib / 1024,
              o ? &(double){ o->start_anon_kib / 1024 } : NULL);
    print_row("anonymous RSS after releasing everything", "MiB", now.released_anon_kib / 1024,
              o ? &(double){ o->released_anon_kib / 1024 } : NULL);
    print_row("  released / start", "x", now.released_anon_kib / now.start_anon_kib,
              o ? &(double){ o->released_anon_kib / o->start_anon_kib } : NULL);
    return 0;
}

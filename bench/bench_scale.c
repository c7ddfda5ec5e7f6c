/*
 * bench-scale: the daemon's CPU per request as sockets multiply
 * (docs/event-loop.md), each configuration beside the smallest one and
 * beside the same configuration of another daemon, in the same run.
 *
 *   bench-scale [--rounds N] [--cycles N] [--blocks N] [TAGMEMD...]
 *   (default: $TAGMEMD; say, this build's tagmemd and main's)
 *
 * Each configuration is a tagmemd with D devices of H hosts (one memfd
 * region each), listening on D * (H + 1) CCI sockets and one QMP socket,
 * with a libtagmem host (Linux v11 rules) connected to every host socket:
 * 1, 16, 64, 256 devices x 2 hosts, and 1 x 64, 1 x 256, 4 x 250 (1,000
 * hosts; a device has at most 256).  Reading the daemon's CPU time (all
 * its threads' /proc/PID/task/TID/schedstat, nanoseconds) before and after:
 *
 *   qom-get  round trips on one QMP connection (qom-get of a backend's
 *            size); server CPU per request.
 *   cycle    rounds in which every host does a one-extent cycle at once:
 *            the FM sends one prescriptive 2 MiB add per host (pipelined),
 *            every host accepts (Get Event Records, Clear, 4802h, C001h,
 *            mmap) and releases it (4803h), and the FM reads the committed
 *            and released events; server CPU per cycle, which is flat when
 *            the total work of a round is linear in the hosts.
 *
 * Every daemon runs at once and the measurements are split into blocks
 * that visit every daemon in turn; each figure is the median of its blocks.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "host_session.h"

#define WARMUP_ROUNDS 200
#define REGION_BYTES (512 * MiB)

typedef struct {
    guint devices;
    guint hosts;            /* per device */
} Config;

/* 1 device x 2 hosts first: the reference of both halves of the table. */
static const Config configs[] = {
    { 1, 2 }, { 16, 2 }, { 64, 2 }, { 256, 2 },
    { 1, 64 }, { 1, 256 }, { 4, 250 },
};

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    GPtrArray *hosts;       /* TagmemHost *, device by device */
    HostTally *tallies;     /* one per host */
    uint64_t *dpa;          /* where each host's extent goes: its own 2 MiB of region 0 */
    guint n_hosts;
} Setup;

typedef struct {
    double qom_get_us;      /* server CPU per request */
    double cycle_us;        /* server CPU per cycle */
} Run;

typedef struct {
    guint rounds;           /* qom-gets per daemon, all blocks */
    guint cycles;           /* cycles per daemon, all blocks */
    guint blocks;
} Options;

static char *device_socket(const Setup *setup, guint device, guint host)
{
    g_autofree char *name = device == 0 ? g_strdup_printf("host%u.sock", host)
                                        : g_strdup_printf("dcd%u-host%u.sock", device, host);

    return g_build_filename(setup->daemon->dir, "tagmem", name, NULL);
}

static GPtrArray *daemon_args(const Config *config)
{
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(args, g_strdup("--log-level"));
    g_ptr_array_add(args, g_strdup("warning"));
    g_ptr_array_add(args, g_strdup("-nodefaults"));
    for (guint d = 0; d < config->devices; d++) {
        g_ptr_array_add(args, g_strdup("-object"));
        g_ptr_array_add(args, g_strdup_printf("memory-backend-memfd,id=m%u,size=%" PRIu64, d,
                                              (uint64_t)REGION_BYTES));
        g_ptr_array_add(args, g_strdup("-device"));
        g_ptr_array_add(args, g_strdup_printf("cxl-type3,id=dcd%u,volatile-dc-memdev=m%u,"
                                              "num-dc-regions=1,num-hosts=%u", d, d,
                                              config->hosts));
    }
    g_ptr_array_add(args, NULL);
    return args;
}

static void setup_start(Setup *setup, const Config *config)
{
    g_autoptr(GPtrArray) args = daemon_args(config);
    guint n = config->devices * config->hosts;

    *setup = (Setup){ .n_hosts = n };
    setup->daemon = tm_test_daemon_start((const char *const *)args->pdata);
    setup->qmp = tm_test_daemon_connect(setup->daemon);
    setup->hosts = g_ptr_array_new();
    setup->tallies = g_new0(HostTally, n);
    setup->dpa = g_new0(uint64_t, n);
    for (guint d = 0; d < config->devices; d++) {
        for (guint h = 0; h < config->hosts; h++) {
            guint i = setup->hosts->len;
            g_autofree char *path = device_socket(setup, d, h);
            TagmemHost *host = bench_host_connect(path, 0, &setup->tallies[i]);
            TagmemRegion region;

            if (tagmem_host_regions(host, &region, 1) < 1) {
                g_error("bench-scale: %s reports no DC region", path);
            }
            setup->dpa[i] = region.base + (uint64_t)h * EXTENT_BYTES;
            g_ptr_array_add(setup->hosts, host);
        }
    }
}

static void setup_stop(Setup *setup)
{
    for (guint i = 0; i < setup->hosts->len; i++) {
        tagmem_host_close(g_ptr_array_index(setup->hosts, i));
    }
    g_ptr_array_unref(setup->hosts);
    g_free(setup->tallies);
    g_free(setup->dpa);
    tm_qmp_conn_free(setup->qmp);
    if (tm_test_daemon_stop(setup->daemon, SIGTERM) != 0) {
        g_error("bench-scale: tagmemd did not exit cleanly");
    }
    tm_test_daemon_free(setup->daemon);
}

/* CPU time of every thread of @pid, in nanoseconds (the first field of schedstat). */
static uint64_t process_cpu_ns(GPid pid)
{
    g_autofree char *dir_path = g_strdup_printf("/proc/%d/task", (int)pid);
    DIR *dir = opendir(dir_path);
    struct dirent *entry;
    uint64_t total = 0;

    if (dir == NULL) {
        g_error("bench-scale: %s: %s", dir_path, g_strerror(errno));
    }
    while ((entry = readdir(dir)) != NULL) {
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;

        if (entry->d_name[0] == '.') {
            continue;
        }
        path = g_strdup_printf("%s/%s/schedstat", dir_path, entry->d_name);
        /* A thread that ended meanwhile is gone: its time is no longer counted anywhere. */
        if (g_file_get_contents(path, &text, NULL, NULL)) {
            total += g_ascii_strtoull(text, NULL, 10);
        }
    }
    closedir(dir);
    return total;
}

static const char qom_get_request[] =
    "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/objects/m0\", "
    "\"property\": \"size\"}}\n";

static double sample_qom_get(Setup *setup, guint rounds)
{
    uint64_t before = process_cpu_ns(setup->daemon->pid);

    for (guint i = 0; i < rounds; i++) {
        bench_qmp_request(setup->qmp, qom_get_request);
    }
    return (double)(process_cpu_ns(setup->daemon->pid) - before) / rounds / 1000.0;
}

static int compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void send_request(TmQmpConn *qmp, const char *request)
{
    g_autoptr(GError) err = NULL;

    if (!tm_qmp_conn_send_raw(qmp, request, strlen(request), &err)) {
        g_error("bench-scale: QMP: %s", err->message);
    }
}

/* Replies to @n requests sent before (no event can come before the hosts answer). */
static void read_replies(TmQmpConn *qmp, guint n)
{
    while (n > 0) {
        g_autoptr(GError) err = NULL;
        json_object *message = tm_qmp_conn_receive(qmp, EVENT_TIMEOUT_MS, &err);

        if (message == NULL) {
            g_error("bench-scale: QMP: %s", err->message);
        }
        if (!json_object_object_get_ex(message, "return", NULL)) {
            g_error("bench-scale: expected a reply, got %s", json_object_to_json_string(message));
        }
        json_object_put(message);
        n--;
    }
}

/* Every host of @setup adds, accepts and releases one extent; the FM sees all events. */
static void cycle_round(Setup *setup, const Config *config)
{
    g_autoptr(GString) requests = g_string_new(NULL);

    for (guint i = 0; i < setup->n_hosts; i++) {
        g_string_append_printf(requests,
                               "{\"execute\": \"cxl-add-dynamic-capacity\", \"arguments\": "
                               "{\"path\": \"dcd%u\", \"host-id\": %u, \"selection-policy\": "
                               "\"prescriptive\", \"region\": 0, \"extents\": [{\"offset\": %"
                               PRIu64 ", \"len\": %" PRIu64 "}]}}\n",
                               i / config->hosts, i % config->hosts,
                               (uint64_t)(i % config->hosts) * EXTENT_BYTES, EXTENT_BYTES);
    }
    send_request(setup->qmp, requests->str);
    read_replies(setup->qmp, setup->n_hosts);
    for (guint i = 0; i < setup->n_hosts; i++) {
        bench_host_accept(g_ptr_array_index(setup->hosts, i), &setup->tallies[i], 1);
    }
    for (guint i = 0; i < setup->n_hosts; i++) {
        TagmemHost *host = g_ptr_array_index(setup->hosts, i);
        if (tagmem_host_release_range(host, setup->dpa[i], EXTENT_BYTES) != 0) {
            bench_die_host(host, "releasing");
        }
    }
    bench_qmp_read_cycle_events(setup->qmp, setup->n_hosts, NULL);
}

static void warm_up(Setup *setup, const Config *config)
{
    for (guint i = 0; i < WARMUP_ROUNDS; i++) {
        bench_qmp_request(setup->qmp, qom_get_request);
    }
    cycle_round(setup, config);
}

/* Server CPU per cycle over at least @cycles cycles (whole rounds). */
static double sample_cycles(Setup *setup, const Config *config, guint cycles)
{
    guint rounds = MAX(1u, cycles / setup->n_hosts);
    uint64_t before = process_cpu_ns(setup->daemon->pid);

    for (guint r = 0; r < rounds; r++) {
        cycle_round(setup, config);
    }
    return (double)(process_cpu_ns(setup->daemon->pid) - before) / rounds / setup->n_hosts /
           1000.0;
}

static double median(GArray *samples)
{
    g_array_sort(samples, compare_double);
    return g_array_index(samples, double, samples->len / 2);
}

/* Listening: every device's FM and host sockets, and QMP; connected: the hosts and QMP. */
static guint socket_count(const Config *config)
{
    return config->devices * (config->hosts + 1) + 1 + config->devices * config->hosts + 1;
}

static void print_table(const char *tagmemd, const Run *runs, const Run *reference)
{
    printf("\n%s\n", tagmemd);
    printf("%-8s %-6s %-6s %-7s | %-10s %-6s %-8s | %-10s %-6s %-8s\n", "devices", "hosts",
           "total", "sockets", "qom-get us", "ratio", "vs first", "cycle us", "ratio",
           "vs first");
    for (guint i = 0; i < G_N_ELEMENTS(configs); i++) {
        const Config *config = &configs[i];
        printf("%-8u %-6u %-6u %-7u | %-10.1f %-6.2f %-8.2f | %-10.1f %-6.2f %-8.2f\n",
               config->devices, config->hosts, config->devices * config->hosts,
               socket_count(config), runs[i].qom_get_us, runs[i].qom_get_us / runs[0].qom_get_us,
               runs[i].qom_get_us / reference[i].qom_get_us, runs[i].cycle_us,
               runs[i].cycle_us / runs[0].cycle_us, runs[i].cycle_us / reference[i].cycle_us);
    }
}

/*
 * Every daemon of every configuration runs at once, and each block
 * measures each of them in turn: load from elsewhere on the machine falls
 * on all alike, and the median of the blocks leaves out a block it hit.
 */
static void run_all(char **tagmemds, guint n_daemons, const Options *opts)
{
    guint n = n_daemons * G_N_ELEMENTS(configs);
    g_autofree Setup *setups = g_new0(Setup, n);
    g_autofree Run *runs = g_new0(Run, n);
    GArray *qom_get[n], *cycle[n];

    for (guint i = 0; i < n; i++) {
        g_setenv("TAGMEMD", tagmemds[i / G_N_ELEMENTS(configs)], TRUE);
        setup_start(&setups[i], &configs[i % G_N_ELEMENTS(configs)]);
        warm_up(&setups[i], &configs[i % G_N_ELEMENTS(configs)]);
        qom_get[i] = g_array_new(FALSE, FALSE, sizeof(double));
        cycle[i] = g_array_new(FALSE, FALSE, sizeof(double));
    }
    for (guint block = 0; block < opts->blocks; block++) {
        for (guint i = 0; i < n; i++) {
            double qom = sample_qom_get(&setups[i], opts->rounds / opts->blocks);
            double cyc = sample_cycles(&setups[i], &configs[i % G_N_ELEMENTS(configs)],
                                       opts->cycles / opts->blocks);
            g_array_append_val(qom_get[i], qom);
            g_array_append_val(cycle[i], cyc);
        }
    }
    for (guint i = 0; i < n; i++) {
        runs[i] = (Run){ .qom_get_us = median(qom_get[i]), .cycle_us = median(cycle[i]) };
        g_array_unref(qom_get[i]);
        g_array_unref(cycle[i]);
        setup_stop(&setups[i]);
    }
    printf("bench-scale: server CPU (all daemon threads, /proc/PID/task/*/schedstat), median of "
           "%u blocks;\nper block and daemon: %u qom-get round trips on one QMP connection, and "
           "at least %u one-extent\nadd/accept/release cycles, every host at once.  ratio: "
           "against 1 x 2 of the same daemon;\nvs first: against the same row of the first "
           "daemon.\n", opts->blocks, opts->rounds / opts->blocks, opts->cycles / opts->blocks);
    for (guint d = 0; d < n_daemons; d++) {
        print_table(tagmemds[d], &runs[d * G_N_ELEMENTS(configs)], runs);
    }
}

/* A libtagmem host per host socket, and the daemon's sockets: more than 1024 descriptors. */
static void raise_descriptor_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

int main(int argc, char **argv)
{
    gint rounds = 10000, cycles = 2000, blocks = 10;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "rounds", 'n', 0, G_OPTION_ARG_INT, &rounds,
          "qom-get round trips per configuration (default 10000)", "N" },
        { "cycles", 'c', 0, G_OPTION_ARG_INT, &cycles,
          "one-extent cycles per configuration, at least a round per block (default 2000)",
          "N" },
        { "blocks", 'b', 0, G_OPTION_ARG_INT, &blocks,
          "blocks the measurements are split into (default 10)", "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD...]");

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || blocks < 1 || blocks > 1000 ||
        rounds < 100 * blocks || cycles < blocks) {
        fprintf(stderr, "bench-scale: %s\n",
                err ? err->message
                    : "usage: bench-scale [-b 1..1000] [-n N>=100*blocks] [-c N>=blocks] "
                      "[TAGMEMD...]");
        return 1;
    }
    Options opts = { .rounds = (guint)rounds, .cycles = (guint)cycles, .blocks = (guint)blocks };
    raise_descriptor_limit();
    g_autoptr(GPtrArray) tagmemds = g_ptr_array_new_with_free_func(g_free);
    if (argc < 2) {
        g_ptr_array_add(tagmemds, g_strdup(tm_test_tagmemd_path()));
    }
    for (int i = 1; i < argc; i++) {
        g_ptr_array_add(tagmemds, g_canonicalize_filename(argv[i], NULL));
    }
    run_all((char **)tagmemds->pdata, tagmemds->len, &opts);
    return 0;
}

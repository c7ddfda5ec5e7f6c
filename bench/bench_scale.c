/*
 * bench-scale: the daemon's CPU per request as sockets multiply
 * (docs/event-loop.md), each configuration beside the smallest one in the
 * same run.
 *
 *   bench-scale [--rounds N] [--cycles N] [TAGMEMD...]  (default: $TAGMEMD)
 *
 * Each configuration starts tagmemd with D devices of H hosts (one memfd
 * region each), so it listens on D * (H + 1) CCI sockets and one QMP
 * socket, and connects a libtagmem host (Linux v11 rules) to every host
 * socket.  Then, reading the daemon's CPU time (all its threads'
 * /proc/PID/task/TID/schedstat, nanoseconds) before and after:
 *
 *   qom-get  N round trips on one QMP connection (qom-get of a backend's
 *            size); server CPU per request.
 *   cycle    rounds in which every host does a one-extent cycle at once:
 *            the FM sends one prescriptive 2 MiB add per host (pipelined),
 *            every host accepts (Get Event Records, Clear, 4802h, C001h,
 *            mmap) and releases it (4803h), and the FM reads the committed
 *            and released events; server CPU per cycle, and per round
 *            divided by the hosts (flat when the total is linear in them).
 *
 * Ratios are against the first row (1 device, 2 hosts).  With several
 * TAGMEMD paths the table is printed for each, one after the other (say,
 * this build and main's).
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
    uint64_t *dpa;          /* region 0's base, per host */
    guint n_hosts;
} Setup;

typedef struct {
    double qom_get_us;      /* server CPU per request */
    double cycle_us;        /* server CPU per cycle */
    double cycle_wall_us;   /* wall time per cycle */
    guint sockets;          /* listening and connected */
} Row;

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

static double measure_qom_get(Setup *setup, guint rounds)
{
    for (guint i = 0; i < WARMUP_ROUNDS; i++) {
        bench_qmp_request(setup->qmp, qom_get_request);
    }
    uint64_t before = process_cpu_ns(setup->daemon->pid);
    for (guint i = 0; i < rounds; i++) {
        bench_qmp_request(setup->qmp, qom_get_request);
    }
    return (double)(process_cpu_ns(setup->daemon->pid) - before) / rounds / 1000.0;
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

static void measure_cycles(Setup *setup, const Config *config, guint cycles, Row *row)
{
    guint rounds = MAX(1u, cycles / setup->n_hosts);

    cycle_round(setup, config);
    uint64_t cpu_before = process_cpu_ns(setup->daemon->pid);
    uint64_t wall_before = bench_now_ns();
    for (guint r = 0; r < rounds; r++) {
        cycle_round(setup, config);
    }
    double n = (double)rounds * setup->n_hosts;
    row->cycle_wall_us = (double)(bench_now_ns() - wall_before) / n / 1000.0;
    row->cycle_us = (double)(process_cpu_ns(setup->daemon->pid) - cpu_before) / n / 1000.0;
}

static Row measure_config(const Config *config, guint rounds, guint cycles)
{
    Setup setup;
    Row row = {
        /* Listening: every device's FM and host sockets, and QMP; connected: hosts, QMP. */
        .sockets = config->devices * (config->hosts + 1) + 1 + config->devices * config->hosts + 1,
    };

    setup_start(&setup, config);
    row.qom_get_us = measure_qom_get(&setup, rounds);
    measure_cycles(&setup, config, cycles, &row);
    setup_stop(&setup);
    return row;
}

static void print_table(const char *tagmemd, guint rounds, guint cycles)
{
    Row rows[G_N_ELEMENTS(configs)];

    g_setenv("TAGMEMD", tagmemd, TRUE);
    printf("\nbench-scale: %s\n", tagmemd);
    printf("server CPU (all daemon threads, /proc schedstat); qom-get: %u round trips on one "
           "QMP connection;\ncycle: at least %u one-extent add/accept/release cycles, every "
           "host at once; ratios against 1 x 2\n\n", rounds, cycles);
    printf("%-8s %-6s %-6s %-7s | %-12s %-6s | %-12s %-6s %-12s\n", "devices", "hosts",
           "total", "sockets", "qom-get us", "ratio", "cycle us", "ratio", "cycle wall us");
    for (guint i = 0; i < G_N_ELEMENTS(configs); i++) {
        const Config *config = &configs[i];
        rows[i] = measure_config(config, rounds, cycles);
        printf("%-8u %-6u %-6u %-7u | %-12.1f %-6.2f | %-12.1f %-6.2f %-12.1f\n",
               config->devices, config->hosts, config->devices * config->hosts,
               rows[i].sockets, rows[i].qom_get_us, rows[i].qom_get_us / rows[0].qom_get_us,
               rows[i].cycle_us, rows[i].cycle_us / rows[0].cycle_us, rows[i].cycle_wall_us);
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
    gint rounds = 5000, cycles = 1000;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "rounds", 'n', 0, G_OPTION_ARG_INT, &rounds,
          "qom-get round trips per configuration (default 5000)", "N" },
        { "cycles", 'c', 0, G_OPTION_ARG_INT, &cycles,
          "one-extent cycles per configuration, at least one per host (default 1000)", "N" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD...]");

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &err) || rounds < 100 || cycles < 1) {
        fprintf(stderr, "bench-scale: %s\n",
                err ? err->message : "usage: bench-scale [-n N>=100] [-c N>=1] [TAGMEMD...]");
        return 1;
    }
    raise_descriptor_limit();
    if (argc < 2) {
        print_table(tm_test_tagmemd_path(), (guint)rounds, (guint)cycles);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        g_autofree char *tagmemd = g_canonicalize_filename(argv[i], NULL);
        print_table(tagmemd, (guint)rounds, (guint)cycles);
    }
    return 0;
}

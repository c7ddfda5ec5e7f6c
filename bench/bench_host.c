/*
 * bench-host: the host side of tagmem end to end, libtagmem against the
 * real tagmemd, each measurement beside a reference from the same run.
 *
 *   bench-host [--seconds S] [--passes N] [--slow-passes N] [--size MIB] [TAGMEMD]
 *
 * 1. Full cycles (cycle_table.c): FM add over QMP, notification, Get
 *    Event Records, Clear, 4802h, C001h + mmap, every page touched,
 *    4803h, for 1, 64 and 1024 extents per request, beside the floor: the
 *    same packets replayed on a bare SOCK_SEQPACKET socketpair with the
 *    same mmaps on a memfd.
 * 2. Read and write bandwidth through the direct alias beside native
 *    memcpy on memory of the same size (bandwidth_table.c), and
 * 3. the read/write-by-DPA slow path on the same table.
 *
 * TAGMEMD defaults to $TAGMEMD (meson sets it for `meson test --benchmark`).
 */
#include <stdio.h>

#include "host_tables.h"

static bool parse_options(int *argc, char ***argv, BenchOptions *opts)
{
    gint passes = 10, slow = 3, size_mib = 256;
    gdouble seconds = 2.0;
    g_autoptr(GError) err = NULL;
    const GOptionEntry entries[] = {
        { "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
          "time full cycles for at least S seconds per request size (default 2)", "S" },
        { "passes", 'p', 0, G_OPTION_ARG_INT, &passes,
          "memcpy passes per buffer and direction (default 10)", "N" },
        { "slow-passes", 'w', 0, G_OPTION_ARG_INT, &slow,
          "passes by DPA per direction (default 3)", "N" },
        { "size", 'm', 0, G_OPTION_ARG_INT, &size_mib,
          "MiB of the tagged allocation, even (default 256)", "MIB" },
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("[TAGMEMD]");

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, argc, argv, &err) || seconds <= 0 || seconds > 3600 ||
        passes < 1 || slow < 1 || size_mib < 2 || size_mib % 2 != 0 || size_mib > 65536 ||
        *argc > 2) {
        fprintf(stderr, "bench-host: %s\n", err ? err->message
                : "usage: bench-host [-s 0<S<=3600] [-p N>=1] [-w N>=1] [-m 2..65536, even] "
                  "[TAGMEMD]");
        return false;
    }
    *opts = (BenchOptions){
        .seconds = seconds,
        .passes = (guint)passes,
        .slow_passes = (guint)slow,
        .size = (uint64_t)size_mib * MiB,
    };
    return true;
}

int main(int argc, char **argv)
{
    BenchOptions opts;
    Bench bench;

    /* Each table appears when it is done, through a pipe (meson) too. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!parse_options(&argc, &argv, &opts)) {
        return 1;
    }
    if (argc == 2) {
        g_autofree char *tagmemd = g_canonicalize_filename(argv[1], NULL);
        g_setenv("TAGMEMD", tagmemd, TRUE);
    }
    bench_start(&bench, &opts);
    bench_run_cycle_table(&bench, &opts);
    bench_run_bandwidth_table(&bench, &opts);
    return bench_stop(&bench) == 0 ? 0 : 1;
}

/*
 * What bench-host's tables share: the tagmemd it runs, the FM's QMP
 * requests and events, and libtagmem host connections that count what
 * they accept.  Any failure ends the run with a message (g_error).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include <tagmem/tagmem.h>

#include "daemon_harness.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
/* The Linux DCD driver's alignment, and the device's default block size. */
#define EXTENT_BYTES (2 * MiB)
#define MAX_REQUEST_EXTENTS 1024u
#define EVENT_TIMEOUT_MS 10000
#define BENCH_TAG "6d656d62-656e-4368-8000-000000000001"

typedef struct {
    double seconds;         /* timed full cycles per request size, at least */
    guint passes;           /* memcpy passes */
    guint slow_passes;      /* passes by DPA */
    uint64_t size;          /* bytes of the tagged allocation */
} BenchOptions;

/*
 * tagmemd with device dcd0: two regions over memfd dc0 (region 0 for the
 * cycles, region 1 for the tagged allocation) and memfd tagged0 holding
 * BENCH_TAG; host 0's and the FM's sockets at their defaults.
 */
typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    char *host_path;
} Bench;

void bench_start(Bench *bench, const BenchOptions *opts);
/* Returns the daemon's exit status. */
int bench_stop(Bench *bench);

typedef struct {
    guint accepted;
    guint rejected;
    TagmemVerdict verdict;  /* of the last rejection */
} HostTally;

uint64_t bench_now_ns(void);

/* End the run with libtagmem's last error on @host. */
G_NORETURN void bench_die_host(TagmemHost *host, const char *what);

/*
 * Connect to @path with the Linux v11 rules, a chain holding at most
 * @max_pending extents (0: the driver's 100); @tally counts the events.
 */
TagmemHost *bench_host_connect(const char *path, guint max_pending, HostTally *tally);

/* Handle DC events until @n more extents are accepted; a rejection ends the run. */
void bench_host_accept(TagmemHost *host, HostTally *tally, guint n);

/* Send a prepared QMP request line, wait for its reply (events skipped); returns its size. */
size_t bench_qmp_request(TmQmpConn *qmp, const char *request);

/*
 * Read CXL_DC_CAPACITY_* events until they have reported @n extents
 * committed and @n released; each event's size is appended to @sizes
 * (uint32_t) when not NULL.
 */
void bench_qmp_read_cycle_events(TmQmpConn *qmp, guint n, GArray *sizes);

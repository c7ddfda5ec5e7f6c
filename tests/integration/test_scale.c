/*
 * A host at scale: a million accepted extents on one host (dc-max-extents
 * is not tied to the DC event log's depth: the log holds what is
 * outstanding, the extent list what is held), paged through with Get DC
 * Extent List (4801h), refused past the limit and released in one 4803h;
 * and the daemon's resident memory coming back once everything it held
 * for hundreds of thousands of extents is gone.  Extents come from the
 * FM in large requests and are accepted by a raw CCI host (dc_bulk.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "daemon_harness.h"
#include "dc_bulk.h"

#define BLOCK ((uint64_t)4096)
#define MILLION (1u << 20)
#define PAGE 4096u
#define RC_SUCCESS 0x00
#define RC_RESOURCES_EXHAUSTED 0x1D

typedef struct {
    TmTestDaemon *daemon;
    int fm;
    int host[2];
} Scale;

/* dcd0: one 8 GiB region of 4 KiB blocks (two million), two hosts, a million extents each. */
static void scale_start(Scale *scale)
{
    static const char *const args[] = {
        "-nodefaults",
        "-object", "memory-backend-memfd,id=dc0,size=8G",
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=2,"
                   "dc-block-size=4K,dc-max-extents=1048576",
        NULL,
    };

    scale->daemon = tm_test_daemon_start(args);
    g_autofree char *fm = g_build_filename(scale->daemon->dir, "tagmem", "fm.sock", NULL);
    scale->fm = tm_test_cci_connect(fm);
    for (unsigned h = 0; h < 2; h++) {
        g_autofree char *name = g_strdup_printf("host%u.sock", h);
        g_autofree char *path = g_build_filename(scale->daemon->dir, "tagmem", name, NULL);
        scale->host[h] = tm_bulk_connect_host(path);
    }
}

static void scale_stop(Scale *scale)
{
    close(scale->fm);
    close(scale->host[0]);
    close(scale->host[1]);
    g_assert_cmpint(tm_test_daemon_stop(scale->daemon, SIGTERM), ==, 0);
    tm_test_daemon_free(scale->daemon);
}

/* Extent i of the host's list is block i. */
static void check_block(guint index, uint64_t dpa, uint64_t length, gpointer opaque)
{
    (void)opaque;
    if (dpa != index * BLOCK || length != BLOCK) {
        g_error("extent %u is 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x, expected "
                "block %u", index, dpa, length, index);
    }
}

static void test_million_extents(void)
{
    Scale scale;

    scale_start(&scale);
    /*
     * 65,536 offered extents of 16 blocks, in 64 requests; each block is
     * accepted alone, so that each request gives the host 16,384 extents.
     */
    for (guint r = 0; r < 64; r++) {
        tm_bulk_add_accepted(scale.fm, scale.host[0], 0, 0, r * 1024 * 16 * BLOCK, 16 * BLOCK,
                             16 * BLOCK, 1024, BLOCK);
    }
    g_assert_cmpuint(tm_bulk_read_extent_list(scale.host[0], PAGE, check_block, NULL), ==,
                     MILLION);

    /* The host holds all it may: one more is refused and changes nothing. */
    g_assert_cmphex(tm_bulk_fm_add_one(scale.fm, 0, MILLION * BLOCK, BLOCK), ==, RC_RESOURCES_EXHAUSTED);
    g_assert_cmpuint(tm_bulk_drain_dc_log(scale.host[0]), ==, 0);
    g_assert_cmpuint(tm_bulk_read_extent_list(scale.host[0], PAGE, NULL, NULL), ==, MILLION);

    /* Asked for more than a reply holds, the device pages by what fits. */
    g_assert_cmpuint(tm_bulk_read_extent_list(scale.host[0], 300000, check_block, NULL), ==,
                     MILLION);

    /* One 4803h entry across every extent releases them all. */
    g_assert_cmphex(tm_bulk_release(scale.host[0], 0, MILLION * BLOCK), ==, RC_SUCCESS);
    g_assert_cmpuint(tm_bulk_read_extent_list(scale.host[0], PAGE, NULL, NULL), ==, 0);

    /* The capacity is free again, for the other host too. */
    tm_bulk_add_accepted(scale.fm, scale.host[1], 1, 0, 0, BLOCK, BLOCK, 2 * PAGE, BLOCK);
    g_assert_cmpuint(tm_bulk_read_extent_list(scale.host[1], PAGE, check_block, NULL), ==,
                     2 * PAGE);
    scale_stop(&scale);
}

/*
 * Resident KiB of the daemon's mappings, leaving out AddressSanitizer's
 * shadow (x86-64: [0x7fff8000, 0x10007fff8000), where nothing else is
 * mapped): the sanitizer keeps the shadow of memory it gave back
 * resident, a cost of the sanitized build rather than of the daemon.
 */
static double rss_kib(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/smaps", (int)pid);
    g_autofree char *text = NULL;
    double total = 0;
    bool shadow = false;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **line = lines; *line; line++) {
        guint64 start;

        if (g_ascii_isxdigit(**line) && strchr(*line, '-') &&
            sscanf(*line, "%" G_GINT64_MODIFIER "x-", &start) == 1 &&
            strchr(*line, ' ') > strchr(*line, '-')) {
            shadow = start >= 0x7fff8000ULL && start < 0x10007fff8000ULL;
        } else if (!shadow && g_str_has_prefix(*line, "Rss:")) {
            total += g_ascii_strtod(*line + strlen("Rss:"), NULL);
        }
    }
    return total;
}

/*
 * The memory the daemon took for 102,000 extents (accepted by one host,
 * pending for the other) comes back once they are gone: the daemon
 * trims its heap within a few seconds.  The bound is generous (a quarter
 * of what the extents took); bench-memory measures the figure.
 */
static void test_memory_returns_after_release(void)
{
    Scale scale;
    const guint accepted = 100000;
    const guint pending = 2000;

    scale_start(&scale);
    /* One cycle first, so that the connections' buffers exist at the start. */
    tm_bulk_add_accepted(scale.fm, scale.host[0], 0, 0, 0, BLOCK, BLOCK, 1, BLOCK);
    g_assert_cmphex(tm_bulk_release(scale.host[0], 0, BLOCK), ==, RC_SUCCESS);
    g_usleep(1500 * 1000);
    double start = rss_kib(scale.daemon->pid);

    tm_bulk_add_accepted(scale.fm, scale.host[0], 0, 0, 0, BLOCK, BLOCK, accepted, BLOCK);
    for (guint i = 0; i < pending; i++) {
        g_assert_cmphex(tm_bulk_fm_add_one(scale.fm, 1, (accepted + i) * BLOCK, BLOCK), ==, RC_SUCCESS);
    }
    double peak = rss_kib(scale.daemon->pid);
    g_assert_cmpfloat(peak - start, >, 8 * 1024);

    g_assert_cmphex(tm_bulk_release(scale.host[0], 0, accepted * BLOCK), ==, RC_SUCCESS);
    g_assert_cmpuint(tm_bulk_drain_dc_log(scale.host[1]), ==, pending);
    for (guint i = 0; i < pending; i++) {
        uint8_t reject[8] = { 0 };   /* a count of 0 rejects the oldest request */
        g_auto(TmTestCciPacket) response;

        tm_test_cci_call(scale.host[1], 0x4802, reject, sizeof(reject), &response, NULL);
        g_assert_cmphex(response.return_code, ==, RC_SUCCESS);
    }
    double now = peak;
    for (int tries = 0; tries < 50 && now - start > (peak - start) / 4; tries++) {
        g_usleep(100 * 1000);
        now = rss_kib(scale.daemon->pid);
    }
    g_test_message("RSS: %.0f KiB at start, %.0f with the extents, %.0f after release", start,
                   peak, now);
    g_assert_cmpfloat(now - start, <=, (peak - start) / 4);
    scale_stop(&scale);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/scale/million_extents", test_million_extents);
    g_test_add_func("/scale/memory_returns_after_release", test_memory_returns_after_release);
    return g_test_run();
}

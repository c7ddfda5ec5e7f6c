/*
 * bench-sanitize: Sanitize (4400h) of a device whose 1 GiB volatile-dc-memdev
 * was written full, in the device's background worker, beside the
 * reference of the same run: memset() of the same mapping to zero in the
 * calling thread.  Two kinds of memory: private (memory-backend-ram,
 * share=off: pages given back) and a shared file on tmpfs
 * (memory-backend-file, share=on: a hole punched).  The main thread polls
 * the status every millisecond as 0002h would, and counts the distinct
 * percentages it saw: progress a host can watch.  Every byte is checked to
 * be zero afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "backend/backend_registry.h"
#include "bench_util.h"
#include "device/device_registry.h"

#define GiB (UINT64_C(1) << 30)
#define SIZE (1 * GiB)

typedef struct {
    const char *name;
    const char *type;
    bool file;
} MemoryKind;

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev;
    TmHostMem *memdev;
    char *path;
} Bench;

static void die(const char *what, const GError *err)
{
    fprintf(stderr, "bench-sanitize: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static void bench_init(Bench *b, const MemoryKind *kind)
{
    g_autoptr(GError) err = NULL;
    const char *dir = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir();
    TmPropAssignment backend_props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = SIZE } },
        { .name = "share", .value = { .kind = TM_PROP_BOOL, .boolean = kind->file } },
        { .name = "mem-path", .value = { .kind = TM_PROP_STR, .str = NULL } },
    };
    TmPropAssignment device_props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 1 } },
        { .name = "volatile-dc-memdev", .value = { .kind = TM_PROP_LINK, .str = "mem0" } },
    };

    memset(b, 0, sizeof(*b));
    b->path = g_strdup_printf("%s/bench-sanitize-%d", dir, (int)getpid());
    backend_props[2].value.str = b->path;
    b->backends = tm_backend_registry_new();
    b->devices = tm_device_registry_new(b->backends);
    b->memdev = tm_backend_registry_create(b->backends, kind->type, "mem0", backend_props,
                                           kind->file ? 3 : 2, &err);
    if (b->memdev == NULL) {
        die("memory backend", err);
    }
    b->dev = tm_device_registry_create(b->devices, TM_DCD_TYPE, "dcd0", device_props,
                                       G_N_ELEMENTS(device_props), &err);
    if (b->dev == NULL) {
        die("device", err);
    }
}

static void bench_clear(Bench *b)
{
    tm_device_registry_free(b->devices);
    tm_backend_registry_free(b->backends);
    unlink(b->path);
    g_free(b->path);
}

static uint8_t *fill(Bench *b)
{
    g_autoptr(GError) err = NULL;
    uint8_t *memory = tm_hostmem_get_memory(b->memdev, &err);

    if (memory == NULL) {
        die("map", err);
    }
    memset(memory, 0xa5, SIZE);
    return memory;
}

static void check_zero(const uint8_t *memory)
{
    static const uint8_t zeros[4096];

    for (uint64_t at = 0; at < SIZE; at += sizeof(zeros)) {
        if (memcmp(memory + at, zeros, sizeof(zeros)) != 0) {
            fprintf(stderr, "bench-sanitize: byte at 0x%" G_GINT64_MODIFIER "x not zero\n", at);
            exit(1);
        }
    }
}

/* Sanitize in the background, polled every millisecond: its time and the percentages seen. */
static uint64_t run_sanitize(Bench *b, guint *percentages)
{
    g_autoptr(GError) err = NULL;
    bool seen[101] = { false };
    uint64_t start = tm_bench_now_ns();

    if (tm_dcd_sanitize(b->dev, 0x4400, &err) != TM_DC_OK) {
        die("sanitize", err);
    }
    TmBackgroundStatus status;
    while ((status = tm_dcd_background_status(b->dev)).running) {
        seen[status.percent] = true;
        g_usleep(1000);
    }
    uint64_t elapsed = tm_bench_now_ns() - start;
    if (status.status != TM_DC_OK) {
        die("sanitize result", NULL);
    }
    *percentages = 0;
    for (int p = 0; p <= 100; p++) {
        *percentages += seen[p];
    }
    return elapsed;
}

int main(void)
{
    static const MemoryKind kinds[] = {
        { "private (ram, share=off)", "memory-backend-ram", false },
        { "shared file (tmpfs)", "memory-backend-file", true },
    };

    printf("Sanitize (4400h) of a 1 GiB memdev written full, vs memset() to zero of the same "
           "mapping\n\n");
    printf("%-26s %14s %14s %8s %12s\n", "memory", "sanitize ms", "memset ms", "ratio",
           "% values seen");
    for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
        Bench b;
        guint percentages = 0;

        bench_init(&b, &kinds[k]);
        uint8_t *memory = fill(&b);
        uint64_t start = tm_bench_now_ns();
        memset(memory, 0, SIZE);
        uint64_t reference = tm_bench_now_ns() - start;
        fill(&b);
        uint64_t sanitize = run_sanitize(&b, &percentages);
        check_zero(memory);
        printf("%-26s %14.1f %14.1f %7.2fx %12u\n", kinds[k].name, sanitize / 1e6,
               reference / 1e6, (double)sanitize / (double)reference, percentages);
        bench_clear(&b);
    }
    return 0;
}

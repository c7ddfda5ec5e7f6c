/*
 * libFuzzer target for the fit check's readers (core/mem_fit.c): the input
 * is split at NUL bytes into /proc/meminfo, /proc/self/cgroup and the
 * numbers of a v2 and a v1 cgroup (memory.max, memory.current,
 * memory.limit_in_bytes, memory.usage_in_bytes) and free huge pages, written
 * into a fake tree once per input.  Besides "no crash, no leak, no undefined
 * behaviour": a size of 0 always fits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/mem_fit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
    "proc/meminfo",
    "proc/self/cgroup",
    "sys/fs/cgroup/cgroup.controllers",
    "sys/fs/cgroup/a/memory.max",
    "sys/fs/cgroup/a/memory.current",
    "sys/fs/cgroup/memory/a/memory.limit_in_bytes",
    "sys/fs/cgroup/memory/a/memory.usage_in_bytes",
    "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
};

static char *make_tree(void)
{
    char *root = g_dir_make_tmp("tagmem-fuzz-mem-fit-XXXXXX", NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(root, files[i], NULL);
        g_autofree char *dir = g_path_get_dirname(path);
        g_mkdir_with_parents(dir, 0700);
    }
    return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *root;
    const char *at = (const char *)data;
    const char *end = at + size;

    if (root == NULL) {
        root = make_tree();
    }
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        const char *nul = memchr(at, '\0', (size_t)(end - at));
        size_t length = nul ? (size_t)(nul - at) : (size_t)(end - at);
        g_autofree char *path = g_build_filename(root, files[i], NULL);
        /* Not g_file_set_contents: its fsync would make a run crawl. */
        FILE *file = fopen(path, "w");
        if (file) {
            fwrite(at, 1, length, file);
            fclose(file);
        }
        at = nul ? nul + 1 : end;
    }
    GError *err = NULL;
    if (!tm_mem_fit_check(root, "fuzz", 0, 0, &err) ||
        !tm_mem_fit_check(root, "fuzz", 0, 2 << 20, &err)) {
        abort();
    }
    (void)tm_mem_fit_check(root, "fuzz", UINT64_MAX, 0, &err);
    g_clear_error(&err);
    (void)tm_mem_fit_check(root, "fuzz", UINT64_MAX, 2 << 20, &err);
    g_clear_error(&err);
    return 0;
}

/*
 * The fit check against fake /proc and /sys trees: MemAvailable, cgroup
 * v2 (the daemon's cgroup and its ancestors), cgroup v1, huge pages, and
 * files that cannot be read.
 */
#include <string.h>
#include <glib/gstdio.h>

#include "core/error.h"
#include "core/mem_fit.h"

#define GIB ((uint64_t)1 << 30)

typedef struct {
    char *root;
} Tree;

static void tree_write(Tree *tree, const char *path, const char *text)
{
    g_autofree char *full = g_build_filename(tree->root, path, NULL);
    g_autofree char *dir = g_path_get_dirname(full);
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(full, text, -1, &err));
}

static void tree_setup(Tree *tree, gconstpointer data)
{
    tree->root = g_dir_make_tmp("tagmem-mem-fit-XXXXXX", NULL);
    g_assert_nonnull(tree->root);
    tree_write(tree, "proc/meminfo",
               "MemTotal:       16000000 kB\nMemFree:         1000000 kB\n"
               "MemAvailable:    8388608 kB\nBuffers:           10000 kB\n");
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR)) {
            remove_tree(child);
        } else {
            g_unlink(child);
        }
    }
    g_rmdir(path);
}

static void tree_teardown(Tree *tree, gconstpointer data)
{
    remove_tree(tree->root);
    g_free(tree->root);
}

static void assert_refused(Tree *tree, uint64_t size, uint64_t huge, const char *fragment)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(tm_mem_fit_check(tree->root, "memory backend 'm'", size, huge, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "memory backend 'm': cannot preallocate"));
    if (!strstr(err->message, fragment)) {
        g_error("'%s' lacks '%s'", err->message, fragment);
    }
}

static void assert_fits(Tree *tree, uint64_t size, uint64_t huge)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_mem_fit_check(tree->root, "memory backend 'm'", size, huge, &err));
    g_assert_no_error(err);
}

static void test_meminfo(Tree *tree, gconstpointer data)
{
    assert_fits(tree, 8 * GIB, 0);
    assert_refused(tree, 8 * GIB + 4096, 0, "cannot preallocate 8 GiB: only 8 GiB available "
                   "(MemAvailable in /proc/meminfo)");
}

static void test_nothing_readable(Tree *tree, gconstpointer data)
{
    g_autofree char *meminfo = g_build_filename(tree->root, "proc/meminfo", NULL);

    g_unlink(meminfo);
    assert_fits(tree, 1024 * GIB, 0);
}

static void test_cgroup_v2(Tree *tree, gconstpointer data)
{
    tree_write(tree, "proc/self/cgroup", "0::/svc/tagmem.service\n");
    tree_write(tree, "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
    tree_write(tree, "sys/fs/cgroup/svc/tagmem.service/memory.max", "max\n");
    tree_write(tree, "sys/fs/cgroup/svc/tagmem.service/memory.current", "1000\n");
    /* The parent's limit binds: 3 GiB max, 1 GiB used. */
    tree_write(tree, "sys/fs/cgroup/svc/memory.max", "3221225472\n");
    tree_write(tree, "sys/fs/cgroup/svc/memory.current", "1073741824\n");
    assert_fits(tree, 2 * GIB, 0);
    assert_refused(tree, 3 * GIB, 0, "only 2 GiB available (/sys/fs/cgroup/svc/memory.max)");

    /* The daemon's own, tighter: 1 GiB max with 512 MiB used. */
    tree_write(tree, "sys/fs/cgroup/svc/tagmem.service/memory.max", "1073741824\n");
    tree_write(tree, "sys/fs/cgroup/svc/tagmem.service/memory.current", "536870912\n");
    assert_refused(tree, GIB, 0, "only 512 MiB available "
                   "(/sys/fs/cgroup/svc/tagmem.service/memory.max)");

    /* Over its limit already: no room at all. */
    tree_write(tree, "sys/fs/cgroup/svc/tagmem.service/memory.current", "2147483648\n");
    assert_refused(tree, 4096, 0, "only 0 B available");
}

static void test_cgroup_v1(Tree *tree, gconstpointer data)
{
    tree_write(tree, "proc/self/cgroup", "5:cpu,cpuacct:/\n4:memory:/jobs/42\n0::/\n");
    tree_write(tree, "sys/fs/cgroup/memory/jobs/42/memory.limit_in_bytes", "2147483648\n");
    tree_write(tree, "sys/fs/cgroup/memory/jobs/42/memory.usage_in_bytes", "1073741824\n");
    tree_write(tree, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    tree_write(tree, "sys/fs/cgroup/memory/memory.usage_in_bytes", "5000000000\n");
    assert_fits(tree, GIB, 0);
    assert_refused(tree, GIB + 4096, 0,
                   "only 1 GiB available (/sys/fs/cgroup/memory/jobs/42/memory.limit_in_bytes)");
}

/* In a container the daemon's cgroup is the mount's root: its path is not under it. */
static void test_cgroup_v1_namespaced(Tree *tree, gconstpointer data)
{
    tree_write(tree, "proc/self/cgroup", "4:memory:/outside/path\n");
    tree_write(tree, "sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n");
    tree_write(tree, "sys/fs/cgroup/memory/memory.usage_in_bytes", "0\n");
    assert_refused(tree, 2 * GIB, 0, "/sys/fs/cgroup/memory/memory.limit_in_bytes");
}

/* A relative path (never written by the kernel) is ignored, not walked up for ever. */
static void test_cgroup_relative_path(Tree *tree, gconstpointer data)
{
    tree_write(tree, "proc/self/cgroup", "0::y:/a\n");
    tree_write(tree, "sys/fs/cgroup/cgroup.controllers", "memory\n");
    tree_write(tree, "sys/fs/cgroup/memory.max", "1073741824\n");
    tree_write(tree, "sys/fs/cgroup/memory.current", "0\n");
    assert_fits(tree, 2 * GIB, 0);
}

static void test_huge_pages(Tree *tree, gconstpointer data)
{
    tree_write(tree, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "3\n");
    assert_fits(tree, 6 << 20, 2 << 20);
    assert_refused(tree, 8 << 20, 2 << 20, "only 6 MiB available "
                   "(/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)");
    /* Huge pages are not MemAvailable: a size without a pool has nothing to read. */
    assert_fits(tree, 64 * GIB, (uint64_t)1 << 30);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/mem-fit/meminfo", Tree, NULL, tree_setup, test_meminfo, tree_teardown);
    g_test_add("/mem-fit/nothing-readable", Tree, NULL, tree_setup, test_nothing_readable,
               tree_teardown);
    g_test_add("/mem-fit/cgroup-v2", Tree, NULL, tree_setup, test_cgroup_v2, tree_teardown);
    g_test_add("/mem-fit/cgroup-v1", Tree, NULL, tree_setup, test_cgroup_v1, tree_teardown);
    g_test_add("/mem-fit/cgroup-v1-namespaced", Tree, NULL, tree_setup,
               test_cgroup_v1_namespaced, tree_teardown);
    g_test_add("/mem-fit/cgroup-relative-path", Tree, NULL, tree_setup,
               test_cgroup_relative_path, tree_teardown);
    g_test_add("/mem-fit/huge-pages", Tree, NULL, tree_setup, test_huge_pages, tree_teardown);
    return g_test_run();
}

#include "core/mem_fit.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/size.h"

/* v1 reports "no limit" as a huge page-rounded number near 2^63. */
#define TM_CGROUP_V1_UNLIMITED ((uint64_t)1 << 62)

/* The tightest limit found so far. */
typedef struct {
    bool limited;
    uint64_t bytes;
    char *source; /* a path, for the message */
} Limit;

static void limit_offer(Limit *limit, uint64_t bytes, const char *source)
{
    if (limit->limited && limit->bytes <= bytes) {
        return;
    }
    limit->limited = true;
    limit->bytes = bytes;
    g_free(limit->source);
    limit->source = g_strdup(source);
}

static char *read_text(const char *root, const char *path)
{
    g_autofree char *full = g_strconcat(root, path, NULL);
    char *text = NULL;

    return g_file_get_contents(full, &text, NULL, NULL) ? text : NULL;
}

/* A file holding one unsigned number (trailing newline allowed). */
static bool read_number(const char *root, const char *path, uint64_t *value)
{
    g_autofree char *text = read_text(root, path);
    char *end;

    if (text == NULL || !g_ascii_isdigit(text[0])) {
        return false;
    }
    errno = 0;
    *value = g_ascii_strtoull(text, &end, 10);
    return errno == 0 && (*end == '\0' || *end == '\n');
}

static void check_meminfo(const char *root, Limit *limit)
{
    g_autofree char *text = read_text(root, "/proc/meminfo");
    const char *line = text ? strstr(text, "MemAvailable:") : NULL;

    if (line == NULL) {
        return;
    }
    uint64_t kib = g_ascii_strtoull(line + strlen("MemAvailable:"), NULL, 10);
    limit_offer(limit, kib * 1024, "MemAvailable in /proc/meminfo");
}

/*
 * Room under one cgroup's limit, if it has one: @dir holds @max_file and
 * @used_file.  "max" (v2) and v1's near-2^63 mean none.
 */
static void check_cgroup_dir(const char *root, const char *dir, const char *max_file,
                             const char *used_file, Limit *limit)
{
    g_autofree char *max_path = g_build_filename(dir, max_file, NULL);
    g_autofree char *used_path = g_build_filename(dir, used_file, NULL);
    uint64_t max, used;

    if (!read_number(root, max_path, &max) || max >= TM_CGROUP_V1_UNLIMITED ||
        !read_number(root, used_path, &used)) {
        return;
    }
    limit_offer(limit, max > used ? max - used : 0, max_path);
}

/* The cgroup and every ancestor up to the hierarchy's root under @mount. */
static void check_cgroup_chain(const char *root, const char *mount, const char *cgroup,
                               const char *max_file, const char *used_file, Limit *limit)
{
    g_autofree char *dir = g_strdup(cgroup);

    for (;;) {
        g_autofree char *path = g_build_filename(mount, dir, NULL);
        check_cgroup_dir(root, path, max_file, used_file, limit);
        if (strcmp(dir, "/") == 0 || dir[0] == '\0') {
            return;
        }
        char *parent = g_path_get_dirname(dir);
        g_free(dir);
        dir = parent;
    }
}

/* "ID:CONTROLLERS:PATH": does CONTROLLERS name @controller ("" for v2's line)? */
static bool line_controls(const char *controllers, const char *controller)
{
    if (controller[0] == '\0') {
        return controllers[0] == '\0';
    }
    g_auto(GStrv) names = g_strsplit(controllers, ",", -1);
    return g_strv_contains((const char *const *)names, controller);
}

/* The path of the daemon's cgroup for @controller ("" for v2), or NULL. */
static char *own_cgroup(const char *root, const char *controller)
{
    g_autofree char *text = read_text(root, "/proc/self/cgroup");
    g_auto(GStrv) lines = text ? g_strsplit(text, "\n", -1) : NULL;

    for (char **line = lines; line && *line; line++) {
        g_auto(GStrv) fields = g_strsplit(*line, ":", 3);
        /* The kernel writes absolute paths; walking up a relative one would never end. */
        if (g_strv_length(fields) == 3 && line_controls(fields[1], controller) &&
            fields[2][0] == '/') {
            return g_strdup(fields[2]);
        }
    }
    return NULL;
}

/* v2 where the unified hierarchy is mounted at /sys/fs/cgroup, else v1's memory controller. */
static void check_cgroups(const char *root, Limit *limit)
{
    g_autofree char *controllers_path = g_strconcat(root, "/sys/fs/cgroup/cgroup.controllers",
                                                    NULL);
    g_autofree char *v2 = own_cgroup(root, "");

    if (v2 && g_file_test(controllers_path, G_FILE_TEST_EXISTS)) {
        check_cgroup_chain(root, "/sys/fs/cgroup", v2, "memory.max", "memory.current", limit);
        return;
    }
    g_autofree char *v1 = own_cgroup(root, "memory");
    if (v1) {
        check_cgroup_chain(root, "/sys/fs/cgroup/memory", v1, "memory.limit_in_bytes",
                           "memory.usage_in_bytes", limit);
    }
}

static void check_huge_pages(const char *root, uint64_t page_size, Limit *limit)
{
    g_autofree char *path = g_strdup_printf(
        "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/free_hugepages", page_size / 1024);
    uint64_t pages;

    if (read_number(root, path, &pages)) {
        limit_offer(limit, pages * page_size, path);
    }
}

bool tm_mem_fit_check(const char *root, const char *what, uint64_t size,
                      uint64_t huge_page_size, GError **err)
{
    Limit limit = { 0 };

    if (huge_page_size) {
        check_huge_pages(root, huge_page_size, &limit);
    } else {
        check_meminfo(root, &limit);
        check_cgroups(root, &limit);
    }
    bool fits = !limit.limited || size <= limit.bytes;
    if (!fits) {
        g_autofree char *want = tm_size_to_human(size);
        g_autofree char *have = tm_size_to_human(limit.bytes);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%s: cannot preallocate %s: only %s available (%s)", what, want, have,
                    limit.source);
    }
    g_free(limit.source);
    return fits;
}

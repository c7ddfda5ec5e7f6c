/*
 * memory-backend-memfd: memory from memfd_create(2), shared by default,
 * optionally on huge pages, sealed by default (QEMU backends/hostmem-memfd.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/hostmem_internal.h"
#include "core/error.h"
#include "core/size.h"

#define HUGEPAGES_DIR "/sys/kernel/mm/hugepages"

/* memfd_create(2) names are limited to 249 bytes. */
#define MEMFD_NAME_MAX 249

typedef struct {
    TmHostMem parent;
    bool hugetlb;
    uint64_t hugetlbsize; /* 0: the host's default huge page size */
    bool seal;
} TmHostMemMemfd;

static TmHostMemMemfd *memfd_cast(TmObject *obj)
{
    return (TmHostMemMemfd *)obj;
}

int tm_hostmem_memfd_create(const TmHostMem *backend, unsigned int flags, unsigned int seals,
                            GError **err)
{
    g_autofree char *name = g_strndup(tm_hostmem_id(backend), MEMFD_NAME_MAX - 7);
    g_autofree char *full_name = g_strconcat("tagmem:", name, NULL);
    int fd = memfd_create(full_name, flags);

    if (fd < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot create memfd: %s",
                    g_strerror(errno));
        return -1;
    }
    if (ftruncate(fd, (off_t)backend->size) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot size memfd to 0x%" PRIx64 ": %s",
                    backend->size, g_strerror(errno));
        close(fd);
        return -1;
    }
    /* Sealed after sizing: F_SEAL_GROW/SHRINK also forbid our own ftruncate. */
    if (seals != 0 && fcntl(fd, F_ADD_SEALS, seals) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot seal memfd: %s",
                    g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static bool hugetlbsize_supported(uint64_t page_size)
{
    g_autofree char *dir = g_strdup_printf(HUGEPAGES_DIR "/hugepages-%" PRIu64 "kB",
                                           page_size / 1024);

    return page_size >= 1024 && g_file_test(dir, G_FILE_TEST_IS_DIR);
}

static char *supported_hugetlbsizes(void)
{
    g_autoptr(GDir) dir = g_dir_open(HUGEPAGES_DIR, 0, NULL);
    GString *sizes = g_string_new(NULL);
    const char *entry;
    uint64_t kib;

    while (dir && (entry = g_dir_read_name(dir)) != NULL) {
        if (sscanf(entry, "hugepages-%" SCNu64 "kB", &kib) == 1) {
            g_autofree char *human = tm_size_to_human(kib * 1024);
            g_string_append_printf(sizes, "%s%s", sizes->len ? ", " : "", human);
        }
    }
    if (sizes->len == 0) {
        g_string_append(sizes, "none");
    }
    return g_string_free(sizes, FALSE);
}

/* The host's default huge page size ("Hugepagesize:" in /proc/meminfo), or 0. */
static uint64_t default_hugetlbsize(void)
{
    g_autofree char *meminfo = NULL;
    uint64_t kib = 0;

    if (!g_file_get_contents("/proc/meminfo", &meminfo, NULL, NULL)) {
        return 0;
    }
    const char *line = strstr(meminfo, "Hugepagesize:");
    if (line == NULL || sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kib) != 1) {
        return 0;
    }
    return kib * 1024;
}

static bool choose_huge_page_size(TmHostMemMemfd *memfd, GError **err)
{
    const char *type = tm_object_type_name(&memfd->parent.parent);
    uint64_t page_size = memfd->hugetlbsize ? memfd->hugetlbsize : default_hugetlbsize();

    if (page_size == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'hugetlb' of %s: this host has no huge pages", type);
        return false;
    }
    if (!hugetlbsize_supported(page_size)) {
        g_autofree char *sizes = supported_hugetlbsizes();
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'hugetlbsize' of %s doesn't take value '%" PRIu64
                    "': not a huge page size of this host (sizes: %s)", type, page_size, sizes);
        return false;
    }
    if (memfd->parent.size % page_size != 0) {
        g_autofree char *human = tm_size_to_human(page_size);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'size' of %s must be a multiple of the huge page size %s, "
                    "got 0x%" PRIx64, type, human, memfd->parent.size);
        return false;
    }
    memfd->parent.page_size = page_size;
    return true;
}

static bool memfd_prepare(TmHostMem *backend, GError **err)
{
    TmHostMemMemfd *memfd = memfd_cast(&backend->parent);

    if (memfd->hugetlbsize && !memfd->hugetlb) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'hugetlbsize' of %s needs hugetlb=on",
                    tm_object_type_name(&backend->parent));
        return false;
    }
    return !memfd->hugetlb || choose_huge_page_size(memfd, err);
}

static unsigned int memfd_object_flags(const TmHostMem *backend)
{
    const TmHostMemMemfd *memfd = (const TmHostMemMemfd *)backend;
    unsigned int flags = 0;

    if (memfd->hugetlb) {
        flags |= MFD_HUGETLB;
        /* The size is encoded as its log2 at MFD_HUGE_SHIFT, which the
         * kernel defines equal to MAP_HUGE_SHIFT. */
        if (memfd->hugetlbsize) {
            flags |= (unsigned int)g_bit_nth_lsf(memfd->hugetlbsize, -1) << MAP_HUGE_SHIFT;
        }
    }
    return flags;
}

/* share=off: the memfd behind the daemon's private mapping. */
static bool memfd_open_fd(TmHostMem *backend, GError **err)
{
    TmHostMemMemfd *memfd = memfd_cast(&backend->parent);
    unsigned int flags = MFD_CLOEXEC | memfd_object_flags(backend);
    unsigned int seals = 0;

    if (memfd->seal) {
        flags |= MFD_ALLOW_SEALING;
        seals = F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;
    }
    backend->fd = tm_hostmem_memfd_create(backend, flags, seals, err);
    backend->fd_offset = 0;
    return backend->fd >= 0;
}

static const TmHostMemOps memfd_ops = {
    .prepare = memfd_prepare,
    .open_fd = memfd_open_fd,
    .object_flags = memfd_object_flags,
};

static bool set_hugetlb(TmObject *obj, const TmValue *value, GError **err)
{
    memfd_cast(obj)->hugetlb = value->boolean;
    return true;
}

static void get_hugetlb(TmObject *obj, TmValue *out)
{
    out->boolean = memfd_cast(obj)->hugetlb;
}

static bool set_hugetlbsize(TmObject *obj, const TmValue *value, GError **err)
{
    if (value->uint == 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'hugetlbsize' of %s doesn't take value '0'",
                    tm_object_type_name(obj));
        return false;
    }
    memfd_cast(obj)->hugetlbsize = value->uint;
    return true;
}

static void get_hugetlbsize(TmObject *obj, TmValue *out)
{
    out->uint = memfd_cast(obj)->hugetlbsize;
}

static bool set_seal(TmObject *obj, const TmValue *value, GError **err)
{
    memfd_cast(obj)->seal = value->boolean;
    return true;
}

static void get_seal(TmObject *obj, TmValue *out)
{
    out->boolean = memfd_cast(obj)->seal;
}

static const TmProperty memfd_properties[] = {
    { .name = "hugetlb", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Use huge pages", .set = set_hugetlb, .get = get_hugetlb },
    { .name = "hugetlbsize", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Huge pages size (ex: 2M, 1G)",
      .set = set_hugetlbsize, .get = get_hugetlbsize },
    { .name = "seal", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Seal growing & shrinking", .set = set_seal, .get = get_seal },
    { .name = NULL },
};

static void memfd_init(TmObject *obj)
{
    TmHostMemMemfd *memfd = memfd_cast(obj);

    memfd->parent.ops = &memfd_ops;
    /* QEMU's defaults (backends/hostmem-memfd.c memfd_backend_instance_init). */
    memfd->parent.share = true;
    memfd->seal = true;
}

const TmObjectClass tm_hostmem_memfd_class = {
    .type_name = "memory-backend-memfd",
    .parent = &tm_hostmem_class,
    .instance_size = sizeof(TmHostMemMemfd),
    .properties = memfd_properties,
    .init = memfd_init,
};

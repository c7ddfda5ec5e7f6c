/*
 * Backend types against the real kernel: memory that can be written and
 * read, file descriptors that map the same bytes a second time, seals,
 * preallocation seen through mincore(2), zeroing, files, NUMA policy, and
 * the writable properties seen through /proc/self/smaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_test_util.h"
#include "backend/mem_object.h"
#include "core/guid.h"

#define MiB (1024 * 1024)

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static void fill_pattern(unsigned char *memory, size_t length, unsigned int seed)
{
    for (size_t i = 0; i < length; i++) {
        memory[i] = (unsigned char)(i * 31 + seed);
    }
}

static void assert_pattern(const unsigned char *memory, size_t length, unsigned int seed)
{
    for (size_t i = 0; i < length; i++) {
        if (memory[i] != (unsigned char)(i * 31 + seed)) {
            g_error("byte %zu is 0x%02x, expected 0x%02x", i, memory[i],
                    (unsigned char)(i * 31 + seed));
        }
    }
}

static void assert_zero(const unsigned char *memory, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (memory[i] != 0) {
            g_error("byte %zu is 0x%02x, expected 0", i, memory[i]);
        }
    }
}

static void *memory_of(TmHostMem *backend)
{
    g_autoptr(GError) err = NULL;
    void *memory = tm_hostmem_get_memory(backend, &err);

    g_assert_no_error(err);
    g_assert_nonnull(memory);
    return memory;
}

/* A shared file backend: what the mapping holds, pread/pwrite see, and back. */
static void assert_file_shares_bytes(TmHostMem *backend)
{
    size_t size = tm_hostmem_size(backend);
    unsigned char *memory = memory_of(backend);
    g_autofree unsigned char *copy = g_malloc(size);
    g_autoptr(GError) err = NULL;

    fill_pattern(memory, size, 7);
    g_assert_true(tm_hostmem_block_read(backend, 0, size, 0, copy, size, &err));
    assert_pattern(copy, size, 7);
    fill_pattern(copy, size, 99);
    g_assert_true(tm_hostmem_block_write(backend, 0, size, 0, copy, size, &err));
    g_assert_no_error(err);
    assert_pattern(memory, size, 99);
}

static void assert_no_objects(TmHostMem *backend)
{
    g_assert_false(tm_hostmem_passes_fds(backend));
}

/*
 * A backend made of memory objects: each block's object is exactly the
 * block, zeroed, sealed (no holder can resize it), shared with whoever maps
 * it, and dropping it gives the next user fresh memory while a holder
 * keeps the old pages.
 */
static void assert_block_objects(TmHostMem *backend, size_t block)
{
    g_autoptr(GError) err = NULL;
    struct stat st;

    g_assert_true(tm_hostmem_passes_fds(backend));
    g_assert_false(tm_hostmem_is_allocated(backend));
    TmMemObject *object = tm_hostmem_block_object(backend, block, block, &err);
    g_assert_no_error(err);
    g_assert_true(tm_hostmem_block_object(backend, block, block, &err) == object);
    int fd = tm_mem_object_fd(object);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, block);
    g_assert_cmpint(fcntl(fd, F_GET_SEALS), ==, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    g_assert_cmpint(ftruncate(fd, 0), ==, -1);
    g_assert_cmpint(errno, ==, EPERM);
    g_assert_cmpint(ftruncate(fd, 2 * block), ==, -1);
    g_assert_cmpint(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), ==, -1);

    unsigned char *host = mmap(NULL, block, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(host != MAP_FAILED);
    assert_zero(host, block);
    fill_pattern(host, block, 5);
    g_autofree unsigned char *copy = g_malloc(block);
    g_assert_true(tm_hostmem_block_read(backend, block, block, block + 1, copy, block - 1,
                                        &err));
    assert_pattern(copy, block - 1, 5 + 31);
    /* A block no one used reads as zeros and gets no object. */
    g_assert_true(tm_hostmem_block_read(backend, 0, block, 0, copy, block, &err));
    assert_zero(copy, block);
    g_assert_cmpuint(tm_hostmem_object_count(backend), ==, 1);

    tm_hostmem_drop_objects(backend, 0, 2 * block, block);
    g_assert_cmpuint(tm_hostmem_object_count(backend), ==, 0);
    g_assert_true(tm_hostmem_block_read(backend, block, block, block, copy, block, &err));
    assert_zero(copy, block);
    fill_pattern(copy, block, 77);
    g_assert_true(tm_hostmem_block_write(backend, block, block, block, copy, block, &err));
    g_assert_no_error(err);
    /* The old holder keeps its pages: it neither sees the new data nor reaches it. */
    assert_pattern(host, block, 5);
    munmap(host, block);
    g_assert_false(tm_hostmem_is_allocated(backend));
}

static char *get_text(TmHostMem *backend, const char *name)
{
    g_autoptr(GError) err = NULL;
    TmValue value;

    g_assert_true(tm_object_get_property(tm_hostmem_object(backend), name, &value, &err));
    char *text = tm_value_to_text(&value);
    tm_value_clear(&value);
    return text;
}

static void assert_property(TmHostMem *backend, const char *name, const char *expected)
{
    g_autofree char *text = get_text(backend, name);

    g_assert_cmpstr(text, ==, expected);
}

/* Does the /proc/self/maps-style line @line describe a mapping holding @memory? */
static bool mapping_contains(const char *line, const void *memory)
{
    uint64_t start, end;

    return sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &start, &end) == 2 &&
           (uintptr_t)memory >= start && (uintptr_t)memory < end;
}

/* The VmFlags line of the mapping holding @memory, from /proc/self/smaps. */
static char *vm_flags_of(const void *memory)
{
    g_autofree char *smaps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(smaps, "\n", -1);
    bool in_mapping = false;
    for (char **line = lines; *line; line++) {
        if (g_str_has_prefix(*line, "VmFlags:")) {
            if (in_mapping) {
                return g_strconcat(*line + strlen("VmFlags:"), " ", NULL);
            }
        } else if (g_ascii_isxdigit((*line)[0]) && strchr(*line, '-')) {
            in_mapping = mapping_contains(*line, memory);
        }
    }
    g_error("no mapping at %p in /proc/self/smaps", memory);
}

static bool has_vm_flag(const void *memory, const char *flag)
{
    g_autofree char *flags = vm_flags_of(memory);
    g_autofree char *needle = g_strdup_printf(" %s ", flag);

    return strstr(flags, needle) != NULL;
}

/* The permissions column ("r--s") of the mapping holding @memory. */
static char *permissions_of(const void *memory)
{
    g_autofree char *maps = NULL;

    g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
    for (char **line = lines; *line; line++) {
        if (mapping_contains(*line, memory)) {
            g_auto(GStrv) fields = g_strsplit(*line, " ", 3);
            return g_strdup(fields[1]);
        }
    }
    g_error("no mapping at %p in /proc/self/maps", memory);
}

typedef struct {
    TmBackendRegistry *registry;
    char *dir; /* a scratch directory for file backends */
} Fixture;

static void fixture_set_up(Fixture *fixture, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    fixture->registry = tm_backend_registry_new();
    fixture->dir = g_dir_make_tmp("tagmem-hostmem-XXXXXX", &err);
    g_assert_no_error(err);
}

static void fixture_tear_down(Fixture *fixture, gconstpointer data)
{
    tm_backend_registry_free(fixture->registry);
    g_autoptr(GDir) dir = g_dir_open(fixture->dir, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(fixture->dir, name, NULL);
        unlink(path);
    }
    g_assert_cmpint(rmdir(fixture->dir), ==, 0);
    g_free(fixture->dir);
}

static char *scratch_path(const Fixture *fixture, const char *name)
{
    return g_build_filename(fixture->dir, name, NULL);
}

static void write_file(const char *path, size_t size, unsigned int seed)
{
    g_autofree unsigned char *bytes = g_malloc(size);

    fill_pattern(bytes, size, seed);
    g_assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)size, NULL));
}

/* ---- memory-backend-ram ------------------------------------------------- */

static void test_ram_private(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-ram", "ram0", "size=4M");

    assert_property(backend, "share", "off");
    assert_property(backend, "reserve", "on");
    assert_property(backend, "merge", "on");
    assert_property(backend, "dump", "on");
    assert_property(backend, "prealloc", "off");
    assert_property(backend, "prealloc-threads", "1");
    assert_property(backend, "policy", "default");
    assert_property(backend, "tag", "");
    g_assert_false(tm_hostmem_is_allocated(backend));
    assert_property(backend, "allocated", "off");

    /* Lazy: the memory exists only once asked for, and no page is touched yet. */
    unsigned char *memory = memory_of(backend);
    g_assert_true(tm_hostmem_is_allocated(backend));
    g_assert_true(test_pages_none_resident(memory, 4 * MiB));
    fill_pattern(memory, 4 * MiB, 3);
    assert_pattern(memory, 4 * MiB, 3);
    g_assert_true(memory_of(backend) == memory);
    assert_no_objects(backend);
}

static void test_ram_shared(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend = test_create_backend_ok(fixture->registry, "memory-backend-ram",
                                                "ram0", "size=4M,share=on");

    g_assert_true(tm_hostmem_is_shareable(backend));
    assert_block_objects(backend, 2 * MiB);
}

/* ---- memory-backend-memfd ----------------------------------------------- */

static void test_memfd_default(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-memfd", "mfd0", "size=4M");

    assert_property(backend, "share", "on");
    assert_property(backend, "seal", "on");
    assert_property(backend, "hugetlb", "off");
    assert_block_objects(backend, 2 * MiB);
}

static uint64_t object_allocated_bytes(TmMemObject *object)
{
    struct stat st;

    g_assert_cmpint(fstat(tm_mem_object_fd(object), &st), ==, 0);
    return (uint64_t)st.st_blocks * 512;
}

/*
 * A block dropped in full use has its replacement (the next new object)
 * populated by the backend's worker; a block dropped half used does not,
 * so the backend never holds more pages than before the release.
 */
static void test_memfd_replacement_populated(Fixture *fixture, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-memfd", "mfd0", "size=8M");
    g_autofree unsigned char *bytes = g_malloc0(2 * MiB);

    g_assert_true(tm_hostmem_block_write(backend, 0, 2 * MiB, 0, bytes, 2 * MiB, &err));
    g_assert_true(tm_hostmem_block_write(backend, 2 * MiB, 2 * MiB, 2 * MiB, bytes, 4096, &err));
    g_assert_no_error(err);
    tm_hostmem_drop_objects(backend, 0, 4 * MiB, 2 * MiB);

    TmMemObject *refilled = tm_hostmem_block_object(backend, 4 * MiB, 2 * MiB, &err);
    TmMemObject *lazy = tm_hostmem_block_object(backend, 6 * MiB, 2 * MiB, &err);
    g_assert_no_error(err);
    for (int tries = 0; object_allocated_bytes(refilled) < 2 * MiB && tries < 1000; tries++) {
        g_usleep(10 * 1000);
    }
    g_assert_cmpuint(object_allocated_bytes(refilled), ==, 2 * MiB);
    g_assert_cmpuint(object_allocated_bytes(lazy), ==, 0);
    g_assert_true(tm_hostmem_block_read(backend, 4 * MiB, 2 * MiB, 4 * MiB, bytes, 2 * MiB,
                                        &err));
    assert_zero(bytes, 2 * MiB);
}

/* seal=off: the objects handed out are sealed all the same. */
static void test_memfd_unsealed(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend = test_create_backend_ok(fixture->registry, "memory-backend-memfd",
                                                "mfd0", "size=128K,seal=off");

    assert_block_objects(backend, 64 * 1024);
}

static void test_memfd_private(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend = test_create_backend_ok(fixture->registry, "memory-backend-memfd",
                                                "mfd0", "size=1M,share=off");
    unsigned char *memory = memory_of(backend);

    fill_pattern(memory, MiB, 5);
    assert_pattern(memory, MiB, 5);
    assert_no_objects(backend);
}

static uint64_t free_huge_pages(void)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", &text,
                             NULL, NULL)) {
        return 0;
    }
    return g_ascii_strtoull(text, NULL, 10);
}

static void test_memfd_hugetlb(Fixture *fixture, gconstpointer data)
{
    if (!g_file_test("/sys/kernel/mm/hugepages/hugepages-2048kB", G_FILE_TEST_IS_DIR)) {
        g_test_skip("no 2 MiB huge pages on this host");
        return;
    }
    TmHostMem *backend = test_create_backend_ok(
        fixture->registry, "memory-backend-memfd", "huge0", "size=2M,hugetlb=on,hugetlbsize=2M");
    g_autoptr(GError) err = NULL;
    TmMemObject *object = tm_hostmem_block_object(backend, 0, 2 * MiB, &err);

    if (free_huge_pages() >= 1) {
        g_assert_no_error(err);
        g_assert_nonnull(object);
        return;
    }
    /* No huge page to be had: a clear error, and no object. */
    g_assert_null(object);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "memory backend 'huge0'"));
    g_assert_cmpuint(tm_hostmem_object_count(backend), ==, 0);
}

/* ---- memory-backend-file ------------------------------------------------ */

static void test_file_shared(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "mem");
    g_autofree char *props = g_strdup_printf("size=1M,share=on,mem-path=%s", path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);
    struct stat st;

    /* Created and sized at creation, before any mapping. */
    g_assert_false(tm_hostmem_is_allocated(backend));
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, MiB);

    assert_file_shares_bytes(backend);
    assert_no_objects(backend);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
    g_assert_cmpuint(length, ==, MiB);
    assert_pattern((unsigned char *)contents, MiB, 99);
}

static void test_file_private(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "mem");
    g_autofree char *props = g_strdup_printf("size=64K,mem-path=%s", path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);
    unsigned char *memory = memory_of(backend);

    /* share=off: a private copy; the file does not see our writes. */
    fill_pattern(memory, 64 * 1024, 1);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
    g_assert_cmpuint(length, ==, 64 * 1024);
    assert_zero((unsigned char *)contents, length);
    assert_no_objects(backend);
}

static void test_file_offset(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "mem");
    size_t page = page_size();
    write_file(path, 3 * page, 42);
    g_autofree char *props =
        g_strdup_printf("size=%zu,offset=%zu,share=on,mem-path=%s", page, page, path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);
    g_autoptr(GError) err = NULL;
    struct stat st;

    unsigned char *memory = memory_of(backend);
    g_autofree unsigned char *expected = g_malloc(3 * page);
    g_autofree unsigned char *read = g_malloc(page);
    fill_pattern(expected, 3 * page, 42);
    g_assert_cmpmem(memory, page, expected + page, page);
    /* Reads by offset go to the file at offset + the backend's offset. */
    g_assert_true(tm_hostmem_block_read(backend, 0, page, 0, read, page, &err));
    g_assert_cmpmem(read, page, expected + page, page);
    /* A non-empty file is never resized. */
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 3 * page);
}

static void test_file_readonly(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "ro");
    write_file(path, 2 * page_size(), 17);
    g_autofree char *props =
        g_strdup_printf("size=%zu,readonly=on,share=on,mem-path=%s", 2 * page_size(), path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "ro0", props);
    g_autoptr(GError) err = NULL;

    g_assert_true(tm_hostmem_is_readonly(backend));
    unsigned char *memory = memory_of(backend);
    assert_pattern(memory, 2 * page_size(), 17);
    g_autofree char *permissions = permissions_of(memory);
    g_assert_cmpstr(permissions, ==, "r--s");
    g_assert_false(tm_hostmem_zero_range(backend, 0, page_size(), &err));
    g_assert_nonnull(strstr(err->message, "read-only"));
    assert_pattern(memory, 2 * page_size(), 17);
}

static void test_file_directory(Fixture *fixture, gconstpointer data)
{
    g_autofree char *props = g_strdup_printf("size=1M,share=on,mem-path=%s", fixture->dir);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);

    assert_file_shares_bytes(backend);
    /* The file made in a directory is unlinked at once. */
    g_autoptr(GDir) dir = g_dir_open(fixture->dir, 0, NULL);
    g_assert_null(g_dir_read_name(dir));
}

static void test_file_too_small(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "small");
    write_file(path, page_size(), 9);
    g_autofree char *props = g_strdup_printf("size=1M,mem-path=%s", path);
    g_autoptr(GError) err = NULL;
    struct stat st;

    g_assert_null(test_create_backend(fixture->registry, "memory-backend-file", "f0", props,
                                      &err));
    g_assert_nonnull(strstr(err->message, "does not match 'size' option 0x100000"));
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, page_size());
    g_assert_cmpuint(tm_backend_registry_count(fixture->registry), ==, 0);
}

/*
 * What is not memory is refused by its type, without blocking: a FIFO
 * (whose open would wait for a writer), a socket, a device that is not DAX.
 */
static void test_file_not_memory(Fixture *fixture, gconstpointer data)
{
    g_autofree char *fifo = scratch_path(fixture, "fifo");
    g_autofree char *sock = scratch_path(fixture, "sock");
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const struct {
        const char *path;
        const char *kind;
    } cases[] = {
        { fifo, "is a FIFO" },
        { sock, "is a socket" },
        { "/dev/null", "is a character device" },
    };

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    g_strlcpy(addr.sun_path, sock, sizeof(addr.sun_path));
    g_assert_cmpint(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *props = g_strdup_printf("size=1M,share=on,mem-path=%s", cases[i].path);
        g_autoptr(GError) err = NULL;

        g_assert_null(test_create_backend(fixture->registry, "memory-backend-file", "f0", props,
                                          &err));
        g_test_message("%s", err->message);
        g_assert_nonnull(strstr(err->message, cases[i].kind));
        g_assert_nonnull(strstr(err->message, "expected a regular file, a directory or a DAX "
                                              "device"));
    }
    close(listener);
    g_assert_cmpuint(tm_backend_registry_count(fixture->registry), ==, 0);
}

/* A file the failed creation made is removed; an empty one it grew is shrunk back. */
static void test_file_failure_leaves_nothing(Fixture *fixture, gconstpointer data)
{
    g_autofree char *created = scratch_path(fixture, "new");
    g_autofree char *empty = scratch_path(fixture, "empty");
    g_autoptr(GError) err = NULL;
    struct stat st;

    /* A size no file can have: fails after the file was created. */
    g_autofree char *props = g_strdup_printf("size=8E,mem-path=%s", created);
    g_assert_null(test_create_backend(fixture->registry, "memory-backend-file", "f0", props,
                                      &err));
    g_assert_nonnull(strstr(err->message, created));
    g_assert_cmpint(stat(created, &st), ==, -1);
    g_clear_error(&err);

    /* An alignment no address space can honour fails the prealloc mapping,
     * after the empty file was extended. */
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    g_autofree char *props2 =
        g_strdup_printf("size=1M,share=on,prealloc=on,align=4E,mem-path=%s", empty);
    g_assert_null(test_create_backend(fixture->registry, "memory-backend-file", "f1", props2,
                                      &err));
    g_assert_nonnull(strstr(err->message, "memory backend 'f1': cannot map"));
    g_assert_cmpint(stat(empty, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 0);
    g_assert_cmpuint(tm_backend_registry_count(fixture->registry), ==, 0);
}

static void test_file_discard_data(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "discard");
    g_autofree char *props =
        g_strdup_printf("size=1M,share=on,discard-data=on,mem-path=%s", path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);
    g_autoptr(GError) err = NULL;
    struct stat st;

    fill_pattern(memory_of(backend), MiB, 77);
    g_assert_true(tm_backend_registry_delete(fixture->registry, "f0", &err));
    g_assert_no_error(err);

    /* The file stays, at its size, with its blocks given back and reading zeros. */
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, MiB);
    g_assert_cmpint(st.st_blocks, ==, 0);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true(g_file_get_contents(path, &contents, &length, NULL));
    assert_zero((unsigned char *)contents, length);
}

static void test_file_align(Fixture *fixture, gconstpointer data)
{
    g_autofree char *path = scratch_path(fixture, "aligned");
    g_autofree char *props = g_strdup_printf("size=1M,align=16M,mem-path=%s", path);
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-file", "f0", props);
    unsigned char *memory = memory_of(backend);

    g_assert_cmpuint((uintptr_t)memory % (16 * MiB), ==, 0);
    fill_pattern(memory, MiB, 4);
    assert_pattern(memory, MiB, 4);
}

/* ---- preallocation ------------------------------------------------------ */

static void test_prealloc(Fixture *fixture, gconstpointer data)
{
    const char *type = data;
    g_autofree char *path = scratch_path(fixture, "prealloc");
    g_autofree char *props =
        g_strdup_printf("size=8M,prealloc=on,prealloc-threads=4%s%s",
                        strcmp(type, "memory-backend-file") == 0 ? ",share=on,mem-path=" : "",
                        strcmp(type, "memory-backend-file") == 0 ? path : "");
    TmHostMem *backend = test_create_backend_ok(fixture->registry, type, "pre0", props);
    g_autoptr(GError) err = NULL;
    struct stat st;

    if (tm_hostmem_passes_fds(backend)) {
        /* Made of objects: each is populated when it is made. */
        g_assert_false(tm_hostmem_is_allocated(backend));
        TmMemObject *object = tm_hostmem_block_object(backend, 0, 2 * MiB, &err);
        g_assert_no_error(err);
        g_assert_cmpint(fstat(tm_mem_object_fd(object), &st), ==, 0);
        g_assert_cmpint((int64_t)st.st_blocks * 512, ==, 2 * MiB);
        return;
    }
    /* Allocated and every page faulted in at creation, before anyone asks. */
    g_assert_true(tm_hostmem_is_allocated(backend));
    g_assert_true(test_pages_all_resident(memory_of(backend), 8 * MiB));
}

/* ---- zeroing ------------------------------------------------------------ */

static TmHostMem *create_for_zeroing(Fixture *fixture, const char *variant)
{
    g_autofree char *path = scratch_path(fixture, "zero");
    g_autofree char *file_props = g_strdup_printf("size=1M,%s,mem-path=%s",
                                                  strstr(variant, "private") ? "share=off"
                                                                             : "share=on",
                                                  path);

    if (g_str_has_prefix(variant, "file")) {
        return test_create_backend_ok(fixture->registry, "memory-backend-file", "z0",
                                      file_props);
    }
    if (strcmp(variant, "ram-private") == 0) {
        return test_create_backend_ok(fixture->registry, "memory-backend-ram", "z0", "size=1M");
    }
    return test_create_backend_ok(fixture->registry, "memory-backend-memfd", "z0",
                                  "size=1M,share=off");
}

static void test_zero_range(Fixture *fixture, gconstpointer data)
{
    const char *variant = data;
    TmHostMem *backend = create_for_zeroing(fixture, variant);
    g_autoptr(GError) err = NULL;
    size_t page = page_size();
    unsigned char *memory = memory_of(backend);

    /* An unaligned range: partial pages at both ends, whole pages between. */
    size_t start = 100, length = 5 * page + 50;
    fill_pattern(memory, MiB, 200);
    g_assert_true(tm_hostmem_zero_range(backend, start, length, &err));
    g_assert_no_error(err);
    /* Shared and private anonymous memory give the whole pages back (checked
     * before reading them, which would fault them in again). */
    if (!strstr(variant, "private") || strcmp(variant, "ram-private") == 0) {
        g_assert_true(test_pages_none_resident(memory + page, 4 * page));
    }
    assert_pattern(memory, start, 200);
    assert_zero(memory + start, length);
    for (size_t i = start + length; i < MiB; i++) {
        g_assert_cmpuint(memory[i], ==, (unsigned char)(i * 31 + 200));
    }
    /* The file sees the zeros too. */
    if (tm_hostmem_is_shareable(backend)) {
        g_autofree unsigned char *copy = g_malloc(length);
        g_assert_true(tm_hostmem_block_read(backend, 0, MiB, start, copy, length, &err));
        assert_zero(copy, length);
    }
    /* The memory stays usable. */
    fill_pattern(memory, MiB, 1);
    assert_pattern(memory, MiB, 1);
}

static void test_zero_range_bounds(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-ram", "z0", "size=1M");
    g_autoptr(GError) err = NULL;

    /* Never-allocated memory is zero already: nothing gets mapped for it. */
    g_assert_true(tm_hostmem_zero_range(backend, 0, MiB, &err));
    g_assert_false(tm_hostmem_is_allocated(backend));
    g_assert_false(tm_hostmem_zero_range(backend, MiB - 1, 2, &err));
    g_assert_nonnull(strstr(err->message, "0xfffff+0x2 is outside memory backend 'z0'"));
    g_clear_error(&err);
    g_assert_false(tm_hostmem_zero_range(backend, UINT64_MAX, 2, &err));
    g_assert_nonnull(err);
}

/* ---- writable properties, policy, users ----------------------------------- */

static void test_merge_dump(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-ram", "m0", "size=1M,dump=off");
    g_autoptr(GError) err = NULL;
    unsigned char *memory = memory_of(backend);

    g_assert_true(has_vm_flag(memory, "mg"));
    g_assert_true(has_vm_flag(memory, "dd"));
    g_assert_true(test_set_property(backend, "merge", "off", &err));
    g_assert_true(test_set_property(backend, "dump", "on", &err));
    g_assert_no_error(err);
    g_assert_false(has_vm_flag(memory, "mg"));
    g_assert_false(has_vm_flag(memory, "dd"));
    assert_property(backend, "merge", "off");

    /* Everything else is fixed once the backend exists. */
    g_assert_false(test_set_property(backend, "size", "2M", &err));
    g_assert_nonnull(strstr(err->message, "cannot be changed after 'm0' is created"));
    assert_property(backend, "size", "1048576");
}

static void test_reserve(Fixture *fixture, gconstpointer data)
{
    TmHostMem *reserved =
        test_create_backend_ok(fixture->registry, "memory-backend-ram", "r0", "size=1M");
    TmHostMem *unreserved = test_create_backend_ok(fixture->registry, "memory-backend-ram",
                                                   "r1", "size=1M,reserve=off");

    /* VmFlags "nr": VM_NORESERVE, what MAP_NORESERVE sets. */
    g_assert_false(has_vm_flag(memory_of(reserved), "nr"));
    g_assert_true(has_vm_flag(memory_of(unreserved), "nr"));
    assert_property(unreserved, "reserve", "off");
}

static void test_policy_bind(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend = test_create_backend_ok(fixture->registry, "memory-backend-ram", "n0",
                                                "size=1M,policy=bind,host-nodes=0");
    unsigned long nodes[16] = { 0 };
    int mode = -1;

    assert_property(backend, "host-nodes", "0");
    unsigned char *memory = memory_of(backend);
    g_assert_cmpint(syscall(SYS_get_mempolicy, &mode, nodes, 16 * 64UL, memory,
                            (unsigned long)MPOL_F_ADDR), ==, 0);
    g_assert_cmpint(mode, ==, MPOL_BIND);
    g_assert_cmpuint(nodes[0], ==, 1);
    fill_pattern(memory, MiB, 8);
    assert_pattern(memory, MiB, 8);
}

static void test_users(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend =
        test_create_backend_ok(fixture->registry, "memory-backend-ram", "u0", "size=1M");

    g_assert_false(tm_hostmem_in_use(backend));
    g_assert_null(tm_hostmem_first_user(backend));
    tm_hostmem_add_user(backend, "extent A");
    tm_hostmem_add_user(backend, "extent B");
    tm_hostmem_add_user(backend, "extent A");
    g_assert_cmpuint(tm_hostmem_user_count(backend), ==, 3);
    assert_property(backend, "users", "3");
    assert_property(backend, "in-use", "on");
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==, "extent A");
    tm_hostmem_remove_user(backend, "extent A");
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==, "extent B");
    tm_hostmem_remove_user(backend, "extent B");
    g_assert_cmpstr(tm_hostmem_first_user(backend), ==, "extent A");
    tm_hostmem_remove_user(backend, "extent A");
    g_assert_false(tm_hostmem_in_use(backend));
    assert_property(backend, "in-use", "off");
}

static void test_tag_canonical(Fixture *fixture, gconstpointer data)
{
    TmHostMem *backend = test_create_backend_ok(
        fixture->registry, "memory-backend-ram", "t0",
        "size=1M,tag=A1B2C3D4-E5F6-4789-ABCD-EF0123456789");

    assert_property(backend, "tag", "a1b2c3d4-e5f6-4789-abcd-ef0123456789");
}

static void test_types(void)
{
    const TmObjectClass *const *types = tm_hostmem_types();

    g_assert_cmpstr(types[0]->type_name, ==, "memory-backend-ram");
    g_assert_cmpstr(types[1]->type_name, ==, "memory-backend-memfd");
    g_assert_cmpstr(types[2]->type_name, ==, "memory-backend-file");
    g_assert_null(types[3]);
    g_assert_true(tm_hostmem_find_type("memory-backend-memfd") == &tm_hostmem_memfd_class);
    g_assert_null(tm_hostmem_find_type("memory-backend"));
    g_assert_true(tm_class_is_a(&tm_hostmem_file_class, &tm_hostmem_class));
}

#define ADD(path, func, data) \
    g_test_add(path, Fixture, data, fixture_set_up, func, fixture_tear_down)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/backend/hostmem/types", test_types);
    ADD("/backend/hostmem/ram/private", test_ram_private, NULL);
    ADD("/backend/hostmem/ram/shared", test_ram_shared, NULL);
    ADD("/backend/hostmem/memfd/default", test_memfd_default, NULL);
    ADD("/backend/hostmem/memfd/unsealed", test_memfd_unsealed, NULL);
    ADD("/backend/hostmem/memfd/replacement-populated", test_memfd_replacement_populated, NULL);
    ADD("/backend/hostmem/memfd/private", test_memfd_private, NULL);
    ADD("/backend/hostmem/memfd/hugetlb", test_memfd_hugetlb, NULL);
    ADD("/backend/hostmem/file/shared", test_file_shared, NULL);
    ADD("/backend/hostmem/file/private", test_file_private, NULL);
    ADD("/backend/hostmem/file/offset", test_file_offset, NULL);
    ADD("/backend/hostmem/file/readonly", test_file_readonly, NULL);
    ADD("/backend/hostmem/file/directory", test_file_directory, NULL);
    ADD("/backend/hostmem/file/too-small", test_file_too_small, NULL);
    ADD("/backend/hostmem/file/not-memory", test_file_not_memory, NULL);
    ADD("/backend/hostmem/file/failure-leaves-nothing", test_file_failure_leaves_nothing, NULL);
    ADD("/backend/hostmem/file/discard-data", test_file_discard_data, NULL);
    ADD("/backend/hostmem/file/align", test_file_align, NULL);
    ADD("/backend/hostmem/prealloc/ram", test_prealloc, "memory-backend-ram");
    ADD("/backend/hostmem/prealloc/memfd", test_prealloc, "memory-backend-memfd");
    ADD("/backend/hostmem/prealloc/file", test_prealloc, "memory-backend-file");
    ADD("/backend/hostmem/zero/ram-private", test_zero_range, "ram-private");
    ADD("/backend/hostmem/zero/memfd-private", test_zero_range, "memfd-private");
    ADD("/backend/hostmem/zero/file-shared", test_zero_range, "file-shared");
    ADD("/backend/hostmem/zero/file-private", test_zero_range, "file-private");
    ADD("/backend/hostmem/zero/bounds", test_zero_range_bounds, NULL);
    ADD("/backend/hostmem/merge-dump", test_merge_dump, NULL);
    ADD("/backend/hostmem/reserve", test_reserve, NULL);
    ADD("/backend/hostmem/policy-bind", test_policy_bind, NULL);
    ADD("/backend/hostmem/users", test_users, NULL);
    ADD("/backend/hostmem/tag-canonical", test_tag_canonical, NULL);
    return g_test_run();
}

/*
 * memory-backend-file: memory from a file (QEMU backends/hostmem-file.c,
 * system/physmem.c file_ram_open/file_ram_alloc).
 *
 * The file is opened and sized at completion, so a bad mem-path fails the
 * creation with a clear message; it is mapped lazily like every backend.
 * As in QEMU: a missing file is created; a directory (a hugetlbfs mount)
 * gets an unlinked temporary file; an empty file is extended to
 * offset + size; a non-empty file is never resized, and must be large
 * enough.  Unlike QEMU, anything but a regular file (a FIFO, a socket, a
 * device) is refused, and opening never blocks.  A creation that fails
 * leaves no file behind and an extended file at its old size.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/hostmem_internal.h"
#include "core/error.h"

typedef struct {
    TmHostMem parent;
    char *mem_path;
    uint64_t offset;
    bool discard_data;
    bool created_file;  /* completion created mem_path */
    bool extended_file; /* completion extended an existing empty file */
} TmHostMemFile;

static TmHostMemFile *file_cast(TmObject *obj)
{
    return (TmHostMemFile *)obj;
}

static const char *file_type(const TmHostMemFile *file)
{
    return tm_object_type_name(&file->parent.parent);
}

static bool check_file_properties(const TmHostMemFile *file, GError **err)
{
    const TmHostMem *backend = &file->parent;
    uint64_t align = backend->align;

    if (file->mem_path == NULL || file->mem_path[0] == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "mem-path property not set");
        return false;
    }
    if (align != 0 && ((align & (align - 1)) != 0 || align % backend->page_size != 0)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'align' of %s must be a power of two and a multiple of the page "
                    "size 0x%" PRIx64 ", got 0x%" PRIx64, file_type(file), backend->page_size,
                    align);
        return false;
    }
    if (file->offset % backend->page_size != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'offset' of %s must be a multiple of the page size 0x%" PRIx64
                    ", got 0x%" PRIx64, file_type(file), backend->page_size, file->offset);
        return false;
    }
    if (file->offset > UINT64_MAX - backend->size) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "property 'offset' of %s: offset 0x%" PRIx64 " + size 0x%" PRIx64
                    " is too large", file_type(file), file->offset, backend->size);
        return false;
    }
    if (file->discard_data && backend->readonly) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "'discard-data=on' and 'readonly=on' are incompatible");
        return false;
    }
    return true;
}

static bool open_error(const TmHostMemFile *file, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "can't open backing store %s for memory backend '%s': %s", file->mem_path,
                tm_hostmem_id(&file->parent), g_strerror(errno));
    return false;
}

/* In a directory the memory gets a file of its own that nobody else can open. */
static bool create_unlinked_file(TmHostMemFile *file, GError **err)
{
    if (file->parent.readonly) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "mem-path %s is a directory, but readonly=on needs an existing file",
                    file->mem_path);
        return false;
    }
    g_autofree char *name = g_strdup_printf("tagmem_back_mem.%s.XXXXXX",
                                            tm_hostmem_id(&file->parent));
    g_autofree char *path = g_build_filename(file->mem_path, name, NULL);
    int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        return open_error(file, err);
    }
    unlink(path);
    file->parent.fd = fd;
    return true;
}

static const char *describe_file_type(mode_t mode)
{
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    return "not a regular file";
}

/*
 * Memory comes from a regular file (or one made in a directory) only: a
 * FIFO or a socket has no pages to map and a device is not known to be
 * memory (a DAX device is not told apart from /dev/tty or a disk here).
 */
static bool refuse_file_type(const TmHostMemFile *file, mode_t mode, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "mem-path %s of memory backend '%s' is %s: only a regular file or a "
                "directory can back memory", file->mem_path, tm_hostmem_id(&file->parent),
                describe_file_type(mode));
    return false;
}

/* open() of a socket fails (ENXIO) before fstat could tell what it is. */
static bool open_failed(const TmHostMemFile *file, GError **err)
{
    int saved_errno = errno;
    struct stat st;

    if (saved_errno == ENXIO && stat(file->mem_path, &st) == 0 && !S_ISREG(st.st_mode)) {
        return refuse_file_type(file, st.st_mode, err);
    }
    errno = saved_errno;
    return open_error(file, err);
}

static bool check_opened_file(TmHostMemFile *file, int fd, GError **err)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        return open_error(file, err);
    }
    if (!S_ISREG(st.st_mode)) {
        return refuse_file_type(file, st.st_mode, err);
    }
    /* Non-blocking was for the open; reads and writes of a file never wait on a peer. */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        return open_error(file, err);
    }
    return true;
}

static bool open_backing_file(TmHostMemFile *file, GError **err)
{
    TmHostMem *backend = &file->parent;

    if (g_file_test(file->mem_path, G_FILE_TEST_IS_DIR)) {
        return create_unlinked_file(file, err);
    }
    /*
     * O_NONBLOCK: opening a FIFO must not wait for a writer, and hang the
     * daemon; O_NOCTTY: a terminal never becomes the daemon's.  An existing
     * path is followed if it is a link, as in QEMU; a new file is created
     * with O_EXCL, which never follows one.
     */
    int flags = (backend->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    int fd = open(file->mem_path, flags);
    if (fd < 0 && errno == ENOENT && !backend->readonly) {
        /* 0600: hosts get the memory as a descriptor, never by opening the path. */
        fd = open(file->mem_path, flags | O_CREAT | O_EXCL, 0600);
        file->created_file = fd >= 0;
    }
    if (fd < 0) {
        return open_failed(file, err);
    }
    if (!check_opened_file(file, fd, err)) {
        close(fd);
        return false;
    }
    backend->fd = fd;
    return true;
}

static bool size_backing_file(TmHostMemFile *file, GError **err)
{
    TmHostMem *backend = &file->parent;
    uint64_t needed = file->offset + backend->size;
    struct stat st;

    if (fstat(backend->fd, &st) != 0) {
        return open_error(file, err);
    }
    if (st.st_size == 0 && !backend->readonly) {
        if (ftruncate(backend->fd, (off_t)needed) != 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "cannot extend backing store %s to 0x%" PRIx64 ": %s", file->mem_path,
                        needed, g_strerror(errno));
            return false;
        }
        file->extended_file = !file->created_file;
        return true;
    }
    if ((uint64_t)st.st_size < needed) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "backing store %s size 0x%" PRIx64 " does not match 'size' option 0x%"
                    PRIx64 " (at offset 0x%" PRIx64 ")", file->mem_path, (uint64_t)st.st_size,
                    backend->size, file->offset);
        return false;
    }
    return true;
}

static bool file_prepare(TmHostMem *backend, GError **err)
{
    TmHostMemFile *file = file_cast(&backend->parent);

    if (!check_file_properties(file, err) || !open_backing_file(file, err) ||
        !size_backing_file(file, err)) {
        return false;
    }
    backend->fd_offset = file->offset;
    return true;
}

static const TmHostMemOps file_ops = {
    .prepare = file_prepare,
};

static bool set_mem_path(TmObject *obj, const TmValue *value, GError **err)
{
    TmHostMemFile *file = file_cast(obj);

    g_free(file->mem_path);
    file->mem_path = g_strdup(value->str);
    return true;
}

static void get_mem_path(TmObject *obj, TmValue *out)
{
    out->str = g_strdup(file_cast(obj)->mem_path ? file_cast(obj)->mem_path : "");
}

static bool set_align(TmObject *obj, const TmValue *value, GError **err)
{
    tm_hostmem_cast(obj)->align = value->uint;
    return true;
}

static void get_align(TmObject *obj, TmValue *out)
{
    out->uint = tm_hostmem_cast(obj)->align;
}

static bool set_offset(TmObject *obj, const TmValue *value, GError **err)
{
    file_cast(obj)->offset = value->uint;
    return true;
}

static void get_offset(TmObject *obj, TmValue *out)
{
    out->uint = file_cast(obj)->offset;
}

static bool set_readonly(TmObject *obj, const TmValue *value, GError **err)
{
    tm_hostmem_cast(obj)->readonly = value->boolean;
    return true;
}

static void get_readonly(TmObject *obj, TmValue *out)
{
    out->boolean = tm_hostmem_cast(obj)->readonly;
}

static bool set_discard_data(TmObject *obj, const TmValue *value, GError **err)
{
    file_cast(obj)->discard_data = value->boolean;
    return true;
}

static void get_discard_data(TmObject *obj, TmValue *out)
{
    out->boolean = file_cast(obj)->discard_data;
}

static const TmProperty file_properties[] = {
    { .name = "mem-path", .kind = TM_PROP_STR, .access = TM_PROP_INIT_ONLY,
      .description = "File to back the memory (required); a directory gets a temporary file",
      .set = set_mem_path, .get = get_mem_path },
    { .name = "align", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Alignment of the mapping (power of two, multiple of the page size)",
      .set = set_align, .get = get_align },
    { .name = "offset", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Offset into the file where the memory starts",
      .set = set_offset, .get = get_offset },
    { .name = "readonly", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Open the file read-only and map it read-only",
      .set = set_readonly, .get = get_readonly },
    { .name = "discard-data", .kind = TM_PROP_BOOL, .access = TM_PROP_INIT_ONLY,
      .description = "Discard the file's contents when the backend is deleted",
      .set = set_discard_data, .get = get_discard_data },
    { .name = NULL },
};

static void file_init(TmObject *obj)
{
    file_cast(obj)->parent.ops = &file_ops;
}

/* Punch the backend's range out of the file, as QEMU's MADV_REMOVE does. */
static void discard_file_data(TmHostMemFile *file)
{
    TmHostMem *backend = &file->parent;

    if (fallocate(backend->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)file->offset, (off_t)backend->size) != 0) {
        g_warning("memory backend '%s': discard-data: cannot punch %s: %s",
                  tm_hostmem_id(backend), file->mem_path, g_strerror(errno));
    }
}

/* Runs before the base class closes the file. */
static void file_finalize(TmObject *obj)
{
    TmHostMemFile *file = file_cast(obj);

    if (obj->completed && file->discard_data) {
        discard_file_data(file);
    } else if (!obj->completed && file->created_file) {
        unlink(file->mem_path);
    } else if (!obj->completed && file->extended_file) {
        /* Best effort, like the unlink: finalize cannot fail. */
        (void)ftruncate(file->parent.fd, 0);
    }
    g_free(file->mem_path);
}

const TmObjectClass tm_hostmem_file_class = {
    .type_name = "memory-backend-file",
    .parent = &tm_hostmem_class,
    .instance_size = sizeof(TmHostMemFile),
    .properties = file_properties,
    .init = file_init,
    .finalize = file_finalize,
};

#include "backend/mem_object.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fd_io.h"

struct TmMemObject {
    gatomicrefcount refs;
    int fd;
    uint64_t length;
};

TmMemObject *tm_mem_object_new(const char *name, uint64_t length, unsigned int memfd_flags,
                               GError **err)
{
    int fd = memfd_create(name, memfd_flags | MFD_CLOEXEC | MFD_ALLOW_SEALING);

    if (fd < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot create a memory object of 0x%" PRIx64 " bytes: %s", length,
                    g_strerror(errno));
        return NULL;
    }
    if (ftruncate(fd, (off_t)length) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot size a memory object to 0x%" PRIx64 " bytes: %s", length,
                    g_strerror(errno));
        close(fd);
        return NULL;
    }
    TmMemObject *object = g_new0(TmMemObject, 1);
    g_atomic_ref_count_init(&object->refs);
    object->fd = fd;
    object->length = length;
    return object;
}

bool tm_mem_object_seal(TmMemObject *object, GError **err)
{
    if (fcntl(object->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot seal a memory object: %s",
                    g_strerror(errno));
        return false;
    }
    return true;
}

TmMemObject *tm_mem_object_adopt(int fd, GError **err)
{
    const int needed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    int seals = fcntl(fd, F_GET_SEALS);
    struct stat st;

    /* F_GET_SEALS answers only for memfds (and shmem files) that allow sealing. */
    if (seals < 0 || (seals & needed) != needed || fstat(fd, &st) != 0 || st.st_size <= 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "descriptor %d is not a sealed memory object (seals %d)", fd, seals);
        close(fd);
        return NULL;
    }
    TmMemObject *object = g_new0(TmMemObject, 1);
    g_atomic_ref_count_init(&object->refs);
    object->fd = fd;
    object->length = (uint64_t)st.st_size;
    return object;
}

TmMemObject *tm_mem_object_ref(TmMemObject *object)
{
    g_atomic_ref_count_inc(&object->refs);
    return object;
}

void tm_mem_object_unref(TmMemObject *object)
{
    if (object != NULL && g_atomic_ref_count_dec(&object->refs)) {
        close(object->fd);
        g_free(object);
    }
}

int tm_mem_object_fd(const TmMemObject *object)
{
    return object->fd;
}

uint64_t tm_mem_object_length(const TmMemObject *object)
{
    return object->length;
}

bool tm_mem_object_read(const TmMemObject *object, uint64_t offset, void *buf, uint64_t length,
                        GError **err)
{
    g_assert(offset <= object->length && length <= object->length - offset);
    return tm_fd_read_at(object->fd, offset, buf, length, err);
}

bool tm_mem_object_write(TmMemObject *object, uint64_t offset, const void *buf,
                         uint64_t length, GError **err)
{
    g_assert(offset <= object->length && length <= object->length - offset);
    return tm_fd_write_at(object->fd, offset, buf, length, err);
}


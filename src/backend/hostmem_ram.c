/*
 * memory-backend-ram: anonymous memory.
 *
 * With share=on the memory is a memfd rather than a MAP_SHARED|MAP_ANONYMOUS
 * mapping: both are shared memory, but only a memfd has a file descriptor
 * that can travel to a host process over SCM_RIGHTS, which is how hosts map
 * accepted extents (the "direct alias", SPEC §2).  The memfd is sealed
 * against growing and shrinking so that no host holding the fd can
 * truncate it under us (our accesses would then fault with SIGBUS).
 */
#include <fcntl.h>
#include <sys/mman.h>

#include "backend/hostmem_internal.h"

static bool ram_open_fd(TmHostMem *backend, GError **err)
{
    if (!backend->share) {
        return true;
    }
    backend->fd = tm_hostmem_memfd_create(backend, MFD_CLOEXEC | MFD_ALLOW_SEALING,
                                          F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL, err);
    backend->fd_offset = 0;
    return backend->fd >= 0;
}

static const TmHostMemOps ram_ops = {
    .open_fd = ram_open_fd,
};

static void ram_init(TmObject *obj)
{
    tm_hostmem_cast(obj)->ops = &ram_ops;
}

const TmObjectClass tm_hostmem_ram_class = {
    .type_name = "memory-backend-ram",
    .parent = &tm_hostmem_class,
    .instance_size = sizeof(TmHostMem),
    .init = ram_init,
};

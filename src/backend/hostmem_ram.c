/*
 * memory-backend-ram: anonymous memory.
 *
 * With share=off it is one private anonymous mapping that only the daemon
 * touches.  With share=on it is made of memory objects (sealed memfds, one
 * per DC block a host uses; docs/memory-model.md): only a descriptor can
 * travel to a host process over SCM_RIGHTS, which is how hosts map accepted
 * extents (the "direct alias"), and one per block gives each host exactly
 * the memory it holds.
 */
#include "backend/hostmem_internal.h"

static unsigned int ram_object_flags(const TmHostMem *backend)
{
    (void)backend;
    return 0;
}

static const TmHostMemOps ram_ops = {
    .object_flags = ram_object_flags,
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

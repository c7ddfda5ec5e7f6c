/*
 * Host memory backends: the memory that DC capacity is made of.
 *
 * Types (QEMU's names and properties, backends/hostmem*.c):
 *   memory-backend       abstract: id, size, share, prealloc, prealloc-threads,
 *                        reserve, merge, dump, policy, host-nodes, tag
 *   memory-backend-ram   anonymous memory (share=on: a memfd, so it can be passed)
 *   memory-backend-memfd memfd_create(): hugetlb, hugetlbsize, seal
 *   memory-backend-file  a file: mem-path, align, offset, readonly, discard-data
 *
 * Memory is allocated when the backend is first used (tm_hostmem_get_memory)
 * or at completion when prealloc=on, so a daemon can hold a million small
 * backends without a million mappings.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "core/guid.h"
#include "object/object.h"

typedef struct TmHostMem TmHostMem;
typedef struct TmBackendRegistry TmBackendRegistry;

extern const TmObjectClass tm_hostmem_class; /* abstract "memory-backend" */
extern const TmObjectClass tm_hostmem_ram_class;
extern const TmObjectClass tm_hostmem_memfd_class;
extern const TmObjectClass tm_hostmem_file_class;

/* The user-creatable backend type called @type_name, or NULL. */
const TmObjectClass *tm_hostmem_find_type(const char *type_name);

/* Every user-creatable backend type, NULL-terminated. */
const TmObjectClass *const *tm_hostmem_types(void);

/* Checked downcast (aborts if @obj is not a backend). */
TmHostMem *tm_hostmem_from_object(TmObject *obj);
TmObject *tm_hostmem_object(TmHostMem *backend);
const char *tm_hostmem_id(const TmHostMem *backend);

uint64_t tm_hostmem_size(const TmHostMem *backend);

/* The backend's tag, or NULL when it has none. */
const TmGuid *tm_hostmem_tag(const TmHostMem *backend);

/*
 * The backend's memory, mapped read/write (read-only for readonly=on),
 * allocated on first call.  Fails when the allocation fails.  Not for
 * backends whose memory is made of objects (tm_hostmem_passes_fds).
 */
void *tm_hostmem_get_memory(TmHostMem *backend, GError **err);
bool tm_hostmem_is_allocated(const TmHostMem *backend);

bool tm_hostmem_is_readonly(const TmHostMem *backend);
/* share=on: the memory is shared memory (an object, a file) rather than private. */
bool tm_hostmem_is_shareable(const TmHostMem *backend);

/* ---- Memory objects (docs/memory-model.md) ---- */

typedef struct TmMemObject TmMemObject;

/*
 * The backend's memory may be handed to hosts: memory-backend-memfd and
 * memory-backend-ram with share=on.  Their memory is made of memory
 * objects, one per DC block in use (the device says what a block is),
 * and never of one whole mapping.  Private memory (share=off) and files
 * (which cannot be sealed) never leave the daemon.
 */
bool tm_hostmem_passes_fds(const TmHostMem *backend);

/*
 * The object of the block [offset, offset + length), created on first use:
 * zeroed, placed by host-nodes, preallocated when prealloc=on, sealed.  The
 * backend keeps it until tm_hostmem_drop_objects (ref it to keep it longer).
 */
TmMemObject *tm_hostmem_block_object(TmHostMem *backend, uint64_t offset, uint64_t length,
                                     GError **err);

/*
 * Revocation: forget the objects of the blocks (@block_size each) of
 * [offset, offset + length).  Their holders keep what they mapped; the
 * next use of a block gets fresh, zeroed memory.
 */
void tm_hostmem_drop_objects(TmHostMem *backend, uint64_t offset, uint64_t length,
                             uint64_t block_size);
/* Objects alive, and all of them dropped (when the backend goes). */
guint tm_hostmem_object_count(const TmHostMem *backend);
void tm_hostmem_free_objects(TmHostMem *backend);

/*
 * Take @fd (closed on failure) as the object of the block at @offset: a
 * memory object a previous run of the daemon made (sealed memfd; its size
 * is the block's), given back by the service manager's descriptor store.
 */
bool tm_hostmem_adopt_object(TmHostMem *backend, uint64_t offset, int fd, GError **err);

/*
 * Copy [offset, offset + length), inside the block [block_offset,
 * block_offset + block_length), out of or into the backend: objects and
 * shared files with pread/pwrite (an object or file cut short, or a full
 * file system, is an error, never a fault), private memory by copy.  A
 * block with no object yet reads as zeros.
 */
bool tm_hostmem_block_read(TmHostMem *backend, uint64_t block_offset, uint64_t block_length,
                           uint64_t offset, void *buf, uint64_t length, GError **err);
bool tm_hostmem_block_write(TmHostMem *backend, uint64_t block_offset, uint64_t block_length,
                            uint64_t offset, const void *buf, uint64_t length, GError **err);

/*
 * Make [offset, offset + length) read as zero, for sanitize-on-release:
 * punch a hole in a shared file, MADV_DONTNEED private anonymous memory,
 * or write zeros where neither works.  Not for backends made of objects:
 * their blocks are dropped instead (tm_hostmem_drop_objects).
 */
bool tm_hostmem_zero_range(TmHostMem *backend, uint64_t offset, uint64_t length, GError **err);

/*
 * The in-use mechanism.  A user (a device, an extent) registers with a
 * description that error messages quote, e.g. "extent 0x10000000+0x200000
 * of /machine/peripheral/dcd0".  While any user is registered the backend
 * cannot be deleted and its tag cannot change.  Users are counted: adding
 * the same description twice needs two removals.
 */
void tm_hostmem_add_user(TmHostMem *backend, const char *user);
void tm_hostmem_remove_user(TmHostMem *backend, const char *user);
bool tm_hostmem_in_use(const TmHostMem *backend);
/* The first registered user, or NULL. */
const char *tm_hostmem_first_user(const TmHostMem *backend);
/* How many registrations are outstanding (a description counts each time). */
guint tm_hostmem_user_count(const TmHostMem *backend);

/* Registry the backend belongs to (NULL until added). */
TmBackendRegistry *tm_hostmem_registry(const TmHostMem *backend);

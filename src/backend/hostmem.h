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
 * allocated on first call.  Fails when the allocation fails.
 */
void *tm_hostmem_get_memory(TmHostMem *backend, GError **err);
bool tm_hostmem_is_allocated(const TmHostMem *backend);

/*
 * A file descriptor other processes can mmap to share the memory (memfd,
 * file, or ram with share=on), or -1 with @err set when the backend cannot
 * be shared (private anonymous memory).  The backend keeps ownership.
 * @fd_offset receives where the backend's byte 0 sits in the file.
 */
int tm_hostmem_get_fd(TmHostMem *backend, uint64_t *fd_offset, GError **err);
bool tm_hostmem_is_shareable(const TmHostMem *backend);
bool tm_hostmem_is_readonly(const TmHostMem *backend);

/*
 * Make [offset, offset + length) read as zero, for sanitize-on-release:
 * punch a hole in shared memory, MADV_DONTNEED private anonymous memory,
 * or write zeros where neither works.
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

/*
 * libtagmem: poison in the capacity a host holds (docs/host-protocol.md,
 * "Poison").  Separate from tagmem.h so that poison stays one small API.
 *
 * When the device reports poisoned 64-byte lines in capacity the host
 * maps, libtagmem makes every page holding such a line inaccessible
 * (PROT_NONE) in the direct-alias window and in the tag's contiguous view
 * *before* it calls the poison callback, so that a later load there
 * faults (SIGSEGV), as a poisoned load does on real hardware.  The unit
 * is the page (4 KiB): the other 63 lines of the page become inaccessible
 * too.  When the poison of a page's last line is cleared (Clear Poison,
 * 4302h, by any host), access comes back and the callback says so.
 *
 * The library learns of poison when it handles the daemon's notification
 * (tagmem_host_dispatch / tagmem_host_process_events): until then the
 * pages stay accessible and hold whatever the memory holds.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagmem/tagmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A poisoned range of capacity the host holds, cut to one extent. */
typedef struct {
    uint64_t dpa;          /* the first poisoned line */
    uint64_t length;       /* bytes, a multiple of 64 */
    uint8_t tag[16];       /* the extent's tag; all zero: untagged */
    uint64_t tag_offset;   /* @dpa's offset in the tag's allocation (untagged: 0) */
    void *addr;            /* @dpa in the direct-alias window; NULL on the slow path */
    bool cleared;          /* the poison is gone (a callback's report of a clear) */
} TagmemPoison;

typedef void (*TagmemPoisonFn)(void *data, const TagmemPoison *poison);

/*
 * Called for each range newly found poisoned (after its pages are made
 * inaccessible) and for each range whose poison was cleared (after
 * access to pages with no poisoned line left is restored).  NULL: none.
 */
TAGMEM_API void tagmem_host_set_poison_callback(TagmemHost *host, TagmemPoisonFn fn,
                                                void *data);

/*
 * The poisoned ranges the library knows in [dpa, dpa + length) of held
 * capacity: copies up to @max into @out and returns how many there are
 * in all.
 */
TAGMEM_API size_t tagmem_host_poison(const TagmemHost *host, uint64_t dpa, uint64_t length,
                                     TagmemPoison *out, size_t max);

#ifdef __cplusplus
}
#endif

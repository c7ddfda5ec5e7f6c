/*
 * A memory object: one sealed memfd of a fixed length, the unit of memory
 * that a host may be handed (docs/memory-model.md).  Its size can never
 * change (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), so no holder of its
 * descriptor can make another holder, or the daemon, fault on it; and the
 * daemon reads and writes it with pread/pwrite only, so even pages a holder
 * punched out read as zeros instead of faulting.  Reference counted.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmMemObject TmMemObject;

/*
 * A new, zero-filled object of @length bytes named @name (shown in
 * /proc/PID/maps of its holders), from memfd_create(@memfd_flags |
 * MFD_CLOEXEC | MFD_ALLOW_SEALING), not yet sealed: the caller places
 * and populates it, then calls tm_mem_object_seal().
 */
TmMemObject *tm_mem_object_new(const char *name, uint64_t length, unsigned int memfd_flags,
                               GError **err);
bool tm_mem_object_seal(TmMemObject *object, GError **err);

/*
 * The object behind @fd (taken; closed on failure), which must be what
 * tm_mem_object_new made and sealed: a memfd that cannot shrink, grow or
 * take new seals, of a non-zero size.
 */
TmMemObject *tm_mem_object_adopt(int fd, GError **err);

TmMemObject *tm_mem_object_ref(TmMemObject *object);
void tm_mem_object_unref(TmMemObject *object);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmMemObject, tm_mem_object_unref)

/* The object's descriptor (the object keeps it: dup it to hand it out). */
int tm_mem_object_fd(const TmMemObject *object);
uint64_t tm_mem_object_length(const TmMemObject *object);

/* Copy bytes out of / into [offset, offset + length), which must lie inside the object. */
bool tm_mem_object_read(const TmMemObject *object, uint64_t offset, void *buf, uint64_t length,
                        GError **err);
bool tm_mem_object_write(TmMemObject *object, uint64_t offset, const void *buf,
                         uint64_t length, GError **err);

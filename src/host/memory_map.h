/*
 * Virtual memory for the direct alias: reservations that hold an address
 * range PROT_NONE, device memory mapped into them from the daemon's
 * descriptors, and ranges made inaccessible again without giving up the
 * reservation (so nothing else can be mapped there).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/*
 * Reserve @size bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
 * MAP_NORESERVE, at an address aligned to 1 GiB so that extents backed by
 * huge pages (2 MiB or 1 GiB) can be mapped at window + DPA.
 */
bool tm_host_reserve(uint64_t size, uint8_t **out, GError **err);

/* Give a reservation back (munmap). */
void tm_host_unreserve(uint8_t *base, uint64_t size);

/* Make [addr, addr + length) of a reservation PROT_NONE again (MAP_FIXED anonymous). */
bool tm_host_make_inaccessible(uint8_t *addr, uint64_t length, GError **err);

/* The range can be mapped from a descriptor: address, length and offset page-aligned. */
bool tm_host_mappable(uint64_t dpa, uint64_t length, uint64_t file_offset);

/* mmap(@addr, @length, prot, MAP_SHARED | MAP_FIXED, @fd, @file_offset). */
bool tm_host_map_fd(uint8_t *addr, uint64_t length, bool writable, int fd,
                    uint64_t file_offset, GError **err);

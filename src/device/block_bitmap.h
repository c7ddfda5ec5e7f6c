/*
 * One bit per DC block of a region: which blocks a host has accepted
 * ("backed"), as QEMU tracks them (docs/qemu-compat.md).  Used to check
 * that a release names only accepted capacity.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmBlockBitmap TmBlockBitmap;

TmBlockBitmap *tm_block_bitmap_new(uint64_t n_blocks);
void tm_block_bitmap_free(TmBlockBitmap *bitmap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmBlockBitmap, tm_block_bitmap_free)

uint64_t tm_block_bitmap_size(const TmBlockBitmap *bitmap);

/* Blocks [first, first + count) must lie inside the bitmap. */
void tm_block_bitmap_set(TmBlockBitmap *bitmap, uint64_t first, uint64_t count);
void tm_block_bitmap_clear(TmBlockBitmap *bitmap, uint64_t first, uint64_t count);
bool tm_block_bitmap_all_set(const TmBlockBitmap *bitmap, uint64_t first, uint64_t count);

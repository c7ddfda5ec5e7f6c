#include "device/block_bitmap.h"

struct TmBlockBitmap {
    uint64_t n_blocks;
    uint64_t *words;
};

TmBlockBitmap *tm_block_bitmap_new(uint64_t n_blocks)
{
    TmBlockBitmap *bitmap = g_new0(TmBlockBitmap, 1);

    bitmap->n_blocks = n_blocks;
    bitmap->words = g_new0(uint64_t, (n_blocks + 63) / 64);
    return bitmap;
}

void tm_block_bitmap_free(TmBlockBitmap *bitmap)
{
    if (bitmap == NULL) {
        return;
    }
    g_free(bitmap->words);
    g_free(bitmap);
}

uint64_t tm_block_bitmap_size(const TmBlockBitmap *bitmap)
{
    return bitmap->n_blocks;
}

/* Mask of the bits of word @w that fall inside [first, end). */
static uint64_t word_mask(uint64_t w, uint64_t first, uint64_t end)
{
    uint64_t lo = w * 64 > first ? 0 : first - w * 64;
    uint64_t hi = end >= (w + 1) * 64 ? 64 : end - w * 64;
    uint64_t upper = hi == 64 ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1;

    return upper & ~((UINT64_C(1) << lo) - 1);
}

static void check_range(const TmBlockBitmap *bitmap, uint64_t first, uint64_t count)
{
    g_assert(first <= bitmap->n_blocks && count <= bitmap->n_blocks - first);
}

void tm_block_bitmap_set(TmBlockBitmap *bitmap, uint64_t first, uint64_t count)
{
    check_range(bitmap, first, count);
    for (uint64_t w = first / 64; count && w <= (first + count - 1) / 64; w++) {
        bitmap->words[w] |= word_mask(w, first, first + count);
    }
}

void tm_block_bitmap_clear(TmBlockBitmap *bitmap, uint64_t first, uint64_t count)
{
    check_range(bitmap, first, count);
    for (uint64_t w = first / 64; count && w <= (first + count - 1) / 64; w++) {
        bitmap->words[w] &= ~word_mask(w, first, first + count);
    }
}

bool tm_block_bitmap_all_set(const TmBlockBitmap *bitmap, uint64_t first, uint64_t count)
{
    check_range(bitmap, first, count);
    for (uint64_t w = first / 64; count && w <= (first + count - 1) / 64; w++) {
        uint64_t mask = word_mask(w, first, first + count);

        if ((bitmap->words[w] & mask) != mask) {
            return false;
        }
    }
    return true;
}

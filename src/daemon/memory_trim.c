#include "daemon/memory_trim.h"

#include <malloc.h>

struct TmMemoryTrim {
    guint source;
    /* Free bytes the heap held after memory was last given back (or fewer, since). */
    size_t baseline;
};

#ifdef __SANITIZE_ADDRESS__
/* The sanitizer allocator's interface (compiler-rt allocator_interface.h). */
size_t __sanitizer_get_heap_size(void);
size_t __sanitizer_get_current_allocated_bytes(void);
void __sanitizer_purge_allocator(void);

static size_t free_bytes(void)
{
    size_t heap = __sanitizer_get_heap_size();
    size_t in_use = __sanitizer_get_current_allocated_bytes();

    return heap > in_use ? heap - in_use : 0;
}

static size_t heap_bytes(void)
{
    return __sanitizer_get_heap_size();
}

static void give_back(void)
{
    __sanitizer_purge_allocator();
}
#else
static size_t free_bytes(void)
{
    /* Free chunks in the heap; mmap()ed blocks go back to the system when freed. */
    return mallinfo2().fordblks;
}

static size_t heap_bytes(void)
{
    return mallinfo2().arena;
}

static void give_back(void)
{
    malloc_trim(0);
}
#endif

/*
 * Free bytes, not bytes in use: a state that grows and goes between two
 * checks leaves free bytes behind, which a comparison of bytes in use
 * once a second would not see.
 */
static gboolean check(gpointer data)
{
    TmMemoryTrim *trim = data;
    size_t free_now = free_bytes();

    /*
     * Trimming walks the whole heap: worth it when a good part of the heap
     * is free (state went away), not for the free chunks a busy daemon
     * always has (that cost landed on every request at scale; bench-scale).
     */
    if (free_now >= trim->baseline + TM_MEMORY_TRIM_THRESHOLD &&
        free_now >= heap_bytes() / TM_MEMORY_TRIM_FREE_SHARE) {
        give_back();
        trim->baseline = free_bytes();
    } else if (free_now < trim->baseline) {
        trim->baseline = free_now;
    }
    return G_SOURCE_CONTINUE;
}

TmMemoryTrim *tm_memory_trim_start(void)
{
    TmMemoryTrim *trim = g_new0(TmMemoryTrim, 1);

    trim->baseline = free_bytes();
    trim->source = g_timeout_add_seconds(1, check, trim);
    return trim;
}

void tm_memory_trim_stop(TmMemoryTrim *trim)
{
    if (trim == NULL) {
        return;
    }
    g_source_remove(trim->source);
    g_free(trim);
}

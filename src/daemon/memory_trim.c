#include "daemon/memory_trim.h"

#include <malloc.h>

struct TmMemoryTrim {
    guint source;
    size_t peak;    /* most bytes in use seen since memory was last given back */
};

#ifdef __SANITIZE_ADDRESS__
/* The sanitizer allocator's interface (compiler-rt allocator_interface.h). */
size_t __sanitizer_get_current_allocated_bytes(void);
void __sanitizer_purge_allocator(void);

static size_t bytes_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}

static void give_back(void)
{
    __sanitizer_purge_allocator();
}
#else
static size_t bytes_in_use(void)
{
    /* Heap chunks in use; mmap()ed blocks go back to the system when freed. */
    return mallinfo2().uordblks;
}

static void give_back(void)
{
    malloc_trim(0);
}
#endif

static gboolean check(gpointer data)
{
    TmMemoryTrim *trim = data;
    size_t in_use = bytes_in_use();

    if (in_use + TM_MEMORY_TRIM_THRESHOLD <= trim->peak) {
        give_back();
        trim->peak = in_use;
    } else if (in_use > trim->peak) {
        trim->peak = in_use;
    }
    return G_SOURCE_CONTINUE;
}

TmMemoryTrim *tm_memory_trim_start(void)
{
    TmMemoryTrim *trim = g_new0(TmMemoryTrim, 1);

    trim->peak = bytes_in_use();
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

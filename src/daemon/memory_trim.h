/*
 * Giving freed heap memory back to the system.  The allocator keeps what
 * the daemon frees for later use: after a host releases a million extents
 * the daemon would stay at its largest size for ever.  Once a second the
 * daemon looks at how many free bytes its heap holds; when they grew by
 * TM_MEMORY_TRIM_THRESHOLD or more since memory was last given back (or
 * since their lowest point after that) and a quarter of the heap or more
 * is free, the free pages go back to the system (glibc's malloc_trim; the
 * sanitizer's allocator in ASan builds).  A daemon whose state does not
 * shrink is never trimmed, nor one whose free chunks are the churn of a
 * busy, large state: trimming walks the whole heap, which at 256 devices
 * cost every QMP request a third more (bench-scale).
 */
#pragma once

#include <stddef.h>
#include <glib.h>

#define TM_MEMORY_TRIM_THRESHOLD ((size_t)1 << 20)
/* ...and when at least 1/this of the heap is free. */
#define TM_MEMORY_TRIM_FREE_SHARE ((size_t)4)

typedef struct TmMemoryTrim TmMemoryTrim;

/* Starts the once-a-second check on the default main context. */
TmMemoryTrim *tm_memory_trim_start(void);
void tm_memory_trim_stop(TmMemoryTrim *trim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmMemoryTrim, tm_memory_trim_stop)

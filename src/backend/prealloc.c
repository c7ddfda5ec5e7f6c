#include "backend/prealloc.h"

#include <errno.h>
#include <sys/mman.h>

#include "core/error.h"

typedef struct {
    char *start;
    size_t length;
    int advice;
    int error; /* errno of the slice's madvise, 0 on success */
} PreallocSlice;

/*
 * MADV_POPULATE_WRITE/READ (Linux 5.14, as QEMU prefers) faults the pages
 * in like touching them would, but reports failure (ENOMEM when huge pages
 * run out) instead of raising SIGBUS.
 */
static gpointer populate_slice(gpointer data)
{
    PreallocSlice *slice = data;

    while (madvise(slice->start, slice->length, slice->advice) != 0) {
        if (errno != EINTR) {
            slice->error = errno;
            break;
        }
    }
    return NULL;
}

static void split_into_slices(char *memory, size_t pages, size_t page_size, int advice,
                              PreallocSlice *slices, unsigned int count)
{
    size_t first_page = 0;

    for (unsigned int i = 0; i < count; i++) {
        /* Spread the remainder: the first (pages % count) slices get one more page. */
        size_t slice_pages = pages / count + (i < pages % count ? 1 : 0);
        slices[i] = (PreallocSlice){
            .start = memory + first_page * page_size,
            .length = slice_pages * page_size,
            .advice = advice,
        };
        first_page += slice_pages;
    }
}

bool tm_prealloc_pages(void *memory, size_t length, size_t page_size, unsigned int threads,
                       bool writable, GError **err)
{
    size_t pages = length / page_size;
    unsigned int count = (unsigned int)MIN((size_t)MAX(threads, 1U), pages);

    if (pages == 0) {
        return true;
    }
    g_autofree PreallocSlice *slices = g_new(PreallocSlice, count);
    g_autofree GThread **workers = g_new0(GThread *, count);
    split_into_slices(memory, pages, page_size,
                      writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ, slices, count);

    g_autoptr(GError) spawn_error = NULL;
    unsigned int started = 0;
    while (started < count) {
        workers[started] = g_thread_try_new("tm-prealloc", populate_slice, &slices[started],
                                            &spawn_error);
        if (workers[started] == NULL) {
            break;
        }
        started++;
    }
    int error = 0;
    for (unsigned int i = 0; i < started; i++) {
        g_thread_join(workers[i]);
        if (error == 0) {
            error = slices[i].error;
        }
    }

    if (spawn_error) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot start preallocation thread %u of %u: %s", started + 1, count,
                    spawn_error->message);
        return false;
    }
    if (error != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot preallocate memory: %s",
                    g_strerror(error));
        return false;
    }
    return true;
}

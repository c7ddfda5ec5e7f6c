#include "backend/prealloc.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "core/error.h"
#include "core/size.h"

/*
 * A worker populates its slice this much at a time, so a cancel waits at
 * most one chunk (tens of milliseconds) and progress moves visibly.
 */
#define TM_PREALLOC_CHUNK (16u * 1024 * 1024)

/* The blocking form logs sizes from this one on, every interval (microseconds). */
#define TM_PREALLOC_LOG_SIZE ((size_t)1 << 30)
#define TM_PREALLOC_LOG_INTERVAL (5 * G_USEC_PER_SEC)

typedef struct {
    TmPreallocJob *job;
    char *start;
    size_t length;
    int error; /* errno of the slice's madvise, 0 on success */
} PreallocSlice;

struct TmPreallocJob {
    size_t length;
    size_t chunk;   /* a multiple of the page size */
    int advice;
    unsigned int count;
    PreallocSlice *slices;
    GThread **workers;
    GError *spawn_error;
    unsigned int started;
    atomic_uint_fast64_t done;
    atomic_uint running;
    atomic_bool cancel;
};

/* One madvise call of at most a chunk, retried on EINTR; errno or 0. */
static int populate_chunk(char *start, size_t length, int advice)
{
    while (madvise(start, length, advice) != 0) {
        if (errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

/*
 * MADV_POPULATE_WRITE/READ (Linux 5.14, as QEMU prefers) faults the pages
 * in like touching them would, but reports failure (ENOMEM when huge pages
 * run out) instead of raising SIGBUS.
 */
static gpointer populate_slice(gpointer data)
{
    PreallocSlice *slice = data;
    TmPreallocJob *job = slice->job;

    for (size_t at = 0; at < slice->length && slice->error == 0;) {
        if (atomic_load(&job->cancel)) {
            slice->error = ECANCELED;
            break;
        }
        size_t n = MIN(slice->length - at, job->chunk);
        slice->error = populate_chunk(slice->start + at, n, job->advice);
        atomic_fetch_add(&job->done, n);
        at += n;
    }
    atomic_fetch_sub(&job->running, 1);
    return NULL;
}

static void split_into_slices(TmPreallocJob *job, char *memory, size_t pages, size_t page_size)
{
    size_t first_page = 0;

    for (unsigned int i = 0; i < job->count; i++) {
        /* Spread the remainder: the first (pages % count) slices get one more page. */
        size_t slice_pages = pages / job->count + (i < pages % job->count ? 1 : 0);
        job->slices[i] = (PreallocSlice){
            .job = job,
            .start = memory + first_page * page_size,
            .length = slice_pages * page_size,
        };
        first_page += slice_pages;
    }
}

static void start_workers(TmPreallocJob *job)
{
    atomic_store(&job->running, job->count);
    while (job->started < job->count) {
        job->workers[job->started] = g_thread_try_new("tm-prealloc", populate_slice,
                                                      &job->slices[job->started],
                                                      &job->spawn_error);
        if (job->workers[job->started] == NULL) {
            /* The ones never started will never count themselves down. */
            atomic_fetch_sub(&job->running, job->count - job->started);
            atomic_store(&job->cancel, true);
            return;
        }
        job->started++;
    }
}

TmPreallocJob *tm_prealloc_job_start(void *memory, size_t length, size_t page_size,
                                     unsigned int threads, bool writable)
{
    size_t pages = length / page_size;
    TmPreallocJob *job = g_new0(TmPreallocJob, 1);

    job->length = length;
    job->chunk = MAX(TM_PREALLOC_CHUNK / page_size, 1) * page_size;
    job->advice = writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
    job->count = (unsigned int)MIN((size_t)MAX(threads, 1U), pages);
    job->slices = g_new0(PreallocSlice, MAX(job->count, 1));
    job->workers = g_new0(GThread *, MAX(job->count, 1));
    if (job->count > 0) {
        split_into_slices(job, memory, pages, page_size);
        start_workers(job);
    }
    return job;
}

uint64_t tm_prealloc_job_done(const TmPreallocJob *job)
{
    return MIN(atomic_load(&((TmPreallocJob *)job)->done), job->length);
}

uint64_t tm_prealloc_job_total(const TmPreallocJob *job)
{
    return job->length;
}

bool tm_prealloc_job_finished(const TmPreallocJob *job)
{
    return atomic_load(&((TmPreallocJob *)job)->running) == 0;
}

void tm_prealloc_job_cancel(TmPreallocJob *job)
{
    atomic_store(&job->cancel, true);
}

static void job_free(TmPreallocJob *job)
{
    g_clear_error(&job->spawn_error);
    g_free(job->slices);
    g_free(job->workers);
    g_free(job);
}

bool tm_prealloc_job_finish(TmPreallocJob *job, GError **err)
{
    int error = 0;

    for (unsigned int i = 0; i < job->started; i++) {
        g_thread_join(job->workers[i]);
        /* A real failure explains more than the cancel it caused elsewhere. */
        if (error == 0 || error == ECANCELED) {
            error = job->slices[i].error ? job->slices[i].error : error;
        }
    }
    bool ok = false;
    if (job->spawn_error) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot start preallocation thread %u of %u: %s", job->started + 1,
                    job->count, job->spawn_error->message);
    } else if (error == ECANCELED) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "preallocation cancelled");
    } else if (error != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot preallocate memory: %s",
                    g_strerror(error));
    } else {
        ok = true;
    }
    job_free(job);
    return ok;
}

bool tm_prealloc_pages(const char *what, void *memory, size_t length, size_t page_size,
                       unsigned int threads, bool writable, GError **err)
{
    TmPreallocJob *job = tm_prealloc_job_start(memory, length, page_size, threads, writable);
    g_autofree char *total = tm_size_to_human(length);
    bool large = length >= TM_PREALLOC_LOG_SIZE;
    gint64 last_log = g_get_monotonic_time();

    if (large) {
        g_message("%s: preallocating %s with %u thread%s", what, total, threads,
                  threads == 1 ? "" : "s");
    }
    while (!tm_prealloc_job_finished(job)) {
        g_usleep(G_USEC_PER_SEC / 10);
        if (g_get_monotonic_time() - last_log >= TM_PREALLOC_LOG_INTERVAL) {
            g_autofree char *done = tm_size_to_human(tm_prealloc_job_done(job));
            g_message("%s: preallocated %s of %s", what, done, total);
            last_log = g_get_monotonic_time();
        }
    }
    bool ok = tm_prealloc_job_finish(job, err);
    if (ok && large) {
        g_message("%s: preallocated %s", what, total);
    }
    return ok;
}

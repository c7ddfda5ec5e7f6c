/*
 * Preallocation: fault in every page of a backend at creation, so the
 * first access from a host never waits for the kernel, and a backend that
 * cannot be backed fails when it is created rather than later (SIGBUS).
 *
 * A job runs in worker threads so the main loop keeps serving while
 * gigabytes are faulted in: it reports bytes done, and can be cancelled
 * (workers stop at their next chunk).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmPreallocJob TmPreallocJob;

/*
 * Start faulting in [memory, memory + length) with @threads threads (at
 * most one per page), each populating one slice.  @length is a multiple
 * of @page_size.  @writable populates for writing, so private mappings get
 * their own copies now rather than at first write.  The memory must stay
 * mapped until tm_prealloc_job_finish.
 */
TmPreallocJob *tm_prealloc_job_start(void *memory, size_t length, size_t page_size,
                                     unsigned int threads, bool writable);

/* Bytes faulted in so far, and in all. */
uint64_t tm_prealloc_job_done(const TmPreallocJob *job);
uint64_t tm_prealloc_job_total(const TmPreallocJob *job);

/* Every worker has returned (finish will not wait). */
bool tm_prealloc_job_finished(const TmPreallocJob *job);

/* Ask the workers to stop; finish then fails with "cancelled". */
void tm_prealloc_job_cancel(TmPreallocJob *job);

/* Wait for the workers, free the job; false with why it did not complete. */
bool tm_prealloc_job_finish(TmPreallocJob *job, GError **err);

/*
 * The whole job in the calling thread's time (the daemon before it
 * serves): start, wait, and log progress every few seconds when it takes
 * that long, naming @what.
 */
bool tm_prealloc_pages(const char *what, void *memory, size_t length, size_t page_size,
                       unsigned int threads, bool writable, GError **err);

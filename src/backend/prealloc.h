/*
 * Preallocation: fault in every page of a backend at creation, so the
 * first access from a host never waits for the kernel, and a backend that
 * cannot be backed fails when it is created rather than later (SIGBUS).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/*
 * Fault in every page of [memory, memory + length) with @threads threads
 * (at most one per page), each populating one slice.  @length is a
 * multiple of @page_size.  @writable populates for writing, so private
 * mappings get their own copies now rather than at first write.
 */
bool tm_prealloc_pages(void *memory, size_t length, size_t page_size, unsigned int threads,
                       bool writable, GError **err);

/*
 * Small helpers every benchmark needs: a monotonic clock, whole sends,
 * sorting samples, and a raw QMP client that reads answers without parsing
 * them (so that the client's JSON parser is not what is timed).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tm_bench_now_ns(void);

/* Send all @length bytes on the stream socket @fd; aborts on error. */
void tm_bench_write_all(int fd, const char *bytes, size_t length);

/* qsort comparator for uint64_t samples. */
int tm_bench_compare_u64(const void *a, const void *b);

/*
 * Read the next message from @fd (the caller waits for one answer at a time)
 * up to and including its CR LF into @scratch; returns its length.
 */
size_t tm_bench_read_message(int fd, GString *scratch);

/* Connect to the QMP socket @path, read the greeting and negotiate capabilities. */
int tm_bench_qmp_connect(const char *path);

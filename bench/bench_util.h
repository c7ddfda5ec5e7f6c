/* Small helpers every benchmark needs: a monotonic clock, whole sends, sorting samples. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tm_bench_now_ns(void);

/* Send all @length bytes on the stream socket @fd; aborts on error. */
void tm_bench_write_all(int fd, const char *bytes, size_t length);

/* qsort comparator for uint64_t samples. */
int tm_bench_compare_u64(const void *a, const void *b);

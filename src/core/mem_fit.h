/*
 * Can the system give this much memory now?  Read from /proc and /sys:
 * MemAvailable (/proc/meminfo), the room left under the daemon's memory
 * cgroup limits (v2 memory.max − memory.current, else v1
 * memory.limit_in_bytes − memory.usage_in_bytes, for the daemon's cgroup
 * and each ancestor), and free huge pages of a size
 * (/sys/kernel/mm/hugepages).  Used before preallocating, so a backend
 * that cannot fit is refused instead of getting the daemon OOM-killed.
 *
 * @root is prefixed to every path: "" for the running system, a directory
 * holding fake proc/ and sys/ trees in tests.  What cannot be read does
 * not limit (a kernel or container without the file).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/*
 * Fail, naming @what, @size and the limit that refuses it, when @size
 * bytes cannot be had: of ordinary memory when @huge_page_size is 0, else
 * of free huge pages of that size.
 */
bool tm_mem_fit_check(const char *root, const char *what, uint64_t size,
                      uint64_t huge_page_size, GError **err);

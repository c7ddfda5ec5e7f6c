/*
 * Whole reads and writes at an offset of a descriptor (pread/pwrite until
 * done).  The daemon reaches memory that other processes can also reach
 * this way rather than through a mapping: a file cut short or a full file
 * system then gives an error to report, where a mapping would give SIGBUS.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/* Read @length bytes at @offset; end of file before that is an error. */
bool tm_fd_read_at(int fd, uint64_t offset, void *buf, uint64_t length, GError **err);
bool tm_fd_write_at(int fd, uint64_t offset, const void *buf, uint64_t length, GError **err);

/*
 * Sizes as QEMU writes them (util/cutils.c qemu_strtosz): a decimal number,
 * optionally with a fraction, followed by an optional suffix B, K, M, G, T,
 * P or E (either case, powers of 1024); or a 0x hexadecimal integer with no
 * fraction.  No suffix means bytes.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

/* @field names the parameter in the error message. */
bool tm_size_parse(const char *text, const char *field, uint64_t *out, GError **err);

/* "2 MiB", "1.5 GiB", "4096 B": for messages and tables; caller frees. */
char *tm_size_to_human(uint64_t bytes);

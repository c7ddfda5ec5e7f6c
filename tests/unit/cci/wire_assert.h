/* Byte-vector comparison for wire-format tests: names the first differing offset. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

static inline void wire_assert_bytes(const void *actual, const uint8_t *expected, size_t len)
{
    const uint8_t *bytes = actual;

    for (size_t i = 0; i < len; i++) {
        if (bytes[i] != expected[i]) {
            g_error("byte %zu (0x%zx) is 0x%02x, expected 0x%02x", i, i, bytes[i], expected[i]);
        }
    }
}

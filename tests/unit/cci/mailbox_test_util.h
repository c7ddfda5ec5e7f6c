/*
 * Helpers for the mailbox tests: a real device (through the registries,
 * as in the device tests) behind a host port, and calls through
 * tm_mailbox_dispatch() with literal request bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "cci/mailbox.h"
#include "dcd_test_util.h"

/* The tag of backend "tagged0", and its 16 bytes as they travel. */
#define TEST_TAG "5be9d7a4-1c2e-4f3a-9b8d-0e6f7a8b9c0d"
#define TEST_TAG_BYTES \
    0x5b, 0xe9, 0xd7, 0xa4, 0x1c, 0x2e, 0x4f, 0x3a, \
    0x9b, 0x8d, 0x0e, 0x6f, 0x7a, 0x8b, 0x9c, 0x0d

typedef struct {
    DcdFixture fx;
    TmMailboxCaller caller;
    uint8_t *buffer;            /* TM_MAILBOX_DEFAULT_MAX_PAYLOAD bytes */
    TmMailboxResponse response; /* of the last call */
    GError *err;                /* of the last call */
} MailboxFixture;

/*
 * Backends "mem0" (@memdev_size bytes, untagged) and "tagged0" (4 MiB,
 * TEST_TAG), then device "dcd0" from @device_props; the caller is host 0's
 * port with the default 1 MiB max payload.
 */
void mailbox_fixture_init(MailboxFixture *mf, uint64_t memdev_size, const char *device_props);
void mailbox_fixture_clear(MailboxFixture *mf);

TmCxlReturnCode mailbox_call(MailboxFixture *mf, uint16_t opcode, const void *payload,
                             size_t length);

/* Call, and assert the return code and (for any code) exactly these response bytes. */
void mailbox_expect(MailboxFixture *mf, uint16_t opcode, const void *payload, size_t length,
                    TmCxlReturnCode expected_rc, const uint8_t *expected, size_t expected_len);

/* A 4802h/4803h payload listing @extents (dpa, length); caller frees. */
GByteArray *updated_extent_payload(const TmExtent *extents, guint n, uint8_t flags);

/* Little-endian field readers for response bytes. */
uint16_t read_le16(const uint8_t *bytes);
uint32_t read_le32(const uint8_t *bytes);
uint64_t read_le64(const uint8_t *bytes);

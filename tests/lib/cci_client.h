/*
 * A small CCI client for tests: SOCK_SEQPACKET packets built and read
 * byte by byte, independently of src/cci (so that the tests check the
 * daemon's encoding rather than reuse it).  Failures of the socket calls
 * themselves abort the test.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#define TM_TEST_CCI_HEADER_SIZE 13
#define TM_TEST_CCI_TYPE_FM_API 0x07
#define TM_TEST_CCI_TYPE_CCI 0x08

/* One packet as received. */
typedef struct {
    GByteArray *bytes;        /* the whole packet */
    uint8_t mctp_type;
    uint8_t category;         /* 0 request (a notification), 1 response */
    uint8_t tag;
    uint16_t opcode;
    uint32_t payload_length;  /* the header's field */
    uint16_t return_code;
    const uint8_t *payload;   /* inside @bytes */
    size_t payload_size;      /* bytes after the header */
    int fd;                   /* passed with SCM_RIGHTS, or -1; owned */
} TmTestCciPacket;

/* Connect to the SOCK_SEQPACKET socket @path; -1 with errno on failure. */
int tm_test_cci_try_connect(const char *path);
/* Connect, or fail the test. */
int tm_test_cci_connect(const char *path);

/*
 * Connect to a host socket as libtagmem does: list replies as large as the
 * socket takes (0004h) and notifications for DC records (0103h), which a
 * connection that never asks does not get.  A device that answers either
 * Unsupported (one from before them) is used with its defaults.
 */
int tm_test_cci_connect_host(const char *path);

/* The bytes of a request packet whose length field matches the payload. */
GByteArray *tm_test_cci_request(uint8_t mctp_type, uint8_t tag, uint16_t opcode,
                                const void *payload, size_t length);

/* Send one packet; returns false on EAGAIN (MSG_DONTWAIT), fails the test on other errors. */
bool tm_test_cci_send(int fd, const void *packet, size_t length);

/*
 * Wait up to @timeout_ms for a packet.  Returns false on timeout (errno
 * ETIMEDOUT) and at end of stream (errno 0); @out is then empty.
 */
bool tm_test_cci_receive(int fd, int timeout_ms, TmTestCciPacket *out);

/* The socket was closed by the daemon: end of stream within @timeout_ms. */
bool tm_test_cci_closed_by_peer(int fd, int timeout_ms);

void tm_test_cci_packet_clear(TmTestCciPacket *packet);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TmTestCciPacket, tm_test_cci_packet_clear)

/*
 * Send a request (CXL CCI type, or FM-API for sets 51h-5Fh) and wait for
 * its response, checking that it echoes type, tag and opcode and that the
 * length field is the payload's size.  Notifications received meanwhile
 * are counted in @notifications (may be NULL).
 */
void tm_test_cci_call(int fd, uint16_t opcode, const void *payload, size_t length,
                      TmTestCciPacket *response, guint *notifications);

uint16_t tm_test_le16(const uint8_t *bytes);
uint32_t tm_test_le32(const uint8_t *bytes);
uint64_t tm_test_le64(const uint8_t *bytes);

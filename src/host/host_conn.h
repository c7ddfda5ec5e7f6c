/*
 * A host's connection to its CCI socket on tagmemd (docs/host-protocol.md):
 * AF_UNIX SOCK_SEQPACKET, one packet per message.  Requests go out one at
 * a time with a fresh message tag; the response must echo tag and opcode.
 * Notifications (request-category packets, C000h) may arrive at any time,
 * also while a response is awaited: they are recorded and acted on later.
 * A response may carry one file descriptor (SCM_RIGHTS).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "host/host_log.h"

typedef struct {
    int fd;
    uint8_t *packet;           /* receive buffer: one whole packet */
    uint8_t next_tag;
    int timeout_ms;            /* per command; < 0: for ever */
    const TmHostLogger *logger;
    bool notified;             /* a notification arrived and has not been taken */
    uint8_t notified_logs;     /* OR of the notifications' log bitmaps */
    uint16_t last_return_code; /* of the last response that was not Success */
    size_t max_request_payload;/* the largest request payload the send buffer takes */
} TmHostConn;

/* A response's payload and descriptor. */
typedef struct {
    const uint8_t *payload;    /* in the connection's buffer: valid until its next call */
    size_t payload_len;
    int fd;                    /* the descriptor sent with it (the caller closes it), or -1 */
} TmHostReply;

bool tm_host_conn_open(TmHostConn *conn, const char *path, int timeout_ms,
                       const TmHostLogger *logger, GError **err);
void tm_host_conn_close(TmHostConn *conn);

/*
 * Send one request and wait for its response (up to the timeout).  A
 * return code other than Success fails with EREMOTEIO and sets
 * last_return_code; a descriptor that came with it is closed.
 */
bool tm_host_conn_call(TmHostConn *conn, uint16_t opcode, const void *payload,
                       size_t payload_len, TmHostReply *reply, GError **err);

/*
 * Read the packets that have arrived, waiting up to @timeout_ms (< 0: for
 * ever) for the first notification when none is recorded yet.  Returns
 * false on a connection error; *notified says whether a notification is
 * recorded (tm_host_conn_take_notification() clears it).
 */
bool tm_host_conn_wait_notification(TmHostConn *conn, int timeout_ms, bool *notified,
                                    GError **err);

/* Clear the recorded notification; returns whether there was one. */
bool tm_host_conn_take_notification(TmHostConn *conn);

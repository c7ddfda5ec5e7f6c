/*
 * A test transport for the host library's flow tests: a thread that serves
 * one host-0 SEQPACKET socket with the daemon's real mailbox dispatcher
 * and device model (tests/unit/cci/mailbox_test_util.h), until the real
 * socket transport lands in the daemon.  It frames packets as
 * docs/host-protocol.md says (a response's descriptor goes with it as
 * SCM_RIGHTS) and sends the Event Notification packet when the test asks.
 * The mutex guards the device: the test takes it around every direct
 * device call (add/release requests, checks).
 */
#pragma once

#include <glib.h>

#include "mailbox_test_util.h"

typedef struct {
    MailboxFixture mf;
    GMutex lock;
    char *dir;
    char *path;
    int listener;
    int conn_fd;           /* the current connection, -1 between connections */
    int stop_pipe[2];
    GThread *thread;
    guint requests_served;
    guint responses_more;  /* 4802h requests with More set, taken */
    guint releases;        /* 4803h requests taken */
    /* Opcodes answered Unsupported, as a device without them would (0: none). */
    uint16_t unsupported[4];
} MailboxServer;

/* A device from @device_props (mailbox_fixture_init) behind a socket; @max_payload for Identify. */
void mailbox_server_start(MailboxServer *server, const char *device_props, uint32_t max_payload);
void mailbox_server_stop(MailboxServer *server);

/* Send the C000h notification (DC log gained records) on the current connection. */
void mailbox_server_notify(MailboxServer *server);

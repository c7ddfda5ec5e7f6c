/*
 * The CCI mailbox: one command in, one response out, whatever carries it.
 *
 * A transport (a host's CCI socket, the FM socket, a test) hands over the
 * opcode and payload of a request together with who sent it; the mailbox
 * finds the command in its table, checks that this kind of port may call
 * it and that the payload length is right, parses the payload into host
 * structures and runs the command against the device model.  The result
 * is a CXL return code (CXL r3.1 §8.2.8.4.5.1) and the response payload.
 *
 * Which port may call what (docs/host-protocol.md "Sockets"): a host port takes the generic
 * and memory device commands and tagmem's vendor data-path commands
 * (C0h), for the host it is bound to; the FM port
 * takes FM-API and generic commands.  Anything else, and any opcode the
 * table does not hold, is answered Unsupported.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "cci/cxl_return_codes.h"
#include "device/dcd.h"

typedef enum {
    TM_MAILBOX_PORT_HOST = 1u << 0, /* a host's CCI socket */
    TM_MAILBOX_PORT_FM = 1u << 1,   /* the fabric manager's socket */
} TmMailboxPortKind;

/*
 * Bounds of the configurable maximum payload.  Identify reports it as 2^n
 * bytes (n = 8..20, CXL r3.1 §8.2.9.1.1); QEMU's PCI mailbox uses 2 KiB.
 */
#define TM_MAILBOX_MIN_MAX_PAYLOAD 256u
#define TM_MAILBOX_DEFAULT_MAX_PAYLOAD (1u << 20)

/*
 * Response payloads of list commands for a connection that never set its
 * Response Message Limit (0004h): the 2 KiB a CXL mailbox register offers,
 * which a client written for real devices can always take.
 */
#define TM_MAILBOX_DEFAULT_RESPONSE_LIMIT 2048u

/* Event Interrupt Policy settings (CXL r3.1 §8.2.9.2.4): bits 1:0 the mode. */
#define TM_MAILBOX_INTERRUPT_MODE_MASK 0x03u
#define TM_MAILBOX_INTERRUPT_NONE 0x00u
#define TM_MAILBOX_INTERRUPT_MSI 0x01u   /* tagmem: the C000h notification packet */

struct TmMailboxRequest;

/*
 * The daemon's state journal as the mailbox sees it (TmQmpEnv has the same
 * pair): can_record refuses a change before it is made (no room to record
 * it); record keeps a change made before it is answered, and stops the
 * daemon when it cannot (the change was never answered).
 */
typedef struct {
    bool (*can_record)(void *opaque, GError **err);
    void (*record)(void *opaque, const struct TmMailboxRequest *request);
    void *opaque;
} TmMailboxRecorder;

typedef struct {
    TmMailboxPortKind port;
    uint16_t host_id;      /* host port: the host it is bound to; FM port: unused */
    uint32_t max_payload;  /* a power of two, 256 .. 1 MiB */
    /*
     * Set by the connection's own commands, so each connection is its own
     * mailbox: 0004h's limit (0 until set) and 0103h's interrupt settings
     * for the informational, warning, failure, fatal and DC logs.  Until a
     * connection asks for interrupts of a log it gets no notification
     * packet for that log, only replies: one request, one reply, as a
     * generic client expects.
     */
    uint32_t response_limit;
    uint8_t interrupt_settings[5];
    /*
     * Which connection of its socket this is (0 in-process): an Add DC
     * Response sent in parts belongs to one connection (dcd.h).
     */
    uint64_t connection_id;
    /* Where changes of device state are recorded; NULL: nowhere. */
    const TmMailboxRecorder *recorder;
    /*
     * A restarted daemon replaying its journal: memory keeps itself, so
     * commands that write data (Clear Poison) change only the state.
     */
    bool replaying;
    /*
     * Get Poison List (4300h) with More: the query being paged and where
     * the next answer resumes (cmd_poison.c).
     */
    uint64_t poison_query_dpa;
    uint64_t poison_query_length;
    uint64_t poison_cursor;
    bool poison_paging;
} TmMailboxCaller;

/* The caller fits @dev: a known port kind, an existing host, a valid max payload. */
bool tm_mailbox_caller_check(const TmDcd *dev, const TmMailboxCaller *caller, GError **err);

/*
 * The largest response payload for @caller: its max payload, but at most
 * what the 20-bit payload-length field of a message can carry (so 1 MiB - 1
 * for the default of 1 MiB).  Requests are held to the same bound.
 */
size_t tm_mailbox_payload_limit(const TmMailboxCaller *caller);

/*
 * The largest response of a command that returns as many list entries as
 * fit: the Response Message Limit the caller set (0004h), else
 * TM_MAILBOX_DEFAULT_RESPONSE_LIMIT, and never more than its payload limit.
 */
size_t tm_mailbox_response_limit(const TmMailboxCaller *caller);

/*
 * @opcode changes memory in the background (its CEL entry: immediate data
 * change and background operation; Sanitize, Secure Erase): the journal
 * records its start, and a restart finishes it (docs/durable-state.md).
 */
bool tm_mailbox_changes_data_in_background(uint16_t opcode);

/* The caller asked for interrupts of @log (0103h mode 01b): it is notified of its records. */
bool tm_mailbox_caller_notifies_log(const TmMailboxCaller *caller, TmEventLogType log);

typedef struct TmMailboxRequest {
    TmDcd *dev;
    TmMailboxCaller *caller;  /* the connection's: its commands may change it */
    uint16_t opcode;          /* command set << 8 | command */
    const uint8_t *payload;   /* payload_len bytes, any alignment */
    size_t payload_len;
} TmMailboxRequest;

typedef struct {
    /* The caller's buffer of at least tm_mailbox_payload_limit() bytes. */
    uint8_t *payload;
    size_t length;            /* bytes of response payload written (0 on failure) */
    /*
     * A descriptor to send with the response (SCM_RIGHTS), or -1: Get
     * Extent Memory (C001h) sets it on Success.  The transport owns it and
     * closes it once sent (or when the response cannot be sent).
     */
    int fd;
} TmMailboxResponse;

/*
 * Run one request.  Returns the return code for the response header; on
 * anything but Success the payload is empty, and on anything but Success
 * and Background Command Started (a command that goes on in the
 * background, CXL r3.1 §8.2.8.4.6) @err (if given) says why, naming the
 * field and the value.  The caller must satisfy
 * tm_mailbox_caller_check().
 */
TmCxlReturnCode tm_mailbox_dispatch(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err);

/*
 * Packet traces for bench-host's floor: the exact sequence of CCI packets
 * (sizes, direction, passed descriptors) one host cycle exchanges with
 * tagmemd, recorded by a relay between libtagmem and the host socket, then
 * replayed over a bare SOCK_SEQPACKET socketpair against an echo thread
 * that does no work but send the recorded answers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef enum {
    TM_TRACE_TO_DEVICE,     /* a packet the host sent */
    TM_TRACE_FROM_DEVICE,   /* a packet the daemon sent (a response or a notification) */
    TM_TRACE_MARK_ADDED,    /* the FM's add request is answered */
    TM_TRACE_MARK_TOUCH,    /* the host touches its memory here, then unmaps it */
    TM_TRACE_MARK_RELEASED, /* the host is done; the FM reads the cycle's events */
} TmTraceKind;

typedef struct {
    TmTraceKind kind;
    uint32_t size;          /* bytes of the packet */
    bool has_fd;            /* a descriptor came along (SCM_RIGHTS) */
} TmTraceEntry;

/* The largest packet either side sends: header + 1 MiB - 1 of payload. */
#define TM_TRACE_MAX_PACKET (13u + (1u << 20))
/* Socket buffers that hold the largest packet (Linux needs it + 32 bytes). */
#define TM_TRACE_SOCKET_BUFFER (4u << 20)

typedef struct TmTraceRecorder TmTraceRecorder;

/*
 * Listen on @listen_path; the first connection there is relayed to the
 * SOCK_SEQPACKET socket @target_path, packet by packet, descriptors
 * included, in a thread of its own.
 */
TmTraceRecorder *tm_trace_recorder_start(const char *listen_path, const char *target_path);

/* Record packets relayed from now on (the earlier ones are dropped). */
void tm_trace_recorder_begin(TmTraceRecorder *recorder);

/* Append a mark after what has been relayed so far. */
void tm_trace_recorder_mark(TmTraceRecorder *recorder, TmTraceKind mark);

/*
 * Stop recording and return the trace (TmTraceEntry).  The client must
 * have closed its connection: the relay thread ends there and is joined.
 */
GArray *tm_trace_recorder_finish(TmTraceRecorder *recorder);

/* Set a socket's send and receive buffers to TM_TRACE_SOCKET_BUFFER. */
void tm_trace_size_buffers(int fd);

/*
 * Send the first @size bytes of @buffer as one packet, with @pass_fd if >=
 * 0.  What the bytes hold does not matter to the floor, only their number.
 */
void tm_trace_send(int fd, const uint8_t *buffer, uint32_t size, int pass_fd);

/* Receive one packet into @buffer (TM_TRACE_MAX_PACKET bytes); *@fd gets a passed one or -1. */
uint32_t tm_trace_receive(int fd, uint8_t *buffer, int *passed_fd);

typedef struct TmTraceEcho TmTraceEcho;

/*
 * The daemon's side of @trace, over and over until the peer closes its
 * end, in a thread: receive each TO_DEVICE packet, send each FROM_DEVICE
 * one (with @memfd when the trace says a descriptor came along).  Takes
 * @fd.
 */
TmTraceEcho *tm_trace_echo_start(int fd, const GArray *trace, int memfd);

/* After the peer closed its end: wait for the echo thread to end, and free it. */
void tm_trace_echo_join(TmTraceEcho *echo);

/* Packets, bytes and descriptors in @trace, marks not counted. */
void tm_trace_totals(const GArray *trace, guint *packets, uint64_t *bytes, guint *fds);

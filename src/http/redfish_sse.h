/*
 * The Redfish SSE stream (DSP0266 §13.5.2 "Server-sent events"): a GET of
 * the EventService's ServerSentEventUri stays open and gets every event as
 * "id: N" and "data: <Event JSON>" lines.  Each stream is bounded: a
 * client that lets more than TM_REDFISH_SSE_BACKLOG bytes wait unsent is
 * disconnected (docs/redfish.md, "Events").
 */
#pragma once

#include <libsoup/soup.h>

#include "http/redfish_events.h"

/*
 * Bytes written for a client but not yet taken by its socket, at most: an
 * event that would pass it while the client is behind closes the stream.
 * A client that is not behind takes any one event, whatever its size.
 */
#define TM_REDFISH_SSE_BACKLOG (256 * 1024)
/*
 * The kernel send buffer of a stream's socket: small and fixed, so that
 * what a client does not read waits in the backlog counted above rather
 * than in megabytes of auto-tuned kernel buffers.
 */
#define TM_REDFISH_SSE_SNDBUF (64 * 1024)
/*
 * Seconds between comment lines on every stream while no event comes:
 * they keep proxies from closing a quiet stream, and a client that has
 * gone is found (its write fails) without waiting for an event.
 */
#define TM_REDFISH_SSE_KEEPALIVE 15

typedef struct TmRedfishSse TmRedfishSse;

TmRedfishSse *tm_redfish_sse_new(TmRedfishEvents *events);
/* Drops the streams' messages; the server closes their connections after. */
void tm_redfish_sse_free(TmRedfishSse *sse);

/* Answer @msg (a GET of the stream) with the stream, open until the client goes. */
void tm_redfish_sse_open(TmRedfishSse *sse, SoupServerMessage *msg);

/* Streams open now, and streams closed for their backlog since the start. */
guint tm_redfish_sse_count(const TmRedfishSse *sse);
guint64 tm_redfish_sse_dropped(const TmRedfishSse *sse);

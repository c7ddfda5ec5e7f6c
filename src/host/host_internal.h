/*
 * The host handle and the functions the library's files share.  Not
 * installed: applications see only include/tagmem/tagmem.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "host/committed_extents.h"
#include "host/host_conn.h"
#include "host/host_log.h"
#include "tagmem/tagmem.h"
#include "tagmem/tagmem_poison.h"

/* An address range held PROT_NONE until the handle closes. */
typedef struct {
    uint8_t *base;
    uint64_t size;
} TmReservation;

/* Where one extent of a tag sits in the tag's contiguous view. */
typedef struct {
    uint64_t dpa;
    uint64_t length;
    uint64_t offset;       /* from the view's base */
} TmTagViewPiece;

/* A tagged allocation's contiguous view (tagmem.h: "Memory layout"). */
typedef struct {
    uint8_t tag[16];
    uint8_t *base;         /* NULL: no view (some extent on the slow path, or mapping failed) */
    uint64_t size;
    GArray *pieces;        /* of TmTagViewPiece, in shared-sequence order */
} TmTagView;

struct TagmemHost {
    TagmemHostOptions opts;
    TmHostLogger logger;
    TmHostConn conn;
    char *socket_path;         /* for reconnecting */
    int reconnect_ms;          /* how long to try after the daemon closed the connection; 0: never */
    /*
     * The memory object behind each mapped block: DPA of the block ->
     * inode (GSIZE_TO_POINTER both), so that a reconnect can tell whether
     * the daemon still hands out the same memory (host_reconnect.c).
     */
    GHashTable *mapped_inodes;
    size_t max_payload;        /* from Identify */
    GArray *regions;           /* of TagmemRegion (4800h) */
    GArray *committed;         /* of TmCommittedExtent */
    GArray *pending_chain;     /* of TagmemExtent: Add Capacity records until More = 0 */
    uint8_t *window;           /* the direct alias: DPA d at window + d */
    uint64_t window_size;
    GHashTable *tag_views;     /* TmTagView by its tag bytes; owns the views */
    /*
     * Of TmReservation: the address space views are carved from, in order
     * (tag_view.c).  The last one's first @arena_used bytes are taken.
     */
    GArray *view_arenas;
    uint64_t arena_used;
    char *last_error;
    uint16_t last_return_code;
    /* Poison in held capacity (host_poison.c): TagmemPoison by DPA, pages made PROT_NONE. */
    GArray *poisoned;
    TagmemPoisonFn poison_fn;
    void *poison_data;
    /* Device events (device_events.c): to the callback, else queued. */
    TagmemDeviceEventFn device_event_fn;
    void *device_event_data;
    GQueue *device_events;     /* of TagmemDeviceEvent *, oldest first */
    int device_event_fd;       /* eventfd: readable while the queue holds events */
};

/* The error is the device refusing a command (it does not break the connection). */
static inline bool tm_host_error_is_refusal(const GError *error)
{
    return error != NULL && error->code == EREMOTEIO;
}

void tm_host_emit(TagmemHost *host, TagmemEventKind kind, const TagmemExtent *extent,
                  TagmemVerdict verdict, bool slow_path);

/* ---- extent_mapping.c ---- */

typedef enum {
    TM_HOST_MAP_OK,
    TM_HOST_MAP_SLOW_PATH, /* refused (e.g. Unsupported) or not mappable: use C002h/C003h */
    TM_HOST_MAP_BROKEN,    /* the connection failed */
} TmHostMapResult;

/*
 * Map [dpa, dpa + length) of accepted capacity at @addr, asking C001h
 * again for what each answer leaves out; *flags: TM_VENDOR_EXTENT_MEMORY_*
 * of the whole range (writable if every piece is, shared if any is).  On
 * failure nothing stays mapped: what was is made PROT_NONE again.
 */
TmHostMapResult tm_host_map_range(TagmemHost *host, uint8_t *addr, uint64_t dpa,
                                  uint64_t length, uint32_t *flags, GError **err);

/* ---- host.c ---- */

/* Hold the payload size to what the socket's send buffer takes as well (Identify's maximum). */
bool tm_host_fit_max_payload(TagmemHost *host, GError **err);

/* ---- host_reconnect.c ---- */

/* @error says the daemon closed the connection and the handle may try to reconnect. */
bool tm_host_may_reconnect(const TagmemHost *host, const GError *error);

/*
 * The daemon closed the connection (a restart): connect again within the
 * handle's reconnect window (keeping the descriptor number the application
 * may poll), check the device is the same, check each mapped block is
 * still the same memory (a block whose memory changed is reported as a
 * forced release and mapped afresh), take the device's extent list and
 * answer its event log; *handled counts the records answered.
 */
bool tm_host_reconnect(TagmemHost *host, size_t *handled, GError **err);

/* ---- host_capacity.c ---- */

/*
 * Map a newly committed extent into the window (C001h; Unsupported means
 * the slow path) and record it; *mapped: in the window.  Fails only on a
 * connection error (the extent is recorded all the same).
 */
bool tm_host_commit_extent(TagmemHost *host, const TagmemExtent *extent, bool *mapped,
                           GError **err);

/*
 * Forget [dpa, dpa + length): PROT_NONE in the window and the tag views,
 * removed from the committed list.  The device is not told.
 */
void tm_host_forget_range(TagmemHost *host, uint64_t dpa, uint64_t length);

/*
 * Make the held extents match the device's list (4801h): map what the
 * device says the host holds, forget what it does not.
 */
bool tm_host_sync_committed(TagmemHost *host, GError **err);

/* Release [dpa, dpa + length), held: one 4803h per extent piece, unmapped first. */
bool tm_host_release_held_range(TagmemHost *host, uint64_t dpa, uint64_t length,
                                GError **err);

/* Release every extent of @tag in shared-sequence order; *found: the host held some. */
bool tm_host_release_held_tag(TagmemHost *host, const uint8_t tag[16], bool *found,
                              GError **err);

/* ---- host_events.c ---- */

/* Read and answer the DC event log until it is empty; *handled counts records. */
bool tm_host_drain_events(TagmemHost *host, size_t *handled, GError **err);

/* ---- host_poison.c ---- */

/*
 * Ask the device for the poison of the DPA space (4300h, paged), keep what
 * falls in held capacity, make the pages of what is new inaccessible in the
 * window and the tag views (of all of it with @protect_all: at connect and
 * after a reconnect, which may have mapped blocks afresh), restore pages
 * whose poison is gone, and tell the application.
 */
bool tm_host_refresh_poison(TagmemHost *host, bool protect_all, GError **err);

/* A tag view was mapped afresh: make its poisoned pages inaccessible again. */
void tm_host_poison_protect_view(TagmemHost *host, const TmTagView *view);
/* ---- device_events.c ---- */
/* The queue and its descriptor (host_new); false when no eventfd can be made. */
bool tm_host_device_events_init(TagmemHost *host, GError **err);
void tm_host_device_events_free(TagmemHost *host);
/*
 * Read, hand over and clear the device's logs named in @log_bitmap (bit n:
 * log n, informational .. fatal) until they are empty; *handled counts.
 */
bool tm_host_drain_device_events(TagmemHost *host, uint8_t log_bitmap, size_t *handled,
                                 GError **err);

/* ---- tag_view.c ---- */

/* An empty table of views, keyed by their tag bytes. */
GHashTable *tm_tag_views_new(void);

/* Build @tag's view afresh from its committed extents (the old one is retired). */
void tm_tag_view_rebuild(TagmemHost *host, const uint8_t tag[16]);

/* [dpa, dpa + length) of @tag is gone: PROT_NONE in the view; no extents left: retire it. */
void tm_tag_view_forget(TagmemHost *host, const uint8_t tag[16], uint64_t dpa,
                        uint64_t length);

/* The views and their arenas, all unmapped (at close). */
void tm_tag_views_free(TagmemHost *host);

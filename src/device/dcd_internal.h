/*
 * The device's state, shared by the dcd_*.c files (one per flow).  Not for
 * other layers: they use dcd.h.
 */
#pragma once

#include "device/alloc_map.h"
#include "device/block_bitmap.h"
#include "device/dcd.h"
#include "device/poison_list.h"
#include "device/health.h"
#include "device/range_set.h"
#include "device/release_marks.h"

/*
 * One add request awaiting the host's response.  A host may have tens of
 * thousands of one-extent requests pending, so a group is one allocation:
 * its header, then its extents; the host's queue links the groups
 * themselves.
 */
typedef struct TmPendingGroup TmPendingGroup;
struct TmPendingGroup {
    TmPendingGroup *next;   /* the next younger group of the host, or NULL */
    uint64_t id;
    int64_t offered_us;     /* monotonic time of the request, for dc-offer-timeout */
    TmGuid tag;
    TmDcSelectionPolicy policy;
    uint8_t region;
    /*
     * Withdrawn by the orchestrator or the timeout: the capacity is free
     * again (no extents), but the host may have read the records and
     * still answer, and a 4802h answers the oldest group, so the group
     * stays in the queue until that answer comes (dcd_withdraw.c).
     */
    bool withdrawn;
    guint n_extents;
    TmBackedExtent extents[];  /* in the order offered */
};

typedef struct {
    uint16_t id;
    TmEventLog *logs[TM_EVENT_LOG_COUNT];
    TmPendingGroup *oldest_group; /* the queue of pending groups, linked by next */
    TmPendingGroup *newest_group;
    /*
     * The oldest group's extents by DPA, for checking the host's answer
     * (4802h): made when a part of the answer comes, dropped with the
     * group, so that a group costs no index while it waits.
     */
    TmExtentList *answered_by_dpa;
    /*
     * Extents in all pending groups.  Which ranges are pending is in the
     * allocation map: the ranges the host holds that are not in its
     * accepted list (tm_dcd_host_has_pending), so that a pending extent
     * costs no record of its own here.
     */
    guint pending_extents;
    GArray *response_parts;       /* TmExtent held from 4802h parts with More */
    uint64_t response_connection; /* who sent @response_parts */
    TmExtentList *accepted;
    uint32_t generation;
    TmBlockBitmap *backed[TM_DC_MAX_REGIONS]; /* allocated on first accept */
    TmReleaseMarks *release_marks;
    /*
     * The tags the host holds pending or committed (TmDcTag *, the tags'
     * own), kept with their host sets (tm_dcd_tag_refresh), so that one
     * host's tags are found without walking every tag; NULL until the
     * host first holds one.
     */
    GHashTable *held_tags;
} TmDcHost;

/* A tag the device has seen: its allocation and who holds it. */
typedef struct {
    TmGuid tag;
    guint index;             /* in TmDcd.tags: the order of first use */
    TmHostMem *backend;      /* while the allocation lives */
    uint8_t region;
    uint64_t next_offset;    /* backend bytes the allocation spans (high water) */
    uint16_t next_seq;       /* shared extent sequence of the next extent */
    TmHostSet pending_hosts;
    TmHostSet committed_hosts;
    TmHostSet known_hosts;
    /*
     * What each host holds of the tag (host id -> TmDcTagHolding*, hosts
     * holding nothing left out), counted as groups and extents come and
     * go, so that refreshing the host sets scans none of the host's lists.
     */
    GHashTable *holdings;
    /* An FM reference (CXL r3.2 §7.6.7.6.7): the allocation outlives its holders. */
    bool referenced;
} TmDcTag;

typedef struct {
    guint id;
    TmDcdObserver fn;
    gpointer opaque;
} TmDcdObserverEntry;

struct TmDcd {
    TmObject parent;

    /* Properties */
    uint64_t num_dc_regions;
    uint64_t dc_total_size;
    char *dc_memdev_id;
    uint64_t block_size;
    uint64_t num_hosts;
    uint64_t serial;
    TmDcPciIdentity pci_identity;
    uint64_t sharable_mask;
    uint64_t sanitize_mask;
    uint64_t max_extents;
    uint64_t max_tags;
    uint64_t offer_timeout_s;  /* dc-offer-timeout: 0 = offers never expire */
    uint64_t dc_log_depth;   /* 0: dc-max-extents, at most TM_DCD_MAX_LOG_DEPTH */

    /* Realized state */
    TmBackendRegistry *backends; /* borrowed */
    char *path;
    TmHostMem *dc_memdev;
    uint64_t dc_size;
    TmDcRegion regions[TM_DC_MAX_REGIONS];
    TmDcHost *hosts;             /* num_hosts of them once complete */
    TmAllocMap *alloc_map;
    GHashTable *tags_by_guid;    /* TmGuid* -> TmDcTag* (owned by tags) */
    GPtrArray *tags;             /* TmDcTag*, in order of first use */
    guint live_tag_count;        /* tags with pending or committed capacity */
    GArray *observers;           /* TmDcdObserverEntry */
    guint next_observer_id;
    uint64_t next_group_id;
    int64_t timestamp_offset_ns; /* device timestamp - real-time clock (dcd_timestamp.c) */
    uint32_t tag_generation;     /* changes with every change of the live tags (5608h) */
    TmBackgroundOp *background;  /* the device's background operation (dcd_sanitize.c) */
    bool sanitizing;             /* a sanitize runs: adds are refused */
    uint64_t poison_list_max;    /* poison-list-max-records */
    TmPoisonList *poison;        /* poisoned lines by DPA (dcd_poison.c) */
    TmDeviceHealth health;       /* 4200h-4202h (dcd_health.c) */
    bool scan_media_ran;         /* a Scan Media started since the daemon did (dcd_scan_media.c) */
    bool scan_media_running;
    GArray *scan_results;        /* TmPoisonRange: the last scan's; NULL: none */
    guint scan_results_next;     /* the first not read yet (read ones are consumed) */
};

/* dcd.c */
/* A group of @n_extents extents (copied), not yet queued. */
TmPendingGroup *tm_dcd_pending_group_new(const TmBackedExtent *extents, guint n_extents);
/* Queue @group as @host's newest. */
void tm_dcd_push_group(TmDcHost *host, TmPendingGroup *group);
/* Take @host's oldest group off its queue (the caller frees it with g_free). */
TmPendingGroup *tm_dcd_pop_group(TmDcHost *host);
/* Forget the parts of an answer held so far, and the room a long chain of them took. */
void tm_dcd_drop_response_parts(TmDcHost *host);
/* @host's oldest group's extents by DPA (see answered_by_dpa). */
TmExtentList *tm_dcd_answered_by_dpa(TmDcHost *host);
TmDcHost *tm_dcd_host(const TmDcd *dev, uint16_t host_id);

/* dcd_withdraw.c */
/* The oldest group is withdrawn: @host's 4802h answers it and it goes. */
TmDcStatus tm_dcd_answer_withdrawn(TmDcd *dev, TmDcHost *host, guint n_extents,
                                   GError **err);

/* dcd_events.c */
void tm_dcd_notify(TmDcd *dev, const TmDcdNotice *notice);
/* Append DC event records for @extents; the caller checked there is room (a forced
 * release does not: what does not fit overflows the log). */
void tm_dcd_log_events(TmDcd *dev, uint16_t host_id, TmDcEventType type,
                       const TmBackedExtent *extents, guint n_extents);

/* dcd_checks.c */
TmDcStatus tm_dcd_check_log_room(TmDcd *dev, uint16_t host_id, guint n_records,
                                 GError **err);
TmDcStatus tm_dcd_check_host(const TmDcd *dev, uint16_t host_id, GError **err);
TmDcStatus tm_dcd_check_region(const TmDcd *dev, unsigned region, GError **err);
/*
 * One extent listed in an FM add or release request for @region, with the
 * checks both make first, in QEMU's order and texts: a non-zero length,
 * inside the region and aligned to its block size, overlapping no earlier
 * extent of the request (those are in @seen, which this one joins).
 */
TmDcStatus tm_dcd_check_listed_range(const TmDcRegion *region, const TmExtent *extent,
                                     TmRangeSet *seen, GError **err);
/*
 * The extent list of a 4802h or 4803h, as QEMU's
 * cxl_detect_malformed_extent_list checks it: a non-zero length (Invalid
 * Extent List), inside one region (Invalid Physical Address), aligned to
 * its block size and overlapping nothing in @seen (Invalid Extent List).
 * The extents are added to @seen.
 */
TmDcStatus tm_dcd_check_host_extents(const TmDcd *dev, TmRangeSet *seen,
                                     const TmExtent *extents, guint n_extents, GError **err);

/* dcd_select.c: extents the device picks; appended to @out (TmBackedExtent) */
/* Free blocks of the region, lowest DPA first, in as many extents as gaps used. */
TmDcStatus tm_dcd_select_free(const TmDcd *dev, unsigned region, uint64_t length, GArray *out,
                              GError **err);
/* One free range of @length, first fit. */
TmDcStatus tm_dcd_select_contiguous(const TmDcd *dev, unsigned region, uint64_t length,
                                    GArray *out, GError **err);
/* The tag's allocation (tag, sequence and backing included) for another host. */
TmDcStatus tm_dcd_select_shared(const TmDcd *dev, uint16_t host_id, unsigned region,
                                const TmGuid *tag, GArray *out, GError **err);

/* dcd_references.c */
/* @range's tag (if any) has an FM reference. */
bool tm_dcd_range_referenced(const TmDcd *dev, const TmAllocRange *range);

/* dcd_tags.c */
TmDcTag *tm_dcd_tag_lookup(const TmDcd *dev, const TmGuid *tag);
TmDcTag *tm_dcd_tag_obtain(TmDcd *dev, const TmGuid *tag);
bool tm_dcd_tag_is_live(const TmDcTag *tag);
/* A pending group with @tag comes (+1) or goes (-1) for @host_id. */
void tm_dcd_tag_count_group(TmDcd *dev, const TmGuid *tag, uint16_t host_id, int change);
/* @extent enters (@accepted) or leaves @host_id's accepted list; untagged ones count nowhere. */
void tm_dcd_tag_count_accepted(TmDcd *dev, const TmBackedExtent *extent, uint16_t host_id,
                               bool accepted);
/* Recompute which hosts hold @tag pending or committed after a change for @host_id. */
void tm_dcd_tag_refresh(TmDcd *dev, const TmGuid *tag, uint16_t host_id);
void tm_dcd_tag_free(gpointer tag);
void tm_dcd_tags_free(TmDcd *dev);

/* dcd_capacity.c: moving capacity between hosts and the allocation map */
/*
 * Some of [dpa, dpa + length) is pending for @host: the allocation map
 * has a range there that the host holds and has not accepted.  (A range
 * the host holds is all accepted or all pending: an answer keeps or drops
 * each offered extent's range whole, splitting the map where it cuts.)
 */
bool tm_dcd_host_has_pending(const TmDcd *dev, const TmDcHost *host, uint64_t dpa,
                             uint64_t length);
/*
 * @host_id lets go of [dpa, dpa + length) in the allocation map; ranges
 * nobody holds any more are freed, zeroed first when @sanitize is set or
 * was asked for earlier -- unless their tag has an FM reference, which
 * keeps them (retained).
 */
void tm_dcd_drop_holder(TmDcd *dev, uint16_t host_id, uint64_t dpa, uint64_t length,
                        bool sanitize);
/*
 * @pieces (TmBackedExtent), already removed from the host's accepted list,
 * leave the host: backed bits, release marks, the allocation map and tags
 * follow, the generation is bumped and observers hear of it.
 */
void tm_dcd_revoke_accepted(TmDcd *dev, uint16_t host_id, const GArray *pieces,
                            bool sanitize, bool forced);
/*
 * Give a range nobody holds back to the free pool: its memory objects are
 * dropped, or it is zeroed when sanitize was asked.  False when zeroing
 * failed: the range must then stay in the map, out of use (the notice
 * names @host_id, or no host: TM_DCD_NO_HOST).
 */
bool tm_dcd_free_range(TmDcd *dev, uint16_t host_id, const TmAllocRange *range);
/* Set or clear the host's backed-block bits for an extent. */
void tm_dcd_mark_backed(TmDcd *dev, TmDcHost *host, const TmExtent *extent, bool backed);
bool tm_dcd_all_backed(const TmDcd *dev, const TmDcHost *host, unsigned region, uint64_t dpa,
                       uint64_t length);

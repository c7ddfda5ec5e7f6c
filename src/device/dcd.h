/*
 * The CXL Type 3 Dynamic Capacity Device ("cxl-type3"), transport-free.
 *
 *   -device cxl-type3,id=ID,num-dc-regions=N,dc-regions-total-size=SIZE
 *           [,volatile-dc-memdev=BE][,dc-block-size=SIZE][,num-hosts=H][,sn=SERIAL]
 *           [,dc-region-sharable=MASK][,dc-region-sanitize-on-release=MASK]
 *           [,dc-max-extents=N][,dc-max-tags=N][,dc-event-log-depth=N]
 *           [,poison-list-max-records=N]
 *
 * Properties (all fixed once the device is created):
 *   num-dc-regions       0..8 DC regions (QEMU does not reject 9+; we do)
 *   dc-regions-total-size  DC capacity without a static memdev; when
 *                        volatile-dc-memdev is also given, the memdev must
 *                        be at least this large
 *   volatile-dc-memdev   backend id: untagged capacity lives at the same DPA
 *                        offset in it (static mode, as in QEMU)
 *   dc-block-size        default 2 MiB, a power of two >= 4 KiB
 *   num-hosts            1..256 (default 1): 256 is the width of the DC List
 *                        Tags reference bitmaps (CXL r3.2 5608h)
 *   sn                   serial number (default all ones, QEMU's "none")
 *   dc-region-sharable   bit i: region i is sharable, i.e. capacity added
 *                        with a tag may be given to further hosts with the
 *                        enable-shared-access selection policy
 *   dc-region-sanitize-on-release  bit i: region i zeroes every released
 *                        range (the region's "sanitize on release" flag);
 *                        a release request may also ask for it
 *   dc-max-extents       extents each host may hold, pending plus accepted
 *                        (default 512, QEMU's CXL_NUM_EXTENTS_SUPPORTED;
 *                        at most TM_DCD_MAX_EXTENTS)
 *   dc-max-tags          distinct live tags the device tracks (default 512)
 *   dc-event-log-depth   records each host's DC event log may hold, at most
 *                        65535 (default and minimum: dc-max-extents, or
 *                        65535 when dc-max-extents is larger, so that a
 *                        request of the largest size a log can take always
 *                        fits an empty log; every request must fit the
 *                        room left in the log).  The log takes memory
 *                        for the records it holds, not for its depth.
 *   dc-offer-timeout     seconds after which an add request the host has
 *                        not answered is withdrawn (tm_dcd_withdraw_expired);
 *                        0 (default): offers wait for ever
 *   poison-list-max-records  media error records the poison list reports
 *                        before it overflows, 1..0xFFFFFF (default 65535;
 *                        dcd_poison.h)
 *
 * Every operation validates the whole request, then applies it; on failure
 * nothing changes.  Operations return a TmDcStatus (the mailbox layer maps
 * it to a return code) and set @err with a message that uses QEMU's text
 * where QEMU makes the same check (docs/qemu-compat.md).  DPAs are absolute
 * (region base + offset); the QMP layer adds the region base.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "backend/backend_registry.h"
#include "backend/hostmem.h"
#include "device/background_op.h"
#include "device/dc_region.h"
#include "device/dc_status.h"
#include "device/event_log.h"
#include "device/extent.h"
#include "device/extent_list.h"
#include "device/host_set.h"
#include "object/object.h"

#define TM_DCD_TYPE "cxl-type3"
#define TM_DCD_PATH_PREFIX "/machine/peripheral/"
#define TM_DCD_DEFAULT_MAX_EXTENTS 512
#define TM_DCD_DEFAULT_MAX_TAGS 512
/* Log handles are 16-bit and non-zero, so a log holds at most 65535. */
#define TM_DCD_MAX_LOG_DEPTH 65535
/* dc-offer-timeout tops out at a year of seconds (the deadline is kept in µs). */
#define TM_DCD_MAX_OFFER_TIMEOUT (365u * 24 * 3600)
/*
 * The extents a host may hold are not tied to the log: they accumulate
 * over many requests.  The wire counts (4800h, 4801h) are 32-bit; a
 * million keeps a host's state near 200 MiB at most (its extents, their
 * ranges in the allocation map) while changes stay O(log n).
 */
#define TM_DCD_MAX_EXTENTS (1u << 20)
/* Depth of the informational, warning, failure and fatal logs. */
#define TM_DCD_STD_LOG_DEPTH 32
/*
 * poison-list-max-records: what Identify Memory Device reports as the
 * poison list maximum (24 bits) and, up to 65535, as the inject poison
 * limit (16 bits); the default keeps the two equal.
 */
#define TM_DCD_DEFAULT_POISON_LIST_MAX 65535
#define TM_DCD_MAX_POISON_LIST 0xFFFFFFu

typedef struct TmDcd TmDcd;

extern const TmObjectClass tm_dcd_class;

/*
 * A new, incomplete device.  @backends resolves volatile-dc-memdev and
 * tags; it is borrowed and must outlive the device.  Set properties with
 * tm_object_set_property() on tm_dcd_object(), then tm_object_complete().
 * The device registry does all of this.
 */
TmDcd *tm_dcd_new(const char *id, TmBackendRegistry *backends);
TmDcd *tm_dcd_from_object(TmObject *obj);
TmObject *tm_dcd_object(TmDcd *dev);
const char *tm_dcd_id(const TmDcd *dev);
/* "/machine/peripheral/ID" */
const char *tm_dcd_path(const TmDcd *dev);

/* ---- Configuration ---- */

unsigned tm_dcd_num_regions(const TmDcd *dev);
const TmDcRegion *tm_dcd_region(const TmDcd *dev, unsigned index);
uint64_t tm_dcd_total_dc_size(const TmDcd *dev);
uint16_t tm_dcd_num_hosts(const TmDcd *dev);
uint64_t tm_dcd_serial(const TmDcd *dev);

/*
 * The PCI identity Identify (0001h) reports: properties vendor-id,
 * device-id, subsystem-vendor-id and subsystem-id.  The defaults are what
 * QEMU's emulated cxl-type3 reports (8086h:0D93h, subsystem 0:0), so tools
 * that know QEMU's device know tagmem's; a deployment with its own PCI-SIG
 * assignment sets its own (docs/configuration.md).
 */
typedef struct {
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
} TmDcPciIdentity;

#define TM_DCD_DEFAULT_PCI_VENDOR_ID 0x8086u
#define TM_DCD_DEFAULT_PCI_DEVICE_ID 0x0D93u

TmDcPciIdentity tm_dcd_pci_identity(const TmDcd *dev);
/* The volatile-dc-memdev backend, or NULL. */
TmHostMem *tm_dcd_static_memdev(const TmDcd *dev);

/*
 * FM references on tags (CXL r3.2 §7.6.7.6.7, §7.6.7.6.8; docs/fm-api.md):
 * while a tag has one, its allocation and data outlive the release by
 * every host (a later enable-shared-access add hands the same bytes out
 * again); the capacity goes back to the free pool -- sanitized if asked --
 * only once no host holds it and the reference is removed.  A tag has at
 * most one reference: adding it again changes nothing.  Unknown or
 * released tag, or removing a reference that does not exist: Invalid
 * Input, nothing changes.
 */
TmDcStatus tm_dcd_add_tag_reference(TmDcd *dev, const TmGuid *tag, GError **err);
TmDcStatus tm_dcd_remove_tag_reference(TmDcd *dev, const TmGuid *tag, GError **err);
/* Changes whenever the live tags, their holders or references change. */
uint32_t tm_dcd_tag_generation(const TmDcd *dev);

/*
 * Block sizes @region can be given (bit n: 2^n bytes): every power of two
 * from 4 KiB to 256 MiB, since each divides the region's length.
 */
uint64_t tm_dcd_supported_block_sizes(const TmDcd *dev, unsigned region);

/*
 * Set @region's block size and sanitize-on-release flag (FM-API 5602h).
 * Refused (TM_DC_UNSUPPORTED) while anything is pending, accepted or
 * allocated in the region; a block size outside the supported ones is
 * TM_DC_INVALID_INPUT; each host's DC log needs room for the Region
 * Configuration Updated record it gets (TM_DC_RESOURCES_EXHAUSTED).
 */
TmDcStatus tm_dcd_set_region_config(TmDcd *dev, unsigned region, uint64_t block_size,
                                    bool sanitize_on_release, GError **err);

/*
 * The device timestamp in ns since the Unix epoch (CXL r3.1 §8.2.9.4): the
 * real-time clock until set, then the value set plus the time since.
 */
uint64_t tm_dcd_timestamp_ns(const TmDcd *dev);
void tm_dcd_set_timestamp_ns(TmDcd *dev, uint64_t timestamp_ns);

/* ---- Policies (values are the FM-API encodings, CXL r3.2 5604h/5605h) ---- */

typedef enum {
    TM_DC_SELECT_FREE = 0,
    TM_DC_SELECT_CONTIGUOUS = 1,
    TM_DC_SELECT_PRESCRIPTIVE = 2,
    TM_DC_SELECT_ENABLE_SHARED_ACCESS = 3,
} TmDcSelectionPolicy;

typedef enum {
    TM_DC_REMOVE_TAG_BASED = 0,
    TM_DC_REMOVE_PRESCRIPTIVE = 1,
} TmDcRemovalPolicy;

/* ---- Add capacity (QMP cxl-add-dynamic-capacity, FM-API 5604h) ---- */

typedef struct {
    uint16_t host_id;
    TmDcSelectionPolicy policy;
    uint8_t region;
    TmGuid tag;              /* all zero: untagged */
    uint64_t length;         /* free, contiguous */
    const TmExtent *extents; /* prescriptive: dpa + length (tag, shared_seq ignored) */
    guint n_extents;
} TmDcAddRequest;

/*
 * Offer capacity to a host: a pending group, and one Add Capacity record
 * per extent in the host's DC event log (More set on all but the last).
 *
 * free: the device picks free blocks of the region (possibly several
 * extents, lowest DPA first); contiguous: one free range (first fit);
 * prescriptive: the listed extents; enable-shared-access: every extent of
 * the tag's allocation, in a sharable region, for a host that has none of
 * it.  @length is used by free and contiguous only; @extents by
 * prescriptive only.
 *
 * Backing: a tagged add is backed by the backend holding the tag (found
 * now, which must not be in use by anything else, mapped when the host
 * accepts); the extents of one allocation tile that backend from offset 0
 * in shared-sequence order (numbered 0, 1, ... by the device, in list
 * order), and later adds with the same tag from the same host extend the
 * allocation past what it already spans (released holes are not reused
 * until the whole allocation is gone; an allocation shared with other
 * hosts cannot grow).  Capacity of other hosts is never offered again,
 * even in a sharable region: sharing is enable-shared-access only.  An
 * untagged add is backed by volatile-dc-memdev at the same DPA offset, or
 * refused when the device has none.
 *
 * Order of checks: DC support, region id, host id, then the policy's own
 * (per listed extent, QEMU's: length 0, alignment, region end, overlap
 * within the request, overlap with the host's accepted then pending
 * capacity; then capacity of other hosts), then backing, then the
 * extent limit, the tag limit and room in the host's DC event log.
 */
TmDcStatus tm_dcd_add_request(TmDcd *dev, const TmDcAddRequest *request, GError **err);

/*
 * Add Dynamic Capacity Response (4802h) from @host_id, for the oldest
 * pending group: the extents (dpa + length) the host accepts.  Checks, in
 * QEMU's order: count 0 with no response in progress rejects the whole
 * group (Invalid Input if nothing is pending); more extents than the host
 * may hold → Resources Exhausted; an extent of length 0 → Invalid Extent
 * List; outside every region or across two → Invalid Physical Address;
 * misaligned or overlapping another of the response → Invalid Extent List;
 * not inside one extent of the group, or overlapping accepted capacity →
 * Invalid Physical Address.
 *
 * More (CXL r3.2): a response may come in parts; a part with @more set is
 * checked as above (against the parts before it too) and held; the part
 * with @more clear commits all parts.  A part that fails changes nothing
 * and the parts before it stay held.  An empty part only rejects the group
 * when no part is held; otherwise it just ends (or continues) the response.
 *
 * Parts belong to the connection that sent them (@connection, any number
 * the caller picks; in-process callers use 0).  A part from another
 * connection starts a new response: the held parts are dropped, and so
 * are they when their connection goes away (tm_dcd_host_connection_gone).
 * A process that dies mid-chain thus leaves the whole offer to the next
 * one, never half an answer that the next one's parts would complete.
 */
TmDcStatus tm_dcd_host_add_response(TmDcd *dev, uint16_t host_id, uint64_t connection,
                                    const TmExtent *extents, guint n_extents, bool more,
                                    GError **err);

/* @connection of @host_id closed: drop the response parts it left held. */
void tm_dcd_host_connection_gone(TmDcd *dev, uint16_t host_id, uint64_t connection);

/* ---- Release capacity (QMP cxl-release-dynamic-capacity, FM-API 5605h) ---- */

typedef struct {
    uint16_t host_id;
    TmDcRemovalPolicy policy;
    bool forced;             /* revoke now, without the host's consent */
    bool sanitize;           /* zero the memory before it is handed out again */
    uint8_t region;
    TmGuid tag;              /* tag-based: the allocation; prescriptive: if set,
                                every listed range must carry it */
    const TmExtent *extents; /* prescriptive: dpa + length; tag-based: not used */
    guint n_extents;
} TmDcReleaseRequest;

/*
 * Ask a host to give capacity back.  Prescriptive: the listed ranges, which
 * must be accepted (sub-ranges of accepted extents are fine); tag-based:
 * every extent of the tag the host has accepted.  One record per accepted
 * extent (or part of one) named.  Not forced: Release Capacity records, and
 * the ranges are marked release-pending until the host releases them with
 * 4803h.  Forced: Forced Capacity Release records, and the host loses the
 * ranges at once.  Tag-based release is refused while the host still has
 * extents of the tag pending (an allocation leaves whole).  Sanitize takes
 * effect when the last host holding a range lets go of it (shared ranges
 * are zeroed only then); a range that cannot be zeroed is kept out of use.
 * Checks (prescriptive, QEMU's texts): length 0, alignment, region end,
 * overlap within the list, overlap with pending capacity, not accepted.
 */
TmDcStatus tm_dcd_release_request(TmDcd *dev, const TmDcReleaseRequest *request,
                                  GError **err);

/*
 * Release Dynamic Capacity (4803h) from @host_id: give back accepted
 * capacity, whether asked to or not.  Each range must be covered by the
 * host's accepted extents (it may span several); parts of extents are
 * split off.  Checks: count 0 → Invalid Input; length 0, misaligned or
 * overlapping another of the list → Invalid Extent List; outside every
 * region, across two, or not accepted → Invalid Physical Address; splits
 * beyond the host's extent limit → Resources Exhausted.  Each part of a
 * response with More stands alone, so there is no More argument.
 */
TmDcStatus tm_dcd_host_release(TmDcd *dev, uint16_t host_id, const TmExtent *extents,
                               guint n_extents, GError **err);

/* ---- The host's data path (vendor commands C001h-C003h, docs/host-protocol.md) ---- */

typedef struct {
    int fd;               /* a new descriptor of the block's memory object: the caller's */
    uint64_t file_offset; /* where the block's first byte is in it */
    uint64_t length;      /* the block: may be less than asked */
    bool writable;
    bool tagged;
    bool shared;          /* another host holds some of the block */
} TmDcExtentMemory;

/*
 * The memory object of the DC block at @dpa, for mapping: [dpa, dpa +
 * length) must be block-aligned and inside one extent @host_id has
 * accepted (Invalid Input for length 0 or misalignment, Invalid Physical
 * Address otherwise); the answer covers one block, which may be less than
 * @length.  Unsupported for backends that never leave the daemon (private
 * memory, files).
 */
TmDcStatus tm_dcd_host_extent_memory(TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                     uint64_t length, TmDcExtentMemory *out, GError **err);

/*
 * Read or write [dpa, dpa + length), which must lie in capacity @host_id
 * has accepted (it may span extents; Invalid Physical Address naming the
 * first DPA that is not); a write to a read-only backend is Unsupported.
 * Checked whole before any byte moves; memory that fails (a file cut short,
 * a full file system) is Internal Error, never a signal.
 */
TmDcStatus tm_dcd_host_read(TmDcd *dev, uint16_t host_id, uint64_t dpa, void *buf,
                            uint64_t length, GError **err);
TmDcStatus tm_dcd_host_write(TmDcd *dev, uint16_t host_id, uint64_t dpa, const void *buf,
                             uint64_t length, GError **err);

/* ---- Withdrawing offers (QMP cxl-withdraw-dynamic-capacity, dc-offer-timeout) ---- */

/*
 * Take back add requests @host_id has not answered yet: every pending
 * group of the host, or only the one numbered @group_id (non-zero), or
 * only those of @tag (non-NULL).  All-or-nothing: Invalid Input when none
 * matches.  The capacity is free again at once (tag, backend, DPA ranges);
 * the host's DC log keeps the Add Capacity records (a log is only ever
 * cleared by its host), so the group waits, withdrawn, for the host's
 * answer (4802h answers the oldest group): one that accepts extents of it
 * is refused with Invalid Physical Address and changes nothing; the empty
 * one that rejects everything ends it (docs/host-protocol.md, "Withdrawn
 * offers").
 */
TmDcStatus tm_dcd_withdraw_offers(TmDcd *dev, uint16_t host_id, uint64_t group_id,
                                  const TmGuid *tag, GError **err);

/*
 * Every range of backend memory the device has allocated -- pending,
 * accepted, or kept for a referenced tag -- in DPA order: what a restarted
 * daemon may give memory objects kept from before (docs/durable-state.md).
 */
typedef void (*TmDcdAllocatedFn)(void *opaque, TmHostMem *backend, uint64_t backend_offset,
                                 uint64_t length);
void tm_dcd_foreach_allocated(const TmDcd *dev, TmDcdAllocatedFn fn, void *opaque);

/* An add request withdrawn by the device itself. */
typedef struct {
    uint16_t host_id;
    uint64_t group_id;
} TmDcWithdrawnOffer;

/*
 * Withdraw, as above, every group offered at least dc-offer-timeout
 * seconds before @now_us (g_get_monotonic_time()); returns how many, and
 * appends each to @withdrawn (TmDcWithdrawnOffer) unless it is NULL.
 */
guint tm_dcd_withdraw_expired(TmDcd *dev, int64_t now_us, GArray *withdrawn);

/* The dc-offer-timeout property: 0 when offers never expire. */
uint64_t tm_dcd_offer_timeout(const TmDcd *dev);

/* ---- Queries ---- */

/* Bumped on every change of the host's accepted extent list. */
uint32_t tm_dcd_host_generation(const TmDcd *dev, uint16_t host_id);
guint tm_dcd_host_accepted_count(const TmDcd *dev, uint16_t host_id);
const TmBackedExtent *tm_dcd_host_accepted(const TmDcd *dev, uint16_t host_id, guint index);
/* The accepted extent holding @dpa, or NULL: O(log n). */
const TmBackedExtent *tm_dcd_host_find_accepted(const TmDcd *dev, uint16_t host_id,
                                                uint64_t dpa);

/*
 * The indexes [*first, *end) of the host's accepted extents (in the order
 * tm_dcd_host_accepted numbers them) that overlap [dpa, dpa + length):
 * O(log n) plus the list's chunk count, for queries that count and page
 * through one region's or one tag's extents without walking the rest.
 */
void tm_dcd_host_accepted_span(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                               uint64_t length, guint *first, guint *end);

/* A pending group: one add request awaiting the host's response. */
typedef struct {
    uint64_t id;             /* request number, device-wide, from 1 */
    TmDcSelectionPolicy policy;
    uint8_t region;
    TmGuid tag;
    const TmBackedExtent *extents;
    guint n_extents;
} TmDcPendingGroupInfo;

guint tm_dcd_host_pending_group_count(const TmDcd *dev, uint16_t host_id);
/* Call @fn for every group, oldest first: O(groups), for walks over all of them. */
void tm_dcd_host_foreach_pending_group(const TmDcd *dev, uint16_t host_id,
                                       void (*fn)(const TmDcPendingGroupInfo *group,
                                                  void *opaque),
                                       void *opaque);
/* Group @index, 0 = oldest (the one the next 4802h answers). */
TmDcPendingGroupInfo tm_dcd_host_pending_group(const TmDcd *dev, uint16_t host_id,
                                               guint index);
guint tm_dcd_host_pending_extent_count(const TmDcd *dev, uint16_t host_id);
/*
 * The group the host's next Add DC Response answers (withdrawn ones
 * included, with no extents left); false when none is pending.
 */
bool tm_dcd_host_front_group(const TmDcd *dev, uint16_t host_id, TmDcPendingGroupInfo *out);
/* Part of [dpa, dpa + length) was asked back with a (non-forced) release request. */
bool tm_dcd_host_release_pending(const TmDcd *dev, uint16_t host_id, uint64_t dpa,
                                 uint64_t length);

/* The host's event log of @type. */
TmEventLog *tm_dcd_host_event_log(TmDcd *dev, uint16_t host_id, TmEventLogType type);

/* Limits and what is left (4800h, 5601h and the DC event records). */
typedef struct {
    uint32_t supported_extents;  /* per host */
    uint32_t available_extents;  /* for this host: limit - pending - accepted */
    uint32_t supported_tags;     /* device-wide */
    uint32_t available_tags;
} TmDcLimits;

TmDcLimits tm_dcd_limits(const TmDcd *dev, uint16_t host_id);

typedef enum {
    TM_DC_TAG_NOT_FOUND, /* never used on this device (or by this host) */
    TM_DC_TAG_PENDING,   /* offered, not yet accepted */
    TM_DC_TAG_COMMITTED, /* accepted capacity exists */
    TM_DC_TAG_RELEASED,  /* had capacity, has none now */
} TmDcTagState;

const char *tm_dc_tag_state_name(TmDcTagState state); /* "Pending", ... */

typedef struct {
    TmGuid tag;
    TmDcTagState state;       /* device-wide: Committed if any host has it committed */
    uint8_t region;
    TmHostMem *backend;       /* NULL once released */
    uint64_t allocated;       /* bytes of the backend the allocation spans */
    TmHostSet pending_hosts;  /* hosts with extents of the tag pending */
    TmHostSet committed_hosts;/* hosts with extents of the tag accepted */
    TmHostSet known_hosts;    /* hosts that were ever offered the tag */
    bool referenced;          /* an FM reference keeps the allocation */
} TmDcTagInfo;

/* State of @tag for @host_id (the QMP release-status query). */
TmDcTagState tm_dcd_tag_state(const TmDcd *dev, const TmGuid *tag, uint16_t host_id);
/* Every tag the device has seen, in order of first use. */
guint tm_dcd_tag_count(const TmDcd *dev);
TmDcTagInfo tm_dcd_tag_info(const TmDcd *dev, guint index);
bool tm_dcd_find_tag(const TmDcd *dev, const TmGuid *tag, TmDcTagInfo *out);
/*
 * The tags @host_id holds pending or committed, in order of first use,
 * appended to @out (TmDcTagInfo); returns how many.  O(k log k) for the
 * host's k tags, whatever the device's other tags.
 */
guint tm_dcd_host_tags(const TmDcd *dev, uint16_t host_id, GArray *out);

/*
 * The extents of @tag's allocation (pending or accepted by some host), in
 * shared-sequence order, appended to @out (TmBackedExtent); returns how many.
 */
guint tm_dcd_tag_extents(const TmDcd *dev, const TmGuid *tag, GArray *out);

/*
 * The DPA ranges (TmExtent, by DPA) of @tag's allocation, appended to @out;
 * returns how many.  Found in the allocation map's tag index: O(log n + k),
 * whatever the other tags hold.  An extent a host holds of the tag lies in
 * these ranges, and no other host's extent does.
 */
guint tm_dcd_tag_ranges(const TmDcd *dev, const TmGuid *tag, GArray *out);

/* Capacity pending or accepted by any host. */
bool tm_dcd_has_allocations(const TmDcd *dev);

/* ---- Background operations and sanitize (dcd_sanitize.c, docs/host-protocol.md) ---- */

/*
 * The device has one background operation for all its ports (each host's
 * and the FM's): sanitize works on the whole device, and CXL r3.1
 * §8.2.8.4.6 allows one per mailbox, so one per device never runs two
 * that touch the same memory.  @spec's work runs in a worker thread; when
 * it ends, @spec's done runs on the main loop, then observers hear
 * TM_DCD_NOTICE_BACKGROUND_DONE.  Busy while another runs.
 */
TmDcStatus tm_dcd_start_background(TmDcd *dev, const TmBackgroundJobSpec *spec, GError **err);
TmBackgroundStatus tm_dcd_background_status(TmDcd *dev);

/*
 * Sanitize (4400h) or Secure Erase (4401h), CXL r3.1 §8.2.9.9.5.1/2, as a
 * background operation reported under @opcode: every byte of memory the
 * device's capacity is made of reads as zero once it ends -- the
 * volatile-dc-memdev, and every tagged backend no device uses (the tagged
 * capacity a next add would hand out).  Memory made of objects holds no
 * data once nobody holds it (its objects were dropped at release), so
 * what is zeroed in the worker is private memory and files.  Checks:
 * another background operation runs → TM_DC_BUSY; capacity pending,
 * accepted or kept by an FM reference → TM_DC_BUSY (nothing changes).
 * While it runs, adds are refused with TM_DC_MEDIA_DISABLED and the
 * backends are in use (they cannot be deleted).
 */
TmDcStatus tm_dcd_sanitize(TmDcd *dev, uint16_t opcode, GError **err);

/* ---- Observers (front ends: QMP events, host notification) ---- */

typedef enum {
    TM_DCD_NOTICE_EVENTS_QUEUED, /* records were appended to the host's DC log */
    TM_DCD_NOTICE_COMMITTED,     /* the host accepted these extents */
    TM_DCD_NOTICE_REJECTED,      /* offered extents the host did not accept */
    TM_DCD_NOTICE_RELEASED,      /* capacity the host no longer has */
    TM_DCD_NOTICE_WITHDRAWN,     /* offered extents taken back before the host answered */
    /*
     * A range could not be zeroed when its last holder (host_id) let go: it
     * stays allocated, out of use, so that no new owner sees its contents.
     */
    TM_DCD_NOTICE_SANITIZE_FAILED,
    /* The background operation ended (tm_dcd_background_status says how); no host. */
    TM_DCD_NOTICE_BACKGROUND_DONE,
    /*
     * Lines in capacity host_id has accepted were poisoned or cleared
     * (dcd_poison.h): extents holds the poisoned or cleared range.
     */
    TM_DCD_NOTICE_POISON_CHANGED,
    /* a record was appended to the host's log @log (not the DC log: EVENTS_QUEUED) */
    TM_DCD_NOTICE_RECORD_QUEUED,
    TM_DCD_NOTICE_OFFERED,       /* extents offered to the host (an add request) */
} TmDcdNoticeKind;

typedef struct {
    TmDcdNoticeKind kind;
    uint16_t host_id;
    const TmBackedExtent *extents;
    guint n_extents;
    bool forced;             /* RELEASED: by a forced release request */
    const char *message;     /* SANITIZE_FAILED: why */
    TmEventLogType log;      /* RECORD_QUEUED: which log */
} TmDcdNotice;

/* The host_id of a notice about no particular host (QMP leaves host-id out). */
#define TM_DCD_NO_HOST UINT16_MAX

typedef void (*TmDcdObserver)(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque);

/* Returns an id for tm_dcd_remove_observer(); observers run in order added. */
guint tm_dcd_add_observer(TmDcd *dev, TmDcdObserver observer, gpointer opaque);
void tm_dcd_remove_observer(TmDcd *dev, guint observer_id);

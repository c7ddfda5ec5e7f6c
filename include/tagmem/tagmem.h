/*
 * libtagmem: the host side of a tagmem Dynamic Capacity Device.
 *
 * A host connects to its CCI socket on tagmemd, reads the Dynamic Capacity
 * event log when the daemon notifies it, decides which offered extents to
 * accept (by default with the rules of the Linux DCD host driver, v11
 * series), answers Add Dynamic Capacity Response (4802h) and Release
 * Dynamic Capacity (4803h), and maps accepted capacity so that
 * applications touch it at native speed.
 *
 * Memory layout (the "direct alias"):
 *   - At connect the library reserves one virtual window as large as the
 *     device's DPA space (up to the end of the last DC region), PROT_NONE.
 *     An accepted extent appears at window + DPA, mapped MAP_SHARED from
 *     the file descriptor the daemon hands over (vendor command C001h Get
 *     Extent Memory).  Capacity the host does not hold stays PROT_NONE:
 *     touching it faults.
 *   - Each tagged allocation (the extents of one tag) also gets a view of
 *     its own: a second reservation in which its extents are mapped back
 *     to back in shared-sequence order, so the allocation is contiguous
 *     whatever the DPA order of its extents.  tagmem_host_find_tag()
 *     returns that view.  Released parts of a view become PROT_NONE in
 *     place; a tag that gains extents later gets a new view and the old
 *     one turns PROT_NONE (it stays reserved until tagmem_host_close(), so
 *     a stale pointer faults instead of reaching other memory).
 *   - Memory the daemon cannot share (private anonymous backends) is not
 *     mapped ("slow path"): it is read and written with tagmem_host_read()
 *     and tagmem_host_write() (vendor commands C002h/C003h).
 *
 * Errors: functions returning int return 0 (or a count) on success and a
 * negative errno on failure; tagmem_host_last_error() then says what
 * failed, naming the field and the value.  -EREMOTEIO means the device
 * refused a command: tagmem_host_last_return_code() gives the CXL return
 * code.  -ETIMEDOUT: the daemon did not answer within the timeout.
 * -ECONNRESET: the daemon closed the connection and did not come back
 * within the reconnect window (tagmem_host_set_reconnect(); the handle is
 * then only good for queries and tagmem_host_close()).
 *
 * Daemon restarts: when the daemon closes the connection, the call that
 * notices connects again, with backoff, for up to the reconnect window
 * (30 s by default), keeping the number tagmem_host_fd() returns (a poll()
 * user needs to do nothing; an epoll user must add the descriptor again,
 * as its registration went with the old connection).  It then checks that
 * the device is the same, that each mapped block is still backed by the
 * same memory (with tagmemd --state-dir under systemd it is; a block whose
 * memory changed is reported as TAGMEM_EVENT_FORCED_RELEASE and then
 * TAGMEM_EVENT_ACCEPTED, mapped afresh), takes the device's extent list
 * and answers its event log, and carries on.  Mappings stay valid
 * throughout: they hold their own descriptors.
 *
 * Threads: a handle belongs to one thread at a time; use one handle per
 * thread (several handles may connect to the same host socket; they share
 * the host's state in the daemon).  The library keeps no global state.
 *
 * Callbacks run inside the call that triggered them (connect, dispatch,
 * process_events, release).  They may call the query functions
 * (tagmem_host_extents, tagmem_host_regions, tagmem_host_window,
 * tagmem_host_find_tag) but nothing that talks to the daemon.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAGMEM_API __attribute__((visibility("default")))

typedef struct TagmemHost TagmemHost;

/* A Dynamic Capacity extent (CXL r3.1 §8.2.9.2.1.6, Table 8-51). */
typedef struct {
    uint64_t dpa;          /* starting device physical address */
    uint64_t length;       /* bytes */
    uint8_t tag[16];       /* GUID in string byte order (as uuid_t); all zero: untagged */
    uint16_t shared_seq;   /* shared extent sequence */
} TagmemExtent;

/* A DC region as Get Dynamic Capacity Configuration (4800h) reports it. */
typedef struct {
    uint64_t base;         /* DPA */
    uint64_t length;       /* bytes */
    uint64_t block_size;   /* bytes */
    bool sanitize_on_release;
} TagmemRegion;

/* A committed (accepted) extent and where it is mapped. */
typedef struct {
    TagmemExtent extent;
    void *addr;            /* window + DPA; NULL on the slow path */
    bool writable;
    bool shared;           /* the daemon says another host holds it too */
} TagmemMapping;

/*
 * How offered capacity is judged, one Add Capacity chain at a time (every
 * record up to the one with More = 0); the accepted extents go back in one
 * Add DC Response (4802h, split with More when long), an empty one when
 * nothing is accepted.  A chain that overlaps capacity the host already
 * holds is not judged nor answered, whatever the policy: the device offers
 * no capacity a host holds, so it was answered before, by a process that
 * ended before clearing its records (answering it again would answer the
 * next pending offer).
 *
 * TAGMEM_POLICY_LINUX_V11 applies the Linux DCD host driver's rules (v11
 * series): the extents of one tag form a group, judged whole (groups in
 * order of first appearance, extents sorted by shared sequence); an
 * untagged extent is a group of its own.  A group is dropped when an
 * extent lies past the first max_pending_extents of the chain, when the
 * host already holds its tag, when its shared sequences are neither all 0
 * nor sequence_base, sequence_base + 1, ..., when an extent is not 2 MiB
 * aligned or not inside one DC region, when it spans regions, or when an
 * extent overlaps capacity held or accepted earlier in the chain.
 */
typedef enum {
    TAGMEM_POLICY_LINUX_V11 = 0, /* default: the Linux DCD host driver's rules (below) */
    TAGMEM_POLICY_ACCEPT_ALL,    /* every offered extent */
    TAGMEM_POLICY_REJECT_ALL,    /* none: an empty 4802h per chain */
    TAGMEM_POLICY_CALLBACK,      /* TagmemHostOptions.policy_fn decides */
} TagmemPolicy;

/*
 * Why an offered extent was or was not accepted.  The Linux v11 rules
 * judge each tag group whole, so every extent of a dropped group carries
 * the reason the group failed.
 */
typedef enum {
    TAGMEM_VERDICT_ACCEPT = 0,
    TAGMEM_VERDICT_TOO_MANY_PENDING,   /* the chain holds more than max_pending_extents */
    TAGMEM_VERDICT_DUPLICATE_TAG,      /* the host already holds capacity with this tag */
    TAGMEM_VERDICT_SEQUENCE_NOT_DENSE, /* shared sequences neither all 0 nor base..base+n-1 */
    TAGMEM_VERDICT_MISALIGNED,         /* DPA or length not a multiple of 2 MiB */
    TAGMEM_VERDICT_OUTSIDE_REGION,     /* not entirely inside one DC region */
    TAGMEM_VERDICT_SEVERAL_REGIONS,    /* the group spans more than one DC region */
    TAGMEM_VERDICT_OVERLAPS_COMMITTED, /* overlaps capacity already held or accepted */
    TAGMEM_VERDICT_REJECT_ALL,         /* the reject-all policy */
    TAGMEM_VERDICT_CALLBACK,           /* the policy callback said no */
} TagmemVerdict;

/* A short English name for @verdict ("duplicate tag"), for logs. */
TAGMEM_API const char *tagmem_verdict_name(TagmemVerdict verdict);

typedef enum {
    TAGMEM_EVENT_ACCEPTED,       /* committed by the device (mapped unless slow_path) */
    TAGMEM_EVENT_REJECTED,       /* offered, not accepted; verdict says why */
    TAGMEM_EVENT_RELEASED,       /* given back with 4803h (asked by the device or the caller) */
    TAGMEM_EVENT_FORCED_RELEASE, /* revoked by the device: now PROT_NONE, not answered */
} TagmemEventKind;

/* "accepted", "rejected", "released" or "forced", for logs and tools. */
TAGMEM_API const char *tagmem_event_kind_name(TagmemEventKind kind);

typedef struct {
    TagmemEventKind kind;
    TagmemExtent extent;
    TagmemVerdict verdict;       /* TAGMEM_EVENT_REJECTED */
    bool slow_path;              /* TAGMEM_EVENT_ACCEPTED: not mapped; use read/write */
} TagmemEvent;

typedef enum {
    TAGMEM_LOG_ERROR = 0,
    TAGMEM_LOG_WARNING,
    TAGMEM_LOG_INFO,
    TAGMEM_LOG_DEBUG,
} TagmemLogLevel;

/* Called once per extent accepted, rejected or released. */
typedef void (*TagmemEventFn)(void *data, const TagmemEvent *event);
/* Called with one line of diagnostics (no trailing newline). */
typedef void (*TagmemLogFn)(void *data, TagmemLogLevel level, const char *message);
/*
 * TAGMEM_POLICY_CALLBACK: judge one complete Add Capacity chain (every
 * record up to the one with More = 0, in log order) by setting accept[i]
 * for chain[i] (all false on entry).  The library sends what is accepted
 * as is; the device refuses a response that breaks its rules.
 */
typedef void (*TagmemPolicyFn)(void *data, const TagmemExtent *chain, size_t n_extents,
                               bool *accept);

/*
 * Connection options.  A zeroed struct means the defaults; so does passing
 * NULL to tagmem_host_connect().
 */
typedef struct {
    TagmemPolicy policy;
    TagmemPolicyFn policy_fn;       /* TAGMEM_POLICY_CALLBACK */
    void *policy_data;
    /*
     * Linux v11: the first shared sequence number of a tag group (0, as
     * in the v11 series, or 1, as before it).
     */
    uint16_t sequence_base;
    unsigned max_pending_extents;   /* per chain; 0 means 100 (Linux v11) */
    int timeout_ms;                 /* per command; 0 means 5000; < 0 waits for ever */
    TagmemEventFn event_fn;
    void *event_data;
    TagmemLogFn log_fn;
    void *log_data;
} TagmemHostOptions;

/*
 * The default host 0 socket path: $XDG_RUNTIME_DIR/tagmem/host0.sock,
 * else /tmp/tagmem-$UID/host0.sock.  Caller frees with free().
 */
TAGMEM_API char *tagmem_host_default_socket(void);

/*
 * Connect to a host CCI socket (@path; NULL means
 * tagmem_host_default_socket()).  Reads Identify (0001h: maximum message
 * size) and the DC configuration (4800h), reserves the direct-alias
 * window, maps the capacity the host already holds (4801h; capacity
 * accepted by an earlier connection stays the host's), then reads and
 * answers whatever the DC event log holds, so that records logged before
 * the connection are not missed.  Capacity found held is reported as
 * TAGMEM_EVENT_ACCEPTED, like capacity accepted later.  @opts is copied.
 *
 * Returns a handle to free with tagmem_host_close(), or NULL; then, when
 * @error is not NULL, *error is a message to free with free().
 */
TAGMEM_API TagmemHost *tagmem_host_connect(const char *path, const TagmemHostOptions *opts,
                                           char **error);

/*
 * Close the connection and unmap everything the handle mapped (window and
 * tag views).  Capacity the host holds stays the host's in the daemon.
 * NULL is ignored.
 */
TAGMEM_API void tagmem_host_close(TagmemHost *host);

/*
 * How long a call keeps trying to reconnect after the daemon closed the
 * connection (see "Daemon restarts" above): @timeout_ms, default 30000;
 * 0 never reconnects (-ECONNRESET at once).
 */
TAGMEM_API void tagmem_host_set_reconnect(TagmemHost *host, int timeout_ms);

/* The message of the last failure on @host ("" if none); valid until the next call. */
TAGMEM_API const char *tagmem_host_last_error(const TagmemHost *host);

/* The CXL return code of the last command the device refused (-EREMOTEIO), else 0. */
TAGMEM_API uint16_t tagmem_host_last_return_code(const TagmemHost *host);

/* ---- Event processing ---- */

/*
 * The connection's socket, for poll()/epoll (readable: the daemon sent a
 * notification).  Owned by the handle: do not read from or close it.
 */
TAGMEM_API int tagmem_host_fd(const TagmemHost *host);

/*
 * For event-loop users, when tagmem_host_fd() is readable: take what the
 * daemon sent without blocking, and if it notified new DC events, read and
 * answer them (those commands block up to the timeout each).  Returns the
 * number of event records handled (0 if there was nothing to do) or a
 * negative errno.
 */
TAGMEM_API int tagmem_host_dispatch(TagmemHost *host);

/*
 * Blocking: wait up to @timeout_ms (< 0: for ever, 0: do not wait) for a
 * notification, then read and answer the DC event log until it is empty.
 * Returns the number of event records handled (0 on timeout) or a
 * negative errno.
 */
TAGMEM_API int tagmem_host_process_events(TagmemHost *host, int timeout_ms);

/* ---- Device events (RAS) ---- */

/*
 * Besides Dynamic Capacity, a device reports on itself: General Media and
 * DRAM events (memory errors at a DPA) and Memory Module events (its
 * health), each in one of four logs by severity (CXL r3.1 §8.2.9.2).
 * The library reads and clears those logs whenever the daemon notifies
 * it (in tagmem_host_dispatch() and tagmem_host_process_events(), and at
 * connect for records logged before), and hands each record over once:
 * to the callback if one is set, else to a queue the application takes
 * from with tagmem_host_next_device_event().  Records are per host: each
 * host of a device gets its own copy; of several handles on one host, the
 * one that reads the log gets it.
 */
typedef enum {
    TAGMEM_DEVICE_LOG_INFORMATIONAL = 0,
    TAGMEM_DEVICE_LOG_WARNING = 1,
    TAGMEM_DEVICE_LOG_FAILURE = 2,
    TAGMEM_DEVICE_LOG_FATAL = 3,
} TagmemDeviceLog;

typedef enum {
    TAGMEM_DEVICE_EVENT_GENERAL_MEDIA,
    TAGMEM_DEVICE_EVENT_DRAM,
    TAGMEM_DEVICE_EVENT_MEMORY_MODULE,
    TAGMEM_DEVICE_EVENT_OTHER,   /* a record UUID the library does not know */
} TagmemDeviceEventType;

typedef struct {
    TagmemDeviceLog log;
    TagmemDeviceEventType type;
    uint32_t flags;              /* Event Record Flags (24 bits; severity in bits 1:0) */
    uint64_t timestamp_ns;       /* the device's timestamp of the record */
    /*
     * Memory Event Type (media records) or Device Event Type (memory
     * module records); the Memory Event Descriptor (media records: bit 0
     * set means the device could not correct the error).
     */
    uint8_t event_type;
    uint8_t descriptor;
    bool has_dpa;                /* media records: the DPA (Physical Address bits 63:6) */
    uint64_t dpa;
    /*
     * The DPA lies in tagged capacity this host holds: that tag, and the
     * offset of the DPA within the tag's contiguous allocation (the view
     * tagmem_host_find_tag() returns).
     */
    bool in_tag;
    uint8_t tag[16];
    uint64_t tag_offset;
    uint8_t record[128];         /* the record as the device sent it (little-endian) */
} TagmemDeviceEvent;

/* "informational", "warning", "failure", "fatal". */
TAGMEM_API const char *tagmem_device_log_name(TagmemDeviceLog log);
/* "general-media", "dram", "memory-module" or "other". */
TAGMEM_API const char *tagmem_device_event_type_name(TagmemDeviceEventType type);

typedef void (*TagmemDeviceEventFn)(void *data, const TagmemDeviceEvent *event);

/*
 * Hand device events to @fn as they are read (NULL: queue them again).
 * Events already queued stay queued.
 */
TAGMEM_API void tagmem_host_set_device_event_callback(TagmemHost *host, TagmemDeviceEventFn fn,
                                                      void *data);

/*
 * A descriptor that polls readable while queued device events wait.  The
 * queue fills only when the library reads the logs, so poll
 * tagmem_host_fd() as well and call tagmem_host_dispatch() when it is
 * readable.  Owned by the handle: do not read from or close it.
 */
TAGMEM_API int tagmem_host_device_event_fd(const TagmemHost *host);

/*
 * Take the oldest queued device event into *out: returns 1, or 0 when
 * none waits.  The queue holds the latest 4096 events; older ones are
 * dropped (and logged) when it is full.
 */
TAGMEM_API int tagmem_host_next_device_event(TagmemHost *host, TagmemDeviceEvent *out);

/* ---- Memory ---- */

/*
 * The direct-alias window: DPA d of the device is at *base + d.  Only
 * committed, mapped extents are accessible.  Valid until tagmem_host_close().
 */
TAGMEM_API void tagmem_host_window(const TagmemHost *host, void **base, uint64_t *size);

/*
 * The tagged allocation @tag as one contiguous range: its extents back to
 * back in shared-sequence order.  Returns 0 and sets *addr and *size;
 * -ENOENT if the host holds no capacity with @tag; -ENOTSUP if some of it
 * is on the slow path (use tagmem_host_read/write by DPA).  The range
 * stays reserved until tagmem_host_close().
 */
TAGMEM_API int tagmem_host_find_tag(TagmemHost *host, const uint8_t tag[16], void **addr,
                                    size_t *size);

/*
 * The committed extents in DPA order: copies up to @max into @out and
 * returns how many there are in all.
 */
TAGMEM_API size_t tagmem_host_extents(const TagmemHost *host, TagmemMapping *out, size_t max);

/* The DC regions: copies up to @max into @out and returns how many there are. */
TAGMEM_API size_t tagmem_host_regions(const TagmemHost *host, TagmemRegion *out, size_t max);

/*
 * Read or write committed capacity by DPA through the daemon (vendor
 * commands C002h/C003h), in as many commands as the message size needs.
 * Works for mapped capacity too.  Returns 0 or a negative errno.
 */
TAGMEM_API int tagmem_host_read(TagmemHost *host, uint64_t dpa, void *buf, size_t length);
TAGMEM_API int tagmem_host_write(TagmemHost *host, uint64_t dpa, const void *buf,
                                 size_t length);

/* ---- Release ---- */

/*
 * Give back every extent of @tag, as the Linux driver does (a whole tag
 * group, one extent per 4803h, in shared-sequence order).  Each range is
 * made PROT_NONE before the device is told.  Returns 0, -ENOENT if the
 * host holds nothing with @tag, or a negative errno.
 */
TAGMEM_API int tagmem_host_release_tag(TagmemHost *host, const uint8_t tag[16]);

/*
 * Give back [dpa, dpa + length), which must lie within committed extents
 * (it may span several, and cut them): one 4803h per extent piece.
 * Returns 0, -EINVAL if the range is not all held, or a negative errno.
 */
TAGMEM_API int tagmem_host_release_range(TagmemHost *host, uint64_t dpa, uint64_t length);

#ifdef __cplusplus
}
#endif

/*
 * Sanitize and Secure Erase (CXL r3.1 §8.2.9.9.5.1, §8.2.9.9.5.2) as the
 * device's background operation.  tagmem keeps no data encrypted, so both
 * do the same: every byte the device's capacity is made of reads as zero
 * afterwards, with the path sanitize-on-release uses
 * (tm_hostmem_zero_range), in steps so that 0002h reports progress.
 *
 * Checked and prepared on the main loop: no capacity may be held (a host
 * would see its memory vanish under it), the backends are marked in use
 * (nobody deletes one or hands it out while it is zeroed) and private
 * memory is mapped, so that the worker only zeroes.
 */
#include "device/dcd_internal.h"
#include "device/dcd_poison.h"

#include <inttypes.h>

/* The worker zeroes this much at a time: a step of progress, and how soon a cancel is seen. */
#define TM_SANITIZE_STEP (16u * 1024 * 1024)

typedef struct {
    TmHostMem *backend;
    uint64_t offset;
    uint64_t length;
} SanitizeTarget;

typedef struct {
    TmDcd *dev;
    char *user;          /* how the backends name this sanitize while it runs */
    GArray *targets;     /* SanitizeTarget */
    uint64_t total;
    GError *error;       /* the worker's, on failure */
} SanitizeJob;

static void sanitize_job_free(SanitizeJob *job)
{
    for (guint i = 0; i < job->targets->len; i++) {
        tm_hostmem_remove_user(g_array_index(job->targets, SanitizeTarget, i).backend,
                               job->user);
    }
    g_array_unref(job->targets);
    g_clear_error(&job->error);
    g_free(job->user);
    g_free(job);
}

static uint64_t smallest_block_size(const TmDcd *dev)
{
    uint64_t smallest = UINT64_MAX;

    for (unsigned r = 0; r < dev->num_dc_regions; r++) {
        smallest = MIN(smallest, dev->regions[r].block_size);
    }
    return smallest;
}

/*
 * Memory made of objects: nobody holds any of it (checked before), so its
 * objects were dropped at release; any left (kept from a previous run)
 * go now, and the next use of a block gets a fresh, zeroed one.
 */
static void drop_objects(TmDcd *dev, TmHostMem *backend, uint64_t offset, uint64_t length)
{
    if (tm_hostmem_object_count(backend) > 0) {
        tm_hostmem_drop_objects(backend, offset, length, smallest_block_size(dev));
    }
}

/* Add [offset, offset + length) of @backend to what the worker zeroes. */
static bool add_target(TmDcd *dev, SanitizeJob *job, TmHostMem *backend, uint64_t offset,
                       uint64_t length, GError **err)
{
    /* Read-only memory cannot hold anything a host wrote through tagmem. */
    if (tm_hostmem_is_readonly(backend) || length == 0) {
        return true;
    }
    if (tm_hostmem_passes_fds(backend)) {
        drop_objects(dev, backend, offset, length);
        return true;
    }
    /* Mapped here, not in the worker: mapping changes the backend's state. */
    if (!tm_hostmem_is_shareable(backend) && tm_hostmem_get_memory(backend, err) == NULL) {
        return false;
    }
    SanitizeTarget target = { .backend = backend, .offset = offset, .length = length };
    tm_hostmem_add_user(backend, job->user);
    g_array_append_val(job->targets, target);
    job->total += length;
    return true;
}

/*
 * The static memdev's DC part, and every tagged backend no device uses:
 * an unused tagged backend is capacity this device may hand out next.
 */
static bool collect_targets(TmDcd *dev, SanitizeJob *job, GError **err)
{
    if (dev->dc_memdev != NULL &&
        !add_target(dev, job, dev->dc_memdev, 0,
                    MIN(dev->dc_size, tm_hostmem_size(dev->dc_memdev)), err)) {
        return false;
    }
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(dev->backends);
    for (guint i = 0; i < backends->len; i++) {
        TmHostMem *backend = g_ptr_array_index(backends, i);
        if (tm_hostmem_tag(backend) != NULL && !tm_hostmem_in_use(backend) &&
            !add_target(dev, job, backend, 0, tm_hostmem_size(backend), err)) {
            return false;
        }
    }
    return true;
}

/* In the worker thread. */
static TmDcStatus zero_targets(TmBackgroundJob *background, void *opaque)
{
    SanitizeJob *job = opaque;
    uint64_t done = 0;

    for (guint i = 0; i < job->targets->len; i++) {
        const SanitizeTarget *target = &g_array_index(job->targets, SanitizeTarget, i);
        for (uint64_t at = 0; at < target->length;) {
            if (tm_background_job_cancelled(background)) {
                return TM_DC_ABORTED;
            }
            uint64_t n = MIN(target->length - at, (uint64_t)TM_SANITIZE_STEP);
            if (!tm_hostmem_zero_range(target->backend, target->offset + at, n, &job->error)) {
                return TM_DC_INTERNAL_ERROR;
            }
            at += n;
            done += n;
            tm_background_job_progress(background, done, job->total);
        }
    }
    return TM_DC_OK;
}

/* On the main loop once the worker returned. */
static void sanitize_done(TmDcStatus status, bool shutting_down, void *opaque)
{
    SanitizeJob *job = opaque;
    TmDcd *dev = job->dev;

    dev->sanitizing = false;
    if (job->error != NULL) {
        g_warning("%s: sanitize failed: %s", dev->path, job->error->message);
    } else if (status != TM_DC_OK && !shutting_down) {
        g_warning("%s: sanitize ended: %s", dev->path, tm_dc_status_name(status));
    }
    sanitize_job_free(job);
}

static TmDcStatus check_sanitize(TmDcd *dev, GError **err)
{
    TmBackgroundStatus status = tm_dcd_background_status(dev);

    if (status.running) {
        return tm_dc_fail(err, TM_DC_BUSY, "Device '%s' is running background operation "
                          "%04Xh (%u%% done)", tm_dcd_id(dev), status.opcode, status.percent);
    }
    if (tm_dcd_has_allocations(dev)) {
        return tm_dc_fail(err, TM_DC_BUSY, "Device '%s' has dynamic capacity pending, "
                          "accepted or kept by an FM reference: release it before sanitize",
                          tm_dcd_id(dev));
    }
    return TM_DC_OK;
}

TmDcStatus tm_dcd_sanitize(TmDcd *dev, uint16_t opcode, GError **err)
{
    TmDcStatus status = check_sanitize(dev, err);

    if (status != TM_DC_OK) {
        return status;
    }
    SanitizeJob *job = g_new0(SanitizeJob, 1);
    job->dev = dev;
    job->user = g_strdup_printf("sanitize of %s", dev->path);
    job->targets = g_array_new(FALSE, FALSE, sizeof(SanitizeTarget));
    if (!collect_targets(dev, job, err)) {
        sanitize_job_free(job);
        return TM_DC_INTERNAL_ERROR;
    }
    TmBackgroundJobSpec spec = {
        .opcode = opcode, .work = zero_targets, .done = sanitize_done, .opaque = job,
    };
    status = tm_dcd_start_background(dev, &spec, err);
    if (status != TM_DC_OK) {
        sanitize_job_free(job);
        return status;
    }
    dev->sanitizing = true;
    /*
     * Cleared at the start, on the main loop, rather than at the end: the
     * journal replays the start (docs/durable-state.md), and nobody holds
     * capacity that could be read before the zeroing reaches it.
     */
    tm_dcd_clear_all_poison(dev);
    return TM_DC_OK;
}

/*
 * Scan Media as the device's background operation (dcd_scan_media.h).
 *
 * The main loop takes the poisoned ranges of the scanned range when the
 * scan starts (the worker never touches the device's structures); the
 * worker turns them into media error records, a step of progress per
 * range; the done callback, on the main loop, makes them the device's
 * results.
 */
#include "device/dcd_internal.h"
#include "device/dcd_poison.h"
#include "device/dcd_scan_media.h"

#include <inttypes.h>

/*
 * What a scan costs tagmem: it reads no memory (it knows its errors), so
 * the bytes scanned cost nothing; it costs one step per poisoned range
 * (copied on the main loop, turned into records in the worker, read back
 * by 4305h), and a fixed part for the worker thread and the main loop
 * learning that it ended.  bench-poison measures about 1 ms fixed and
 * 280 ns a range in a release build (450 ns on a loaded machine); 500 ns
 * keeps the estimate just above that, and the fixed part is also the
 * 1 ms floor (the smallest estimate CXL r3.1 §8.2.9.9.4.4 can express).
 */
#define TM_SCAN_MEDIA_FIXED_MS 1u
#define TM_SCAN_MEDIA_NS_PER_RANGE 500u

/* The most lines one media error record can hold (its length is 32 bits). */
#define TM_SCAN_MEDIA_RECORD_MAX ((uint64_t)UINT32_MAX * TM_POISON_LINE)

typedef struct {
    TmDcd *dev;
    GArray *found;    /* TmPoisonRange: taken on the main loop at the start */
    GArray *results;  /* TmPoisonRange: the worker's records */
    bool log_events;  /* No Event Log clear: a General Media record per error found */
} ScanJob;

static void scan_job_free(ScanJob *job)
{
    g_array_unref(job->found);
    g_clear_pointer(&job->results, g_array_unref);
    g_free(job);
}

static bool count_range(const TmPoisonRange *range, void *opaque)
{
    (void)range;
    (*(uint64_t *)opaque)++;
    return true;
}

uint32_t tm_dcd_scan_media_estimate_ms(const TmDcd *dev, uint64_t dpa, uint64_t length)
{
    uint64_t ranges = 0;

    tm_dcd_foreach_poison(dev, dpa, length, count_range, &ranges);
    uint64_t ms = TM_SCAN_MEDIA_FIXED_MS +
                  (ranges * TM_SCAN_MEDIA_NS_PER_RANGE + 999999u) / 1000000u;
    return (uint32_t)MIN(ms, (uint64_t)UINT32_MAX);
}

static bool take_range(const TmPoisonRange *range, void *opaque)
{
    g_array_append_val((GArray *)opaque, *range);
    return true;
}

/* In the worker thread: one step per poisoned range, split to fit records. */
static TmDcStatus make_results(TmBackgroundJob *background, void *opaque)
{
    ScanJob *job = opaque;
    guint n = job->found->len;

    for (guint i = 0; i < n; i++) {
        if (tm_background_job_cancelled(background)) {
            return TM_DC_ABORTED;
        }
        TmPoisonRange range = g_array_index(job->found, TmPoisonRange, i);
        while (range.length > 0) {
            TmPoisonRange record = range;
            record.length = MIN(range.length, TM_SCAN_MEDIA_RECORD_MAX);
            g_array_append_val(job->results, record);
            range.dpa += record.length;
            range.length -= record.length;
        }
        tm_background_job_progress(background, i + 1, n);
    }
    return TM_DC_OK;
}

/* On the main loop once the worker returned. */
static void scan_done(TmDcStatus status, bool shutting_down, void *opaque)
{
    ScanJob *job = opaque;
    TmDcd *dev = job->dev;

    dev->scan_media_running = false;
    if (status == TM_DC_OK && !shutting_down) {
        /* CXL r3.1 §8.2.9.9.4.5: a General Media record per error found, unless told not to. */
        for (guint i = 0; job->log_events && i < job->results->len; i++) {
            tm_dcd_log_media_error(dev, g_array_index(job->results, TmPoisonRange, i).dpa,
                                   TM_GM_TRANSACTION_HOST_SCAN_MEDIA);
        }
        dev->scan_results = g_steal_pointer(&job->results);
        dev->scan_results_next = 0;
    }
    scan_job_free(job);
}

TmDcStatus tm_dcd_scan_media(TmDcd *dev, uint16_t opcode, uint64_t dpa, uint64_t length,
                             bool log_events, GError **err)
{
    TmBackgroundStatus running = tm_dcd_background_status(dev);

    if (running.running) {
        return tm_dc_fail(err, TM_DC_BUSY, "Device '%s' is running background operation "
                          "%04Xh (%u%% done)", tm_dcd_id(dev), running.opcode,
                          running.percent);
    }
    ScanJob *job = g_new0(ScanJob, 1);
    job->dev = dev;
    job->log_events = log_events;
    job->found = g_array_new(FALSE, FALSE, sizeof(TmPoisonRange));
    job->results = g_array_new(FALSE, FALSE, sizeof(TmPoisonRange));
    tm_dcd_foreach_poison(dev, dpa, length, take_range, job->found);
    TmBackgroundJobSpec spec = {
        .opcode = opcode, .work = make_results, .done = scan_done, .opaque = job,
    };
    TmDcStatus status = tm_dcd_start_background(dev, &spec, err);
    if (status != TM_DC_OK) {
        scan_job_free(job);
        return status;
    }
    /* CXL r3.1 §8.2.9.9.4.5: a new scan discards the previous results. */
    g_clear_pointer(&dev->scan_results, g_array_unref);
    dev->scan_media_ran = true;
    dev->scan_media_running = true;
    return TM_DC_OK;
}

bool tm_dcd_scan_media_running(TmDcd *dev)
{
    tm_dcd_background_status(dev);
    return dev->scan_media_running;
}

TmDcStatus tm_dcd_scan_media_take_results(TmDcd *dev, guint max_out, GArray *out, bool *more,
                                          GError **err)
{
    /* Settles a scan whose work has returned, so a host that polled 0002h sees its results. */
    TmBackgroundStatus status = tm_dcd_background_status(dev);

    *more = false;
    if (!dev->scan_media_ran) {
        return tm_dc_fail(err, TM_DC_UNSUPPORTED, "Device '%s' has not scanned its media "
                          "since it started", tm_dcd_id(dev));
    }
    if (dev->scan_media_running) {
        return tm_dc_fail(err, TM_DC_BUSY, "Device '%s' is scanning its media (%u%% done)",
                          tm_dcd_id(dev), status.percent);
    }
    /* An index rather than removing what was read: paging stays linear however long the list. */
    guint available = dev->scan_results != NULL ?
                      dev->scan_results->len - dev->scan_results_next : 0;
    guint n = MIN(available, max_out);
    if (n > 0) {
        g_array_append_vals(out, &g_array_index(dev->scan_results, TmPoisonRange,
                                                dev->scan_results_next), n);
        dev->scan_results_next += n;
    }
    *more = available > n;
    return TM_DC_OK;
}

void tm_dcd_scan_media_free(TmDcd *dev)
{
    g_clear_pointer(&dev->scan_results, g_array_unref);
}

/*
 * A device's background operation (CXL r3.1 §8.2.8.4.6, §8.2.9.1.2): at
 * most one command at a time runs after its response, answered Background
 * Command Started (01h); Background Operation Status (0002h) reports the
 * opcode, the percentage done and, once it has ended, its return code.
 *
 * The work runs in a worker thread (as preallocation does,
 * backend/prealloc.c), so the main loop keeps serving every port while
 * gigabytes are zeroed.  The thread reports progress and checks for
 * cancellation between steps; when it returns, the main loop learns of it
 * through an eventfd watched by the default main context, joins the thread
 * and calls the job's done callback there.  The status is also settled
 * whenever it is read, so a client that polls 0002h after the work ended
 * sees it ended, however busy the main loop.
 *
 * Generic: sanitize and secure erase (dcd_sanitize.c) use it, and any other
 * background command (Scan Media) can: a work function and a done
 * callback.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "device/dc_status.h"

typedef struct TmBackgroundOp TmBackgroundOp;
typedef struct TmBackgroundJob TmBackgroundJob;

/* In the worker thread: the whole work; report progress, stop when cancelled. */
typedef TmDcStatus (*TmBackgroundWorkFn)(TmBackgroundJob *job, void *opaque);

/*
 * On the main loop (or in tm_background_op_free, with @shutting_down set),
 * once the work returned: @status is its result (TM_DC_ABORTED when it
 * stopped for a cancel).
 */
typedef void (*TmBackgroundDoneFn)(TmDcStatus status, bool shutting_down, void *opaque);

typedef struct {
    uint16_t opcode;             /* the command that started it (0002h reports it) */
    TmBackgroundWorkFn work;
    TmBackgroundDoneFn done;
    void *opaque;                /* the job's: freed by done, never by the runner */
} TmBackgroundJobSpec;

/* What 0002h reports. */
typedef struct {
    bool running;
    uint8_t percent;             /* 0..100: of the running one, or 100 once one ended */
    uint16_t opcode;             /* the last one started; 0: none ever */
    TmDcStatus status;           /* of the last one that ended (TM_DC_OK until one did) */
} TmBackgroundStatus;

TmBackgroundOp *tm_background_op_new(void);

/*
 * Cancel a running job, wait for its thread and call its done callback with
 * @shutting_down set (the daemon is going away: no one is notified).
 */
void tm_background_op_free(TmBackgroundOp *op);

/*
 * Start @spec's work in a thread of its own.  Busy (TM_DC_BUSY) while
 * another runs; Internal Error when no thread can be started (nothing
 * started, done not called).
 */
TmDcStatus tm_background_op_start(TmBackgroundOp *op, const TmBackgroundJobSpec *spec,
                                  GError **err);

/* The status, after settling a job whose work has returned. */
TmBackgroundStatus tm_background_op_status(TmBackgroundOp *op);

/* ---- For the work function, in the worker thread ---- */

/*
 * For tests (docs/host-protocol.md, "Background operations"): while the
 * file this environment variable names exists, a job waits after each
 * step it reports.
 */
#define TM_BACKGROUND_HOLD_ENV "TAGMEM_TEST_BACKGROUND_HOLD"

/* @done of @total units are done (the percentage 0002h reports). */
void tm_background_job_progress(TmBackgroundJob *job, uint64_t done, uint64_t total);

/* The job was cancelled (the daemon is going away): the work should return TM_DC_ABORTED soon. */
bool tm_background_job_cancelled(const TmBackgroundJob *job);

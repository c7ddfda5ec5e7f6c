/*
 * The background operation runner: one job at a time, progress as a
 * percentage that never reads 100 while the work runs, Busy for a second
 * job, the end seen through the main loop (the eventfd) or settled when
 * the status is read, and free while a job runs (cancelled).
 */
#include <stdatomic.h>
#include <string.h>
#include <glib.h>

#include "device/background_op.h"

/* A job the test steps: it reports @steps_done of 4, waits for @go, reports the rest. */
typedef struct {
    atomic_bool go;
    atomic_bool reported;
    int done_calls;
    TmDcStatus done_status;
    bool done_shutting_down;
} SteppedJob;

static TmDcStatus stepped_work(TmBackgroundJob *job, void *opaque)
{
    SteppedJob *stepped = opaque;

    tm_background_job_progress(job, 1, 4);
    atomic_store(&stepped->reported, true);
    while (!atomic_load(&stepped->go)) {
        if (tm_background_job_cancelled(job)) {
            return TM_DC_ABORTED;
        }
        g_usleep(1000);
    }
    tm_background_job_progress(job, 4, 4);
    return TM_DC_OK;
}

static void stepped_done(TmDcStatus status, bool shutting_down, void *opaque)
{
    SteppedJob *stepped = opaque;

    stepped->done_calls++;
    stepped->done_status = status;
    stepped->done_shutting_down = shutting_down;
}

static TmBackgroundJobSpec stepped_spec(SteppedJob *stepped, uint16_t opcode)
{
    return (TmBackgroundJobSpec){
        .opcode = opcode, .work = stepped_work, .done = stepped_done, .opaque = stepped,
    };
}

static void wait_reported(SteppedJob *stepped)
{
    while (!atomic_load(&stepped->reported)) {
        g_usleep(1000);
    }
}

static void test_idle(void)
{
    TmBackgroundOp *op = tm_background_op_new();
    TmBackgroundStatus status = tm_background_op_status(op);

    g_assert_false(status.running);
    g_assert_cmpuint(status.percent, ==, 0);
    g_assert_cmphex(status.opcode, ==, 0);
    g_assert_cmpint(status.status, ==, TM_DC_OK);
    tm_background_op_free(op);
}

/* Running at 25%, a second job Busy; once let go it ends at 100% with its result. */
static void test_progress_busy_and_end(void)
{
    TmBackgroundOp *op = tm_background_op_new();
    SteppedJob first = { 0 }, second = { 0 };
    TmBackgroundJobSpec spec = stepped_spec(&first, 0x4400);
    TmBackgroundJobSpec other = stepped_spec(&second, 0x4401);
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(tm_background_op_start(op, &spec, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    wait_reported(&first);
    TmBackgroundStatus status = tm_background_op_status(op);
    g_assert_true(status.running);
    g_assert_cmpuint(status.percent, ==, 25);
    g_assert_cmphex(status.opcode, ==, 0x4400);

    g_assert_cmpint(tm_background_op_start(op, &other, &err), ==, TM_DC_BUSY);
    g_assert_nonnull(strstr(err->message, "background operation 4400h is running (25% done)"));
    g_assert_cmpint(second.done_calls, ==, 0);

    atomic_store(&first.go, true);
    while (tm_background_op_status(op).running) {
        g_usleep(1000);
    }
    status = tm_background_op_status(op);
    g_assert_false(status.running);
    g_assert_cmpuint(status.percent, ==, 100);
    g_assert_cmphex(status.opcode, ==, 0x4400);
    g_assert_cmpint(status.status, ==, TM_DC_OK);
    g_assert_cmpint(first.done_calls, ==, 1);
    g_assert_false(first.done_shutting_down);

    /* Free again: the next one starts. */
    atomic_store(&second.go, true);
    g_clear_error(&err);
    g_assert_cmpint(tm_background_op_start(op, &other, &err), ==, TM_DC_OK);
    while (tm_background_op_status(op).running) {
        g_usleep(1000);
    }
    g_assert_cmphex(tm_background_op_status(op).opcode, ==, 0x4401);
    g_assert_cmpint(second.done_calls, ==, 1);
    tm_background_op_free(op);
}

/* All reported done, the work not yet returned: 99%, never 100 while running. */
static TmDcStatus all_done_then_wait(TmBackgroundJob *job, void *opaque)
{
    SteppedJob *stepped = opaque;

    tm_background_job_progress(job, 10, 10);
    atomic_store(&stepped->reported, true);
    while (!atomic_load(&stepped->go)) {
        g_usleep(1000);
    }
    return TM_DC_INTERNAL_ERROR;
}

static void test_never_100_while_running(void)
{
    TmBackgroundOp *op = tm_background_op_new();
    SteppedJob stepped = { 0 };
    TmBackgroundJobSpec spec = {
        .opcode = 0x4400, .work = all_done_then_wait, .done = stepped_done, .opaque = &stepped,
    };

    g_assert_cmpint(tm_background_op_start(op, &spec, NULL), ==, TM_DC_OK);
    wait_reported(&stepped);
    TmBackgroundStatus status = tm_background_op_status(op);
    g_assert_true(status.running);
    g_assert_cmpuint(status.percent, ==, 99);
    atomic_store(&stepped.go, true);
    while (tm_background_op_status(op).running) {
        g_usleep(1000);
    }
    /* A failure is the result 0002h reports. */
    g_assert_cmpint(tm_background_op_status(op).status, ==, TM_DC_INTERNAL_ERROR);
    g_assert_cmpint(stepped.done_status, ==, TM_DC_INTERNAL_ERROR);
    tm_background_op_free(op);
}

/* Nobody reads the status: the main loop alone learns of the end and calls done. */
static void test_end_through_main_loop(void)
{
    TmBackgroundOp *op = tm_background_op_new();
    SteppedJob stepped = { .go = true };
    TmBackgroundJobSpec spec = stepped_spec(&stepped, 0x4400);

    g_assert_cmpint(tm_background_op_start(op, &spec, NULL), ==, TM_DC_OK);
    while (stepped.done_calls == 0) {
        g_main_context_iteration(NULL, TRUE);
    }
    g_assert_cmpint(stepped.done_calls, ==, 1);
    g_assert_cmpint(stepped.done_status, ==, TM_DC_OK);
    g_assert_false(tm_background_op_status(op).running);
    tm_background_op_free(op);
}

/* Freed while a job runs: it is cancelled, waited for, and told why. */
static void test_free_while_running(void)
{
    TmBackgroundOp *op = tm_background_op_new();
    SteppedJob stepped = { 0 };
    TmBackgroundJobSpec spec = stepped_spec(&stepped, 0x4400);

    g_assert_cmpint(tm_background_op_start(op, &spec, NULL), ==, TM_DC_OK);
    wait_reported(&stepped);
    tm_background_op_free(op);
    g_assert_cmpint(stepped.done_calls, ==, 1);
    g_assert_cmpint(stepped.done_status, ==, TM_DC_ABORTED);
    g_assert_true(stepped.done_shutting_down);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/background-op/idle", test_idle);
    g_test_add_func("/device/background-op/progress-busy-and-end", test_progress_busy_and_end);
    g_test_add_func("/device/background-op/never-100-while-running",
                    test_never_100_while_running);
    g_test_add_func("/device/background-op/end-through-main-loop", test_end_through_main_loop);
    g_test_add_func("/device/background-op/free-while-running", test_free_while_running);
    return g_test_run();
}

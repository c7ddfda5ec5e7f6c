#include "device/background_op.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/error.h"

struct TmBackgroundJob {
    TmBackgroundJobSpec spec;
    GThread *thread;
    atomic_uint percent;
    atomic_bool cancel;
    atomic_bool finished;     /* the work returned: the thread can be joined */
    char *hold_path;          /* TM_BACKGROUND_HOLD_ENV: tests only */
    TmDcStatus result;        /* written by the worker before @finished */
    int wake_fd;              /* the op's eventfd, written once @finished */
};

struct TmBackgroundOp {
    TmBackgroundJob *job;     /* the running one, or NULL */
    int wake_fd;              /* eventfd: a worker has finished */
    guint wake_source;
    TmBackgroundStatus last;  /* opcode and result of the last one */
};

/*
 * The test hook: while the file named by TM_BACKGROUND_HOLD_ENV exists,
 * the work waits after each step (a cancel still ends the wait), so a test
 * sees the operation running, part done, without depending on how fast
 * memory is zeroed.
 */
static void hold_for_test(const TmBackgroundJob *job)
{
    while (job->hold_path != NULL && !tm_background_job_cancelled(job) &&
           g_file_test(job->hold_path, G_FILE_TEST_EXISTS)) {
        g_usleep(10 * 1000);
    }
}

void tm_background_job_progress(TmBackgroundJob *job, uint64_t done, uint64_t total)
{
    /* Never 100 while the work runs: 100 with "running" clear says it ended. */
    uint64_t percent = total == 0 ? 0 : MIN(done * 100 / total, 99);

    atomic_store(&job->percent, (unsigned)percent);
    hold_for_test(job);
}

bool tm_background_job_cancelled(const TmBackgroundJob *job)
{
    return atomic_load(&((TmBackgroundJob *)job)->cancel);
}

static gpointer run_job(gpointer data)
{
    TmBackgroundJob *job = data;
    uint64_t one = 1;

    job->result = job->spec.work(job, job->spec.opaque);
    atomic_store(&job->finished, true);
    /* An eventfd write of 1 cannot block (the counter is far from its maximum). */
    while (write(job->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
    return NULL;
}

/* The work of the running job returned: join it, record the result, call done. */
static void settle(TmBackgroundOp *op, bool shutting_down)
{
    TmBackgroundJob *job = op->job;

    g_thread_join(job->thread);
    op->job = NULL;
    op->last.running = false;
    op->last.percent = 100;
    op->last.status = job->result;
    job->spec.done(job->result, shutting_down, job->spec.opaque);
    g_free(job->hold_path);
    g_free(job);
}

static void settle_if_finished(TmBackgroundOp *op)
{
    if (op->job != NULL && atomic_load(&op->job->finished)) {
        settle(op, false);
    }
}

static gboolean on_wake(gint fd, GIOCondition condition, gpointer data)
{
    TmBackgroundOp *op = data;
    uint64_t count;

    (void)condition;
    while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR) {
    }
    settle_if_finished(op);
    return G_SOURCE_CONTINUE;
}

TmBackgroundOp *tm_background_op_new(void)
{
    TmBackgroundOp *op = g_new0(TmBackgroundOp, 1);

    op->wake_fd = -1;
    return op;
}

/* The eventfd and its watch, made when the first job starts. */
static bool ensure_wake(TmBackgroundOp *op, GError **err)
{
    if (op->wake_fd >= 0) {
        return true;
    }
    op->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (op->wake_fd < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot create an eventfd for the background operation: %s",
                    g_strerror(errno));
        return false;
    }
    op->wake_source = g_unix_fd_add(op->wake_fd, G_IO_IN, on_wake, op);
    return true;
}

TmDcStatus tm_background_op_start(TmBackgroundOp *op, const TmBackgroundJobSpec *spec,
                                  GError **err)
{
    g_autoptr(GError) spawn_error = NULL;

    settle_if_finished(op);
    if (op->job != NULL) {
        return tm_dc_fail(err, TM_DC_BUSY,
                          "background operation %04Xh is running (%u%% done)",
                          op->job->spec.opcode, atomic_load(&op->job->percent));
    }
    if (!ensure_wake(op, err)) {
        return TM_DC_INTERNAL_ERROR;
    }
    TmBackgroundJob *job = g_new0(TmBackgroundJob, 1);
    job->spec = *spec;
    job->wake_fd = op->wake_fd;
    job->hold_path = g_strdup(g_getenv(TM_BACKGROUND_HOLD_ENV));
    job->thread = g_thread_try_new("tm-background", run_job, job, &spawn_error);
    if (job->thread == NULL) {
        g_free(job->hold_path);
        g_free(job);
        return tm_dc_fail(err, TM_DC_INTERNAL_ERROR,
                          "cannot start the background operation thread: %s",
                          spawn_error->message);
    }
    op->job = job;
    op->last = (TmBackgroundStatus){ .running = true, .opcode = spec->opcode };
    return TM_DC_OK;
}

TmBackgroundStatus tm_background_op_status(TmBackgroundOp *op)
{
    settle_if_finished(op);
    TmBackgroundStatus status = op->last;
    if (op->job != NULL) {
        status.percent = (uint8_t)atomic_load(&op->job->percent);
    }
    return status;
}

void tm_background_op_free(TmBackgroundOp *op)
{
    if (op == NULL) {
        return;
    }
    if (op->job != NULL) {
        atomic_store(&op->job->cancel, true);
        settle(op, true);
    }
    if (op->wake_source != 0) {
        g_source_remove(op->wake_source);
    }
    if (op->wake_fd >= 0) {
        close(op->wake_fd);
    }
    g_free(op);
}

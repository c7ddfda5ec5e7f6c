#include "backend/object_worker.h"

#include <fcntl.h>

/* A task: an object reference, and what to do before dropping it. */
typedef struct {
    TmMemObject *object;
    bool populate;
} Chore;

struct TmObjectWorker {
    GThreadPool *thread;    /* one thread: chores in the order they were given */
    GMutex lock;            /* guards what follows, shared with the main loop */
    GCond idle;             /* signalled when @pending drops to 0 */
    guint pending;          /* chores given and not yet done */
    bool closing;           /* being freed: populate nothing more */
};

static bool worker_closing(TmObjectWorker *worker)
{
    g_mutex_lock(&worker->lock);
    bool closing = worker->closing;
    g_mutex_unlock(&worker->lock);
    return closing;
}

static void do_chore(gpointer data, gpointer user_data)
{
    TmObjectWorker *worker = user_data;
    Chore *chore = data;

    /* Pages a host already touched are left as they are: fallocate only adds
     * missing ones.  A failure (no memory now) leaves them to the host's
     * page faults, as without the worker. */
    if (chore->populate && !worker_closing(worker)) {
        (void)fallocate(tm_mem_object_fd(chore->object), 0, 0,
                        (off_t)tm_mem_object_length(chore->object));
    }
    /* Closing the last reference frees pages nobody maps: this thread's time. */
    tm_mem_object_unref(chore->object);
    g_free(chore);

    g_mutex_lock(&worker->lock);
    if (--worker->pending == 0) {
        g_cond_broadcast(&worker->idle);
    }
    g_mutex_unlock(&worker->lock);
}

TmObjectWorker *tm_object_worker_new(void)
{
    TmObjectWorker *worker = g_new0(TmObjectWorker, 1);

    g_mutex_init(&worker->lock);
    g_cond_init(&worker->idle);
    /* Non-exclusive: GLib starts the thread when there is work and lends it out otherwise. */
    worker->thread = g_thread_pool_new(do_chore, worker, 1, FALSE, NULL);
    return worker;
}

void tm_object_worker_free(TmObjectWorker *worker)
{
    if (worker == NULL) {
        return;
    }
    g_mutex_lock(&worker->lock);
    worker->closing = true;
    g_mutex_unlock(&worker->lock);
    g_thread_pool_free(worker->thread, FALSE, TRUE);
    g_cond_clear(&worker->idle);
    g_mutex_clear(&worker->lock);
    g_free(worker);
}

static void give(TmObjectWorker *worker, TmMemObject *object, bool populate)
{
    Chore *chore = g_new(Chore, 1);

    *chore = (Chore){ .object = object, .populate = populate };
    g_mutex_lock(&worker->lock);
    worker->pending++;
    g_mutex_unlock(&worker->lock);
    g_thread_pool_push(worker->thread, chore, NULL);
}

void tm_object_worker_retire(TmObjectWorker *worker, TmMemObject *object)
{
    give(worker, object, false);
}

void tm_object_worker_populate(TmObjectWorker *worker, TmMemObject *object)
{
    give(worker, object, true);
}

void tm_object_worker_wait_idle(TmObjectWorker *worker)
{
    g_mutex_lock(&worker->lock);
    while (worker->pending > 0) {
        g_cond_wait(&worker->idle, &worker->lock);
    }
    g_mutex_unlock(&worker->lock);
}

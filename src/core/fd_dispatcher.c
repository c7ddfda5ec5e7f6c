#include "core/fd_dispatcher.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/error.h"

struct TmFdWatch {
    TmFdDispatcher *dispatcher;
    int fd;
    GIOCondition interest;
    TmFdReadyFunc ready;
    void *opaque;
    bool retired;              /* freed during a pass: skip its events */
};

/* The GSource comes first: the dispatcher is the source GLib holds. */
struct TmFdDispatcher {
    GSource source;
    int epoll_fd;
    guint watch_count;
    bool dispatching;
    GPtrArray *retired;        /* TmFdWatch * freed during the pass, released after it */
    struct epoll_event ready[TM_FD_DISPATCH_BATCH];
};

/*
 * A paused watch stays registered (re-adding it could fail for lack of
 * memory) but edge-triggered with no events: epoll reports a hang-up or an
 * error on it once at most instead of on every pass (epoll_ctl(2): EPOLLHUP
 * and EPOLLERR cannot be masked).
 */
static uint32_t epoll_events(GIOCondition interest)
{
    uint32_t events = 0;

    if (interest & G_IO_IN) {
        events |= EPOLLIN;
    }
    if (interest & G_IO_OUT) {
        events |= EPOLLOUT;
    }
    return events != 0 ? events : EPOLLET;
}

static GIOCondition ready_condition(uint32_t events, GIOCondition interest)
{
    GIOCondition ready = 0;

    if (events & EPOLLIN) {
        ready |= G_IO_IN;
    }
    if (events & EPOLLOUT) {
        ready |= G_IO_OUT;
    }
    if (events & EPOLLHUP) {
        ready |= G_IO_HUP;
    }
    if (events & EPOLLERR) {
        ready |= G_IO_ERR;
    }
    return ready & (interest | G_IO_HUP | G_IO_ERR);
}

static void release_retired(TmFdDispatcher *dispatcher)
{
    g_ptr_array_set_size(dispatcher->retired, 0);
}

static gboolean dispatcher_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    TmFdDispatcher *dispatcher = (TmFdDispatcher *)source;
    int n;

    do {
        n = epoll_wait(dispatcher->epoll_fd, dispatcher->ready, TM_FD_DISPATCH_BATCH, 0);
    } while (n < 0 && errno == EINTR);
    dispatcher->dispatching = true;
    for (int i = 0; i < n; i++) {
        TmFdWatch *watch = dispatcher->ready[i].data.ptr;
        if (watch->retired || watch->interest == 0) {
            continue;
        }
        /* The interest now, not when epoll looked: an earlier handler may have changed it. */
        GIOCondition ready = ready_condition(dispatcher->ready[i].events, watch->interest);
        if (ready != 0) {
            watch->ready(ready, watch->opaque);
        }
    }
    dispatcher->dispatching = false;
    release_retired(dispatcher);
    return G_SOURCE_CONTINUE;
}

static void dispatcher_finalize(GSource *source)
{
    TmFdDispatcher *dispatcher = (TmFdDispatcher *)source;

    g_ptr_array_unref(dispatcher->retired);
    close(dispatcher->epoll_fd);
}

static GSourceFuncs dispatcher_funcs = {
    .dispatch = dispatcher_dispatch,
    .finalize = dispatcher_finalize,
};

TmFdDispatcher *tm_fd_dispatcher_new(GMainContext *context, GError **err)
{
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);

    if (epoll_fd < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot create an epoll descriptor: %s",
                    g_strerror(errno));
        return NULL;
    }
    GSource *source = g_source_new(&dispatcher_funcs, sizeof(TmFdDispatcher));
    TmFdDispatcher *dispatcher = (TmFdDispatcher *)source;

    dispatcher->epoll_fd = epoll_fd;
    dispatcher->retired = g_ptr_array_new_with_free_func(g_free);
    g_source_set_name(source, "tagmem descriptors");
    g_source_add_unix_fd(source, epoll_fd, G_IO_IN);
    g_source_attach(source, context);
    return dispatcher;
}

void tm_fd_dispatcher_free(TmFdDispatcher *dispatcher)
{
    if (dispatcher == NULL) {
        return;
    }
    g_assert(dispatcher->watch_count == 0 && !dispatcher->dispatching);
    g_source_destroy(&dispatcher->source);
    g_source_unref(&dispatcher->source);
}

guint tm_fd_dispatcher_watch_count(const TmFdDispatcher *dispatcher)
{
    return dispatcher->watch_count;
}

TmFdWatch *tm_fd_watch_new(TmFdDispatcher *dispatcher, int fd, GIOCondition interest,
                           TmFdReadyFunc ready, void *opaque, GError **err)
{
    TmFdWatch *watch = g_new0(TmFdWatch, 1);
    struct epoll_event event = { .events = epoll_events(interest), .data.ptr = watch };

    if (epoll_ctl(dispatcher->epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot watch descriptor %d: %s", fd,
                    g_strerror(errno));
        g_free(watch);
        return NULL;
    }
    watch->dispatcher = dispatcher;
    watch->fd = fd;
    watch->interest = interest;
    watch->ready = ready;
    watch->opaque = opaque;
    dispatcher->watch_count++;
    return watch;
}

void tm_fd_watch_set_interest(TmFdWatch *watch, GIOCondition interest)
{
    if (interest == watch->interest) {
        return;
    }
    struct epoll_event event = { .events = epoll_events(interest), .data.ptr = watch };

    /* Changing a registered descriptor allocates nothing: only a bug makes it fail. */
    if (epoll_ctl(watch->dispatcher->epoll_fd, EPOLL_CTL_MOD, watch->fd, &event) < 0) {
        g_error("epoll_ctl(MOD) of descriptor %d: %s", watch->fd, g_strerror(errno));
    }
    watch->interest = interest;
}

GIOCondition tm_fd_watch_interest(const TmFdWatch *watch)
{
    return watch->interest;
}

void tm_fd_watch_free(TmFdWatch *watch)
{
    if (watch == NULL) {
        return;
    }
    TmFdDispatcher *dispatcher = watch->dispatcher;

    if (epoll_ctl(dispatcher->epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL) < 0) {
        g_error("epoll_ctl(DEL) of descriptor %d: %s", watch->fd, g_strerror(errno));
    }
    dispatcher->watch_count--;
    /* Its events may still be in this pass's list. */
    if (dispatcher->dispatching) {
        watch->retired = true;
        g_ptr_array_add(dispatcher->retired, watch);
        return;
    }
    g_free(watch);
}

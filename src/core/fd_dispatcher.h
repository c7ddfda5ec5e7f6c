/*
 * Readiness dispatch for many descriptors on one GLib source
 * (docs/event-loop.md).  The dispatcher owns an epoll descriptor, which is
 * the only descriptor GLib polls for it; each main-loop pass that finds it
 * readable asks epoll which of the watched descriptors are ready and calls
 * their handlers, so the cost of a pass depends on the descriptors that
 * are ready, not on how many are watched.
 *
 * Fairness: a pass calls each ready descriptor's handler at most once and
 * takes at most TM_FD_DISPATCH_BATCH of them; descriptors still ready are
 * reported again after those that waited (level-triggered epoll queues a
 * descriptor it reported behind the others), so a busy descriptor gets one
 * turn per pass, like every other.  A handler bounds its own work per turn.
 *
 * A handler may free any watch, its own included, and close its
 * descriptor: a watch freed during a pass is not called again, even when
 * its descriptor number is reused by a new watch in the same pass.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

/*
 * Ready descriptors handled per pass; the rest wait for the next pass, so
 * that timers and idle callbacks run between batches when every socket
 * is busy.
 */
#define TM_FD_DISPATCH_BATCH 128

typedef struct TmFdDispatcher TmFdDispatcher;
typedef struct TmFdWatch TmFdWatch;

/*
 * @ready: what the descriptor is ready for, among the watch's interest
 * (G_IO_IN, G_IO_OUT), plus G_IO_HUP and G_IO_ERR, which are reported
 * whenever the interest is not empty.
 */
typedef void (*TmFdReadyFunc)(GIOCondition ready, void *opaque);

/* A dispatcher attached to @context (NULL: the default main context). */
TmFdDispatcher *tm_fd_dispatcher_new(GMainContext *context, GError **err);

/* Detach and free; every watch must have been freed. */
void tm_fd_dispatcher_free(TmFdDispatcher *dispatcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmFdDispatcher, tm_fd_dispatcher_free)

/* Descriptors being watched. */
guint tm_fd_dispatcher_watch_count(const TmFdDispatcher *dispatcher);

/*
 * Call @ready when @fd (borrowed; it stays open while watched) is ready
 * for what @interest asks.  Fails (ENOMEM, or the system's limit on
 * watched descriptors) with a message naming @fd.
 */
TmFdWatch *tm_fd_watch_new(TmFdDispatcher *dispatcher, int fd, GIOCondition interest,
                           TmFdReadyFunc ready, void *opaque, GError **err);

/*
 * Change what the watch waits for.  An empty interest pauses it: it is not
 * called, not even on hang-up or error, until it waits for something again.
 */
void tm_fd_watch_set_interest(TmFdWatch *watch, GIOCondition interest);

GIOCondition tm_fd_watch_interest(const TmFdWatch *watch);

/* Stop watching; call before closing the descriptor.  Safe inside any handler. */
void tm_fd_watch_free(TmFdWatch *watch);

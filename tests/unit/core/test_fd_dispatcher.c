/*
 * The descriptor dispatcher on the default main context with socket pairs:
 * readiness, interest changes (a paused descriptor that hangs up does not
 * wake the loop), watches freed and descriptor numbers reused inside a
 * pass, and fair turns when one descriptor floods and more descriptors are
 * ready than one pass takes.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fd_dispatcher.h"

/* One end of a socket pair under watch; the test writes to the other end. */
typedef struct {
    int fd;
    int peer;
    TmFdWatch *watch;
    guint calls;
    GIOCondition last_ready;
    guint last_pass;           /* the pass of the last call */
} Endpoint;

static guint current_pass;

static void endpoint_open(Endpoint *endpoint)
{
    int fds[2];

    memset(endpoint, 0, sizeof(*endpoint));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds),
                    ==, 0);
    endpoint->fd = fds[0];
    endpoint->peer = fds[1];
}

static void endpoint_close(Endpoint *endpoint)
{
    g_clear_pointer(&endpoint->watch, tm_fd_watch_free);
    if (endpoint->fd >= 0) {
        close(endpoint->fd);
    }
    if (endpoint->peer >= 0) {
        close(endpoint->peer);
    }
    endpoint->fd = endpoint->peer = -1;
}

static void put_bytes(int fd, size_t n)
{
    g_autofree char *bytes = g_malloc0(n);

    g_assert_cmpint(write(fd, bytes, n), ==, (ssize_t)n);
}

/* Bounded work per turn: one byte. */
static void read_one_byte(Endpoint *endpoint)
{
    char byte;

    g_assert_cmpint(read(endpoint->fd, &byte, 1), ==, 1);
}

static void record(Endpoint *endpoint, GIOCondition ready)
{
    /* At most one turn per pass. */
    g_assert_true(endpoint->calls == 0 || endpoint->last_pass != current_pass);
    endpoint->calls++;
    endpoint->last_ready = ready;
    endpoint->last_pass = current_pass;
}

static void on_ready_record(GIOCondition ready, void *opaque)
{
    record(opaque, ready);
}

static void on_ready_read(GIOCondition ready, void *opaque)
{
    record(opaque, ready);
    read_one_byte(opaque);
}

static TmFdDispatcher *new_dispatcher(void)
{
    g_autoptr(GError) err = NULL;
    TmFdDispatcher *dispatcher = tm_fd_dispatcher_new(NULL, &err);

    g_assert_no_error(err);
    return dispatcher;
}

static void watch(TmFdDispatcher *dispatcher, Endpoint *endpoint, GIOCondition interest,
                  TmFdReadyFunc ready)
{
    g_autoptr(GError) err = NULL;

    endpoint->watch = tm_fd_watch_new(dispatcher, endpoint->fd, interest, ready, endpoint, &err);
    g_assert_no_error(err);
    g_assert_nonnull(endpoint->watch);
}

/* One main-loop iteration that does not block; returns whether it dispatched anything. */
static gboolean pass(void)
{
    current_pass++;
    return g_main_context_iteration(NULL, FALSE);
}

static void test_readiness(void)
{
    g_autoptr(TmFdDispatcher) dispatcher = new_dispatcher();
    Endpoint endpoint;

    endpoint_open(&endpoint);
    watch(dispatcher, &endpoint, G_IO_IN, on_ready_read);
    g_assert_cmpuint(tm_fd_dispatcher_watch_count(dispatcher), ==, 1);
    g_assert_false(pass());
    g_assert_cmpuint(endpoint.calls, ==, 0);

    put_bytes(endpoint.peer, 2);
    g_assert_true(pass());
    g_assert_cmpuint(endpoint.calls, ==, 1);
    g_assert_cmpuint(endpoint.last_ready, ==, G_IO_IN);
    /* Level-triggered: the byte left is reported again. */
    pass();
    g_assert_cmpuint(endpoint.calls, ==, 2);
    g_assert_false(pass());
    g_assert_cmpuint(endpoint.calls, ==, 2);

    endpoint_close(&endpoint);
    g_assert_cmpuint(tm_fd_dispatcher_watch_count(dispatcher), ==, 0);
}

static void test_interest_changes(void)
{
    g_autoptr(TmFdDispatcher) dispatcher = new_dispatcher();
    Endpoint endpoint;

    endpoint_open(&endpoint);
    watch(dispatcher, &endpoint, 0, on_ready_record);
    put_bytes(endpoint.peer, 1);
    pass();
    g_assert_cmpuint(endpoint.calls, ==, 0);

    tm_fd_watch_set_interest(endpoint.watch, G_IO_IN);
    g_assert_cmpuint(tm_fd_watch_interest(endpoint.watch), ==, G_IO_IN);
    pass();
    g_assert_cmpuint(endpoint.calls, ==, 1);
    g_assert_cmpuint(endpoint.last_ready, ==, G_IO_IN);

    /* Writable, and the unread byte is no longer asked about. */
    tm_fd_watch_set_interest(endpoint.watch, G_IO_OUT);
    pass();
    g_assert_cmpuint(endpoint.calls, ==, 2);
    g_assert_cmpuint(endpoint.last_ready, ==, G_IO_OUT);

    /* Paused, the peer gone: no call, and the loop goes idle rather than spin. */
    tm_fd_watch_set_interest(endpoint.watch, 0);
    close(endpoint.peer);
    endpoint.peer = -1;
    pass();
    g_assert_false(pass());
    g_assert_cmpuint(endpoint.calls, ==, 2);

    /* Waiting again: the hang-up comes with the byte still unread. */
    tm_fd_watch_set_interest(endpoint.watch, G_IO_IN);
    pass();
    g_assert_cmpuint(endpoint.calls, ==, 3);
    g_assert_cmpuint(endpoint.last_ready, ==, G_IO_IN | G_IO_HUP);
    endpoint_close(&endpoint);
}

/*
 * The first handler to run frees every other watch and closes their
 * descriptors, then watches new socket pairs (which get the freed
 * numbers) that are ready at once, and frees itself.
 */
#define REMOVAL_ENDPOINTS 4

static Endpoint removal_endpoints[REMOVAL_ENDPOINTS];
static Endpoint replacements[REMOVAL_ENDPOINTS];
static TmFdDispatcher *removal_dispatcher;

static void on_ready_remove_others(GIOCondition ready, void *opaque)
{
    Endpoint *self = opaque;

    record(self, ready);
    for (int i = 0; i < REMOVAL_ENDPOINTS; i++) {
        if (&removal_endpoints[i] != self) {
            endpoint_close(&removal_endpoints[i]);
        }
    }
    for (int i = 0; i < REMOVAL_ENDPOINTS; i++) {
        endpoint_open(&replacements[i]);
        put_bytes(replacements[i].peer, 1);
        watch(removal_dispatcher, &replacements[i], G_IO_IN, on_ready_read);
    }
    g_clear_pointer(&self->watch, tm_fd_watch_free);
}

static void test_removal_during_dispatch(void)
{
    g_autoptr(TmFdDispatcher) dispatcher = new_dispatcher();
    guint called = 0;
    GHashTable *old_numbers = g_hash_table_new(NULL, NULL);
    gboolean reused = FALSE;

    removal_dispatcher = dispatcher;
    for (int i = 0; i < REMOVAL_ENDPOINTS; i++) {
        endpoint_open(&removal_endpoints[i]);
        g_hash_table_add(old_numbers, GINT_TO_POINTER(removal_endpoints[i].fd));
        put_bytes(removal_endpoints[i].peer, 1);
        watch(dispatcher, &removal_endpoints[i], G_IO_IN, on_ready_remove_others);
    }
    g_assert_true(pass());
    for (int i = 0; i < REMOVAL_ENDPOINTS; i++) {
        called += removal_endpoints[i].calls;
        /* Not in the pass that watched them, though their numbers were ready in it. */
        g_assert_cmpuint(replacements[i].calls, ==, 0);
        reused |= g_hash_table_contains(old_numbers, GINT_TO_POINTER(replacements[i].fd));
    }
    g_assert_cmpuint(called, ==, 1);
    g_assert_true(reused);
    g_assert_cmpuint(tm_fd_dispatcher_watch_count(dispatcher), ==, REMOVAL_ENDPOINTS);

    pass();
    for (int i = 0; i < REMOVAL_ENDPOINTS; i++) {
        g_assert_cmpuint(replacements[i].calls, ==, 1);
        endpoint_close(&replacements[i]);
        endpoint_close(&removal_endpoints[i]);
    }
    g_hash_table_unref(old_numbers);
}

/*
 * More descriptors ready than one pass takes, one of them flooding: each
 * quiet one gets its turn within the passes needed to reach them all, and
 * the flooder gets no more than one turn per pass.
 */
static void test_fair_turns(void)
{
    enum { QUIET = 2 * TM_FD_DISPATCH_BATCH + TM_FD_DISPATCH_BATCH / 2 };
    g_autoptr(TmFdDispatcher) dispatcher = new_dispatcher();
    g_autofree Endpoint *quiet = g_new0(Endpoint, QUIET);
    Endpoint flooder;
    guint passes_needed = (QUIET + 1 + TM_FD_DISPATCH_BATCH - 1) / TM_FD_DISPATCH_BATCH;
    guint first_pass = current_pass + 1;

    endpoint_open(&flooder);
    put_bytes(flooder.peer, 64 * 1024);
    watch(dispatcher, &flooder, G_IO_IN, on_ready_read);
    for (guint i = 0; i < QUIET; i++) {
        endpoint_open(&quiet[i]);
        put_bytes(quiet[i].peer, 1);
        watch(dispatcher, &quiet[i], G_IO_IN, on_ready_read);
    }
    for (guint p = 0; p < passes_needed; p++) {
        pass();
    }
    for (guint i = 0; i < QUIET; i++) {
        g_assert_cmpuint(quiet[i].calls, ==, 1);
        g_assert_cmpuint(quiet[i].last_pass, <, first_pass + passes_needed);
    }
    g_assert_cmpuint(flooder.calls, >=, 1);
    g_assert_cmpuint(flooder.calls, <=, passes_needed);

    /* The quiet ones are done; the flooder is served alone, once a pass. */
    guint before = flooder.calls;
    for (int p = 0; p < 10; p++) {
        pass();
    }
    g_assert_cmpuint(flooder.calls, ==, before + 10);
    for (guint i = 0; i < QUIET; i++) {
        g_assert_cmpuint(quiet[i].calls, ==, 1);
        endpoint_close(&quiet[i]);
    }
    endpoint_close(&flooder);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/fd-dispatcher/readiness", test_readiness);
    g_test_add_func("/core/fd-dispatcher/interest-changes", test_interest_changes);
    g_test_add_func("/core/fd-dispatcher/removal-during-dispatch",
                    test_removal_during_dispatch);
    g_test_add_func("/core/fd-dispatcher/fair-turns", test_fair_turns);
    return g_test_run();
}

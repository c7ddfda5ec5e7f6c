#include "core/unix_listener.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"

/* After running out of file descriptors, accept again this much later. */
#define ACCEPT_RETRY_MS 100
#define LISTEN_BACKLOG 64
#define ACCEPTS_PER_TURN 16

struct TmUnixListener {
    TmUnixListenerConfig config;
    TmUnixAcceptFunc accepted;
    void *opaque;
    int fd;
    char *path;
    bool inherited;            /* the socket file is not ours to remove */
    TmFdWatch *watch;          /* no interest while accepting is paused */
    guint retry_timer;
};

/* ---- Accepting ---- */

static gboolean resume_accept(gpointer data)
{
    TmUnixListener *listener = data;

    listener->retry_timer = 0;
    tm_fd_watch_set_interest(listener->watch, G_IO_IN);
    return G_SOURCE_REMOVE;
}

/* Out of descriptors: the socket stays readable, so stop watching it for a while. */
static void pause_accept(TmUnixListener *listener)
{
    g_warning("%s socket %s: cannot accept: %s; retrying", listener->config.label,
              listener->path, g_strerror(errno));
    tm_fd_watch_set_interest(listener->watch, 0);
    listener->retry_timer = g_timeout_add(ACCEPT_RETRY_MS, resume_accept, listener);
}

/*
 * Fairness: a few connections per turn; the socket stays ready for the
 * next pass when more wait.
 */
static void on_accept(GIOCondition ready, void *opaque)
{
    TmUnixListener *listener = opaque;

    for (int taken = 0; taken < ACCEPTS_PER_TURN;) {
        int connection_fd = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (connection_fd >= 0) {
            taken++;
            listener->accepted(connection_fd, listener->opaque);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            pause_accept(listener);
        }
        /* EAGAIN: every waiting connection taken. */
        return;
    }
}

/* ---- Binding ---- */

static bool fill_address(struct sockaddr_un *addr, const char *path,
                         const TmUnixListenerConfig *config, GError **err)
{
    *addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr->sun_path)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%s socket path '%s' is longer than %zu bytes", config->label, path,
                    sizeof(addr->sun_path) - 1);
        return false;
    }
    strcpy(addr->sun_path, path);
    return true;
}

/* True when a process accepts connections on @addr: never steal its socket. */
static bool socket_is_served(const struct sockaddr_un *addr, int type)
{
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    bool served;

    if (fd < 0) {
        return false;
    }
    served = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
    close(fd);
    return served;
}

/* Replace a stale socket file, but never anything else (nor a live socket, if asked). */
static bool remove_stale_socket(const struct sockaddr_un *addr,
                                const TmUnixListenerConfig *config, GError **err)
{
    const char *path = addr->sun_path;
    struct stat st;

    if (lstat(path, &st) < 0) {
        return true;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%s socket path '%s' exists and is not a socket", config->label, path);
        return false;
    }
    if (config->refuse_live && socket_is_served(addr, config->type)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%s socket '%s' is in use by another process (another tagmemd?)",
                    config->label, path);
        return false;
    }
    if (unlink(path) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot remove old %s socket '%s': %s",
                    config->label, path, g_strerror(errno));
        return false;
    }
    return true;
}

/*
 * The file gets config->mode whatever the umask, before anyone can
 * connect: bind() creates it with the socket's mode less the umask (so set
 * that first, and a usual umask changes nothing), chmod() restores what a
 * stricter umask took away, and only then does listen() let clients in.
 */
static int bind_socket(const char *path, const TmUnixListenerConfig *config, GError **err)
{
    struct sockaddr_un addr;

    if (!fill_address(&addr, path, config, err) || !remove_stale_socket(&addr, config, err)) {
        return -1;
    }
    int fd = socket(AF_UNIX, config->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || fchmod(fd, config->mode) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot bind %s socket '%s': %s",
                    config->label, path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    if (chmod(path, config->mode) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot listen on %s socket '%s': %s",
                    config->label, path, g_strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static const char *type_name(int type)
{
    return type == SOCK_STREAM ? "SOCK_STREAM" : type == SOCK_SEQPACKET ? "SOCK_SEQPACKET"
                                                                      : "another type";
}

/* An inherited listening socket of the right type, made non-blocking like our own. */
static bool adopt_socket(int fd, const char *path, const TmUnixListenerConfig *config,
                         GError **err)
{
    int type = 0;
    socklen_t size = sizeof(type);

    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) < 0 || type != config->type) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "inherited socket '%s' is %s, the %s socket must be %s", path,
                    type_name(type), config->label, type_name(config->type));
        return false;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "inherited socket '%s': %s", path,
                    g_strerror(errno));
        return false;
    }
    return true;
}

/* The inherited socket for @path if there is one, else a new one: -1 on error. */
static int listening_socket(const char *path, const TmUnixListenerConfig *config,
                            bool *inherited, GError **err)
{
    int fd = config->inherited ? tm_inherited_sockets_take(config->inherited, path) : -1;

    *inherited = fd >= 0;
    if (!*inherited) {
        return bind_socket(path, config, err);
    }
    if (!adopt_socket(fd, path, config, err)) {
        close(fd);
        return -1;
    }
    return fd;
}

TmUnixListener *tm_unix_listener_new(TmFdDispatcher *dispatcher, const char *path,
                                     const TmUnixListenerConfig *config,
                                     TmUnixAcceptFunc accepted, void *opaque, GError **err)
{
    bool inherited;
    int fd = listening_socket(path, config, &inherited, err);

    if (fd < 0) {
        return NULL;
    }
    TmUnixListener *listener = g_new0(TmUnixListener, 1);
    listener->watch = tm_fd_watch_new(dispatcher, fd, G_IO_IN, on_accept, listener, err);
    if (listener->watch == NULL) {
        g_prefix_error(err, "%s socket '%s': ", config->label, path);
        close(fd);
        if (!inherited) {
            unlink(path);
        }
        g_free(listener);
        return NULL;
    }
    listener->config = *config;
    listener->accepted = accepted;
    listener->opaque = opaque;
    listener->fd = fd;
    listener->path = g_strdup(path);
    listener->inherited = inherited;
    return listener;
}

void tm_unix_listener_free(TmUnixListener *listener)
{
    if (listener == NULL) {
        return;
    }
    g_clear_handle_id(&listener->retry_timer, g_source_remove);
    tm_fd_watch_free(listener->watch);
    close(listener->fd);
    /* A socket unit's file stays: clients connect to it while the daemon restarts. */
    if (!listener->inherited) {
        unlink(listener->path);
    }
    g_free(listener->path);
    g_free(listener);
}

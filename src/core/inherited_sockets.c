#include "core/inherited_sockets.h"

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"

typedef struct {
    int fd;
    char *path;   /* canonical */
} Inherited;

struct TmInheritedSockets {
    GArray *sockets;  /* Inherited */
};

static void inherited_clear(Inherited *inherited)
{
    if (inherited->fd >= 0) {
        close(inherited->fd);
    }
    g_free(inherited->path);
}

TmInheritedSockets *tm_inherited_sockets_new(void)
{
    TmInheritedSockets *sockets = g_new0(TmInheritedSockets, 1);

    sockets->sockets = g_array_new(FALSE, FALSE, sizeof(Inherited));
    g_array_set_clear_func(sockets->sockets, (GDestroyNotify)inherited_clear);
    return sockets;
}

/* The path @fd is bound to, if it is a listening UNIX socket bound to one. */
static char *listening_path(int fd, const char *what, GError **err)
{
    struct sockaddr_un addr = { 0 };
    socklen_t length = sizeof(addr);
    int listening = 0;
    socklen_t size = sizeof(listening);

    if (getsockname(fd, (struct sockaddr *)&addr, &length) < 0 || addr.sun_family != AF_UNIX) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "inherited %s is not a UNIX socket", what);
        return NULL;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) < 0 || !listening) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "inherited %s is not listening", what);
        return NULL;
    }
    /* Abstract (leading NUL) and unnamed sockets have no path a client could use. */
    if (length <= offsetof(struct sockaddr_un, sun_path) || addr.sun_path[0] == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "inherited %s is not bound to a path in the file system", what);
        return NULL;
    }
    return g_canonicalize_filename(addr.sun_path, NULL);
}

bool tm_inherited_sockets_add(TmInheritedSockets *sockets, int fd, const char *name,
                              GError **err)
{
    g_autofree char *what = name ? g_strdup_printf("socket %d ('%s')", fd, name)
                                 : g_strdup_printf("socket %d", fd);
    Inherited inherited = { .fd = fd, .path = listening_path(fd, what, err) };

    if (inherited.path == NULL) {
        close(fd);
        return false;
    }
    g_array_append_val(sockets->sockets, inherited);
    return true;
}

int tm_inherited_sockets_take(TmInheritedSockets *sockets, const char *path)
{
    g_autofree char *wanted = g_canonicalize_filename(path, NULL);

    for (guint i = 0; i < sockets->sockets->len; i++) {
        Inherited *inherited = &g_array_index(sockets->sockets, Inherited, i);

        if (inherited->fd >= 0 && g_strcmp0(inherited->path, wanted) == 0) {
            int fd = inherited->fd;
            inherited->fd = -1;
            return fd;
        }
    }
    return -1;
}

void tm_inherited_sockets_close_unused(TmInheritedSockets *sockets)
{
    for (guint i = 0; i < sockets->sockets->len; i++) {
        Inherited *inherited = &g_array_index(sockets->sockets, Inherited, i);

        if (inherited->fd >= 0) {
            g_warning("inherited socket '%s' matches no QMP or CCI socket; closing it",
                      inherited->path);
            close(inherited->fd);
            inherited->fd = -1;
        }
    }
}

guint tm_inherited_sockets_count(const TmInheritedSockets *sockets)
{
    return sockets->sockets->len;
}

void tm_inherited_sockets_free(TmInheritedSockets *sockets)
{
    if (sockets == NULL) {
        return;
    }
    g_array_unref(sockets->sockets);
    g_free(sockets);
}

#include "daemon/pidfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "core/error.h"

struct TmPidfile {
    char *path;
    int fd;     /* open and locked (flock) for the daemon's lifetime */
};

static bool fail(GError **err, const char *path, const char *why)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "--pidfile %s: %s", path, why);
    return false;
}

/* The pid a live holder wrote, for the message, or 0. */
static long pid_in_file(int fd)
{
    char text[32] = { 0 };
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

    return n > 0 ? strtol(text, NULL, 10) : 0;
}

static bool check_and_lock(int fd, const char *path, GError **err)
{
    struct stat st;

    if (fstat(fd, &st) != 0) {
        return fail(err, path, g_strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail(err, path, "is not a regular file");
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            return fail(err, path, g_strerror(errno));
        }
        g_autofree char *why = g_strdup_printf("is held by a running tagmemd (pid %ld)",
                                               pid_in_file(fd));
        return fail(err, path, why);
    }
    return true;
}

static bool write_pid(int fd, const char *path, GError **err)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    size_t length = strlen(text);

    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, length, 0) != (ssize_t)length) {
        g_autofree char *why = g_strdup_printf("cannot write: %s", g_strerror(errno));
        return fail(err, path, why);
    }
    return true;
}

TmPidfile *tm_pidfile_acquire(const char *path, GError **err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);

    if (fd < 0) {
        fail(err, path, errno == ELOOP ? "is a symbolic link" : g_strerror(errno));
        return NULL;
    }
    if (!check_and_lock(fd, path, err)) {
        close(fd);
        return NULL;
    }
    if (!write_pid(fd, path, err)) {
        g_unlink(path);
        close(fd);
        return NULL;
    }
    TmPidfile *pidfile = g_new0(TmPidfile, 1);
    pidfile->path = g_strdup(path);
    pidfile->fd = fd;
    return pidfile;
}

void tm_pidfile_release(TmPidfile *pidfile)
{
    if (pidfile == NULL) {
        return;
    }
    /* Still locked: no other daemon can have taken the path meanwhile. */
    if (g_unlink(pidfile->path) != 0) {
        g_warning("cannot remove pidfile '%s': %s", pidfile->path, g_strerror(errno));
    }
    close(pidfile->fd);
    g_free(pidfile->path);
    g_free(pidfile);
}

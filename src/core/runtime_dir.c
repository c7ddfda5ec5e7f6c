#include "core/runtime_dir.h"
#include "core/runtime_dir_rule.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

char *tm_runtime_dir_default(void)
{
    return tm_runtime_dir_rule();
}

char *tm_runtime_dir_qmp_socket(void)
{
    g_autofree char *dir = tm_runtime_dir_default();

    return g_build_filename(dir, TM_QMP_SOCKET_NAME, NULL);
}

static bool check_private(const char *dir, const struct stat *st, GError **err)
{
    if (!S_ISDIR(st->st_mode)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Runtime directory '%s' exists but is not a directory", dir);
        return false;
    }
    if (st->st_uid != geteuid()) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Runtime directory '%s' is owned by uid %u, not by uid %u", dir,
                    (unsigned)st->st_uid, (unsigned)geteuid());
        return false;
    }
    if ((st->st_mode & 077) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Runtime directory '%s' has mode %04o; it must be private (0700)", dir,
                    (unsigned)(st->st_mode & 07777));
        return false;
    }
    return true;
}

bool tm_runtime_dir_ensure(const char *dir, GError **err)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        int saved = errno;
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot create runtime directory '%s': %s",
                    dir, g_strerror(saved));
        return false;
    }
    /* lstat, so that a symlink planted at the path is refused, not followed. */
    if (lstat(dir, &st) != 0) {
        int saved = errno;
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Cannot inspect runtime directory '%s': %s",
                    dir, g_strerror(saved));
        return false;
    }
    return check_private(dir, &st, err);
}

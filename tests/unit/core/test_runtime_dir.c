/* The default runtime directory and QMP socket path, and its privacy checks. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "core/error.h"
#include "core/runtime_dir.h"

static void test_default_follows_xdg(void)
{
    g_autofree char *saved = g_strdup(g_getenv("XDG_RUNTIME_DIR"));
    g_autofree char *fallback = g_strdup_printf("/tmp/tagmem-%u", (unsigned)getuid());

    g_setenv("XDG_RUNTIME_DIR", "/run/user/4242", TRUE);
    g_autofree char *with_xdg = tm_runtime_dir_default();
    g_autofree char *socket = tm_runtime_dir_qmp_socket();
    g_assert_cmpstr(with_xdg, ==, "/run/user/4242/tagmem");
    g_assert_cmpstr(socket, ==, "/run/user/4242/tagmem/qmp.sock");

    /* Relative values are ignored, as the XDG spec asks. */
    g_setenv("XDG_RUNTIME_DIR", "relative/dir", TRUE);
    g_autofree char *relative = tm_runtime_dir_default();
    g_assert_cmpstr(relative, ==, fallback);

    g_setenv("XDG_RUNTIME_DIR", "", TRUE);
    g_autofree char *empty = tm_runtime_dir_default();
    g_assert_cmpstr(empty, ==, fallback);

    g_unsetenv("XDG_RUNTIME_DIR");
    g_autofree char *unset = tm_runtime_dir_default();
    g_autofree char *unset_socket = tm_runtime_dir_qmp_socket();
    g_assert_cmpstr(unset, ==, fallback);
    g_autofree char *expected_socket = g_strconcat(fallback, "/qmp.sock", NULL);
    g_assert_cmpstr(unset_socket, ==, expected_socket);

    if (saved) {
        g_setenv("XDG_RUNTIME_DIR", saved, TRUE);
    }
}

static void test_ensure(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *base = g_dir_make_tmp("tagmem-rtdir-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *dir = g_build_filename(base, "tagmem", NULL);
    struct stat st;

    /* Created private, and accepted again when it already exists. */
    g_assert_true(tm_runtime_dir_ensure(dir, &err));
    g_assert_no_error(err);
    g_assert_cmpint(lstat(dir, &st), ==, 0);
    g_assert_true(S_ISDIR(st.st_mode));
    g_assert_cmpuint(st.st_mode & 0777, ==, 0700);
    g_assert_true(tm_runtime_dir_ensure(dir, &err));
    g_assert_no_error(err);

    /* Open to others: refused, not silently fixed. */
    g_assert_cmpint(chmod(dir, 0755), ==, 0);
    g_assert_false(tm_runtime_dir_ensure(dir, &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "0755"));
    g_clear_error(&err);
    g_assert_cmpint(g_rmdir(dir), ==, 0);

    /* A file or a symlink where the directory should be. */
    g_assert_true(g_file_set_contents(dir, "x", 1, NULL));
    g_assert_false(tm_runtime_dir_ensure(dir, &err));
    g_assert_nonnull(strstr(err->message, "not a directory"));
    g_clear_error(&err);
    g_assert_cmpint(g_unlink(dir), ==, 0);
    g_assert_cmpint(symlink(base, dir), ==, 0);
    g_assert_false(tm_runtime_dir_ensure(dir, &err));
    g_assert_nonnull(strstr(err->message, "not a directory"));
    g_clear_error(&err);
    g_assert_cmpint(g_unlink(dir), ==, 0);

    /* A parent that does not exist. */
    g_autofree char *deep = g_build_filename(base, "missing", "tagmem", NULL);
    g_assert_false(tm_runtime_dir_ensure(deep, &err));
    g_assert_nonnull(strstr(err->message, "Cannot create"));
    g_clear_error(&err);

    g_assert_cmpint(g_rmdir(base), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/runtime-dir/default-follows-xdg", test_default_follows_xdg);
    g_test_add_func("/core/runtime-dir/ensure", test_ensure);
    return g_test_run();
}

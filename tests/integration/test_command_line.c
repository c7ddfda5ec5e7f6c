/*
 * tagmemd's command line: every bad option makes it exit 1 with a message
 * naming the option and leaves no file behind; -object creates backends
 * that QMP then shows; with no -qmp it serves the default socket.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "daemon_harness.h"

#define TAG "0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d"
#define MAX_ARGS 8

typedef struct {
    const char *name;
    const char *args[MAX_ARGS];  /* after the harness's -qmp and --pidfile */
    const char *fragments[3];    /* all must appear in stderr */
} BadCommandLine;

static const BadCommandLine bad_command_lines[] = {
    { "unknown long option", { "--bogus" }, { "Unknown option --bogus" } },
    { "unknown short option", { "-bogus" }, { "Unknown option" } },
    { "-object without value", { "-object" }, { "Missing argument for --object" } },
    { "stray argument", { "extra" }, { "Unexpected argument 'extra'" } },
    { "bad log level", { "--log-level", "loud" }, { "--log-level", "loud" } },
    { "empty pidfile", { "--pidfile=" }, { "--pidfile" } },
    { "bad size suffix", { "-object", "memory-backend-ram,id=m0,size=1Q" },
      { "-object memory-backend-ram,id=m0,size=1Q", "'size'", "unknown suffix" } },
    { "size 0", { "-object", "memory-backend-ram,id=m0,size=0" },
      { "-object memory-backend-ram,id=m0,size=0", "doesn't take value '0'" } },
    { "negative size", { "-object", "memory-backend-ram,id=m0,size=-1M" },
      { "'size'", "negative" } },
    { "size overflow 16E", { "-object", "memory-backend-ram,id=m0,size=16E" },
      { "'size'", "too large" } },
    { "size overflow 2^64", { "-object", "memory-backend-ram,id=m0,size=18446744073709551616" },
      { "'size'", "too large" } },
    { "bad tag", { "-object", "memory-backend-ram,id=m0,size=1M,tag=xyz" },
      { "'tag'", "xyz" } },
    { "null tag",
      { "-object", "memory-backend-ram,id=m0,size=1M,tag=00000000-0000-0000-0000-000000000000" },
      { "null" } },
    { "duplicate tag",
      { "-object", "memory-backend-ram,id=m0,size=1M,tag=" TAG,
        "-object", "memory-backend-memfd,id=m1,size=1M,tag=" TAG },
      { "-object memory-backend-memfd,id=m1", "m0" } },
    { "GUID as id", { "-object", "memory-backend-ram,id=abcdef01-2345-4789-8bcd-ef0123456789,size=1M" },
      { "GUID" } },
    { "id starting with a digit", { "-object", "memory-backend-ram,id=0mem,size=1M" },
      { "Parameter 'id' expects an identifier", "0mem" } },
    { "duplicate id",
      { "-object", "memory-backend-ram,id=m0,size=1M", "-object", "memory-backend-ram,id=m0,size=2M" },
      { "m0" } },
    { "missing id", { "-object", "memory-backend-ram,size=1M" }, { "Parameter 'id' is missing" } },
    { "PCI's no-device vendor ID",
      { "-object", "memory-backend-ram,id=m0,size=256M",
        "-device", "cxl-type3,id=d0,volatile-dc-memdev=m0,num-dc-regions=1,vendor-id=0xffff" },
      { "vendor-id doesn't take value 65535", "maximum: 65534" } },
    { "device ID over 16 bits",
      { "-object", "memory-backend-ram,id=m0,size=256M",
        "-device", "cxl-type3,id=d0,volatile-dc-memdev=m0,num-dc-regions=1,device-id=0x10000" },
      { "device-id doesn't take value 65536" } },
    { "unknown type", { "-object", "memory-backend-cheese,id=m0,size=1M" },
      { "Parameter 'qom-type' does not accept value 'memory-backend-cheese'" } },
    { "unknown property", { "-object", "memory-backend-ram,id=m0,size=1M,colour=red" },
      { "Property 'memory-backend-ram.colour' not found" } },
    { "wrong property type", { "-object", "memory-backend-ram,id=m0,size=1M,share=maybe" },
      { "'share'", "maybe" } },
    { "prealloc-threads 0", { "-object", "memory-backend-ram,id=m0,size=1M,prealloc-threads=0" },
      { "prealloc-threads" } },
    { "missing '='", { "-object", "memory-backend-ram,id=m0,size" },
      { "Expected '=' after parameter 'size'" } },
    { "qmp wait=on", { "-qmp", "unix:/tmp/tagmem-never.sock,server=on,wait=on" },
      { "-qmp unix:/tmp/tagmem-never.sock,server=on,wait=on", "wait=on" } },
    { "qmp server=off", { "-qmp", "unix:/tmp/tagmem-never.sock,server=off" },
      { "server=off" } },
    { "qmp without server", { "-qmp", "unix:/tmp/tagmem-never.sock" },
      { "'server' is missing" } },
    { "qmp tcp", { "-qmp", "tcp:127.0.0.1:4444,server=on,wait=off" }, { "unix:PATH" } },
    { "qmp unknown key", { "-qmp", "unix:/tmp/tagmem-never.sock,server=on,telnet=on" },
      { "telnet" } },
    { "qmp path too long",
      { "-qmp", "unix:/tmp/" "0123456789012345678901234567890123456789"
                "0123456789012345678901234567890123456789"
                "0123456789012345678901234567890123456789.sock,server=on,wait=off" },
      { "-qmp" } },
};

static guint count_entries(const char *dir)
{
    g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
    guint count = 0;

    g_assert_nonnull(handle);
    while (g_dir_read_name(handle)) {
        count++;
    }
    return count;
}

static void test_bad_command_lines(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(bad_command_lines); i++) {
        const BadCommandLine *row = &bad_command_lines[i];
        g_autofree char *dir = tm_test_make_dir();
        g_autofree char *qmp = g_strdup_printf("unix:%s/qmp.sock,server=on,wait=off", dir);
        g_autofree char *pidfile = g_build_filename(dir, "tagmemd.pid", NULL);
        const char *args[MAX_ARGS + 5] = { "-qmp", qmp, "--pidfile", pidfile };
        g_autofree char *stderr_text = NULL;

        g_test_message("row: %s", row->name);
        for (int a = 0; a < MAX_ARGS && row->args[a]; a++) {
            args[4 + a] = row->args[a];
        }
        int status = tm_test_run_tagmemd(args, dir, &stderr_text);
        g_assert_cmpint(status, ==, 1);
        for (int f = 0; f < 3 && row->fragments[f]; f++) {
            if (strstr(stderr_text, row->fragments[f]) == NULL) {
                g_error("row '%s': stderr lacks '%s':\n%s", row->name, row->fragments[f],
                        stderr_text);
            }
        }
        /* Nothing left behind: no socket, no pidfile. */
        g_assert_cmpuint(count_entries(dir), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
    }
}

static void test_pidfile_in_missing_directory(void)
{
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *qmp = g_strdup_printf("unix:%s/qmp.sock,server=on,wait=off", dir);
    g_autofree char *pidfile = g_build_filename(dir, "missing", "tagmemd.pid", NULL);
    const char *args[] = { "-qmp", qmp, "-pidfile", pidfile, NULL };
    g_autofree char *stderr_text = NULL;

    /* The socket was already listening when the pidfile failed: it must be
     * removed again. */
    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), ==, 1);
    g_assert_nonnull(strstr(stderr_text, "--pidfile"));
    g_assert_cmpuint(count_entries(dir), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/*
 * The pidfile is never a symbolic link's target, never a FIFO waited on,
 * and never a live daemon's pidfile truncated.
 */
static void test_pidfile_refusals(void)
{
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *qmp_path = g_build_filename(dir, "a.sock", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qmp_path);
    g_autofree char *qmp_b = g_strdup_printf("unix:%s/b.sock,server=on,wait=off", dir);
    g_autofree char *pidfile = g_build_filename(dir, "tagmemd.pid", NULL);
    g_autofree char *target = g_build_filename(dir, "target", NULL);
    g_autofree char *link = g_build_filename(dir, "link.pid", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo.pid", NULL);
    g_autofree char *text = NULL;

    g_assert_true(g_file_set_contents(target, "precious\n", -1, NULL));
    g_assert_cmpint(symlink(target, link), ==, 0);
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    const char *via_link[] = { "-nodefaults", "-qmp", qmp_b, "--pidfile", link, NULL };
    g_autofree char *link_err = NULL;
    g_assert_cmpint(tm_test_run_tagmemd(via_link, dir, &link_err), ==, 1);
    g_assert_nonnull(strstr(link_err, "is a symbolic link"));
    g_assert_true(g_file_get_contents(target, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "precious\n");

    const char *via_fifo[] = { "-nodefaults", "-qmp", qmp_b, "--pidfile", fifo, NULL };
    g_autofree char *fifo_err = NULL;
    g_assert_cmpint(tm_test_run_tagmemd(via_fifo, dir, &fifo_err), ==, 1);
    g_assert_nonnull(strstr(fifo_err, "is not a regular file"));

    /* A live daemon's pidfile: the second daemon names it and leaves it alone. */
    const char *first[] = { "-nodefaults", "-qmp", qmp, "--pidfile", pidfile, NULL };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(g_strdup(dir), first, NULL,
                                                             qmp_path);
    g_autofree char *before = NULL;
    g_assert_true(g_file_get_contents(pidfile, &before, NULL, NULL));
    const char *second[] = { "-nodefaults", "-qmp", qmp_b, "--pidfile", pidfile, NULL };
    g_autofree char *second_err = NULL;
    g_assert_cmpint(tm_test_run_tagmemd(second, dir, &second_err), ==, 1);
    g_autofree char *held = g_strdup_printf("is held by a running tagmemd (pid %ld)",
                                            strtol(before, NULL, 10));
    g_assert_nonnull(strstr(second_err, held));
    g_autofree char *after = NULL;
    g_assert_true(g_file_get_contents(pidfile, &after, NULL, NULL));
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
}

static void test_help_and_version(void)
{
    static const char *const help_spellings[][2] = { { "--help" }, { "-help" }, { "-h" } };
    g_autofree char *dir = tm_test_make_dir();

    for (gsize i = 0; i < G_N_ELEMENTS(help_spellings); i++) {
        g_autofree char *stderr_text = NULL;
        g_autofree char *stdout_text = NULL;
        int wait_status;
        const char *argv[] = { tm_test_tagmemd_path(), help_spellings[i][0], NULL };

        g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, 0, NULL, NULL, &stdout_text,
                                   &stderr_text, &wait_status, NULL));
        g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
        g_assert_nonnull(strstr(stdout_text, "--object"));
        g_assert_nonnull(strstr(stdout_text, "--qmp"));
        g_assert_nonnull(strstr(stdout_text, "--pidfile"));
        g_assert_nonnull(strstr(stdout_text, "--log-level"));
    }
    for (int i = 0; i < 2; i++) {
        g_autofree char *stdout_text = NULL;
        int wait_status;
        const char *argv[] = { tm_test_tagmemd_path(), i ? "-version" : "--version", NULL };

        g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, 0, NULL, NULL, &stdout_text, NULL,
                                   &wait_status, NULL));
        g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
        g_assert_true(g_str_has_prefix(stdout_text, "tagmemd "));
    }
    g_assert_cmpuint(count_entries(dir), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static json_object *qom_get(TmQmpConn *client, const char *id, const char *property)
{
    g_autofree char *args = g_strdup_printf("{\"path\": \"/objects/%s\", \"property\": \"%s\"}",
                                            id, property);
    return tm_test_execute(client, "qom-get", args);
}

static void assert_qom_string(TmQmpConn *client, const char *id, const char *property,
                              const char *expected)
{
    json_object *reply = qom_get(client, id, property);

    g_assert_cmpstr(json_object_get_string(tm_test_assert_return(reply)), ==, expected);
    json_object_put(reply);
}

static void assert_qom_uint(TmQmpConn *client, const char *id, const char *property,
                            uint64_t expected)
{
    json_object *reply = qom_get(client, id, property);

    g_assert_cmpuint(json_object_get_uint64(tm_test_assert_return(reply)), ==, expected);
    json_object_put(reply);
}

static void test_objects_on_command_line(void)
{
    /* One dash and two, '=' and space, ",," in a value, a repeated list key. */
    const char *args[] = {
        "-object", "memory-backend-ram,id=ram0,size=1M",
        "--object", "memory-backend-memfd,id=memfd0,size=2M,tag=0B5E6C1C-8D2F-4A3B-9C4D-5E6F7A8B9C0D",
        "-object=memory-backend-ram,id=ram1,size=0x100000,share=on,prealloc=on",
        "--object=memory-backend-ram,id=ram2,size=1.5M,policy=bind,host-nodes=0",
        "-log-level", "debug",
        NULL,
    };
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(args);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);

    json_object *reply = tm_test_execute(client, "query-memdev", NULL);
    json_object *memdevs = tm_test_assert_return(reply);
    g_assert_cmpuint(json_object_array_length(memdevs), ==, 4);
    /* In command-line order. */
    static const char *const ids[] = { "ram0", "memfd0", "ram1", "ram2" };
    static const uint64_t sizes[] = { 1 << 20, 2 << 20, 1 << 20, 3 << 19 };
    for (size_t i = 0; i < 4; i++) {
        json_object *memdev = json_object_array_get_idx(memdevs, i);
        g_assert_cmpstr(json_object_get_string(json_object_object_get(memdev, "id")), ==, ids[i]);
        g_assert_cmpuint(json_object_get_uint64(json_object_object_get(memdev, "size")), ==,
                         sizes[i]);
    }
    json_object_put(reply);

    assert_qom_string(client, "memfd0", "tag", TAG);
    assert_qom_string(client, "memfd0", "type", "memory-backend-memfd");
    assert_qom_string(client, "ram2", "policy", "bind");
    assert_qom_uint(client, "ram0", "size", 1 << 20);
    reply = qom_get(client, "ram1", "share");
    g_assert_true(json_object_get_boolean(tm_test_assert_return(reply)));
    json_object_put(reply);
    reply = qom_get(client, "ram1", "prealloc");
    g_assert_true(json_object_get_boolean(tm_test_assert_return(reply)));
    json_object_put(reply);

    /* A tag set on the command line is held like one set over QMP. */
    reply = tm_test_execute(client, "object-add",
                            "{\"qom-type\": \"memory-backend-ram\", \"id\": \"ram3\","
                            " \"size\": 1048576, \"tag\": \"" TAG "\"}");
    tm_test_assert_error(reply, "GenericError", "memfd0");
    json_object_put(reply);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void test_default_socket(void)
{
    char *dir = tm_test_make_dir();
    g_autofree char *runtime_dir = g_build_filename(dir, "tagmem", NULL);
    g_autofree char *socket_path = g_build_filename(runtime_dir, "qmp.sock", NULL);
    g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "XDG_RUNTIME_DIR", dir, TRUE);
    const char *args[] = { NULL };
    struct stat st;

    /* No option at all: the built-in default configuration. */
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start_in(dir, args, envp, socket_path);
    g_assert_cmpint(lstat(runtime_dir, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 0777, ==, 0700);
    g_autoptr(TmQmpConn) client = tm_test_daemon_connect(daemon);
    g_assert_cmpint(tm_test_backend_count(client), ==, 0);
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
    g_assert_false(g_file_test(socket_path, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/integration/command-line/bad", test_bad_command_lines);
    g_test_add_func("/integration/command-line/pidfile-in-missing-directory",
                    test_pidfile_in_missing_directory);
    g_test_add_func("/integration/command-line/pidfile-refusals", test_pidfile_refusals);
    g_test_add_func("/integration/command-line/help-and-version", test_help_and_version);
    g_test_add_func("/integration/command-line/objects", test_objects_on_command_line);
    g_test_add_func("/integration/command-line/default-socket", test_default_socket);
    return g_test_run();
}

/*
 * Integration-test harness: run the real tagmemd (its path comes from the
 * TAGMEMD environment variable, which meson sets) in a private temporary
 * directory, wait until its QMP socket accepts connections, talk QMP to it,
 * and stop it.  Failures abort the test with a message (g_assert).
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "cli/qmp_conn.h"

typedef struct {
    GPid pid;
    bool reaped;
    int wait_status;       /* valid once reaped */
    char *dir;             /* private temporary directory, removed by free */
    char *socket_path;     /* DIR/qmp.sock */
    char *pidfile;         /* DIR/tagmemd.pid */
} TmTestDaemon;

/* The tagmemd executable under test. */
const char *tm_test_tagmemd_path(void);

/*
 * Start tagmemd with "-qmp unix:DIR/qmp.sock,server=on,wait=off --pidfile
 * DIR/tagmemd.pid" followed by @extra_args (NULL-terminated, may be NULL),
 * and wait for the socket.  CCI sockets not named in @extra_args are in
 * DIR/tagmem/ (XDG_RUNTIME_DIR=DIR).
 */
TmTestDaemon *tm_test_daemon_start(const char *const *extra_args);

/*
 * Start tagmemd with exactly @args (after argv[0]) and @envp in @dir (from
 * tm_test_make_dir(); taken, removed by free), and wait until @socket_path
 * accepts connections.  @envp NULL: the test's environment with
 * XDG_RUNTIME_DIR=@dir, so that default sockets (the hosts' CCI sockets)
 * land in @dir.
 */
TmTestDaemon *tm_test_daemon_start_in(char *dir, const char *const *args, char **envp,
                                      const char *socket_path);

/* A fresh temporary directory for a test that builds its own command line. */
char *tm_test_make_dir(void);

/* Remove @path, a file or a directory with everything in it. */
void tm_test_remove_tree(const char *path);

/* Connect and negotiate capabilities. */
TmQmpConn *tm_test_daemon_connect(TmTestDaemon *daemon);

/* Connect without reading the greeting. */
TmQmpConn *tm_test_daemon_connect_raw(TmTestDaemon *daemon);

/* Wait up to @timeout_ms for the daemon to exit; returns whether it did. */
bool tm_test_daemon_wait_exit(TmTestDaemon *daemon, int timeout_ms);

/* Send @signo and wait for the exit; returns the exit code (-1: not exited). */
int tm_test_daemon_stop(TmTestDaemon *daemon, int signo);

/* Kill the daemon if it still runs and remove its directory. */
void tm_test_daemon_free(TmTestDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmTestDaemon, tm_test_daemon_free)

/*
 * Run tagmemd with @args (NULL-terminated, after argv[0]) to completion in
 * @cwd, with a private XDG_RUNTIME_DIR removed afterwards; returns its
 * exit code and its stderr in @stderr_text.
 */
int tm_test_run_tagmemd(const char *const *args, const char *cwd, char **stderr_text);

/* Execute @command with @arguments_json (a JSON object text, or NULL). */
json_object *tm_test_execute(TmQmpConn *client, const char *command,
                             const char *arguments_json);

/* Assert a successful reply and return its "return" value (borrowed). */
json_object *tm_test_assert_return(json_object *reply);

/* Assert an error reply of @klass whose desc contains @fragment. */
void tm_test_assert_error(json_object *reply, const char *klass, const char *fragment);

/* Read messages until the reply carrying "id": @id; returns it. */
json_object *tm_test_receive_reply_with_id(TmQmpConn *client, const char *id);

/*
 * A snapshot of every backend: query-memdev plus each backend's tag, as
 * one string, to check that a refused request changed nothing.
 */
char *tm_test_backend_snapshot(TmQmpConn *client);

/* Number of backends in query-memdev. */
int tm_test_backend_count(TmQmpConn *client);

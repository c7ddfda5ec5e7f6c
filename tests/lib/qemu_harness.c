#include "qemu_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define QEMU_START_TIMEOUT_MS 20000
#define QEMU_EXIT_TIMEOUT_MS 10000
#define POLL_INTERVAL_US 20000

const char *tm_test_qemu_binary(void)
{
    const char *from_env = g_getenv("QEMU");
    static char *found;

    if (from_env && *from_env) {
        return from_env;
    }
    if (found == NULL) {
        found = g_find_program_in_path("qemu-system-x86_64");
    }
    return found;
}

/* In the child: a test that aborts must not leave QEMU running. */
static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static bool qemu_reap(TmTestQemu *qemu, bool block)
{
    int status;
    pid_t pid;

    if (!qemu->reaped) {
        do {
            pid = waitpid(qemu->pid, &status, block ? 0 : WNOHANG);
        } while (pid < 0 && errno == EINTR);
        qemu->reaped = pid == qemu->pid;
    }
    return qemu->reaped;
}

static char *qemu_log(const TmTestQemu *qemu)
{
    char *text = NULL;

    if (!g_file_get_contents(qemu->log_path, &text, NULL, NULL)) {
        return g_strdup("(no log)");
    }
    return text;
}

void tm_test_qemu_free(TmTestQemu *qemu)
{
    if (qemu == NULL) {
        return;
    }
    /* pid 0: the spawn failed (and kill(0, ...) would hit our whole group). */
    if (qemu->pid > 0 && !qemu->reaped) {
        kill(qemu->pid, SIGKILL);
        qemu_reap(qemu, true);
    }
    if (qemu->pid > 0) {
        g_spawn_close_pid(qemu->pid);
    }
    g_free(qemu->socket_path);
    g_free(qemu->log_path);
    g_free(qemu);
}

TmTestQemu *tm_test_qemu_start(const char *binary, const char *dir, const char *memdev_line,
                               const char *device_line, char **why)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmTestQemu) qemu = g_new0(TmTestQemu, 1);
    qemu->socket_path = g_build_filename(dir, "qemu-qmp.sock", NULL);
    qemu->log_path = g_build_filename(dir, "qemu.log", NULL);
    g_autofree char *qmp = g_strdup_printf("unix:%s,server=on,wait=off", qemu->socket_path);
    const char *argv[] = {
        binary, "-machine", "q35,cxl=on", "-m", "1G,maxmem=4G,slots=4", "-S",
        "-display", "none", "-nodefaults",
        "-object", memdev_line,
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
        "-device", "cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2",
        "-device", device_line,
        "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
        "-qmp", qmp, NULL,
    };
    int log_fd = open(qemu->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(log_fd, >=, 0);
    g_spawn_async_with_fds(dir, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                           die_with_parent, NULL, &qemu->pid, -1, log_fd, log_fd, &err);
    close(log_fd);
    if (err) {
        *why = g_strdup(err->message);
        return NULL;
    }
    gint64 deadline = g_get_monotonic_time() + QEMU_START_TIMEOUT_MS * 1000LL;
    for (;;) {
        g_autoptr(TmQmpConn) probe = tm_qmp_conn_connect(qemu->socket_path, NULL);
        if (probe) {
            return g_steal_pointer(&qemu);
        }
        if (qemu_reap(qemu, false) || g_get_monotonic_time() > deadline) {
            *why = qemu_log(qemu);
            return NULL;
        }
        g_usleep(POLL_INTERVAL_US);
    }
}

TmQmpConn *tm_test_qemu_connect(TmTestQemu *qemu)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TmQmpConn) conn = tm_qmp_conn_connect(qemu->socket_path, &err);

    g_assert_no_error(err);
    g_assert_true(tm_qmp_conn_negotiate(conn, &err));
    g_assert_no_error(err);
    return g_steal_pointer(&conn);
}

void tm_test_qemu_quit(TmTestQemu *qemu, TmQmpConn *conn)
{
    json_object_put(tm_qmp_conn_execute(conn, "quit", NULL, NULL));
    gint64 deadline = g_get_monotonic_time() + QEMU_EXIT_TIMEOUT_MS * 1000LL;
    while (!qemu_reap(qemu, false) && g_get_monotonic_time() < deadline) {
        g_usleep(POLL_INTERVAL_US);
    }
}

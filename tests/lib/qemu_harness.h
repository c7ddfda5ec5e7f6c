/*
 * QEMU 10 as a reference (docs/qemu-compat.md), for the differential test
 * and the benchmarks: qemu-system-x86_64 headless with no guest, one
 * memdev and one cxl-type3 device behind pxb-cxl and a root port (the
 * device line names bus=rp0), QMP on a UNIX socket.  With no guest nobody
 * answers the mailbox, so only QMP can be compared.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "cli/qmp_conn.h"

typedef struct {
    GPid pid;
    bool reaped;
    char *socket_path;     /* DIR/qemu-qmp.sock */
    char *log_path;        /* DIR/qemu.log: QEMU's stdout and stderr */
} TmTestQemu;

/* $QEMU if set, else qemu-system-x86_64 from PATH; NULL when there is none. */
const char *tm_test_qemu_binary(void);

/*
 * Start @binary with @memdev_line (-object) and @device_line (-device), its
 * socket and log in @dir, and wait until QMP accepts connections.  NULL,
 * with QEMU's log or the spawn error in *@why, when it does not serve.
 * QEMU is killed if this process dies.
 */
TmTestQemu *tm_test_qemu_start(const char *binary, const char *dir, const char *memdev_line,
                               const char *device_line, char **why);

/* Connect and negotiate capabilities (asserts). */
TmQmpConn *tm_test_qemu_connect(TmTestQemu *qemu);

/* Send quit on @conn and wait a while for QEMU to exit. */
void tm_test_qemu_quit(TmTestQemu *qemu, TmQmpConn *conn);

/* Kill QEMU if it still runs; the directory is the caller's. */
void tm_test_qemu_free(TmTestQemu *qemu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmTestQemu, tm_test_qemu_free)

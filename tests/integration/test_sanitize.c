/*
 * Sanitize and Secure Erase (4400h/4401h) as the device's background
 * operation, against the real tagmemd over its host, FM and QMP sockets:
 * Background Command Started at once, Background Operation Status (0002h)
 * from every port until it ends, every backend byte zero afterwards,
 * refusals (capacity held, a second background command, adds while it
 * runs), a client that goes away and a daemon stopped in the middle.
 *
 * A test that needs the operation to stay running creates the hold file
 * (TAGMEM_TEST_BACKGROUND_HOLD, background_op.h): the work then waits
 * after its first step until the file is removed, so nothing depends on
 * how fast memory is zeroed.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cci_client.h"
#include "cli_run.h"
#include "dc_bulk.h"
#include "e2e_daemon.h"

#define TAG_A "5a9e0000-0000-4000-8000-0000000000aa"

#define OP_BACKGROUND_STATUS 0x0002
#define OP_SANITIZE 0x4400
#define OP_SECURE_ERASE 0x4401
#define OP_READ_DPA 0xC002
#define OP_WRITE_DPA 0xC003
#define OP_EVENT_NOTIFICATION 0xC000

#define RC_SUCCESS 0x00
#define RC_BACKGROUND_STARTED 0x01
#define RC_BUSY 0x06
#define RC_MEDIA_DISABLED 0x07

/* Bytes of one C002h/C003h: far below any socket's limit. */
#define ACCESS_CHUNK (64u * 1024)

/*
 * dcd0: one 256 MiB region over private memory dc0 (released memory keeps
 * its bytes unless sanitized), two hosts; TAG_A is 4 MiB of private
 * memory too.  Untagged capacity sits at DPA 0, TAG_A's at DPA 32 MiB.
 */
static const char *const sanitize_daemon[] = {
    "-object", "memory-backend-ram,id=dc0,size=256M,share=off",
    "-object", "memory-backend-ram,id=ta,size=4M,share=off,tag=" TAG_A,
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=2",
    NULL,
};

#define TAGGED_DPA (32 * MiB)

typedef struct {
    TmE2e e2e;
    char *hold_path;
    int host[2];   /* host 0 without notifications, host 1 with them */
    int fm;
} SanitizeTest;

static void sanitize_test_start(SanitizeTest *t)
{
    g_autofree char *dir = g_dir_make_tmp("tm-sanitize-XXXXXX", NULL);

    g_assert_nonnull(dir);
    t->hold_path = g_build_filename(dir, "hold", NULL);
    g_setenv("TAGMEM_TEST_BACKGROUND_HOLD", t->hold_path, TRUE);
    tm_e2e_start(&t->e2e, sanitize_daemon);
    for (unsigned h = 0; h < 2; h++) {
        g_autofree char *path = tm_e2e_host_socket(&t->e2e, h);
        t->host[h] = h == 0 ? tm_bulk_connect_host(path) : tm_test_cci_connect_host(path);
    }
    g_autofree char *fm = g_build_filename(t->e2e.daemon->dir, "tagmem", "fm.sock", NULL);
    t->fm = tm_test_cci_connect(fm);
}

/* Close the connections, stop the daemon (exit 0 asserted), then remove the hold file. */
static void sanitize_test_stop(SanitizeTest *t)
{
    for (unsigned h = 0; h < 2; h++) {
        if (t->host[h] >= 0) {
            close(t->host[h]);
        }
    }
    close(t->fm);
    tm_e2e_stop(&t->e2e);
    g_autofree char *dir = g_path_get_dirname(t->hold_path);
    g_unlink(t->hold_path);
    g_rmdir(dir);
    g_free(t->hold_path);
}

static void hold(SanitizeTest *t)
{
    g_assert_true(g_file_set_contents(t->hold_path, "", 0, NULL));
}

static void release_hold(SanitizeTest *t)
{
    g_assert_cmpint(g_unlink(t->hold_path), ==, 0);
}

static uint16_t call_rc(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response = { 0 };

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    return response.return_code;
}

typedef struct {
    bool running;
    uint8_t percent;
    uint16_t opcode;
    uint16_t return_code;
} BackgroundStatus;

/* 0002h on @fd: 8 bytes, decoded field by field. */
static BackgroundStatus background_status(int fd)
{
    g_auto(TmTestCciPacket) response = { 0 };

    tm_test_cci_call(fd, OP_BACKGROUND_STATUS, NULL, 0, &response, NULL);
    g_assert_cmphex(response.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(response.payload_size, ==, 8);
    g_assert_cmphex(response.payload[1], ==, 0);
    g_assert_cmphex(tm_test_le16(response.payload + 6), ==, 0);
    return (BackgroundStatus){
        .running = response.payload[0] & 1,
        .percent = response.payload[0] >> 1,
        .opcode = tm_test_le16(response.payload + 2),
        .return_code = tm_test_le16(response.payload + 4),
    };
}

/* Poll 0002h until the operation is no longer running (bounded, never timed). */
static BackgroundStatus wait_background_done(int fd)
{
    for (int attempt = 0; attempt < 10000; attempt++) {
        BackgroundStatus status = background_status(fd);
        if (!status.running) {
            return status;
        }
        g_usleep(2000);
    }
    g_assert_not_reached();
}

static void assert_done(int fd, uint16_t opcode)
{
    BackgroundStatus status = wait_background_done(fd);

    g_assert_cmpuint(status.percent, ==, 100);
    g_assert_cmphex(status.opcode, ==, opcode);
    g_assert_cmphex(status.return_code, ==, RC_SUCCESS);
}

/* The host accepts the one extent the FM (QMP) offers it. */
static void add_accepted(SanitizeTest *t, const char *tag, uint64_t dpa, const char *extents,
                         uint64_t length)
{
    tm_e2e_add(&t->e2e, 0, 0, tag, extents);
    g_assert_cmpuint(tm_bulk_drain_dc_log(t->host[0]), ==, 1);
    tm_bulk_accept(t->host[0], dpa, 0, length, 1);
}

static void write_dpa(int fd, uint64_t dpa, uint8_t byte, size_t length)
{
    g_autofree uint8_t *payload = g_malloc(16 + length);

    memset(payload, 0, 16);
    for (int i = 0; i < 8; i++) {
        payload[i] = (uint8_t)(dpa >> (8 * i));
    }
    for (int i = 0; i < 4; i++) {
        payload[8 + i] = (uint8_t)(length >> (8 * i));
    }
    memset(payload + 16, byte, length);
    g_assert_cmphex(call_rc(fd, OP_WRITE_DPA, payload, 16 + length), ==, RC_SUCCESS);
}

/* Every byte of [dpa, dpa + length) is @byte. */
static void assert_dpa_bytes(int fd, uint64_t dpa, uint64_t length, uint8_t byte)
{
    for (uint64_t at = dpa; at < dpa + length; at += ACCESS_CHUNK) {
        uint8_t request[16] = { 0 };
        g_auto(TmTestCciPacket) response = { 0 };

        for (int i = 0; i < 8; i++) {
            request[i] = (uint8_t)(at >> (8 * i));
        }
        request[8] = (uint8_t)ACCESS_CHUNK;
        request[9] = (uint8_t)(ACCESS_CHUNK >> 8);
        request[10] = (uint8_t)(ACCESS_CHUNK >> 16);
        tm_test_cci_call(fd, OP_READ_DPA, request, sizeof(request), &response, NULL);
        g_assert_cmphex(response.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(response.payload_size, ==, ACCESS_CHUNK);
        for (size_t i = 0; i < ACCESS_CHUNK; i++) {
            if (response.payload[i] != byte) {
                g_error("DPA 0x%" G_GINT64_MODIFIER "x is %02x, not %02x", at + i,
                        response.payload[i], byte);
            }
        }
    }
}

/* A pattern in untagged and tagged capacity, then both released (not sanitized). */
static void write_and_release(SanitizeTest *t)
{
    add_accepted(t, NULL, 0, "0:4M", 4 * MiB);
    add_accepted(t, TAG_A, TAGGED_DPA, "32M:4M", 4 * MiB);
    for (uint64_t at = 0; at < 4 * MiB; at += MiB) {
        write_dpa(t->host[0], at, 0xa5, ACCESS_CHUNK);
        write_dpa(t->host[0], TAGGED_DPA + at + MiB - ACCESS_CHUNK, 0x5a, ACCESS_CHUNK);
    }
    g_assert_cmphex(tm_bulk_release(t->host[0], 0, 4 * MiB), ==, RC_SUCCESS);
    g_assert_cmphex(tm_bulk_release(t->host[0], TAGGED_DPA, 4 * MiB), ==, RC_SUCCESS);
}

/* The next packet on @fd is the C000h notification with the background flag. */
static void assert_background_notification(int fd)
{
    g_auto(TmTestCciPacket) packet = { 0 };

    g_assert_true(tm_test_cci_receive(fd, 10000, &packet));
    g_assert_cmpuint(packet.category, ==, 0);
    g_assert_cmphex(packet.opcode, ==, OP_EVENT_NOTIFICATION);
    g_assert_cmpuint(packet.payload_size, ==, 8);
    g_assert_cmphex(packet.payload[0], ==, 0);     /* no log gained records */
    g_assert_cmphex(packet.payload[1], ==, 0x01);  /* background operation done */
}

/*
 * Idle status, then a sanitize: 01h at once, done with Success, and the
 * bytes written before (which a release alone keeps: checked first) read
 * as zero in untagged and tagged capacity; Secure Erase reports itself.
 */
/* How many poisoned ranges query-cxl-poison lists for dcd0. */
static size_t poisoned_ranges(SanitizeTest *t)
{
    json_object *reply = tm_test_execute(t->e2e.qmp, "query-cxl-poison",
                                         "{\"path\": \"/machine/peripheral/dcd0\"}");
    json_object *poison = NULL;

    g_assert_true(json_object_object_get_ex(tm_test_assert_return(reply), "poison", &poison));
    size_t n = json_object_array_length(poison);
    json_object_put(reply);
    return n;
}

static void test_sanitize_zeroes_everything(void)
{
    SanitizeTest t;

    sanitize_test_start(&t);
    BackgroundStatus idle = background_status(t.host[0]);
    g_assert_false(idle.running);
    g_assert_cmpuint(idle.percent, ==, 0);
    g_assert_cmphex(idle.opcode, ==, 0);
    g_assert_cmphex(idle.return_code, ==, 0);

    write_and_release(&t);
    /* Poison of free capacity: only a sanitize (or a sanitizing release) clears it. */
    tm_e2e_qmp_ok(&t.e2e, "cxl-inject-poison", "\"start\": %u, \"length\": 128", (unsigned)(8 * MiB));
    g_assert_cmpuint(poisoned_ranges(&t), ==, 1);
    /* Without sanitize, a release leaves the bytes for the next owner. */
    add_accepted(&t, NULL, 0, "0:4M", 4 * MiB);
    assert_dpa_bytes(t.host[0], 0, ACCESS_CHUNK, 0xa5);
    g_assert_cmphex(tm_bulk_release(t.host[0], 0, 4 * MiB), ==, RC_SUCCESS);

    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    assert_done(t.host[0], OP_SANITIZE);
    assert_background_notification(t.host[1]);
    g_assert_cmpuint(poisoned_ranges(&t), ==, 0);

    add_accepted(&t, NULL, 0, "0:4M", 4 * MiB);
    add_accepted(&t, TAG_A, TAGGED_DPA, "32M:4M", 4 * MiB);
    assert_dpa_bytes(t.host[0], 0, 4 * MiB, 0);
    assert_dpa_bytes(t.host[0], TAGGED_DPA, 4 * MiB, 0);

    /* Secure Erase does the same work and reports its own opcode. */
    write_dpa(t.host[0], 0, 0x11, ACCESS_CHUNK);
    g_assert_cmphex(tm_bulk_release(t.host[0], 0, 4 * MiB), ==, RC_SUCCESS);
    g_assert_cmphex(tm_bulk_release(t.host[0], TAGGED_DPA, 4 * MiB), ==, RC_SUCCESS);
    g_assert_cmphex(call_rc(t.host[0], OP_SECURE_ERASE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    assert_done(t.host[0], OP_SECURE_ERASE);
    add_accepted(&t, NULL, 0, "0:4M", 4 * MiB);
    assert_dpa_bytes(t.host[0], 0, 4 * MiB, 0);
    sanitize_test_stop(&t);
}

/* Capacity accepted or pending: Busy, nothing runs, the bytes stay. */
static void test_sanitize_refused_while_held(void)
{
    SanitizeTest t;

    sanitize_test_start(&t);
    add_accepted(&t, NULL, 0, "0:4M", 4 * MiB);
    write_dpa(t.host[0], 0, 0xa5, ACCESS_CHUNK);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BUSY);
    g_assert_cmphex(call_rc(t.host[1], OP_SECURE_ERASE, NULL, 0), ==, RC_BUSY);
    BackgroundStatus status = background_status(t.host[0]);
    g_assert_false(status.running);
    g_assert_cmphex(status.opcode, ==, 0);
    assert_dpa_bytes(t.host[0], 0, ACCESS_CHUNK, 0xa5);

    /* Pending only (offered to host 1, not answered) refuses it too. */
    g_assert_cmphex(tm_bulk_release(t.host[0], 0, 4 * MiB), ==, RC_SUCCESS);
    tm_e2e_add(&t.e2e, 1, 0, NULL, "8M:2M");
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BUSY);
    g_assert_cmphex(background_status(t.host[0]).opcode, ==, 0);
    sanitize_test_stop(&t);
}

/*
 * While it runs: every port sees it running and part done, a second
 * background command is Busy, adds are refused (QMP and nothing offered),
 * the backends cannot be deleted; then it ends with Success.
 */
static void test_while_running(void)
{
    SanitizeTest t;

    sanitize_test_start(&t);
    hold(&t);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    /* It holds after its first step: 16 MiB of 260 (the memdev's 256, the tag's 4). */
    BackgroundStatus status = background_status(t.fm);
    for (int attempt = 0; attempt < 10000 && status.percent == 0; attempt++) {
        g_usleep(2000);
        status = background_status(t.fm);
    }
    g_assert_cmpuint(status.percent, ==, 16 * 100 / 260);
    g_assert_true(status.running);
    g_assert_cmphex(status.opcode, ==, OP_SANITIZE);
    g_assert_cmphex(status.return_code, ==, 0);
    BackgroundStatus other = background_status(t.host[1]);
    g_assert_true(other.running);
    g_assert_cmpuint(other.percent, ==, status.percent);

    g_assert_cmphex(call_rc(t.host[1], OP_SECURE_ERASE, NULL, 0), ==, RC_BUSY);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BUSY);
    tm_e2e_qmp_error(&t.e2e, "is sanitizing its media", "cxl-add-dynamic-capacity",
                     "\"host-id\": 0, \"selection-policy\": \"prescriptive\", \"region\": 0, "
                     "\"extents\": [{\"offset\": 0, \"len\": 2097152}]");
    /* The FM's Initiate DC Add too: Media Disabled. */
    g_assert_cmphex(tm_bulk_fm_add_one(t.fm, 0, 0, 2 * MiB), ==, RC_MEDIA_DISABLED);
    g_autofree char *pending = tm_e2e_pending(&t.e2e, 0);
    g_assert_cmpstr(pending, ==, "");
    json_object *reply = tm_test_execute(t.e2e.qmp, "object-del", "{\"id\": \"ta\"}");
    tm_test_assert_error(reply, "GenericError", "sanitize of /machine/peripheral/dcd0");
    json_object_put(reply);

    json_object *device = tm_e2e_query(&t.e2e);
    json_object *background = json_object_object_get(device, "background-operation");
    g_assert_nonnull(background);
    g_assert_true(json_object_get_boolean(json_object_object_get(background, "running")));
    g_assert_cmpuint(json_object_get_uint64(json_object_object_get(background, "opcode")), ==,
                     OP_SANITIZE);
    json_object_put(device);
    /* tagmem list says so in the devices table. */
    g_auto(CliRun) list = run_cli(NULL, "-s", t.e2e.daemon->socket_path, "list", "-d", "dcd0",
                                  NULL);
    g_assert_cmpint(list.status, ==, 0);
    g_assert_nonnull(strstr(list.out, "BACKGROUND"));
    g_assert_nonnull(strstr(list.out, "sanitize 6%"));

    release_hold(&t);
    assert_done(t.fm, OP_SANITIZE);
    json_object *after = tm_e2e_query(&t.e2e);
    background = json_object_object_get(after, "background-operation");
    g_assert_false(json_object_get_boolean(json_object_object_get(background, "running")));
    g_assert_cmpstr(json_object_get_string(json_object_object_get(background, "result")), ==,
                    "Success");
    json_object_put(after);
    /* Adds work again. */
    add_accepted(&t, NULL, 0, "0:4M", 4 * MiB);
    sanitize_test_stop(&t);
}

/* The host that started it goes away: the operation goes on and ends; others see it. */
static void test_client_disconnects(void)
{
    SanitizeTest t;

    sanitize_test_start(&t);
    hold(&t);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    close(t.host[0]);
    t.host[0] = -1;
    g_assert_true(background_status(t.host[1]).running);
    release_hold(&t);
    /* Polled on the FM port: a poll on host 1 would read past its notification. */
    assert_done(t.fm, OP_SANITIZE);
    assert_background_notification(t.host[1]);
    sanitize_test_stop(&t);
}

/* SIGTERM in the middle: the daemon stops the work and exits 0 (ASan: no leak). */
static void test_sigterm_mid_sanitize(void)
{
    SanitizeTest t;

    sanitize_test_start(&t);
    hold(&t);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    g_assert_true(background_status(t.host[0]).running);
    /* The hold file stays until the daemon is gone: only the stop ends the wait. */
    sanitize_test_stop(&t);
}

/*
 * --state-dir over a shared file, which keeps its bytes across restarts
 * (docs/durable-state.md): @dir holds the file and the state.
 */
static void restart_test_start(SanitizeTest *t, const char *dir)
{
    g_autofree char *object = g_strdup_printf("memory-backend-file,id=dc0,size=256M,share=on,"
                                              "mem-path=%s/dc0", dir);
    g_autofree char *state = g_build_filename(dir, "state", NULL);
    const char *const args[] = {
        "-object", object,
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=1,num-hosts=2",
        "--state-dir", state, NULL,
    };

    t->hold_path = g_build_filename(dir, "hold", NULL);
    g_setenv("TAGMEM_TEST_BACKGROUND_HOLD", t->hold_path, TRUE);
    tm_e2e_start(&t->e2e, args);
    for (unsigned h = 0; h < 2; h++) {
        g_autofree char *path = tm_e2e_host_socket(&t->e2e, h);
        t->host[h] = h == 0 ? tm_bulk_connect_host(path) : tm_test_cci_connect_host(path);
    }
    g_autofree char *fm = g_build_filename(t->e2e.daemon->dir, "tagmem", "fm.sock", NULL);
    t->fm = tm_test_cci_connect(fm);
}

/* Stop with @signo (SIGKILL: a crash) and close everything but @dir. */
static void restart_test_stop(SanitizeTest *t, int signo)
{
    for (unsigned h = 0; h < 2; h++) {
        close(t->host[h]);
    }
    close(t->fm);
    g_clear_pointer(&t->e2e.qmp, tm_qmp_conn_free);
    int status = tm_test_daemon_stop(t->e2e.daemon, signo);
    if (signo == SIGTERM) {
        g_assert_cmpint(status, ==, 0);
    }
    g_clear_pointer(&t->e2e.daemon, tm_test_daemon_free);
    g_unlink(t->hold_path);
    g_free(t->hold_path);
}

/*
 * A crash in the middle of a sanitize: the restarted daemon starts it
 * again (0002h shows it), and once it ends bytes written before, past the
 * part zeroed before the crash, read as zero.
 */
static void test_restart_resumes_unfinished(void)
{
    g_autofree char *dir = g_dir_make_tmp("tm-sanitize-restart-XXXXXX", NULL);
    SanitizeTest t;

    restart_test_start(&t, dir);
    add_accepted(&t, NULL, 200 * MiB, "200M:4M", 4 * MiB);
    write_dpa(t.host[0], 200 * MiB, 0xa5, ACCESS_CHUNK);
    g_assert_cmphex(tm_bulk_release(t.host[0], 200 * MiB, 4 * MiB), ==, RC_SUCCESS);
    tm_e2e_qmp_ok(&t.e2e, "cxl-inject-poison", "\"start\": %u, \"length\": 64", (unsigned)(100 * MiB));
    hold(&t);
    g_assert_cmphex(call_rc(t.host[0], OP_SANITIZE, NULL, 0), ==, RC_BACKGROUND_STARTED);
    BackgroundStatus status = background_status(t.host[0]);
    for (int attempt = 0; attempt < 10000 && status.percent == 0; attempt++) {
        g_usleep(2000);
        status = background_status(t.host[0]);
    }
    g_assert_cmpuint(status.percent, ==, 16 * 100 / 256);
    restart_test_stop(&t, SIGKILL);

    restart_test_start(&t, dir);
    /* The replay poisons the line again, then the recorded start clears it. */
    g_assert_cmpuint(poisoned_ranges(&t), ==, 0);
    g_assert_cmphex(background_status(t.host[1]).opcode, ==, OP_SANITIZE);
    assert_done(t.host[0], OP_SANITIZE);
    add_accepted(&t, NULL, 200 * MiB, "200M:4M", 4 * MiB);
    assert_dpa_bytes(t.host[0], 200 * MiB, ACCESS_CHUNK, 0);
    restart_test_stop(&t, SIGTERM);

    /* Ended, it is not started again: bytes written after it stay. */
    restart_test_start(&t, dir);
    g_assert_cmphex(background_status(t.host[0]).opcode, ==, 0);
    write_dpa(t.host[0], 200 * MiB, 0x77, ACCESS_CHUNK);
    restart_test_stop(&t, SIGTERM);
    restart_test_start(&t, dir);
    g_assert_cmphex(background_status(t.host[0]).opcode, ==, 0);
    assert_dpa_bytes(t.host[0], 200 * MiB, ACCESS_CHUNK, 0x77);
    restart_test_stop(&t, SIGTERM);
    tm_test_remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sanitize/zeroes-everything", test_sanitize_zeroes_everything);
    g_test_add_func("/sanitize/refused-while-held", test_sanitize_refused_while_held);
    g_test_add_func("/sanitize/while-running", test_while_running);
    g_test_add_func("/sanitize/client-disconnects", test_client_disconnects);
    g_test_add_func("/sanitize/sigterm-mid-sanitize", test_sigterm_mid_sanitize);
    g_test_add_func("/sanitize/restart-resumes-unfinished", test_restart_resumes_unfinished);
    return g_test_run();
}

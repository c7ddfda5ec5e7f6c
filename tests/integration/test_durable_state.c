/*
 * --state-dir (docs/durable-state.md) with the real tagmemd: a daemon
 * killed with SIGKILL comes back with exactly the state it had; killed at
 * random instants of a mixed workload (QMP and CCI changes), it comes back
 * with the state of a reference daemon that ran the same requests and was
 * never killed (the oracle), before or after the request in flight; a
 * second daemon on the same directory, a damaged, truncated or newer
 * store, and a configuration the recorded state does not fit are refused
 * with a clear message; a full disk refuses changes without making them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagmem/tagmem.h"

#include "cci_client.h"
#include "daemon_harness.h"

#define RC_SUCCESS 0x00
#define OP_CLEAR_EVENT_RECORDS 0x0101
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_RELEASE_DC 0x4803
#define OP_GET_PENDING_OFFER 0xC004
#define OP_READ_DPA 0xC002
#define OP_WRITE_DPA 0xC003
#define BLOCK (2u << 20)
#define N_TAGS 4
#define N_HOSTS 2

static const char *const device_line =
    "cxl-type3,id=dcd0,num-dc-regions=2,dc-regions-total-size=512M,num-hosts=2,"
    "dc-region-sharable=2";

/* One tagmemd on a state directory that outlives it, and its clients. */
/* hosts[FM_SOCKET] is the device's FM socket. */
#define FM_SOCKET N_HOSTS

typedef struct {
    const char *state_dir;
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
    int hosts[N_HOSTS + 1];
} Node;

static void node_start_with(Node *node, const char *state_dir, const char *device)
{
    const char *args[] = { "-nodefaults", "-device", device, "--state-dir", state_dir, NULL };

    node->state_dir = state_dir;
    node->daemon = tm_test_daemon_start(args);
    node->qmp = tm_test_daemon_connect(node->daemon);
    for (int h = 0; h < N_HOSTS; h++) {
        g_autofree char *name = g_strdup_printf("host%d.sock", h);
        g_autofree char *path = g_build_filename(node->daemon->dir, "tagmem", name, NULL);
        node->hosts[h] = tm_test_cci_connect_host(path);
    }
    g_autofree char *fm_path = g_build_filename(node->daemon->dir, "tagmem", "fm.sock", NULL);
    node->hosts[FM_SOCKET] = tm_test_cci_connect(fm_path);
}

static void node_start(Node *node, const char *state_dir)
{
    node_start_with(node, state_dir, device_line);
}

static void node_stop(Node *node, int signo)
{
    for (int h = 0; h <= FM_SOCKET; h++) {
        close(node->hosts[h]);
    }
    g_clear_pointer(&node->qmp, tm_qmp_conn_free);
    if (signo != 0) {
        tm_test_daemon_stop(node->daemon, signo);
    }
    g_clear_pointer(&node->daemon, tm_test_daemon_free);
}

/* Every backend, device, extent, offer and tag the daemon reports, as one string. */
static char *node_state(Node *node)
{
    static const char *const queries[][2] = {
        { "query-memdev", NULL },
        { "query-cxl-dynamic-capacity", NULL },
        { "query-cxl-dynamic-capacity-tags", "{\"path\": \"dcd0\"}" },
    };
    GString *state = g_string_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
        json_object *reply = tm_test_execute(node->qmp, queries[i][0], queries[i][1]);
        g_string_append_printf(state, "%s\n",
                               json_object_to_json_string_ext(tm_test_assert_return(reply),
                                                              JSON_C_TO_STRING_PLAIN));
        json_object_put(reply);
    }
    /* What QMP does not show: the offer each host answers next (a withdrawn one included)
     * and its DC event log (how many records, the first handle). */
    for (int h = 0; h < N_HOSTS; h++) {
        uint8_t start[4] = { 0 }, dc_log = 4;
        g_auto(TmTestCciPacket) offer;
        g_auto(TmTestCciPacket) records;
        tm_test_cci_call(node->hosts[h], OP_GET_PENDING_OFFER, start, sizeof(start), &offer,
                         NULL);
        tm_test_cci_call(node->hosts[h], 0x0100, &dc_log, 1, &records, NULL);
        g_assert_cmpuint(offer.return_code, ==, RC_SUCCESS);
        g_assert_cmpuint(records.return_code, ==, RC_SUCCESS);
        uint16_t count = tm_test_le16(records.payload + 20);
        g_string_append_printf(state, "host %d: next offer %" G_GUINT64_FORMAT " of %u extents; "
                               "%u records from handle %u\n", h,
                               tm_test_le64(offer.payload + 8), tm_test_le32(offer.payload),
                               count, count ? tm_test_le16(records.payload + 32 + 20) : 0);
    }
    return g_string_free(state, FALSE);
}

/* ---- The requests of the workload, the same bytes to every node ---- */

typedef struct {
    bool qmp;
    char *command;          /* QMP */
    char *arguments;
    int host;               /* CCI: host socket */
    uint16_t opcode;
    GByteArray *payload;
} Request;

static void request_clear(Request *request)
{
    g_free(request->command);
    g_free(request->arguments);
    if (request->payload) {
        g_byte_array_unref(request->payload);
    }
    memset(request, 0, sizeof(*request));
}

/* Run @request to completion; its outcome: "ok", or the error (class and text, or return code). */
static char *node_run(Node *node, const Request *request)
{
    if (request->qmp) {
        json_object *reply = tm_test_execute(node->qmp, request->command, request->arguments);
        json_object *error;
        char *outcome = json_object_object_get_ex(reply, "error", &error)
            ? g_strdup(json_object_to_json_string(error)) : g_strdup("ok");
        json_object_put(reply);
        return outcome;
    }
    g_auto(TmTestCciPacket) response;
    tm_test_cci_call(node->hosts[request->host], request->opcode, request->payload->data,
                     request->payload->len, &response, NULL);
    return response.return_code == RC_SUCCESS
        ? g_strdup("ok") : g_strdup_printf("return code %u", response.return_code);
}

/* Send @request without waiting for its answer (the node is about to be killed). */
static void node_send(Node *node, const Request *request)
{
    if (request->qmp) {
        g_autofree char *text = g_strdup_printf("{\"execute\": \"%s\", \"arguments\": %s}\n",
                                                request->command,
                                                request->arguments ? request->arguments
                                                                   : "{}");
        g_assert_true(tm_qmp_conn_send_raw(node->qmp, text, strlen(text), NULL));
        return;
    }
    uint8_t set = request->opcode >> 8;
    uint8_t type = set >= 0x51 && set <= 0x5f ? TM_TEST_CCI_TYPE_FM_API : TM_TEST_CCI_TYPE_CCI;
    g_autoptr(GByteArray) packet = tm_test_cci_request(type, 7, request->opcode,
                                                       request->payload->data,
                                                       request->payload->len);
    g_assert_true(tm_test_cci_send(node->hosts[request->host], packet->data, packet->len));
}

static void put_le(uint8_t *out, uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static char *tag_of(int k)
{
    return g_strdup_printf("5a5a0000-0000-4000-8000-%012d", k + 1);
}

static void qmp_request(Request *request, const char *command, char *arguments)
{
    request->qmp = true;
    request->command = g_strdup(command);
    request->arguments = arguments;
}

/* A host's answer to its oldest offer, as the reference sees it: accept it all or nothing. */
static void answer_request(Node *reference, GRand *rand, Request *request)
{
    int host = g_rand_int_range(rand, 0, N_HOSTS);
    uint8_t start[4] = { 0 };
    g_auto(TmTestCciPacket) offer;

    tm_test_cci_call(reference->hosts[host], OP_GET_PENDING_OFFER, start, sizeof(start),
                     &offer, NULL);
    g_assert_cmpuint(offer.return_code, ==, RC_SUCCESS);
    uint32_t count = g_rand_boolean(rand) ? tm_test_le32(offer.payload + 4) : 0;
    request->host = host;
    request->opcode = OP_ADD_DC_RESPONSE;
    request->payload = g_byte_array_new();
    g_byte_array_set_size(request->payload, 8 + 24 * count);
    memset(request->payload->data, 0, request->payload->len);
    put_le(request->payload->data, count, 4);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *extent = offer.payload + 16 + 40 * i;
        memcpy(request->payload->data + 8 + 24 * i, extent, 16);  /* DPA and length */
    }
}

/* 4803h of the first extent @host holds, taken from the reference's QMP view. */
static bool host_release_request(Node *reference, GRand *rand, Request *request)
{
    int host = g_rand_int_range(rand, 0, N_HOSTS);
    json_object *reply = tm_test_execute(reference->qmp, "query-cxl-dynamic-capacity", NULL);
    json_object *devices = tm_test_assert_return(reply), *hosts, *accepted;
    json_object *dev = json_object_array_get_idx(devices, 0);
    bool found = json_object_object_get_ex(dev, "hosts", &hosts) &&
                 json_object_object_get_ex(json_object_array_get_idx(hosts, host), "accepted",
                                           &accepted) &&
                 json_object_array_length(accepted) > 0;
    if (found) {
        json_object *extent = json_object_array_get_idx(accepted, 0), *dpa, *len;
        g_assert_true(json_object_object_get_ex(extent, "dpa", &dpa));
        g_assert_true(json_object_object_get_ex(extent, "len", &len));
        request->host = host;
        request->opcode = OP_RELEASE_DC;
        request->payload = g_byte_array_new();
        g_byte_array_set_size(request->payload, 8 + 24);
        memset(request->payload->data, 0, request->payload->len);
        put_le(request->payload->data, 1, 4);
        put_le(request->payload->data + 8, json_object_get_uint64(dpa), 8);
        put_le(request->payload->data + 16, json_object_get_uint64(len), 8);
    }
    json_object_put(reply);
    return found;
}

/* Clear Event Records naming what the host's DC log holds (Clear All is not for the DC log). */
static void clear_request(Node *reference, int host, Request *request)
{
    uint8_t dc_log = 4;
    g_auto(TmTestCciPacket) records;

    tm_test_cci_call(reference->hosts[host], 0x0100, &dc_log, 1, &records, NULL);
    g_assert_cmpuint(records.return_code, ==, RC_SUCCESS);
    /* The request names at most 255 handles (a one-byte count). */
    uint16_t count = MIN(tm_test_le16(records.payload + 20), 255);
    request->host = host;
    request->opcode = OP_CLEAR_EVENT_RECORDS;
    request->payload = g_byte_array_new();
    g_byte_array_set_size(request->payload, 6 + 2 * count);
    memset(request->payload->data, 0, request->payload->len);
    request->payload->data[0] = 4;
    request->payload->data[2] = (uint8_t)count;
    for (uint16_t i = 0; i < count; i++) {
        memcpy(request->payload->data + 6 + 2 * i, records.payload + 32 + 128 * i + 20, 2);
    }
}

static void tag_bytes(const char *text, uint8_t out[16]);

/* One random request of the workload (some fail: they must change nothing, anywhere). */
static void next_request(Node *reference, GRand *rand, Request *request)
{
    int k = g_rand_int_range(rand, 0, N_TAGS);
    int host = g_rand_int_range(rand, 0, N_HOSTS);
    int region = g_rand_int_range(rand, 0, 2);
    g_autofree char *tag = tag_of(k);

    switch (g_rand_int_range(rand, 0, 12)) {
    case 10: {
        /* The FM's add over FM-API (CXL r3.2 §7.6.7.6.5): free blocks of the tag's backend. */
        uint8_t add[32] = { 0 };
        put_le(add, host, 2);
        add[2] = 0;     /* selection policy: free */
        add[3] = (uint8_t)region;
        put_le(add + 4, g_rand_int_range(rand, 1, 3) * BLOCK, 8);
        tag_bytes(tag, add + 12);
        request->host = FM_SOCKET;
        request->opcode = 0x5604;
        request->payload = g_byte_array_new();
        g_byte_array_append(request->payload, add, sizeof(add));
        return;
    }
    case 11: {
        /* A backend's tag changes (refused while the tag is in use). */
        g_autofree char *other = tag_of(N_TAGS + k);
        qmp_request(request, "qom-set",
                    g_strdup_printf("{\"path\": \"/objects/b%d\", \"property\": \"tag\", "
                                    "\"value\": \"%s\"}", k,
                                    g_rand_boolean(rand) ? other : tag));
        return;
    }
    case 0:
        qmp_request(request, "object-add",
                    g_strdup_printf("{\"qom-type\": \"memory-backend-memfd\", \"id\": \"b%d\", "
                                    "\"size\": %u, \"tag\": \"%s\"}", k, 4 * BLOCK, tag));
        return;
    case 1:
        qmp_request(request, "object-del", g_strdup_printf("{\"id\": \"b%d\"}", k));
        return;
    case 2:
    case 3:
        qmp_request(request, "cxl-add-dynamic-capacity",
                    g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": %d, \"selection-policy\": "
                                    "\"prescriptive\", \"region\": %d, \"tag\": \"%s\", "
                                    "\"extents\": [{\"offset\": %u, \"len\": %u}]}",
                                    host, region, tag, g_rand_int_range(rand, 0, 32) * BLOCK,
                                    g_rand_int_range(rand, 1, 3) * BLOCK));
        return;
    case 4:
        qmp_request(request, "cxl-release-dynamic-capacity",
                    g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": %d, \"removal-policy\": "
                                    "\"tag-based\", \"region\": %d, \"tag\": \"%s\", "
                                    "\"forced-removal\": %s, \"sanitize-on-release\": %s, "
                                    "\"extents\": []}", host, region, tag,
                                    g_rand_boolean(rand) ? "true" : "false",
                                    g_rand_boolean(rand) ? "true" : "false"));
        return;
    case 5:
        qmp_request(request, "cxl-withdraw-dynamic-capacity",
                    g_strdup_printf("{\"path\": \"dcd0\", \"host-id\": %d}", host));
        return;
    case 6:
        qmp_request(request, g_rand_boolean(rand) ? "cxl-add-dynamic-capacity-reference"
                                                  : "cxl-remove-dynamic-capacity-reference",
                    g_strdup_printf("{\"path\": \"dcd0\", \"tag\": \"%s\"}", tag));
        return;
    case 7:
        clear_request(reference, host, request);
        return;
    case 8:
        if (host_release_request(reference, rand, request)) {
            return;
        }
        /* nothing to release: answer an offer instead */
        G_GNUC_FALLTHROUGH;
    default:
        answer_request(reference, rand, request);
        return;
    }
}

/* ---- Tests ---- */

static char *make_state_dir(char **root)
{
    *root = tm_test_make_dir();
    return g_build_filename(*root, "state", NULL);
}

/* A state built over QMP and CCI comes back whole after SIGKILL. */
static void test_restart_keeps_state(void)
{
    g_autofree char *root = NULL;
    g_autofree char *state_dir = make_state_dir(&root);
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    Node node;

    int accepts = 0, changes = 0, fm_adds = 0;

    node_start(&node, state_dir);
    for (int i = 0; i < 250; i++) {
        Request request = { 0 };
        next_request(&node, rand, &request);
        g_autofree char *outcome = node_run(&node, &request);
        bool ok = strcmp(outcome, "ok") == 0;
        changes += ok;
        accepts += ok && !request.qmp && request.opcode == OP_ADD_DC_RESPONSE &&
                   request.payload->data[0] > 0;
        fm_adds += ok && !request.qmp && request.opcode == 0x5604;
        request_clear(&request);
    }
    /* The workload got somewhere: hosts accepted capacity, most kinds of change were made. */
    g_test_message("%d changes made, %d offers accepted, %d FM adds", changes, accepts, fm_adds);
    g_assert_cmpint(accepts, >, 2);
    g_assert_cmpint(fm_adds, >, 0);
    g_assert_cmpint(changes, >, 50);
    g_autofree char *before = node_state(&node);
    node_stop(&node, SIGKILL);

    node_start(&node, state_dir);
    g_autofree char *after = node_state(&node);
    g_assert_cmpstr(after, ==, before);
    node_stop(&node, SIGTERM);
    tm_test_remove_tree(root);
}

/*
 * The crash loop: the subject is killed at a random instant after each
 * request is sent; once restarted it must equal the reference before or
 * after that request (then it gets the request again).
 */
static void test_crash_loop(void)
{
    const char *env_rounds = g_getenv("TAGMEM_CRASH_ROUNDS");
    int rounds = env_rounds ? atoi(env_rounds) : 300;
    g_autofree char *root = NULL;
    g_autofree char *state_dir = make_state_dir(&root);
    g_autofree char *reference_dir = g_build_filename(root, "reference", NULL);
    guint32 seed = g_test_rand_int();
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    Node subject, reference;
    int64_t deadline = g_get_monotonic_time() + 90 * G_USEC_PER_SEC;
    int applied = 0, lost = 0;

    g_test_message("seed %u, %d rounds", seed, rounds);
    node_start(&subject, state_dir);
    node_start(&reference, reference_dir);
    for (int round = 0; round < rounds && g_get_monotonic_time() < deadline; round++) {
        Request request = { 0 };
        next_request(&reference, rand, &request);
        g_autofree char *expected_before = node_state(&reference);
        g_autofree char *expected_outcome = node_run(&reference, &request);
        g_autofree char *expected_after = node_state(&reference);

        node_send(&subject, &request);
        /* Half the kills land while the request is most likely being served. */
        g_usleep(g_rand_boolean(rand) ? g_rand_int_range(rand, 0, 300)
                                      : g_rand_int_range(rand, 0, 3000));
        node_stop(&subject, SIGKILL);
        node_start(&subject, state_dir);
        g_autofree char *restored = node_state(&subject);
        if (strcmp(restored, expected_after) != 0) {
            /* Killed before the change was recorded: it never happened. */
            g_assert_cmpstr(restored, ==, expected_before);
            g_autofree char *outcome = node_run(&subject, &request);
            if (strcmp(outcome, expected_outcome) != 0) {
                g_test_message("round %d: %s %s%04x on host %d", round,
                               request.qmp ? request.command : "CCI ",
                               request.qmp ? request.arguments : "", request.opcode,
                               request.host);
            }
            g_assert_cmpstr(outcome, ==, expected_outcome);
            g_autofree char *redone = node_state(&subject);
            g_assert_cmpstr(redone, ==, expected_after);
            lost++;
        } else {
            applied++;
        }
        request_clear(&request);
    }
    g_test_message("%d requests survived the kill, %d were lost before being recorded",
                   applied, lost);
    g_assert_cmpint(applied + lost, >, 20);
    node_stop(&subject, SIGTERM);
    node_stop(&reference, SIGTERM);
    tm_test_remove_tree(root);
}

static int run_refused(const char *state_dir, const char *device, char **err_text)
{
    g_autofree char *cwd = tm_test_make_dir();
    const char *args[] = { "-nodefaults", "-device", device, "--state-dir", state_dir,
                           "-qmp", "unix:qmp.sock,server=on,wait=off", NULL };
    int status = tm_test_run_tagmemd(args, cwd, err_text);

    tm_test_remove_tree(cwd);
    return status;
}

/* A state with one backend and one add, recorded and closed cleanly. */
static void build_small_state(const char *state_dir)
{
    Node node;

    node_start(&node, state_dir);
    g_autofree char *tag = tag_of(0);
    g_autofree char *add = g_strdup_printf("{\"qom-type\": \"memory-backend-memfd\", \"id\": "
                                           "\"b0\", \"size\": %u, \"tag\": \"%s\"}", BLOCK, tag);
    json_object *created = tm_test_execute(node.qmp, "object-add", add);
    tm_test_assert_return(created);
    json_object_put(created);
    g_autofree char *offer = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 1, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"tag\": \"%s\", \"extents\": [{\"offset\": 0, \"len\": %u}]}",
        tag, BLOCK);
    json_object *reply = tm_test_execute(node.qmp, "cxl-add-dynamic-capacity", offer);
    tm_test_assert_return(reply);
    json_object_put(reply);
    node_stop(&node, SIGTERM);
}

static void test_second_daemon_refused(void)
{
    g_autofree char *root = NULL;
    g_autofree char *state_dir = make_state_dir(&root);
    g_autofree char *err_text = NULL;
    Node node;

    node_start(&node, state_dir);
    g_assert_cmpint(run_refused(state_dir, device_line, &err_text), !=, 0);
    g_assert_nonnull(strstr(err_text, "is in use by another tagmemd (pid"));
    node_stop(&node, SIGTERM);
    tm_test_remove_tree(root);
}

static void corrupt_file(const char *path, off_t at, size_t length)
{
    int fd = open(path, O_WRONLY);
    g_autofree uint8_t *junk = g_malloc(length);

    g_assert_cmpint(fd, >=, 0);
    memset(junk, 0xa5, length);
    g_assert_cmpint(pwrite(fd, junk, length, at), ==, (ssize_t)length);
    close(fd);
}

static void assert_refused(const char *state_dir, const char *device, const char *fragment)
{
    g_autofree char *err_text = NULL;

    g_assert_cmpint(run_refused(state_dir, device, &err_text), !=, 0);
    if (strstr(err_text, fragment) == NULL) {
        g_error("expected \"%s\" in: %s", fragment, err_text);
    }
}

static void test_damaged_store_refused(void)
{
    static const char *const cases[] = { "flipped", "edited", "truncated", "newer", "foreign" };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *root = NULL;
        g_autofree char *state_dir = make_state_dir(&root);
        g_autofree char *db = g_build_filename(state_dir, "journal.sqlite", NULL);
        struct stat st;
        sqlite3 *handle;

        build_small_state(state_dir);
        g_assert_cmpint(stat(db, &st), ==, 0);
        if (strcmp(cases[i], "flipped") == 0) {
            /* The last page holds the rows: their text is damaged, not SQLite's structure. */
            corrupt_file(db, st.st_size - 200, 16);
            assert_refused(state_dir, device_line, "is damaged");
        } else if (strcmp(cases[i], "edited") == 0) {
            /* A change SQLite's own check cannot see: the entry's checksum does. */
            g_assert_cmpint(sqlite3_open(db, &handle), ==, SQLITE_OK);
            g_assert_cmpint(sqlite3_exec(handle, "UPDATE changes SET arguments = "
                                                 "replace(arguments, '\"host-id\":1', "
                                                 "'\"host-id\":0') WHERE seq = 2",
                                         NULL, NULL, NULL), ==, SQLITE_OK);
            g_assert_cmpint(sqlite3_changes(handle), ==, 1);
            sqlite3_close(handle);
            assert_refused(state_dir, device_line, "change 2 fails its checksum");
        } else if (strcmp(cases[i], "truncated") == 0) {
            g_assert_cmpint(truncate(db, st.st_size / 2 + 1), ==, 0);
            assert_refused(state_dir, device_line, "state store");
        } else {
            g_assert_cmpint(sqlite3_open(db, &handle), ==, SQLITE_OK);
            g_assert_cmpint(sqlite3_exec(handle, strcmp(cases[i], "newer") == 0
                                                     ? "PRAGMA user_version = 99"
                                                     : "PRAGMA application_id = 1",
                                         NULL, NULL, NULL), ==, SQLITE_OK);
            sqlite3_close(handle);
            assert_refused(state_dir, device_line,
                           strcmp(cases[i], "newer") == 0 ? "written by a newer tagmemd"
                                                          : "is not a tagmem journal");
        }
        /* Refused, not emptied: the file is still there for whoever recovers it. */
        g_assert_cmpint(stat(db, &st), ==, 0);
        g_assert_cmpint(st.st_size, >, 0);
        tm_test_remove_tree(root);
    }
}

/* The command line no longer has what the recorded state uses: refused, the change named. */
static void test_configuration_mismatch_refused(void)
{
    g_autofree char *root = NULL;
    g_autofree char *state_dir = make_state_dir(&root);

    build_small_state(state_dir);
    assert_refused(state_dir,
                   "cxl-type3,id=dcd0,num-dc-regions=2,dc-regions-total-size=512M,num-hosts=1",
                   "(QMP cxl-add-dynamic-capacity) does not apply");
    tm_test_remove_tree(root);
}

/* A state directory on a full file system: changes are refused whole, reads still work. */
static void test_full_disk(void)
{
    g_autofree char *root = tm_test_make_dir();
    g_autofree char *mount_dir = g_build_filename(root, "small", NULL);
    g_autofree char *state_dir = g_build_filename(mount_dir, "state", NULL);
    g_autofree char *filler = g_build_filename(mount_dir, "filler", NULL);
    Node node;

    g_assert_cmpint(mkdir(mount_dir, 0700), ==, 0);
    if (mount("tmpfs", mount_dir, "tmpfs", 0, "size=4m") != 0) {
        g_test_skip_printf("cannot mount a small tmpfs here (%s): needs root",
                           g_strerror(errno));
        tm_test_remove_tree(root);
        return;
    }
    node_start(&node, state_dir);
    g_autofree char *before = node_state(&node);
    /* Fill the file system up to the last few KiB. */
    int fd = open(filler, O_WRONLY | O_CREAT, 0600);
    static uint8_t chunk[4096];
    while (write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk)) {
    }
    close(fd);
    json_object *reply = tm_test_execute(node.qmp, "object-add",
                                         "{\"qom-type\": \"memory-backend-memfd\", "
                                         "\"id\": \"b9\", \"size\": 2097152}");
    tm_test_assert_error(reply, "GenericError", "bytes free, a change needs");
    json_object_put(reply);
    g_autofree char *after = node_state(&node);
    g_assert_cmpstr(after, ==, before);

    /* With room again, the same change is made and survives a kill. */
    g_assert_cmpint(unlink(filler), ==, 0);
    reply = tm_test_execute(node.qmp, "object-add",
                            "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"b9\", "
                            "\"size\": 2097152}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_autofree char *made = node_state(&node);
    node_stop(&node, SIGKILL);
    node_start(&node, state_dir);
    g_autofree char *restored = node_state(&node);
    g_assert_cmpstr(restored, ==, made);
    node_stop(&node, SIGTERM);
    g_assert_cmpint(umount(mount_dir), ==, 0);
    tm_test_remove_tree(root);
}

/* ---- A stand-in for systemd's notify socket and descriptor store ---- */

typedef struct {
    char *path;
    int fd;                 /* SOCK_DGRAM, bound to @path */
    GHashTable *stored;     /* FDNAME -> GINT_TO_POINTER(fd) */
} FdStore;

static void fd_store_init(FdStore *store, const char *dir)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    store->path = g_build_filename(dir, "notify.sock", NULL);
    store->stored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    store->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    g_assert_cmpint(store->fd, >=, 0);
    g_strlcpy(addr.sun_path, store->path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(store->fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
}

static void fd_store_forget(FdStore *store, const char *name)
{
    gpointer fd;

    if (g_hash_table_lookup_extended(store->stored, name, NULL, &fd)) {
        close(GPOINTER_TO_INT(fd));
        g_hash_table_remove(store->stored, name);
    }
}

/* One notification, as systemd handles FDSTORE=1 / FDSTOREREMOVE=1 with FDNAME=. */
static void fd_store_handle(FdStore *store, char *text, const int *fds, int n_fds)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool store_it = g_strv_contains((const char *const *)lines, "FDSTORE=1");
    bool remove_it = g_strv_contains((const char *const *)lines, "FDSTOREREMOVE=1");
    const char *name = NULL;

    for (char **line = lines; *line; line++) {
        if (g_str_has_prefix(*line, "FDNAME=")) {
            name = *line + strlen("FDNAME=");
        }
    }
    if (store_it && name && n_fds == 1) {
        fd_store_forget(store, name);
        g_hash_table_insert(store->stored, g_strdup(name), GINT_TO_POINTER(fds[0]));
        return;
    }
    for (int i = 0; i < n_fds; i++) {
        close(fds[i]);
    }
    if (remove_it && name) {
        fd_store_forget(store, name);
    }
}

static void fd_store_drain(FdStore *store)
{
    for (;;) {
        char text[4096];
        union {
            struct cmsghdr align;
            char bytes[CMSG_SPACE(sizeof(int) * 8)];
        } control;
        struct iovec iov = { text, sizeof(text) - 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                              .msg_control = control.bytes,
                              .msg_controllen = sizeof(control.bytes) };
        ssize_t n = recvmsg(store->fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            g_assert_cmpint(errno, ==, EAGAIN);
            return;
        }
        text[n] = '\0';
        int fds[8], n_fds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                n_fds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                memcpy(fds, CMSG_DATA(c), sizeof(int) * n_fds);
            }
        }
        fd_store_handle(store, text, fds, n_fds);
    }
}

static void fd_store_clear(FdStore *store)
{
    GHashTableIter iter;
    gpointer fd;

    g_hash_table_iter_init(&iter, store->stored);
    while (g_hash_table_iter_next(&iter, NULL, &fd)) {
        close(GPOINTER_TO_INT(fd));
    }
    g_hash_table_unref(store->stored);
    close(store->fd);
    unlink(store->path);
    g_free(store->path);
}

/*
 * tagmemd under the stand-in: NOTIFY_SOCKET, and the stored descriptors
 * passed back as systemd does (LISTEN_FDS from 3, LISTEN_FDNAMES,
 * LISTEN_PID set by the shell that execs the daemon).
 */
typedef struct {
    GSubprocess *process;
    char *dir;
    TmQmpConn *qmp;
    int host;
} ManagedDaemon;

static void managed_start(ManagedDaemon *daemon, FdStore *store, const char *state_dir)
{
    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_autoptr(GString) names = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *qmp_arg = NULL;
    GHashTableIter iter;
    gpointer name, fd;
    int n = 0;

    fd_store_drain(store);
    if (daemon->dir == NULL) {
        /* Kept across restarts, as a real runtime directory: the same socket paths. */
        daemon->dir = tm_test_make_dir();
    }
    qmp_arg = g_strdup_printf("unix:%s/qmp.sock,server=on,wait=off", daemon->dir);
    g_hash_table_iter_init(&iter, store->stored);
    while (g_hash_table_iter_next(&iter, &name, &fd)) {
        g_subprocess_launcher_take_fd(launcher, dup(GPOINTER_TO_INT(fd)), 3 + n++);
        g_string_append_printf(names, "%s%s", names->len ? ":" : "", (char *)name);
    }
    g_subprocess_launcher_setenv(launcher, "XDG_RUNTIME_DIR", daemon->dir, TRUE);
    g_subprocess_launcher_setenv(launcher, "NOTIFY_SOCKET", store->path, TRUE);
    if (n > 0) {
        g_autofree char *count = g_strdup_printf("%d", n);
        g_subprocess_launcher_setenv(launcher, "LISTEN_FDS", count, TRUE);
        g_subprocess_launcher_setenv(launcher, "LISTEN_FDNAMES", names->str, TRUE);
    }
    daemon->process = g_subprocess_launcher_spawn(
        launcher, &err, "/bin/sh", "-c",
        n > 0 ? "LISTEN_PID=$$ exec \"$@\"" : "exec \"$@\"", "sh", tm_test_tagmemd_path(),
        "-nodefaults", "-device", device_line, "--state-dir", state_dir, "-qmp", qmp_arg, NULL);
    g_assert_no_error(err);

    g_autofree char *qmp_path = g_build_filename(daemon->dir, "qmp.sock", NULL);
    for (int tries = 0; daemon->qmp == NULL && tries < 500; tries++) {
        daemon->qmp = tm_qmp_conn_connect(qmp_path, NULL);
        if (daemon->qmp == NULL) {
            g_usleep(10 * 1000);
        }
    }
    g_assert_nonnull(daemon->qmp);
    g_assert_true(tm_qmp_conn_negotiate(daemon->qmp, NULL));
    g_autofree char *host_path = g_build_filename(daemon->dir, "tagmem", "host0.sock", NULL);
    daemon->host = tm_test_cci_connect_host(host_path);
}

static void managed_kill(ManagedDaemon *daemon, FdStore *store)
{
    close(daemon->host);
    g_clear_pointer(&daemon->qmp, tm_qmp_conn_free);
    g_subprocess_send_signal(daemon->process, SIGKILL);
    g_assert_true(g_subprocess_wait(daemon->process, NULL, NULL));
    g_clear_object(&daemon->process);
    fd_store_drain(store);
}

static void managed_clear(ManagedDaemon *daemon)
{
    tm_test_remove_tree(daemon->dir);
    g_clear_pointer(&daemon->dir, g_free);
}

static void managed_qmp_ok(ManagedDaemon *daemon, const char *command, const char *args)
{
    json_object *reply = tm_test_execute(daemon->qmp, command, args);

    tm_test_assert_return(reply);
    json_object_put(reply);
}

static void dpa_write(int host, uint64_t dpa, const char *text)
{
    uint8_t request[16 + 64] = { 0 };
    g_auto(TmTestCciPacket) response;

    put_le(request, dpa, 8);
    put_le(request + 8, strlen(text), 4);
    memcpy(request + 16, text, strlen(text));
    tm_test_cci_call(host, OP_WRITE_DPA, request, 16 + strlen(text), &response, NULL);
    g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
}

static char *dpa_read(int host, uint64_t dpa, size_t length)
{
    uint8_t request[16] = { 0 };
    g_auto(TmTestCciPacket) response;

    put_le(request, dpa, 8);
    put_le(request + 8, length, 4);
    tm_test_cci_call(host, OP_READ_DPA, request, sizeof(request), &response, NULL);
    g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(response.payload_size, ==, length);
    return g_strndup((const char *)response.payload, length);
}

/* 4802h accepting [dpa, dpa + length) as host 0. */
static void accept_range(int host, uint64_t dpa, uint64_t length)
{
    uint8_t accept[8 + 24] = { 1 };
    g_auto(TmTestCciPacket) response;

    put_le(accept + 8, dpa, 8);
    put_le(accept + 16, length, 8);
    tm_test_cci_call(host, OP_ADD_DC_RESPONSE, accept, sizeof(accept), &response, NULL);
    g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
}

/* A sealed memfd of one block holding @text, as a previous run would have stored it. */
static int stale_object(const char *text)
{
    int fd = memfd_create("stale", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    g_assert_cmpint(ftruncate(fd, BLOCK), ==, 0);
    g_assert_cmpint(pwrite(fd, text, strlen(text), 0), ==, (ssize_t)strlen(text));
    g_assert_cmpint(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), ==, 0);
    return fd;
}

/*
 * Memory of a memfd backend survives SIGKILL through the descriptor
 * store; an object for memory no device has allocated is let go, never
 * handed to the next holder.
 */
static void test_memory_survives_restart(void)
{
    g_autofree char *root = tm_test_make_dir();
    g_autofree char *state_dir = g_build_filename(root, "state", NULL);
    g_autofree char *tag = tag_of(0);
    g_autofree char *backend = g_strdup_printf(
        "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"b0\", \"size\": %u, "
        "\"tag\": \"%s\"}", 4 * BLOCK, tag);
    g_autofree char *add = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"tag\": \"%s\", \"extents\": [{\"offset\": 0, \"len\": %u}]}",
        tag, BLOCK);
    FdStore store;
    ManagedDaemon daemon = { 0 };

    fd_store_init(&store, root);
    managed_start(&daemon, &store, state_dir);
    managed_qmp_ok(&daemon, "object-add", backend);
    managed_qmp_ok(&daemon, "cxl-add-dynamic-capacity", add);
    accept_range(daemon.host, 0, BLOCK);
    dpa_write(daemon.host, 100, "kept across a restart");
    managed_kill(&daemon, &store);
    g_assert_true(g_hash_table_contains(store.stored, "obj.0.b0"));

    /* A stray object for the backend's second block, which nobody holds. */
    g_hash_table_insert(store.stored, g_strdup("obj.200000.b0"),
                        GINT_TO_POINTER(stale_object("a former holder's secret")));
    managed_start(&daemon, &store, state_dir);
    g_autofree char *kept = dpa_read(daemon.host, 100, strlen("kept across a restart"));
    g_assert_cmpstr(kept, ==, "kept across a restart");
    fd_store_drain(&store);
    g_assert_false(g_hash_table_contains(store.stored, "obj.200000.b0"));
    g_assert_true(g_hash_table_contains(store.stored, "obj.0.b0"));

    /* The second block, offered and accepted now, is fresh memory. */
    g_autofree char *add_second = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"tag\": \"%s\", \"extents\": [{\"offset\": %u, \"len\": %u}]}",
        tag, BLOCK, BLOCK);
    managed_qmp_ok(&daemon, "cxl-add-dynamic-capacity", add_second);
    accept_range(daemon.host, BLOCK, BLOCK);
    g_autofree char *fresh = dpa_read(daemon.host, BLOCK, 8);
    g_assert_cmpmem(fresh, 8, "\0\0\0\0\0\0\0\0", 8);
    managed_kill(&daemon, &store);
    managed_clear(&daemon);
    fd_store_clear(&store);
    tm_test_remove_tree(root);
}

/* libtagmem's events, as "kind dpa+len" lines. */
static void record_event(void *data, const TagmemEvent *event)
{
    g_string_append_printf(data, "%s %" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER "x\n",
                           tagmem_event_kind_name(event->kind), event->extent.dpa,
                           event->extent.length);
}

static void tag_bytes(const char *text, uint8_t out[16])
{
    for (int i = 0, j = 0; i < 16; j++) {
        if (text[j] == '-') {
            continue;
        }
        sscanf(text + j, "%2hhx", &out[i++]);
        j++;
    }
}

static void offer_tag(ManagedDaemon *daemon, const char *tag, unsigned first_block,
                      unsigned blocks)
{
    g_autofree char *add = g_strdup_printf(
        "{\"path\": \"dcd0\", \"host-id\": 0, \"selection-policy\": \"prescriptive\", "
        "\"region\": 0, \"tag\": \"%s\", \"extents\": [{\"offset\": %u, \"len\": %u}]}",
        tag, first_block * BLOCK, blocks * BLOCK);
    managed_qmp_ok(daemon, "cxl-add-dynamic-capacity", add);
}

/*
 * A host process keeps using its tagged memory through two restarts: with
 * the descriptor store its memory, extents and view stay as they were and
 * what it wrote while the daemon was down is what the daemon reads; a new
 * offer after the restart is answered.  Without the store, libtagmem
 * notices that the memory changed and says so with events.
 */
static void test_host_carries_on(void)
{
    g_autofree char *root = tm_test_make_dir();
    g_autofree char *state_dir = g_build_filename(root, "state", NULL);
    g_autofree char *tag = tag_of(0), *tag2 = tag_of(1);
    g_autoptr(GString) events = g_string_new(NULL);
    uint8_t tag_id[16];
    FdStore store;
    ManagedDaemon daemon = { 0 };
    char *error = NULL;
    void *view, *view_again;
    size_t size, size_again;

    fd_store_init(&store, root);
    managed_start(&daemon, &store, state_dir);
    for (int k = 0; k < 2; k++) {
        g_autofree char *backend = g_strdup_printf(
            "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"b%d\", \"size\": %u, "
            "\"tag\": \"%s\"}", k, 2 * BLOCK, k ? tag2 : tag);
        managed_qmp_ok(&daemon, "object-add", backend);
    }
    g_autofree char *host_path = g_build_filename(daemon.dir, "tagmem", "host0.sock", NULL);
    TagmemHostOptions options = { .policy = TAGMEM_POLICY_ACCEPT_ALL,
                                  .event_fn = record_event, .event_data = events };
    TagmemHost *host = tagmem_host_connect(host_path, &options, &error);
    g_assert_nonnull(host);
    int host_fd = tagmem_host_fd(host);
    offer_tag(&daemon, tag, 0, 2);
    g_assert_cmpint(tagmem_host_process_events(host, 5000), ==, 1);
    tag_bytes(tag, tag_id);
    g_assert_cmpint(tagmem_host_find_tag(host, tag_id, &view, &size), ==, 0);
    g_assert_cmpuint(size, ==, 2 * BLOCK);
    strcpy(view, "written before the restart");

    /* Down: the host keeps writing its memory; back with the same socket path. */
    managed_kill(&daemon, &store);
    strcpy((char *)view + BLOCK + 10, "written while the daemon was down");
    managed_start(&daemon, &store, state_dir);
    offer_tag(&daemon, tag2, 8, 1);
    g_string_truncate(events, 0);
    g_assert_cmpint(tagmem_host_process_events(host, 5000), >=, 1);
    g_assert_cmpint(tagmem_host_fd(host), ==, host_fd);
    g_assert_cmpstr(events->str, ==, "accepted 1000000+200000\n");
    g_assert_cmpint(tagmem_host_find_tag(host, tag_id, &view_again, &size_again), ==, 0);
    g_assert_true(view_again == view);
    g_assert_cmpstr(view, ==, "written before the restart");
    /* The daemon reads what the host wrote while it was down: the same memory. */
    g_autofree char *seen = dpa_read(daemon.host, BLOCK + 10,
                                     strlen("written while the daemon was down"));
    g_assert_cmpstr(seen, ==, "written while the daemon was down");

    /* Restarted without the store: the memory is new, and libtagmem says so. */
    managed_kill(&daemon, &store);
    GHashTableIter iter;
    gpointer fd;
    g_hash_table_iter_init(&iter, store.stored);
    while (g_hash_table_iter_next(&iter, NULL, &fd)) {
        close(GPOINTER_TO_INT(fd));
        g_hash_table_iter_remove(&iter);
    }
    managed_start(&daemon, &store, state_dir);
    g_string_truncate(events, 0);
    g_assert_cmpint(tagmem_host_process_events(host, 0), >=, 0);
    g_assert_cmpstr(events->str, ==,
                    "forced 0+400000\nforced 1000000+200000\n"
                    "accepted 0+400000\naccepted 1000000+200000\n");
    g_assert_cmpint(tagmem_host_find_tag(host, tag_id, &view_again, &size_again), ==, 0);
    g_assert_cmpuint(((uint8_t *)view_again)[0], ==, 0);

    tagmem_host_close(host);
    managed_kill(&daemon, &store);
    managed_clear(&daemon);
    fd_store_clear(&store);
    tm_test_remove_tree(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/durable-state/restart-keeps-state", test_restart_keeps_state);
    g_test_add_func("/durable-state/crash-loop", test_crash_loop);
    g_test_add_func("/durable-state/second-daemon-refused", test_second_daemon_refused);
    g_test_add_func("/durable-state/damaged-store-refused", test_damaged_store_refused);
    g_test_add_func("/durable-state/configuration-mismatch-refused",
                    test_configuration_mismatch_refused);
    g_test_add_func("/durable-state/full-disk", test_full_disk);
    g_test_add_func("/durable-state/memory-survives-restart", test_memory_survives_restart);
    g_test_add_func("/durable-state/host-carries-on", test_host_carries_on);
    return g_test_run();
}

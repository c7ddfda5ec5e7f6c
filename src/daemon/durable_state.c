#include "daemon/durable_state.h"

#include <stdlib.h>
#include <unistd.h>

#include "cci/cxl_opcodes.h"
#include "cci/cxl_return_codes.h"
#include "core/error.h"
#include "device/dcd_poison.h"
#include "device/device_registry.h"
#include "qmp/qmp_dispatch.h"
#include "state/journal.h"

/* A connection whose Add DC Response parts a replayed change may have left held. */
typedef struct {
    TmDcd *dev;
    uint16_t host_id;
    uint64_t connection_id;
} ReplayedConnection;

struct TmDurableState {
    TmJournal *journal;
    TmMailboxRecorder mailbox_recorder;
};

/* While replaying: where changes go, and what they left. */
typedef struct {
    TmQmpEnv *env;
    uint8_t *reply;            /* a mailbox response payload */
    GArray *connections;       /* ReplayedConnection */
    /* TmDcd * -> opcode: a sanitize started and not recorded as ended */
    GHashTable *unfinished;
} Replay;

/*
 * A change made and not recorded cannot be answered: the journal would
 * then miss something a client was told.  Stopping keeps the journal and
 * the clients' view in step; a restart replays what was recorded.
 */
G_NORETURN static void stop_unrecorded(const TmJournal *journal, const char *what,
                                       const GError *error)
{
    g_critical("state directory %s: cannot record %s (%s); stopping, so that the recorded "
               "state stays what clients were told", tm_journal_dir(journal), what,
               error->message);
    exit(EXIT_FAILURE);
}

static bool can_record(void *opaque, GError **err)
{
    TmDurableState *state = opaque;

    return tm_journal_has_room(state->journal, err);
}

static void record_qmp(void *opaque, const char *command, json_object *args)
{
    TmDurableState *state = opaque;
    g_autoptr(GError) err = NULL;
    TmJournalEntry entry = {
        .front = TM_JOURNAL_QMP,
        .command = command,
        .arguments = json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
    };

    if (!tm_journal_append(state->journal, &entry, &err)) {
        stop_unrecorded(state->journal, command, err);
    }
}

static void record_mailbox(void *opaque, const TmMailboxRequest *request)
{
    TmDurableState *state = opaque;
    g_autoptr(GError) err = NULL;
    TmJournalEntry entry = {
        .front = TM_JOURNAL_CCI,
        .device = tm_dcd_id(request->dev),
        .port = request->caller->port,
        .host_id = request->caller->host_id,
        .connection_id = request->caller->connection_id,
        .opcode = request->opcode,
        .payload = request->payload,
        .payload_len = request->payload_len,
    };

    if (!tm_journal_append(state->journal, &entry, &err)) {
        stop_unrecorded(state->journal, tm_cxl_opcode_name(request->opcode), err);
    }
}

TmDurableState *tm_durable_state_open(const char *dir, GError **err)
{
    g_autoptr(TmJournal) journal = tm_journal_open(dir, err);

    if (journal == NULL) {
        return NULL;
    }
    TmDurableState *state = g_new0(TmDurableState, 1);
    state->journal = g_steal_pointer(&journal);
    state->mailbox_recorder = (TmMailboxRecorder){
        .can_record = can_record,
        .record = record_mailbox,
        .opaque = state,
    };
    return state;
}

void tm_durable_state_free(TmDurableState *state)
{
    if (state == NULL) {
        return;
    }
    tm_journal_close(state->journal);
    g_free(state);
}

static bool replay_qmp(Replay *replay, const TmJournalEntry *entry, GError **err)
{
    json_object *args = json_tokener_parse(entry->arguments ? entry->arguments : "");

    if (entry->command == NULL || !json_object_is_type(args, json_type_object)) {
        json_object_put(args);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "its QMP arguments are not an object");
        return false;
    }
    json_object *request = json_object_new_object();
    json_object_object_add(request, "execute", json_object_new_string(entry->command));
    json_object_object_add(request, "arguments", args);
    TmQmpSession session = { .negotiated = true };
    json_object *response = tm_qmp_dispatch(replay->env, &session, request);
    json_object *error, *desc;
    bool ok = !json_object_object_get_ex(response, "error", &error);

    if (!ok) {
        json_object_object_get_ex(error, "desc", &desc);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "%s", json_object_get_string(desc));
    }
    json_object_put(response);
    json_object_put(request);
    return ok;
}

/*
 * A sanitize's start and end (docs/durable-state.md): neither runs again
 * as it is replayed -- zeroing memory written after the sanitize ended
 * would destroy it -- but one whose end is not recorded is started again
 * once the replay is done.
 */
static bool replay_background_mark(Replay *replay, TmDcd *dev, const TmJournalEntry *entry)
{
    if (tm_mailbox_changes_data_in_background(entry->opcode)) {
        /* What starting it did at once, on the main loop (dcd_sanitize.c). */
        tm_dcd_clear_all_poison(dev);
        g_hash_table_insert(replay->unfinished, dev, GUINT_TO_POINTER(entry->opcode));
        return true;
    }
    if (entry->opcode == TM_CXL_OP_BACKGROUND_OPERATION_STATUS) {
        g_hash_table_remove(replay->unfinished, dev);
        return true;
    }
    return false;
}

static bool replay_mailbox(Replay *replay, const TmJournalEntry *entry, GError **err)
{
    TmDcd *dev = entry->device
        ? tm_device_registry_find(replay->env->devices, entry->device) : NULL;

    if (dev == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "device '%s' does not exist",
                    entry->device ? entry->device : "");
        return false;
    }
    if (replay_background_mark(replay, dev, entry)) {
        return true;
    }
    TmMailboxCaller caller = {
        .port = (TmMailboxPortKind)entry->port,
        .host_id = entry->host_id,
        .max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
        .connection_id = entry->connection_id,
        .replaying = true,
    };
    if (!tm_mailbox_caller_check(dev, &caller, err)) {
        return false;
    }
    TmMailboxRequest request = {
        .dev = dev,
        .caller = &caller,
        .opcode = entry->opcode,
        .payload = entry->payload,
        .payload_len = entry->payload_len,
    };
    TmMailboxResponse response = { .payload = replay->reply, .fd = -1 };
    TmCxlReturnCode code = tm_mailbox_dispatch(&request, &response, err);
    if (response.fd >= 0) {
        close(response.fd);
    }
    if (code != TM_CXL_RC_SUCCESS) {
        g_prefix_error(err, "%s: ", tm_cxl_return_code_name(code));
        return false;
    }
    if (entry->opcode == TM_CXL_OP_ADD_DC_RESPONSE) {
        ReplayedConnection held = { dev, entry->host_id, entry->connection_id };
        g_array_append_val(replay->connections, held);
    }
    return true;
}

static bool replay_entry(const TmJournalEntry *entry, void *opaque, GError **err)
{
    Replay *replay = opaque;
    bool ok = entry->front == TM_JOURNAL_QMP ? replay_qmp(replay, entry, err)
                                              : replay_mailbox(replay, entry, err);
    if (!ok) {
        g_prefix_error(err, "change %" G_GINT64_FORMAT " (%s %s) does not apply: ", entry->seq,
                       entry->front == TM_JOURNAL_QMP ? "QMP" : "CCI",
                       entry->front == TM_JOURNAL_QMP ? entry->command
                                                      : tm_cxl_opcode_name(entry->opcode));
    }
    return ok;
}

/*
 * The sanitizes the previous run started and did not finish start again:
 * nobody held capacity when they started and nothing could be added
 * since, so no host sees memory half zeroed.
 */
static bool resume_unfinished(GHashTable *unfinished, GError **err)
{
    GHashTableIter iter;
    gpointer dev, opcode;

    g_hash_table_iter_init(&iter, unfinished);
    while (g_hash_table_iter_next(&iter, &dev, &opcode)) {
        const char *name = tm_cxl_opcode_name((uint16_t)GPOINTER_TO_UINT(opcode));
        if (tm_dcd_sanitize(dev, (uint16_t)GPOINTER_TO_UINT(opcode), err) != TM_DC_OK) {
            g_prefix_error(err, "cannot resume the %s of %s that a restart interrupted: ",
                           name, tm_dcd_path(dev));
            return false;
        }
        g_message("%s: %s interrupted by a restart: started again", tm_dcd_path(dev), name);
    }
    return true;
}

bool tm_durable_state_replay(TmDurableState *state, TmQmpEnv *env, GError **err)
{
    g_assert(env->record == NULL);
    Replay replay = {
        .env = env,
        .reply = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD),
        .connections = g_array_new(FALSE, FALSE, sizeof(ReplayedConnection)),
        .unfinished = g_hash_table_new(g_direct_hash, g_direct_equal),
    };
    bool ok = tm_journal_foreach(state->journal, replay_entry, &replay, err);

    /* Every connection of the previous run is closed: what it held goes (dcd.h). */
    for (guint i = 0; ok && i < replay.connections->len; i++) {
        const ReplayedConnection *held =
            &g_array_index(replay.connections, ReplayedConnection, i);
        tm_dcd_host_connection_gone(held->dev, held->host_id, held->connection_id);
    }
    ok = ok && resume_unfinished(replay.unfinished, err);
    if (!ok) {
        g_prefix_error(err, "state directory %s: ", tm_journal_dir(state->journal));
    }
    g_hash_table_unref(replay.unfinished);
    g_array_unref(replay.connections);
    g_free(replay.reply);
    return ok;
}

/*
 * A background operation ended (not stopped by the daemon going away):
 * recorded as the Background Operation Status read a host would make, the
 * mark that a replay pairs with the recorded start.
 */
static void record_background_end(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    TmDurableState *state = opaque;
    TmMailboxCaller caller = { .port = TM_MAILBOX_PORT_FM };
    TmMailboxRequest request = {
        .dev = dev,
        .caller = &caller,
        .opcode = TM_CXL_OP_BACKGROUND_OPERATION_STATUS,
    };

    if (notice->kind == TM_DCD_NOTICE_BACKGROUND_DONE) {
        record_mailbox(state, &request);
    }
}

void tm_durable_state_record_background(TmDurableState *state, TmDeviceRegistry *devices)
{
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);

    /* The devices go before the state (daemon.c), and their observers with them. */
    for (guint i = 0; i < list->len; i++) {
        tm_dcd_add_observer(g_ptr_array_index(list, i), record_background_end, state);
    }
}

void tm_durable_state_record_qmp(TmDurableState *state, TmQmpEnv *env)
{
    env->can_record = can_record;
    env->record = record_qmp;
    env->record_opaque = state;
}

const TmMailboxRecorder *tm_durable_state_mailbox_recorder(TmDurableState *state)
{
    return &state->mailbox_recorder;
}

void tm_durable_state_record_withdrawn(TmDurableState *state, const char *device_path,
                                       const GArray *withdrawn)
{
    for (guint i = 0; i < withdrawn->len; i++) {
        const TmDcWithdrawnOffer *offer = &g_array_index(withdrawn, TmDcWithdrawnOffer, i);
        json_object *args = json_object_new_object();
        json_object_object_add(args, "path", json_object_new_string(device_path));
        json_object_object_add(args, "host-id", json_object_new_int(offer->host_id));
        json_object_object_add(args, "id", json_object_new_uint64(offer->group_id));
        record_qmp(state, "cxl-withdraw-dynamic-capacity", args);
        json_object_put(args);
    }
}

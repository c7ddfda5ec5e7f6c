/*
 * The mailbox command table and dispatch.  Everything a command's row
 * says -- which ports may call it, whether it needs DC regions, the shape
 * of its input -- is checked here, in that order, before its handler runs;
 * the handlers (cmd_*.c) only do what is particular to their command.
 */
#include "cci/mailbox_internal.h"

#include <inttypes.h>
#include <stddef.h>

#include "cci/cci_message.h"
#include "cci/cxl_commands.h"
#include "cci/cxl_dc_extent_wire.h"
#include "cci/cxl_health_payloads.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_poison_wire.h"
#include "cci/cxl_scan_media_wire.h"
#include "cci/vendor_commands.h"
#include "core/error.h"

#define HOST TM_MAILBOX_PORT_HOST
#define FM TM_MAILBOX_PORT_FM

/* Command effects (CEL bits) */
#define CONFIG TM_CXL_EFFECT_IMMEDIATE_CONFIG_CHANGE
#define DATA TM_CXL_EFFECT_IMMEDIATE_DATA_CHANGE
#define POLICY TM_CXL_EFFECT_IMMEDIATE_POLICY_CHANGE
#define LOG TM_CXL_EFFECT_IMMEDIATE_LOG_CHANGE
#define SECURITY TM_CXL_EFFECT_SECURITY_STATE_CHANGE
#define BACKGROUND TM_CXL_EFFECT_BACKGROUND_OPERATION

#define INPUT_NONE .input = TM_MAILBOX_INPUT_NONE
#define INPUT_FIXED(type) .input = TM_MAILBOX_INPUT_FIXED, .input_size = sizeof(type)
#define INPUT_BOUNDED(min, type) .input = TM_MAILBOX_INPUT_BOUNDED, .input_size = (min), \
                                 .input_max = sizeof(type)
#define INPUT_LIST(type, count_field, entry_type)                                \
    .input = TM_MAILBOX_INPUT_LIST, .input_size = sizeof(type),                   \
    .count_offset = offsetof(type, count_field),                                  \
    .count_width = sizeof(((type *)0)->count_field), .entry_size = sizeof(entry_type)

static const TmMailboxCommand commands[] = {
    /* CXL r3.1 §8.2.9.1.1, §8.2.9.1.2 */
    { .opcode = TM_CXL_OP_IDENTIFY, .handler = tm_mailbox_identify,
      INPUT_NONE, .ports = HOST | FM },
    { .opcode = TM_CXL_OP_BACKGROUND_OPERATION_STATUS,
      .handler = tm_mailbox_background_operation_status, INPUT_NONE, .ports = HOST | FM },
    /* CXL r3.1 §8.2.9.1.3, §8.2.9.1.4: the connection's list responses */
    { .opcode = TM_CXL_OP_GET_RESPONSE_MESSAGE_LIMIT,
      .handler = tm_mailbox_get_response_message_limit, INPUT_NONE, .ports = HOST | FM },
    { .opcode = TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT,
      .handler = tm_mailbox_set_response_message_limit,
      INPUT_FIXED(TmCxlResponseMessageLimit), .ports = HOST | FM, .effects = POLICY },
    /* CXL r3.1 §8.2.9.2.2, §8.2.9.2.3: a host's own event logs */
    { .opcode = TM_CXL_OP_GET_EVENT_RECORDS, .handler = tm_mailbox_get_event_records,
      INPUT_FIXED(TmCxlGetEventRecordsRequest), .ports = HOST },
    { .opcode = TM_CXL_OP_GET_EVENT_INTERRUPT_POLICY,
      .handler = tm_mailbox_get_event_interrupt_policy, INPUT_NONE, .ports = HOST },
    { .opcode = TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY,
      .handler = tm_mailbox_set_event_interrupt_policy,
      INPUT_BOUNDED(4, TmCxlEventInterruptPolicy), .ports = HOST, .effects = POLICY },
    { .opcode = TM_CXL_OP_CLEAR_EVENT_RECORDS, .handler = tm_mailbox_clear_event_records,
      INPUT_LIST(TmCxlClearEventRecordsRequest, handle_count, uint16_t), .ports = HOST,
      .effects = LOG },
    /* CXL r3.1 §8.2.9.4: the device's timestamp */
    { .opcode = TM_CXL_OP_GET_TIMESTAMP, .handler = tm_mailbox_get_timestamp, INPUT_NONE,
      .ports = HOST | FM },
    { .opcode = TM_CXL_OP_SET_TIMESTAMP, .handler = tm_mailbox_set_timestamp,
      INPUT_FIXED(TmCxlTimestamp), .ports = HOST | FM, .effects = POLICY },
    /* CXL r3.1 §8.2.9.5: the Command Effects Log, made from this table (cmd_logs.c) */
    { .opcode = TM_CXL_OP_GET_SUPPORTED_LOGS, .handler = tm_mailbox_get_supported_logs,
      INPUT_NONE, .ports = HOST | FM },
    { .opcode = TM_CXL_OP_GET_LOG, .handler = tm_mailbox_get_log,
      INPUT_FIXED(TmCxlGetLogRequest), .ports = HOST | FM },
    /* CXL r3.1 §8.2.9.9.1.1 */
    { .opcode = TM_CXL_OP_IDENTIFY_MEMORY_DEVICE,
      .handler = tm_mailbox_identify_memory_device, INPUT_NONE, .ports = HOST },
    /* CXL r3.1 §8.2.9.9.3: the device's health and its warning thresholds */
    { .opcode = TM_CXL_OP_GET_HEALTH_INFO, .handler = tm_mailbox_get_health_info, INPUT_NONE,
      .ports = HOST },
    { .opcode = TM_CXL_OP_GET_ALERT_CONFIG, .handler = tm_mailbox_get_alert_config, INPUT_NONE,
      .ports = HOST },
    { .opcode = TM_CXL_OP_SET_ALERT_CONFIG, .handler = tm_mailbox_set_alert_config,
      INPUT_FIXED(TmCxlSetAlertConfigRequest), .ports = HOST, .effects = POLICY },
    /*
     * CXL r3.1 §8.2.9.9.4: poison of DC capacity (tagmem devices have no
     * other).  Injecting and clearing change the data and the device's
     * list of media errors at once, so the journal records them.
     */
    { .opcode = TM_CXL_OP_GET_POISON_LIST, .handler = tm_mailbox_get_poison_list,
      INPUT_FIXED(TmCxlGetPoisonListRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_INJECT_POISON, .handler = tm_mailbox_inject_poison,
      INPUT_FIXED(TmCxlInjectPoisonRequest), .ports = HOST, .needs_dc = true,
      .effects = DATA | LOG },
    { .opcode = TM_CXL_OP_CLEAR_POISON, .handler = tm_mailbox_clear_poison,
      INPUT_FIXED(TmCxlClearPoisonRequest), .ports = HOST, .needs_dc = true,
      .effects = DATA | LOG },
    /*
     * CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6 (cmd_scan_media.c); QEMU's CEL
     * effects.  A scan changes neither data nor configuration, and its
     * results are not durable: not journalled (docs/durable-state.md).
     */
    { .opcode = TM_CXL_OP_GET_SCAN_MEDIA_CAPS, .handler = tm_mailbox_get_scan_media_caps,
      INPUT_FIXED(TmCxlGetScanMediaCapsRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_SCAN_MEDIA, .handler = tm_mailbox_scan_media,
      INPUT_FIXED(TmCxlScanMediaRequest), .ports = HOST, .needs_dc = true,
      .effects = BACKGROUND },
    { .opcode = TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, .handler = tm_mailbox_get_scan_media_results,
      INPUT_NONE, .ports = HOST, .needs_dc = true },
    /*
     * CXL r3.1 §8.2.9.9.5.1, §8.2.9.9.5.2: background operations on the
     * whole device (cmd_sanitize.c); QEMU's CEL effects.  Memory, not
     * configuration: not journalled (docs/durable-state.md).
     */
    { .opcode = TM_CXL_OP_SANITIZE, .handler = tm_mailbox_sanitize, INPUT_NONE,
      .ports = HOST, .needs_dc = true, .effects = DATA | SECURITY | BACKGROUND },
    { .opcode = TM_CXL_OP_SECURE_ERASE, .handler = tm_mailbox_sanitize, INPUT_NONE,
      .ports = HOST, .needs_dc = true, .effects = DATA | SECURITY | BACKGROUND },
    /* CXL r3.1 §8.2.9.9.9: only a device with DC regions has them (as in QEMU) */
    { .opcode = TM_CXL_OP_GET_DC_CONFIG, .handler = tm_mailbox_get_dc_config,
      INPUT_FIXED(TmCxlGetDcConfigRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_GET_DC_EXTENT_LIST, .handler = tm_mailbox_get_dc_extent_list,
      INPUT_FIXED(TmCxlGetDcExtentListRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_ADD_DC_RESPONSE, .handler = tm_mailbox_add_dc_response,
      INPUT_LIST(TmCxlAddDcResponseRequest, extent_count, TmCxlUpdatedExtent),
      .ports = HOST, .needs_dc = true, .effects = CONFIG | DATA | LOG },
    { .opcode = TM_CXL_OP_RELEASE_DC, .handler = tm_mailbox_release_dc,
      INPUT_LIST(TmCxlReleaseDcRequest, extent_count, TmCxlUpdatedExtent),
      .ports = HOST, .needs_dc = true, .effects = CONFIG | DATA | LOG },
    /* CXL r3.2 §7.6.7.6: the fabric manager's DCD management (docs/fm-api.md) */
    { .opcode = TM_CXL_OP_GET_DCD_INFO, .handler = tm_mailbox_get_dcd_info, INPUT_NONE,
      .ports = FM, .needs_dc = true },
    { .opcode = TM_CXL_OP_GET_HOST_DC_REGION_CONFIG,
      .handler = tm_mailbox_get_host_dc_region_config,
      INPUT_FIXED(TmCxlGetHostDcRegionConfigRequest), .ports = FM, .needs_dc = true },
    { .opcode = TM_CXL_OP_SET_DC_REGION_CONFIG, .handler = tm_mailbox_set_dc_region_config,
      INPUT_FIXED(TmCxlSetDcRegionConfigRequest), .ports = FM, .needs_dc = true,
      .effects = CONFIG | LOG },
    { .opcode = TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS,
      .handler = tm_mailbox_get_dc_region_extent_lists,
      INPUT_FIXED(TmCxlGetDcRegionExtentListsRequest), .ports = FM, .needs_dc = true },
    { .opcode = TM_CXL_OP_INITIATE_DC_ADD, .handler = tm_mailbox_initiate_dc_add,
      INPUT_LIST(TmCxlInitiateDcAddRequest, extent_count, TmCxlDcExtent),
      .ports = FM, .needs_dc = true, .effects = CONFIG | LOG },
    { .opcode = TM_CXL_OP_INITIATE_DC_RELEASE, .handler = tm_mailbox_initiate_dc_release,
      INPUT_LIST(TmCxlInitiateDcReleaseRequest, extent_count, TmCxlDcExtent),
      .ports = FM, .needs_dc = true, .effects = CONFIG | DATA | LOG },
    /* CXL r3.2 §7.6.7.6.7-§7.6.7.6.9: tag references (docs/fm-api.md) */
    { .opcode = TM_CXL_OP_DC_ADD_REFERENCE, .handler = tm_mailbox_dc_add_reference,
      INPUT_FIXED(TmCxlDcAddReferenceRequest), .ports = FM, .needs_dc = true,
      .effects = CONFIG },
    { .opcode = TM_CXL_OP_DC_REMOVE_REFERENCE, .handler = tm_mailbox_dc_remove_reference,
      INPUT_FIXED(TmCxlDcRemoveReferenceRequest), .ports = FM, .needs_dc = true,
      .effects = CONFIG | DATA },
    { .opcode = TM_CXL_OP_DC_LIST_TAGS, .handler = tm_mailbox_dc_list_tags,
      INPUT_FIXED(TmCxlDcListTagsRequest), .ports = FM, .needs_dc = true },
    /* tagmem's FM addition (docs/fm-api.md): take back offers nobody answered */
    { .opcode = TM_CXL_OP_WITHDRAW_DC, .handler = tm_mailbox_withdraw_dc,
      INPUT_FIXED(TmVendorWithdrawRequest), .ports = FM, .needs_dc = true,
      .effects = CONFIG | LOG },
    /* tagmem's data path (docs/host-protocol.md): a host's own accepted capacity */
    { .opcode = TM_CXL_OP_GET_EXTENT_MEMORY, .handler = tm_mailbox_get_extent_memory,
      INPUT_FIXED(TmVendorGetExtentMemoryRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_READ_DPA, .handler = tm_mailbox_read_dpa,
      INPUT_FIXED(TmVendorDpaAccessRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_GET_PENDING_OFFER, .handler = tm_mailbox_get_pending_offer,
      INPUT_FIXED(TmVendorGetPendingOfferRequest), .ports = HOST, .needs_dc = true },
    { .opcode = TM_CXL_OP_WRITE_DPA, .handler = tm_mailbox_write_dpa,
      INPUT_LIST(TmVendorDpaAccessRequest, length, uint8_t), .ports = HOST, .needs_dc = true,
      .effects = DATA },
};

guint tm_mailbox_command_count(void)
{
    return G_N_ELEMENTS(commands);
}

const TmMailboxCommand *tm_mailbox_command_at(guint index)
{
    return index < G_N_ELEMENTS(commands) ? &commands[index] : NULL;
}

bool tm_mailbox_command_served(const TmMailboxCommand *command, const TmMailboxRequest *request)
{
    return (command->ports & request->caller->port) &&
           (!command->needs_dc || tm_dcd_num_regions(request->dev) > 0);
}

const TmMailboxCommand *tm_mailbox_find_command(uint16_t opcode)
{
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (commands[i].opcode == opcode) {
            return &commands[i];
        }
    }
    return NULL;
}

TmCxlReturnCode tm_mailbox_fail(GError **err, TmCxlReturnCode code, const char *format, ...)
{
    va_list args;

    g_assert(code != TM_CXL_RC_SUCCESS);
    if (err) {
        va_start(args, format);
        g_autofree char *message = g_strdup_vprintf(format, args);
        va_end(args);
        g_set_error_literal(err, TM_ERROR, TM_ERROR_GENERIC, message);
    }
    return code;
}

static bool is_power_of_two(uint32_t value)
{
    return value != 0 && (value & (value - 1)) == 0;
}

bool tm_mailbox_caller_check(const TmDcd *dev, const TmMailboxCaller *caller, GError **err)
{
    if (caller->port != TM_MAILBOX_PORT_HOST && caller->port != TM_MAILBOX_PORT_FM) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "port kind %d is neither host nor FM",
                    (int)caller->port);
        return false;
    }
    if (caller->port == TM_MAILBOX_PORT_HOST && caller->host_id >= tm_dcd_num_hosts(dev)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "host-id %u is out of range: device '%s' has %u hosts", caller->host_id,
                    tm_dcd_id(dev), tm_dcd_num_hosts(dev));
        return false;
    }
    if (!is_power_of_two(caller->max_payload) ||
        caller->max_payload < TM_MAILBOX_MIN_MAX_PAYLOAD ||
        caller->max_payload > TM_MAILBOX_DEFAULT_MAX_PAYLOAD) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "max payload %u is not a power of two from %u to %u", caller->max_payload,
                    TM_MAILBOX_MIN_MAX_PAYLOAD, TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
        return false;
    }
    return true;
}

size_t tm_mailbox_payload_limit(const TmMailboxCaller *caller)
{
    return MIN((size_t)caller->max_payload, (size_t)TM_CCI_MAX_PAYLOAD_LENGTH);
}

size_t tm_mailbox_response_limit(const TmMailboxCaller *caller)
{
    size_t limit = caller->response_limit ? caller->response_limit
                                          : TM_MAILBOX_DEFAULT_RESPONSE_LIMIT;

    return MIN(limit, tm_mailbox_payload_limit(caller));
}

bool tm_mailbox_caller_notifies_log(const TmMailboxCaller *caller, TmEventLogType log)
{
    return (caller->interrupt_settings[log] & TM_MAILBOX_INTERRUPT_MODE_MASK) ==
           TM_MAILBOX_INTERRUPT_MSI;
}

size_t tm_mailbox_entries_that_fit(const TmMailboxRequest *request, size_t header,
                                   size_t entry_size, size_t wanted)
{
    size_t limit = tm_mailbox_response_limit(request->caller);
    size_t room = limit > header ? (limit - header) / entry_size : 0;

    return MIN(room, wanted);
}

static bool is_background_data_change(const TmMailboxCommand *command)
{
    return (command->effects & (DATA | BACKGROUND)) == (DATA | BACKGROUND);
}

bool tm_mailbox_changes_data_in_background(uint16_t opcode)
{
    const TmMailboxCommand *command = tm_mailbox_find_command(opcode);

    return command != NULL && is_background_data_change(command);
}

static const char *port_name(TmMailboxPortKind port)
{
    return port == TM_MAILBOX_PORT_FM ? "FM" : "host";
}

static uint32_t read_count(const uint8_t *payload, const TmMailboxCommand *command)
{
    uint32_t count = 0;

    /* Little-endian, whatever the width. */
    for (unsigned i = 0; i < command->count_width; i++) {
        count |= (uint32_t)payload[command->count_offset + i] << (8 * i);
    }
    return count;
}

static TmCxlReturnCode check_input_length(const TmMailboxCommand *command, const char *name,
                                          const TmMailboxRequest *request, GError **err)
{
    size_t length = request->payload_len;

    switch (command->input) {
    case TM_MAILBOX_INPUT_NONE:
        if (length != 0) {
            return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                                   "%s (%04Xh) takes no payload, got %zu bytes", name,
                                   command->opcode, length);
        }
        return TM_CXL_RC_SUCCESS;
    case TM_MAILBOX_INPUT_FIXED:
        if (length != command->input_size) {
            return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                                   "%s (%04Xh) takes a %u-byte payload, got %zu bytes", name,
                                   command->opcode, command->input_size, length);
        }
        return TM_CXL_RC_SUCCESS;
    case TM_MAILBOX_INPUT_BOUNDED:
        if (length < command->input_size || length > command->input_max) {
            return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                                   "%s (%04Xh) takes a %u- to %u-byte payload, got %zu bytes",
                                   name, command->opcode, command->input_size,
                                   command->input_max, length);
        }
        return TM_CXL_RC_SUCCESS;
    case TM_MAILBOX_INPUT_LIST:
        break;
    }
    if (length < command->input_size) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                               "%s (%04Xh) payload of %zu bytes is shorter than its %u-byte "
                               "header", name, command->opcode, length, command->input_size);
    }
    uint32_t count = read_count(request->payload, command);
    uint64_t expected = command->input_size + (uint64_t)count * command->entry_size;
    if (length != expected) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                               "%s (%04Xh) payload of %zu bytes does not match its count of "
                               "%" PRIu32 " entries (%" PRIu64 " bytes)", name, command->opcode,
                               length, count, expected);
    }
    return TM_CXL_RC_SUCCESS;
}

/* The table's checks, in order: known, allowed on this port, DC present, length. */
static TmCxlReturnCode check_request(const TmMailboxCommand *command,
                                     const TmMailboxRequest *request, GError **err)
{
    const TmMailboxCaller *caller = request->caller;

    if (command == NULL) {
        return tm_mailbox_fail(err, TM_CXL_RC_UNSUPPORTED, "command %04Xh is not supported",
                               request->opcode);
    }
    const char *name = tm_cxl_opcode_name(command->opcode);
    if (!(command->ports & caller->port)) {
        return tm_mailbox_fail(err, TM_CXL_RC_UNSUPPORTED,
                               "%s (%04Xh) is not available on the %s port", name,
                               command->opcode, port_name(caller->port));
    }
    if (command->needs_dc && tm_dcd_num_regions(request->dev) == 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_UNSUPPORTED,
                               "%s (%04Xh): device '%s' has no dynamic capacity regions", name,
                               command->opcode, tm_dcd_id(request->dev));
    }
    if (request->payload_len > tm_mailbox_payload_limit(caller)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_PAYLOAD_LENGTH,
                               "%s (%04Xh) payload of %zu bytes exceeds the maximum of %zu",
                               name, command->opcode, request->payload_len,
                               tm_mailbox_payload_limit(caller));
    }
    return check_input_length(command, name, request, err);
}

/*
 * A command changes device state that a restarted daemon must rebuild when
 * the Command Effects Log says it changes the configuration or a log at
 * once (CXL r3.1 §8.2.9.5.2.1).  Policy changes are the connection's own
 * settings (and the timestamp, which hosts set again after a restart as
 * after a reset); data changes are memory, which keeps itself -- except a
 * data change made in the background (sanitize), which a restart in the
 * middle must finish (docs/durable-state.md): its start is recorded.
 */
static bool changes_device_state(const TmMailboxCommand *command)
{
    return (command->effects & (CONFIG | LOG)) != 0 || is_background_data_change(command);
}

TmCxlReturnCode tm_mailbox_dispatch(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err)
{
    const TmMailboxCommand *command = tm_mailbox_find_command(request->opcode);
    TmCxlReturnCode code = check_request(command, request, err);
    const TmMailboxRecorder *recorder = request->caller->recorder;
    bool recorded = code == TM_CXL_RC_SUCCESS && recorder != NULL &&
                    changes_device_state(command);

    response->length = 0;
    response->fd = -1;
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    if (recorded && !recorder->can_record(recorder->opaque, err)) {
        return TM_CXL_RC_INTERNAL_ERROR;
    }
    code = command->handler(request, response, err);
    g_assert(response->length <= tm_mailbox_payload_limit(request->caller));
    if (code != TM_CXL_RC_SUCCESS) {
        response->length = 0;
    }
    if (recorded &&
        (code == TM_CXL_RC_SUCCESS || code == TM_CXL_RC_BACKGROUND_COMMAND_STARTED)) {
        recorder->record(recorder->opaque, request);
    }
    return code;
}

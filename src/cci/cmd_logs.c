/*
 * Logs (CXL r3.1 §8.2.9.5): the one log tagmem keeps is the Command Effects
 * Log, which lists every command the caller's port serves with its effects.
 * It is made from the mailbox table on each request, so it can never list a
 * command that is not served or miss one that is.
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "core/guid.h"

/* The CEL as @request's caller sees it: 4 bytes per command served. */
static GByteArray *command_effects_log(const TmMailboxRequest *request)
{
    GByteArray *log = g_byte_array_new();

    for (guint i = 0; i < tm_mailbox_command_count(); i++) {
        const TmMailboxCommand *command = tm_mailbox_command_at(i);

        if (tm_mailbox_command_served(command, request)) {
            TmCxlCelEntry entry = {
                .opcode = htole16(command->opcode),
                .effects = htole16(command->effects),
            };
            g_byte_array_append(log, (const guint8 *)&entry, sizeof(entry));
        }
    }
    return log;
}

static void cel_uuid(uint8_t out[16])
{
    TmGuid guid;

    /* A constant that parses: failure would be a typo in cxl_payloads.h. */
    g_assert(tm_guid_parse(TM_CXL_CEL_UUID, "CEL", &guid, NULL));
    memcpy(out, guid.bytes, sizeof(guid.bytes));
}

/* CXL r3.1 §8.2.9.5.1: Get Supported Logs (0400h): the CEL and its size. */
TmCxlReturnCode tm_mailbox_get_supported_logs(const TmMailboxRequest *request,
                                              TmMailboxResponse *response, GError **err)
{
    g_autoptr(GByteArray) log = command_effects_log(request);
    TmCxlGetSupportedLogsResponse header = { .entry_count = htole16(1) };
    TmCxlSupportedLogEntry entry = { .log_size = htole32(log->len) };

    (void)err;
    cel_uuid(entry.log_id);
    memcpy(response->payload, &header, sizeof(header));
    memcpy(response->payload + sizeof(header), &entry, sizeof(entry));
    response->length = sizeof(header) + sizeof(entry);
    return TM_CXL_RC_SUCCESS;
}

/*
 * CXL r3.1 §8.2.9.5.2: Get Log (0401h): @length bytes of the log from
 * @offset (fewer at its end).  A length the response cannot carry or an
 * offset past the end is Invalid Input; a log other than the CEL is
 * Invalid Log.
 */
TmCxlReturnCode tm_mailbox_get_log(const TmMailboxRequest *request,
                                   TmMailboxResponse *response, GError **err)
{
    TmCxlGetLogRequest in;
    uint8_t cel[16];

    memcpy(&in, request->payload, sizeof(in));
    cel_uuid(cel);
    if (memcmp(in.log_id, cel, sizeof(cel)) != 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_LOG,
                               "log identifier is not the Command Effects Log ("
                               TM_CXL_CEL_UUID "), the only log supported");
    }
    uint32_t offset = le32toh(in.offset);
    uint32_t length = le32toh(in.length);
    size_t limit = tm_mailbox_response_limit(request->caller);
    if (length > limit) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "length %u exceeds the maximum payload of %zu bytes", length,
                               limit);
    }
    g_autoptr(GByteArray) log = command_effects_log(request);
    if (offset > log->len) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "offset %u is past the end of the %u-byte log", offset, log->len);
    }
    response->length = MIN((size_t)length, (size_t)(log->len - offset));
    memcpy(response->payload, log->data + offset, response->length);
    return TM_CXL_RC_SUCCESS;
}

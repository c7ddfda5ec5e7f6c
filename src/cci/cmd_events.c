/*
 * Event commands (CXL r3.1 §8.2.9.2) on a host port: the host's own five
 * event logs.  The Dynamic Capacity log holds the host's DC records; the
 * informational, warning, failure and fatal logs hold the device's
 * General Media, DRAM and Memory Module records (device/dcd_ras.h).
 */
#include "cci/return_code_mapping.h"
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_event_record.h"

/* Handle count is one byte (CXL r3.1 Table 8-54). */
#define MAX_CLEAR_HANDLES 255

typedef struct {
    uint8_t event_log;
    bool clear_all;
    guint n_handles;
    uint16_t handles[MAX_CLEAR_HANDLES];
} TmClearEventRecordsInput;

/*
 * The log an input names.  Values past 04h are reserved, and the spec
 * answers a reserved input value with Invalid Input (as QEMU does here);
 * Invalid Log belongs to the UUID-named logs of Get Log (§8.2.9.5).
 */
static TmCxlReturnCode find_log(const TmMailboxRequest *request, uint8_t event_log,
                                TmEventLog **out, GError **err)
{
    if (event_log >= TM_EVENT_LOG_COUNT) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "event log %02Xh is not defined (00h-04h)", event_log);
    }
    *out = tm_dcd_host_event_log(request->dev, request->caller->host_id,
                                 (TmEventLogType)event_log);
    return TM_CXL_RC_SUCCESS;
}

static TmCxlGetEventRecordsResponse records_header(const TmEventLog *log, size_t returned)
{
    TmEventLogOverflow overflow = tm_event_log_overflow(log);
    TmCxlGetEventRecordsResponse out = { .record_count = htole16((uint16_t)returned) };

    /*
     * CXL r3.1 §8.2.9.2.2: More Event Records means records remain beyond
     * those returned (QEMU sets it whenever it returns any).
     */
    if (tm_event_log_count(log) > returned) {
        out.flags |= TM_CXL_GET_EVENT_FLAG_MORE_RECORDS;
    }
    if (overflow.overflowed) {
        out.flags |= TM_CXL_GET_EVENT_FLAG_OVERFLOW;
        out.overflow_count = htole16(overflow.overflow_count);
        out.first_overflow_timestamp = htole64(overflow.first_overflow_ns);
        out.last_overflow_timestamp = htole64(overflow.last_overflow_ns);
    }
    return out;
}

/* CXL r3.1 §8.2.9.2.2: Get Event Records (0100h), oldest first, as many as fit. */
TmCxlReturnCode tm_mailbox_get_event_records(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err)
{
    TmCxlGetEventRecordsRequest in;
    TmEventLog *log = NULL;

    memcpy(&in, request->payload, sizeof(in));
    TmCxlReturnCode code = find_log(request, in.event_log, &log, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    /* The record count field is 16 bits. */
    size_t returned = tm_mailbox_entries_that_fit(request, sizeof(TmCxlGetEventRecordsResponse),
                                                  TM_CXL_EVENT_RECORD_SIZE,
                                                  MIN(tm_event_log_count(log), UINT16_MAX));
    TmCxlGetEventRecordsResponse header = records_header(log, returned);
    uint8_t *records = response->payload + sizeof(header);

    memcpy(response->payload, &header, sizeof(header));
    for (size_t i = 0; i < returned; i++) {
        TmCxlEventRecord wire;

        tm_cxl_event_record_encode(tm_event_log_peek(log, (guint)i), &wire);
        memcpy(records + i * sizeof(wire), &wire, sizeof(wire));
    }
    response->length = sizeof(header) + returned * TM_CXL_EVENT_RECORD_SIZE;
    return TM_CXL_RC_SUCCESS;
}

static void parse_clear_input(const uint8_t *payload, TmClearEventRecordsInput *out)
{
    TmCxlClearEventRecordsRequest header;

    memcpy(&header, payload, sizeof(header));
    out->event_log = header.event_log;
    out->clear_all = (header.flags & TM_CXL_CLEAR_EVENT_FLAG_CLEAR_ALL) != 0;
    out->n_handles = header.handle_count;
    for (guint i = 0; i < out->n_handles; i++) {
        uint16_t handle;

        memcpy(&handle, payload + sizeof(header) + i * sizeof(handle), sizeof(handle));
        out->handles[i] = le16toh(handle);
    }
}

/*
 * CXL r3.1 §8.2.9.2.3, Table 8-54: Clear All Events comes with a handle
 * count of 0, and "is only allowed when the Event Log has overflowed;
 * otherwise, the device shall return Invalid Input".  (QEMU ignores the
 * flag.)
 */
static TmCxlReturnCode clear_all(TmEventLog *log, const TmClearEventRecordsInput *in,
                                 GError **err)
{
    if (in->n_handles != 0) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Clear All Events with %u handles: the count must be 0",
                               in->n_handles);
    }
    if (!tm_event_log_overflow(log).overflowed) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                               "Clear All Events on event log %02Xh, which has not overflowed",
                               in->event_log);
    }
    tm_event_log_clear_all(log);
    return TM_CXL_RC_SUCCESS;
}

static TmCxlReturnCode clear_handles(TmEventLog *log, const TmClearEventRecordsInput *in,
                                     GError **err)
{
    TmEventClearResult result = tm_event_log_clear(log, in->handles, in->n_handles);

    switch (result) {
    case TM_EVENT_CLEAR_OK:
        return TM_CXL_RC_SUCCESS;
    case TM_EVENT_CLEAR_INVALID_HANDLE:
        return tm_mailbox_fail(err, tm_cxl_return_code_from_event_clear(result),
                               "the %u handles (first %04Xh) are not the oldest records of "
                               "event log %02Xh", in->n_handles, in->handles[0],
                               in->event_log);
    case TM_EVENT_CLEAR_INVALID_INPUT:
        return tm_mailbox_fail(err, tm_cxl_return_code_from_event_clear(result),
                               "the %u handles are repeated or out of the log's order",
                               in->n_handles);
    }
    return tm_cxl_return_code_from_event_clear(result);
}

/* CXL r3.1 §8.2.9.2.3: Clear Event Records (0101h). */
TmCxlReturnCode tm_mailbox_clear_event_records(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err)
{
    TmClearEventRecordsInput in;
    TmEventLog *log = NULL;

    parse_clear_input(request->payload, &in);
    TmCxlReturnCode code = find_log(request, in.event_log, &log, err);
    if (code != TM_CXL_RC_SUCCESS) {
        return code;
    }
    return in.clear_all ? clear_all(log, &in, err) : clear_handles(log, &in, err);
}

/*
 * CXL r3.1 §8.2.9.2.4: Get Event Interrupt Policy (0102h): the
 * connection's settings, one byte per log (informational, warning,
 * failure, fatal, dynamic capacity).
 */
TmCxlReturnCode tm_mailbox_get_event_interrupt_policy(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err)
{
    TmCxlEventInterruptPolicy out;

    (void)err;
    G_STATIC_ASSERT(sizeof(out) == sizeof(request->caller->interrupt_settings));
    memcpy(&out, request->caller->interrupt_settings, sizeof(out));
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

/*
 * CXL r3.1 §8.2.9.2.5: Set Event Interrupt Policy (0103h).  A socket has
 * no interrupt lines: mode 01b (MSI/MSI-X) stands for tagmem's C000h
 * notification packet (docs/host-protocol.md), 00b for none; FW interrupts
 * (10b) and the reserved 11b are Invalid Input.  Without the DC byte that
 * log's setting is left as it was.  A connection is sent notifications
 * only of the logs it asked interrupts for (cci_server.c): a log set to
 * "no interrupt" stays silent.
 */
TmCxlReturnCode tm_mailbox_set_event_interrupt_policy(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err)
{
    uint8_t settings[sizeof(TmCxlEventInterruptPolicy)];

    memcpy(settings, request->caller->interrupt_settings, sizeof(settings));
    memcpy(settings, request->payload, request->payload_len);
    for (size_t i = 0; i < request->payload_len; i++) {
        uint8_t mode = settings[i] & TM_MAILBOX_INTERRUPT_MODE_MASK;

        if (mode != TM_MAILBOX_INTERRUPT_NONE && mode != TM_MAILBOX_INTERRUPT_MSI) {
            return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT,
                                   "interrupt setting %02Xh of log %zu: mode %u is not 0 (none) "
                                   "or 1 (MSI/MSI-X, the notification packet)", settings[i], i,
                                   mode);
        }
    }
    memcpy(request->caller->interrupt_settings, settings, sizeof(settings));
    response->length = 0;
    return TM_CXL_RC_SUCCESS;
}

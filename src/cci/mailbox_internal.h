/*
 * What the mailbox table holds and what the command handlers share.  Not
 * for other layers: they use mailbox.h.
 *
 * A handler is called only after the table's checks: the opcode is known,
 * the port may call it, the device has DC regions if the command needs
 * them, and the payload length is right for the command's input shape
 * (so a handler may read its fixed part, and every listed entry, without
 * checking again).  It parses the payload into host values, calls the
 * device model and encodes the response into response->payload, at most
 * tm_mailbox_payload_limit() bytes.
 */
#pragma once

#include "cci/mailbox.h"
#include "device/health.h"

typedef TmCxlReturnCode (*TmMailboxHandler)(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err);

typedef enum {
    TM_MAILBOX_INPUT_NONE,  /* no payload */
    TM_MAILBOX_INPUT_FIXED, /* exactly input_size bytes */
    /*
     * input_size bytes, then as many entry_size-byte entries as the
     * little-endian count at count_offset (count_width bytes) says: the
     * payload must be exactly that long.
     */
    TM_MAILBOX_INPUT_LIST,
    /* input_size to input_max bytes (a structure whose last fields are optional) */
    TM_MAILBOX_INPUT_BOUNDED,
} TmMailboxInputKind;

typedef struct {
    uint16_t opcode;
    TmMailboxHandler handler;
    TmMailboxInputKind input;
    uint16_t input_size;
    uint16_t input_max;     /* TM_MAILBOX_INPUT_BOUNDED */
    uint8_t count_offset;
    uint8_t count_width;
    uint8_t entry_size;
    uint8_t ports;          /* TmMailboxPortKind bits */
    bool needs_dc;          /* Unsupported unless the device has DC regions */
    uint16_t effects;       /* TM_CXL_EFFECT_* bits, as the Command Effects Log reports them */
} TmMailboxCommand;

/* The table, row by row (the Command Effects Log is made from it). */
guint tm_mailbox_command_count(void);
const TmMailboxCommand *tm_mailbox_command_at(guint index);
/* @command is served to @request's caller: its port, and DC regions if it needs them. */
bool tm_mailbox_command_served(const TmMailboxCommand *command, const TmMailboxRequest *request);

/* The command for @opcode, or NULL. */
const TmMailboxCommand *tm_mailbox_find_command(uint16_t opcode);

/* Set @err from the format and return @code (not Success). */
TmCxlReturnCode tm_mailbox_fail(GError **err, TmCxlReturnCode code, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * How many @entry_size-byte entries fit in the response after @header
 * bytes, capped at @wanted.
 */
size_t tm_mailbox_entries_that_fit(const TmMailboxRequest *request, size_t header,
                                   size_t entry_size, size_t wanted);

/* ---- Handlers, one file per command family ---- */

/* cmd_generic.c */
/* cmd_health.c (CXL r3.1 §8.2.9.9.3) */
TmCxlReturnCode tm_mailbox_get_health_info(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_alert_config(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_set_alert_config(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err);
/* A Set Alert Configuration input (12 bytes, checked length) decoded; not yet checked. */
void tm_cxl_alert_request_decode(const uint8_t *payload, TmAlertRequest *out);

TmCxlReturnCode tm_mailbox_identify(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err);

TmCxlReturnCode tm_mailbox_background_operation_status(const TmMailboxRequest *request,
                                                      TmMailboxResponse *response,
                                                      GError **err);

TmCxlReturnCode tm_mailbox_get_response_message_limit(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_set_response_message_limit(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err);

/* cmd_timestamp.c */
TmCxlReturnCode tm_mailbox_get_timestamp(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_set_timestamp(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err);

/* cmd_logs.c */
TmCxlReturnCode tm_mailbox_get_supported_logs(const TmMailboxRequest *request,
                                              TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_log(const TmMailboxRequest *request,
                                   TmMailboxResponse *response, GError **err);

/* cmd_events.c */
TmCxlReturnCode tm_mailbox_get_event_records(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_clear_event_records(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_event_interrupt_policy(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_set_event_interrupt_policy(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err);

/* cmd_memdev.c */
TmCxlReturnCode tm_mailbox_identify_memory_device(const TmMailboxRequest *request,
                                                  TmMailboxResponse *response, GError **err);

/* cmd_scan_media.c: CXL r3.1 §8.2.9.9.4.4-§8.2.9.9.4.6 */
TmCxlReturnCode tm_mailbox_get_scan_media_caps(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_scan_media(const TmMailboxRequest *request,
                                      TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_scan_media_results(const TmMailboxRequest *request,
                                                  TmMailboxResponse *response, GError **err);
/* cmd_sanitize.c: 4400h and 4401h */
TmCxlReturnCode tm_mailbox_sanitize(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err);
/* cmd_poison.c: CXL r3.1 §8.2.9.9.4 */
/*
 * @ranges (TmPoisonRange, each at most UINT32_MAX lines) as 16-byte Media
 * Error Records at @out: Get Poison List's and Get Scan Media Results'.
 */
void tm_mailbox_encode_media_errors(const GArray *ranges, uint8_t *out);
TmCxlReturnCode tm_mailbox_get_poison_list(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_inject_poison(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_clear_poison(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err);

/* cmd_dcd.c */
/*
 * @count of @host_id's accepted extents from @start as 40-byte Dynamic
 * Capacity Extents at @out (4801h and FM-API 5603h list the same); returns
 * the bytes written.
 */
size_t tm_mailbox_encode_accepted(const TmDcd *dev, uint16_t host_id, guint start, size_t count,
                                  uint8_t *out);
TmCxlReturnCode tm_mailbox_get_dc_config(const TmMailboxRequest *request,
                                         TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_dc_extent_list(const TmMailboxRequest *request,
                                              TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_add_dc_response(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_release_dc(const TmMailboxRequest *request,
                                      TmMailboxResponse *response, GError **err);

/* cmd_fm_dcd.c */
TmCxlReturnCode tm_mailbox_get_dcd_info(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_host_dc_region_config(const TmMailboxRequest *request,
                                                     TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_set_dc_region_config(const TmMailboxRequest *request,
                                                TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_dc_region_extent_lists(const TmMailboxRequest *request,
                                                      TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_initiate_dc_add(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_initiate_dc_release(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_withdraw_dc(const TmMailboxRequest *request,
                                       TmMailboxResponse *response, GError **err);

/* cmd_fm_tags.c */
TmCxlReturnCode tm_mailbox_dc_add_reference(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_dc_remove_reference(const TmMailboxRequest *request,
                                               TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_dc_list_tags(const TmMailboxRequest *request,
                                        TmMailboxResponse *response, GError **err);

/* cmd_vendor.c */
TmCxlReturnCode tm_mailbox_get_extent_memory(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_read_dpa(const TmMailboxRequest *request,
                                    TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_write_dpa(const TmMailboxRequest *request,
                                     TmMailboxResponse *response, GError **err);
TmCxlReturnCode tm_mailbox_get_pending_offer(const TmMailboxRequest *request,
                                             TmMailboxResponse *response, GError **err);

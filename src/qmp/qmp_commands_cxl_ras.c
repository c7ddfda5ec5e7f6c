/*
 * CXL RAS over QMP: QEMU's event injection commands (qapi/cxl.json:
 * cxl-inject-general-media-event, cxl-inject-dram-event,
 * cxl-inject-memory-module-event, cxl-inject-uncorrectable-errors,
 * cxl-inject-correctable-error) and tagmem's query-cxl-health.  Arguments
 * are QEMU's, checked by the same schema rules and answered with QEMU's
 * messages; what the records do is the device model's (device/dcd_ras.h,
 * docs/qmp.md).
 */
#include "qmp/qmp_command.h"

#include <string.h>

#include "core/error.h"
#include "device/dcd_ras.h"
#include "qmp/qom_path.h"

/* QEMU's CxlEventLog, in TmEventLogType order. */
static const char *const event_logs[] = {
    "informational", "warning", "failure", "fatal", NULL,
};
_Static_assert(TM_EVENT_LOG_INFO == 0 && TM_EVENT_LOG_WARNING == 1 &&
               TM_EVENT_LOG_FAILURE == 2 && TM_EVENT_LOG_FATAL == 3,
               "event_logs[] follows TmEventLogType");

static const char *const uncorrectable_error_types[] = {
    "cache-data-parity", "cache-address-parity", "cache-be-parity", "cache-data-ecc",
    "mem-data-parity", "mem-address-parity", "mem-be-parity", "mem-data-ecc",
    "reinit-threshold", "rsvd-encoding", "poison-received", "receiver-overflow",
    "internal", "cxl-ide-tx", "cxl-ide-rx", NULL,
};

static const char *const correctable_error_types[] = {
    "cache-data-ecc", "mem-data-ecc", "crc-threshold", "retry-threshold",
    "cache-poison-received", "mem-poison-received", "physical", NULL,
};

/* Validity Flags (CXL r3.1 Tables 8-45, 8-46), as QEMU sets them for the optional members. */
#define VALID_CHANNEL 0x0001u
#define VALID_RANK 0x0002u
#define GM_VALID_DEVICE 0x0004u
#define GM_VALID_COMPONENT_ID 0x0008u
#define DRAM_VALID_NIBBLE_MASK 0x0004u
#define DRAM_VALID_BANK_GROUP 0x0008u
#define DRAM_VALID_BANK 0x0010u
#define DRAM_VALID_ROW 0x0020u
#define DRAM_VALID_COLUMN 0x0040u
#define DRAM_VALID_CORRECTION_MASK 0x0080u

/* The 24-bit fields keep their low 24 bits, as QEMU stores them. */
#define LOW24(x) ((uint32_t)(x) & 0xFFFFFFu)

static guint enum_index(const char *const *values, const char *text)
{
    for (guint i = 0; values[i]; i++) {
        if (strcmp(values[i], text) == 0) {
            return i;
        }
    }
    g_assert_not_reached();
}

/*
 * QEMU's object_resolve_path() then a type check, with its messages: an
 * absolute path or an id that names nothing is "Unable to resolve path",
 * something that is not a cxl-type3 device "Path does not point to a CXL
 * type 3 device".
 */
static TmDcd *resolve_type3(TmQmpEnv *env, const char *path, GError **err)
{
    TmQomNode node;
    bool found;

    if (path[0] == '/') {
        found = tm_qom_resolve(env, path, &node, NULL);
        if (found && node.object && tm_object_is_a(node.object, &tm_dcd_class)) {
            return tm_dcd_from_object(node.object);
        }
    } else {
        TmDcd *dev = env->devices ? tm_device_registry_find(env->devices, path) : NULL;

        if (dev != NULL) {
            return dev;
        }
        found = env->backends && tm_backend_registry_find_by_id(env->backends, path);
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, found
                ? "Path does not point to a CXL type 3 device" : "Unable to resolve path");
    return NULL;
}

static TmEventLogType log_arg(json_object *args)
{
    return (TmEventLogType)enum_index(event_logs, tm_qmp_arg_str(args, "log", NULL));
}

/* The members General Media and DRAM records share; false if the DPA is in no region. */
static bool media_common(TmDcd *dev, json_object *args, TmMediaEventCommon *common,
                         GError **err)
{
    *common = (TmMediaEventCommon){
        .flags = (uint32_t)tm_qmp_arg_uint(args, "flags", 0),
        .dpa = tm_qmp_arg_uint(args, "dpa", 0),
        .descriptor = (uint8_t)tm_qmp_arg_uint(args, "descriptor", 0),
        .type = (uint8_t)tm_qmp_arg_uint(args, "type", 0),
        .transaction_type = (uint8_t)tm_qmp_arg_uint(args, "transaction-type", 0),
    };
    if (tm_qmp_arg_has(args, "channel")) {
        common->validity |= VALID_CHANNEL;
    }
    if (tm_qmp_arg_has(args, "rank")) {
        common->validity |= VALID_RANK;
    }
    return tm_dcd_check_media_dpa(dev, common->dpa, err);
}

/* An optional member: its value and its validity bit when present. */
static uint64_t optional_uint(json_object *args, const char *name, uint16_t bit,
                              uint16_t *validity)
{
    if (!tm_qmp_arg_has(args, name)) {
        return 0;
    }
    *validity |= bit;
    return tm_qmp_arg_uint(args, name, 0);
}

static bool cxl_inject_general_media_event(TmQmpEnv *env, TmQmpSession *session,
                                           json_object *args, json_object **ret, GError **err)
{
    TmGeneralMediaEvent event = { 0 };
    TmDcd *dev = resolve_type3(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL || !media_common(dev, args, &event.common, err)) {
        return false;
    }
    uint16_t *validity = &event.common.validity;
    event.channel = (uint8_t)optional_uint(args, "channel", 0, validity);
    event.rank = (uint8_t)optional_uint(args, "rank", 0, validity);
    event.device = LOW24(optional_uint(args, "device", GM_VALID_DEVICE, validity));
    if (tm_qmp_arg_has(args, "component-id")) {
        /* QEMU keeps at most 15 characters and a terminating 0. */
        g_strlcpy((char *)event.component_id, tm_qmp_arg_str(args, "component-id", ""),
                  sizeof(event.component_id));
        *validity |= GM_VALID_COMPONENT_ID;
    }
    tm_dcd_append_general_media(dev, log_arg(args), &event);
    return true;
}

/* QEMU takes the first four masks of the list and ignores the rest. */
static void correction_masks(json_object *args, TmDramEvent *event)
{
    json_object *list = json_object_object_get(args, "correction-mask");
    size_t count = MIN(json_object_array_length(list), G_N_ELEMENTS(event->correction_mask));

    for (size_t i = 0; i < count; i++) {
        event->correction_mask[i] = json_object_get_uint64(json_object_array_get_idx(list, i));
    }
    event->common.validity |= DRAM_VALID_CORRECTION_MASK;
}

static bool cxl_inject_dram_event(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                                  json_object **ret, GError **err)
{
    TmDramEvent event = { 0 };
    TmDcd *dev = resolve_type3(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL || !media_common(dev, args, &event.common, err)) {
        return false;
    }
    uint16_t *validity = &event.common.validity;
    event.channel = (uint8_t)optional_uint(args, "channel", 0, validity);
    event.rank = (uint8_t)optional_uint(args, "rank", 0, validity);
    event.nibble_mask = LOW24(optional_uint(args, "nibble-mask", DRAM_VALID_NIBBLE_MASK,
                                            validity));
    event.bank_group = (uint8_t)optional_uint(args, "bank-group", DRAM_VALID_BANK_GROUP,
                                              validity);
    event.bank = (uint8_t)optional_uint(args, "bank", DRAM_VALID_BANK, validity);
    event.row = LOW24(optional_uint(args, "row", DRAM_VALID_ROW, validity));
    event.column = (uint16_t)optional_uint(args, "column", DRAM_VALID_COLUMN, validity);
    if (tm_qmp_arg_has(args, "correction-mask")) {
        correction_masks(args, &event);
    }
    tm_dcd_append_dram(dev, log_arg(args), &event);
    return true;
}

static bool cxl_inject_memory_module_event(TmQmpEnv *env, TmQmpSession *session,
                                           json_object *args, json_object **ret, GError **err)
{
    TmDcd *dev = resolve_type3(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL) {
        return false;
    }
    TmMemoryModuleEvent event = {
        .flags = (uint32_t)tm_qmp_arg_uint(args, "flags", 0),
        .type = (uint8_t)tm_qmp_arg_uint(args, "type", 0),
        .health = {
            .health_status = (uint8_t)tm_qmp_arg_uint(args, "health-status", 0),
            .media_status = (uint8_t)tm_qmp_arg_uint(args, "media-status", 0),
            .additional_status = (uint8_t)tm_qmp_arg_uint(args, "additional-status", 0),
            .life_used = (uint8_t)tm_qmp_arg_uint(args, "life-used", 0),
            .temperature = (int16_t)tm_qmp_arg_int(args, "temperature", 0),
            .dirty_shutdown_count = (uint32_t)tm_qmp_arg_uint(args, "dirty-shutdown-count", 0),
            .corrected_volatile_errors =
                (uint32_t)tm_qmp_arg_uint(args, "corrected-volatile-error-count", 0),
            .corrected_persistent_errors =
                (uint32_t)tm_qmp_arg_uint(args, "corrected-persistent-error-count", 0),
        },
    };
    tm_dcd_append_memory_module(dev, log_arg(args), &event);
    return true;
}

/*
 * QEMU reports these through the RAS capability registers and PCIe AER
 * of the device's link.  A tagmem device has no PCIe function, so there
 * is nowhere to report them; the arguments and the path are checked as
 * QEMU checks them, then the request is refused.
 */
static bool refuse_link_error(TmQmpEnv *env, json_object *args, const char *what,
                              GError **err)
{
    if (resolve_type3(env, tm_qmp_arg_str(args, "path", NULL), err) == NULL) {
        return false;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "%s errors are reported through the PCIe AER of the device's link; a tagmem "
                "device has no PCIe link, so it cannot report them", what);
    return false;
}

static bool cxl_inject_uncorrectable_errors(TmQmpEnv *env, TmQmpSession *session,
                                            json_object *args, json_object **ret, GError **err)
{
    return refuse_link_error(env, args, "CXL uncorrectable", err);
}

static bool cxl_inject_correctable_error(TmQmpEnv *env, TmQmpSession *session,
                                         json_object *args, json_object **ret, GError **err)
{
    return refuse_link_error(env, args, "CXL correctable", err);
}

static void add_uint(json_object *json, const char *name, uint64_t value)
{
    json_object_object_add(json, name, json_object_new_uint64(value));
}

static json_object *alert_config_json(const TmAlertConfig *config)
{
    json_object *json = json_object_new_object();

    add_uint(json, "enabled-alerts", config->enabled);
    add_uint(json, "life-used-warning", config->life_used);
    json_object_object_add(json, "over-temperature-warning",
                           json_object_new_int(config->over_temperature));
    json_object_object_add(json, "under-temperature-warning",
                           json_object_new_int(config->under_temperature));
    add_uint(json, "corrected-volatile-error-warning", config->corrected_volatile);
    add_uint(json, "corrected-persistent-error-warning", config->corrected_persistent);
    return json;
}

/* Get Health Info (4200h) and Get Alert Configuration (4201h) of a device, for management. */
static bool query_cxl_health(TmQmpEnv *env, TmQmpSession *session, json_object *args,
                             json_object **ret, GError **err)
{
    TmDcd *dev = resolve_type3(env, tm_qmp_arg_str(args, "path", NULL), err);

    if (dev == NULL) {
        return false;
    }
    TmHealthInfo health = tm_dcd_health(dev);
    TmAlertConfig alerts = tm_dcd_alert_config(dev);
    json_object *json = json_object_new_object();

    add_uint(json, "health-status", health.health_status);
    add_uint(json, "media-status", health.media_status);
    add_uint(json, "additional-status", health.additional_status);
    add_uint(json, "life-used", health.life_used);
    json_object_object_add(json, "temperature", json_object_new_int(health.temperature));
    add_uint(json, "dirty-shutdown-count", health.dirty_shutdown_count);
    add_uint(json, "corrected-volatile-error-count", health.corrected_volatile_errors);
    add_uint(json, "corrected-persistent-error-count", health.corrected_persistent_errors);
    json_object_object_add(json, "alert-config", alert_config_json(&alerts));
    *ret = json;
    return true;
}

/* ---- Schemas (qapi/cxl.json) ---- */

#define PATH_ARG { .name = "path", .type = TM_QMP_ARG_STR }
#define LOG_ARG { .name = "log", .type = TM_QMP_ARG_ENUM, .enum_values = event_logs }
#define U8(n) { .name = (n), .type = TM_QMP_ARG_UINT8 }
#define U32(n) { .name = (n), .type = TM_QMP_ARG_UINT32 }
#define OPT(n, t) { .name = (n), .type = (t), .optional = true }

#define MEDIA_ARGS                                                                   \
    PATH_ARG, LOG_ARG, U8("flags"), { .name = "dpa", .type = TM_QMP_ARG_UINT64 },    \
    U8("descriptor"), U8("type"), U8("transaction-type"),                            \
    OPT("channel", TM_QMP_ARG_UINT8), OPT("rank", TM_QMP_ARG_UINT8)

static const TmQmpArg general_media_args[] = {
    MEDIA_ARGS,
    OPT("device", TM_QMP_ARG_UINT32),
    OPT("component-id", TM_QMP_ARG_STR),
    { .name = NULL },
};

static const TmQmpArg uint64_element = { .type = TM_QMP_ARG_UINT64 };
static const TmQmpArg uint32_element = { .type = TM_QMP_ARG_UINT32 };

static const TmQmpArg dram_args[] = {
    MEDIA_ARGS,
    OPT("nibble-mask", TM_QMP_ARG_UINT32),
    OPT("bank-group", TM_QMP_ARG_UINT8),
    OPT("bank", TM_QMP_ARG_UINT8),
    OPT("row", TM_QMP_ARG_UINT32),
    OPT("column", TM_QMP_ARG_UINT16),
    { .name = "correction-mask", .type = TM_QMP_ARG_LIST, .optional = true,
      .element = &uint64_element },
    { .name = NULL },
};

static const TmQmpArg memory_module_args[] = {
    PATH_ARG, LOG_ARG, U8("flags"), U8("type"), U8("health-status"), U8("media-status"),
    U8("additional-status"), U8("life-used"),
    { .name = "temperature", .type = TM_QMP_ARG_INT16 },
    U32("dirty-shutdown-count"), U32("corrected-volatile-error-count"),
    U32("corrected-persistent-error-count"),
    { .name = NULL },
};

static const TmQmpArg uncorrectable_error_members[] = {
    { .name = "type", .type = TM_QMP_ARG_ENUM, .enum_values = uncorrectable_error_types },
    { .name = "header", .type = TM_QMP_ARG_LIST, .element = &uint32_element },
    { .name = NULL },
};

static const TmQmpArg uncorrectable_error_element = {
    .type = TM_QMP_ARG_STRUCT, .members = uncorrectable_error_members,
};

static const TmQmpArg uncorrectable_args[] = {
    PATH_ARG,
    { .name = "errors", .type = TM_QMP_ARG_LIST, .element = &uncorrectable_error_element },
    { .name = NULL },
};

static const TmQmpArg correctable_args[] = {
    PATH_ARG,
    { .name = "type", .type = TM_QMP_ARG_ENUM, .enum_values = correctable_error_types },
    { .name = NULL },
};

static const TmQmpArg path_args[] = {
    PATH_ARG,
    { .name = NULL },
};

const TmQmpCommand tm_qmp_cxl_ras_commands[] = {
    { .name = "cxl-inject-general-media-event", .handler = cxl_inject_general_media_event,
      .args = general_media_args },
    { .name = "cxl-inject-dram-event", .handler = cxl_inject_dram_event, .args = dram_args },
    { .name = "cxl-inject-memory-module-event", .handler = cxl_inject_memory_module_event,
      .args = memory_module_args },
    { .name = "cxl-inject-uncorrectable-errors", .handler = cxl_inject_uncorrectable_errors,
      .args = uncorrectable_args },
    { .name = "cxl-inject-correctable-error", .handler = cxl_inject_correctable_error,
      .args = correctable_args },
    { .name = "query-cxl-health", .handler = query_cxl_health, .args = path_args },
    { .name = NULL },
};

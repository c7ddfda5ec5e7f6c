/*
 * Health Info and Alerts (CXL r3.1 §8.2.9.9.3): Get Health Info (4200h),
 * Get and Set Alert Configuration (4201h, 4202h).  The health is the
 * device's, the same on every host port; the alert configuration too (a
 * device has one set of thresholds, whichever host programs them).
 */
#include "cci/mailbox_internal.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_health_payloads.h"
#include "device/dcd_ras.h"

/* CXL r3.1 §8.2.9.9.3.1: Get Health Info (4200h). */
TmCxlReturnCode tm_mailbox_get_health_info(const TmMailboxRequest *request,
                                           TmMailboxResponse *response, GError **err)
{
    TmHealthInfo health = tm_dcd_health(request->dev);
    TmCxlHealthInfo out = {
        .health_status = health.health_status,
        .media_status = health.media_status,
        .additional_status = health.additional_status,
        .life_used = health.life_used,
        .temperature = (int16_t)htole16((uint16_t)health.temperature),
        .dirty_shutdown_count = htole32(health.dirty_shutdown_count),
        .corrected_volatile_errors = htole32(health.corrected_volatile_errors),
        .corrected_persistent_errors = htole32(health.corrected_persistent_errors),
    };

    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

static int16_t le_int16(int16_t value)
{
    return (int16_t)htole16((uint16_t)value);
}

/* CXL r3.1 §8.2.9.9.3.2: Get Alert Configuration (4201h). */
TmCxlReturnCode tm_mailbox_get_alert_config(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err)
{
    TmAlertConfig config = tm_dcd_alert_config(request->dev);
    TmCxlAlertConfig out = {
        .valid_alerts = config.enabled,
        .programmable_alerts = TM_ALERT_ALL,
        .life_used_critical = TM_HEALTH_LIFE_USED_CRITICAL,
        .life_used_warning = config.life_used,
        .over_temperature_critical = le_int16(TM_HEALTH_OVER_TEMPERATURE_CRITICAL),
        .under_temperature_critical = le_int16(TM_HEALTH_UNDER_TEMPERATURE_CRITICAL),
        .over_temperature_warning = le_int16(config.over_temperature),
        .under_temperature_warning = le_int16(config.under_temperature),
        .corrected_volatile_warning = htole16(config.corrected_volatile),
        .corrected_persistent_warning = htole16(config.corrected_persistent),
    };

    (void)err;
    memcpy(response->payload, &out, sizeof(out));
    response->length = sizeof(out);
    return TM_CXL_RC_SUCCESS;
}

void tm_cxl_alert_request_decode(const uint8_t *payload, TmAlertRequest *out)
{
    TmCxlSetAlertConfigRequest in;

    memcpy(&in, payload, sizeof(in));
    *out = (TmAlertRequest){
        .valid_actions = in.valid_alert_actions,
        .enable_actions = in.enable_alert_actions,
        .thresholds = {
            .life_used = in.life_used_warning,
            .over_temperature = (int16_t)le16toh((uint16_t)in.over_temperature_warning),
            .under_temperature = (int16_t)le16toh((uint16_t)in.under_temperature_warning),
            .corrected_volatile = le16toh(in.corrected_volatile_warning),
            .corrected_persistent = le16toh(in.corrected_persistent_warning),
        },
    };
}

/*
 * CXL r3.1 §8.2.9.9.3.3: Set Alert Configuration (4202h).  A threshold the
 * device cannot take (undefined alert bits, a warning at or past its
 * critical threshold) is Invalid Input and changes nothing.
 */
TmCxlReturnCode tm_mailbox_set_alert_config(const TmMailboxRequest *request,
                                            TmMailboxResponse *response, GError **err)
{
    TmAlertRequest alert_request;
    g_autoptr(GError) why = NULL;

    tm_cxl_alert_request_decode(request->payload, &alert_request);
    if (!tm_dcd_set_alert_config(request->dev, &alert_request, &why)) {
        return tm_mailbox_fail(err, TM_CXL_RC_INVALID_INPUT, "%s", why->message);
    }
    response->length = 0;
    return TM_CXL_RC_SUCCESS;
}

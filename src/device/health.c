#include "device/health.h"

#include "core/error.h"

void tm_device_health_init(TmDeviceHealth *health)
{
    *health = (TmDeviceHealth){
        .info = { .temperature = TM_HEALTH_DEFAULT_TEMPERATURE },
    };
}

bool tm_alert_request_check(const TmAlertRequest *request, GError **err)
{
    uint8_t enabling = request->valid_actions & request->enable_actions;
    const TmAlertConfig *t = &request->thresholds;

    if (request->valid_actions & ~TM_ALERT_ALL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Valid Alert Actions %02Xh has undefined bits (defined: %02Xh)",
                    request->valid_actions, TM_ALERT_ALL);
        return false;
    }
    if ((enabling & TM_ALERT_LIFE_USED) && t->life_used > TM_HEALTH_LIFE_USED_CRITICAL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Life Used warning threshold %u%% is above the critical threshold %d%%",
                    t->life_used, TM_HEALTH_LIFE_USED_CRITICAL);
        return false;
    }
    if ((enabling & TM_ALERT_OVER_TEMPERATURE) &&
        t->over_temperature >= TM_HEALTH_OVER_TEMPERATURE_CRITICAL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Over-Temperature warning threshold %d C is not below the critical "
                    "threshold %d C", t->over_temperature, TM_HEALTH_OVER_TEMPERATURE_CRITICAL);
        return false;
    }
    if ((enabling & TM_ALERT_UNDER_TEMPERATURE) &&
        t->under_temperature <= TM_HEALTH_UNDER_TEMPERATURE_CRITICAL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Under-Temperature warning threshold %d C is not above the critical "
                    "threshold %d C", t->under_temperature, TM_HEALTH_UNDER_TEMPERATURE_CRITICAL);
        return false;
    }
    return true;
}

void tm_alert_request_apply(TmAlertConfig *config, const TmAlertRequest *request)
{
    uint8_t enabling = request->valid_actions & request->enable_actions;
    const TmAlertConfig *t = &request->thresholds;

    if (enabling & TM_ALERT_LIFE_USED) {
        config->life_used = t->life_used;
    }
    if (enabling & TM_ALERT_OVER_TEMPERATURE) {
        config->over_temperature = t->over_temperature;
    }
    if (enabling & TM_ALERT_UNDER_TEMPERATURE) {
        config->under_temperature = t->under_temperature;
    }
    if (enabling & TM_ALERT_CORRECTED_VOLATILE) {
        config->corrected_volatile = t->corrected_volatile;
    }
    if (enabling & TM_ALERT_CORRECTED_PERSISTENT) {
        config->corrected_persistent = t->corrected_persistent;
    }
    config->enabled = (uint8_t)((config->enabled & ~request->valid_actions) | enabling);
}

/* @before < @threshold <= @after */
static bool rises_to(int64_t before, int64_t after, int64_t threshold)
{
    return before < threshold && after >= threshold;
}

uint8_t tm_health_crossed_alerts(const TmAlertConfig *config, const TmHealthInfo *before,
                                 const TmHealthInfo *after)
{
    uint8_t crossed = 0;

    if (rises_to(before->life_used, after->life_used, config->life_used)) {
        crossed |= TM_ALERT_LIFE_USED;
    }
    if (rises_to(before->temperature, after->temperature, config->over_temperature)) {
        crossed |= TM_ALERT_OVER_TEMPERATURE;
    }
    if (rises_to(-before->temperature, -after->temperature, -config->under_temperature)) {
        crossed |= TM_ALERT_UNDER_TEMPERATURE;
    }
    if (rises_to(before->corrected_volatile_errors, after->corrected_volatile_errors,
                 config->corrected_volatile)) {
        crossed |= TM_ALERT_CORRECTED_VOLATILE;
    }
    if (rises_to(before->corrected_persistent_errors, after->corrected_persistent_errors,
                 config->corrected_persistent)) {
        crossed |= TM_ALERT_CORRECTED_PERSISTENT;
    }
    return crossed & config->enabled;
}

TmModuleEventType tm_health_alert_event_type(uint8_t alert)
{
    switch (alert) {
    case TM_ALERT_LIFE_USED:
        return TM_MODULE_EVENT_LIFE_USED_CHANGE;
    case TM_ALERT_OVER_TEMPERATURE:
    case TM_ALERT_UNDER_TEMPERATURE:
        return TM_MODULE_EVENT_TEMPERATURE_CHANGE;
    default:
        return TM_MODULE_EVENT_HEALTH_STATUS_CHANGE;
    }
}

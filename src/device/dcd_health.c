/*
 * The device's health (CXL r3.1 §8.2.9.9.3) and the records its warning
 * thresholds produce.
 */
#include "device/dcd_internal.h"
#include "device/dcd_ras.h"

TmHealthInfo tm_dcd_health(const TmDcd *dev)
{
    return dev->health.info;
}

TmAlertConfig tm_dcd_alert_config(const TmDcd *dev)
{
    return dev->health.alerts;
}

bool tm_dcd_set_alert_config(TmDcd *dev, const TmAlertRequest *request, GError **err)
{
    if (!tm_alert_request_check(request, err)) {
        return false;
    }
    tm_alert_request_apply(&dev->health.alerts, request);
    return true;
}

/*
 * CXL r3.1 §8.2.9.9.3.3: a programmable warning threshold reached makes
 * the device add an event record.  It is a Memory Module record with
 * Warning severity in the warning log, one per threshold crossed, with
 * the health after the change.
 */
void tm_dcd_health_changed(TmDcd *dev, const TmHealthInfo *before)
{
    uint8_t crossed = tm_health_crossed_alerts(&dev->health.alerts, before, &dev->health.info);

    for (uint8_t alert = 1; alert <= TM_ALERT_ALL; alert <<= 1) {
        if (!(crossed & alert)) {
            continue;
        }
        TmEventRecord record = {
            .kind = TM_EVENT_KIND_MEMORY_MODULE,
            .module = {
                .flags = TM_EVENT_SEVERITY_WARNING,
                .type = tm_health_alert_event_type(alert),
                .health = dev->health.info,
            },
        };
        tm_dcd_append_device_record(dev, TM_EVENT_LOG_WARNING, &record);
    }
}

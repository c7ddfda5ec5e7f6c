/*
 * libFuzzer target: the device's alert configuration and threshold
 * crossings (device/health.h).  The input is a Set Alert Configuration
 * request in host order, then health readings back to back; each request
 * is checked and applied all or nothing, and every change of the health
 * must report only enabled thresholds, and none when nothing moved.
 *
 * Input layout: bytes 0-11 the request (valid actions, enable actions,
 * life used, over- and under-temperature, corrected volatile and
 * persistent, little-endian 16-bit); then 7-byte readings (life used,
 * temperature, corrected volatile and persistent counts, 16 bits each).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUEST_SIZE 12
#define READING_SIZE 7

static uint16_t le16(const uint8_t *bytes)
{
    return (uint16_t)(bytes[0] | bytes[1] << 8);
}

static TmHealthInfo reading(const uint8_t *bytes)
{
    return (TmHealthInfo){
        .life_used = bytes[0],
        .temperature = (int16_t)le16(bytes + 1),
        .corrected_volatile_errors = le16(bytes + 3),
        .corrected_persistent_errors = le16(bytes + 5),
    };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TmDeviceHealth health;
    GError *err = NULL;

    if (size < REQUEST_SIZE) {
        return 0;
    }
    tm_device_health_init(&health);
    TmAlertRequest request = {
        .valid_actions = data[0],
        .enable_actions = data[1],
        .thresholds = {
            .life_used = data[2],
            .over_temperature = (int16_t)le16(data + 4),
            .under_temperature = (int16_t)le16(data + 6),
            .corrected_volatile = le16(data + 8),
            .corrected_persistent = le16(data + 10),
        },
    };
    TmAlertConfig before = health.alerts;
    if (tm_alert_request_check(&request, &err)) {
        tm_alert_request_apply(&health.alerts, &request);
        if ((health.alerts.enabled & ~TM_ALERT_ALL) != 0) {
            abort();
        }
    } else if (err == NULL || memcmp(&before, &health.alerts, sizeof(before)) != 0) {
        abort();
    }
    g_clear_error(&err);
    for (size_t at = REQUEST_SIZE; at + READING_SIZE <= size; at += READING_SIZE) {
        TmHealthInfo next = reading(data + at);
        uint8_t crossed = tm_health_crossed_alerts(&health.alerts, &health.info, &next);

        if ((crossed & ~health.alerts.enabled) != 0 ||
            tm_health_crossed_alerts(&health.alerts, &next, &next) != 0) {
            abort();
        }
        health.info = next;
    }
    return 0;
}

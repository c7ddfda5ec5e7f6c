/*
 * Health Info and Alerts command payloads (CXL r3.1 §8.2.9.9.3).  Pure
 * layouts, shared by the daemon and libtagmem.
 */
#pragma once

#include <stdint.h>

/* CXL r3.1 §8.2.9.9.3.1: Get Health Info (4200h) output. */
typedef struct __attribute__((packed)) {
    uint8_t health_status;
    uint8_t media_status;
    uint8_t additional_status;
    uint8_t life_used;
    int16_t temperature;                 /* degrees Celsius, two's complement */
    uint32_t dirty_shutdown_count;
    uint32_t corrected_volatile_errors;
    uint32_t corrected_persistent_errors;
} TmCxlHealthInfo;
_Static_assert(sizeof(TmCxlHealthInfo) == 0x12, "Get Health Info output is 18 bytes");

/* CXL r3.1 §8.2.9.9.3.2: Get Alert Configuration (4201h) output. */
typedef struct __attribute__((packed)) {
    uint8_t valid_alerts;                /* warning thresholds in effect */
    uint8_t programmable_alerts;         /* warning thresholds a host may set */
    uint8_t life_used_critical;
    uint8_t life_used_warning;
    int16_t over_temperature_critical;
    int16_t under_temperature_critical;
    int16_t over_temperature_warning;
    int16_t under_temperature_warning;
    uint16_t corrected_volatile_warning;
    uint16_t corrected_persistent_warning;
} TmCxlAlertConfig;
_Static_assert(sizeof(TmCxlAlertConfig) == 0x10, "Get Alert Configuration output is 16 bytes");

/* CXL r3.1 §8.2.9.9.3.3: Set Alert Configuration (4202h) input. */
typedef struct __attribute__((packed)) {
    uint8_t valid_alert_actions;         /* which alerts the request changes */
    uint8_t enable_alert_actions;        /* set: enable with the threshold below; clear: disable */
    uint8_t life_used_warning;
    uint8_t reserved;
    int16_t over_temperature_warning;
    int16_t under_temperature_warning;
    uint16_t corrected_volatile_warning;
    uint16_t corrected_persistent_warning;
} TmCxlSetAlertConfigRequest;
_Static_assert(sizeof(TmCxlSetAlertConfigRequest) == 0x0C,
               "Set Alert Configuration input is 12 bytes");

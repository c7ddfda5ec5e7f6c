/*
 * The device's health and its alert configuration (CXL r3.1 §8.2.9.9.3):
 * what Get Health Info (4200h) reports, the warning thresholds Get/Set
 * Alert Configuration (4201h/4202h) read and program, and which enabled
 * warning thresholds a change of the health crosses.  Pure state; the
 * device model (dcd_health.c) turns a crossing into a Memory Module event
 * record.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "device/event_log.h"

/*
 * Alert bits: Valid Alerts and Programmable Alerts of 4201h, Valid and
 * Enable Alert Actions of 4202h (CXL r3.1 Tables 8-125, 8-126).
 */
#define TM_ALERT_LIFE_USED 0x01u
#define TM_ALERT_OVER_TEMPERATURE 0x02u
#define TM_ALERT_UNDER_TEMPERATURE 0x04u
#define TM_ALERT_CORRECTED_VOLATILE 0x08u
#define TM_ALERT_CORRECTED_PERSISTENT 0x10u
#define TM_ALERT_ALL 0x1Fu

/*
 * The critical thresholds are the device's own and fixed (the spec makes
 * only the warning thresholds programmable).
 */
#define TM_HEALTH_LIFE_USED_CRITICAL 100
#define TM_HEALTH_OVER_TEMPERATURE_CRITICAL 85
#define TM_HEALTH_UNDER_TEMPERATURE_CRITICAL (-10)
/* What a new device reports: room temperature, nothing used, nothing counted. */
#define TM_HEALTH_DEFAULT_TEMPERATURE 25

/* The programmable warning thresholds and which of them are enabled. */
typedef struct {
    uint8_t enabled;                 /* TM_ALERT_* bits */
    uint8_t life_used;               /* percent */
    int16_t over_temperature;        /* degrees Celsius */
    int16_t under_temperature;
    uint16_t corrected_volatile;     /* error counts */
    uint16_t corrected_persistent;
} TmAlertConfig;

/* A Set Alert Configuration request, decoded (CXL r3.1 §8.2.9.9.3.3). */
typedef struct {
    uint8_t valid_actions;           /* the alerts this request changes */
    uint8_t enable_actions;          /* of those: set enables, clear disables */
    TmAlertConfig thresholds;        /* the thresholds of the alerts it enables */
} TmAlertRequest;

typedef struct {
    TmHealthInfo info;
    TmAlertConfig alerts;
} TmDeviceHealth;

/* A new device's health: see TM_HEALTH_DEFAULT_*; no alert enabled. */
void tm_device_health_init(TmDeviceHealth *health);

/*
 * Check @request against the device's fixed limits, all of it before any
 * of it applies: undefined alert bits, a warning threshold at or past its
 * critical one (life used above 100 %, over-temperature at or above the
 * critical, under-temperature at or below it) fail naming field and value.
 */
bool tm_alert_request_check(const TmAlertRequest *request, GError **err);
/* Apply a checked @request. */
void tm_alert_request_apply(TmAlertConfig *config, const TmAlertRequest *request);

/*
 * The enabled warning thresholds that going from @before to @after
 * crosses (TM_ALERT_* bits): a value that was short of its threshold and
 * now reaches it (at or above; at or below for under-temperature).  A
 * value that stays past its threshold crosses nothing, so each crossing
 * is reported once.
 */
uint8_t tm_health_crossed_alerts(const TmAlertConfig *config, const TmHealthInfo *before,
                                 const TmHealthInfo *after);

/*
 * The Memory Module event type that reports a crossing of @alert (one
 * TM_ALERT_* bit): life used -> Life Used Change, temperatures ->
 * Temperature Change, corrected error counts -> Health Status Change.
 */
TmModuleEventType tm_health_alert_event_type(uint8_t alert);

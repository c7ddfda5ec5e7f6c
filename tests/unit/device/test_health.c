/* The alert configuration's checks and the threshold crossings (device/health.h). */
#include <glib.h>

#include "device/health.h"

static void test_request_check(void)
{
    static const struct {
        TmAlertRequest request;
        bool ok;
    } cases[] = {
        { { .valid_actions = TM_ALERT_ALL, .enable_actions = 0 }, true },
        { { .valid_actions = 0x20 }, false },
        { { .valid_actions = 0x80, .enable_actions = 0 }, false },
        { { TM_ALERT_LIFE_USED, TM_ALERT_LIFE_USED, { .life_used = 100 } }, true },
        { { TM_ALERT_LIFE_USED, TM_ALERT_LIFE_USED, { .life_used = 101 } }, false },
        /* Not enabled: the threshold is not looked at. */
        { { TM_ALERT_LIFE_USED, 0, { .life_used = 200 } }, true },
        { { TM_ALERT_LIFE_USED, TM_ALERT_ALL & ~TM_ALERT_LIFE_USED, { .life_used = 200 } },
          true },
        { { TM_ALERT_OVER_TEMPERATURE, TM_ALERT_OVER_TEMPERATURE,
            { .over_temperature = 84 } }, true },
        { { TM_ALERT_OVER_TEMPERATURE, TM_ALERT_OVER_TEMPERATURE,
            { .over_temperature = 85 } }, false },
        { { TM_ALERT_UNDER_TEMPERATURE, TM_ALERT_UNDER_TEMPERATURE,
            { .under_temperature = -9 } }, true },
        { { TM_ALERT_UNDER_TEMPERATURE, TM_ALERT_UNDER_TEMPERATURE,
            { .under_temperature = -10 } }, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_cmpint(tm_alert_request_check(&cases[i].request, &err), ==, cases[i].ok);
        g_assert_true((err == NULL) == cases[i].ok);
    }
}

static void test_apply(void)
{
    TmAlertConfig config = { 0 };
    TmAlertRequest enable = {
        .valid_actions = TM_ALERT_LIFE_USED | TM_ALERT_CORRECTED_VOLATILE,
        .enable_actions = TM_ALERT_ALL,
        .thresholds = { .life_used = 30, .corrected_volatile = 7, .corrected_persistent = 9 },
    };
    TmAlertRequest disable = { .valid_actions = TM_ALERT_LIFE_USED };

    tm_alert_request_apply(&config, &enable);
    g_assert_cmphex(config.enabled, ==, TM_ALERT_LIFE_USED | TM_ALERT_CORRECTED_VOLATILE);
    g_assert_cmpuint(config.life_used, ==, 30);
    g_assert_cmpuint(config.corrected_volatile, ==, 7);
    g_assert_cmpuint(config.corrected_persistent, ==, 0);   /* not valid in the request */
    tm_alert_request_apply(&config, &disable);
    g_assert_cmphex(config.enabled, ==, TM_ALERT_CORRECTED_VOLATILE);
    g_assert_cmpuint(config.life_used, ==, 30);             /* kept, unused */
}

static void test_crossings(void)
{
    TmAlertConfig config = {
        .enabled = TM_ALERT_ALL & ~TM_ALERT_CORRECTED_PERSISTENT,
        .life_used = 50, .over_temperature = 60, .under_temperature = 0,
        .corrected_volatile = 3, .corrected_persistent = 1,
    };
    TmHealthInfo before = { .life_used = 49, .temperature = 20, .corrected_volatile_errors = 2 };
    TmHealthInfo after = before;

    g_assert_cmphex(tm_health_crossed_alerts(&config, &before, &after), ==, 0);
    after.life_used = 50;
    after.temperature = 60;
    after.corrected_volatile_errors = 3;
    after.corrected_persistent_errors = 5;   /* not enabled */
    g_assert_cmphex(tm_health_crossed_alerts(&config, &before, &after), ==,
                    TM_ALERT_LIFE_USED | TM_ALERT_OVER_TEMPERATURE | TM_ALERT_CORRECTED_VOLATILE);
    /* Staying past a threshold crosses nothing. */
    before = after;
    after.life_used = 90;
    after.temperature = 70;
    g_assert_cmphex(tm_health_crossed_alerts(&config, &before, &after), ==, 0);
    /* Falling to the under-temperature threshold crosses it. */
    after.temperature = 0;
    g_assert_cmphex(tm_health_crossed_alerts(&config, &before, &after), ==,
                    TM_ALERT_UNDER_TEMPERATURE);
    g_assert_cmpint(tm_health_alert_event_type(TM_ALERT_LIFE_USED), ==,
                    TM_MODULE_EVENT_LIFE_USED_CHANGE);
    g_assert_cmpint(tm_health_alert_event_type(TM_ALERT_UNDER_TEMPERATURE), ==,
                    TM_MODULE_EVENT_TEMPERATURE_CHANGE);
    g_assert_cmpint(tm_health_alert_event_type(TM_ALERT_CORRECTED_PERSISTENT), ==,
                    TM_MODULE_EVENT_HEALTH_STATUS_CHANGE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/health/request_check", test_request_check);
    g_test_add_func("/device/health/apply", test_apply);
    g_test_add_func("/device/health/crossings", test_crossings);
    return g_test_run();
}

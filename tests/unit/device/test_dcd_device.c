/* The cxl-type3 device: properties, creation errors, carving, the device registry. */
#include <glib.h>

#include "core/error.h"
#include "dcd_test_util.h"

typedef struct {
    const char *props;
    const char *message;
} CreateErrorCase;

static void test_creation_errors(void)
{
    static const CreateErrorCase cases[] = {
        { "num-dc-regions=9,dc-regions-total-size=4G",
          "Property cxl-type3.num-dc-regions doesn't take value 9 (minimum: 0, maximum: 8)" },
        { "num-dc-regions=2", "dynamic capacity must have a backing device" },
        { "num-dc-regions=2,volatile-dc-memdev=nope", "Device 'nope' not found" },
        { "num-dc-regions=2,dc-regions-total-size=768M",
          "backend size is not multiple of region len: 0x18000000" },
        { "num-dc-regions=3,dc-regions-total-size=1G",
          "backend size is not multiple of region len: 0x15555556" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-block-size=3M",
          "Property cxl-type3.dc-block-size doesn't take value '3145728', it's not a power of 2" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-block-size=2K",
          "Property cxl-type3.dc-block-size doesn't take value 2048 (minimum: 4096" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-block-size=512M",
          "Property cxl-type3.dc-block-size doesn't take value 536870912" },
        { "num-hosts=0", "Property cxl-type3.num-hosts doesn't take value 0 (minimum: 1" },
        { "num-hosts=257", "maximum: 256)" },
        { "dc-regions-total-size=1G", "num-dc-regions must be at least 1" },
        { "volatile-dc-memdev=small", "num-dc-regions must be at least 1" },
        { "num-dc-regions=2,dc-regions-total-size=2G,dc-region-sharable=4",
          "dc-region-sharable 0x4 names region 2, but the device has 2 regions" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-region-sanitize-on-release=0x80",
          "dc-region-sanitize-on-release 0x80 names region 7, but the device has 1 regions" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-region-sharable=256",
          "Property cxl-type3.dc-region-sharable doesn't take value 256" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-max-extents=100,dc-event-log-depth=50",
          "dc-event-log-depth 50 is less than dc-max-extents 100" },
        { "dc-max-extents=0", "Property cxl-type3.dc-max-extents doesn't take value 0" },
        { "dc-max-extents=1048577", "doesn't take value 1048577 (minimum: 1, maximum: 1048576)" },
        { "num-dc-regions=1,dc-regions-total-size=1G,dc-max-extents=100000,"
          "dc-event-log-depth=65534",
          "dc-event-log-depth 65534 is less than 65535: with dc-max-extents 100000 the log "
          "must be as deep as a log can be" },
        { "dc-event-log-depth=65536", "maximum: 65535)" },
        { "num-dc-regions=1,dc-regions-total-size=1G,volatile-dc-memdev=small",
          "volatile-dc-memdev 'small' has 0x10000000 bytes, less than dc-regions-total-size "
          "0x40000000" },
        { "foo=1", "Property 'cxl-type3.foo' not found" },
    };
    DcdFixture fx;

    fixture_init(&fx, NULL);
    TmHostMem *small = fixture_backend(&fx, "small", 256 * MiB, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;

        g_test_message("case: %s", cases[i].props);
        g_assert_null(test_create_device(fx.devices, "dcd0", cases[i].props, &err));
        assert_error_contains(err, cases[i].message);
        g_assert_cmpuint(tm_device_registry_count(fx.devices), ==, 0);
        /* A refused device leaves its memdev free. */
        g_assert_false(tm_hostmem_in_use(small));
    }
    fixture_clear(&fx);
}

static void test_defaults_and_regions(void)
{
    DcdFixture fx;
    TmValue value = { 0 };

    fixture_init(&fx, "num-dc-regions=2,dc-regions-total-size=4G");
    g_assert_cmpuint(tm_dcd_num_regions(fx.dev), ==, 2);
    g_assert_cmphex(tm_dcd_total_dc_size(fx.dev), ==, 4 * GiB);
    g_assert_cmphex(tm_dcd_region(fx.dev, 1)->base, ==, 2 * GiB);
    g_assert_cmphex(tm_dcd_region(fx.dev, 1)->block_size, ==, 2 * MiB);
    g_assert_cmpuint(tm_dcd_num_hosts(fx.dev), ==, 1);
    g_assert_cmphex(tm_dcd_serial(fx.dev), ==, UINT64_MAX);
    g_assert_null(tm_dcd_static_memdev(fx.dev));
    g_assert_cmpstr(tm_dcd_path(fx.dev), ==, "/machine/peripheral/dcd0");

    TmDcLimits limits = tm_dcd_limits(fx.dev, 0);
    g_assert_cmpuint(limits.supported_extents, ==, TM_DCD_DEFAULT_MAX_EXTENTS);
    g_assert_cmpuint(limits.available_extents, ==, TM_DCD_DEFAULT_MAX_EXTENTS);
    g_assert_cmpuint(limits.supported_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    g_assert_cmpuint(limits.available_tags, ==, TM_DCD_DEFAULT_MAX_TAGS);
    /* The DC log holds a request of the largest size. */
    g_assert_cmpuint(tm_event_log_depth(tm_dcd_host_event_log(fx.dev, 0,
                                                              TM_EVENT_LOG_DYNAMIC_CAPACITY)),
                     ==, TM_DCD_DEFAULT_MAX_EXTENTS);
    g_assert_cmpuint(tm_event_log_depth(tm_dcd_host_event_log(fx.dev, 0, TM_EVENT_LOG_FATAL)),
                     ==, TM_DCD_STD_LOG_DEPTH);

    g_assert_true(tm_object_get_property(tm_dcd_object(fx.dev), "num-dc-regions", &value, NULL));
    g_assert_cmpuint(value.uint, ==, 2);
    g_assert_false(tm_object_set_property_text(tm_dcd_object(fx.dev), "num-hosts", "2", NULL));
    fixture_clear(&fx);
}

static void test_configured_properties(void)
{
    DcdFixture fx;

    fixture_init(&fx, "num-dc-regions=8,dc-regions-total-size=2G,dc-block-size=64K,"
                      "num-hosts=256,sn=0x1234,dc-region-sharable=0x81,"
                      "dc-region-sanitize-on-release=2,dc-max-extents=1000,dc-max-tags=7,"
                      "dc-event-log-depth=4000");
    g_assert_cmphex(tm_dcd_region(fx.dev, 7)->base, ==, 7 * 256 * MiB);
    g_assert_cmphex(tm_dcd_region(fx.dev, 7)->len, ==, 256 * MiB);
    g_assert_cmphex(tm_dcd_region(fx.dev, 3)->block_size, ==, 64 * 1024);
    g_assert_true(tm_dcd_region(fx.dev, 0)->sharable);
    g_assert_true(tm_dcd_region(fx.dev, 7)->sharable);
    g_assert_false(tm_dcd_region(fx.dev, 1)->sharable);
    g_assert_true(tm_dcd_region(fx.dev, 1)->sanitize_on_release);
    g_assert_false(tm_dcd_region(fx.dev, 0)->sanitize_on_release);
    g_assert_cmpuint(tm_dcd_num_hosts(fx.dev), ==, 256);
    g_assert_cmphex(tm_dcd_serial(fx.dev), ==, 0x1234);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 255).supported_extents, ==, 1000);
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 255).supported_tags, ==, 7);
    g_assert_cmpuint(tm_event_log_depth(tm_dcd_host_event_log(fx.dev, 255,
                                                              TM_EVENT_LOG_DYNAMIC_CAPACITY)),
                     ==, 4000);
    fixture_clear(&fx);
}

/* More extents than a log holds records: the log is as deep as it can be. */
static void test_max_extents_beyond_log_depth(void)
{
    DcdFixture fx;

    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=1G,dc-max-extents=1048576");
    g_assert_cmpuint(tm_dcd_limits(fx.dev, 0).supported_extents, ==, TM_DCD_MAX_EXTENTS);
    g_assert_cmpuint(tm_event_log_depth(tm_dcd_host_event_log(fx.dev, 0,
                                                              TM_EVENT_LOG_DYNAMIC_CAPACITY)),
                     ==, TM_DCD_MAX_LOG_DEPTH);
    fixture_clear(&fx);
}

static void test_static_memdev_is_exclusive(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    fixture_init(&fx, NULL);
    TmHostMem *mem = fixture_backend(&fx, "mem0", 2 * GiB, NULL);
    TmDcd *dev = test_create_device(fx.devices, "dcd0", "num-dc-regions=2,volatile-dc-memdev=mem0",
                                    &err);
    g_assert_no_error(err);
    g_assert_true(tm_dcd_static_memdev(dev) == mem);
    g_assert_cmphex(tm_dcd_total_dc_size(dev), ==, 2 * GiB);
    g_assert_cmpstr(tm_hostmem_first_user(mem), ==, "/machine/peripheral/dcd0");

    g_assert_null(test_create_device(fx.devices, "dcd1",
                                     "num-dc-regions=1,volatile-dc-memdev=mem0", &err));
    assert_error_contains(err, "memory backend mem0 can't be used multiple times.");
    g_clear_error(&err);

    g_assert_false(tm_backend_registry_delete(fx.backends, "mem0", &err));
    assert_error_contains(err, "/machine/peripheral/dcd0");
    g_clear_error(&err);

    /* A memdev larger than the DC capacity is fine when the size is given. */
    fixture_backend(&fx, "mem1", 4 * GiB, NULL);
    g_assert_nonnull(test_create_device(fx.devices, "dcd1", "num-dc-regions=1,"
                                        "dc-regions-total-size=1G,volatile-dc-memdev=mem1", &err));
    g_assert_no_error(err);

    g_assert_true(tm_device_registry_delete(fx.devices, "dcd0", &err));
    g_assert_no_error(err);
    g_assert_false(tm_hostmem_in_use(mem));
    g_assert_true(tm_backend_registry_delete(fx.backends, "mem0", &err));
    g_assert_no_error(err);
    fixture_clear(&fx);
}

static void test_registry(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    fixture_init(&fx, "num-dc-regions=1,dc-regions-total-size=1G");
    g_assert_true(tm_device_registry_find(fx.devices, "dcd0") == fx.dev);
    g_assert_true(tm_device_registry_resolve_path(fx.devices, "/machine/peripheral/dcd0") ==
                  fx.dev);
    g_assert_true(tm_device_registry_resolve_path(fx.devices, "dcd0") == fx.dev);
    g_assert_null(tm_device_registry_resolve_path(fx.devices, "/machine/peripheral/x"));
    g_assert_null(tm_device_registry_find(fx.devices, "x"));

    g_assert_null(test_create_device(fx.devices, "dcd0", "", &err));
    assert_error_contains(err, "Duplicate ID 'dcd0' for device");
    g_clear_error(&err);
    g_assert_null(test_create_device(fx.devices, "0bad", "", &err));
    assert_error_contains(err, "Parameter 'id' expects an identifier");
    g_clear_error(&err);
    g_assert_null(test_create_device(fx.devices, NULL, "", &err));
    assert_error_contains(err, "Parameter 'id' is missing");
    g_clear_error(&err);
    g_assert_null(tm_device_registry_create(fx.devices, "cxl-type2", "dcd9", NULL, 0, &err));
    assert_error_contains(err, "'cxl-type2' is not a valid device model name");
    g_clear_error(&err);

    /* A device with no DC regions is allowed; it has no dynamic capacity. */
    TmDcd *plain = test_create_device(fx.devices, "plain", "", &err);
    g_assert_no_error(err);
    g_autoptr(GPtrArray) list = tm_device_registry_list(fx.devices);
    g_assert_cmpuint(list->len, ==, 2);
    g_assert_true(list->pdata[0] == fx.dev);
    g_assert_true(list->pdata[1] == plain);

    /* Capacity pending keeps the device. */
    TmExtent extent = { .dpa = 0, .length = 2 * MiB };
    g_assert_null(tm_dcd_static_memdev(fx.dev));
    fixture_backend(&fx, "t0", 2 * MiB, "aaaaaaaa-0000-0000-0000-000000000001");
    g_assert_cmpint(add_prescriptive(&fx, 0, 0, "aaaaaaaa-0000-0000-0000-000000000001", &extent,
                                     1, &err), ==, TM_DC_OK);
    g_assert_false(tm_device_registry_delete(fx.devices, "dcd0", &err));
    assert_error_contains(err, "Device 'dcd0' still has dynamic capacity");
    g_clear_error(&err);

    g_assert_false(tm_device_registry_delete(fx.devices, "nope", &err));
    g_assert_error(err, TM_ERROR, TM_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    g_assert_true(tm_device_registry_delete(fx.devices, "plain", &err));
    g_assert_cmpuint(tm_device_registry_count(fx.devices), ==, 1);
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/dcd/creation_errors", test_creation_errors);
    g_test_add_func("/device/dcd/defaults", test_defaults_and_regions);
    g_test_add_func("/device/dcd/configured", test_configured_properties);
    g_test_add_func("/device/dcd/max_extents_beyond_log", test_max_extents_beyond_log_depth);
    g_test_add_func("/device/dcd/static_memdev", test_static_memdev_is_exclusive);
    g_test_add_func("/device/dcd/registry", test_registry);
    return g_test_run();
}

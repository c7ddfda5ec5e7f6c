#include "dcd_test_util.h"

#include <string.h>

static bool parse_assignment(const TmObjectClass *type, const char *item, char **name_out,
                             TmValue *value, GError **err)
{
    g_auto(GStrv) key_value = g_strsplit(item, "=", 2);
    const TmProperty *prop = tm_class_find_property(type, key_value[0]);

    *name_out = g_strdup(key_value[0]);
    return tm_value_parse_text(prop ? prop->kind : TM_PROP_STR, key_value[0],
                               key_value[1] ? key_value[1] : "", value, err);
}

TmDcd *test_create_device(TmDeviceRegistry *devices, const char *id, const char *props_text,
                          GError **err)
{
    g_auto(GStrv) items = g_strsplit(props_text, ",", -1);
    guint n_items = g_strv_length(items);
    g_autofree TmPropAssignment *props = g_new0(TmPropAssignment, n_items + 1);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    size_t n_props = 0;
    bool parsed = true;
    TmDcd *dev = NULL;

    for (guint i = 0; i < n_items && parsed; i++) {
        char *name = NULL;

        if (items[i][0] == '\0') {
            continue;
        }
        parsed = parse_assignment(&tm_dcd_class, items[i], &name, &props[n_props].value, err);
        g_ptr_array_add(names, name);
        props[n_props++].name = name;
    }
    if (parsed) {
        dev = tm_device_registry_create(devices, TM_DCD_TYPE, id, props, n_props, err);
    }
    for (size_t i = 0; i < n_props; i++) {
        tm_value_clear(&props[i].value);
    }
    return dev;
}

static void record_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    DcdFixture *fx = opaque;
    RecordedNotice recorded = {
        .kind = notice->kind,
        .host_id = notice->host_id,
        .extents = g_array_new(FALSE, FALSE, sizeof(TmBackedExtent)),
        .forced = notice->forced,
    };

    g_array_append_vals(recorded.extents, notice->extents, notice->n_extents);
    g_array_append_val(fx->notices, recorded);
}

static void clear_notice(gpointer data)
{
    g_array_unref(((RecordedNotice *)data)->extents);
}

void fixture_device(DcdFixture *fx, const char *device_props)
{
    g_autoptr(GError) err = NULL;

    fx->dev = test_create_device(fx->devices, "dcd0", device_props, &err);
    g_assert_no_error(err);
    tm_dcd_add_observer(fx->dev, record_notice, fx);
}

void fixture_init(DcdFixture *fx, const char *device_props)
{
    fx->backends = tm_backend_registry_new();
    fx->devices = tm_device_registry_new(fx->backends);
    fx->notices = g_array_new(FALSE, FALSE, sizeof(RecordedNotice));
    g_array_set_clear_func(fx->notices, clear_notice);
    fx->dev = NULL;
    if (device_props) {
        fixture_device(fx, device_props);
    }
}

void fixture_clear(DcdFixture *fx)
{
    tm_device_registry_free(fx->devices);
    tm_backend_registry_free(fx->backends);
    g_array_unref(fx->notices);
}

TmHostMem *fixture_backend(DcdFixture *fx, const char *id, uint64_t size, const char *tag)
{
    g_autoptr(GError) err = NULL;
    TmPropAssignment props[2] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };
    TmHostMem *backend = tm_backend_registry_create(fx->backends, "memory-backend-ram", id,
                                                    props, tag ? 2 : 1, &err);

    g_assert_no_error(err);
    return backend;
}

TmGuid test_guid(const char *text)
{
    TmGuid guid = { { 0 } };

    if (text) {
        g_assert_true(tm_guid_parse(text, "tag", &guid, NULL));
    }
    return guid;
}

TmDcStatus add_prescriptive(DcdFixture *fx, uint16_t host, uint8_t region, const char *tag,
                            const TmExtent *extents, guint n, GError **err)
{
    TmDcAddRequest request = {
        .host_id = host,
        .policy = TM_DC_SELECT_PRESCRIPTIVE,
        .region = region,
        .tag = test_guid(tag),
        .extents = extents,
        .n_extents = n,
    };

    return tm_dcd_add_request(fx->dev, &request, err);
}

TmDcStatus add_by_length(DcdFixture *fx, uint16_t host, TmDcSelectionPolicy policy,
                         uint8_t region, const char *tag, uint64_t length, GError **err)
{
    TmDcAddRequest request = {
        .host_id = host,
        .policy = policy,
        .region = region,
        .tag = test_guid(tag),
        .length = length,
    };

    return tm_dcd_add_request(fx->dev, &request, err);
}

TmDcStatus release_prescriptive(DcdFixture *fx, uint16_t host, uint8_t region, bool forced,
                                bool sanitize, const TmExtent *extents, guint n, GError **err)
{
    TmDcReleaseRequest request = {
        .host_id = host,
        .policy = TM_DC_REMOVE_PRESCRIPTIVE,
        .forced = forced,
        .sanitize = sanitize,
        .region = region,
        .extents = extents,
        .n_extents = n,
    };

    return tm_dcd_release_request(fx->dev, &request, err);
}

TmDcStatus release_tag(DcdFixture *fx, uint16_t host, uint8_t region, bool forced,
                       bool sanitize, const char *tag, GError **err)
{
    TmDcReleaseRequest request = {
        .host_id = host,
        .policy = TM_DC_REMOVE_TAG_BASED,
        .forced = forced,
        .sanitize = sanitize,
        .region = region,
        .tag = test_guid(tag),
    };

    return tm_dcd_release_request(fx->dev, &request, err);
}

void accept_all(DcdFixture *fx, uint16_t host)
{
    g_autoptr(GError) err = NULL;
    TmDcPendingGroupInfo group = tm_dcd_host_pending_group(fx->dev, host, 0);
    g_autofree TmExtent *extents = g_new0(TmExtent, group.n_extents);

    for (guint i = 0; i < group.n_extents; i++) {
        extents[i].dpa = group.extents[i].extent.dpa;
        extents[i].length = group.extents[i].extent.length;
    }
    g_assert_cmpint(tm_dcd_host_add_response(fx->dev, host, 0, extents, group.n_extents, false,
                                             &err), ==, TM_DC_OK);
    g_assert_no_error(err);
}

void add_and_accept(DcdFixture *fx, uint16_t host, uint8_t region, const char *tag,
                    const TmExtent *extents, guint n)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(add_prescriptive(fx, host, region, tag, extents, n, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    accept_all(fx, host);
}

guint count_notices(const DcdFixture *fx, TmDcdNoticeKind kind)
{
    guint count = 0;

    for (guint i = 0; i < fx->notices->len; i++) {
        count += g_array_index(fx->notices, RecordedNotice, i).kind == kind;
    }
    return count;
}

void forget_notices(DcdFixture *fx)
{
    g_array_set_size(fx->notices, 0);
}

void assert_accepted(DcdFixture *fx, uint16_t host, const TmExtent *expected, guint n)
{
    g_assert_cmpuint(tm_dcd_host_accepted_count(fx->dev, host), ==, n);
    for (guint i = 0; i < n; i++) {
        const TmBackedExtent *extent = tm_dcd_host_accepted(fx->dev, host, i);

        g_assert_cmphex(extent->extent.dpa, ==, expected[i].dpa);
        g_assert_cmphex(extent->extent.length, ==, expected[i].length);
    }
}

void assert_error_contains(const GError *err, const char *fragment)
{
    g_assert_nonnull(err);
    if (strstr(err->message, fragment) == NULL) {
        g_error("error \"%s\" does not contain \"%s\"", err->message, fragment);
    }
}

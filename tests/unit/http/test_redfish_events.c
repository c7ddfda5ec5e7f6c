/*
 * The Redfish events over a real device (redfish_events.c): one Event per
 * notice, numbered in order, with the details the web page and the
 * subscribers read; none built while nobody listens.  And the query
 * parameters of redfish_query.c over the resource tree, table-driven.
 */
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "dcd_test_util.h"
#include "http/redfish_events.h"
#include "http/redfish_query.h"
#include "http/redfish_resources.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define CHUNK_A "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks/" TAG_A

typedef struct {
    GPtrArray *ids;     /* char * */
    GPtrArray *events;  /* json_object * */
} Recorder;

static void record(const char *event_id, json_object *event, gpointer opaque)
{
    Recorder *rec = opaque;

    g_ptr_array_add(rec->ids, g_strdup(event_id));
    g_ptr_array_add(rec->events, json_object_get(event));
}

static void drop_json(gpointer obj)
{
    json_object_put(obj);
}

static const char *at(json_object *obj, const char *pointer)
{
    json_object *value = NULL;

    if (json_pointer_get(obj, pointer, &value) != 0) {
        g_error("%s missing in %s", pointer, json_object_to_json_string(obj));
    }
    return json_object_get_string(value);
}

static void fixture_two_regions(DcdFixture *fx)
{
    fixture_init(fx, "num-dc-regions=2,dc-regions-total-size=512M,num-hosts=2,"
                     "dc-region-sharable=2");
    fixture_backend(fx, "m0", 64 * MiB, TAG_A);
}

static void test_events_in_order(void)
{
    DcdFixture fx;
    Recorder rec = { g_ptr_array_new_with_free_func(g_free),
                     g_ptr_array_new_with_free_func(drop_json) };
    g_autoptr(GError) err = NULL;
    TmExtent extents[] = { EXT(256 * MiB, 2 * MiB), EXT(260 * MiB, 4 * MiB) };

    fixture_two_regions(&fx);
    TmRedfishEvents *events = tm_redfish_events_new(fx.devices);
    /* Nobody listens yet: nothing is built, no number spent. */
    g_assert_cmpint(add_prescriptive(&fx, 1, 1, TAG_A, extents, 2, &err), ==, TM_DC_OK);
    g_assert_cmpuint(count_notices(&fx, TM_DCD_NOTICE_OFFERED), ==, 1);
    accept_all(&fx, 1);

    guint sink = tm_redfish_events_add_sink(events, record, &rec);
    /* Host 0 shares what host 1 holds of the tag (CXL r3.1 7.6.7.6.5). */
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 1, TAG_A, 6 * MiB,
                                  &err), ==, TM_DC_OK);
    accept_all(&fx, 0);
    g_assert_cmpint(release_tag(&fx, 0, 1, true, false, TAG_A, &err), ==, TM_DC_OK);
    g_assert_cmpuint(rec.events->len, ==, 3);
    static const char *const expected[] = {
        "Tagmem.1.0.CapacityOffered", "Tagmem.1.0.CapacityAccepted", "Tagmem.1.0.CapacityReleased",
    };
    for (guint i = 0; i < rec.events->len; i++) {
        json_object *event = g_ptr_array_index(rec.events, i);
        g_autofree char *id = g_strdup_printf("%u", i + 1);
        g_assert_cmpstr(g_ptr_array_index(rec.ids, i), ==, id);
        g_assert_cmpstr(at(event, "/Id"), ==, id);
        g_assert_cmpstr(at(event, "/Events/0/EventId"), ==, id);
        g_assert_cmpstr(at(event, "/Events/0/MessageId"), ==, expected[i]);
        g_assert_cmpstr(at(event, "/Events/0/OriginOfCondition/@odata.id"), ==, CHUNK_A);
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Device"), ==, "dcd0");
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Host"), ==, "0");
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Extents/1/DPA"), ==, "272629760");
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Extents/1/Offset"), ==, "4194304");
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Extents/1/Length"), ==, "4194304");
        g_assert_cmpstr(at(event, "/Events/0/Oem/Tagmem/Extents/1/Tag"), ==, TAG_A);
    }
    g_assert_cmpstr(at(g_ptr_array_index(rec.events, 0), "/Events/0/Message"), ==,
                    "6291456 bytes in 2 extent(s) of dcd0 offered to host 0.");
    g_assert_cmpstr(at(g_ptr_array_index(rec.events, 2), "/Events/0/Oem/Tagmem/Forced"), ==,
                    "true");
    /* Removed: no more events to it. */
    tm_redfish_events_remove_sink(events, sink);
    g_assert_cmpint(release_tag(&fx, 1, 1, true, false, TAG_A, &err), ==, TM_DC_OK);
    g_assert_cmpuint(rec.events->len, ==, 3);
    tm_redfish_events_free(events);
    /* Freed: the device has no observer left from it (a notice now would be a use after free). */
    g_assert_cmpint(add_prescriptive(&fx, 0, 1, TAG_A, extents, 2, &err), ==, TM_DC_OK);
    g_assert_no_error(err);
    g_ptr_array_unref(rec.ids);
    g_ptr_array_unref(rec.events);
    fixture_clear(&fx);
}

typedef struct {
    const char *path;
    const char *query;
    int error;              /* -1: none, else a TmRedfishQueryError */
    const char *pointer;    /* checked in the result when no error */
    const char *value;      /* NULL: @pointer must be absent */
} QueryCase;

static const QueryCase query_cases[] = {
    { "/redfish/v1/Chassis/dcd0", NULL, -1, "/ChassisType", "Module" },
    { "/redfish/v1/Chassis/dcd0", "", -1, "/ChassisType", "Module" },
    { "/redfish/v1/Chassis/dcd0", "$select=SerialNumber", -1, "/ChassisType", NULL },
    { "/redfish/v1/Chassis/dcd0", "$select=SerialNumber", -1, "/@odata.etag", "" },
    { "/redfish/v1/Chassis/dcd0", "$select=Oem/Tagmem/DPAMap", -1, "/Oem/Tagmem/DPAMap/@odata.id",
      "/redfish/v1/Chassis/dcd0/Oem/Tagmem/DPAMap" },
    { "/redfish/v1/Chassis/dcd0", "$select=Nothing", -1, "/Nothing", NULL },
    { "/redfish/v1/Chassis/dcd0", "$select=Name/Deeper", -1, "/Name", NULL },
    { "/redfish/v1/Chassis/dcd0", "$select=%53erialNumber", -1, "/SerialNumber",
      "ffffffffffffffff" },
    { "/redfish/v1/Chassis/dcd0", "$select=", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis/dcd0", "$select=A,,B", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis/dcd0", "$select=A//B", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis", "$expand=.", -1, "/Members/0/ChassisType", "Module" },
    { "/redfish/v1/Chassis", "$expand=.($levels=1)", -1, "/Members/0/Id", "dcd0" },
    { "/redfish/v1/Chassis", "$expand=%2E", -1, "/Members/0/Id", "dcd0" },
    { "/redfish/v1/Chassis", "$expand=*", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis", "$expand=.($levels=2)", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis", "$expand=", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
    { "/redfish/v1/Chassis/dcd0", "$expand=.", -1, "/ChassisType", "Module" },
    { "/redfish/v1/Chassis", "$filter=Id eq 'dcd0'", TM_REDFISH_QUERY_NOT_SUPPORTED, NULL, NULL },
    { "/redfish/v1/Chassis", "$top=1", TM_REDFISH_QUERY_NOT_SUPPORTED, NULL, NULL },
    { "/redfish/v1/Chassis", "only", -1, "/Members/0/@odata.id", "/redfish/v1/Chassis/dcd0" },
    { "/redfish/v1/Chassis", "x=1&y", -1, "/Members@odata.count", "1" },
    { "/redfish/v1/Chassis", "%zz", TM_REDFISH_QUERY_BAD_VALUE, NULL, NULL },
};

static void test_queries(void)
{
    DcdFixture fx;

    fixture_two_regions(&fx);
    for (size_t i = 0; i < G_N_ELEMENTS(query_cases); i++) {
        const QueryCase *c = &query_cases[i];
        g_autoptr(GError) err = NULL;
        g_autoptr(json_object) obj = tm_redfish_resource_get(fx.devices, c->path);
        g_test_message("%s?%s", c->path, c->query ? c->query : "");
        bool ok = tm_redfish_query_apply(fx.devices, &obj, c->query, &err);
        if (c->error >= 0) {
            g_assert_false(ok);
            g_assert_error(err, TM_REDFISH_QUERY_ERROR, c->error);
            continue;
        }
        g_assert_no_error(err);
        g_assert_true(ok);
        json_object *value = NULL;
        int found = json_pointer_get(obj, c->pointer, &value);
        if (c->value == NULL) {
            g_assert_cmpint(found, !=, 0);
        } else if (c->value[0] != '\0') {
            g_assert_cmpint(found, ==, 0);
            g_assert_cmpstr(json_object_get_string(value), ==, c->value);
        } else {
            g_assert_cmpint(found, ==, 0);
        }
    }
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish/events/in-order", test_events_in_order);
    g_test_add_func("/redfish/query/table", test_queries);
    return g_test_run();
}

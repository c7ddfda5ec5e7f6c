/* The Redfish resource tree over a real device: what each URI shows, what has none. */
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "dcd_test_util.h"
#include "http/redfish_error.h"
#include "http/redfish_resources.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "aaaaaaaa-0000-4000-8000-00000000000a"
#define TAG_B "bbbbbbbb-0000-4000-8000-00000000000b"
#define CHUNKS "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks"

static void fixture_two_regions(DcdFixture *fx)
{
    fixture_init(fx, "num-dc-regions=2,dc-regions-total-size=512M,num-hosts=2,"
                     "dc-region-sharable=2");
}

static json_object *get(DcdFixture *fx, const char *path)
{
    json_object *obj = tm_redfish_resource_get(fx->devices, path);

    if (obj == NULL) {
        g_error("no resource at %s", path);
    }
    return obj;
}

/* The value at @pointer (JSON pointer, RFC 6901) as plain JSON text. */
static const char *at(json_object *obj, const char *pointer)
{
    json_object *value = NULL;

    if (json_pointer_get(obj, pointer, &value) != 0) {
        g_error("%s missing in %s", pointer, json_object_to_json_string(obj));
    }
    return json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Every resource carries the three OData annotations DSP0266 §9.5 requires. */
static void assert_resource(json_object *obj, const char *odata_id, const char *type_prefix)
{
    g_autofree char *quoted = g_strdup_printf("\"%s\"", odata_id);

    g_assert_cmpstr(at(obj, "/@odata.id"), ==, quoted);
    g_assert_true(g_str_has_prefix(at(obj, "/@odata.type"), type_prefix));
    g_assert_true(g_str_has_prefix(at(obj, "/@odata.etag"), "\"W/\\\""));
}

static void test_service_root_and_chassis(void)
{
    DcdFixture fx;

    fixture_two_regions(&fx);
    g_autoptr(GError) err = NULL;
    g_assert_nonnull(test_create_device(fx.devices, "dcd1", "num-dc-regions=1,"
                                        "dc-regions-total-size=256M", &err));
    g_autoptr(json_object) versions = get(&fx, "/redfish");
    g_assert_cmpstr(at(versions, "/v1"), ==, "\"/redfish/v1/\"");
    g_autoptr(json_object) root = get(&fx, "/redfish/v1/");
    assert_resource(root, "/redfish/v1", "\"#ServiceRoot.");
    g_assert_cmpstr(at(root, "/Chassis/@odata.id"), ==, "\"/redfish/v1/Chassis\"");
    g_autoptr(json_object) list = get(&fx, "/redfish/v1/Chassis");
    assert_resource(list, "/redfish/v1/Chassis", "\"#ChassisCollection.");
    g_assert_cmpstr(at(list, "/Members@odata.count"), ==, "2");
    g_assert_cmpstr(at(list, "/Members/1/@odata.id"), ==, "\"/redfish/v1/Chassis/dcd1\"");
    g_autoptr(json_object) domains = get(&fx, "/redfish/v1/Chassis/dcd0/MemoryDomains");
    g_assert_cmpstr(at(domains, "/Members@odata.count"), ==, "2");
    g_autoptr(json_object) domain = get(&fx, "/redfish/v1/Chassis/dcd0/MemoryDomains/1");
    assert_resource(domain, "/redfish/v1/Chassis/dcd0/MemoryDomains/1", "\"#MemoryDomain.");
    g_assert_cmpstr(at(domain, "/MemorySizeMiB"), ==, "256");
    g_assert_cmpstr(at(domain, "/Oem/Tagmem/BaseDPA"), ==, "268435456");
    g_assert_cmpstr(at(domain, "/Oem/Tagmem/BlockSizeBytes"), ==, "2097152");
    g_assert_cmpstr(at(domain, "/Oem/Tagmem/Sharable"), ==, "true");
    g_autoptr(json_object) first = get(&fx, "/redfish/v1/Chassis/dcd0/MemoryDomains/0");
    g_assert_cmpstr(at(first, "/Oem/Tagmem/Sharable"), ==, "false");
    fixture_clear(&fx);
}

static void test_chunks_follow_the_tags(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    fixture_two_regions(&fx);
    fixture_backend(&fx, "mem-a", 8 * MiB, TAG_A);
    fixture_backend(&fx, "mem-b", 4 * MiB, TAG_B);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 1, TAG_A, 8 * MiB, &err), ==,
                    TM_DC_OK);
    accept_all(&fx, 0);
    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_ENABLE_SHARED_ACCESS, 1, TAG_A, 8 * MiB, &err),
                    ==, TM_DC_OK);
    g_assert_cmpint(add_by_length(&fx, 1, TM_DC_SELECT_FREE, 1, TAG_B, 4 * MiB, &err), ==,
                    TM_DC_OK);
    g_assert_no_error(err);

    g_autoptr(json_object) chunks = get(&fx, CHUNKS);
    g_assert_cmpstr(at(chunks, "/Members@odata.count"), ==, "2");
    g_assert_cmpstr(at(chunks, "/Members/0/@odata.id"), ==, "\"" CHUNKS "/" TAG_A "\"");
    g_autoptr(json_object) a = get(&fx, CHUNKS "/" TAG_A);
    assert_resource(a, CHUNKS "/" TAG_A, "\"#MemoryChunks.");
    g_assert_cmpstr(at(a, "/Id"), ==, "\"" TAG_A "\"");
    g_assert_cmpstr(at(a, "/MemoryChunkSizeMiB"), ==, "8");
    g_assert_cmpstr(at(a, "/Status/State"), ==, "\"Enabled\"");
    g_assert_cmpstr(at(a, "/Oem/Tagmem/CommittedHosts"), ==, "[0]");
    g_assert_cmpstr(at(a, "/Oem/Tagmem/PendingHosts"), ==, "[1]");
    g_autoptr(json_object) b = get(&fx, CHUNKS "/" TAG_B);
    g_assert_cmpstr(at(b, "/Status/State"), ==, "\"Starting\"");
    g_assert_cmpstr(at(b, "/Oem/Tagmem/TagState"), ==, "\"Pending\"");
    g_autoptr(json_object) region0 =
        get(&fx, "/redfish/v1/Chassis/dcd0/MemoryDomains/0/MemoryChunks");
    g_assert_cmpstr(at(region0, "/Members@odata.count"), ==, "0");

    /* Released by every host: the chunk is gone, and so is its URI. */
    accept_all(&fx, 1);
    accept_all(&fx, 1);
    TmExtent all = EXT(256 * MiB, 8 * MiB);
    for (uint16_t host = 0; host < 2; host++) {
        g_assert_cmpint(release_tag(&fx, host, 1, false, false, TAG_A, &err), ==, TM_DC_OK);
        g_assert_cmpint(tm_dcd_host_release(fx.dev, host, &all, 1, &err), ==, TM_DC_OK);
        g_assert_no_error(err);
    }
    g_autoptr(json_object) after = get(&fx, CHUNKS);
    g_assert_cmpstr(at(after, "/Members@odata.count"), ==, "1");
    g_assert_null(tm_redfish_resource_get(fx.devices, CHUNKS "/" TAG_A));
    fixture_clear(&fx);
}

static void test_etag_changes_with_state(void)
{
    DcdFixture fx;
    g_autoptr(GError) err = NULL;

    fixture_two_regions(&fx);
    fixture_backend(&fx, "mem-a", 8 * MiB, TAG_A);
    g_assert_cmpint(add_by_length(&fx, 0, TM_DC_SELECT_FREE, 1, TAG_A, 8 * MiB, &err), ==,
                    TM_DC_OK);
    g_autoptr(json_object) pending = get(&fx, CHUNKS "/" TAG_A);
    g_autoptr(json_object) again = get(&fx, CHUNKS "/" TAG_A);
    accept_all(&fx, 0);
    g_autoptr(json_object) accepted = get(&fx, CHUNKS "/" TAG_A);
    g_assert_cmpstr(at(pending, "/@odata.etag"), ==, at(again, "/@odata.etag"));
    g_assert_cmpstr(at(pending, "/@odata.etag"), !=, at(accepted, "/@odata.etag"));
    fixture_clear(&fx);
}

static void test_endpoints(void)
{
    DcdFixture fx;

    fixture_two_regions(&fx);
    g_autoptr(json_object) list = get(&fx, "/redfish/v1/Fabrics/CXL/Endpoints");
    g_assert_cmpstr(at(list, "/Members@odata.count"), ==, "3");
    g_assert_cmpstr(at(list, "/Members/2/@odata.id"), ==,
                    "\"/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-1\"");
    g_autoptr(json_object) target = get(&fx, "/redfish/v1/Fabrics/CXL/Endpoints/dcd0-target");
    g_assert_cmpstr(at(target, "/ConnectedEntities/0/EntityRole"), ==, "\"Target\"");
    g_autoptr(json_object) host = get(&fx, "/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-1");
    g_assert_cmpstr(at(host, "/ConnectedEntities/0/EntityRole"), ==, "\"Initiator\"");
    g_autoptr(json_object) fabric = get(&fx, "/redfish/v1/Fabrics/CXL");
    g_assert_cmpstr(at(fabric, "/FabricType"), ==, "\"CXL\"");
    fixture_clear(&fx);
}

/* URIs that name nothing: one row each. */
static void test_unknown_paths(void)
{
    static const char *const paths[] = {
        "", "/", "/redfish/v2", "/redfish/v1x", "/redfish/v1//", "/redfish//", "/redfish/v1//Chassis", "/redfish/v1/Nope",
        "/redfish/v1/Chassis/dcd9", "/redfish/v1/Chassis/dcd0/Memory/DC/0",
        "/redfish/v1/Chassis/dcd0/Memory/dc", "/redfish/v1/Chassis/dcd0/Oem",
        "/redfish/v1/Chassis/dcd0/Oem/Tagmem", "/redfish/v1/Chassis/dcd0/Oem/Tagmem/DPAMap/x",
        "/redfish/v1/Chassis/dcd0/Oem/Tagmem/dpamap", "/redfish/v1/Chassis/dcd9/Memory",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/2", "/redfish/v1/Chassis/dcd0/MemoryDomains/01",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/-1", "/redfish/v1/Chassis/dcd0/MemoryDomains/x",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/0/Chunks",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/0/MemoryChunks/" TAG_A,
        "/redfish/v1/Chassis/dcd0/MemoryDomains/0/MemoryChunks/not-a-tag",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/0/MemoryChunks/" TAG_A "/x",
        "/redfish/v1/Chassis/../Chassis", "/redfish/v1/Chassis/./dcd0", "/redfish/v1/Chassis/..",
        "/redfish/v1/Fabrics/PCIe", "/redfish/v1/Fabrics/CXL/Switches",
        "/redfish/v1/Fabrics/CXL/Endpoints/dcd0-host-2", "/redfish/v1/Fabrics/CXL/Endpoints/x/y",
    };
    DcdFixture fx;

    fixture_two_regions(&fx);
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        json_object *obj = tm_redfish_resource_get(fx.devices, paths[i]);
        if (obj != NULL) {
            g_error("'%s' should name nothing, got %s", paths[i], json_object_to_json_string(obj));
        }
    }
    fixture_clear(&fx);
}

static void test_error_body(void)
{
    g_autoptr(json_object) body = tm_redfish_error_body("ResourceNotFound", "Not there.", "/x",
                                                        "Look elsewhere.");

    g_assert_cmpstr(at(body, "/error/code"), ==, "\"Base.1.15.0.ResourceNotFound\"");
    g_assert_cmpstr(at(body, "/error/@Message.ExtendedInfo/0/MessageId"), ==,
                    "\"Base.1.15.0.ResourceNotFound\"");
    g_assert_cmpstr(at(body, "/error/@Message.ExtendedInfo/0/MessageArgs"), ==, "[\"/x\"]");
    g_assert_cmpstr(at(body, "/error/@Message.ExtendedInfo/0/Resolution"), ==,
                    "\"Look elsewhere.\"");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http/redfish_resources/service_root_and_chassis",
                    test_service_root_and_chassis);
    g_test_add_func("/http/redfish_resources/chunks_follow_the_tags", test_chunks_follow_the_tags);
    g_test_add_func("/http/redfish_resources/etag_changes_with_state",
                    test_etag_changes_with_state);
    g_test_add_func("/http/redfish_resources/endpoints", test_endpoints);
    g_test_add_func("/http/redfish_resources/unknown_paths", test_unknown_paths);
    g_test_add_func("/http/redfish_resources/error_body", test_error_body);
    return g_test_run();
}

/*
 * libFuzzer target for the Redfish inputs added with the EventService:
 * the query string ($select, $expand) over the resource tree, and the
 * body of a POST to Subscriptions.  The first byte chooses which.
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks that a
 * query either fails with an error or keeps the resource's @odata.id, and
 * that a subscription body is either refused with a message id or makes a
 * subscription whose resource has the Destination it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "fuzz_device_fixture.h"
#include "http/redfish_push.h"
#include "http/redfish_query.h"
#include "http/redfish_resources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    TmFuzzDevice device;
    TmRedfishEvents *events;
    TmRedfishPush *push;
} Fixture;

static Fixture *fixture(void)
{
    static Fixture fx;
    static bool ready;

    if (!ready) {
        TmExtent extent = { .dpa = 256 * MiB, .length = 2 * MiB };
        tm_fuzz_device_init(&fx.device, "memory-backend-ram");
        tm_fuzz_device_offer(&fx.device, 0, 1, TM_FUZZ_TAG, &extent, 1);
        fx.events = tm_redfish_events_new(fx.device.devices);
        fx.push = tm_redfish_push_new(fx.events);
        ready = true;
    }
    return &fx;
}

static void fuzz_query(const char *query)
{
    static const char *const paths[] = {
        "/redfish/v1/Chassis", "/redfish/v1/Chassis/dcd0",
        "/redfish/v1/Chassis/dcd0/MemoryDomains/1/MemoryChunks",
    };
    g_autoptr(GError) err = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        json_object *obj = tm_redfish_resource_get(fixture()->device.devices, paths[i]);
        bool ok = tm_redfish_query_apply(fixture()->device.devices, &obj, query, &err);
        json_object *id = json_object_object_get(obj, "@odata.id");
        if (ok == (err != NULL) || (ok && strcmp(json_object_get_string(id), paths[i]) != 0)) {
            abort();
        }
        g_clear_error(&err);
        json_object_put(obj);
    }
}

static void fuzz_subscription(const char *text)
{
    TmRedfishPushRefusal refusal = { 0 };
    json_object *body = json_tokener_parse(text);
    json_object *created = tm_redfish_push_create(fixture()->push, body, &refusal);

    if ((created == NULL) == (refusal.message_id == NULL)) {
        abort();
    }
    if (created != NULL) {
        const char *given = json_object_get_string(json_object_object_get(body, "Destination"));
        const char *kept = json_object_get_string(json_object_object_get(created, "Destination"));
        const char *id = json_object_get_string(json_object_object_get(created, "Id"));
        if (strcmp(given, kept) != 0 || !tm_redfish_push_delete(fixture()->push, id)) {
            abort();
        }
    }
    tm_redfish_push_refusal_clear(&refusal);
    json_object_put(created);
    json_object_put(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    g_autofree char *text = g_strndup((const char *)data + 1, size - 1);
    if (data[0] & 1) {
        fuzz_subscription(text);
    } else {
        fuzz_query(text);
    }
    return 0;
}

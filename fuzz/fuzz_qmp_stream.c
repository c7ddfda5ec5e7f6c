/*
 * libFuzzer target: arbitrary bytes through the QMP JSON stream, every
 * value it yields dispatched against an in-process environment with a
 * real backend registry and a device registry holding one lazily backed
 * cxl-type3 "dcd0" (no memory is mapped: nobody accepts), every response
 * serialized.
 *
 * Input layout: the first byte configures the run (bits 0-5: the stream
 * is fed in chunks of 1 + that many bytes; bit 7: start with capabilities
 * already negotiated); the rest is the byte stream a client would send.
 *
 *   ./fuzz_qmp_stream -dict=fuzz/qmp_stream.dict fuzz/corpus/qmp
 */
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "backend/backend_registry.h"
#include "device/device_registry.h"
#include "qmp/json_stream.h"
#include "qmp/qmp_dispatch.h"

/* Smaller than the server's limit, so the fuzzer reaches the oversize path. */
#define FUZZ_MAX_MESSAGE (16 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    TmQmpEnv env;
    TmQmpSession session;
    unsigned quit_calls;
} Harness;

static void note_quit(void *opaque)
{
    ((Harness *)opaque)->quit_calls++;
}

static const char *member_string(json_object *object, const char *name)
{
    json_object *value;

    if (!json_object_object_get_ex(object, name, &value) ||
        !json_object_is_type(value, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(value);
}

/*
 * Requests that would touch the host beyond this process: file backends
 * create files, prealloc commits memory.  Everything else is dispatched.
 */
static bool touches_host(json_object *request)
{
    json_object *args, *prealloc;
    const char *command = member_string(request, "execute");

    if (command == NULL || strcmp(command, "object-add") != 0 ||
        !json_object_object_get_ex(request, "arguments", &args) ||
        !json_object_is_type(args, json_type_object)) {
        return false;
    }
    const char *type = member_string(args, "qom-type");
    if (type && strcmp(type, "memory-backend-file") == 0) {
        return true;
    }
    return json_object_object_get_ex(args, "prealloc", &prealloc) &&
           json_object_is_type(prealloc, json_type_boolean) &&
           json_object_get_boolean(prealloc);
}

static void on_value(void *opaque, json_object *value, GError *error)
{
    Harness *harness = opaque;
    json_object *response;

    if (error) {
        response = tm_qmp_error_response(error);
        g_error_free(error);
    } else if (json_object_is_type(value, json_type_object) && touches_host(value)) {
        json_object_put(value);
        return;
    } else {
        response = tm_qmp_dispatch(&harness->env, &harness->session, value);
        json_object_put(value);
    }
    if (harness->session.quit_requested) {
        harness->session.quit_requested = false;
        harness->env.request_quit(harness->env.quit_opaque);
    }
    json_object_to_json_string_ext(response, JSON_C_TO_STRING_PLAIN);
    json_object_put(response);
}

/* dcd0: two hosts, two 512 MiB regions, backed only by tagged backends. */
static void create_device(TmDeviceRegistry *devices)
{
    const TmPropAssignment props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "dc-regions-total-size", .value = { .kind = TM_PROP_SIZE, .uint = 1 << 30 } },
        { .name = "num-hosts", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "dc-region-sharable", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
    };

    if (tm_device_registry_create(devices, TM_DCD_TYPE, "dcd0", props, G_N_ELEMENTS(props),
                                  NULL) == NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t chunk = 1 + (data[0] & 0x3f);
    Harness harness = {
        .env = { .backends = tm_backend_registry_new(), .request_quit = note_quit },
        .session = { .negotiated = (data[0] & 0x80) != 0 },
    };
    harness.env.quit_opaque = &harness;
    harness.env.devices = tm_device_registry_new(harness.env.backends);
    create_device(harness.env.devices);
    TmJsonStream *stream = tm_json_stream_new(FUZZ_MAX_MESSAGE, on_value, &harness);

    for (size_t off = 1; off < size; off += chunk) {
        tm_json_stream_feed(stream, data + off, MIN(chunk, size - off));
    }
    tm_json_stream_finish(stream);
    tm_json_stream_free(stream);
    tm_device_registry_free(harness.env.devices);
    tm_backend_registry_free(harness.env.backends);
    return 0;
}

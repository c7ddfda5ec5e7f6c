#include "fuzz_device_fixture.h"

#include <stdlib.h>

#include "cci/mailbox.h"

static void create_backend(TmFuzzDevice *fx, const char *type, const char *id, uint64_t size,
                           const char *tag)
{
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };

    if (!tm_backend_registry_create(fx->backends, type, id, props, tag ? 2 : 1, NULL)) {
        abort();
    }
}

static void create_device(TmFuzzDevice *fx)
{
    TmPropAssignment props[] = {
        { .name = "num-dc-regions", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "volatile-dc-memdev", .value = { .kind = TM_PROP_LINK, .str = "static0" } },
        { .name = "num-hosts", .value = { .kind = TM_PROP_UINT, .uint = 2 } },
        { .name = "dc-max-extents", .value = { .kind = TM_PROP_UINT, .uint = 16 } },
    };

    fx->dev = tm_device_registry_create(fx->devices, TM_DCD_TYPE, "dcd0", props,
                                        G_N_ELEMENTS(props), NULL);
    if (fx->dev == NULL) {
        abort();
    }
}

void tm_fuzz_device_init(TmFuzzDevice *fx, const char *backend_type)
{
    fx->backends = tm_backend_registry_new();
    fx->devices = tm_device_registry_new(fx->backends);
    create_backend(fx, backend_type, "static0", 512 * MiB, NULL);
    create_backend(fx, backend_type, "tagged0", 4 * MiB, TM_FUZZ_TAG);
    create_device(fx);
    fx->payload = g_malloc(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
}

void tm_fuzz_device_offer(TmFuzzDevice *fx, uint16_t host, uint8_t region, const char *tag,
                          const TmExtent *extents, guint n)
{
    TmDcAddRequest request = {
        .host_id = host,
        .policy = TM_DC_SELECT_PRESCRIPTIVE,
        .region = region,
        .extents = extents,
        .n_extents = n,
    };

    if (tag && !tm_guid_parse(tag, "tag", &request.tag, NULL)) {
        abort();
    }
    if (tm_dcd_add_request(fx->dev, &request, NULL) != TM_DC_OK) {
        abort();
    }
}

void tm_fuzz_device_accept(TmFuzzDevice *fx, uint16_t host, const TmExtent *extents, guint n)
{
    if (tm_dcd_host_add_response(fx->dev, host, 0, extents, n, false, NULL) != TM_DC_OK) {
        abort();
    }
}

void tm_fuzz_device_clear(TmFuzzDevice *fx)
{
    g_free(fx->payload);
    tm_device_registry_free(fx->devices);
    tm_backend_registry_free(fx->backends);
}

TmFuzzDevice *tm_fuzz_device_tagged(void)
{
    static TmFuzzDevice fx;
    static bool ready;

    if (!ready) {
        TmExtent extent = { .dpa = 256 * MiB, .length = 2 * MiB };
        tm_fuzz_device_init(&fx, "memory-backend-ram");
        tm_fuzz_device_offer(&fx, 0, 1, TM_FUZZ_TAG, &extent, 1);
        tm_fuzz_device_accept(&fx, 0, &extent, 1);
        ready = true;
    }
    return &fx;
}

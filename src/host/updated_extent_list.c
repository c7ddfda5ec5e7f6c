#include "host/updated_extent_list.h"

#include <endian.h>
#include <string.h>

#include "host/host_wire.h"

size_t tm_host_updated_extents_per_message(size_t max_payload)
{
    size_t room = max_payload > sizeof(TmCxlAddDcResponseRequest)
                  ? max_payload - sizeof(TmCxlAddDcResponseRequest) : 0;

    return MAX(room / sizeof(TmCxlUpdatedExtent), 1);
}

static GBytes *encode_part(const TagmemExtent *extents, size_t n_extents, bool more)
{
    size_t len = sizeof(TmCxlAddDcResponseRequest) + n_extents * sizeof(TmCxlUpdatedExtent);
    uint8_t *payload = g_malloc0(len);
    TmCxlAddDcResponseRequest header = {
        .extent_count = htole32((uint32_t)n_extents),
        .flags = more ? TM_CXL_DC_RESPONSE_FLAG_MORE : 0,
    };

    memcpy(payload, &header, sizeof(header));
    for (size_t i = 0; i < n_extents; i++) {
        TmCxlUpdatedExtent entry = {
            .start_dpa = htole64(extents[i].dpa),
            .length = htole64(extents[i].length),
        };
        memcpy(payload + sizeof(header) + i * sizeof(entry), &entry, sizeof(entry));
    }
    return g_bytes_new_take(payload, len);
}

GPtrArray *tm_host_updated_extent_payloads(const TagmemExtent *extents, size_t n_extents,
                                           size_t max_payload)
{
    size_t per_message = tm_host_updated_extents_per_message(max_payload);
    GPtrArray *payloads = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    size_t done = 0;

    do {
        size_t part = MIN(n_extents - done, per_message);

        g_ptr_array_add(payloads, encode_part(extents + done, part, done + part < n_extents));
        done += part;
    } while (done < n_extents);
    return payloads;
}

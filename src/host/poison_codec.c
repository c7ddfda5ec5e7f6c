#include "host/poison_codec.h"

#include <endian.h>
#include <string.h>

#include "cci/cxl_poison_wire.h"
#include "host/host_error.h"

bool tm_host_poison_list_decode(const uint8_t *payload, size_t len, GArray *ranges, bool *more,
                                GError **err)
{
    TmCxlGetPoisonListResponse header;

    if (len < sizeof(header)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO, "Get Poison List output of %zu bytes is short",
                    len);
        return false;
    }
    memcpy(&header, payload, sizeof(header));
    size_t count = le16toh(header.count);
    if (len != sizeof(header) + count * sizeof(TmCxlMediaErrorRecord)) {
        g_set_error(err, TM_HOST_ERROR, EPROTO,
                    "Get Poison List output of %zu bytes does not hold its %zu records", len,
                    count);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        TmCxlMediaErrorRecord record;

        memcpy(&record, payload + sizeof(header) + i * sizeof(record), sizeof(record));
        TmHostPoisonRange range = {
            .dpa = le64toh(record.address) & TM_CXL_MEDIA_ERROR_ADDRESS_MASK,
            .length = (uint64_t)le32toh(record.length) * TM_CXL_POISON_LINE,
        };
        g_array_append_val(ranges, range);
    }
    *more = (header.flags & TM_CXL_POISON_FLAG_MORE) != 0;
    return true;
}

/*
 * The device's timestamp (CXL r3.1 §8.2.9.4): nanoseconds since the Unix
 * epoch, UTC.  It runs on the host's real-time clock until someone sets
 * it (Set Timestamp, 0301h); from then on it keeps the offset between the
 * value set and that clock.  Event records carry it.
 */
#include "device/dcd_internal.h"

static int64_t clock_ns(void)
{
    return g_get_real_time() * 1000;
}

uint64_t tm_dcd_timestamp_ns(const TmDcd *dev)
{
    return (uint64_t)(clock_ns() + dev->timestamp_offset_ns);
}

void tm_dcd_set_timestamp_ns(TmDcd *dev, uint64_t timestamp_ns)
{
    /* Wraps as the 64-bit field does: any value set reads back as set. */
    dev->timestamp_offset_ns = (int64_t)(timestamp_ns - (uint64_t)clock_ns());
}

/*
 * Codecs between the wire forms of a Dynamic Capacity extent
 * (cxl_dc_extent_wire.h) and the device model's TmExtent.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cci/cxl_dc_extent_wire.h"
#include "device/extent.h"

void tm_cxl_dc_extent_encode(const TmExtent *extent, TmCxlDcExtent *wire);
void tm_cxl_dc_extent_decode(const TmCxlDcExtent *wire, TmExtent *extent);

/* Only DPA and length travel; the decoded tag is null and the sequence 0. */
void tm_cxl_updated_extent_encode(const TmExtent *extent, TmCxlUpdatedExtent *wire);
void tm_cxl_updated_extent_decode(const TmCxlUpdatedExtent *wire, TmExtent *extent);

/*
 * Arrays of @count entries in a payload buffer (any alignment).  Decoders
 * trust @count: the caller has checked that the payload holds that many.
 */
void tm_cxl_dc_extents_encode(const TmExtent *extents, size_t count, uint8_t *out);
void tm_cxl_dc_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents);
void tm_cxl_updated_extents_encode(const TmExtent *extents, size_t count, uint8_t *out);
void tm_cxl_updated_extents_decode(const uint8_t *bytes, size_t count, TmExtent *extents);

/*
 * The text of large CXL query answers, written directly rather than built
 * as json-c objects (qmp_cxl_query.c says why): extents copied out of the
 * device at one moment, and their members written as QMP shows them
 * (qmp_cxl_json.h has the same values as json-c objects, for events).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-c/json.h>

#include "device/dcd.h"

/* One extent as reported; the accepted-only members are unused for pending ones. */
typedef struct {
    uint64_t dpa;
    uint64_t length;
    uint64_t offset;           /* from the region's base */
    uint64_t backend_offset;
    const char *backend_json;  /* the backend's id as JSON text; NULL: none */
    TmGuid tag;
    uint16_t shared_seq;
    uint8_t region;
    bool release_pending;
} TmQmpExtentCopy;

/* Strings a user chose (ids), escaped once per query however often they appear. */
typedef struct {
    GStringChunk *strings;
    GHashTable *backends;      /* TmHostMem * -> its id's JSON text in @strings */
} TmQmpTextCache;

void tm_qmp_text_cache_init(TmQmpTextCache *cache);
void tm_qmp_text_cache_clear(TmQmpTextCache *cache);
/* @backend's id as JSON text, or NULL for no backend. */
const char *tm_qmp_text_cache_backend(TmQmpTextCache *cache, TmHostMem *backend);
/* @text as a JSON string, kept in the cache. */
const char *tm_qmp_text_cache_string(TmQmpTextCache *cache, const char *text);

/* @json's plain text (owned by @json). */
const char *tm_qmp_json_text(json_object *json);

TmQmpExtentCopy tm_qmp_extent_copy(const TmDcd *dev, const TmBackedExtent *extent);
/* The same for an extent @host_id has accepted: its backend and release mark too. */
TmQmpExtentCopy tm_qmp_accepted_copy(TmQmpTextCache *cache, const TmDcd *dev, uint16_t host_id,
                                     const TmBackedExtent *extent);

void tm_qmp_write_guid(GString *out, const TmGuid *guid);
/* "region", "offset", "dpa", "len", "shared-seq"[, "tag"]: members, no braces. */
void tm_qmp_write_extent_members(GString *out, const TmQmpExtentCopy *e);
/* The above, then "backend"?, "backend-offset"?, "release-pending". */
void tm_qmp_write_accepted_members(GString *out, const TmQmpExtentCopy *e);

#include "qmp/qmp_cxl_text.h"

#include <inttypes.h>

void tm_qmp_text_cache_init(TmQmpTextCache *cache)
{
    cache->strings = g_string_chunk_new(4096);
    cache->backends = g_hash_table_new(NULL, NULL);
}

void tm_qmp_text_cache_clear(TmQmpTextCache *cache)
{
    g_string_chunk_free(cache->strings);
    g_hash_table_unref(cache->backends);
}

const char *tm_qmp_json_text(json_object *json)
{
    return json_object_to_json_string_ext(json,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

const char *tm_qmp_text_cache_string(TmQmpTextCache *cache, const char *text)
{
    json_object *string = json_object_new_string(text);
    const char *kept = g_string_chunk_insert(cache->strings, tm_qmp_json_text(string));

    json_object_put(string);
    return kept;
}

const char *tm_qmp_text_cache_backend(TmQmpTextCache *cache, TmHostMem *backend)
{
    if (backend == NULL) {
        return NULL;
    }
    const char *text = g_hash_table_lookup(cache->backends, backend);
    if (text == NULL) {
        text = tm_qmp_text_cache_string(cache, tm_hostmem_id(backend));
        g_hash_table_insert(cache->backends, backend, (gpointer)text);
    }
    return text;
}

TmQmpExtentCopy tm_qmp_extent_copy(const TmDcd *dev, const TmBackedExtent *extent)
{
    return (TmQmpExtentCopy){
        .dpa = extent->extent.dpa,
        .length = extent->extent.length,
        .offset = extent->extent.dpa - tm_dcd_region(dev, extent->region)->base,
        .tag = extent->extent.tag,
        .shared_seq = extent->extent.shared_seq,
        .region = extent->region,
    };
}

TmQmpExtentCopy tm_qmp_accepted_copy(TmQmpTextCache *cache, const TmDcd *dev, uint16_t host_id,
                                     const TmBackedExtent *extent)
{
    TmQmpExtentCopy copy = tm_qmp_extent_copy(dev, extent);

    copy.backend_json = tm_qmp_text_cache_backend(cache, extent->backend);
    copy.backend_offset = extent->backend_offset;
    copy.release_pending = tm_dcd_host_release_pending(dev, host_id, extent->extent.dpa,
                                                       extent->extent.length);
    return copy;
}

void tm_qmp_write_guid(GString *out, const TmGuid *guid)
{
    char text[TM_GUID_STRING_LEN + 1];

    tm_guid_format(guid, text);
    g_string_append_printf(out, "\"%s\"", text);
}

void tm_qmp_write_extent_members(GString *out, const TmQmpExtentCopy *e)
{
    g_string_append_printf(out, "\"region\":%u,\"offset\":%" PRIu64 ",\"dpa\":%" PRIu64
                           ",\"len\":%" PRIu64 ",\"shared-seq\":%u", e->region, e->offset,
                           e->dpa, e->length, e->shared_seq);
    if (!tm_guid_is_null(&e->tag)) {
        g_string_append(out, ",\"tag\":");
        tm_qmp_write_guid(out, &e->tag);
    }
}

void tm_qmp_write_accepted_members(GString *out, const TmQmpExtentCopy *e)
{
    tm_qmp_write_extent_members(out, e);
    if (e->backend_json) {
        g_string_append_printf(out, ",\"backend\":%s,\"backend-offset\":%" PRIu64,
                               e->backend_json, e->backend_offset);
    }
    g_string_append_printf(out, ",\"release-pending\":%s", e->release_pending ? "true" : "false");
}

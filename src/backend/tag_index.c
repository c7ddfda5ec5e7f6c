#include "backend/tag_index.h"

struct TmTagIndex {
    GHashTable *backends; /* const TmGuid * (the backend's) → TmHostMem * */
};

TmTagIndex *tm_tag_index_new(void)
{
    TmTagIndex *index = g_new0(TmTagIndex, 1);

    index->backends = g_hash_table_new(tm_guid_hash_func, tm_guid_equal_func);
    return index;
}

void tm_tag_index_free(TmTagIndex *index)
{
    if (index == NULL) {
        return;
    }
    g_hash_table_unref(index->backends);
    g_free(index);
}

void tm_tag_index_insert(TmTagIndex *index, const TmGuid *tag, TmHostMem *backend)
{
    /* g_hash_table_insert would keep an old key pointer: refuse duplicates outright. */
    g_assert(!g_hash_table_contains(index->backends, tag));
    g_hash_table_insert(index->backends, (gpointer)tag, backend);
}

void tm_tag_index_remove(TmTagIndex *index, const TmGuid *tag)
{
    gboolean removed = g_hash_table_remove(index->backends, tag);

    g_assert(removed);
}

TmHostMem *tm_tag_index_lookup(const TmTagIndex *index, const TmGuid *tag)
{
    return g_hash_table_lookup(index->backends, tag);
}

guint tm_tag_index_size(const TmTagIndex *index)
{
    return g_hash_table_size(index->backends);
}

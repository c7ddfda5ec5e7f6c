/*
 * The tag index: TmGuid → backend in O(1), a hash table whose keys point
 * into the backends' own tag storage (no copy of 16 bytes per backend, and
 * no way for a key to disagree with the backend's tag while it is indexed).
 * Callers keep it consistent: remove a backend's entry before changing or
 * freeing its tag.
 */
#pragma once

#include <glib.h>

#include "backend/hostmem.h"
#include "core/guid.h"

typedef struct TmTagIndex TmTagIndex;

TmTagIndex *tm_tag_index_new(void);
void tm_tag_index_free(TmTagIndex *index);

/* @tag points into @backend and stays valid and unchanged until removed. */
void tm_tag_index_insert(TmTagIndex *index, const TmGuid *tag, TmHostMem *backend);
void tm_tag_index_remove(TmTagIndex *index, const TmGuid *tag);
TmHostMem *tm_tag_index_lookup(const TmTagIndex *index, const TmGuid *tag);
guint tm_tag_index_size(const TmTagIndex *index);

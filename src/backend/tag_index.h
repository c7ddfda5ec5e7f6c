/*
 * The tag index: TmGuid → backend in O(1).  A backend is indexed under its
 * own tag storage (the key is never copied, so it cannot disagree with the
 * backend's tag while indexed).  Callers keep it consistent: remove a
 * backend before its tag changes or it is freed, insert it again after.
 */
#pragma once

#include <glib.h>

#include "backend/hostmem.h"
#include "core/guid.h"

typedef struct TmTagIndex TmTagIndex;

TmTagIndex *tm_tag_index_new(void);
void tm_tag_index_free(TmTagIndex *index);

/* Index @backend under its current tag, which no indexed backend holds. */
void tm_tag_index_insert(TmTagIndex *index, TmHostMem *backend);
/* Remove @backend, indexed under its current tag. */
void tm_tag_index_remove(TmTagIndex *index, TmHostMem *backend);
TmHostMem *tm_tag_index_lookup(const TmTagIndex *index, const TmGuid *tag);
guint tm_tag_index_size(const TmTagIndex *index);

/*
 * An open-addressing hash table (linear probing, at most half full,
 * backward-shift deletion) of (backend, hash of its tag) slots.
 *
 * Why not GHashTable: a lookup there reads the hash array, the key array,
 * the key itself and the value array, four cache lines in four places; in
 * a daemon with a million backends each is a cache and TLB miss (about
 * 250 ns apiece on a virtual machine), and the measured lookup took over
 * 300 ns.  Here one 16-byte slot gives the hash and the backend, and the
 * only other line read is the backend's tag, to confirm the match
 * (bench/bench_lookup.c: about 135 ns at 1M backends).
 */
#include "backend/tag_index.h"

#include "backend/hostmem_internal.h"

#define MIN_SLOTS 64 /* a power of two */

typedef struct {
    TmHostMem *backend; /* NULL: an empty slot */
    guint hash;         /* tm_guid_hash_func(&backend->tag) */
} TagSlot;

struct TmTagIndex {
    TagSlot *slots;
    gsize mask; /* slot count - 1; the count is a power of two */
    guint count;
};

TmTagIndex *tm_tag_index_new(void)
{
    TmTagIndex *index = g_new0(TmTagIndex, 1);

    index->slots = g_new0(TagSlot, MIN_SLOTS);
    index->mask = MIN_SLOTS - 1;
    return index;
}

void tm_tag_index_free(TmTagIndex *index)
{
    if (index == NULL) {
        return;
    }
    g_free(index->slots);
    g_free(index);
}

static void place(TagSlot *slots, gsize mask, TagSlot entry)
{
    gsize i = entry.hash & mask;

    while (slots[i].backend != NULL) {
        i = (i + 1) & mask;
    }
    slots[i] = entry;
}

static void grow(TmTagIndex *index)
{
    gsize old_count = index->mask + 1;
    gsize new_mask = old_count * 2 - 1;
    TagSlot *slots = g_new0(TagSlot, new_mask + 1);

    for (gsize i = 0; i < old_count; i++) {
        if (index->slots[i].backend != NULL) {
            place(slots, new_mask, index->slots[i]);
        }
    }
    g_free(index->slots);
    index->slots = slots;
    index->mask = new_mask;
}

/* The slot holding @tag, or -1. */
static gssize find_slot(const TmTagIndex *index, const TmGuid *tag)
{
    guint hash = tm_guid_hash_func(tag);

    for (gsize i = hash & index->mask;; i = (i + 1) & index->mask) {
        const TagSlot *slot = &index->slots[i];
        if (slot->backend == NULL) {
            return -1;
        }
        if (slot->hash == hash && tm_guid_equal(&slot->backend->tag, tag)) {
            return (gssize)i;
        }
    }
}

void tm_tag_index_insert(TmTagIndex *index, TmHostMem *backend)
{
    g_assert(backend->has_tag);
    g_assert(find_slot(index, &backend->tag) < 0);
    if ((gsize)(index->count + 1) * 2 > index->mask + 1) {
        grow(index);
    }
    place(index->slots, index->mask,
          (TagSlot){ .backend = backend, .hash = tm_guid_hash_func(&backend->tag) });
    index->count++;
}

/* Is @home cyclically outside (hole, slot]?  Then the entry at @slot may move to @hole. */
static bool may_fill_hole(gsize hole, gsize slot, gsize home, gsize mask)
{
    return ((slot - home) & mask) >= ((slot - hole) & mask);
}

void tm_tag_index_remove(TmTagIndex *index, TmHostMem *backend)
{
    gssize found = find_slot(index, &backend->tag);

    g_assert(found >= 0 && index->slots[found].backend == backend);
    /*
     * Backward-shift deletion: pull later entries of the probe run into the
     * hole when their home slot allows it, so that lookups never need
     * tombstones and probe runs stay short.
     */
    gsize hole = (gsize)found;
    gsize slot = hole;
    for (;;) {
        index->slots[hole].backend = NULL;
        do {
            slot = (slot + 1) & index->mask;
            if (index->slots[slot].backend == NULL) {
                index->count--;
                return;
            }
        } while (!may_fill_hole(hole, slot, index->slots[slot].hash & index->mask,
                                index->mask));
        index->slots[hole] = index->slots[slot];
        hole = slot;
    }
}

TmHostMem *tm_tag_index_lookup(const TmTagIndex *index, const TmGuid *tag)
{
    gssize found = find_slot(index, tag);

    return found < 0 ? NULL : index->slots[found].backend;
}

guint tm_tag_index_size(const TmTagIndex *index)
{
    return index->count;
}

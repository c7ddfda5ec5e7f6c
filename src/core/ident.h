/*
 * Object identifiers, checked with QEMU's rule (util/id.c): an ASCII letter,
 * then letters, digits, '-', '.' and '_'.
 *
 * A GUID that happens to start with a letter (a-f) passes QEMU's rule; we
 * refuse it anyway, because an id that looks like a tag invites confusing
 * the two.  Tags are a property of their own.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

bool tm_id_is_valid(const char *id);

/* tm_id_is_valid() with QEMU's message naming the parameter and value. */
bool tm_id_check(const char *id, GError **err);

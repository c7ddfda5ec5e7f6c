/*
 * Helpers for the backend unit tests: create backends from QEMU-style
 * "key=value,..." text, and check that the registry's indexes agree.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#include "backend/backend_registry.h"
#include "backend/hostmem.h"

/*
 * Create @type_name @id in @registry from @props_text, "key=value,..."; each
 * value is parsed with tm_value_parse_text() as the property's kind, or as
 * the kind named in "key:kind=value" (str, bool, size, uint) to send a
 * value of the wrong kind on purpose.  Parse errors are returned like
 * creation errors.
 */
TmHostMem *test_create_backend(TmBackendRegistry *registry, const char *type_name,
                               const char *id, const char *props_text, GError **err);

/* Same, aborting the test on error. */
TmHostMem *test_create_backend_ok(TmBackendRegistry *registry, const char *type_name,
                                  const char *id, const char *props_text);

/* Set one property from text on an existing backend. */
bool test_set_property(TmHostMem *backend, const char *name, const char *text, GError **err);

/*
 * Assert that count, list, id index and tag index agree: every listed
 * backend is found by its id and its tag, and the tag index holds exactly
 * the tagged backends.
 */
void test_assert_registry_consistent(const TmBackendRegistry *registry);

/* "id=tag;id=tag;..." in creation order, to compare before and after. */
char *test_registry_snapshot(const TmBackendRegistry *registry);

/* Is every page of [memory, memory + length) resident (all) or none of them? */
bool test_pages_all_resident(const void *memory, size_t length);
bool test_pages_none_resident(const void *memory, size_t length);

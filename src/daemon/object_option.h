/*
 * "-object TYPE,id=ID,key=value,..." (QEMU's -object, qom/object_interfaces.c)
 * parsed into a typed backend create request.
 *
 * Each value is converted according to the kind of the property it names,
 * so "size=1G" becomes 1073741824 and "share=on" a boolean; a list
 * property named several times ("host-nodes=0,host-nodes=2-3") collects
 * every value in order; any other property named twice keeps the last.
 */
#pragma once

#include <glib.h>

#include "backend/backend_registry.h"

typedef struct {
    char *text;                 /* the option as given, for messages */
    char *qom_type;
    char *id;
    GArray *props;              /* TmPropAssignment; names are the class's */
} TmObjectOption;

/*
 * The typed property assignments (TmPropAssignment; names are @klass's)
 * of every keyval pair whose key is not in @skip_keys (NULL-terminated),
 * by the rules above.  Shared with -device.
 */
GArray *tm_option_props_parse(const TmObjectClass *klass, const GPtrArray *pairs,
                              const char *const *skip_keys, GError **err);

/* Errors name the parameter and value; the caller adds which option. */
TmObjectOption *tm_object_option_parse(const char *text, GError **err);
void tm_object_option_free(TmObjectOption *option);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmObjectOption, tm_object_option_free)

/* Create the backend in @registry (all-or-nothing, as the registry is). */
TmHostMem *tm_object_option_create(const TmObjectOption *option, TmBackendRegistry *registry,
                                   GError **err);

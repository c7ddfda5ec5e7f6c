/*
 * A small object model in the manner of QEMU's QOM: classes with typed,
 * described properties, single inheritance, and a create → set properties →
 * complete life cycle.  Objects are found by the registries of the layer
 * that owns them (backends, devices); this file knows nothing of paths.
 *
 * Life cycle:
 *   obj = tm_object_new(klass, id);        init hooks set defaults
 *   tm_object_set_property(obj, ...);      any number of times
 *   tm_object_complete(obj, &err);         validate the whole, realize
 *   ... tm_object_free(obj);               finalize hooks, memory freed
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "object/value.h"

typedef struct TmObject TmObject;
typedef struct TmObjectClass TmObjectClass;

typedef enum {
    TM_PROP_INIT_ONLY, /* settable until the object is complete */
    TM_PROP_WRITABLE,  /* settable at any time (qom-set) */
    TM_PROP_READ_ONLY, /* never settable; computed or fixed */
} TmPropAccess;

typedef struct {
    const char *name;
    TmPropKind kind;
    TmPropAccess access;
    const char *description;
    const char *const *enum_values; /* TM_PROP_ENUM: NULL-terminated */
    /* Store @value (already of @kind, enum already checked).  May refuse. */
    bool (*set)(TmObject *obj, const TmValue *value, GError **err);
    /* Fill @out with the current value (@out->kind is preset). */
    void (*get)(TmObject *obj, TmValue *out);
} TmProperty;

struct TmObjectClass {
    const char *type_name;
    const TmObjectClass *parent;
    /* Abstract classes cannot be instantiated (e.g. "memory-backend"). */
    bool abstract;
    size_t instance_size;
    const TmProperty *properties; /* terminated by an entry with name == NULL */
    /* Set defaults; called parent first. */
    void (*init)(TmObject *obj);
    /* Check the properties as a whole and acquire resources.  The most
     * derived hook runs; it calls its parent's when it wants to. */
    bool (*complete)(TmObject *obj, GError **err);
    /* Release resources; called child first, also for incomplete objects. */
    void (*finalize)(TmObject *obj);
};

struct TmObject {
    const TmObjectClass *klass;
    char *id;
    bool completed;
};

/*
 * The root class.  It has the read-only property "type" (the type name),
 * as in QOM; every class names it, or a descendant, as parent.
 */
extern const TmObjectClass tm_object_class;

TmObject *tm_object_new(const TmObjectClass *klass, const char *id);
void tm_object_free(TmObject *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmObject, tm_object_free)

bool tm_object_complete(TmObject *obj, GError **err);

const char *tm_object_type_name(const TmObject *obj);
bool tm_object_is_a(const TmObject *obj, const TmObjectClass *klass);
bool tm_class_is_a(const TmObjectClass *klass, const TmObjectClass *ancestor);

/* Property lookup walks the class chain, most derived first. */
const TmProperty *tm_class_find_property(const TmObjectClass *klass, const char *name);

/* Every property of @klass, ancestors' first; the array does not own them. */
GPtrArray *tm_class_list_properties(const TmObjectClass *klass);

/*
 * Set a property.  Errors name the type and property: not found, not
 * writable, wrong kind, value not one of the enum's.
 */
bool tm_object_set_property(TmObject *obj, const char *name, const TmValue *value, GError **err);

/* Parse command-line text according to the property's kind, then set it. */
bool tm_object_set_property_text(TmObject *obj, const char *name, const char *text,
                                 GError **err);

/* Read a property; the caller clears @out. */
bool tm_object_get_property(TmObject *obj, const char *name, TmValue *out, GError **err);

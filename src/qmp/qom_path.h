/*
 * The QOM tree as QMP clients see it, and path resolution:
 *
 *   /                     container
 *   /objects              container: memory backends by id ("/objects/mem0")
 *   /machine              container
 *   /machine/peripheral   container: cxl-type3 devices by id ("/machine/peripheral/dcd0")
 *
 * Paths are absolute; empty components are ignored ("/objects//mem0/").
 * A new kind of object is a new row in qom_path.c's container table, with
 * its registry reached through TmQmpEnv.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>
#include <json-c/json.h>

#include "object/object.h"
#include "qmp/qmp_env.h"

typedef struct TmQomContainer TmQomContainer;

/* Exactly one of the two is set. */
typedef struct {
    const TmQomContainer *container;
    TmObject *object;
} TmQomNode;

/* Type name QOM reports for containers. */
#define TM_QOM_CONTAINER_TYPE "container"

/* Errors: DeviceNotFound "Device 'PATH' not found", as QEMU's qom-* commands. */
bool tm_qom_resolve(TmQmpEnv *env, const char *path, TmQomNode *out, GError **err);

/* Append @container's children to @list as {"name": ..., "type": "child<TYPE>"}. */
void tm_qom_container_list_children(TmQmpEnv *env, const TmQomContainer *container,
                                    json_object *list);

/* The canonical path of @container's child @name, or NULL when it has none. */
char *tm_qom_container_child_path(TmQmpEnv *env, const TmQomContainer *container,
                                  const char *name);

/*
 * Argument schemas for QMP commands, and the checking QEMU's generated
 * QAPI marshallers do: every member of the schema is visited in order
 * (missing → "Parameter 'x' is missing", wrong JSON type → "Invalid
 * parameter type for 'x', expected: string", not an unsigned integer →
 * "Parameter 'x' expects uint64"), then members the schema
 * does not name are refused ("Parameter 'x' is unexpected").  Nested
 * names read as QEMU prints them: "extents[0].offset".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-c/json.h>

typedef enum {
    TM_QMP_ARG_STR,
    TM_QMP_ARG_BOOL,
    TM_QMP_ARG_INT,    /* int64 */
    TM_QMP_ARG_INT16,  /* int16 */
    TM_QMP_ARG_UINT8,
    TM_QMP_ARG_UINT16,
    TM_QMP_ARG_UINT32,
    TM_QMP_ARG_UINT64, /* also QAPI's "size" */
    TM_QMP_ARG_NUMBER, /* integer or floating point */
    TM_QMP_ARG_ENUM,   /* a string among enum_values */
    TM_QMP_ARG_ANY,    /* any JSON value, checked by the handler */
    TM_QMP_ARG_LIST,   /* a JSON array of @element */
    TM_QMP_ARG_STRUCT, /* a JSON object with @members */
} TmQmpArgType;

typedef struct TmQmpArg TmQmpArg;

struct TmQmpArg {
    const char *name;                /* NULL ends a member list */
    TmQmpArgType type;
    bool optional;
    const char *const *enum_values;  /* ENUM: NULL-terminated */
    const TmQmpArg *element;         /* LIST: the elements' schema (its name is unused) */
    const TmQmpArg *members;         /* STRUCT: the members, ended by name == NULL */
};

/*
 * Check @args (a JSON object) against @members (NULL: no arguments).
 * With @allow_extra, members the schema does not name are left to the
 * handler (object-add's flat properties).
 */
bool tm_qmp_args_check(const TmQmpArg *members, bool allow_extra, json_object *args,
                       GError **err);

/*
 * Typed access for handlers, after checking.  An absent optional member
 * gives the default.  The string belongs to @args.
 */
const char *tm_qmp_arg_str(json_object *args, const char *name, const char *def);
bool tm_qmp_arg_bool(json_object *args, const char *name, bool def);
int64_t tm_qmp_arg_int(json_object *args, const char *name, int64_t def);
uint64_t tm_qmp_arg_uint(json_object *args, const char *name, uint64_t def);
bool tm_qmp_arg_has(json_object *args, const char *name);

/*
 * A non-negative JSON integer as uint64, the shared rule of uint64/size
 * arguments and size/uint properties.  Anything else gets QEMU's "Parameter
 * 'x' expects uint64"; a negative value, which QEMU wraps, is refused with
 * its value.  @name is the full name for messages.
 */
bool tm_qmp_json_to_uint64(json_object *json, const char *name, uint64_t *out, GError **err);

/* The JSON type a message names ("integer", "string", "object", ...). */
const char *tm_qmp_json_type_name(json_object *json);

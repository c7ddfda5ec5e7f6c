/*
 * Typed property values.  Front ends convert their input (keyval text from
 * the command line, JSON from QMP) into a TmValue of the kind the property
 * declares, so that objects never parse wire formats themselves.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef enum {
    TM_PROP_STR,       /* any string */
    TM_PROP_BOOL,
    TM_PROP_SIZE,      /* bytes; text form takes K/M/G/T suffixes */
    TM_PROP_UINT,      /* unsigned 64-bit integer */
    TM_PROP_ENUM,      /* one of the property's enum_values, carried as a string */
    TM_PROP_GUID,      /* GUID string, canonical lower case once set */
    TM_PROP_UINT_LIST, /* list of unsigned integers (host-nodes) */
    TM_PROP_LINK,      /* id of another object, carried as a string */
} TmPropKind;

typedef struct {
    TmPropKind kind;
    union {
        char *str;       /* STR, ENUM, GUID, LINK; owned */
        bool boolean;    /* BOOL */
        uint64_t uint;   /* SIZE, UINT */
        GArray *list;    /* UINT_LIST: GArray of uint64_t; owned */
    };
} TmValue;

/* Release what the value owns and leave it empty. */
void tm_value_clear(TmValue *value);

/* An empty list for a UINT_LIST value: a GArray of uint64_t. */
GArray *tm_value_uint_list_new(void);

/*
 * The string of a STR, ENUM, GUID or LINK value; an unset one reads as "",
 * in text and JSON alike.
 */
const char *tm_value_string(const TmValue *value);

/* A value's kind as QOM names property types ("str", "bool", "size", ...). */
const char *tm_prop_kind_name(TmPropKind kind);

/* True for the kinds carried as a string. */
bool tm_prop_kind_is_string(TmPropKind kind);

/*
 * Parse command-line text for a property named @field of @kind.  Booleans
 * take on/off/yes/no/true/false; UINT_LIST takes "N" or "N-M".
 */
bool tm_value_parse_text(TmPropKind kind, const char *field, const char *text, TmValue *out,
                         GError **err);

/* Text form of @value (sizes in bytes, lists as "0,1,2"); caller frees. */
char *tm_value_to_text(const TmValue *value);

#include "qmp/qmp_args.h"

#include <inttypes.h>
#include <string.h>

#include "core/error.h"

static bool check_value(const TmQmpArg *arg, json_object *value, GString *name, GError **err);

const char *tm_qmp_json_type_name(json_object *json)
{
    switch (json_object_get_type(json)) {
    case json_type_null:    return "null";
    case json_type_boolean: return "boolean";
    case json_type_double:  return "number";
    case json_type_int:     return "integer";
    case json_type_object:  return "object";
    case json_type_array:   return "array";
    case json_type_string:  return "string";
    }
    return "unknown";
}

static bool type_error(const char *name, const char *expected, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Invalid parameter type for '%s', expected: %s",
                name, expected);
    return false;
}

/* json-c keeps integers as int64 or, above INT64_MAX, as uint64. */
static bool json_is_negative(json_object *json)
{
    return json_object_get_int64(json) < 0;
}

static bool json_exceeds_int64(json_object *json)
{
    return !json_is_negative(json) && json_object_get_uint64(json) > INT64_MAX;
}

/*
 * QEMU's input visitor reads every unsigned integer (uint8 ... uint64, size)
 * as a uint64 first, so anything but a JSON integer -- a string, boolean,
 * null, 1.0 -- gets "Parameter 'x' expects uint64" whatever the width
 * (qapi/qobject-input-visitor.c, checked against QEMU 10).
 */
static bool not_uint64_error(const char *name, GError **err)
{
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' expects uint64", name);
    return false;
}

bool tm_qmp_json_to_uint64(json_object *json, const char *name, uint64_t *out, GError **err)
{
    if (!json_object_is_type(json, json_type_int)) {
        return not_uint64_error(name, err);
    }
    /* QEMU wraps a negative uint64 (size -4096 becomes 2^64 - 4096); refuse it. */
    if (json_is_negative(json)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter '%s' expects uint64, got negative value %" PRId64, name,
                    json_object_get_int64(json));
        return false;
    }
    *out = json_object_get_uint64(json);
    return true;
}

/*
 * A narrower unsigned integer.  Out of range -- a negative value too, which
 * QEMU wraps to a huge one first -- gets visit_type_uintN's wording:
 * "Parameter 'region' expects uint8_t".
 */
static bool check_uint(json_object *value, const char *name, uint64_t max, const char *label,
                       GError **err)
{
    if (!json_object_is_type(value, json_type_int)) {
        return not_uint64_error(name, err);
    }
    if (json_is_negative(value) || json_object_get_uint64(value) > max) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' expects %s", name, label);
        return false;
    }
    return true;
}

/*
 * QEMU's visit_type_int16: an integer first ("Invalid parameter type for
 * 'x', expected: integer"), then the range ("Parameter 'x' expects int16_t").
 */
static bool check_int16(json_object *value, const char *name, GError **err)
{
    if (!json_object_is_type(value, json_type_int) || json_exceeds_int64(value)) {
        return type_error(name, "integer", err);
    }
    int64_t number = json_object_get_int64(value);
    if (number < INT16_MIN || number > INT16_MAX) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' expects int16_t", name);
        return false;
    }
    return true;
}

static bool check_enum(const TmQmpArg *arg, json_object *value, const char *name, GError **err)
{
    if (!json_object_is_type(value, json_type_string)) {
        return type_error(name, "string", err);
    }
    const char *text = json_object_get_string(value);
    /*
     * QEMU names the member alone here, not its full path: a nested enum
     * reads "Parameter 'type'", not "Parameter 'errors[0].type'".
     */
    if (!g_strv_contains((const char *const *)arg->enum_values, text)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' does not accept value '%s'",
                    arg->name ? arg->name : name, text);
        return false;
    }
    return true;
}

static bool check_list(const TmQmpArg *arg, json_object *value, GString *name, GError **err)
{
    if (!json_object_is_type(value, json_type_array)) {
        return type_error(name->str, "array", err);
    }
    size_t base = name->len;
    size_t count = json_object_array_length(value);
    for (size_t i = 0; i < count; i++) {
        g_string_append_printf(name, "[%zu]", i);
        bool ok = check_value(arg->element, json_object_array_get_idx(value, i), name, err);
        g_string_truncate(name, base);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool check_members(const TmQmpArg *members, bool allow_extra, json_object *object,
                          GString *name, GError **err);

static bool check_value(const TmQmpArg *arg, json_object *value, GString *name, GError **err)
{
    switch (arg->type) {
    case TM_QMP_ARG_STR:
        return json_object_is_type(value, json_type_string) || type_error(name->str, "string", err);
    case TM_QMP_ARG_BOOL:
        return json_object_is_type(value, json_type_boolean) ||
               type_error(name->str, "boolean", err);
    case TM_QMP_ARG_INT:
        return (json_object_is_type(value, json_type_int) && !json_exceeds_int64(value)) ||
               type_error(name->str, "integer", err);
    case TM_QMP_ARG_INT16:
        return check_int16(value, name->str, err);
    case TM_QMP_ARG_UINT8:
        return check_uint(value, name->str, UINT8_MAX, "uint8_t", err);
    case TM_QMP_ARG_UINT16:
        return check_uint(value, name->str, UINT16_MAX, "uint16_t", err);
    case TM_QMP_ARG_UINT32:
        return check_uint(value, name->str, UINT32_MAX, "uint32_t", err);
    case TM_QMP_ARG_UINT64: {
        uint64_t unused;
        return tm_qmp_json_to_uint64(value, name->str, &unused, err);
    }
    case TM_QMP_ARG_NUMBER:
        return json_object_is_type(value, json_type_int) ||
               json_object_is_type(value, json_type_double) ||
               type_error(name->str, "number", err);
    case TM_QMP_ARG_ENUM:
        return check_enum(arg, value, name->str, err);
    case TM_QMP_ARG_ANY:
        return true;
    case TM_QMP_ARG_LIST:
        return check_list(arg, value, name, err);
    case TM_QMP_ARG_STRUCT:
        if (!json_object_is_type(value, json_type_object)) {
            return type_error(name->str, "object", err);
        }
        return check_members(arg->members, false, value, name, err);
    }
    g_assert_not_reached();
}

static bool schema_has_member(const TmQmpArg *members, const char *key)
{
    for (const TmQmpArg *m = members; m && m->name; m++) {
        if (strcmp(m->name, key) == 0) {
            return true;
        }
    }
    return false;
}

static void name_push(GString *name, size_t base, const char *member)
{
    g_string_truncate(name, base);
    if (base > 0) {
        g_string_append_c(name, '.');
    }
    g_string_append(name, member);
}

static bool check_members(const TmQmpArg *members, bool allow_extra, json_object *object,
                          GString *name, GError **err)
{
    size_t base = name->len;
    bool ok = true;

    for (const TmQmpArg *m = members; ok && m && m->name; m++) {
        json_object *value;
        name_push(name, base, m->name);
        if (!json_object_object_get_ex(object, m->name, &value)) {
            if (!m->optional) {
                g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' is missing",
                            name->str);
                ok = false;
            }
            continue;
        }
        ok = check_value(m, value, name, err);
    }
    if (ok && !allow_extra) {
        json_object_object_foreach(object, key, unused) {
            (void)unused;
            if (!schema_has_member(members, key)) {
                name_push(name, base, key);
                g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Parameter '%s' is unexpected",
                            name->str);
                ok = false;
                break;
            }
        }
    }
    g_string_truncate(name, base);
    return ok;
}

bool tm_qmp_args_check(const TmQmpArg *members, bool allow_extra, json_object *args,
                       GError **err)
{
    g_autoptr(GString) name = g_string_new(NULL);

    g_assert(json_object_is_type(args, json_type_object));
    return check_members(members, allow_extra, args, name, err);
}

static json_object *member(json_object *args, const char *name)
{
    json_object *value = NULL;

    json_object_object_get_ex(args, name, &value);
    return value;
}

bool tm_qmp_arg_has(json_object *args, const char *name)
{
    return json_object_object_get_ex(args, name, NULL);
}

const char *tm_qmp_arg_str(json_object *args, const char *name, const char *def)
{
    json_object *value = member(args, name);

    return value ? json_object_get_string(value) : def;
}

bool tm_qmp_arg_bool(json_object *args, const char *name, bool def)
{
    json_object *value = member(args, name);

    return value ? json_object_get_boolean(value) : def;
}

int64_t tm_qmp_arg_int(json_object *args, const char *name, int64_t def)
{
    json_object *value = member(args, name);

    return value ? json_object_get_int64(value) : def;
}

uint64_t tm_qmp_arg_uint(json_object *args, const char *name, uint64_t def)
{
    json_object *value = member(args, name);

    return value ? json_object_get_uint64(value) : def;
}

#include "qmp/json_scan.h"

#include <errno.h>
#include <string.h>

#include "core/error.h"

void tm_json_scan_init(TmJsonScan *scan)
{
    memset(scan, 0, sizeof(*scan));
    scan->members = g_array_new(FALSE, FALSE, sizeof(guint));
}

void tm_json_scan_clear(TmJsonScan *scan)
{
    g_clear_pointer(&scan->members, g_array_unref);
}

void tm_json_scan_reset(TmJsonScan *scan)
{
    GArray *members = scan->members;

    memset(scan, 0, sizeof(*scan));
    scan->members = members;
    g_array_set_size(members, 0);
}

/* A container opens: objects get a member count. */
static void open_container(TmJsonScan *scan, unsigned char c)
{
    if (scan->depth < TM_JSON_SCAN_DEPTH_MAX) {
        guint zero = 0;
        scan->open[scan->depth] = c == '{' ? (gint)scan->members->len : -1;
        if (c == '{') {
            g_array_append_val(scan->members, zero);
        }
    }
    scan->depth++;
}

/* A ':' outside strings ends a key of the innermost object. */
static void count_member(TmJsonScan *scan)
{
    if (scan->depth > 0 && scan->depth <= TM_JSON_SCAN_DEPTH_MAX &&
        scan->open[scan->depth - 1] >= 0) {
        g_array_index(scan->members, guint, scan->open[scan->depth - 1])++;
    }
}

/* Objects of @value in document order against the counts: false at the first one short. */
static bool keys_intact(const TmJsonScan *scan, json_object *value, guint *index)
{
    if (json_object_is_type(value, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(value); i++) {
            if (!keys_intact(scan, json_object_array_get_idx(value, i), index)) {
                return false;
            }
        }
        return true;
    }
    if (!json_object_is_type(value, json_type_object) || *index >= scan->members->len) {
        return true;
    }
    guint written = g_array_index(scan->members, guint, (*index)++);
    if ((guint)json_object_object_length(value) < written) {
        return false;
    }
    json_object_object_foreach(value, key, member) {
        (void)key;
        if (!keys_intact(scan, member, index)) {
            return false;
        }
    }
    return true;
}

bool tm_json_scan_check_keys(const TmJsonScan *scan, json_object *value, GError **err)
{
    guint index = 0;

    if (!keys_intact(scan, value, &index)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "JSON parse error, duplicate key");
        return false;
    }
    return true;
}

bool tm_json_scan_in_value(const TmJsonScan *scan)
{
    return scan->depth > 0 || scan->in_string;
}

bool tm_json_scan_is_token_char(char c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
}

/* RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *text)
{
    const char *p = text;

    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (g_ascii_isdigit(*p)) {
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    } else {
        return false;
    }
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if (!g_ascii_isdigit(*p)) {
            return false;
        }
        while (g_ascii_isdigit(*p)) {
            p++;
        }
    }
    return *p == '\0';
}

/* json-c clamps integers to the int64/uint64 range without telling. */
static bool integer_fits(const char *text)
{
    errno = 0;
    if (text[0] == '-') {
        g_ascii_strtoll(text, NULL, 10);
    } else {
        g_ascii_strtoull(text, NULL, 10);
    }
    return errno != ERANGE;
}

static bool check_token(const TmJsonScan *scan, GError **err)
{
    const char *text = scan->token;
    const char *ellipsis = scan->token_len > TM_JSON_SCAN_TOKEN_MAX ? "..." : "";

    if (g_ascii_isalpha(text[0])) {
        if (scan->token_len <= TM_JSON_SCAN_TOKEN_MAX &&
            (strcmp(text, "true") == 0 || strcmp(text, "false") == 0 ||
             strcmp(text, "null") == 0)) {
            return true;
        }
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "JSON parse error, invalid keyword '%s%s'",
                    text, ellipsis);
        return false;
    }
    if (scan->token_len <= TM_JSON_SCAN_TOKEN_MAX && !is_json_number(text)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "JSON parse error, invalid number '%s'",
                    text);
        return false;
    }
    if (!scan->token_is_fraction &&
        (scan->token_len > TM_JSON_SCAN_TOKEN_MAX || !integer_fits(text))) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "JSON parse error, integer '%s%s' does not fit in 64 bits", text, ellipsis);
        return false;
    }
    return true;
}

static void token_clear(TmJsonScan *scan)
{
    scan->in_token = false;
    scan->token_len = 0;
    scan->token[0] = '\0';
    scan->token_is_fraction = false;
}

bool tm_json_scan_end_token(TmJsonScan *scan, GError **err)
{
    if (!scan->in_token) {
        return true;
    }
    if (!check_token(scan, err)) {
        return false;
    }
    token_clear(scan);
    return true;
}

static void token_append(TmJsonScan *scan, char c)
{
    if (scan->token_len < TM_JSON_SCAN_TOKEN_MAX) {
        scan->token[scan->token_len] = c;
        scan->token[scan->token_len + 1] = '\0';
    }
    scan->token_len++;
    if (c == '.' || c == 'e' || c == 'E') {
        scan->token_is_fraction = true;
    }
}

static bool check_string_byte(TmJsonScan *scan, unsigned char c, GError **err)
{
    if (scan->unicode_left > 0 && g_ascii_isxdigit(c)) {
        guint value = scan->unicode_value * 16 + g_ascii_xdigit_value(c);
        if (scan->unicode_left == 1 && value == 0) {
            /* json-c would cut object keys at the NUL; QEMU refuses it too. */
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "JSON parse error, \\u0000 is not supported");
            return false;
        }
        scan->unicode_value = value;
        scan->unicode_left--;
        return true;
    }
    /* A non-hex digit inside \uXXXX is the tokener's error to report. */
    scan->unicode_left = 0;
    if (scan->escape) {
        scan->escape = false;
        if (c == 'u') {
            scan->unicode_left = 4;
            scan->unicode_value = 0;
        }
    } else if (c == '\\') {
        scan->escape = true;
    } else if (c == '"') {
        scan->in_string = false;
    } else if (c < 0x20) {
        /* RFC 8259 §7: control characters must be escaped. */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "JSON parse error, control character 0x%02x in a string must be escaped",
                    c);
        return false;
    }
    return true;
}

static bool check_structure_byte(TmJsonScan *scan, unsigned char c, GError **err)
{
    if (scan->in_token) {
        if (tm_json_scan_is_token_char(c)) {
            token_append(scan, c);
            return true;
        }
        if (!tm_json_scan_end_token(scan, err)) {
            return false;
        }
    }
    switch (c) {
    case '"':
        scan->in_string = true;
        break;
    case '{':
    case '[':
        open_container(scan, c);
        break;
    case '}':
    case ']':
        if (scan->depth > 0) {
            scan->depth--;
        }
        break;
    case ':':
        count_member(scan);
        break;
    default:
        if (tm_json_scan_is_token_char(c)) {
            scan->in_token = true;
            token_append(scan, c);
        }
        break;
    }
    return true;
}

size_t tm_json_scan_check(TmJsonScan *scan, const char *data, size_t len, GError **err)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        bool ok = scan->in_string ? check_string_byte(scan, c, err)
                                  : check_structure_byte(scan, c, err);
        if (!ok) {
            /* The refused byte was not taken; the token it ended is dropped. */
            token_clear(scan);
            return i;
        }
    }
    return len;
}

size_t tm_json_scan_skip_value(TmJsonScan *scan, const char *data, size_t len, bool *ended)
{
    token_clear(scan);
    scan->unicode_left = 0;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (scan->in_string) {
            if (scan->escape) {
                scan->escape = false;
            } else if (c == '\\') {
                scan->escape = true;
            } else if (c == '"') {
                scan->in_string = false;
                if (scan->depth == 0) {
                    *ended = true;
                    return i + 1;
                }
            }
            continue;
        }
        if (c == '"') {
            scan->in_string = true;
        } else if (c == '{' || c == '[') {
            scan->depth++;
        } else if ((c == '}' || c == ']') && scan->depth > 0) {
            scan->depth--;
            if (scan->depth == 0) {
                *ended = true;
                return i + 1;
            }
        }
    }
    *ended = false;
    return len;
}

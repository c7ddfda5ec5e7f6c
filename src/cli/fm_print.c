/*
 * How "tagmem fm" shows what a command returned: the decoded answer is a
 * JSON object (keys in cxl list's lower_snake_case); --json prints it as
 * it is, people get "key: value" lines for its scalars and a table for
 * each list of objects, with DPAs in hex and sizes in binary units.
 */
#include "cli/fm_print.h"

#include <inttypes.h>
#include <string.h>

#include "cli/cli_table.h"
#include "core/size.h"

static bool is_address_key(const char *key)
{
    return strcmp(key, "dpa") == 0 || strcmp(key, "base") == 0;
}

static bool is_size_key(const char *key)
{
    return strcmp(key, "length") == 0 || strcmp(key, "decode_length") == 0 ||
           strcmp(key, "block_size") == 0 || strcmp(key, "block_sizes") == 0 ||
           strcmp(key, "total_capacity") == 0;
}

static char *cell(const char *key, json_object *value)
{
    if (json_object_is_type(value, json_type_int) && is_address_key(key)) {
        return g_strdup_printf("0x%" PRIx64, json_object_get_uint64(value));
    }
    if (json_object_is_type(value, json_type_int) && is_size_key(key)) {
        return tm_size_to_human(json_object_get_uint64(value));
    }
    if (json_object_is_type(value, json_type_boolean)) {
        return g_strdup(json_object_get_boolean(value) ? "yes" : "no");
    }
    if (json_object_is_type(value, json_type_array)) {
        GString *text = g_string_new(NULL);

        for (size_t i = 0; i < json_object_array_length(value); i++) {
            g_autofree char *item = cell(key, json_object_array_get_idx(value, i));
            g_string_append_printf(text, "%s%s", i ? "," : "", item);
        }
        return g_string_free(text, FALSE);
    }
    return g_strdup(json_object_get_string(value));
}

static void print_table(const char *title, json_object *rows, FILE *out)
{
    if (json_object_array_length(rows) == 0) {
        fprintf(out, "%s: none\n", title);
        return;
    }
    json_object *first = json_object_array_get_idx(rows, 0);
    g_autoptr(GPtrArray) headers = g_ptr_array_new();
    json_object_object_foreach(first, key, value) {
        (void)value;
        g_ptr_array_add(headers, key);
    }
    g_ptr_array_add(headers, NULL);
    g_autoptr(TmCliTable) table = tm_cli_table_new((const char *const *)headers->pdata);
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        GStrvBuilder *cells = g_strv_builder_new();

        json_object_object_foreach(json_object_array_get_idx(rows, i), k, v) {
            g_autofree char *text = cell(k, v);
            g_strv_builder_add(cells, text);
        }
        tm_cli_table_add(table, g_strv_builder_end(cells));
        g_strv_builder_unref(cells);
    }
    fprintf(out, "%s:\n", title);
    tm_cli_table_print(table, out);
}

/* The answers' lists of objects: printed as tables, even when empty. */
static bool is_table_key(const char *key)
{
    return strcmp(key, "regions") == 0 || strcmp(key, "extents") == 0 ||
           strcmp(key, "tags") == 0;
}

void tm_fm_print(json_object *answer, bool as_json, FILE *out)
{
    if (as_json) {
        fprintf(out, "%s\n", json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PRETTY |
                                                                    JSON_C_TO_STRING_SPACED));
        return;
    }
    json_object_object_foreach(answer, key, value) {
        if (!is_table_key(key)) {
            g_autofree char *text = cell(key, value);
            fprintf(out, "%s: %s\n", key, text);
        }
    }
    json_object_object_foreach(answer, list_key, list) {
        if (is_table_key(list_key)) {
            print_table(list_key, list, out);
        }
    }
}

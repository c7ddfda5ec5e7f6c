/*
 * libFuzzer target for tagmemd's command-line parsers: QEMU keyval syntax,
 * typed property values, sizes, GUIDs, ids, "-object" and "-qmp" option
 * values, and the whole argument vector (one argument per input line).
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks round
 * trips: a parsed GUID formats and parses back to the same bytes, and
 * parsed keyval pairs written back out (",," escaped) parse to the same
 * pairs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/guid.h"
#include "core/ident.h"
#include "core/keyval.h"
#include "core/size.h"
#include "daemon/device_option.h"
#include "daemon/object_option.h"
#include "daemon/options.h"
#include "daemon/qmp_option.h"
#include "object/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool condition)
{
    if (!condition) {
        abort();
    }
}

static char *serialize_pairs(const GPtrArray *pairs)
{
    GString *text = g_string_new(NULL);

    for (guint i = 0; i < pairs->len; i++) {
        const TmKeyvalPair *pair = g_ptr_array_index(pairs, i);
        g_autofree char *escaped = NULL;
        g_auto(GStrv) pieces = g_strsplit(pair->value, ",", -1);
        escaped = g_strjoinv(",,", pieces);
        g_string_append_printf(text, "%s%s=%s", i ? "," : "", pair->key, escaped);
    }
    return g_string_free(text, FALSE);
}

static void fuzz_keyval(const char *text, const char *implied_key)
{
    g_autoptr(GPtrArray) pairs = tm_keyval_parse(text, implied_key, NULL);

    if (pairs == NULL) {
        return;
    }
    check(pairs->len > 0);
    g_autofree char *again = serialize_pairs(pairs);
    g_autoptr(GPtrArray) reparsed = tm_keyval_parse(again, NULL, NULL);
    check(reparsed != NULL && reparsed->len == pairs->len);
    for (guint i = 0; i < pairs->len; i++) {
        const TmKeyvalPair *a = g_ptr_array_index(pairs, i);
        const TmKeyvalPair *b = g_ptr_array_index(reparsed, i);
        check(strcmp(a->key, b->key) == 0 && strcmp(a->value, b->value) == 0);
    }
}

static void fuzz_guid(const char *text)
{
    TmGuid guid, again;
    char formatted[TM_GUID_STRING_LEN + 1];

    if (!tm_guid_parse(text, "tag", &guid, NULL)) {
        return;
    }
    tm_guid_format(&guid, formatted);
    check(g_ascii_strcasecmp(formatted, text) == 0);
    check(tm_guid_parse(formatted, "tag", &again, NULL) && tm_guid_equal(&guid, &again));
}

static void fuzz_values(const char *text)
{
    static const TmPropKind kinds[] = {
        TM_PROP_STR, TM_PROP_BOOL, TM_PROP_SIZE, TM_PROP_UINT,
        TM_PROP_ENUM, TM_PROP_GUID, TM_PROP_UINT_LIST, TM_PROP_LINK,
    };
    uint64_t bytes;

    for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
        TmValue value = { 0 };
        if (tm_value_parse_text(kinds[i], "prop", text, &value, NULL)) {
            g_free(tm_value_to_text(&value));
            tm_value_clear(&value);
        }
    }
    if (tm_size_parse(text, "size", &bytes, NULL)) {
        g_free(tm_size_to_human(bytes));
    }
    tm_id_check(text, NULL);
}

static void fuzz_options(const char *text)
{
    g_autoptr(TmObjectOption) object = tm_object_option_parse(text, NULL);
    g_autoptr(TmDeviceOption) device = tm_device_option_parse(text, NULL);
    g_autofree char *socket_path = tm_qmp_option_parse(text, NULL);

    if (object) {
        check(object->qom_type != NULL && object->id != NULL);
    }
    if (device) {
        check(strcmp(device->driver, "cxl-type3") == 0 && device->id != NULL);
    }
    if (socket_path) {
        check(*socket_path != '\0');
    }
}

/* The input's lines as tagmemd's argv (after argv[0]). */
static void fuzz_argv(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", 64);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    TmDaemonOptions options;

    g_ptr_array_add(argv, "tagmemd");
    for (char **line = lines; *line; line++) {
        g_ptr_array_add(argv, *line);
    }
    g_ptr_array_add(argv, NULL);
    if (tm_daemon_options_parse((int)argv->len - 1, (char **)argv->pdata, &options, NULL)) {
        tm_daemon_options_clear(&options);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);

    fuzz_keyval(text, "qom-type");
    fuzz_keyval(text, NULL);
    fuzz_guid(text);
    fuzz_values(text);
    fuzz_options(text);
    fuzz_argv(text);
    return 0;
}

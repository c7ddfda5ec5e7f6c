/*
 * libFuzzer target for the Redfish front end's input parsers: request
 * paths through the resource tree (over a device with a pending and an
 * accepted tagged chunk), and "-redfish" option values.  The first byte
 * chooses which.
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks that a
 * resource found for a path names itself by that path (@odata.id is the
 * path without its trailing slash): no two spellings of one resource,
 * no dot segment that leads elsewhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "daemon/redfish_option.h"
#include "fuzz_device_fixture.h"
#include "http/redfish_resources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_path(const char *path)
{
    json_object *obj = tm_redfish_resource_get(tm_fuzz_device_tagged()->devices, path);
    json_object *id = NULL;

    if (obj == NULL) {
        return;
    }
    if (json_object_object_get_ex(obj, "@odata.id", &id)) {
        g_autofree char *expected = g_strdup(path);
        size_t len = strlen(expected);
        if (len > 1 && expected[len - 1] == '/') {
            expected[len - 1] = '\0';
        }
        if (strcmp(json_object_get_string(id), expected) != 0) {
            abort();
        }
    } else if (strcmp(path, "/redfish") != 0 && strcmp(path, "/redfish/") != 0) {
        abort();
    }
    json_object_put(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    g_autofree char *text = g_strndup((const char *)data + 1, size - 1);
    if (data[0] & 1) {
        g_autoptr(GError) err = NULL;
        g_autoptr(TmRedfishOption) option = tm_redfish_option_parse(text, &err);
        if ((option == NULL) == (err == NULL)) {
            abort();
        }
    } else {
        fuzz_path(text);
    }
    return 0;
}

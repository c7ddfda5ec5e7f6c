/* Reading Redfish request bodies: one row per bad body, the message id and the property named. */
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "http/redfish_body.h"

static const char *const members[] = { "Name", "Count", "Links", NULL };

/* A body of {Name: string (required), Count: integer, Links: {Endpoints: [one link]}}. */
static bool read_body(const char *text, TmRedfishReply *reply)
{
    json_object *body = tm_redfish_body_parse(text, strlen(text), reply);
    json_object *name, *count, *links = NULL;
    const char *uri;

    bool ok = body != NULL && tm_redfish_body_only(body, "#", members, reply) &&
              tm_redfish_body_member(body, "#", "Name", json_type_string, true, &name, reply) &&
              tm_redfish_body_member(body, "#", "Count", json_type_int, false, &count, reply) &&
              tm_redfish_body_member(body, "#", "Links", json_type_object, false, &links,
                                     reply) &&
              (links == NULL ||
               tm_redfish_body_one_link(links, "#/Links", "Endpoints", &uri, reply));
    json_object_put(body);
    return ok;
}

static void test_bad_bodies(void)
{
    static const struct {
        const char *text;
        const char *message_id;
        const char *related; /* NULL: none */
    } bad[] = {
        { "", "MalformedJSON", NULL },
        { "{", "MalformedJSON", NULL },
        { "{\"Name\": \"a\"} x", "MalformedJSON", NULL },
        { "{\"Name\": \"a\"}{}", "MalformedJSON", NULL },
        { "[1]", "MalformedJSON", NULL },
        { "{\"Name\": \"\xff\"}", "MalformedJSON", NULL },
        { "{\"Name\": [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", "MalformedJSON", NULL },
        { "{\"Name\": 'a'}", "MalformedJSON", NULL },
        { "{\"Nmae\": \"a\"}", "PropertyUnknown", "#/Nmae" },
        { "{}", "PropertyMissing", "#/Name" },
        { "{\"Name\": 1}", "PropertyValueTypeError", "#/Name" },
        { "{\"Name\": \"a\", \"Count\": 1.0}", "PropertyValueTypeError", "#/Count" },
        { "{\"Name\": \"a\", \"Count\": null}", "PropertyValueTypeError", "#/Count" },
        { "{\"Name\": \"a\", \"Links\": {}}", "PropertyMissing", "#/Links/Endpoints" },
        { "{\"Name\": \"a\", \"Links\": {\"Endpoints\": []}}", "PropertyValueFormatError",
          "#/Links/Endpoints" },
        { "{\"Name\": \"a\", \"Links\": {\"Endpoints\": [1]}}", "PropertyValueTypeError",
          "#/Links/Endpoints/0" },
        { "{\"Name\": \"a\", \"Links\": {\"Endpoints\": [{\"href\": \"/x\"}]}}",
          "PropertyUnknown", "#/Links/Endpoints/0/href" },
        { "{\"Name\": \"a\", \"Links\": {\"Endpoints\": [{}]}}", "PropertyMissing",
          "#/Links/Endpoints/0/@odata.id" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_auto(TmRedfishReply) reply = { 0 };
        g_autofree char *code = g_strdup_printf("Base.1.15.0.%s", bad[i].message_id);
        json_object *value = NULL;

        g_test_message("body '%s'", bad[i].text);
        g_assert_false(read_body(bad[i].text, &reply));
        g_assert_cmpuint(reply.status, ==, 400);
        g_assert_cmpint(json_pointer_get(reply.body, "/error/code", &value), ==, 0);
        g_assert_cmpstr(json_object_get_string(value), ==, code);
        int found = json_pointer_get(reply.body,
                                     "/error/@Message.ExtendedInfo/0/RelatedProperties/0", &value);
        if (bad[i].related == NULL) {
            g_assert_cmpint(found, !=, 0);
        } else {
            g_assert_cmpint(found, ==, 0);
            g_assert_cmpstr(json_object_get_string(value), ==, bad[i].related);
        }
    }
}

static void test_good_body(void)
{
    g_auto(TmRedfishReply) reply = { 0 };

    g_assert_true(read_body(" {\"Name\": \"a\", \"Count\": 3, \"Links\": {\"Endpoints\": "
                            "[{\"@odata.id\": \"/x\"}]}}\r\n", &reply));
    g_assert_cmpuint(reply.status, ==, 0);
    g_assert_null(reply.body);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/redfish-body/bad", test_bad_bodies);
    g_test_add_func("/redfish-body/good", test_good_body);
    return g_test_run();
}

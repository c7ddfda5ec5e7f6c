/*
 * QMP dispatch in-process: request shape, capabilities negotiation,
 * argument checking, and the core, object and QOM commands against a real
 * backend registry.  One row per request: JSON in, expected class and
 * message fragment (or exact return value) out.
 */
#include <string.h>

#include "backend/backend_registry.h"
#include "backend/hostmem.h"
#include "qmp/qmp_command.h"
#include "qmp/qmp_dispatch.h"
#include "tagmem-config.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define TAG_B "0123abcd-0000-4000-8000-00000000000b"

typedef struct {
    TmBackendRegistry *backends;
    TmQmpEnv env;
    TmQmpSession session;
    guint quit_calls;
} Fixture;

static void count_quit(void *opaque)
{
    ((Fixture *)opaque)->quit_calls++;
}

static void fixture_init(Fixture *f, bool negotiated)
{
    memset(f, 0, sizeof(*f));
    f->backends = tm_backend_registry_new();
    f->env.backends = f->backends;
    f->env.request_quit = count_quit;
    f->env.quit_opaque = f;
    f->session.negotiated = negotiated;
}

static void fixture_clear(Fixture *f)
{
    tm_backend_registry_free(f->backends);
}

static json_object *parse(const char *text)
{
    enum json_tokener_error jerr;
    json_object *value = json_tokener_parse_verbose(text, &jerr);

    if (jerr != json_tokener_success) {
        g_error("bad JSON in test: %s", text);
    }
    return value;
}

static const char *plain(json_object *value)
{
    return json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
}

/* Dispatch @request_text; the caller owns the response. */
static json_object *run(Fixture *f, const char *request_text)
{
    json_object *request = parse(request_text);
    json_object *response = tm_qmp_dispatch(&f->env, &f->session, request);

    json_object_put(request);
    g_assert_nonnull(response);
    return response;
}

typedef struct {
    const char *request;
    const char *error_class; /* NULL: the request must succeed */
    const char *expect;      /* error: message fragment; success: exact "return" or NULL */
} DispatchCase;

static void check_case(Fixture *f, const DispatchCase *tc)
{
    g_autoptr(json_object) response = run(f, tc->request);
    json_object *error, *ret;

    if (tc->error_class) {
        if (!json_object_object_get_ex(response, "error", &error)) {
            g_error("%s: expected %s, got %s", tc->request, tc->expect, plain(response));
        }
        const char *cls = json_object_get_string(json_object_object_get(error, "class"));
        const char *desc = json_object_get_string(json_object_object_get(error, "desc"));
        if (strcmp(cls, tc->error_class) != 0 || strstr(desc, tc->expect) == NULL) {
            g_error("%s: expected %s '%s', got %s", tc->request, tc->error_class, tc->expect,
                    plain(response));
        }
        g_assert_cmpint(json_object_object_length(error), ==, 2);
        return;
    }
    if (!json_object_object_get_ex(response, "return", &ret)) {
        g_error("%s: expected success, got %s", tc->request, plain(response));
    }
    if (tc->expect) {
        g_autoptr(json_object) want = parse(tc->expect);
        if (!json_object_equal(ret, want)) {
            g_error("%s: expected return %s, got %s", tc->request, tc->expect, plain(ret));
        }
    }
}

static void run_cases(Fixture *f, const DispatchCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check_case(f, &cases[i]);
    }
}

#define NEGOTIATE "Expecting capabilities negotiation with 'qmp_capabilities'"

/* Before qmp_capabilities only it is allowed; QEMU's texts. */
static const DispatchCase negotiation_cases[] = {
    { "{\"execute\":\"query-version\"}", "CommandNotFound", NEGOTIATE },
    { "{\"execute\":\"no-such-command\"}", "CommandNotFound", NEGOTIATE },
    { "{\"execute\":\"quit\"}", "CommandNotFound", NEGOTIATE },
    { "{\"arguments\":{}}", "GenericError", "QMP input lacks member 'execute'" },
    { "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"x\":1}}", "GenericError",
      "Parameter 'x' is unexpected" },
    { "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]}}", "GenericError",
      "Capability oob not available" },
    { "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"foo\"]}}", "GenericError",
      "Parameter 'enable[0]' does not accept value 'foo'" },
    { "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":\"oob\"}}", "GenericError",
      "Invalid parameter type for 'enable', expected: array" },
    { "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[]}}", NULL, "{}" },
    { "{\"execute\":\"qmp_capabilities\"}", "CommandNotFound",
      "Capabilities negotiation is already complete, command ignored" },
    { "{\"execute\":\"query-version\"}", NULL, NULL },
};

static void test_negotiation(void)
{
    Fixture f;
    fixture_init(&f, false);

    run_cases(&f, negotiation_cases, G_N_ELEMENTS(negotiation_cases));
    g_assert_true(f.session.negotiated);
    fixture_clear(&f);
}

/* QEMU's qmp_dispatch() checks of the request itself. */
static const DispatchCase request_cases[] = {
    { "[{\"execute\":\"query-version\"}]", "GenericError", "QMP input must be a JSON object" },
    { "\"query-version\"", "GenericError", "QMP input must be a JSON object" },
    { "42", "GenericError", "QMP input must be a JSON object" },
    { "null", "GenericError", "QMP input must be a JSON object" },
    { "{}", "GenericError", "QMP input lacks member 'execute'" },
    { "{\"id\":1}", "GenericError", "QMP input lacks member 'execute'" },
    { "{\"execute\":1}", "GenericError", "QMP input member 'execute' must be a string" },
    { "{\"execute\":null}", "GenericError", "QMP input member 'execute' must be a string" },
    { "{\"execute\":\"query-version\",\"x\":1}", "GenericError",
      "QMP input member 'x' is unexpected" },
    { "{\"x\":1,\"execute\":\"query-version\"}", "GenericError",
      "QMP input member 'x' is unexpected" },
    { "{\"exec-oob\":\"query-version\"}", "GenericError",
      "QMP input member 'exec-oob' is unexpected" },
    { "{\"execute\":\"query-version\",\"arguments\":[]}", "GenericError",
      "QMP input member 'arguments' must be an object" },
    { "{\"execute\":\"query-version\",\"arguments\":null}", "GenericError",
      "QMP input member 'arguments' must be an object" },
    { "{\"execute\":\"no-such\"}", "CommandNotFound", "The command no-such has not been found" },
    { "{\"execute\":\"\"}", "CommandNotFound", "The command  has not been found" },
    { "{\"execute\":\"query-version\",\"arguments\":{\"a\":1}}", "GenericError",
      "Parameter 'a' is unexpected" },
    { "{\"execute\":\"query-version\"}", NULL,
      "{\"qemu\":{\"major\":10,\"minor\":0,\"micro\":0},\"package\":\"tagmem " TAGMEM_VERSION
      "\"}" },
    { "{\"execute\":\"query-version\",\"arguments\":{}}", NULL, NULL },
};

static void test_request_shape(void)
{
    Fixture f;
    fixture_init(&f, true);

    run_cases(&f, request_cases, G_N_ELEMENTS(request_cases));
    fixture_clear(&f);
}

/* The id comes back verbatim, whatever JSON it is, on success and on error. */
static void test_id_echo(void)
{
    static const char *const ids[] = {
        "1", "\"abc\"", "{\"a\":[1,2,{\"b\":null}]}", "null", "[true,false]", "1.5", "-7",
    };
    Fixture f;
    fixture_init(&f, true);

    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        const char *templates[] = {
            "{\"execute\":\"query-version\",\"id\":%s}",
            "{\"id\":%s,\"execute\":\"no-such\"}",
            "{\"execute\":\"query-version\",\"id\":%s,\"bogus\":0}",
            "{\"id\":%s}",
        };
        g_autoptr(json_object) want = parse(ids[i]);
        for (size_t t = 0; t < G_N_ELEMENTS(templates); t++) {
            g_autofree char *request = g_strdup_printf(templates[t], ids[i]);
            g_autoptr(json_object) response = run(&f, request);
            json_object *id;
            g_assert_true(json_object_object_get_ex(response, "id", &id));
            g_assert_true(json_object_equal(id, want));
            g_assert_cmpint(json_object_object_length(response), ==, 2);
        }
    }
    g_autoptr(json_object) response = run(&f, "[{\"id\":1}]");
    g_assert_false(json_object_object_get_ex(response, "id", NULL));
    fixture_clear(&f);
}

#define ADD_RAM(extra) \
    "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\"," \
    "\"id\":\"m\"," extra "}}"

static const DispatchCase object_add_errors[] = {
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\"}}",
      "GenericError", "Parameter 'id' is missing" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"id\":\"m\"}}", "GenericError",
      "Parameter 'qom-type' is missing" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":5,\"id\":\"m\"}}", "GenericError",
      "Invalid parameter type for 'qom-type', expected: string" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":[]}}",
      "GenericError", "Invalid parameter type for 'id', expected: string" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend\",\"id\":\"m\"}}",
      "GenericError", "Parameter 'qom-type' does not accept value 'memory-backend'" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"cxl-type3\",\"id\":\"m\"}}",
      "GenericError", "Parameter 'qom-type' does not accept value 'cxl-type3'" },
    /* QEMU 10's texts, except for negative values, which QEMU wraps */
    { ADD_RAM("\"size\":\"1G\""), "GenericError", "Parameter 'size' expects uint64" },
    { ADD_RAM("\"size\":1.5"), "GenericError", "Parameter 'size' expects uint64" },
    { ADD_RAM("\"size\":null"), "GenericError", "Parameter 'size' expects uint64" },
    { ADD_RAM("\"size\":true"), "GenericError", "Parameter 'size' expects uint64" },
    { ADD_RAM("\"size\":-4096"), "GenericError",
      "Parameter 'size' expects uint64, got negative value -4096" },
    { ADD_RAM("\"size\":0"), "GenericError", "doesn't take value '0'" },
    { ADD_RAM("\"size\":4096,\"share\":\"on\""), "GenericError",
      "Invalid parameter type for 'share', expected: boolean" },
    { ADD_RAM("\"size\":4096,\"share\":1"), "GenericError",
      "Invalid parameter type for 'share', expected: boolean" },
    { ADD_RAM("\"size\":4096,\"prealloc-threads\":-1"), "GenericError",
      "Parameter 'prealloc-threads' expects uint64, got negative value -1" },
    { ADD_RAM("\"size\":4096,\"prealloc-threads\":\"x\""), "GenericError",
      "Parameter 'prealloc-threads' expects uint64" },
    { ADD_RAM("\"size\":4096,\"host-nodes\":0"), "GenericError",
      "Invalid parameter type for 'host-nodes', expected: array" },
    { ADD_RAM("\"size\":4096,\"host-nodes\":[0,\"1\"]"), "GenericError",
      "Parameter 'host-nodes[1]' expects uint64" },
    { ADD_RAM("\"size\":4096,\"host-nodes\":[-1]"), "GenericError",
      "Parameter 'host-nodes[0]' expects uint64, got negative value -1" },
    { ADD_RAM("\"size\":4096,\"policy\":1"), "GenericError",
      "Invalid parameter type for 'policy', expected: string" },
    { ADD_RAM("\"size\":4096,\"policy\":\"sometimes\""), "GenericError",
      "Parameter 'policy' does not accept value 'sometimes'" },
    { ADD_RAM("\"size\":4096,\"tag\":true"), "GenericError",
      "Invalid parameter type for 'tag', expected: string" },
    { ADD_RAM("\"size\":4096,\"tag\":\"not-a-guid\""), "GenericError", "not-a-guid" },
    { ADD_RAM("\"size\":4096,\"bogus\":1"), "GenericError",
      "Property 'memory-backend-ram.bogus' not found" },
    { ADD_RAM("\"size\":4096,\"mem-path\":\"/tmp\""), "GenericError",
      "Property 'memory-backend-ram.mem-path' not found" },
    { ADD_RAM("\"size\":4096,\"type\":\"x\""), "GenericError",
      "Property 'memory-backend-ram.type' is not writable" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
      "\"id\":\"1bad\",\"size\":4096}}", "GenericError", "Parameter 'id' expects an identifier" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
      "\"id\":\"m\",\"size\":4096},\"id\":7}", NULL, "{}" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
      "\"id\":\"m\",\"size\":4096}}", "GenericError", "Duplicate ID 'm' for object" },
    { "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m\"}}", NULL, "{}" },
    { "{\"execute\":\"query-memdev\"}", NULL, "[]" },
};

static void test_object_add_errors(void)
{
    Fixture f;
    fixture_init(&f, true);

    run_cases(&f, object_add_errors, G_N_ELEMENTS(object_add_errors));
    /* Every refused object-add left nothing behind. */
    g_assert_cmpuint(tm_backend_registry_count(f.backends), ==, 0);
    fixture_clear(&f);
}

#define QOM_GET(path, prop) \
    "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"" path "\",\"property\":\"" prop "\"}}"
#define QOM_SET(path, prop, value)                                                         \
    "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"" path "\",\"property\":\"" prop \
    "\",\"value\":" value "}}"
#define QOM_LIST(path) "{\"execute\":\"qom-list\",\"arguments\":{\"path\":\"" path "\"}}"

static const DispatchCase object_cases[] = {
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
      "\"id\":\"mem0\",\"size\":1048576,\"tag\":\"" TAG_A "\"}}", NULL, "{}" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-memfd\","
      "\"id\":\"mem1\",\"size\":2097152,\"merge\":false,\"host-nodes\":[]}}", NULL, "{}" },
    { "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\","
      "\"id\":\"mem2\",\"size\":4096,\"tag\":\"" TAG_A "\"}}", "GenericError",
      "already held by memory backend 'mem0'" },
    { "{\"execute\":\"query-memdev\"}", NULL,
      "[{\"id\":\"mem0\",\"size\":1048576,\"merge\":true,\"dump\":true,\"prealloc\":false,"
      "\"share\":false,\"reserve\":true,\"host-nodes\":[],\"policy\":\"default\","
      "\"tag\":\"" TAG_A "\"},"
      "{\"id\":\"mem1\",\"size\":2097152,\"merge\":false,\"dump\":true,\"prealloc\":false,"
      "\"share\":true,\"reserve\":true,\"host-nodes\":[],\"policy\":\"default\"}]" },
    /* the tree */
    { QOM_LIST("/"), NULL,
      "[{\"name\":\"type\",\"type\":\"str\"},{\"name\":\"machine\",\"type\":\"child<container>\"},"
      "{\"name\":\"objects\",\"type\":\"child<container>\"}]" },
    { QOM_LIST("/objects"), NULL,
      "[{\"name\":\"type\",\"type\":\"str\"},"
      "{\"name\":\"mem0\",\"type\":\"child<memory-backend-ram>\"},"
      "{\"name\":\"mem1\",\"type\":\"child<memory-backend-memfd>\"}]" },
    { QOM_LIST("/machine"), NULL,
      "[{\"name\":\"type\",\"type\":\"str\"},"
      "{\"name\":\"peripheral\",\"type\":\"child<container>\"}]" },
    { QOM_LIST("/machine/peripheral"), NULL, "[{\"name\":\"type\",\"type\":\"str\"}]" },
    { QOM_LIST("//objects/"), NULL, NULL },
    { QOM_LIST("/objects/mem0"), NULL, NULL },
    { QOM_LIST("/nope"), "DeviceNotFound", "Device '/nope' not found" },
    { QOM_LIST("objects"), "DeviceNotFound", "Device 'objects' not found" },
    { QOM_LIST(""), "DeviceNotFound", "Device '' not found" },
    { QOM_LIST("/objects/mem9"), "DeviceNotFound", "Device '/objects/mem9' not found" },
    { QOM_LIST("/objects/mem0/size"), "DeviceNotFound", "Device '/objects/mem0/size' not found" },
    { QOM_LIST("/mem0"), "DeviceNotFound", "Device '/mem0' not found" },
    { "{\"execute\":\"qom-list\"}", "GenericError", "Parameter 'path' is missing" },
    { "{\"execute\":\"qom-list\",\"arguments\":{\"path\":1}}", "GenericError",
      "Invalid parameter type for 'path', expected: string" },
    /* reading */
    { QOM_GET("/objects/mem0", "size"), NULL, "1048576" },
    { QOM_GET("/objects//mem0/", "type"), NULL, "\"memory-backend-ram\"" },
    { QOM_GET("/objects/mem0", "tag"), NULL, "\"" TAG_A "\"" },
    { QOM_GET("/objects/mem1", "tag"), NULL, "\"\"" },
    { QOM_GET("/objects/mem1", "share"), NULL, "true" },
    { QOM_GET("/objects/mem1", "host-nodes"), NULL, "[]" },
    { QOM_GET("/objects/mem1", "seal"), NULL, "true" },
    { QOM_GET("/objects/mem0", "policy"), NULL, "\"default\"" },
    { QOM_GET("/", "type"), NULL, "\"container\"" },
    { QOM_GET("/", "objects"), NULL, "\"/objects\"" },
    { QOM_GET("/machine", "peripheral"), NULL, "\"/machine/peripheral\"" },
    { QOM_GET("/objects", "mem1"), NULL, "\"/objects/mem1\"" },
    { QOM_GET("/objects/mem0", "nope"), "GenericError",
      "Property 'memory-backend-ram.nope' not found" },
    { QOM_GET("/", "nope"), "GenericError", "Property 'container.nope' not found" },
    { QOM_GET("/nope", "type"), "DeviceNotFound", "Device '/nope' not found" },
    { "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/\"}}", "GenericError",
      "Parameter 'property' is missing" },
    /* writing */
    { QOM_SET("/objects/mem0", "type", "\"x\""), "GenericError",
      "Property 'memory-backend-ram.type' is not writable" },
    { QOM_SET("/", "type", "\"x\""), "GenericError", "Property 'container.type' is not writable" },
    { QOM_SET("/", "objects", "\"x\""), "GenericError",
      "Property 'container.objects' is not writable" },
    { QOM_SET("/", "nope", "1"), "GenericError", "Property 'container.nope' not found" },
    { QOM_SET("/objects/mem0", "nope", "1"), "GenericError",
      "Property 'memory-backend-ram.nope' not found" },
    { QOM_SET("/objects/mem0", "merge", "\"off\""), "GenericError",
      "Invalid parameter type for 'merge', expected: boolean" },
    { QOM_SET("/objects/mem0", "merge", "null"), "GenericError",
      "Invalid parameter type for 'merge', expected: boolean" },
    { QOM_SET("/objects/mem0", "size", "4096"), "GenericError", "cannot be changed after" },
    { QOM_SET("/objects/mem0", "merge", "false"), NULL, "{}" },
    { QOM_GET("/objects/mem0", "merge"), NULL, "false" },
    { QOM_SET("/objects/mem1", "tag", "\"" TAG_A "\""), "GenericError",
      "already held by memory backend 'mem0'" },
    { QOM_SET("/objects/mem0", "tag", "\"0123ABCD-0000-4000-8000-00000000000B\""), NULL, "{}" },
    { QOM_GET("/objects/mem0", "tag"), NULL, "\"" TAG_B "\"" },
    { QOM_SET("/objects/mem1", "tag", "\"" TAG_A "\""), NULL, "{}" },
    { "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"/objects/mem0\",\"property\":\"merge\"}}",
      "GenericError", "Parameter 'value' is missing" },
    /* deleting */
    { "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"nope\"}}", "GenericError",
      "object 'nope' not found" },
    { "{\"execute\":\"object-del\",\"arguments\":{}}", "GenericError", "Parameter 'id' is missing" },
    { "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"mem1\"}}", NULL, "{}" },
    { QOM_LIST("/objects/mem1"), "DeviceNotFound", "Device '/objects/mem1' not found" },
    { "{\"execute\":\"query-memdev\"}", NULL, NULL },
};

static void test_object_commands(void)
{
    Fixture f;
    fixture_init(&f, true);

    run_cases(&f, object_cases, G_N_ELEMENTS(object_cases));
    g_assert_cmpuint(tm_backend_registry_count(f.backends), ==, 1);
    fixture_clear(&f);
}

static json_object *find_named(json_object *list, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *entry = json_object_array_get_idx(list, i);
        if (g_str_equal(json_object_get_string(json_object_object_get(entry, "name")), name)) {
            return entry;
        }
    }
    return NULL;
}

/* qom-list of a backend lists every property with its kind and description. */
static void test_qom_list_object(void)
{
    Fixture f;
    fixture_init(&f, true);
    g_autoptr(json_object) add = run(&f, "{\"execute\":\"object-add\",\"arguments\":{"
                                          "\"qom-type\":\"memory-backend-file\",\"id\":\"f\","
                                          "\"size\":4096,\"mem-path\":\"/dev/shm\"}}");
    g_assert_true(json_object_object_get_ex(add, "return", NULL));
    g_autoptr(json_object) response = run(&f, QOM_LIST("/objects/f"));
    json_object *list = json_object_object_get(response, "return");
    g_autoptr(GPtrArray) props = tm_class_list_properties(&tm_hostmem_file_class);

    g_assert_cmpuint(json_object_array_length(list), ==, props->len);
    static const char *const expected[][2] = {
        { "type", "str" }, { "size", "size" }, { "share", "bool" }, { "host-nodes", "uint64List" },
        { "policy", "enum" }, { "tag", "guid" }, { "mem-path", "str" }, { "align", "size" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
        json_object *entry = find_named(list, expected[i][0]);
        g_assert_nonnull(entry);
        g_assert_cmpstr(json_object_get_string(json_object_object_get(entry, "type")), ==,
                        expected[i][1]);
        g_assert_true(json_object_is_type(json_object_object_get(entry, "description"),
                                          json_type_string));
    }
    fixture_clear(&f);
}

/* A backend in use cannot be deleted; the message is the registry's. */
static void test_object_del_in_use(void)
{
    Fixture f;
    fixture_init(&f, true);
    g_autoptr(json_object) add = run(&f, ADD_RAM("\"size\":4096"));
    g_assert_true(json_object_object_get_ex(add, "return", NULL));
    TmHostMem *backend = tm_backend_registry_find_by_id(f.backends, "m");

    g_assert_nonnull(backend);
    tm_hostmem_add_user(backend, "extent 0x0+0x1000 of /machine/peripheral/dcd0");
    const DispatchCase in_use[] = {
        { "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m\"}}", "GenericError",
          "in use by extent 0x0+0x1000 of /machine/peripheral/dcd0" },
        { QOM_SET("/objects/m", "tag", "\"" TAG_A "\""), "GenericError", "in use" },
    };
    run_cases(&f, in_use, G_N_ELEMENTS(in_use));
    g_assert_nonnull(tm_backend_registry_find_by_id(f.backends, "m"));

    tm_hostmem_remove_user(backend, "extent 0x0+0x1000 of /machine/peripheral/dcd0");
    g_autoptr(json_object) del = run(&f, "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"m\"}}");
    g_assert_true(json_object_object_get_ex(del, "return", NULL));
    g_assert_cmpuint(tm_backend_registry_count(f.backends), ==, 0);
    fixture_clear(&f);
}

static void add_name(const TmQmpCommand *command, void *opaque)
{
    g_ptr_array_add(opaque, (gpointer)command->name);
}

/* query-commands lists exactly the table, and every listed command dispatches. */
static void test_query_commands(void)
{
    static const char *const required[] = {
        "qmp_capabilities", "query-version", "query-commands", "quit", "object-add",
        "object-del", "qom-list", "qom-get", "qom-set", "query-memdev",
    };
    Fixture f;
    fixture_init(&f, true);
    g_autoptr(json_object) response = run(&f, "{\"execute\":\"query-commands\"}");
    json_object *list = json_object_object_get(response, "return");
    g_autoptr(GPtrArray) table = g_ptr_array_new();

    tm_qmp_command_foreach(add_name, table);
    g_assert_cmpuint(json_object_array_length(list), ==, table->len);
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        g_assert_nonnull(find_named(list, required[i]));
        g_assert_nonnull(tm_qmp_command_find(required[i]));
    }
    for (guint i = 0; i < table->len; i++) {
        json_object *entry = find_named(list, g_ptr_array_index(table, i));
        g_assert_nonnull(entry);
        g_assert_cmpint(json_object_object_length(entry), ==, 1);
    }
    fixture_clear(&f);
}

/* quit answers {} and asks the caller to stop; dispatch itself does not call back. */
static void test_quit(void)
{
    Fixture f;
    fixture_init(&f, true);
    g_autoptr(json_object) response = run(&f, "{\"execute\":\"quit\",\"id\":\"q\"}");

    g_assert_cmpstr(plain(response), ==, "{\"return\":{},\"id\":\"q\"}");
    g_assert_true(f.session.quit_requested);
    g_assert_cmpuint(f.quit_calls, ==, 0);
    fixture_clear(&f);
}

static void test_greeting(void)
{
    g_autoptr(json_object) greeting = tm_qmp_greeting();
    g_autoptr(json_object) want = parse(
        "{\"QMP\":{\"version\":{\"qemu\":{\"major\":10,\"minor\":0,\"micro\":0},"
        "\"package\":\"tagmem " TAGMEM_VERSION "\"},\"capabilities\":[]}}");

    g_assert_true(json_object_equal(greeting, want));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/dispatch/negotiation", test_negotiation);
    g_test_add_func("/qmp/dispatch/request-shape", test_request_shape);
    g_test_add_func("/qmp/dispatch/id-echo", test_id_echo);
    g_test_add_func("/qmp/dispatch/object-add-errors", test_object_add_errors);
    g_test_add_func("/qmp/dispatch/object-commands", test_object_commands);
    g_test_add_func("/qmp/dispatch/qom-list-object", test_qom_list_object);
    g_test_add_func("/qmp/dispatch/object-del-in-use", test_object_del_in_use);
    g_test_add_func("/qmp/dispatch/query-commands", test_query_commands);
    g_test_add_func("/qmp/dispatch/quit", test_quit);
    g_test_add_func("/qmp/dispatch/greeting", test_greeting);
    return g_test_run();
}

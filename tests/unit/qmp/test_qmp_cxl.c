/*
 * The CXL Dynamic Capacity QMP commands and events, in-process against a
 * real device engine: QEMU's messages in QEMU's order (docs/qemu-compat.md),
 * the checks tagmem adds, the release status query, the contents of
 * query-cxl-dynamic-capacity, and the events.  Hosts answer through the
 * engine's host API (tm_dcd_host_add_response, tm_dcd_host_release).
 *
 * Requests are written with ' for " to keep the tables readable.
 */
#include <stdarg.h>
#include <string.h>

#include "backend/hostmem.h"
#include "device/dcd.h"
#include "device/device_registry.h"
#include "qmp/qmp_command.h"
#include "qmp/qmp_cxl_events.h"
#include "qmp/qmp_dispatch.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define MiB (UINT64_C(1) << 20)
#define REGION1_BASE (256 * MiB)

#define TAG_A "0123abcd-0000-4000-8000-00000000000a"
#define TAG_B "0123abcd-0000-4000-8000-00000000000b"
#define TAG_C "0123abcd-0000-4000-8000-00000000000c"
#define TAG_NONE "0123abcd-0000-4000-8000-0000000000ff" /* no backend has it */

typedef struct {
    char *name;
    json_object *data;
} CapturedEvent;

typedef struct {
    TmBackendRegistry *backends;
    TmDeviceRegistry *devices;
    TmDcd *dev; /* dcd0 */
    TmQmpEnv env;
    TmQmpSession session;
    GPtrArray *events; /* CapturedEvent */
} Fixture;

static void captured_event_free(gpointer data)
{
    CapturedEvent *event = data;

    g_free(event->name);
    json_object_put(event->data);
    g_free(event);
}

static void capture_event(void *opaque, const char *name, json_object *data)
{
    Fixture *f = opaque;
    CapturedEvent *event = g_new0(CapturedEvent, 1);

    event->name = g_strdup(name);
    event->data = data;
    g_ptr_array_add(f->events, event);
}

/* Request text with ' standing for ", parsed. */
static json_object *parse(const char *text)
{
    g_autofree char *json = g_strdup(text);
    enum json_tokener_error jerr;

    g_strdelimit(json, "'", '"');
    json_object *value = json_tokener_parse_verbose(json, &jerr);
    if (jerr != json_tokener_success) {
        g_error("bad JSON in test: %s", json);
    }
    return value;
}

static const char *plain(json_object *value)
{
    return json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
}

static json_object *run(Fixture *f, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Dispatch a request; the caller owns the response. */
static json_object *run(Fixture *f, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    g_autofree char *text = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autoptr(json_object) request = parse(text);
    return tm_qmp_dispatch(&f->env, &f->session, request);
}

/* The "return" of a request that must succeed (owned by @response). */
static json_object *expect_return(json_object *response)
{
    json_object *ret;

    if (!json_object_object_get_ex(response, "return", &ret)) {
        g_error("expected success, got %s", plain(response));
    }
    return ret;
}

/* A GenericError whose desc is @message, or contains it when @fragment. */
static void expect_error(json_object *response, const char *message, bool fragment)
{
    json_object *error;

    if (!json_object_object_get_ex(response, "error", &error)) {
        g_error("expected error '%s', got %s", message, plain(response));
    }
    const char *cls = json_object_get_string(json_object_object_get(error, "class"));
    const char *desc = json_object_get_string(json_object_object_get(error, "desc"));
    bool matches = fragment ? strstr(desc, message) != NULL : strcmp(desc, message) == 0;
    if (strcmp(cls, "GenericError") != 0 || !matches) {
        g_error("expected GenericError '%s', got %s", message, plain(response));
    }
}

static void run_ok(Fixture *f, const char *request)
{
    g_autoptr(json_object) response = run(f, "%s", request);

    expect_return(response);
}

static void run_error(Fixture *f, const char *request, const char *message)
{
    g_autoptr(json_object) response = run(f, "%s", request);

    expect_error(response, message, false);
}

static void run_error_fragment(Fixture *f, const char *request, const char *fragment)
{
    g_autoptr(json_object) response = run(f, "%s", request);

    expect_error(response, fragment, true);
}

#define PROP_UINT(n, v) { .name = (n), .value = { .kind = TM_PROP_UINT, .uint = (v) } }
#define PROP_LINK(n, v) { .name = (n), .value = { .kind = TM_PROP_LINK, .str = (char *)(v) } }

static TmDcd *create_device(Fixture *f, const char *id, const TmPropAssignment *props,
                            size_t n_props)
{
    g_autoptr(GError) err = NULL;
    TmDcd *dev = tm_device_registry_create(f->devices, TM_DCD_TYPE, id, props, n_props, &err);

    g_assert_no_error(err);
    tm_qmp_cxl_watch_device(&f->env, dev);
    return dev;
}

/*
 * dcd0: two hosts, two 256 MiB regions backed by dc0 (region 1 sharable),
 * 4 extents per host.  Tagged backends: t1 (TAG_A, 4 MiB), t2 (TAG_B,
 * 2 MiB), t3 (TAG_C, the memdev of dcd1, so in use).  nodc: no DC regions.
 */
static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->backends = tm_backend_registry_new();
    f->devices = tm_device_registry_new(f->backends);
    f->events = g_ptr_array_new_with_free_func(captured_event_free);
    f->env.backends = f->backends;
    f->env.devices = f->devices;
    f->env.emit_event = capture_event;
    f->env.event_opaque = f;
    f->session.negotiated = true;

    run_ok(f, "{'execute':'object-add','arguments':{'qom-type':'memory-backend-ram',"
              "'id':'dc0','size':536870912}}");
    run_ok(f, "{'execute':'object-add','arguments':{'qom-type':'memory-backend-ram',"
              "'id':'t1','size':4194304,'tag':'" TAG_A "'}}");
    run_ok(f, "{'execute':'object-add','arguments':{'qom-type':'memory-backend-ram',"
              "'id':'t2','size':2097152,'tag':'" TAG_B "'}}");
    run_ok(f, "{'execute':'object-add','arguments':{'qom-type':'memory-backend-ram',"
              "'id':'t3','size':268435456,'tag':'" TAG_C "'}}");

    const TmPropAssignment dcd0[] = {
        PROP_UINT("num-dc-regions", 2), PROP_LINK("volatile-dc-memdev", "dc0"),
        PROP_UINT("num-hosts", 2), PROP_UINT("dc-max-extents", 4),
        PROP_UINT("dc-region-sharable", 2),
    };
    const TmPropAssignment dcd1[] = {
        PROP_UINT("num-dc-regions", 1), PROP_LINK("volatile-dc-memdev", "t3"),
    };
    const TmPropAssignment nodc[] = { PROP_UINT("num-dc-regions", 0) };
    f->dev = create_device(f, "dcd0", dcd0, G_N_ELEMENTS(dcd0));
    create_device(f, "dcd1", dcd1, G_N_ELEMENTS(dcd1));
    create_device(f, "nodc", nodc, G_N_ELEMENTS(nodc));
}

static void fixture_clear(Fixture *f)
{
    tm_device_registry_free(f->devices);
    tm_backend_registry_free(f->backends);
    g_ptr_array_unref(f->events);
}

/* ---- JSON paths: "0.hosts.1.pending.0.extents.0.offset" ---- */

static json_object *at(json_object *root, const char *path)
{
    g_auto(GStrv) steps = g_strsplit(path, ".", -1);
    json_object *node = root;

    for (char **step = steps; node && *step; step++) {
        if (json_object_is_type(node, json_type_array)) {
            size_t index = strtoul(*step, NULL, 10);
            node = index < json_object_array_length(node)
                   ? json_object_array_get_idx(node, index) : NULL;
        } else if (!json_object_object_get_ex(node, *step, &node)) {
            node = NULL;
        }
    }
    return node;
}

static json_object *at_existing(json_object *root, const char *path)
{
    json_object *node = at(root, path);

    if (node == NULL) {
        g_error("%s: missing in %s", path, plain(root));
    }
    return node;
}

static void assert_uint(json_object *root, const char *path, uint64_t expected)
{
    json_object *node = at_existing(root, path);

    if (!json_object_is_type(node, json_type_int) || json_object_get_uint64(node) != expected) {
        g_error("%s: expected %" G_GUINT64_FORMAT ", got %s", path, expected, plain(node));
    }
}

static void assert_str(json_object *root, const char *path, const char *expected)
{
    json_object *node = at_existing(root, path);

    if (!json_object_is_type(node, json_type_string) ||
        strcmp(json_object_get_string(node), expected) != 0) {
        g_error("%s: expected '%s', got %s", path, expected, plain(node));
    }
}

static void assert_bool(json_object *root, const char *path, bool expected)
{
    json_object *node = at_existing(root, path);

    if (!json_object_is_type(node, json_type_boolean) ||
        json_object_get_boolean(node) != expected) {
        g_error("%s: expected %d, got %s", path, expected, plain(node));
    }
}

static void assert_length(json_object *root, const char *path, size_t expected)
{
    json_object *node = at_existing(root, path);

    if (!json_object_is_type(node, json_type_array) ||
        json_object_array_length(node) != expected) {
        g_error("%s: expected %zu elements, got %s", path, expected, plain(node));
    }
}

static void assert_absent(json_object *root, const char *path)
{
    if (at(root, path) != NULL) {
        g_error("%s: expected absent, got %s", path, plain(at(root, path)));
    }
}

/* An extent as QMP shows it, region-relative. */
static void assert_extent(json_object *root, const char *path, unsigned region, uint64_t offset,
                          uint64_t len, const char *tag, unsigned shared_seq)
{
    g_autofree char *p_region = g_strconcat(path, ".region", NULL);
    g_autofree char *p_offset = g_strconcat(path, ".offset", NULL);
    g_autofree char *p_dpa = g_strconcat(path, ".dpa", NULL);
    g_autofree char *p_len = g_strconcat(path, ".len", NULL);
    g_autofree char *p_tag = g_strconcat(path, ".tag", NULL);
    g_autofree char *p_seq = g_strconcat(path, ".shared-seq", NULL);

    assert_uint(root, p_region, region);
    assert_uint(root, p_offset, offset);
    assert_uint(root, p_dpa, (region ? REGION1_BASE : 0) + offset);
    assert_uint(root, p_len, len);
    assert_uint(root, p_seq, shared_seq);
    if (tag) {
        assert_str(root, p_tag, tag);
    } else {
        assert_absent(root, p_tag);
    }
}

/* ---- host side, through the engine ---- */

static void host_accept(Fixture *f, uint16_t host, uint64_t dpa, uint64_t len)
{
    g_autoptr(GError) err = NULL;
    TmExtent extent = { .dpa = dpa, .length = len };

    TmDcStatus status = tm_dcd_host_add_response(f->dev, host, 0, &extent, 1, false, &err);

    g_assert_no_error(err);
    g_assert_cmpint(status, ==, TM_DC_OK);
}

static void host_release(Fixture *f, uint16_t host, uint64_t dpa, uint64_t len)
{
    g_autoptr(GError) err = NULL;
    TmExtent extent = { .dpa = dpa, .length = len };

    TmDcStatus status = tm_dcd_host_release(f->dev, host, &extent, 1, &err);

    g_assert_no_error(err);
    g_assert_cmpint(status, ==, TM_DC_OK);
}

/* The event at @index, which must be called @name. */
static json_object *event_data(Fixture *f, guint index, const char *name)
{
    if (index >= f->events->len) {
        g_error("expected event %u (%s), only %u emitted", index, name, f->events->len);
    }
    CapturedEvent *event = g_ptr_array_index(f->events, index);
    g_assert_cmpstr(event->name, ==, name);
    return event->data;
}

static json_object *query(Fixture *f)
{
    return run(f, "{'execute':'query-cxl-dynamic-capacity',"
                  "'arguments':{'path':'/machine/peripheral/dcd0'}}");
}

/* ---- add: error table ---- */

#define ADD(args) "{'execute':'cxl-add-dynamic-capacity','arguments':{" args "}}"
#define DCD0 "'path':'/machine/peripheral/dcd0'"
#define H0 "'host-id':0"
#define PRESC "'selection-policy':'prescriptive'"
#define R0 "'region':0"
#define R1 "'region':1"
#define STR(x) #x
#define XSTR(x) STR(x)
#define EXT(o, l) "{'offset':" XSTR(o) ",'len':" XSTR(l) "}"
#define M1 1048576
#define M2 2097152
#define M4 4194304
#define M256 268435456

typedef struct {
    const char *request;
    const char *message;
    bool fragment; /* tagmem's own texts are checked by fragment */
} ErrorCase;

static const ErrorCase add_errors[] = {
    /* 1. the device */
    { ADD("'path':'/machine/peripheral/nope','host-id':0," PRESC "," R0 ",'extents':["
          EXT(0, M2) "]"), "Unable to resolve CXL type 3 device", false },
    { ADD("'path':'nope','host-id':0," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "Unable to resolve CXL type 3 device", false },
    { ADD("'path':'/objects/dc0','host-id':0," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "Unable to resolve CXL type 3 device", false },
    { ADD("'path':'/machine/peripheral','host-id':0," PRESC "," R0 ",'extents':["
          EXT(0, M2) "]"), "Unable to resolve CXL type 3 device", false },
    /* 2. DC support, 3. region */
    { ADD("'path':'/machine/peripheral/nodc','host-id':0," PRESC "," R0 ",'extents':["
          EXT(0, M2) "]"), "No dynamic capacity support from the device", false },
    { ADD(DCD0 "," H0 "," PRESC ",'region':2,'extents':[" EXT(0, 0) "]"),
      "region id is too large", false },
    /* host id: QEMU ignores it; tagmem checks it after the region */
    { ADD(DCD0 ",'host-id':2," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "host-id 2 is out of range: device 'dcd0' has 2 hosts", false },
    /* 4. per extent, in order */
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, 0) "]"),
      "extent with 0 length is not allowed", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M1, M2) "]"),
      "dpa or len is not aligned to region block size", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M1) "]"),
      "dpa or len is not aligned to region block size", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M256, M2) "]"),
      "extent range is beyond the region end", false },
    { ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(266338304, M4) "]"),
      "extent range is beyond the region end", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M4) "," EXT(M2, M2) "]"),
      "duplicate or overlapped extents are detected", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M1, M2) "," EXT(0, 0) "]"),
      "dpa or len is not aligned to region block size", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M256, M2) "," EXT(M1, M2) "]"),
      "extent range is beyond the region end", false },
    /*
     * region base + offset wraps: 2^64 - 256 MiB + region 1's base is 0.
     * Past the end, not "below the base", and alignment is still checked first.
     */
    { ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(18446744073441116160, M2) "]"),
      "extent range is beyond the region end", false },
    { ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(18446744073709551615, M2) "]"),
      "dpa or len is not aligned to region block size", false },
    { ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(0, 18446744073707454464) "]"),
      "extent range is beyond the region end", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[]"),
      "prescriptive add needs at least one extent", true },
    /* tags: tagmem checks them (QEMU ignores the tag) */
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'tag':'xyz','extents':[" EXT(0, M2) "]"),
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'xyz'", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'tag':'" TAG_NONE "','extents':[" EXT(0, M2) "]"),
      "no memory backend has tag " TAG_NONE, true },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'tag':'" TAG_B "','extents':[" EXT(0, M4) "]"),
      "memory backend 't2' (tag " TAG_B ") is too small", true },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'tag':'" TAG_C "','extents':[" EXT(0, M2) "]"),
      "memory backend 't3' (tag " TAG_C ") is already in use by /machine/peripheral/dcd1",
      true },
    /* the extent limit (4 per host), which QEMU does not check for adds */
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M2) "," EXT(4194304, M2) ","
          EXT(8388608, M2) "," EXT(12582912, M2) "," EXT(16777216, M2) "]"),
      "the request needs 5 extents, host 0 has 4 of 4 available", true },
    /* free and contiguous: the length is the sum of the lengths */
    { ADD(DCD0 "," H0 ",'selection-policy':'free'," R0 ",'extents':[]"),
      "length 0x0 is not a non-zero multiple of the region block size", true },
    { ADD(DCD0 "," H0 ",'selection-policy':'contiguous'," R0 ",'extents':[" EXT(0, M1) "]"),
      "length 0x100000 is not a non-zero multiple", true },
    { ADD(DCD0 "," H0 ",'selection-policy':'free'," R0 ",'extents':["
          EXT(0, 18446744073709551615) "," EXT(0, M2) "]"),
      "Parameter 'extents' asks for more than 2^64 bytes in total", false },
    { ADD(DCD0 "," H0 ",'selection-policy':'free'," R0 ",'extents':[" EXT(0, 536870912) "]"),
      "not enough free capacity in region 0", true },
    { ADD(DCD0 "," H0 ",'selection-policy':'enable-shared-access'," R1 ",'extents':[]"),
      "enable-shared-access needs a tag", true },
    { ADD(DCD0 "," H0 ",'selection-policy':'enable-shared-access'," R0 ",'tag':'" TAG_A
          "','extents':[]"), "region 0 is not sharable", true },
    /* the schema */
    { ADD(DCD0 "," H0 "," PRESC "," R0), "Parameter 'extents' is missing", false },
    { ADD(DCD0 ",'host-id':65536," PRESC "," R0 ",'extents':[]"),
      "Parameter 'host-id' expects uint16_t", false },
    { ADD(DCD0 "," H0 "," PRESC ",'region':256,'extents':[]"),
      "Parameter 'region' expects uint8_t", false },
    { ADD(DCD0 "," H0 ",'selection-policy':'best'," R0 ",'extents':[]"),
      "Parameter 'selection-policy' does not accept value 'best'", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M2) ",{'offset':'0','len':1}]"),
      "Parameter 'extents[1].offset' expects uint64", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[{'offset':0}]"),
      "Parameter 'extents[0].len' is missing", false },
    { ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[],'force':true"),
      "Parameter 'force' is unexpected", false },
};

static void run_error_cases(Fixture *f, const ErrorCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_autoptr(json_object) response = run(f, "%s", cases[i].request);

        if (json_object_object_get_ex(response, "return", NULL)) {
            g_error("case %zu %s: expected '%s', succeeded", i, cases[i].request,
                    cases[i].message);
        }
        expect_error(response, cases[i].message, cases[i].fragment);
    }
}

static void test_add_errors(void)
{
    Fixture f;

    fixture_init(&f);
    run_error_cases(&f, add_errors, G_N_ELEMENTS(add_errors));
    /* Nothing of any failed request was applied. */
    g_assert_cmpuint(tm_dcd_host_pending_group_count(f.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_pending_group_count(f.dev, 1), ==, 0);
    g_assert_false(tm_dcd_has_allocations(f.dev));
    g_assert_cmpuint(f.events->len, ==, 0);
    fixture_clear(&f);
}

/* ---- release: error table (nothing accepted yet) ---- */

#define REL(args) "{'execute':'cxl-release-dynamic-capacity','arguments':{" args "}}"
#define RPRESC "'removal-policy':'prescriptive'"

static const ErrorCase release_errors[] = {
    { REL("'path':'/machine/peripheral/dcd9'," H0 "," RPRESC "," R0 ",'extents':["
          EXT(0, M2) "]"), "Unable to resolve CXL type 3 device", false },
    { REL("'path':'nodc'," H0 "," RPRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "No dynamic capacity support from the device", false },
    { REL(DCD0 "," H0 "," RPRESC ",'region':7,'extents':[" EXT(0, M2) "]"),
      "region id is too large", false },
    { REL(DCD0 ",'host-id':3," RPRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "host-id 3 is out of range: device 'dcd0' has 2 hosts", false },
    { REL(DCD0 "," H0 "," RPRESC "," R0 ",'extents':[" EXT(0, 0) "]"),
      "extent with 0 length is not allowed", false },
    { REL(DCD0 "," H0 "," RPRESC "," R0 ",'extents':[" EXT(M1, M2) "]"),
      "dpa or len is not aligned to region block size", false },
    { REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(M256, M2) "]"),
      "extent range is beyond the region end", false },
    { REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(18446744073441116160, M2) "]"),
      "extent range is beyond the region end", false },
    /* per extent, in order: the first one's fault is reported */
    { REL(DCD0 "," H0 "," RPRESC "," R0 ",'extents':[" EXT(0, M2) "," EXT(0, 0) "]"),
      "cannot release extent with non-existing DPA range", false },
    { REL(DCD0 "," H0 "," RPRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
      "cannot release extent with non-existing DPA range", false },
    { REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R0 ",'extents':[]"),
      "tag-based removal needs a tag", true },
    { REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R0 ",'tag':'" TAG_A "','extents':[]"),
      "tag " TAG_A " has no capacity committed to host 0", true },
    { REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R0 ",'tag':'0123','extents':[]"),
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got '0123'", false },
    { REL(DCD0 "," H0 ",'removal-policy':'all'," R0 ",'extents':[]"),
      "Parameter 'removal-policy' does not accept value 'all'", false },
    { REL(DCD0 "," H0 "," RPRESC ",'forced-removal':1," R0 ",'extents':[]"),
      "Invalid parameter type for 'forced-removal', expected: boolean", false },
};

static void test_release_errors(void)
{
    Fixture f;

    fixture_init(&f);
    run_error_cases(&f, release_errors, G_N_ELEMENTS(release_errors));
    g_assert_cmpuint(f.events->len, ==, 0);
    fixture_clear(&f);
}

/* ---- flows ---- */

/* Pending, then accepted: QEMU's two "cannot add" checks, accepted first. */
static void test_add_pending_then_accepted(void)
{
    Fixture f;

    fixture_init(&f);
    const char *add = ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(M4, M2) "]");
    run_ok(&f, add);
    run_error(&f, add, "cannot add DPA again while still pending");
    host_accept(&f, 0, REGION1_BASE + M4, M2);
    run_error(&f, add, "cannot add DPA already accessible to the same LD");
    /* Accepted is checked before pending: both overlap here. */
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(0, M2) "]"));
    run_error(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(0, 8388608) "]"),
              "cannot add DPA already accessible to the same LD");
    /* Another host cannot be offered capacity host 0 holds. */
    run_error_fragment(&f, ADD(DCD0 ",'host-id':1," PRESC "," R1 ",'extents':[" EXT(M4, M2)
                               "]"), "overlaps capacity allocated to host 0");
    fixture_clear(&f);
}

static void test_add_query_and_commit(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 ",'host-id':1," PRESC "," R1 ",'tag':'" TAG_A "','extents':["
                   EXT(8388608, M2) "," EXT(M2, M2) "]"));
    g_assert_cmpuint(f.events->len, ==, 0); /* records queued: no event */

    g_autoptr(json_object) before = query(&f);
    json_object *q = expect_return(before);
    assert_length(q, "", 1);
    assert_str(q, "0.id", "dcd0");
    assert_str(q, "0.path", "/machine/peripheral/dcd0");
    assert_str(q, "0.volatile-dc-memdev", "dc0");
    assert_uint(q, "0.total-size", 512 * MiB);
    assert_uint(q, "0.num-hosts", 2);
    assert_uint(q, "0.supported-tags", 512);
    assert_uint(q, "0.available-tags", 511);
    assert_length(q, "0.regions", 2);
    assert_uint(q, "0.regions.1.region", 1);
    assert_uint(q, "0.regions.1.base", REGION1_BASE);
    assert_uint(q, "0.regions.1.decode-length", 256 * MiB);
    assert_uint(q, "0.regions.1.length", 256 * MiB);
    assert_uint(q, "0.regions.1.block-size", 2 * MiB);
    assert_bool(q, "0.regions.1.sanitize-on-release", false);
    assert_bool(q, "0.regions.1.sharable", true);
    assert_bool(q, "0.regions.0.sharable", false);
    assert_uint(q, "0.hosts.1.host-id", 1);
    assert_uint(q, "0.hosts.1.generation", 0);
    assert_uint(q, "0.hosts.1.supported-extents", 4);
    assert_uint(q, "0.hosts.1.available-extents", 2);
    assert_uint(q, "0.hosts.0.available-extents", 4);
    assert_length(q, "0.hosts.1.accepted", 0);
    assert_length(q, "0.hosts.1.pending", 1);
    assert_uint(q, "0.hosts.1.pending.0.id", 1);
    assert_str(q, "0.hosts.1.pending.0.selection-policy", "prescriptive");
    assert_uint(q, "0.hosts.1.pending.0.region", 1);
    assert_str(q, "0.hosts.1.pending.0.tag", TAG_A);
    /* In request order; the tag's extents tile its backend in that order. */
    assert_extent(q, "0.hosts.1.pending.0.extents.0", 1, 8 * MiB, 2 * MiB, TAG_A, 0);
    assert_extent(q, "0.hosts.1.pending.0.extents.1", 1, 2 * MiB, 2 * MiB, TAG_A, 1);
    assert_length(q, "0.hosts.0.pending", 0);
    assert_length(q, "0.tags", 1);
    assert_str(q, "0.tags.0.tag", TAG_A);
    assert_str(q, "0.tags.0.state", "Pending");
    assert_uint(q, "0.tags.0.region", 1);
    assert_str(q, "0.tags.0.backend", "t1");
    assert_uint(q, "0.tags.0.allocated", 4 * MiB);
    assert_length(q, "0.tags.0.pending-hosts", 1);
    assert_uint(q, "0.tags.0.pending-hosts.0", 1);
    assert_length(q, "0.tags.0.committed-hosts", 0);

    /* The host takes the second extent only. */
    host_accept(&f, 1, REGION1_BASE + 2 * MiB, 2 * MiB);
    g_assert_cmpuint(f.events->len, ==, 2);
    json_object *committed = event_data(&f, 0, "CXL_DC_CAPACITY_COMMITTED");
    assert_str(committed, "device", "dcd0");
    assert_str(committed, "path", "/machine/peripheral/dcd0");
    assert_uint(committed, "host-id", 1);
    assert_length(committed, "extents", 1);
    assert_extent(committed, "extents.0", 1, 2 * MiB, 2 * MiB, TAG_A, 1);
    assert_absent(committed, "forced");
    json_object *rejected = event_data(&f, 1, "CXL_DC_CAPACITY_REJECTED");
    assert_uint(rejected, "host-id", 1);
    assert_length(rejected, "extents", 1);
    assert_extent(rejected, "extents.0", 1, 8 * MiB, 2 * MiB, TAG_A, 0);

    g_autoptr(json_object) after = query(&f);
    q = expect_return(after);
    assert_uint(q, "0.hosts.1.generation", 1);
    assert_length(q, "0.hosts.1.pending", 0);
    assert_uint(q, "0.hosts.1.available-extents", 3);
    assert_length(q, "0.hosts.1.accepted", 1);
    assert_extent(q, "0.hosts.1.accepted.0", 1, 2 * MiB, 2 * MiB, TAG_A, 1);
    assert_str(q, "0.hosts.1.accepted.0.backend", "t1");
    assert_uint(q, "0.hosts.1.accepted.0.backend-offset", 2 * MiB);
    assert_bool(q, "0.hosts.1.accepted.0.release-pending", false);
    assert_str(q, "0.tags.0.state", "Committed");
    assert_length(q, "0.tags.0.pending-hosts", 0);
    assert_length(q, "0.tags.0.committed-hosts", 1);
    assert_uint(q, "0.tags.0.committed-hosts.0", 1);
    fixture_clear(&f);
}

/* Untagged capacity lives in the static memdev at its DPA; free picks the lowest free blocks. */
static void test_free_and_contiguous(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M2, M2) "]"));
    /* free: 6 MiB around the pending block; the offsets given are not used */
    run_ok(&f, ADD(DCD0 "," H0 ",'selection-policy':'free'," R0 ",'extents':["
                   EXT(100663296, M4) "," EXT(0, M2) "]"));
    /* contiguous: 4 MiB in one range, after everything pending */
    run_ok(&f, ADD(DCD0 "," H0 ",'selection-policy':'contiguous'," R0 ",'extents':["
                   EXT(0, M2) "," EXT(0, M2) "]"));

    g_autoptr(json_object) response = query(&f);
    json_object *q = expect_return(response);
    assert_length(q, "0.hosts.0.pending", 3);
    assert_str(q, "0.hosts.0.pending.1.selection-policy", "free");
    assert_length(q, "0.hosts.0.pending.1.extents", 2);
    assert_extent(q, "0.hosts.0.pending.1.extents.0", 0, 0, 2 * MiB, NULL, 0);
    assert_extent(q, "0.hosts.0.pending.1.extents.1", 0, 4 * MiB, 4 * MiB, NULL, 0);
    assert_str(q, "0.hosts.0.pending.2.selection-policy", "contiguous");
    assert_length(q, "0.hosts.0.pending.2.extents", 1);
    assert_extent(q, "0.hosts.0.pending.2.extents.0", 0, 8 * MiB, 4 * MiB, NULL, 0);
    assert_absent(q, "0.hosts.0.pending.2.tag");

    host_accept(&f, 0, 2 * MiB, 2 * MiB);
    g_autoptr(json_object) later = query(&f);
    q = expect_return(later);
    assert_str(q, "0.hosts.0.accepted.0.backend", "dc0");
    assert_uint(q, "0.hosts.0.accepted.0.backend-offset", 2 * MiB);
    fixture_clear(&f);
}

/* Host 1 gets access to host 0's tagged capacity in the sharable region 1. */
static void test_enable_shared_access(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':["
                   EXT(M4, M4) "]"));
    host_accept(&f, 0, REGION1_BASE + M4, M4);
    run_ok(&f, ADD(DCD0 ",'host-id':1,'selection-policy':'enable-shared-access'," R1
                   ",'tag':'" TAG_A "','extents':[]"));
    g_autoptr(json_object) response = query(&f);
    json_object *q = expect_return(response);
    assert_str(q, "0.hosts.1.pending.0.selection-policy", "enable-shared-access");
    assert_extent(q, "0.hosts.1.pending.0.extents.0", 1, 4 * MiB, 4 * MiB, TAG_A, 0);
    fixture_clear(&f);
}

static void test_release_flows(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'extents':[" EXT(0, M4) "]"));
    /* Pending capacity cannot be released. */
    run_error(&f, REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(0, M2) "]"),
              "cannot release extent with pending DPA range");
    host_accept(&f, 0, REGION1_BASE, M4);
    /* Another host's extent. */
    run_error(&f, REL(DCD0 ",'host-id':1," RPRESC "," R1 ",'extents':[" EXT(0, M2) "]"),
              "cannot release extent with non-existing DPA range");
    /* Partly outside what was accepted. */
    run_error(&f, REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(M2, M4) "]"),
              "cannot release extent with non-existing DPA range");
    run_error(&f, REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(0, M4) "," EXT(M2, M2)
                      "]"), "duplicate or overlapped extents are detected");
    g_ptr_array_set_size(f.events, 0);

    /* A sub-range: asked back, released when the host answers. */
    run_ok(&f, REL(DCD0 "," H0 "," RPRESC "," R1 ",'extents':[" EXT(M2, M2) "]"));
    g_assert_cmpuint(f.events->len, ==, 0);
    g_autoptr(json_object) asked = query(&f);
    json_object *q = expect_return(asked);
    assert_bool(q, "0.hosts.0.accepted.0.release-pending", true);
    host_release(&f, 0, REGION1_BASE + M2, M2);
    json_object *released = event_data(&f, 0, "CXL_DC_CAPACITY_RELEASED");
    assert_uint(released, "host-id", 0);
    assert_bool(released, "forced", false);
    assert_extent(released, "extents.0", 1, 2 * MiB, 2 * MiB, NULL, 0);

    /* Forced: gone at once, with the event before the reply. */
    run_ok(&f, REL(DCD0 "," H0 "," RPRESC ",'forced-removal':true," R1 ",'extents':["
                   EXT(0, M2) "]"));
    g_assert_cmpuint(f.events->len, ==, 2);
    released = event_data(&f, 1, "CXL_DC_CAPACITY_RELEASED");
    assert_bool(released, "forced", true);
    assert_extent(released, "extents.0", 1, 0, 2 * MiB, NULL, 0);
    g_assert_cmpuint(tm_dcd_host_accepted_count(f.dev, 0), ==, 0);
    g_assert_cmpuint(tm_dcd_host_generation(f.dev, 0), ==, 3);
    fixture_clear(&f);
}

/* sanitize-on-release (ignored by QEMU) zeroes the memory. */
static void test_release_sanitize(void)
{
    Fixture f;
    g_autoptr(GError) err = NULL;

    fixture_init(&f);
    uint8_t *memory = tm_hostmem_get_memory(tm_backend_registry_find_by_id(f.backends, "dc0"),
                                            &err);
    g_assert_no_error(err);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M4) "]"));
    host_accept(&f, 0, 0, M4);
    memset(memory, 0xa5, M4);
    run_ok(&f, REL(DCD0 "," H0 "," RPRESC ",'forced-removal':true," R0 ",'extents':["
                   EXT(0, M2) "]"));
    run_ok(&f, REL(DCD0 "," H0 "," RPRESC ",'forced-removal':true,'sanitize-on-release':true,"
                   R0 ",'extents':[" EXT(M2, M2) "]"));
    g_assert_cmpuint(memory[0], ==, 0xa5);
    g_assert_cmpuint(memory[M2 - 1], ==, 0xa5);
    g_assert_cmpuint(memory[M2], ==, 0);
    g_assert_cmpuint(memory[M4 - 1], ==, 0);
    fixture_clear(&f);
}

static void test_release_by_tag(void)
{
    Fixture f;

    fixture_init(&f);
    const char *by_tag = REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R1 ",'tag':'" TAG_A
                             "','extents':[]");
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':["
                   EXT(0, M2) "," EXT(M4, M2) "]"));
    run_error(&f, by_tag, "cannot release extent with pending DPA range");
    host_accept(&f, 0, REGION1_BASE, M2);
    run_error(&f, REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R0 ",'tag':'" TAG_A
                      "','extents':[]"), "tag " TAG_A " is in region 1, not region 0");
    /* Prescriptive with a tag: every listed range must carry it. */
    run_error_fragment(&f, REL(DCD0 "," H0 "," RPRESC "," R1 ",'tag':'" TAG_B "','extents':["
                               EXT(0, M2) "]"), "is not tagged " TAG_B);
    g_ptr_array_set_size(f.events, 0);
    /* The extent list is not used by tag-based removal. */
    run_ok(&f, REL(DCD0 "," H0 ",'removal-policy':'tag-based','forced-removal':true," R1
                   ",'tag':'" TAG_A "','extents':[" EXT(M256, 0) "]"));
    json_object *released = event_data(&f, 0, "CXL_DC_CAPACITY_RELEASED");
    assert_length(released, "extents", 1);
    assert_extent(released, "extents.0", 1, 0, 2 * MiB, TAG_A, 0);
    /* Nothing of the tag is left for the host. */
    run_error(&f, by_tag, "tag " TAG_A " has no capacity committed to host 0");
    fixture_clear(&f);
}

/* ---- cxl-release-dynamic-capacity-status ---- */

#define STATUS(args) "{'execute':'cxl-release-dynamic-capacity-status','arguments':{" args "}}"

static void expect_status_referenced(Fixture *f, const char *request, const char *status,
                                     const char *message_fragment, bool referenced)
{
    g_autoptr(json_object) response = run(f, "%s", request);
    json_object *ret = expect_return(response);

    assert_str(ret, "status", status);
    if (strstr(json_object_get_string(at_existing(ret, "message")), message_fragment) == NULL) {
        g_error("status message: expected '%s' in %s", message_fragment, plain(ret));
    }
    g_assert_cmpint(json_object_get_boolean(at_existing(ret, "referenced")), ==, referenced);
    g_assert_cmpint(json_object_object_length(ret), ==, 3);
}

static void expect_status(Fixture *f, const char *request, const char *status,
                          const char *message_fragment)
{
    expect_status_referenced(f, request, status, message_fragment, false);
}

static const ErrorCase status_errors[] = {
    { STATUS(H0 "," R1 ",'tag':'" TAG_A "'"), "Parameter 'qom-path' is missing", false },
    { STATUS(DCD0 ",'qom-path':'/machine/peripheral/dcd0'," H0 "," R1 ",'tag':'" TAG_A "'"),
      "Parameters 'path' and 'qom-path' are mutually exclusive", false },
    { STATUS("'qom-path':'/objects/t1'," H0 "," R1 ",'tag':'" TAG_A "'"),
      "Unable to resolve CXL type 3 device", false },
    { STATUS("'path':'nodc'," H0 "," R0 ",'tag':'" TAG_A "'"),
      "No dynamic capacity support from the device", false },
    { STATUS(DCD0 "," H0 ",'region':2,'tag':'" TAG_A "'"), "region id is too large", false },
    { STATUS(DCD0 ",'host-id':2," R1 ",'tag':'" TAG_A "'"),
      "host-id 2 is out of range: device 'dcd0' has 2 hosts", false },
    { STATUS(DCD0 "," H0 "," R1 ",'tag':'not-a-tag'"),
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'not-a-tag'", false },
    { STATUS(DCD0 "," H0 "," R1), "Parameter 'tag' is missing", false },
    { STATUS(DCD0 ",'host-id':1," R1 ",'tag':'" TAG_A "'"),
      "tag " TAG_A " was never offered to host 1 of device 'dcd0'", false },
    { STATUS(DCD0 "," H0 "," R0 ",'tag':'" TAG_A "'"),
      "tag " TAG_A " is in region 1, not region 0", false },
};

static void test_release_status(void)
{
    Fixture f;

    fixture_init(&f);
    run_error(&f, STATUS(DCD0 "," H0 "," R1 ",'tag':'" TAG_A "'"),
              "tag " TAG_A " was never offered to host 0 of device 'dcd0'");
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':["
                   EXT(0, M2) "]"));
    expect_status(&f, STATUS(DCD0 "," H0 "," R1 ",'tag':'" TAG_A "'"), "Pending",
                  "has not accepted it yet");
    run_error_cases(&f, status_errors, G_N_ELEMENTS(status_errors));
    host_accept(&f, 0, REGION1_BASE, M2);
    /* Either argument name; tags are compared as GUIDs, not as text. */
    expect_status(&f, STATUS("'qom-path':'/machine/peripheral/dcd0'," H0 "," R1 ",'tag':'"
                             "0123ABCD-0000-4000-8000-00000000000A'"),
                  "Committed", "host 0 has accepted capacity with tag " TAG_A);
    run_ok(&f, REL(DCD0 "," H0 ",'removal-policy':'tag-based'," R1 ",'tag':'" TAG_A
                   "','extents':[]"));
    /* Asked back, not yet given back. */
    expect_status(&f, STATUS("'path':'dcd0'," H0 "," R1 ",'tag':'" TAG_A "'"), "Committed",
                  "accepted");
    host_release(&f, 0, REGION1_BASE, M2);
    expect_status(&f, STATUS(DCD0 "," H0 "," R1 ",'tag':'" TAG_A "'"), "Released",
                  "host 0 no longer holds capacity with tag " TAG_A);
    fixture_clear(&f);
}

/* ---- Tag references ---- */

#define ADD_REF(args) "{'execute':'cxl-add-dynamic-capacity-reference','arguments':{" args "}}"
#define REMOVE_REF(args) \
    "{'execute':'cxl-remove-dynamic-capacity-reference','arguments':{" args "}}"
#define TAGS(args) "{'execute':'query-cxl-dynamic-capacity-tags','arguments':{" args "}}"

static const ErrorCase reference_errors[] = {
    { ADD_REF("'path':'nope','tag':'" TAG_A "'"), "Unable to resolve CXL type 3 device", false },
    { ADD_REF(DCD0 ",'tag':'xyz'"),
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'xyz'", false },
    { ADD_REF(DCD0), "Parameter 'tag' is missing", false },
    { ADD_REF(DCD0 ",'tag':'" TAG_NONE "'"),
      "tag " TAG_NONE " has no allocation on device 'dcd0'", false },
    { REMOVE_REF(DCD0 ",'tag':'" TAG_B "'"), "has no allocation", true },
    { TAGS("'path':'nope'"), "Unable to resolve CXL type 3 device", false },
};

/* The reference keeps TAG_A's allocation after host 0's release; host 1 shares it later. */
static void test_tag_references(void)
{
    Fixture f;

    fixture_init(&f);
    run_error_cases(&f, reference_errors, G_N_ELEMENTS(reference_errors));
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':["
                   EXT(0, M2) "]"));
    host_accept(&f, 0, REGION1_BASE, M2);
    run_error(&f, REMOVE_REF(DCD0 ",'tag':'" TAG_A "'"),
              "tag " TAG_A " has no reference to remove");
    run_ok(&f, ADD_REF(DCD0 ",'tag':'" TAG_A "'"));
    run_ok(&f, ADD_REF("'path':'/machine/peripheral/dcd0','tag':'" TAG_A "'"));

    g_autoptr(json_object) listed = run(&f, TAGS(DCD0));
    json_object *ret = expect_return(listed);
    g_assert_cmpuint(json_object_array_length(at_existing(ret, "tags")), ==, 1);
    assert_str(ret, "tags.0.tag", TAG_A);
    g_assert_true(json_object_get_boolean(at_existing(ret, "tags.0.referenced")));
    g_assert_cmpuint(json_object_get_uint64(at_existing(ret, "tags.0.committed-hosts.0")), ==, 0);

    run_ok(&f, REL(DCD0 "," H0 ",'removal-policy':'tag-based','forced-removal':true," R1
                   ",'tag':'" TAG_A "','extents':[]"));
    expect_status_referenced(&f, STATUS(DCD0 "," H0 "," R1 ",'tag':'" TAG_A "'"), "Released",
                             "an FM reference keeps the allocation", true);
    g_autoptr(json_object) query = run(&f, "{'execute':'query-cxl-dynamic-capacity',"
                                           "'arguments':{" DCD0 "}}");
    g_assert_true(json_object_get_boolean(at_existing(expect_return(query),
                                                      "0.tags.0.referenced")));
    g_assert_nonnull(at(expect_return(query), "0.tags.0.backend"));

    /* Host 1 gets the same allocation; the reference goes; host 1 keeps it. */
    run_ok(&f, ADD(DCD0 ",'host-id':1,'selection-policy':'enable-shared-access'," R1
                   ",'tag':'" TAG_A "','extents':[]"));
    host_accept(&f, 1, REGION1_BASE, M2);
    run_ok(&f, REMOVE_REF(DCD0 ",'tag':'" TAG_A "'"));
    g_autoptr(json_object) after = run(&f, TAGS(DCD0));
    g_assert_false(json_object_get_boolean(at_existing(expect_return(after),
                                                       "tags.0.referenced")));
    assert_str(expect_return(after), "tags.0.tag", TAG_A);
    fixture_clear(&f);
}

/* ---- QOM: devices under /machine/peripheral ---- */

static void test_qom_devices(void)
{
    Fixture f;

    fixture_init(&f);
    g_autoptr(json_object) list = run(&f, "{'execute':'qom-list',"
                                          "'arguments':{'path':'/machine/peripheral'}}");
    g_autoptr(json_object) want = parse(
        "[{'name':'type','type':'str'},{'name':'dcd0','type':'child<cxl-type3>'},"
        "{'name':'dcd1','type':'child<cxl-type3>'},{'name':'nodc','type':'child<cxl-type3>'}]");
    if (!json_object_equal(expect_return(list), want)) {
        g_error("qom-list /machine/peripheral: %s", plain(list));
    }

    g_autoptr(json_object) props = run(&f, "{'execute':'qom-list',"
                                           "'arguments':{'path':'/machine/peripheral/dcd0'}}");
    json_object *ret = expect_return(props);
    bool found = false;
    for (size_t i = 0; i < json_object_array_length(ret); i++) {
        json_object *prop = json_object_array_get_idx(ret, i);
        if (strcmp(json_object_get_string(at_existing(prop, "name")), "num-dc-regions") == 0) {
            assert_str(prop, "type", "uint64");
            found = true;
        }
    }
    g_assert_true(found);

    g_autoptr(json_object) child = run(&f, "{'execute':'qom-get','arguments':{"
                                           "'path':'/machine/peripheral','property':'dcd0'}}");
    g_assert_cmpstr(json_object_get_string(expect_return(child)), ==,
                    "/machine/peripheral/dcd0");
    g_autoptr(json_object) regions = run(&f, "{'execute':'qom-get','arguments':{"
                                             "'path':'/machine//peripheral/dcd0/',"
                                             "'property':'num-dc-regions'}}");
    g_assert_cmpuint(json_object_get_uint64(expect_return(regions)), ==, 2);
    g_autoptr(json_object) type = run(&f, "{'execute':'qom-get','arguments':{"
                                          "'path':'/machine/peripheral/dcd0','property':'type'}}");
    g_assert_cmpstr(json_object_get_string(expect_return(type)), ==, "cxl-type3");

    run_error(&f, "{'execute':'qom-set','arguments':{'path':'/machine/peripheral/dcd0',"
                  "'property':'num-dc-regions','value':3}}",
              "Property 'cxl-type3.num-dc-regions' cannot be changed after 'dcd0' is created");
    run_error(&f, "{'execute':'qom-get','arguments':{'path':'/machine/peripheral/dcd0',"
                  "'property':'nope'}}", "Property 'cxl-type3.nope' not found");
    g_autoptr(json_object) missing = run(&f, "{'execute':'qom-list',"
                                             "'arguments':{'path':'/machine/peripheral/x'}}");
    assert_str(missing, "error.class", "DeviceNotFound");
    fixture_clear(&f);
}

/* ---- query-cxl-dynamic-capacity over every device; environments without devices ---- */

static void test_query_all_devices(void)
{
    Fixture f;

    fixture_init(&f);
    g_autoptr(json_object) all = run(&f, "{'execute':'query-cxl-dynamic-capacity'}");
    json_object *q = expect_return(all);
    assert_length(q, "", 3);
    assert_str(q, "1.id", "dcd1");
    assert_uint(q, "1.num-hosts", 1);
    assert_length(q, "1.hosts", 1);
    assert_str(q, "2.id", "nodc");
    assert_length(q, "2.regions", 0);
    assert_absent(q, "2.volatile-dc-memdev");
    run_error(&f, "{'execute':'query-cxl-dynamic-capacity','arguments':{'path':'dc0'}}",
              "Unable to resolve CXL type 3 device");

    /* A daemon without a device registry: no devices, nothing to resolve. */
    f.env.devices = NULL;
    g_autoptr(json_object) none = run(&f, "{'execute':'query-cxl-dynamic-capacity'}");
    assert_length(expect_return(none), "", 0);
    run_error(&f, ADD("'path':'dcd0'," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"),
              "Unable to resolve CXL type 3 device");
    g_autoptr(json_object) peripheral = run(&f, "{'execute':'qom-list',"
                                                "'arguments':{'path':'/machine/peripheral'}}");
    assert_length(expect_return(peripheral), "", 1);
    f.env.devices = f.devices;
    fixture_clear(&f);
}

/* Filters: one host, one region, one tag; bad filters are errors. */
static void test_query_filters(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':[" EXT(0, M2) "]"));
    run_ok(&f, ADD(DCD0 ",'host-id':1," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"));

    g_autoptr(json_object) by_host = run(&f, "{'execute':'query-cxl-dynamic-capacity',"
                                              "'arguments':{'path':'dcd0','host-id':1}}");
    json_object *q = expect_return(by_host);
    assert_length(q, "0.hosts", 1);
    assert_uint(q, "0.hosts.0.host-id", 1);
    assert_length(q, "0.hosts.0.pending", 1);
    assert_length(q, "0.tags", 0);
    assert_length(q, "0.regions", 2);

    g_autoptr(json_object) by_tag = run(&f, "{'execute':'query-cxl-dynamic-capacity',"
                                             "'arguments':{'tag':'" TAG_A "'}}");
    q = expect_return(by_tag);
    assert_length(q, "", 3);
    assert_length(q, "0.tags", 1);
    assert_length(q, "0.hosts.0.pending", 1);
    assert_length(q, "0.hosts.1.pending", 0);

    g_autoptr(json_object) by_region = run(&f, "{'execute':'query-cxl-dynamic-capacity',"
                                                "'arguments':{'path':'dcd0','region':0}}");
    q = expect_return(by_region);
    assert_length(q, "0.regions", 1);
    assert_length(q, "0.hosts.0.pending", 0);
    assert_length(q, "0.hosts.1.pending", 1);
    assert_length(q, "0.tags", 0);

    run_error(&f, "{'execute':'query-cxl-dynamic-capacity','arguments':{'path':'dcd0',"
                  "'host-id':2}}", "host-id 2 is out of range: device 'dcd0' has 2 hosts");
    run_error(&f, "{'execute':'query-cxl-dynamic-capacity','arguments':{'path':'dcd0',"
                  "'region':2}}", "region id is too large");
    run_error(&f, "{'execute':'query-cxl-dynamic-capacity','arguments':{'tag':'x'}}",
              "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'x'");
    fixture_clear(&f);
}

#define QUERY(args) "{'execute':'query-cxl-dynamic-capacity','arguments':{" args "}}"

/*
 * "state" keeps pending groups or accepted extents; "start"/"count" give
 * the paged form, whose items follow the full answer's order (a host's
 * pending extents, then its accepted ones), and whose total counts what
 * the filters keep whatever the page.
 */
static void test_query_state_and_pages(void)
{
    Fixture f;

    fixture_init(&f);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R1 ",'tag':'" TAG_A "','extents':[" EXT(0, M2)
               "," EXT(M4, M2) "]"));
    host_accept(&f, 0, REGION1_BASE, M2);
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(M4, M2) "]"));
    run_ok(&f, ADD(DCD0 ",'host-id':1," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"));

    g_autoptr(json_object) pending = run(&f, QUERY("'path':'dcd0','state':'pending'"));
    json_object *q = expect_return(pending);
    assert_length(q, "0.hosts.0.pending", 1);
    assert_length(q, "0.hosts.0.accepted", 0);
    assert_length(q, "0.hosts.1.pending", 1);
    g_autoptr(json_object) accepted = run(&f, QUERY("'path':'dcd0','state':'accepted'"));
    q = expect_return(accepted);
    assert_length(q, "0.hosts.0.pending", 0);
    assert_length(q, "0.hosts.0.accepted", 1);
    assert_length(q, "0.tags", 1);

    g_autoptr(json_object) first = run(&f, QUERY("'path':'dcd0','start':0,'count':2"));
    q = expect_return(first);
    assert_uint(q, "total", 3);
    assert_uint(q, "start", 0);
    assert_length(q, "extents", 2);
    g_assert_cmpstr(plain(json_object_array_get_idx(json_object_object_get(q, "extents"), 0)),
                    ==, "{\"device\":\"dcd0\",\"host-id\":0,\"state\":\"pending\","
                    "\"group\":2,\"region\":0,\"offset\":4194304,\"dpa\":4194304,"
                    "\"len\":2097152,\"shared-seq\":0}");
    g_assert_cmpstr(plain(json_object_array_get_idx(json_object_object_get(q, "extents"), 1)),
                    ==, "{\"device\":\"dcd0\",\"host-id\":0,\"state\":\"accepted\","
                    "\"region\":1,\"offset\":0,\"dpa\":268435456,\"len\":2097152,"
                    "\"shared-seq\":0,\"tag\":\"" TAG_A "\",\"backend\":\"t1\","
                    "\"backend-offset\":0,\"release-pending\":false}");
    g_autoptr(json_object) last = run(&f, QUERY("'start':2"));
    q = expect_return(last);
    assert_uint(q, "total", 3);
    assert_uint(q, "extents.0.host-id", 1);
    assert_length(q, "extents", 1);
    /* The tag's accepted extent, found through its ranges; past the end: empty. */
    g_autoptr(json_object) tagged = run(&f, QUERY("'tag':'" TAG_A "','state':'accepted',"
                                                   "'count':5"));
    q = expect_return(tagged);
    assert_uint(q, "total", 1);
    assert_uint(q, "extents.0.dpa", REGION1_BASE);
    g_autoptr(json_object) past = run(&f, QUERY("'tag':'" TAG_A "','start':9"));
    q = expect_return(past);
    assert_uint(q, "total", 1);
    assert_length(q, "extents", 0);
    run_error(&f, QUERY("'count':0"), "Parameter 'count' expects a value from 1 to 10000, got 0");
    run_error(&f, QUERY("'state':'gone'"), "Parameter 'state' does not accept value 'gone'");
    fixture_clear(&f);
}

/* Without an emit_event callback, notices are dropped, not leaked or crashed on. */
static void test_events_without_callback(void)
{
    Fixture f;

    fixture_init(&f);
    f.env.emit_event = NULL;
    run_ok(&f, ADD(DCD0 "," H0 "," PRESC "," R0 ",'extents':[" EXT(0, M2) "]"));
    host_accept(&f, 0, 0, M2);
    g_assert_cmpuint(f.events->len, ==, 0);
    g_assert_cmpuint(tm_dcd_host_accepted_count(f.dev, 0), ==, 1);
    fixture_clear(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/cxl/add-errors", test_add_errors);
    g_test_add_func("/qmp/cxl/release-errors", test_release_errors);
    g_test_add_func("/qmp/cxl/add-pending-then-accepted", test_add_pending_then_accepted);
    g_test_add_func("/qmp/cxl/add-query-and-commit", test_add_query_and_commit);
    g_test_add_func("/qmp/cxl/free-and-contiguous", test_free_and_contiguous);
    g_test_add_func("/qmp/cxl/enable-shared-access", test_enable_shared_access);
    g_test_add_func("/qmp/cxl/release-flows", test_release_flows);
    g_test_add_func("/qmp/cxl/release-sanitize", test_release_sanitize);
    g_test_add_func("/qmp/cxl/release-by-tag", test_release_by_tag);
    g_test_add_func("/qmp/cxl/release-status", test_release_status);
    g_test_add_func("/qmp/cxl/tag-references", test_tag_references);
    g_test_add_func("/qmp/cxl/qom-devices", test_qom_devices);
    g_test_add_func("/qmp/cxl/query-all-devices", test_query_all_devices);
    g_test_add_func("/qmp/cxl/query-filters", test_query_filters);
    g_test_add_func("/qmp/cxl/query-state-and-pages", test_query_state_and_pages);
    g_test_add_func("/qmp/cxl/events-without-callback", test_events_without_callback);
    return g_test_run();
}

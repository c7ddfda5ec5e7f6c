/*
 * Differential test against QEMU 10 (docs/qemu-compat.md): QEMU runs headless
 * with a cxl-type3 DCD (no guest), tagmemd with the same -object and
 * -device lines, and both get the same QMP requests in the same order.
 *
 * For every request QEMU supports, both must agree on success or failure,
 * and where QEMU makes the check, on the message too.  With no guest
 * nobody accepts capacity, so only release failures can be compared.
 * Where tagmem differs on purpose (docs/qemu-compat.md), each case names
 * the reason and asserts what each side answers.  Cases where tagmem
 * accepts what QEMU refuses (or the reverse) come after every compared
 * case and use DPA ranges no other case touches, so that the two stay
 * in step.
 *
 * Exit 77 (SKIP) when qemu-system-x86_64 is not installed (or $QEMU does
 * not name it) or cannot start the reference machine.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "daemon_harness.h"
#include "qemu_harness.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put)

#define EXIT_SKIP 77

/* The device both run: QEMU's line, bus= included (tagmemd ignores it). */
#define DEVICE_LINE "cxl-type3,bus=rp0,volatile-dc-memdev=dc0,num-dc-regions=2,id=cxl-dcd0"
#define MEMDEV_LINE "memory-backend-ram,id=dc0,size=512M"

/* ---- requests ---- */

/* Argument text with ' for ". */
static json_object *execute(TmQmpConn *conn, const char *command, const char *arguments)
{
    g_autoptr(GError) err = NULL;
    json_object *args = NULL;

    if (arguments) {
        g_autofree char *json = g_strdelimit(g_strdup(arguments), "'", '"');
        args = json_tokener_parse(json);
        g_assert_nonnull(args);
    }
    json_object *reply = tm_qmp_conn_execute(conn, command, args, &err);
    g_assert_no_error(err);
    g_assert_nonnull(reply);
    return reply;
}

/* The error's desc, or NULL for a success. */
static const char *error_desc(json_object *reply)
{
    json_object *error;

    if (!json_object_object_get_ex(reply, "error", &error)) {
        g_assert_true(json_object_object_get_ex(reply, "return", NULL));
        return NULL;
    }
    return json_object_get_string(json_object_object_get(error, "desc"));
}

static const char *error_class(json_object *reply)
{
    json_object *error;

    return json_object_object_get_ex(reply, "error", &error)
           ? json_object_get_string(json_object_object_get(error, "class")) : NULL;
}

#define PATH "'path':'/machine/peripheral/cxl-dcd0'"
#define ADD "cxl-add-dynamic-capacity"
#define REL "cxl-release-dynamic-capacity"
#define POISON "cxl-inject-poison"
#define ADD_ARGS(rest) "{" PATH ",'host-id':0,'selection-policy':'prescriptive'," rest "}"
#define REL_ARGS(rest) "{" PATH ",'host-id':0,'removal-policy':'prescriptive'," rest "}"
#define STR(x) #x
#define XSTR(x) STR(x)
#define EXT(o, l) "{'offset':" XSTR(o) ",'len':" XSTR(l) "}"
#define M1 1048576
#define M2 2097152
#define M4 4194304
#define M256 268435456

#define GM "cxl-inject-general-media-event"
#define DRAM "cxl-inject-dram-event"
#define MM "cxl-inject-memory-module-event"
#define UNCOR "cxl-inject-uncorrectable-errors"
#define COR "cxl-inject-correctable-error"
#define GM_ARGS(rest) "{" PATH ",'log':'warning','flags':1,'dpa':128,'descriptor':0,'type':0," \
                      "'transaction-type':0" rest "}"
#define MM_ARGS(temperature) "{" PATH ",'log':'informational','flags':0,'type':2," \
    "'health-status':1,'media-status':0,'additional-status':0,'life-used':40," \
    "'temperature':" temperature ",'dirty-shutdown-count':1," \
    "'corrected-volatile-error-count':2,'corrected-persistent-error-count':3}"

/* ---- cases both must answer alike ---- */

typedef struct {
    const char *name;
    const char *command;
    const char *arguments;
    const char *error; /* NULL: both succeed; else both fail with exactly this (QEMU's) text */
} SameCase;

static const SameCase same_cases[] = {
    { "prescriptive add", ADD, ADD_ARGS("'region':0,'extents':[" EXT(0, M2) "]"), NULL },
    { "add again while pending", ADD, ADD_ARGS("'region':0,'extents':[" EXT(0, M2) "]"),
      "cannot add DPA again while still pending" },
    { "add overlapping a pending group", ADD,
      ADD_ARGS("'region':0,'extents':[" EXT(0, M4) "]"), "cannot add DPA again while still pending" },
    { "second region, two extents", ADD,
      ADD_ARGS("'region':1,'extents':[" EXT(M4, M2) "," EXT(0, M2) "]"), NULL },
    { "partial QOM path (the id)", ADD,
      "{'path':'cxl-dcd0','host-id':0,'selection-policy':'prescriptive','region':1,"
      "'extents':[" EXT(8388608, M2) "]}", NULL },
    { "more extents than QEMU's event log holds", ADD,
      ADD_ARGS("'region':1,'extents':[" EXT(16777216, M2) "," EXT(20971520, M2) ","
               EXT(25165824, M2) "," EXT(29360128, M2) "," EXT(33554432, M2) ","
               EXT(37748736, M2) "," EXT(41943040, M2) "," EXT(46137344, M2) ","
               EXT(50331648, M2) "]"), NULL },
    { "region id too large", ADD, ADD_ARGS("'region':2,'extents':[" EXT(0, M2) "]"),
      "region id is too large" },
    { "region 255", ADD, ADD_ARGS("'region':255,'extents':[" EXT(0, M2) "]"),
      "region id is too large" },
    { "zero length", ADD, ADD_ARGS("'region':0,'extents':[" EXT(M4, 0) "]"),
      "extent with 0 length is not allowed" },
    { "misaligned offset", ADD, ADD_ARGS("'region':0,'extents':[" EXT(M1, M2) "]"),
      "dpa or len is not aligned to region block size" },
    { "misaligned length", ADD, ADD_ARGS("'region':0,'extents':[" EXT(M4, M1) "]"),
      "dpa or len is not aligned to region block size" },
    { "offset at the region end", ADD, ADD_ARGS("'region':0,'extents':[" EXT(M256, M2) "]"),
      "extent range is beyond the region end" },
    { "crossing the region end", ADD, ADD_ARGS("'region':1,'extents':[" EXT(266338304, M4) "]"),
      "extent range is beyond the region end" },
    { "region base + offset wraps to 0", ADD,
      ADD_ARGS("'region':1,'extents':[" EXT(18446744073441116160, M2) "]"),
      "extent range is beyond the region end" },
    { "overlap within the request", ADD,
      ADD_ARGS("'region':0,'extents':[" EXT(M4, M4) "," EXT(6291456, M2) "]"),
      "duplicate or overlapped extents are detected" },
    { "duplicate extents", ADD,
      ADD_ARGS("'region':0,'extents':[" EXT(M4, M2) "," EXT(M4, M2) "]"),
      "duplicate or overlapped extents are detected" },
    { "first faulty extent wins (alignment)", ADD,
      ADD_ARGS("'region':0,'extents':[" EXT(M1, M2) "," EXT(M4, 0) "]"),
      "dpa or len is not aligned to region block size" },
    { "first faulty extent wins (region end)", ADD,
      ADD_ARGS("'region':0,'extents':[" EXT(M256, M2) "," EXT(M1, M2) "]"),
      "extent range is beyond the region end" },
    { "no such device", ADD,
      "{'path':'/machine/peripheral/nope','host-id':0,'selection-policy':'prescriptive',"
      "'region':0,'extents':[" EXT(M4, M2) "]}", "Unable to resolve CXL type 3 device" },
    { "a backend is not a device", ADD,
      "{'path':'/objects/dc0','host-id':0,'selection-policy':'prescriptive',"
      "'region':0,'extents':[" EXT(M4, M2) "]}", "Unable to resolve CXL type 3 device" },
    { "a container is not a device", ADD,
      "{'path':'/machine/peripheral','host-id':0,'selection-policy':'prescriptive',"
      "'region':0,'extents':[" EXT(M4, M2) "]}", "Unable to resolve CXL type 3 device" },
    { "missing extents", ADD, ADD_ARGS("'region':0"), "Parameter 'extents' is missing" },
    { "unknown policy", ADD,
      "{" PATH ",'host-id':0,'selection-policy':'best','region':0,'extents':[]}",
      "Parameter 'selection-policy' does not accept value 'best'" },
    { "unknown member", ADD, ADD_ARGS("'region':0,'extents':[],'force':true"),
      "Parameter 'force' is unexpected" },
    { "host-id above uint16", ADD,
      "{" PATH ",'host-id':65536,'selection-policy':'prescriptive','region':0,'extents':[]}",
      "Parameter 'host-id' expects uint16_t" },
    { "negative host-id", ADD,
      "{" PATH ",'host-id':-1,'selection-policy':'prescriptive','region':0,'extents':[]}",
      "Parameter 'host-id' expects uint16_t" },
    { "region above uint8", ADD, ADD_ARGS("'region':256,'extents':[]"),
      "Parameter 'region' expects uint8_t" },
    { "extent without len", ADD, ADD_ARGS("'region':0,'extents':[{'offset':0}]"),
      "Parameter 'extents[0].len' is missing" },
    { "extents not a list", ADD, ADD_ARGS("'region':0,'extents':{}"),
      "Invalid parameter type for 'extents', expected: array" },
    { "tag not a string", ADD, ADD_ARGS("'region':0,'tag':5,'extents':[]"),
      "Invalid parameter type for 'tag', expected: string" },
    { "forced-removal not a boolean", REL,
      REL_ARGS("'region':0,'forced-removal':1,'extents':[]"),
      "Invalid parameter type for 'forced-removal', expected: boolean" },
    /* QEMU reads every unsigned integer as a uint64 first, whatever its width */
    { "host-id not an integer", ADD,
      "{" PATH ",'host-id':'x','selection-policy':'prescriptive','region':0,'extents':[]}",
      "Parameter 'host-id' expects uint64" },
    { "region a float", ADD, ADD_ARGS("'region':1.5,'extents':[]"),
      "Parameter 'region' expects uint64" },
    { "negative region", ADD, ADD_ARGS("'region':-1,'extents':[]"),
      "Parameter 'region' expects uint8_t" },
    { "offset a string", ADD, ADD_ARGS("'region':0,'extents':[{'offset':'0','len':" XSTR(M2) "}]"),
      "Parameter 'extents[0].offset' expects uint64" },
    { "len a boolean", ADD, ADD_ARGS("'region':0,'extents':[{'offset':0,'len':true}]"),
      "Parameter 'extents[0].len' expects uint64" },
    { "release host-id null", REL,
      "{" PATH ",'host-id':null,'removal-policy':'prescriptive','region':0,'extents':[]}",
      "Parameter 'host-id' expects uint64" },
    { "object-add size with a suffix", "object-add",
      "{'qom-type':'memory-backend-ram','id':'m1','size':'1G'}",
      "Parameter 'size' expects uint64" },
    { "object-add prealloc-threads a string", "object-add",
      "{'qom-type':'memory-backend-ram','id':'m1','size':4096,'prealloc-threads':'x'}",
      "Parameter 'prealloc-threads' expects uint64" },
    { "object-add host-nodes element a string", "object-add",
      "{'qom-type':'memory-backend-ram','id':'m1','size':4096,'host-nodes':[0,'1']}",
      "Parameter 'host-nodes[1]' expects uint64" },
    /* release: nothing is accepted without a guest, so only failures */
    { "release pending capacity", REL, REL_ARGS("'region':0,'extents':[" EXT(0, M2) "]"),
      "cannot release extent with pending DPA range" },
    { "release capacity never added", REL,
      REL_ARGS("'region':0,'extents':[" EXT(52428800, M2) "]"),
      "cannot release extent with non-existing DPA range" },
    { "release with sanitize-on-release", REL,
      REL_ARGS("'region':0,'sanitize-on-release':true,'extents':[" EXT(52428800, M2) "]"),
      "cannot release extent with non-existing DPA range" },
    { "release zero length", REL, REL_ARGS("'region':0,'extents':[" EXT(M4, 0) "]"),
      "extent with 0 length is not allowed" },
    { "release misaligned", REL, REL_ARGS("'region':0,'extents':[" EXT(M1, M2) "]"),
      "dpa or len is not aligned to region block size" },
    { "release past the region end", REL, REL_ARGS("'region':1,'extents':[" EXT(M256, M2) "]"),
      "extent range is beyond the region end" },
    { "release, first extent not accepted", REL,
      REL_ARGS("'region':0,'extents':[" EXT(52428800, M4) "," EXT(54525952, M2) "]"),
      "cannot release extent with non-existing DPA range" },
    { "release region id too large", REL, REL_ARGS("'region':9,'extents':[" EXT(0, M2) "]"),
      "region id is too large" },
    { "release on a backend", REL,
      "{'path':'/objects/dc0','host-id':0,'removal-policy':'prescriptive','region':0,"
      "'extents':[" EXT(0, M2) "]}", "Unable to resolve CXL type 3 device" },
    /* Poison (qapi/cxl.json cxl-inject-poison): DPAs no other case poisons. */
    { "inject poison", POISON, "{" PATH ",'start':4096,'length':128}", NULL },
    { "poison overlapping it", POISON, "{" PATH ",'start':4160,'length':64}",
      "Overlap with existing poisoned region not supported" },
    { "poison reaching into it from below", POISON, "{" PATH ",'start':4032,'length':128}",
      "Overlap with existing poisoned region not supported" },
    { "poison next to it", POISON, "{" PATH ",'start':4224,'length':64}", NULL },
    { "poison start not 64-byte aligned", POISON, "{" PATH ",'start':8224,'length':64}",
      "Poison start address must be 64 byte aligned" },
    { "poison length not a multiple of 64", POISON, "{" PATH ",'start':8192,'length':100}",
      "Poison injection must be in multiples of 64 bytes" },
    { "alignment is checked before the path", POISON,
      "{'path':'/machine/peripheral/nope','start':32,'length':64}",
      "Poison start address must be 64 byte aligned" },
    { "poison of no device", POISON, "{'path':'/machine/peripheral/nope','start':0,'length':64}",
      "Unable to resolve path" },
    { "poison of a backend", POISON, "{'path':'/objects/dc0','start':0,'length':64}",
      "Path does not point to a CXL type 3 device" },
    { "poison without length", POISON, "{" PATH ",'start':0}", "Parameter 'length' is missing" },
    { "poison start a string", POISON, "{" PATH ",'start':'0','length':64}",
      "Parameter 'start' expects uint64" },
    /* RAS event injection (qapi/cxl.json) */
    { "general media, required members", GM, GM_ARGS(""), NULL },
    { "general media, every member", GM,
      GM_ARGS(",'channel':1,'rank':2,'device':16777217,'component-id':'0123456789abcdefXYZ'"),
      NULL },
    { "general media, partial path", GM,
      "{'path':'cxl-dcd0','log':'fatal','flags':3,'dpa':64,'descriptor':1,'type':1,"
      "'transaction-type':2}", NULL },
    { "general media, no such device", GM,
      "{'path':'/machine/peripheral/nothing','log':'warning','flags':1,'dpa':0,"
      "'descriptor':0,'type':0,'transaction-type':0}", "Unable to resolve path" },
    { "general media on a backend", GM,
      "{'path':'/objects/dc0','log':'warning','flags':1,'dpa':0,'descriptor':0,'type':0,"
      "'transaction-type':0}", "Path does not point to a CXL type 3 device" },
    { "general media, missing log", GM,
      "{" PATH ",'flags':1,'dpa':0,'descriptor':0,'type':0,'transaction-type':0}",
      "Parameter 'log' is missing" },
    { "general media, DC log", GM,
      "{" PATH ",'log':'dynamic-capacity','flags':1,'dpa':0,'descriptor':0,'type':0,"
      "'transaction-type':0}", "Parameter 'log' does not accept value 'dynamic-capacity'" },
    { "general media, flags 256", GM,
      "{" PATH ",'log':'warning','flags':256,'dpa':0,'descriptor':0,'type':0,"
      "'transaction-type':0}", "Parameter 'flags' expects uint8_t" },
    { "general media, dpa a string", GM,
      "{" PATH ",'log':'warning','flags':1,'dpa':'0','descriptor':0,'type':0,"
      "'transaction-type':0}", "Parameter 'dpa' expects uint64" },
    { "general media, device above uint32", GM, GM_ARGS(",'device':4294967296"),
      "Parameter 'device' expects uint32_t" },
    { "general media, component-id a number", GM, GM_ARGS(",'component-id':5"),
      "Invalid parameter type for 'component-id', expected: string" },
    { "general media, unknown member", GM, GM_ARGS(",'bank':1"),
      "Parameter 'bank' is unexpected" },
    { "dram, every member", DRAM,
      GM_ARGS(",'channel':1,'rank':2,'nibble-mask':16777216,'bank-group':3,'bank':4,"
              "'row':70000,'column':513,'correction-mask':[1,2,3,4,5]"), NULL },
    { "dram, column above uint16", DRAM, GM_ARGS(",'column':65536"),
      "Parameter 'column' expects uint16_t" },
    { "dram, correction-mask not a list", DRAM, GM_ARGS(",'correction-mask':7"),
      "Invalid parameter type for 'correction-mask', expected: array" },
    { "memory module", MM, MM_ARGS("-5"), NULL },
    { "memory module, temperature above int16", MM, MM_ARGS("40000"),
      "Parameter 'temperature' expects int16_t" },
    { "memory module, temperature a string", MM, MM_ARGS("'hot'"),
      "Invalid parameter type for 'temperature', expected: integer" },
    { "memory module, missing life-used", MM,
      "{" PATH ",'log':'informational','flags':0,'type':0,'health-status':0,"
      "'media-status':0,'additional-status':0,'temperature':0,'dirty-shutdown-count':0,"
      "'corrected-volatile-error-count':0,'corrected-persistent-error-count':0}",
      "Parameter 'life-used' is missing" },
    { "uncorrectable, unknown type", UNCOR,
      "{" PATH ",'errors':[{'type':'cache-nonsense','header':[]}]}",
      "Parameter 'type' does not accept value 'cache-nonsense'" },
    { "uncorrectable, header not a list", UNCOR,
      "{" PATH ",'errors':[{'type':'internal','header':1}]}",
      "Invalid parameter type for 'errors[0].header', expected: array" },
    { "uncorrectable, missing errors", UNCOR, "{" PATH "}", "Parameter 'errors' is missing" },
    { "uncorrectable, no such device", UNCOR,
      "{'path':'/machine/peripheral/nothing','errors':[]}", "Unable to resolve path" },
    { "correctable, unknown type", COR, "{" PATH ",'type':'mem-nonsense'}",
      "Parameter 'type' does not accept value 'mem-nonsense'" },
    { "correctable on a backend", COR, "{'path':'/objects/dc0','type':'physical'}",
      "Path does not point to a CXL type 3 device" },
};

static void check_same(const SameCase *c, json_object *qemu_reply, json_object *tagmem_reply)
{
    const char *qemu_error = error_desc(qemu_reply);
    const char *tagmem_error = error_desc(tagmem_reply);

    if ((qemu_error == NULL) != (c->error == NULL) ||
        (qemu_error && strcmp(qemu_error, c->error) != 0)) {
        g_error("%s: QEMU answered %s, the test expects %s", c->name,
                json_object_to_json_string(qemu_reply), c->error ? c->error : "success");
    }
    if ((tagmem_error == NULL) != (qemu_error == NULL) ||
        (tagmem_error && strcmp(tagmem_error, qemu_error) != 0)) {
        g_error("%s: QEMU answered %s, tagmemd %s", c->name,
                json_object_to_json_string(qemu_reply), json_object_to_json_string(tagmem_reply));
    }
    printf("ok - same: %s (%s)\n", c->name, c->error ? c->error : "success");
}

/* ---- cases where tagmem differs on purpose ---- */

typedef struct {
    const char *name;
    const char *command;
    const char *arguments;
    const char *qemu;    /* NULL: QEMU succeeds; else a fragment of its error */
    const char *tagmem;  /* NULL: tagmemd succeeds; else a fragment of its error */
    const char *reason;
    bool qemu_aborts;    /* not sent to QEMU: it would crash */
} DifferentCase;

static const DifferentCase different_cases[] = {
    { "tag that is not a GUID", ADD,
      ADD_ARGS("'region':0,'tag':'xyz','extents':[" EXT(104857600, M2) "]"),
      NULL, "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'xyz'",
      "QEMU takes any string as a tag and ignores it; tagmem tags must be GUIDs (§5)", false },
    { "tag no backend holds", ADD,
      ADD_ARGS("'region':0,'tag':'0123abcd-0000-4000-8000-00000000000a','extents':["
               EXT(106954752, M2) "]"),
      NULL, "no memory backend has tag 0123abcd-0000-4000-8000-00000000000a",
      "QEMU ignores tags; tagmem backs tagged capacity with the backend holding the tag", false },
    { "host-id beyond num-hosts", ADD,
      "{" PATH ",'host-id':1,'selection-policy':'prescriptive','region':0,'extents':["
      EXT(109051904, M2) "]}",
      NULL, "host-id 1 is out of range: device 'cxl-dcd0' has 1 hosts",
      "QEMU ignores host-id; tagmem has num-hosts hosts and checks it (§5)", false },
    { "empty prescriptive add", ADD, ADD_ARGS("'region':0,'extents':[]"),
      NULL, "prescriptive add needs at least one extent",
      "QEMU answers {} for an add that offers nothing; tagmem says why it does nothing", false },
    { "empty prescriptive release", REL, REL_ARGS("'region':0,'extents':[]"),
      NULL, "prescriptive release needs at least one extent",
      "QEMU answers {} for a release that names nothing; tagmem says why it does nothing", false },
    { "negative offset", ADD, ADD_ARGS("'region':0,'extents':[" EXT(-1, M2) "]"),
      "dpa or len is not aligned to region block size",
      "Parameter 'extents[0].offset' expects uint64, got negative value -1",
      "QEMU wraps a negative uint64 (-1 to 2^64 - 1, an aligned one aborts it); tagmem refuses it",
      false },
    { "negative size", "object-add", "{'qom-type':'memory-backend-ram','id':'m1','size':-4096}",
      NULL, "Parameter 'size' expects uint64, got negative value -4096",
      "QEMU wraps size -4096 to 2^64 - 4096 and exits (\"Failed to find gap of requested size\"); "
      "tagmem refuses it", true },
    { "offset + len wraps past 2^64", ADD,
      ADD_ARGS("'region':1,'extents':[" EXT(18446744073707454464, M2) "]"),
      NULL, "extent range is beyond the region end",
      "QEMU's end check (offset + len > region length) wraps and QEMU aborts; tagmem refuses",
      true },
    { "free selection", ADD,
      "{" PATH ",'host-id':0,'selection-policy':'free','region':0,'extents':[" EXT(0, M4) "]}",
      "Selection policy not supported", NULL,
      "tagmem supports free selection; the length is the sum of the extents' len", false },
    { "contiguous selection", ADD,
      "{" PATH ",'host-id':0,'selection-policy':'contiguous','region':0,'extents':["
      EXT(0, M4) "]}", "Selection policy not supported", NULL,
      "tagmem supports contiguous selection; the length is the sum of the extents' len", false },
    { "enable-shared-access", ADD,
      "{" PATH ",'host-id':0,'selection-policy':'enable-shared-access','region':0,"
      "'extents':[]}", "Selection policy not supported", "enable-shared-access needs a tag",
      "tagmem supports sharing; without a tag there is nothing to share", false },
    { "tag-based removal", REL,
      "{" PATH ",'host-id':0,'removal-policy':'tag-based','region':0,"
      "'tag':'0123abcd-0000-4000-8000-00000000000a','extents':[]}",
      "Removal policy not supported",
      "tag 0123abcd-0000-4000-8000-00000000000a has no capacity committed to host 0",
      "tagmem supports tag-based removal; the tag has no accepted capacity", false },
    { "forced removal", REL,
      REL_ARGS("'region':0,'forced-removal':true,'extents':[" EXT(52428800, M2) "]"),
      "Forced removal not supported yet", "cannot release extent with non-existing DPA range",
      "tagmem supports forced removal; the range was never accepted", false },
    { "release status query", "cxl-release-dynamic-capacity-status",
      "{'qom-path':'/machine/peripheral/cxl-dcd0','host-id':0,'region':0,"
      "'tag':'0123abcd-0000-4000-8000-00000000000a'}",
      "has not been found", "was never offered to host 0",
      "the seed series' status command is not in QEMU 10.0", false },
    { "query-cxl-dynamic-capacity", "query-cxl-dynamic-capacity", NULL,
      "has not been found", NULL, "tagmem's own query", false },
    { "poison of length 0", POISON, "{" PATH ",'start':12288,'length':0}",
      NULL, "Poison injection length must not be 0",
      "QEMU lists an empty poison record that poisons nothing; tagmem says why it does nothing",
      false },
    { "poison beyond the device's capacity", POISON, "{" PATH ",'start':1073741824,'length':64}",
      NULL, "is not inside one DC region",
      "QEMU lists poison at any DPA; tagmem poisons only DPA of its DC regions", false },
    { "query-cxl-poison", "query-cxl-poison", "{" PATH "}",
      "has not been found", NULL, "tagmem's own query", false },
    { "general media outside every DC region", GM,
      "{" PATH ",'log':'warning','flags':1,'dpa':1099511627776,'descriptor':0,'type':0,"
      "'transaction-type':0}", NULL, "is outside every DC region of device 'cxl-dcd0'",
      "QEMU logs an event at any DPA; tagmem refuses a DPA its device does not have", false },
    { "dram, correction-mask element negative", DRAM, GM_ARGS(",'correction-mask':[1,-1]"),
      NULL, "Parameter 'correction-mask[1]' expects uint64, got negative value -1",
      "QEMU wraps a negative uint64 (-1 to 2^64 - 1); tagmem refuses it", false },
    { "uncorrectable errors", UNCOR,
      "{" PATH ",'errors':[{'type':'internal','header':[1,2]}]}", NULL,
      "a tagmem device has no PCIe link",
      "QEMU reports them through AER on the device's PCIe link; tagmem has none", false },
    { "correctable error", COR, "{" PATH ",'type':'mem-data-ecc'}", NULL,
      "a tagmem device has no PCIe link",
      "QEMU reports them through AER on the device's PCIe link; tagmem has none", false },
    { "query-cxl-health", "query-cxl-health", "{" PATH "}", "has not been found", NULL,
      "tagmem's own query", false },
};

static void check_side(const DifferentCase *c, const char *side, json_object *reply,
                       const char *expected)
{
    const char *error = error_desc(reply);

    if ((error == NULL) != (expected == NULL) || (error && strstr(error, expected) == NULL)) {
        g_error("%s: %s answered %s, expected %s", c->name, side,
                json_object_to_json_string(reply), expected ? expected : "success");
    }
}

static void check_different(const DifferentCase *c, json_object *qemu_reply,
                            json_object *tagmem_reply)
{
    if (qemu_reply) {
        check_side(c, "QEMU", qemu_reply, c->qemu);
    }
    check_side(c, "tagmemd", tagmem_reply, c->tagmem);
    printf("ok - differs on purpose: %s: QEMU %s, tagmem %s; %s\n", c->name,
           c->qemu_aborts ? "(not sent: aborts)" : c->qemu ? c->qemu : "succeeds",
           c->tagmem ? c->tagmem : "succeeds", c->reason);
}

/* ---- the runs ---- */

/* False when QEMU could not start (the test is then skipped). */
static bool run_requests(const char *qemu_path)
{
    static const char *const tagmem_args[] = {
        "-nodefaults", "-object", MEMDEV_LINE, "-device", DEVICE_LINE, NULL,
    };
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *why = NULL;
    g_autoptr(TmTestQemu) qemu =
        tm_test_qemu_start(qemu_path, dir, MEMDEV_LINE, DEVICE_LINE, &why);

    if (qemu == NULL) {
        printf("SKIP: %s cannot run the reference CXL machine: %s\n", qemu_path, why);
        tm_test_remove_tree(dir);
        return false;
    }
    g_autoptr(TmQmpConn) qemu_conn = tm_test_qemu_connect(qemu);
    g_autoptr(TmTestDaemon) tagmemd = tm_test_daemon_start(tagmem_args);
    g_autoptr(TmQmpConn) tagmem_conn = tm_test_daemon_connect(tagmemd);

    for (size_t i = 0; i < G_N_ELEMENTS(same_cases); i++) {
        const SameCase *c = &same_cases[i];
        g_autoptr(json_object) qemu_reply = execute(qemu_conn, c->command, c->arguments);
        g_autoptr(json_object) tagmem_reply = execute(tagmem_conn, c->command, c->arguments);

        check_same(c, qemu_reply, tagmem_reply);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(different_cases); i++) {
        const DifferentCase *c = &different_cases[i];
        g_autoptr(json_object) qemu_reply =
            c->qemu_aborts ? NULL : execute(qemu_conn, c->command, c->arguments);
        g_autoptr(json_object) tagmem_reply = execute(tagmem_conn, c->command, c->arguments);

        check_different(c, qemu_reply, tagmem_reply);
    }
    /* QEMU is still alive and answering after every case. */
    g_autoptr(json_object) version = execute(qemu_conn, "query-version", NULL);
    g_assert_null(error_class(version));
    tm_test_qemu_quit(qemu, qemu_conn);
    g_assert_cmpint(tm_test_daemon_stop(tagmemd, SIGTERM), ==, 0);
    tm_test_remove_tree(dir);
    return true;
}

/* QEMU takes num-dc-regions=9 (and overruns its 8-entry array); tagmemd refuses it. */
static bool run_nine_regions(const char *qemu_path)
{
    static const char *const memdev = "memory-backend-ram,id=dc0,size=2304M";
    static const char *const device =
        "cxl-type3,bus=rp0,volatile-dc-memdev=dc0,num-dc-regions=9,id=cxl-dcd0";
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *why = NULL;
    g_autoptr(TmTestQemu) qemu = tm_test_qemu_start(qemu_path, dir, memdev, device, &why);

    if (qemu == NULL) {
        printf("SKIP: %s cannot run the reference CXL machine: %s\n", qemu_path, why);
        tm_test_remove_tree(dir);
        return false;
    }
    g_autoptr(TmQmpConn) qemu_conn = tm_test_qemu_connect(qemu);
    g_autoptr(json_object) regions = execute(qemu_conn, "qom-get",
                                             "{'path':'/machine/peripheral/cxl-dcd0',"
                                             "'property':'num-dc-regions'}");
    g_assert_cmpint(json_object_get_int(json_object_object_get(regions, "return")), ==, 9);
    tm_test_qemu_quit(qemu, qemu_conn);

    g_autofree char *socket = g_strdup_printf("unix:%s/tagmem.sock,server=on,wait=off", dir);
    const char *args[] = { "-qmp", socket, "-object", memdev, "-device", device, NULL };
    g_autofree char *stderr_text = NULL;
    g_assert_cmpint(tm_test_run_tagmemd(args, dir, &stderr_text), ==, 1);
    if (strstr(stderr_text, "num-dc-regions doesn't take value 9") == NULL ||
        strstr(stderr_text, "maximum: 8") == NULL) {
        g_error("tagmemd with num-dc-regions=9: %s", stderr_text);
    }
    printf("ok - differs on purpose: num-dc-regions=9: QEMU starts with 9 regions, tagmemd "
           "refuses (QEMU overruns its 8-entry region array, §5)\n");
    tm_test_remove_tree(dir);
    return true;
}

int main(void)
{
    const char *qemu_path = tm_test_qemu_binary();

    if (qemu_path == NULL) {
        printf("SKIP: qemu-system-x86_64 not found in PATH (set QEMU to its path)\n");
        return EXIT_SKIP;
    }
    if (!run_requests(qemu_path) || !run_nine_regions(qemu_path)) {
        return EXIT_SKIP;
    }
    return 0;
}

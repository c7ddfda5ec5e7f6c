/*
 * tagmem fm: a fabric manager on a device's FM socket, speaking the binary
 * FM-API (docs/fm-api.md) instead of QMP.
 *
 *   tagmem fm [--fm PATH] [--json] VERB [OPTIONS]
 *
 * Verbs: dcd-info, regions, extents, tags, add, release, withdraw, add-ref,
 * remove-ref, set-region.  Lists are read page by page until complete.  A
 * command the device refuses prints its CXL return code.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cci/cxl_commands.h"
#include "cci/cxl_opcodes.h"
#include "cci/cxl_return_codes.h"
#include "cci/vendor_commands.h"
#include "cli/cli.h"
#include "cli/fm_conn.h"
#include "cli/fm_print.h"
#include "core/guid.h"
#include "core/runtime_dir.h"
#include "core/size.h"

/* Items asked for per page: the device returns as many as fit. */
#define TM_FM_PAGE 0xFFFFFFFFu

typedef struct {
    TmFmConn *conn;
    const char *verb;
} FmSession;

/* One command; false (message printed) unless it succeeded.  *@out may be NULL. */
static bool fm_call(FmSession *fm, uint16_t opcode, const void *payload, size_t length,
                    GByteArray **out)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GByteArray) response = NULL;
    uint16_t rc;

    if (!tm_fm_conn_call(fm->conn, opcode, payload, length, &rc, &response, &err)) {
        tm_cli_fail("fm %s: %s", fm->verb, err->message);
        return false;
    }
    if (rc != TM_CXL_RC_SUCCESS) {
        tm_cli_fail("fm %s: %s (%04Xh) failed: %s (%02Xh)", fm->verb, tm_cxl_opcode_name(opcode),
                    opcode, tm_cxl_return_code_name(rc), rc);
        return false;
    }
    if (out) {
        *out = g_steal_pointer(&response);
    }
    return true;
}

static uint64_t le64_at(const uint8_t *bytes)
{
    uint64_t value;

    memcpy(&value, bytes, sizeof(value));
    return le64toh(value);
}

static uint32_t le32_at(const uint8_t *bytes)
{
    uint32_t value;

    memcpy(&value, bytes, sizeof(value));
    return le32toh(value);
}

static json_object *tag_json(const uint8_t bytes[16])
{
    TmGuid guid;
    char text[TM_GUID_STRING_LEN + 1];

    memcpy(guid.bytes, bytes, sizeof(guid.bytes));
    tm_guid_format(&guid, text);
    return json_object_new_string(text);
}

/* Host ids whose bit is set in a 32-byte bitmap. */
static json_object *hosts_json(const uint8_t bitmap[32])
{
    json_object *hosts = json_object_new_array();

    for (unsigned host = 0; host < 256; host++) {
        if (bitmap[host / 8] & (1u << (host % 8))) {
            json_object_array_add(hosts, json_object_new_int(host));
        }
    }
    return hosts;
}

static json_object *policy_names(uint16_t bits, const char *const *names)
{
    json_object *list = json_object_new_array();

    for (unsigned i = 0; names[i]; i++) {
        if (bits & (1u << i)) {
            json_object_array_add(list, json_object_new_string(names[i]));
        }
    }
    return list;
}

/* ---- dcd-info ---- */

static bool verb_dcd_info(FmSession *fm, json_object *answer)
{
    static const char *const selection[] = {
        "free", "contiguous", "prescriptive", "enable-shared-access", NULL,
    };
    static const char *const removal[] = { "tag-based", "prescriptive", NULL };
    g_autoptr(GByteArray) rsp = NULL;
    TmCxlGetDcdInfoResponse info;

    if (!fm_call(fm, TM_CXL_OP_GET_DCD_INFO, NULL, 0, &rsp)) {
        return false;
    }
    if (rsp->len < sizeof(info)) {
        tm_cli_fail("fm dcd-info: an answer of %u bytes, expected %zu", rsp->len, sizeof(info));
        return false;
    }
    memcpy(&info, rsp->data, sizeof(info));
    json_object_object_add(answer, "hosts", json_object_new_int(info.num_hosts));
    json_object_object_add(answer, "regions_supported",
                           json_object_new_int(info.num_supported_regions));
    json_object_object_add(answer, "selection_policies",
                           policy_names(le16toh(info.add_selection_policies), selection));
    json_object_object_add(answer, "removal_policies",
                           policy_names(le16toh(info.removal_policies), removal));
    json_object_object_add(answer, "total_capacity",
                           json_object_new_uint64(le64toh(info.total_dynamic_capacity) *
                                                  (UINT64_C(256) << 20)));
    json_object *regions = json_object_new_array();
    for (unsigned r = 0; r < info.num_supported_regions && r < 8; r++) {
        json_object *region = json_object_new_object();
        uint64_t mask = le64toh(info.region_block_size_masks[r]);

        json_object_object_add(region, "region", json_object_new_int(r));
        json_object *sizes = json_object_new_array();
        for (unsigned bit = 0; bit < 64; bit++) {
            if (mask & (UINT64_C(1) << bit)) {
                json_object_array_add(sizes, json_object_new_uint64(UINT64_C(1) << bit));
            }
        }
        json_object_object_add(region, "block_sizes", sizes);
        json_object_object_add(region, "sanitize_on_release_settable",
                               json_object_new_boolean(info.sanitize_on_release_mask &
                                                       (1u << r)));
        json_object_array_add(regions, region);
    }
    json_object_object_add(answer, "regions", regions);
    return true;
}

/* ---- regions --host N ---- */

static json_object *host_region_json(unsigned index, const TmCxlHostDcRegionConfig *config)
{
    json_object *region = json_object_new_object();

    json_object_object_add(region, "region", json_object_new_int(index));
    json_object_object_add(region, "base", json_object_new_uint64(le64toh(config->base)));
    json_object_object_add(region, "decode_length",
                           json_object_new_uint64(le64toh(config->decode_length) *
                                                  (UINT64_C(256) << 20)));
    json_object_object_add(region, "length", json_object_new_uint64(le64toh(config->length)));
    json_object_object_add(region, "block_size",
                           json_object_new_uint64(le64toh(config->block_size)));
    json_object_object_add(region, "sharable",
                           json_object_new_boolean(config->flags & (1u << 3)));
    json_object_object_add(region, "sanitize_on_release",
                           json_object_new_boolean(config->sanitize_on_release & 1));
    return region;
}

static bool verb_regions(FmSession *fm, uint16_t host, json_object *answer)
{
    json_object *regions = json_object_new_array();
    unsigned start = 0, available = 1;

    json_object_object_add(answer, "host", json_object_new_int(host));
    json_object_object_add(answer, "regions", regions);
    while (start < available) {
        TmCxlGetHostDcRegionConfigRequest req = {
            .host_id = htole16(host), .region_count = 8, .start_region = (uint8_t)start,
        };
        g_autoptr(GByteArray) rsp = NULL;

        if (!fm_call(fm, TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, &req, sizeof(req), &rsp)) {
            return false;
        }
        available = rsp->data[2];
        unsigned returned = rsp->data[3];
        const uint8_t *at = rsp->data + sizeof(TmCxlGetHostDcRegionConfigResponse);
        for (unsigned i = 0; i < returned; i++, at += sizeof(TmCxlHostDcRegionConfig)) {
            TmCxlHostDcRegionConfig config;
            memcpy(&config, at, sizeof(config));
            json_object_array_add(regions, host_region_json(start + i, &config));
        }
        json_object_object_add(answer, "extents_supported", json_object_new_int64(le32_at(at)));
        json_object_object_add(answer, "extents_available",
                               json_object_new_int64(le32_at(at + 4)));
        json_object_object_add(answer, "tags_supported", json_object_new_int64(le32_at(at + 8)));
        json_object_object_add(answer, "tags_available", json_object_new_int64(le32_at(at + 12)));
        if (returned == 0) {
            break;
        }
        start += returned;
    }
    return true;
}

/* ---- extents --host N ---- */

static json_object *extent_json(const uint8_t *wire)
{
    json_object *extent = json_object_new_object();
    static const uint8_t untagged[16] = { 0 };

    json_object_object_add(extent, "dpa", json_object_new_uint64(le64_at(wire)));
    json_object_object_add(extent, "length", json_object_new_uint64(le64_at(wire + 8)));
    json_object_object_add(extent, "tag", memcmp(wire + 16, untagged, 16)
                                              ? tag_json(wire + 16)
                                              : json_object_new_string("-"));
    json_object_object_add(extent, "shared_seq",
                           json_object_new_int(wire[32] | (wire[33] << 8)));
    return extent;
}

static bool verb_extents(FmSession *fm, uint16_t host, json_object *answer)
{
    json_object *extents = json_object_new_array();
    uint32_t start = 0, total = 1, generation = 0;

    while (start < total) {
        TmCxlGetDcRegionExtentListsRequest req = {
            .host_id = htole16(host), .extent_count = htole32(TM_FM_PAGE),
            .start_index = htole32(start),
        };
        g_autoptr(GByteArray) rsp = NULL;

        if (!fm_call(fm, TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS, &req, sizeof(req), &rsp)) {
            json_object_put(extents);
            return false;
        }
        uint32_t returned = le32_at(rsp->data + 8);
        total = le32_at(rsp->data + 12);
        generation = le32_at(rsp->data + 16);
        for (uint32_t i = 0; i < returned; i++) {
            json_object_array_add(extents, extent_json(rsp->data + 24 + i * 40));
        }
        if (returned == 0) {
            break;
        }
        start += returned;
    }
    json_object_object_add(answer, "host", json_object_new_int(host));
    json_object_object_add(answer, "generation", json_object_new_int64(generation));
    json_object_object_add(answer, "extents", extents);
    return true;
}

/* ---- tags ---- */

static json_object *tag_entry_json(const uint8_t *wire)
{
    json_object *tag = json_object_new_object();

    json_object_object_add(tag, "tag", tag_json(wire));
    json_object_object_add(tag, "referenced", json_object_new_boolean(wire[16] & 1));
    json_object_object_add(tag, "hosts", hosts_json(wire + 20));
    json_object_object_add(tag, "pending_hosts", hosts_json(wire + 52));
    return tag;
}

static bool verb_tags(FmSession *fm, json_object *answer)
{
    json_object *tags = json_object_new_array();
    uint32_t start = 0, total = 1, generation = 0;

    while (start < total) {
        TmCxlDcListTagsRequest req = {
            .start_index = htole32(start), .tag_count = htole32(TM_FM_PAGE),
        };
        g_autoptr(GByteArray) rsp = NULL;

        if (!fm_call(fm, TM_CXL_OP_DC_LIST_TAGS, &req, sizeof(req), &rsp)) {
            json_object_put(tags);
            return false;
        }
        generation = le32_at(rsp->data);
        total = le32_at(rsp->data + 4);
        uint32_t returned = le32_at(rsp->data + 8);
        for (uint32_t i = 0; i < returned; i++) {
            json_object_array_add(tags, tag_entry_json(rsp->data + 16 + i * 84));
        }
        if (returned == 0) {
            break;
        }
        start += returned;
    }
    json_object_object_add(answer, "generation", json_object_new_int64(generation));
    json_object_object_add(answer, "tags", tags);
    return true;
}

/* ---- add, release ---- */

/* "DPA:LEN" (sizes as QEMU writes them) into a 40-byte extent. */
static bool parse_extent(const char *text, TmCxlDcExtent *out)
{
    g_auto(GStrv) parts = g_strsplit(text, ":", 2);
    g_autoptr(GError) err = NULL;
    uint64_t dpa, length;

    if (g_strv_length(parts) != 2 || !tm_size_parse(parts[0], "--extent DPA", &dpa, &err) ||
        !tm_size_parse(parts[1], "--extent LEN", &length, &err)) {
        tm_cli_fail("--extent '%s': %s", text,
                    err ? err->message : "expected DPA:LEN, e.g. 0x10000000:2M");
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->start_dpa = htole64(dpa);
    out->length = htole64(length);
    return true;
}

/* A 5604h/5605h payload: its 32-byte @header, then the --extent values. */
static GByteArray *dc_request(const void *header, size_t header_size, char **extents)
{
    GByteArray *payload = g_byte_array_new();

    g_byte_array_append(payload, header, (guint)header_size);
    for (char **e = extents; e && *e; e++) {
        TmCxlDcExtent extent;

        if (!parse_extent(*e, &extent)) {
            g_byte_array_unref(payload);
            return NULL;
        }
        g_byte_array_append(payload, (const guint8 *)&extent, sizeof(extent));
    }
    return payload;
}

static uint32_t extent_count(char **extents)
{
    return extents ? g_strv_length(extents) : 0;
}

static bool parse_tag_option(const char *text, TmGuid *tag)
{
    g_autoptr(GError) err = NULL;

    memset(tag, 0, sizeof(*tag));
    if (text && !tm_guid_parse(text, "--tag", tag, &err)) {
        tm_cli_fail("%s", err->message);
        return false;
    }
    return true;
}

static int policy_value(const char *text)
{
    static const char *const names[] = {
        "free", "contiguous", "prescriptive", "enable-shared-access",
    };

    for (int i = 0; i < 4; i++) {
        if (g_strcmp0(text, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

typedef struct {
    gint host;
    gint region;
    char *policy;
    char *tag;
    char *size;
    char **extents;
    gboolean force;
    gboolean sanitize;
    char *block_size;
    gint64 request_id;
} VerbOptions;

static bool verb_add(FmSession *fm, const VerbOptions *o)
{
    int policy = policy_value(o->policy ? o->policy : "prescriptive");
    uint64_t length = 0;
    g_autoptr(GError) err = NULL;
    TmGuid tag;

    if (policy < 0) {
        tm_cli_fail("--policy '%s': expected free, contiguous, prescriptive or "
                    "enable-shared-access", o->policy);
        return false;
    }
    if (o->size && !tm_size_parse(o->size, "--size", &length, &err)) {
        tm_cli_fail("%s", err->message);
        return false;
    }
    if (!parse_tag_option(o->tag, &tag)) {
        return false;
    }
    TmCxlInitiateDcAddRequest header = {
        .host_id = htole16((uint16_t)o->host), .selection_policy = (uint8_t)policy,
        .region = (uint8_t)o->region, .length = htole64(length),
        .extent_count = htole32(extent_count(o->extents)),
    };
    memcpy(header.tag, tag.bytes, sizeof(header.tag));
    g_autoptr(GByteArray) req = dc_request(&header, sizeof(header), o->extents);
    return req && fm_call(fm, TM_CXL_OP_INITIATE_DC_ADD, req->data, req->len, NULL);
}

static bool verb_release(FmSession *fm, const VerbOptions *o)
{
    TmGuid tag;

    if (!parse_tag_option(o->tag, &tag)) {
        return false;
    }
    if ((o->extents == NULL) == (o->tag == NULL)) {
        tm_cli_fail("fm release: give --tag (tag-based) or --extent (prescriptive)");
        return false;
    }
    uint8_t flags = o->extents ? TM_CXL_DC_RELEASE_PRESCRIPTIVE : TM_CXL_DC_RELEASE_TAG_BASED;
    flags |= o->force ? TM_CXL_DC_RELEASE_FLAG_FORCED : 0;
    flags |= o->sanitize ? TM_CXL_DC_RELEASE_FLAG_SANITIZE_ON_RELEASE : 0;
    TmCxlInitiateDcReleaseRequest header = {
        .host_id = htole16((uint16_t)o->host), .flags = flags,
        .extent_count = htole32(extent_count(o->extents)),
    };
    memcpy(header.tag, tag.bytes, sizeof(header.tag));
    g_autoptr(GByteArray) req = dc_request(&header, sizeof(header), o->extents);
    return req && fm_call(fm, TM_CXL_OP_INITIATE_DC_RELEASE, req->data, req->len, NULL);
}

/* tagmem's C100h: take back add requests the host has not answered. */
static bool verb_withdraw(FmSession *fm, const VerbOptions *o)
{
    TmVendorWithdrawRequest req = {
        .host_id = htole16((uint16_t)o->host),
        .add_request_id = htole64((uint64_t)o->request_id),
    };
    TmGuid tag;

    if (o->request_id < 0) {
        tm_cli_fail("fm withdraw: --id %" G_GINT64_FORMAT " is not an add request number",
                    o->request_id);
        return false;
    }
    if (o->tag) {
        if (!parse_tag_option(o->tag, &tag)) {
            return false;
        }
        memcpy(req.tag, tag.bytes, sizeof(req.tag));
        req.flags = TM_VENDOR_WITHDRAW_BY_TAG;
    }
    return fm_call(fm, TM_CXL_OP_WITHDRAW_DC, &req, sizeof(req), NULL);
}

static bool verb_reference(FmSession *fm, uint16_t opcode, const char *tag_text)
{
    TmCxlDcAddReferenceRequest req;
    TmGuid tag;

    if (tag_text == NULL) {
        tm_cli_fail("fm %s: --tag is required", fm->verb);
        return false;
    }
    if (!parse_tag_option(tag_text, &tag)) {
        return false;
    }
    memcpy(req.tag, tag.bytes, sizeof(req.tag));
    return fm_call(fm, opcode, &req, sizeof(req), NULL);
}

static bool verb_set_region(FmSession *fm, const VerbOptions *o)
{
    g_autoptr(GError) err = NULL;
    uint64_t block_size;

    if (o->block_size == NULL || !tm_size_parse(o->block_size, "--block-size", &block_size,
                                                &err)) {
        tm_cli_fail("fm set-region: %s", err ? err->message : "--block-size is required");
        return false;
    }
    TmCxlSetDcRegionConfigRequest req = {
        .region = (uint8_t)o->region,
        .block_size = htole64(block_size),
        .sanitize_on_release = o->sanitize ? 1 : 0,
    };
    return fm_call(fm, TM_CXL_OP_SET_DC_REGION_CONFIG, &req, sizeof(req), NULL);
}

/* ---- the command ---- */

static const char *const verb_help =
    "Verbs:\n"
    "  dcd-info                                   hosts, regions, policies, capacity\n"
    "  regions --host N                           host N's view of the regions\n"
    "  extents --host N                           host N's accepted extents\n"
    "  tags                                       tags with an allocation\n"
    "  add --host N --region R [--policy P] [--tag UUID] [--size SIZE] [--extent DPA:LEN]...\n"
    "  release --host N (--tag UUID | --extent DPA:LEN...) [--force] [--sanitize]\n"
    "  withdraw --host N [--id N] [--tag UUID]   take back offers host N has not answered\n"
    "  add-ref --tag UUID | remove-ref --tag UUID  FM references on a tag\n"
    "  set-region --region R --block-size SIZE [--sanitize]\n"
    "Sizes take K, M, G, T suffixes; P is free, contiguous, prescriptive (default) or\n"
    "enable-shared-access.  The socket defaults to the first device's fm.sock.";

static bool run_verb(FmSession *fm, const VerbOptions *o, json_object *answer, bool *printed)
{
    const char *verb = fm->verb;

    *printed = true;
    if (strcmp(verb, "dcd-info") == 0) {
        return verb_dcd_info(fm, answer);
    }
    if (strcmp(verb, "regions") == 0) {
        return verb_regions(fm, (uint16_t)o->host, answer);
    }
    if (strcmp(verb, "extents") == 0) {
        return verb_extents(fm, (uint16_t)o->host, answer);
    }
    if (strcmp(verb, "tags") == 0) {
        return verb_tags(fm, answer);
    }
    *printed = false;
    if (strcmp(verb, "add") == 0) {
        return verb_add(fm, o);
    }
    if (strcmp(verb, "release") == 0) {
        return verb_release(fm, o);
    }
    if (strcmp(verb, "withdraw") == 0) {
        return verb_withdraw(fm, o);
    }
    if (strcmp(verb, "add-ref") == 0) {
        return verb_reference(fm, TM_CXL_OP_DC_ADD_REFERENCE, o->tag);
    }
    if (strcmp(verb, "remove-ref") == 0) {
        return verb_reference(fm, TM_CXL_OP_DC_REMOVE_REFERENCE, o->tag);
    }
    if (strcmp(verb, "set-region") == 0) {
        return verb_set_region(fm, o);
    }
    tm_cli_fail("fm: unknown verb '%s' (see tagmem fm --help)", verb);
    return false;
}

/* Connect to @socket_path (NULL: the default) and run @verb; the exit status. */
static int run_on_socket(const char *socket_path, const char *verb, const VerbOptions *o,
                         bool as_json)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *runtime_dir = tm_runtime_dir_default();
    g_autofree char *default_path = g_build_filename(runtime_dir, "fm.sock", NULL);
    g_autoptr(TmFmConn) conn = tm_fm_conn_connect(socket_path ? socket_path : default_path, &err);

    if (conn == NULL) {
        return tm_cli_fail("fm: %s", err->message);
    }
    FmSession fm = { .conn = conn, .verb = verb };
    json_object *answer = json_object_new_object();
    bool printed;
    int status = 1;
    if (run_verb(&fm, o, answer, &printed)) {
        if (printed) {
            tm_fm_print(answer, as_json, stdout);
        }
        status = 0;
    }
    json_object_put(answer);
    return status;
}

int tm_cli_cmd_fm(const TmCliGlobal *global, int argc, char **argv)
{
    VerbOptions o = { .host = 0, .region = 0 };
    char *socket_path = NULL;
    gboolean as_json = FALSE;
    const GOptionEntry entries[] = {
        { "fm", 0, 0, G_OPTION_ARG_FILENAME, &socket_path, "the device's FM socket", "PATH" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "print JSON", NULL },
        { "host", 'H', 0, G_OPTION_ARG_INT, &o.host, "host id", "N" },
        { "region", 'r', 0, G_OPTION_ARG_INT, &o.region, "region id", "R" },
        { "policy", 0, 0, G_OPTION_ARG_STRING, &o.policy, "selection policy of add", "P" },
        { "tag", 't', 0, G_OPTION_ARG_STRING, &o.tag, "tag (a GUID)", "UUID" },
        { "size", 's', 0, G_OPTION_ARG_STRING, &o.size, "length of a free or contiguous add",
          "SIZE" },
        { "extent", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.extents, "an extent (repeatable)",
          "DPA:LEN" },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "forced removal", NULL },
        { "sanitize", 0, 0, G_OPTION_ARG_NONE, &o.sanitize,
          "sanitize on release (release, set-region)", NULL },
        { "block-size", 0, 0, G_OPTION_ARG_STRING, &o.block_size, "set-region's block size",
          "SIZE" },
        { "id", 0, 0, G_OPTION_ARG_INT64, &o.request_id,
          "withdraw's add request number (default: all)", "N" },
        G_OPTION_ENTRY_NULL,
    };
    int status = 1;

    (void)global;
    if (!tm_cli_parse_options("fm", "VERB", verb_help, entries, &argc, &argv)) {
        goto out;
    }
    if (argc != 2) {
        tm_cli_fail("fm: expected one verb (see tagmem fm --help)");
        goto out;
    }
    if (o.host < 0 || o.host > 0xFFFF || o.region < 0 || o.region > 0xFF) {
        tm_cli_fail("fm: --host %d or --region %d is out of range", o.host, o.region);
        goto out;
    }
    status = run_on_socket(socket_path, argv[1], &o, as_json);
out:
    g_free(socket_path);
    g_free(o.policy);
    g_free(o.tag);
    g_free(o.size);
    g_strfreev(o.extents);
    g_free(o.block_size);
    return status;
}

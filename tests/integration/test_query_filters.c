/*
 * Filters and paging of query-cxl-dynamic-capacity and query-memdev
 * (docs/qmp.md, "Filters and paging"), with the real daemon: two devices,
 * several hosts, regions and tags, extents pending, accepted, shared by
 * two hosts and asked back.  Every filter combination is checked against
 * the unfiltered answer filtered here (a shared tag whose allocation one
 * host's release split included); pages of every combination,
 * concatenated, against the same list; totals and pages past the end; the
 * bad arguments, one table row each; and tagmem list's filters and pages
 * against its unfiltered list.
 */
#include <string.h>

#include "cci_client.h"
#include "cli_run.h"
#include "e2e_daemon.h"

#define OP_ADD_DC_RESPONSE 0x4802
#define RC_SUCCESS 0x00
#define PAGE 7
#define N_TAGS 9

/* Tag of (device, host, region): 0xD H R; the shared one is S. */
#define TAG(d, h, r) "7a900000-0000-4000-8000-000000000" #d #h #r
#define TAG_SHARED "7a900000-0000-4000-8000-00000000005e"
#define TAG_UNKNOWN "7a900000-0000-4000-8000-0000000000ff"
#define TAG_NULL "00000000-0000-0000-0000-000000000000"

static const char *const tags[N_TAGS] = {
    TAG(0, 0, 0), TAG(0, 1, 0), TAG(0, 2, 0), TAG(0, 0, 1), TAG(0, 1, 1), TAG(0, 2, 1),
    TAG(1, 0, 0), TAG(1, 1, 0), TAG_SHARED,
};

#define TAGGED(id, t) "-object", "memory-backend-memfd,id=" id ",size=8M,tag=" t

static const char *const daemon_args[] = {
    "-object", "memory-backend-memfd,id=dc0,size=1G",
    "-object", "memory-backend-memfd,id=dc1,size=512M",
    TAGGED("t000", TAG(0, 0, 0)), TAGGED("t010", TAG(0, 1, 0)), TAGGED("t020", TAG(0, 2, 0)),
    TAGGED("t001", TAG(0, 0, 1)), TAGGED("t011", TAG(0, 1, 1)), TAGGED("t021", TAG(0, 2, 1)),
    TAGGED("t100", TAG(1, 0, 0)), TAGGED("t110", TAG(1, 1, 0)), TAGGED("shared", TAG_SHARED),
    "-object", "memory-backend-memfd,id=spare,size=2M",
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=3,"
               "dc-region-sharable=2",
    "-device", "cxl-type3,id=dcd1,volatile-dc-memdev=dc1,num-dc-regions=1,num-hosts=2",
    NULL,
};

typedef struct {
    TmE2e e2e;
    int hosts[2][3];  /* raw CCI host connections by device and host */
} Fixture;

static json_object *call(TmQmpConn *qmp, const char *command, const char *arguments)
{
    json_object *reply = tm_test_execute(qmp, command, arguments);
    json_object *value = json_object_get(tm_test_assert_return(reply));

    json_object_put(reply);
    return value;
}

static void call_ok(Fixture *fx, const char *command, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static void call_ok(Fixture *fx, const char *command, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_autofree char *arguments = g_strdup_vprintf(format, args);
    va_end(args);
    json_object_put(call(fx->e2e.qmp, command, arguments));
}

/* Prescriptive add of @n extents of @mib MiB from @first_mib (MiB from the region base). */
static void add(Fixture *fx, int dev, int host, int region, const char *tag, int first_mib,
                int n, int mib)
{
    g_autoptr(GString) extents = g_string_new(NULL);

    for (int i = 0; i < n; i++) {
        g_string_append_printf(extents, "%s{\"offset\": %" G_GUINT64_FORMAT ", \"len\": %"
                               G_GUINT64_FORMAT "}", i ? ", " : "",
                               (uint64_t)(first_mib + mib * i) * MiB, (uint64_t)mib * MiB);
    }
    call_ok(fx, "cxl-add-dynamic-capacity",
            "{\"path\": \"dcd%d\", \"host-id\": %d, \"selection-policy\": \"prescriptive\", "
            "\"region\": %d%s%s%s, \"extents\": [%s]}", dev, host, region,
            tag ? ", \"tag\": \"" : "", tag ? tag : "", tag ? "\"" : "", extents->str);
}

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

/* The host accepts every extent of its oldest pending group (4802h). */
static void accept_front(Fixture *fx, int dev, int host)
{
    g_autofree char *arguments = g_strdup_printf("{\"path\": \"dcd%d\", \"host-id\": %d}", dev,
                                                 host);
    json_object *devices = call(fx->e2e.qmp, "query-cxl-dynamic-capacity", arguments);
    json_object *host_entry = json_object_array_get_idx(
        json_object_object_get(json_object_array_get_idx(devices, 0), "hosts"), 0);
    json_object *group = json_object_array_get_idx(json_object_object_get(host_entry, "pending"),
                                                   0);
    json_object *extents = json_object_object_get(group, "extents");
    size_t n = json_object_array_length(extents);
    g_autofree uint8_t *payload = g_malloc0(8 + 24 * n);
    g_auto(TmTestCciPacket) response;

    payload[0] = (uint8_t)n;
    for (size_t i = 0; i < n; i++) {
        json_object *extent = json_object_array_get_idx(extents, i);
        put_le64(payload + 8 + 24 * i, json_object_get_uint64(json_object_object_get(extent,
                                                                                      "dpa")));
        put_le64(payload + 16 + 24 * i,
                 json_object_get_uint64(json_object_object_get(extent, "len")));
    }
    tm_test_cci_call(fx->hosts[dev][host], OP_ADD_DC_RESPONSE, payload, 8 + 24 * n, &response,
                     NULL);
    g_assert_cmpuint(response.return_code, ==, RC_SUCCESS);
    json_object_put(devices);
}

/*
 * Per device, host and region: an untagged group of two extents and a
 * tagged one of two, accepted; then an untagged and a tagged group of one,
 * left pending.  The sharable region 1 of dcd0 also holds a tag accepted
 * by hosts 0 and 1 at the same DPAs, and host 2 is asked to give one
 * extent back (release-pending).
 */
static void build_state(Fixture *fx)
{
    g_autofree char *socket0 = tm_e2e_host_socket(&fx->e2e, 0);
    g_autofree char *dir = g_path_get_dirname(socket0);

    for (int dev = 0; dev < 2; dev++) {
        for (int host = 0; host < 3 - dev; host++) {
            g_autofree char *name = dev ? g_strdup_printf("dcd1-host%d.sock", host)
                                        : g_strdup_printf("host%d.sock", host);
            g_autofree char *path = g_build_filename(dir, name, NULL);
            fx->hosts[dev][host] = tm_test_cci_connect_host(path);
        }
    }
    add(fx, 0, 0, 1, TAG_SHARED, 0, 1, 4);
    accept_front(fx, 0, 0);
    call_ok(fx, "cxl-add-dynamic-capacity",
            "{\"path\": \"dcd0\", \"host-id\": 1, \"selection-policy\": "
            "\"enable-shared-access\", \"region\": 1, \"tag\": \"" TAG_SHARED "\", "
            "\"extents\": []}");
    accept_front(fx, 0, 1);
    /* Host 1 loses half: the allocation splits in two, host 0's extent stays whole. */
    call_ok(fx, "cxl-release-dynamic-capacity",
            "{\"path\": \"dcd0\", \"host-id\": 1, \"removal-policy\": \"prescriptive\", "
            "\"forced-removal\": true, \"region\": 1, \"tag\": \"" TAG_SHARED "\", "
            "\"extents\": [{\"offset\": %" G_GUINT64_FORMAT ", \"len\": %" G_GUINT64_FORMAT
            "}]}", 2 * MiB, 2 * MiB);
    for (int dev = 0; dev < 2; dev++) {
        for (int host = 0; host < 3 - dev; host++) {
            int base = 8 + host * 32;

            /* A host answers its oldest group: accept first, then leave some pending. */
            for (int region = 0; region < 2 - dev; region++) {
                add(fx, dev, host, region, NULL, base, 2, 2);
                accept_front(fx, dev, host);
                add(fx, dev, host, region, tags[dev * 6 + region * 3 + host], base + 8, 2, 2);
                accept_front(fx, dev, host);
            }
            for (int region = 0; region < 2 - dev; region++) {
                add(fx, dev, host, region, NULL, base + 16, 1, 2);
                add(fx, dev, host, region, tags[dev * 6 + region * 3 + host], base + 24, 1, 2);
            }
        }
    }
    /* Host 2 is asked for the first extent of its region 0 back. */
    call_ok(fx, "cxl-release-dynamic-capacity",
            "{\"path\": \"dcd0\", \"host-id\": 2, \"removal-policy\": \"prescriptive\", "
            "\"region\": 0, \"extents\": [{\"offset\": %" G_GUINT64_FORMAT ", \"len\": %"
            G_GUINT64_FORMAT "}]}", (uint64_t)(8 + 2 * 32) * MiB, 2 * MiB);
}

static void fixture_start(Fixture *fx)
{
    tm_e2e_start(&fx->e2e, daemon_args);
    build_state(fx);
}

static void fixture_stop(Fixture *fx)
{
    for (int dev = 0; dev < 2; dev++) {
        for (int host = 0; host < 3 - dev; host++) {
            close(fx->hosts[dev][host]);
        }
    }
    tm_e2e_stop(&fx->e2e);
}

/* ---- the filter, applied here to the unfiltered answer ---- */

typedef struct {
    const char *path;   /* NULL: every device */
    int host;           /* -1: every host */
    int region;         /* -1: every region */
    const char *tag;    /* NULL: any */
    const char *state;  /* NULL: both */
} Filter;

static char *filter_arguments(const Filter *f, const char *page)
{
    GString *text = g_string_new("{");

    if (f->path) {
        g_string_append_printf(text, "\"path\": \"%s\", ", f->path);
    }
    if (f->host >= 0) {
        g_string_append_printf(text, "\"host-id\": %d, ", f->host);
    }
    if (f->region >= 0) {
        g_string_append_printf(text, "\"region\": %d, ", f->region);
    }
    if (f->tag) {
        g_string_append_printf(text, "\"tag\": \"%s\", ", f->tag);
    }
    if (f->state) {
        g_string_append_printf(text, "\"state\": \"%s\", ", f->state);
    }
    g_string_append(text, page ? page : "");
    if (text->len > 1 && text->str[text->len - 2] == ',') {
        g_string_truncate(text, text->len - 2);
    }
    g_string_append_c(text, '}');
    return g_string_free(text, FALSE);
}

static int64_t int_member(json_object *object, const char *name)
{
    return json_object_get_int64(json_object_object_get(object, name));
}

static bool tag_is(const Filter *f, json_object *object)
{
    json_object *tag = json_object_object_get(object, "tag");
    const char *text = tag ? json_object_get_string(tag) : TAG_NULL;

    return f->tag == NULL || strcmp(text, f->tag) == 0;
}

static bool region_is(const Filter *f, json_object *object)
{
    return f->region < 0 || int_member(object, "region") == f->region;
}

static bool host_listed(json_object *hosts, int host)
{
    for (size_t i = 0; i < json_object_array_length(hosts); i++) {
        if (json_object_get_int(json_object_array_get_idx(hosts, i)) == host) {
            return true;
        }
    }
    return false;
}

static json_object *copy_json(json_object *value)
{
    json_object *copy = NULL;

    g_assert_cmpint(json_object_deep_copy(value, &copy, NULL), ==, 0);
    return copy;
}

/* A list of the members of @array that @keep keeps. */
static json_object *kept(json_object *array, const Filter *f,
                         bool (*keep)(const Filter *f, json_object *item))
{
    json_object *out = json_object_new_array();

    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);
        if (keep(f, item)) {
            json_object_array_add(out, copy_json(item));
        }
    }
    return out;
}

static bool keep_region(const Filter *f, json_object *region)
{
    return region_is(f, region);
}

static bool keep_extent(const Filter *f, json_object *extent)
{
    return region_is(f, extent) && tag_is(f, extent);
}

static bool keep_group(const Filter *f, json_object *group)
{
    return keep_extent(f, group) && (f->state == NULL || strcmp(f->state, "pending") == 0);
}

static bool keep_accepted(const Filter *f, json_object *extent)
{
    return keep_extent(f, extent) && (f->state == NULL || strcmp(f->state, "accepted") == 0);
}

static bool keep_tag(const Filter *f, json_object *tag)
{
    return keep_extent(f, tag) &&
           (f->host < 0 || host_listed(json_object_object_get(tag, "pending-hosts"), f->host) ||
            host_listed(json_object_object_get(tag, "committed-hosts"), f->host));
}

static bool device_is(const Filter *f, json_object *device)
{
    return f->path == NULL || strcmp(json_object_get_string(json_object_object_get(device, "id")),
                                     f->path) == 0;
}

/* @device with its lists filtered; the other members as they are. */
static json_object *filter_device(const Filter *f, json_object *device)
{
    json_object *out = json_object_new_object();
    json_object *hosts = json_object_new_array();

    json_object_object_foreach(device, key, value) {
        if (strcmp(key, "regions") == 0) {
            json_object_object_add(out, key, kept(value, f, keep_region));
        } else if (strcmp(key, "hosts") == 0) {
            json_object_object_add(out, key, json_object_get(hosts));
        } else if (strcmp(key, "tags") == 0) {
            json_object_object_add(out, key, kept(value, f, keep_tag));
        } else {
            json_object_object_add(out, key, copy_json(value));
        }
    }
    json_object *all_hosts = json_object_object_get(device, "hosts");
    for (size_t h = 0; h < json_object_array_length(all_hosts); h++) {
        json_object *host = json_object_array_get_idx(all_hosts, h);
        if (f->host >= 0 && int_member(host, "host-id") != f->host) {
            continue;
        }
        json_object *entry = json_object_new_object();
        json_object_object_foreach(host, hkey, hvalue) {
            if (strcmp(hkey, "pending") == 0) {
                json_object_object_add(entry, hkey, kept(hvalue, f, keep_group));
            } else if (strcmp(hkey, "accepted") == 0) {
                json_object_object_add(entry, hkey, kept(hvalue, f, keep_accepted));
            } else {
                json_object_object_add(entry, hkey, copy_json(hvalue));
            }
        }
        json_object_array_add(hosts, entry);
    }
    json_object_put(hosts);
    return out;
}

static json_object *filter_answer(const Filter *f, json_object *all)
{
    json_object *out = json_object_new_array();

    for (size_t d = 0; d < json_object_array_length(all); d++) {
        json_object *device = json_object_array_get_idx(all, d);
        if (device_is(f, device)) {
            json_object_array_add(out, filter_device(f, device));
        }
    }
    return out;
}

/* The paged form's item for @extent: device, host, state (and group), then its members. */
static json_object *item(json_object *device, json_object *host, json_object *group,
                         json_object *extent)
{
    json_object *out = json_object_new_object();

    json_object_object_add(out, "device", copy_json(json_object_object_get(device, "id")));
    json_object_object_add(out, "host-id", copy_json(json_object_object_get(host, "host-id")));
    json_object_object_add(out, "state", json_object_new_string(group ? "pending" : "accepted"));
    if (group) {
        json_object_object_add(out, "group", copy_json(json_object_object_get(group, "id")));
    }
    json_object_object_foreach(extent, key, value) {
        json_object_object_add(out, key, copy_json(value));
    }
    return out;
}

/* The extents of a (filtered) answer as the paged form lists them. */
static json_object *flat_extents(json_object *answer)
{
    json_object *out = json_object_new_array();

    for (size_t d = 0; d < json_object_array_length(answer); d++) {
        json_object *device = json_object_array_get_idx(answer, d);
        json_object *hosts = json_object_object_get(device, "hosts");
        for (size_t h = 0; h < json_object_array_length(hosts); h++) {
            json_object *host = json_object_array_get_idx(hosts, h);
            json_object *pending = json_object_object_get(host, "pending");
            json_object *accepted = json_object_object_get(host, "accepted");
            for (size_t g = 0; g < json_object_array_length(pending); g++) {
                json_object *group = json_object_array_get_idx(pending, g);
                json_object *extents = json_object_object_get(group, "extents");
                for (size_t e = 0; e < json_object_array_length(extents); e++) {
                    json_object_array_add(out, item(device, host, group,
                                                    json_object_array_get_idx(extents, e)));
                }
            }
            for (size_t e = 0; e < json_object_array_length(accepted); e++) {
                json_object_array_add(out, item(device, host, NULL,
                                                json_object_array_get_idx(accepted, e)));
            }
        }
    }
    return out;
}

static void assert_same_json(json_object *got, json_object *want, const char *arguments)
{
    const char *got_text = json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN);
    const char *want_text = json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN);

    if (strcmp(got_text, want_text) != 0) {
        g_error("arguments %s:\n got  %s\n want %s", arguments, got_text, want_text);
    }
}

/* Pages of @size from 0 on, concatenated, are @want; every page says the total. */
static void check_pages(TmQmpConn *qmp, const Filter *f, json_object *want, int size)
{
    json_object *pages = json_object_new_array();
    size_t total = json_object_array_length(want);

    for (size_t start = 0;; start += (size_t)size) {
        g_autofree char *page = g_strdup_printf("\"start\": %zu, \"count\": %d", start, size);
        g_autofree char *arguments = filter_arguments(f, page);
        json_object *answer = call(qmp, "query-cxl-dynamic-capacity", arguments);
        json_object *extents = json_object_object_get(answer, "extents");

        g_assert_cmpint(int_member(answer, "total"), ==, (int64_t)total);
        g_assert_cmpint(int_member(answer, "start"), ==, (int64_t)start);
        g_assert_cmpuint(json_object_array_length(extents), ==,
                         start < total ? MIN((size_t)size, total - start) : 0);
        for (size_t i = 0; i < json_object_array_length(extents); i++) {
            json_object_array_add(pages, copy_json(json_object_array_get_idx(extents, i)));
        }
        json_object_put(answer);
        if (start >= total) {
            break;  /* the page at (or past) the end was empty, and said the total */
        }
    }
    assert_same_json(pages, want, "pages");
    json_object_put(pages);
}

static void check_filter(TmQmpConn *qmp, json_object *all, const Filter *f)
{
    g_autofree char *arguments = filter_arguments(f, NULL);
    json_object *got = call(qmp, "query-cxl-dynamic-capacity", arguments);
    json_object *want = filter_answer(f, all);
    json_object *want_flat = flat_extents(want);

    assert_same_json(got, want, arguments);
    check_pages(qmp, f, want_flat, PAGE);
    json_object_put(got);
    json_object_put(want);
    json_object_put(want_flat);
}

/* Does the filter name something a device it names does not have (an error, tested apart)? */
static bool names_missing(const Filter *f)
{
    return f->path && strcmp(f->path, "dcd1") == 0 && (f->host > 1 || f->region > 0);
}

static void test_every_filter_against_the_full_answer(void)
{
    static const char *const paths[] = { NULL, "dcd0", "dcd1" };
    static const char *const states[] = { NULL, "pending", "accepted" };
    const char *filter_tags[] = { NULL, TAG(0, 0, 0), TAG(0, 2, 1), TAG(1, 1, 0), TAG_SHARED,
                                  TAG_NULL, TAG_UNKNOWN };
    Fixture fx;
    guint checked = 0;

    fixture_start(&fx);
    json_object *all = call(fx.e2e.qmp, "query-cxl-dynamic-capacity", NULL);
    json_object *all_flat = flat_extents(all);

    /* The state the checks run on has what they are meant to tell apart. */
    g_autofree char *text = g_strdup(json_object_to_json_string(all));
    g_assert_nonnull(strstr(text, "\"release-pending\": true"));
    g_assert_cmpuint(json_object_array_length(all_flat), ==, 2 + 6 * 8);
    for (size_t p = 0; p < G_N_ELEMENTS(paths); p++) {
        for (int host = -1; host < 3; host++) {
            for (int region = -1; region < 2; region++) {
                for (size_t t = 0; t < G_N_ELEMENTS(filter_tags); t++) {
                    for (size_t s = 0; s < G_N_ELEMENTS(states); s++) {
                        Filter f = { paths[p], host, region, filter_tags[t], states[s] };
                        if (!names_missing(&f)) {
                            check_filter(fx.e2e.qmp, all, &f);
                            checked++;
                        }
                    }
                }
            }
        }
    }
    g_test_message("%u filter combinations checked", checked);
    /* Unfiltered pages of every size from 1 to past the end. */
    Filter none = { NULL, -1, -1, NULL, NULL };
    for (int size = 1; size <= (int)json_object_array_length(all_flat) + 1; size += 5) {
        check_pages(fx.e2e.qmp, &none, all_flat, size);
    }
    json_object_put(all_flat);
    json_object_put(all);
    fixture_stop(&fx);
}

/* ---- query-memdev ---- */

static void check_memdev_pages(TmQmpConn *qmp, const char *filter, json_object *want, int size)
{
    json_object *pages = json_object_new_array();
    size_t total = json_object_array_length(want);

    for (size_t start = 0; start <= total + (size_t)size; start += (size_t)size) {
        g_autofree char *arguments = g_strdup_printf("{%s\"start\": %zu, \"count\": %d}",
                                                     filter, start, size);
        json_object *answer = call(qmp, "query-memdev", arguments);
        json_object *memdevs = json_object_object_get(answer, "memdevs");

        g_assert_cmpint(int_member(answer, "total"), ==, (int64_t)total);
        g_assert_cmpint(int_member(answer, "start"), ==, (int64_t)start);
        for (size_t i = 0; i < json_object_array_length(memdevs); i++) {
            json_object_array_add(pages, copy_json(json_object_array_get_idx(memdevs, i)));
        }
        json_object_put(answer);
    }
    assert_same_json(pages, want, filter);
    json_object_put(pages);
}

/* A backend's "tag" is the filter's (the null GUID is no backend's tag). */
static bool keep_memdev(const Filter *f, json_object *memdev)
{
    json_object *tag = json_object_object_get(memdev, "tag");

    return tag && strcmp(json_object_get_string(tag), f->tag) == 0;
}

static void test_memdev_filters_and_pages(void)
{
    Fixture fx;

    fixture_start(&fx);
    json_object *all = call(fx.e2e.qmp, "query-memdev", NULL);
    g_assert_cmpuint(json_object_array_length(all), ==, 2 + N_TAGS + 1);
    for (int size = 1; size <= 13; size += 3) {
        check_memdev_pages(fx.e2e.qmp, "", all, size);
    }
    const char *filter_tags[N_TAGS + 2];
    memcpy(filter_tags, tags, sizeof(tags));
    filter_tags[N_TAGS] = TAG_UNKNOWN;
    filter_tags[N_TAGS + 1] = TAG_NULL;
    for (size_t t = 0; t < G_N_ELEMENTS(filter_tags); t++) {
        Filter f = { .tag = filter_tags[t] };
        json_object *want = kept(all, &f, keep_memdev);
        g_autofree char *arguments = g_strdup_printf("{\"tag\": \"%s\"}", filter_tags[t]);
        g_autofree char *filter = g_strdup_printf("\"tag\": \"%s\", ", filter_tags[t]);
        json_object *got = call(fx.e2e.qmp, "query-memdev", arguments);

        g_assert_cmpuint(json_object_array_length(want), ==, t < N_TAGS ? 1 : 0);
        assert_same_json(got, want, arguments);
        check_memdev_pages(fx.e2e.qmp, filter, want, 1);
        json_object_put(got);
        json_object_put(want);
    }

    /* A device's backends: its volatile-dc-memdev and its tags' backends. */
    json_object *devices = call(fx.e2e.qmp, "query-cxl-dynamic-capacity", NULL);
    for (size_t d = 0; d < json_object_array_length(devices); d++) {
        json_object *device = json_object_array_get_idx(devices, d);
        const char *id = json_object_get_string(json_object_object_get(device, "id"));
        json_object *device_tags = json_object_object_get(device, "tags");
        g_autoptr(GHashTable) used = g_hash_table_new(g_str_hash, g_str_equal);

        g_hash_table_add(used, (gpointer)json_object_get_string(
                                   json_object_object_get(device, "volatile-dc-memdev")));
        for (size_t t = 0; t < json_object_array_length(device_tags); t++) {
            json_object *backend = json_object_object_get(
                json_object_array_get_idx(device_tags, t), "backend");
            g_hash_table_add(used, (gpointer)json_object_get_string(backend));
        }
        json_object *want = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(all); i++) {
            json_object *memdev = json_object_array_get_idx(all, i);
            if (g_hash_table_contains(used, json_object_get_string(
                                                json_object_object_get(memdev, "id")))) {
                json_object_array_add(want, copy_json(memdev));
            }
        }
        g_assert_cmpuint(json_object_array_length(want), ==, strcmp(id, "dcd0") == 0 ? 8 : 3);
        g_autofree char *arguments = g_strdup_printf("{\"path\": \"%s\"}", id);
        g_autofree char *filter = g_strdup_printf("\"path\": \"%s\", ", id);
        json_object *got = call(fx.e2e.qmp, "query-memdev", arguments);
        assert_same_json(got, want, arguments);
        check_memdev_pages(fx.e2e.qmp, filter, want, 3);
        json_object_put(got);

        /* With a tag: its backend if the device uses it, else nothing. */
        for (size_t t = 0; t < N_TAGS; t++) {
            Filter f = { .tag = tags[t] };
            json_object *tagged = kept(want, &f, keep_memdev);
            g_autofree char *both = g_strdup_printf("{\"path\": \"%s\", \"tag\": \"%s\"}",
                                                    id, tags[t]);
            got = call(fx.e2e.qmp, "query-memdev", both);
            assert_same_json(got, tagged, both);
            json_object_put(got);
            json_object_put(tagged);
        }
        json_object_put(want);
    }
    json_object_put(devices);
    json_object_put(all);
    fixture_stop(&fx);
}

/* ---- bad arguments ---- */

typedef struct {
    const char *command;
    const char *arguments;
    const char *message;  /* a fragment of the error */
} BadCase;

static const BadCase bad_cases[] = {
    { "query-cxl-dynamic-capacity", "{\"count\": 0}",
      "Parameter 'count' expects a value from 1 to 10000, got 0" },
    { "query-cxl-dynamic-capacity", "{\"count\": 10001}",
      "Parameter 'count' expects a value from 1 to 10000, got 10001" },
    { "query-cxl-dynamic-capacity", "{\"count\": 4294967296}",
      "Parameter 'count' expects uint32_t" },
    { "query-cxl-dynamic-capacity", "{\"count\": \"5\"}", "Parameter 'count' expects uint64" },
    { "query-cxl-dynamic-capacity", "{\"count\": -1}", "Parameter 'count' expects uint32_t" },
    { "query-cxl-dynamic-capacity", "{\"start\": -1}",
      "Parameter 'start' expects uint64, got negative value -1" },
    { "query-cxl-dynamic-capacity", "{\"start\": 1.5}", "Parameter 'start' expects uint64" },
    { "query-cxl-dynamic-capacity", "{\"state\": \"held\"}",
      "Parameter 'state' does not accept value 'held'" },
    { "query-cxl-dynamic-capacity", "{\"state\": 1}",
      "Invalid parameter type for 'state', expected: string" },
    { "query-cxl-dynamic-capacity", "{\"path\": \"dcd9\"}", "Unable to resolve CXL type 3 device" },
    { "query-cxl-dynamic-capacity", "{\"path\": \"spare\"}",
      "Unable to resolve CXL type 3 device" },
    { "query-cxl-dynamic-capacity", "{\"path\": \"dcd1\", \"host-id\": 2}",
      "host-id 2 is out of range: device 'dcd1' has 2 hosts" },
    { "query-cxl-dynamic-capacity", "{\"path\": \"dcd1\", \"region\": 1}",
      "region id is too large" },
    { "query-cxl-dynamic-capacity", "{\"host-id\": 65536}", "Parameter 'host-id' expects uint16_t" },
    { "query-cxl-dynamic-capacity", "{\"region\": \"0\"}", "Parameter 'region' expects uint64" },
    { "query-cxl-dynamic-capacity", "{\"tag\": \"xyz\"}",
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'xyz'" },
    { "query-cxl-dynamic-capacity", "{\"tag\": 7}",
      "Invalid parameter type for 'tag', expected: string" },
    { "query-cxl-dynamic-capacity", "{\"page\": 1}", "Parameter 'page' is unexpected" },
    { "query-memdev", "{\"count\": 0}",
      "Parameter 'count' expects a value from 1 to 10000, got 0" },
    { "query-memdev", "{\"start\": 0, \"count\": 10001}",
      "Parameter 'count' expects a value from 1 to 10000, got 10001" },
    { "query-memdev", "{\"start\": \"a\"}", "Parameter 'start' expects uint64" },
    { "query-memdev", "{\"tag\": \"1234\"}",
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got '1234'" },
    { "query-memdev", "{\"tag\": null}", "Invalid parameter type for 'tag', expected: string" },
    { "query-memdev", "{\"host-id\": 0}", "Parameter 'host-id' is unexpected" },
    { "query-memdev", "{\"path\": \"dcd9\"}", "Unable to resolve CXL type 3 device" },
    { "query-memdev", "{\"path\": \"dc0\", \"tag\": \"x\"}",
      "Unable to resolve CXL type 3 device" },
    { "query-memdev", "{\"path\": \"dcd0\", \"tag\": \"x\"}",
      "Parameter 'tag' expects a GUID (8-4-4-4-12 hex digits), got 'x'" },
    { "query-memdev", "{\"path\": 0}", "Invalid parameter type for 'path', expected: string" },
};

static void test_bad_arguments(void)
{
    Fixture fx;

    tm_e2e_start(&fx.e2e, daemon_args);
    g_autofree char *before = tm_test_backend_snapshot(fx.e2e.qmp);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        json_object *reply = tm_test_execute(fx.e2e.qmp, bad_cases[i].command,
                                             bad_cases[i].arguments);
        g_test_message("%s %s", bad_cases[i].command, bad_cases[i].arguments);
        tm_test_assert_error(reply, "GenericError", bad_cases[i].message);
        json_object_put(reply);
    }
    g_autofree char *after = tm_test_backend_snapshot(fx.e2e.qmp);
    g_assert_cmpstr(before, ==, after);
    tm_e2e_stop(&fx.e2e);
}

/* ---- tagmem list ---- */

static json_object *list_json(const char *socket, const char *const *options)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();

    g_ptr_array_add(args, "--socket");
    g_ptr_array_add(args, (gpointer)socket);
    g_ptr_array_add(args, "list");
    g_ptr_array_add(args, "--json");
    for (size_t i = 0; options[i]; i++) {
        g_ptr_array_add(args, (gpointer)options[i]);
    }
    g_ptr_array_add(args, NULL);
    g_auto(CliRun) run = run_cli_argv(NULL, (const char *const *)args->pdata);
    if (run.status != 0) {
        g_error("tagmem list failed: %s", run.err);
    }
    json_object *value = json_tokener_parse(run.out);
    g_assert_nonnull(value);
    return value;
}

/* The records of @all whose @key is @value (a number or a string), all of them for NULL. */
static json_object *records_with(json_object *all, const char *key, const char *value)
{
    json_object *out = json_object_new_array();

    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *record = json_object_array_get_idx(all, i);
        json_object *field = json_object_object_get(record, key);
        if (value == NULL || (field && strcmp(json_object_get_string(field), value) == 0)) {
            json_object_array_add(out, copy_json(record));
        }
    }
    return out;
}

static void test_cli_list_filters_and_pages(void)
{
    Fixture fx;

    fixture_start(&fx);
    const char *socket = fx.e2e.daemon->socket_path;
    json_object *all = list_json(socket, (const char *const[]){ "-E", NULL });
    size_t total = json_object_array_length(all);
    g_assert_cmpuint(total, ==, 2 + 6 * 8);

    /* Filters: the daemon's answer is the full list's records that match. */
    json_object *dcd1 = records_with(all, "device", "dcd1");
    json_object *host1 = records_with(dcd1, "host", "1");
    json_object *got = list_json(socket, (const char *const[]){ "-E", "-d", "dcd1", "-H", "1",
                                                                NULL });
    assert_same_json(got, host1, "-d dcd1 -H 1");
    json_object_put(got);
    json_object *shared = records_with(all, "tag", TAG_SHARED);
    got = list_json(socket, (const char *const[]){ "-E", "-t", TAG_SHARED, NULL });
    g_assert_cmpuint(json_object_array_length(shared), ==, 2);
    assert_same_json(got, shared, "-t shared");
    json_object_put(got);
    json_object *pending = records_with(all, "state", "pending");
    got = list_json(socket, (const char *const[]){ "-E", "--state", "pending", NULL });
    g_assert_cmpuint(json_object_array_length(pending), ==, 2 * 8);
    assert_same_json(got, pending, "--state pending");
    json_object_put(got);
    json_object *backends = list_json(socket, (const char *const[]){ "-B", "-t", TAG(0, 1, 1),
                                                                     NULL });
    g_assert_cmpuint(json_object_array_length(backends), ==, 1);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(
                        json_object_array_get_idx(backends, 0), "backend")), ==, "t011");
    json_object *dcd1_backends = list_json(socket, (const char *const[]){ "-B", "-d", "dcd1",
                                                                          NULL });
    g_assert_cmpuint(json_object_array_length(dcd1_backends), ==, 3);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(
                        json_object_array_get_idx(dcd1_backends, 0), "backend")), ==, "dc1");
    json_object_put(dcd1_backends);

    /* Pages of 7, concatenated, are the full list; each says the total. */
    json_object *pages = json_object_new_array();
    for (size_t start = 0; start <= total; start += PAGE) {
        g_autofree char *start_text = g_strdup_printf("%zu", start);
        json_object *page = list_json(socket, (const char *const[]){ "--start", start_text,
                                                                     "--count", "7", NULL });
        json_object *records = json_object_object_get(page, "extents");
        g_assert_cmpint(int_member(page, "total"), ==, (int64_t)total);
        for (size_t i = 0; i < json_object_array_length(records); i++) {
            json_object_array_add(pages, copy_json(json_object_array_get_idx(records, i)));
        }
        json_object_put(page);
    }
    assert_same_json(pages, all, "pages");

    /* For people: the table and where the page is. */
    g_auto(CliRun) table = run_cli(NULL, "--socket", socket, "list", "--start", "49",
                                   "--count", "5", NULL);
    g_assert_cmpint(table.status, ==, 0);
    g_assert_nonnull(strstr(table.out, "extents 49 to 49 of 50\n"));
    g_auto(CliRun) past = run_cli(NULL, "--socket", socket, "list", "--start", "60", NULL);
    g_assert_cmpstr(past.out, ==, "no extents from 60 of 50\n");

    static const char *const bad[][3] = {
        { "--count", "0", "Parameter 'count' expects a value from 1 to 10000, got 0" },
        { "--start", "-2", "Parameter 'start' expects uint64, got negative value -2" },
        { "--state", "held", "--state 'held': expected pending or accepted" },
        { "-d", "dcd9", "-d 'dcd9': no such device" },
        { "-r", "1", NULL },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        /* On dcd1 (one region), unless the row names another device. */
        g_auto(CliRun) run = run_cli(NULL, "--socket", socket, "list", "-d", "dcd1", bad[i][0],
                                     bad[i][1], NULL);
        g_assert_cmpint(run.status, ==, 1);
        g_assert_nonnull(strstr(run.err, bad[i][2] ? bad[i][2] : "region id is too large"));
    }
    g_auto(CliRun) tags_paged = run_cli(NULL, "--socket", socket, "list", "-T", "--count", "3",
                                        NULL);
    g_assert_cmpint(tags_paged.status, ==, 1);
    g_assert_nonnull(strstr(tags_paged.err, "-T and -B cannot be paged"));

    json_object_put(pages);
    json_object_put(backends);
    json_object_put(pending);
    json_object_put(shared);
    json_object_put(host1);
    json_object_put(dcd1);
    json_object_put(all);
    fixture_stop(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/query_filters/every_filter", test_every_filter_against_the_full_answer);
    g_test_add_func("/query_filters/memdev", test_memdev_filters_and_pages);
    g_test_add_func("/query_filters/bad_arguments", test_bad_arguments);
    g_test_add_func("/query_filters/cli_list", test_cli_list_filters_and_pages);
    return g_test_run();
}

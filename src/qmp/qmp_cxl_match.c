#include "qmp/qmp_cxl_match.h"

#include "core/error.h"
#include "qmp/qmp_args.h"
#include "qmp/qmp_cxl_json.h"

const char *const tm_qmp_cxl_states[] = { "pending", "accepted", NULL };

bool tm_qmp_cxl_filter_parse(const TmDcd *dev, json_object *args, TmQmpCxlFilter *f,
                             GError **err)
{
    const char *state = tm_qmp_arg_str(args, "state", NULL);

    *f = (TmQmpCxlFilter){
        .host = -1,
        .region = -1,
        .pending = state == NULL || g_str_equal(state, "pending"),
        .accepted = state == NULL || g_str_equal(state, "accepted"),
    };
    if (tm_qmp_arg_has(args, "host-id")) {
        f->host = (int)tm_qmp_arg_uint(args, "host-id", 0);
        if (dev && f->host >= tm_dcd_num_hosts(dev)) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "host-id %d is out of range: device '%s' has %u hosts", f->host,
                        tm_dcd_id(dev), tm_dcd_num_hosts(dev));
            return false;
        }
    }
    if (tm_qmp_arg_has(args, "region")) {
        f->region = (int)tm_qmp_arg_uint(args, "region", 0);
        if (dev && (unsigned)f->region >= tm_dcd_num_regions(dev)) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "region id is too large");
            return false;
        }
    }
    if (tm_qmp_arg_has(args, "tag")) {
        f->has_tag = true;
        return tm_qmp_cxl_parse_tag(args, &f->tag, err);
    }
    return true;
}

bool tm_qmp_cxl_keeps_host(const TmQmpCxlFilter *f, uint16_t host_id)
{
    return f->host < 0 || f->host == host_id;
}

static bool keeps(const TmQmpCxlFilter *f, uint8_t region, const TmGuid *tag)
{
    return (f->region < 0 || region == f->region) &&
           (!f->has_tag || tm_guid_equal(tag, &f->tag));
}

/*
 * A tagged filter only: @host_id holds the tag pending or @committed, in
 * the filter's region (a tag lives in one); otherwise nothing can match.
 */
static bool tag_held(const TmDcd *dev, const TmQmpCxlFilter *f, uint16_t host_id,
                     bool committed)
{
    TmDcTagInfo info;

    if (!tm_dcd_find_tag(dev, &f->tag, &info) || (f->region >= 0 && info.region != f->region)) {
        return false;
    }
    return tm_host_set_contains(committed ? &info.committed_hosts : &info.pending_hosts,
                                host_id);
}

static bool tagged_filter(const TmQmpCxlFilter *f)
{
    return f->has_tag && !tm_guid_is_null(&f->tag);
}

typedef struct {
    const TmQmpCxlFilter *f;
    TmQmpCxlHostMatch *match;
} GroupWalk;

static void keep_group(const TmDcPendingGroupInfo *group, void *opaque)
{
    const GroupWalk *walk = opaque;
    TmQmpCxlHostMatch *match = walk->match;

    if (keeps(walk->f, group->region, &group->tag)) {
        g_array_append_val(match->groups, *group);
        match->pending_extents += group->n_extents;
    }
}

static void add_span(TmQmpCxlHostMatch *match, guint first, guint end)
{
    TmQmpCxlSpan *last = match->spans->len
                         ? &g_array_index(match->spans, TmQmpCxlSpan, match->spans->len - 1)
                         : NULL;

    /* Neighbouring ranges of a tag may share an extent: count it once. */
    if (last && first < last->end) {
        first = last->end;
    }
    if (first >= end) {
        return;
    }
    if (last && first == last->end) {
        last->end = end;
    } else {
        g_array_append_val(match->spans, ((TmQmpCxlSpan){ first, end }));
    }
    match->accepted += end - first;
}

/* The extents in each of the tag's DPA ranges (a tag lives in one region). */
static void tag_spans(const TmDcd *dev, uint16_t host_id, const TmQmpCxlFilter *f,
                      TmQmpCxlHostMatch *match)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(TmExtent));

    if (!tag_held(dev, f, host_id, true)) {
        return;
    }
    tm_dcd_tag_ranges(dev, &f->tag, ranges);
    for (guint i = 0; i < ranges->len; i++) {
        const TmExtent *range = &g_array_index(ranges, TmExtent, i);
        guint first, end;

        tm_dcd_host_accepted_span(dev, host_id, range->dpa, range->length, &first, &end);
        add_span(match, first, end);
    }
}

/* Untagged extents have no index: they are picked out of the host's list. */
static void untagged_spans(const TmDcd *dev, uint16_t host_id, const TmQmpCxlFilter *f,
                           TmQmpCxlHostMatch *match)
{
    guint n = tm_dcd_host_accepted_count(dev, host_id);

    for (guint i = 0; i < n; i++) {
        const TmBackedExtent *extent = tm_dcd_host_accepted(dev, host_id, i);
        if (keeps(f, extent->region, &extent->extent.tag)) {
            add_span(match, i, i + 1);
        }
    }
}

static void accepted_spans(const TmDcd *dev, uint16_t host_id, const TmQmpCxlFilter *f,
                           TmQmpCxlHostMatch *match)
{
    if (tagged_filter(f)) {
        tag_spans(dev, host_id, f, match);
    } else if (f->has_tag) {
        untagged_spans(dev, host_id, f, match);
    } else if (f->region >= 0) {
        guint first, end;

        /* Without "path", a region some devices lack keeps nothing of those. */
        if ((unsigned)f->region < tm_dcd_num_regions(dev)) {
            const TmDcRegion *region = tm_dcd_region(dev, (unsigned)f->region);
            tm_dcd_host_accepted_span(dev, host_id, region->base, region->len, &first, &end);
            add_span(match, first, end);
        }
    } else {
        add_span(match, 0, tm_dcd_host_accepted_count(dev, host_id));
    }
}

void tm_qmp_cxl_host_match(const TmDcd *dev, uint16_t host_id, const TmQmpCxlFilter *f,
                           TmQmpCxlHostMatch *match)
{
    GroupWalk walk = { .f = f, .match = match };

    *match = (TmQmpCxlHostMatch){
        .groups = g_array_new(FALSE, FALSE, sizeof(TmDcPendingGroupInfo)),
        .spans = g_array_new(FALSE, FALSE, sizeof(TmQmpCxlSpan)),
    };
    if (f->pending && (!tagged_filter(f) || tag_held(dev, f, host_id, false))) {
        tm_dcd_host_foreach_pending_group(dev, host_id, keep_group, &walk);
    }
    if (f->accepted) {
        accepted_spans(dev, host_id, f, match);
    }
}

void tm_qmp_cxl_host_match_clear(TmQmpCxlHostMatch *match)
{
    g_array_unref(match->groups);
    g_array_unref(match->spans);
}

static bool keeps_tag(const TmQmpCxlFilter *f, const TmDcTagInfo *info)
{
    return keeps(f, info->region, &info->tag) &&
           (f->host < 0 || tm_host_set_contains(&info->pending_hosts, (uint16_t)f->host) ||
            tm_host_set_contains(&info->committed_hosts, (uint16_t)f->host));
}

void tm_qmp_cxl_foreach_tag(const TmDcd *dev, const TmQmpCxlFilter *f,
                            void (*fn)(const TmDcTagInfo *info, void *opaque), void *opaque)
{
    TmDcTagInfo info;

    if (f->has_tag) {
        if (tm_dcd_find_tag(dev, &f->tag, &info) && keeps_tag(f, &info)) {
            fn(&info, opaque);
        }
        return;
    }
    if (f->host >= 0) {
        g_autoptr(GArray) held = g_array_new(FALSE, FALSE, sizeof(TmDcTagInfo));
        /* Without "path", a device may lack the host: it has none of its tags. */
        if (f->host < tm_dcd_num_hosts(dev)) {
            tm_dcd_host_tags(dev, (uint16_t)f->host, held);
        }
        for (guint i = 0; i < held->len; i++) {
            if (keeps_tag(f, &g_array_index(held, TmDcTagInfo, i))) {
                fn(&g_array_index(held, TmDcTagInfo, i), opaque);
            }
        }
        return;
    }
    for (guint i = 0; i < tm_dcd_tag_count(dev); i++) {
        info = tm_dcd_tag_info(dev, i);
        if (keeps_tag(f, &info)) {
            fn(&info, opaque);
        }
    }
}

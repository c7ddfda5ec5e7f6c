/*
 * One page of the extents a filtered query keeps.  Items are numbered as
 * the full answer lists them: device by device, host by host, a host's
 * pending extents (oldest group first, each group's in its order) then its
 * accepted ones (by DPA).  The total comes from counts (pending groups are
 * few; accepted extents are index spans, qmp_cxl_match.h), and the page
 * is reached by skipping whole groups and spans, so only the page's own
 * extents are read.  They are copied at once (one moment) and written as
 * the client reads, like the full answer.
 */
#include "qmp/qmp_cxl_query_page.h"

#include <inttypes.h>

#include "qmp/qmp_cxl_text.h"
#include "qmp/qmp_reply_stream.h"

typedef struct {
    const char *device_json;   /* the device's id as JSON text */
    uint16_t host_id;
    bool accepted;
    uint64_t group_id;         /* pending: the add request's id */
    TmQmpExtentCopy extent;
} PageItem;

typedef struct {
    uint64_t total;
    uint64_t start;
    GArray *items;             /* PageItem */
    TmQmpTextCache text;
    /* The writer's cursor. */
    bool started;
    guint written;
} PageSnapshot;

/* Where the walk is: items still to pass over before the page, and room left in it. */
typedef struct {
    PageSnapshot *p;
    const TmDcd *dev;
    const char *device_json;
    uint16_t host_id;
    uint64_t skip;
    guint room;
} PageWalk;

static void add_item(PageWalk *w, bool accepted, uint64_t group_id, TmQmpExtentCopy extent)
{
    PageItem item = {
        .device_json = w->device_json,
        .host_id = w->host_id,
        .accepted = accepted,
        .group_id = group_id,
        .extent = extent,
    };

    g_array_append_val(w->p->items, item);
    w->room--;
}

/* Pass over @n items if the page starts after them; else how many to pass over. */
static bool pass_over(PageWalk *w, guint n, guint *from)
{
    if (w->skip >= n) {
        w->skip -= n;
        return true;
    }
    *from = (guint)w->skip;
    w->skip = 0;
    return false;
}

static void collect_pending(PageWalk *w, const TmQmpCxlHostMatch *match)
{
    for (guint g = 0; g < match->groups->len && w->room > 0; g++) {
        const TmDcPendingGroupInfo *group = &g_array_index(match->groups, TmDcPendingGroupInfo, g);
        guint from;

        if (pass_over(w, group->n_extents, &from)) {
            continue;
        }
        for (guint i = from; i < group->n_extents && w->room > 0; i++) {
            add_item(w, false, group->id, tm_qmp_extent_copy(w->dev, &group->extents[i]));
        }
    }
}

static void collect_accepted(PageWalk *w, const TmQmpCxlHostMatch *match)
{
    for (guint s = 0; s < match->spans->len && w->room > 0; s++) {
        const TmQmpCxlSpan *span = &g_array_index(match->spans, TmQmpCxlSpan, s);
        guint from;

        if (pass_over(w, span->end - span->first, &from)) {
            continue;
        }
        for (guint i = span->first + from; i < span->end && w->room > 0; i++) {
            const TmBackedExtent *extent = tm_dcd_host_accepted(w->dev, w->host_id, i);
            add_item(w, true, 0, tm_qmp_accepted_copy(&w->p->text, w->dev, w->host_id, extent));
        }
    }
}

static void collect_device(PageWalk *w, const TmDcd *dev, const TmQmpCxlFilter *f)
{
    w->dev = dev;
    w->device_json = tm_qmp_text_cache_string(&w->p->text, tm_dcd_id(dev));
    for (uint16_t h = 0; h < tm_dcd_num_hosts(dev); h++) {
        TmQmpCxlHostMatch match;

        if (!tm_qmp_cxl_keeps_host(f, h)) {
            continue;
        }
        tm_qmp_cxl_host_match(dev, h, f, &match);
        w->host_id = h;
        w->p->total += match.pending_extents + match.accepted;
        if (w->room > 0) {
            collect_pending(w, &match);
            collect_accepted(w, &match);
        }
        tm_qmp_cxl_host_match_clear(&match);
    }
}

static void write_item(GString *out, const PageItem *item)
{
    g_string_append_printf(out, "{\"device\":%s,\"host-id\":%u,\"state\":\"%s\",",
                           item->device_json, item->host_id,
                           item->accepted ? "accepted" : "pending");
    if (item->accepted) {
        tm_qmp_write_accepted_members(out, &item->extent);
    } else {
        g_string_append_printf(out, "\"group\":%" PRIu64 ",", item->group_id);
        tm_qmp_write_extent_members(out, &item->extent);
    }
    g_string_append_c(out, '}');
}

static bool produce(void *state, GString *out, size_t budget)
{
    PageSnapshot *p = state;
    size_t start = out->len;

    if (!p->started) {
        g_string_append_printf(out, "{\"total\":%" PRIu64 ",\"start\":%" PRIu64 ",\"extents\":[",
                               p->total, p->start);
        p->started = true;
    }
    while (p->written < p->items->len) {
        if (out->len - start >= budget) {
            return false;
        }
        g_string_append(out, p->written == 0 ? "" : ",");
        write_item(out, &g_array_index(p->items, PageItem, p->written++));
    }
    g_string_append(out, "]}");
    return true;
}

static void page_free(void *state)
{
    PageSnapshot *p = state;

    g_array_unref(p->items);
    tm_qmp_text_cache_clear(&p->text);
    g_free(p);
}

static const TmQmpProducerOps page_producer = {
    .produce = produce,
    .free = page_free,
};

void tm_qmp_cxl_query_page(TmQmpSession *session, const GPtrArray *devices,
                           const TmQmpCxlFilter *f, const TmQmpPage *page, json_object **ret)
{
    PageSnapshot *p = g_new0(PageSnapshot, 1);
    PageWalk walk = { .p = p, .skip = page->start, .room = page->count };

    p->start = page->start;
    p->items = g_array_new(FALSE, FALSE, sizeof(PageItem));
    tm_qmp_text_cache_init(&p->text);
    for (guint i = 0; i < devices->len; i++) {
        collect_device(&walk, g_ptr_array_index(devices, i), f);
    }
    tm_qmp_session_return_stream(session, &page_producer, p, ret);
}

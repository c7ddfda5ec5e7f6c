#include "qmp/qmp_cxl_events.h"

#include "qmp/qmp_cxl_json.h"

/* NULL for notices that are not events (records queued: the host's business). */
static const char *event_name(TmDcdNoticeKind kind)
{
    switch (kind) {
    case TM_DCD_NOTICE_COMMITTED:
        return TM_QMP_EVENT_DC_COMMITTED;
    case TM_DCD_NOTICE_REJECTED:
        return TM_QMP_EVENT_DC_REJECTED;
    case TM_DCD_NOTICE_RELEASED:
        return TM_QMP_EVENT_DC_RELEASED;
    case TM_DCD_NOTICE_WITHDRAWN:
        return TM_QMP_EVENT_DC_WITHDRAWN;
    case TM_DCD_NOTICE_SANITIZE_FAILED:
        return TM_QMP_EVENT_DC_SANITIZE_FAILED;
    case TM_DCD_NOTICE_EVENTS_QUEUED:
    case TM_DCD_NOTICE_BACKGROUND_DONE:
    case TM_DCD_NOTICE_POISON_CHANGED:
    case TM_DCD_NOTICE_RECORD_QUEUED:
    case TM_DCD_NOTICE_OFFERED: /* QMP has no event for an offer: the request's reply says it */
        break;
    }
    return NULL;
}

static json_object *event_data(TmDcd *dev, const TmDcdNotice *notice)
{
    json_object *data = json_object_new_object();

    json_object_object_add(data, "device", json_object_new_string(tm_dcd_id(dev)));
    json_object_object_add(data, "path", json_object_new_string(tm_dcd_path(dev)));
    if (notice->host_id != TM_DCD_NO_HOST) {
        json_object_object_add(data, "host-id", json_object_new_uint64(notice->host_id));
    }
    json_object_object_add(data, "extents",
                           tm_qmp_cxl_extent_list(dev, notice->extents, notice->n_extents));
    if (notice->kind == TM_DCD_NOTICE_RELEASED) {
        json_object_object_add(data, "forced", json_object_new_boolean(notice->forced));
    }
    if (notice->kind == TM_DCD_NOTICE_SANITIZE_FAILED) {
        json_object_object_add(data, "message", json_object_new_string(notice->message));
    }
    return data;
}

static void emit_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    TmQmpEnv *env = opaque;
    const char *name = event_name(notice->kind);

    if (name && env->emit_event &&
        (env->wants_events == NULL || env->wants_events(env->event_opaque))) {
        env->emit_event(env->event_opaque, name, event_data(dev, notice));
    }
}

guint tm_qmp_cxl_watch_device(TmQmpEnv *env, TmDcd *dev)
{
    return tm_dcd_add_observer(dev, emit_notice, env);
}

#include "http/redfish_push.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

typedef struct Delivery Delivery;

typedef struct {
    TmRedfishPush *push;
    guint id;
    char *destination;
    char *context;       /* may be NULL */
    GQueue queue;        /* GBytes: event bodies waiting */
    gsize queued_bytes;  /* their sizes' sum */
    Delivery *in_flight; /* NULL when idle */
    guint64 delivered;   /* answered with a 2xx status */
    guint64 failed;      /* no answer, or another status */
    guint64 dropped;     /* not queued: the queue was full */
} Subscription;

/* One POST in flight; outlives its subscription when that goes first. */
struct Delivery {
    Subscription *sub;    /* NULL once the subscription is gone */
    SoupMessage *msg;
    GCancellable *cancel;
};

struct TmRedfishPush {
    TmRedfishEvents *events;
    guint sink_id;
    SoupSession *session;
    GList *subscriptions; /* Subscription, oldest first */
    guint next_id;
};

void tm_redfish_push_refusal_clear(TmRedfishPushRefusal *refusal)
{
    g_clear_pointer(&refusal->arg, g_free);
    g_clear_pointer(&refusal->message, g_free);
}

static void delivery_free(Delivery *delivery)
{
    g_object_unref(delivery->msg);
    g_object_unref(delivery->cancel);
    g_free(delivery);
}

static void deliver_next(Subscription *sub);

static void delivery_done(GObject *source, GAsyncResult *result, gpointer data)
{
    Delivery *delivery = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(GInputStream) reply = soup_session_send_finish(SOUP_SESSION(source), result, &err);
    Subscription *sub = delivery->sub;

    /* The answer's body is of no interest: closing drops it with the connection. */
    if (reply != NULL) {
        g_input_stream_close(reply, NULL, NULL);
    }
    if (sub != NULL) {
        guint status = soup_message_get_status(delivery->msg);
        if (reply != NULL && SOUP_STATUS_IS_SUCCESSFUL(status)) {
            sub->delivered++;
        } else {
            sub->failed++;
            g_debug("redfish: event to %s: %s", sub->destination,
                    err ? err->message : soup_status_get_phrase(status));
        }
        sub->in_flight = NULL;
        deliver_next(sub);
    }
    delivery_free(delivery);
}

static void deliver_next(Subscription *sub)
{
    if (sub->in_flight != NULL || g_queue_is_empty(&sub->queue)) {
        return;
    }
    g_autoptr(GBytes) body = g_queue_pop_head(&sub->queue);
    sub->queued_bytes -= g_bytes_get_size(body);
    Delivery *delivery = g_new0(Delivery, 1);

    delivery->sub = sub;
    delivery->msg = soup_message_new("POST", sub->destination);
    delivery->cancel = g_cancellable_new();
    soup_message_set_request_body_from_bytes(delivery->msg, "application/json", body);
    sub->in_flight = delivery;
    soup_session_send_async(sub->push->session, delivery->msg, G_PRIORITY_DEFAULT,
                            delivery->cancel, delivery_done, delivery);
}

static void subscription_free(Subscription *sub)
{
    if (sub->in_flight != NULL) {
        sub->in_flight->sub = NULL;
        g_cancellable_cancel(sub->in_flight->cancel);
    }
    g_queue_clear_full(&sub->queue, (GDestroyNotify)g_bytes_unref);
    g_free(sub->destination);
    g_free(sub->context);
    g_free(sub);
}

static void enqueue(Subscription *sub, json_object *event)
{
    if (g_queue_get_length(&sub->queue) >= TM_REDFISH_PUSH_QUEUE) {
        sub->dropped++;
        return;
    }
    json_object *copy = NULL;
    gsize size = 0;
    json_object_deep_copy(event, &copy, NULL);
    /* DSP0266 §13.5: the event carries the subscription's Context. */
    if (sub->context != NULL) {
        json_object_object_add(copy, "Context", json_object_new_string(sub->context));
    }
    const char *text = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN);
    size = strlen(text);
    /* An empty queue takes any one event, however large. */
    if (sub->queued_bytes > 0 && sub->queued_bytes + size > TM_REDFISH_PUSH_QUEUE_BYTES) {
        sub->dropped++;
        json_object_put(copy);
        return;
    }
    g_queue_push_tail(&sub->queue, g_bytes_new(text, size));
    sub->queued_bytes += size;
    json_object_put(copy);
    deliver_next(sub);
}

static void on_event(const char *event_id, json_object *event, gpointer opaque)
{
    TmRedfishPush *push = opaque;

    for (GList *l = push->subscriptions; l != NULL; l = l->next) {
        enqueue(l->data, event);
    }
}

TmRedfishPush *tm_redfish_push_new(TmRedfishEvents *events)
{
    TmRedfishPush *push = g_new0(TmRedfishPush, 1);

    push->events = events;
    push->next_id = 1;
    push->session = soup_session_new_with_options("timeout", TM_REDFISH_PUSH_TIMEOUT,
                                                  "user-agent", "tagmemd", NULL);
    push->sink_id = tm_redfish_events_add_sink(events, on_event, push);
    return push;
}

void tm_redfish_push_free(TmRedfishPush *push)
{
    if (push == NULL) {
        return;
    }
    tm_redfish_events_remove_sink(push->events, push->sink_id);
    g_list_free_full(push->subscriptions, (GDestroyNotify)subscription_free);
    soup_session_abort(push->session);
    g_object_unref(push->session);
    g_free(push);
}

static json_object *subscription_json(const Subscription *sub)
{
    g_autofree char *id = g_strdup_printf("%u", sub->id);
    g_autofree char *odata_id = g_strdup_printf(TM_REDFISH_SUBSCRIPTIONS "/%u", sub->id);
    g_autofree char *name = g_strdup_printf("Subscription %u", sub->id);
    json_object *obj = json_object_new_object();
    json_object *oem = json_object_new_object();
    json_object *details = json_object_new_object();

    json_object_object_add(obj, "@odata.id", json_object_new_string(odata_id));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#EventDestination.v1_14_0.EventDestination"));
    json_object_object_add(obj, "Id", json_object_new_string(id));
    json_object_object_add(obj, "Name", json_object_new_string(name));
    json_object_object_add(obj, "Destination", json_object_new_string(sub->destination));
    json_object_object_add(obj, "Context", sub->context ? json_object_new_string(sub->context)
                                                        : NULL);
    json_object_object_add(obj, "Protocol", json_object_new_string("Redfish"));
    json_object_object_add(obj, "SubscriptionType", json_object_new_string("RedfishEvent"));
    json_object_object_add(obj, "EventFormatType", json_object_new_string("Event"));
    json_object_object_add(details, "QueueLimit", json_object_new_int(TM_REDFISH_PUSH_QUEUE));
    json_object_object_add(details, "Queued",
                           json_object_new_uint64(sub->queue.length));
    json_object_object_add(details, "Delivered", json_object_new_uint64(sub->delivered));
    json_object_object_add(details, "Failed", json_object_new_uint64(sub->failed));
    json_object_object_add(details, "Dropped", json_object_new_uint64(sub->dropped));
    json_object_object_add(oem, "Tagmem", details);
    json_object_object_add(obj, "Oem", oem);
    return obj;
}

static Subscription *find(TmRedfishPush *push, const char *id)
{
    for (GList *l = push->subscriptions; l != NULL; l = l->next) {
        Subscription *sub = l->data;
        g_autofree char *text = g_strdup_printf("%u", sub->id);
        if (strcmp(text, id) == 0) {
            return sub;
        }
    }
    return NULL;
}

json_object *tm_redfish_push_get(TmRedfishPush *push, const char *id)
{
    Subscription *sub = find(push, id);

    return sub ? subscription_json(sub) : NULL;
}

bool tm_redfish_push_delete(TmRedfishPush *push, const char *id)
{
    Subscription *sub = find(push, id);

    if (sub == NULL) {
        return false;
    }
    push->subscriptions = g_list_remove(push->subscriptions, sub);
    subscription_free(sub);
    return true;
}

json_object *tm_redfish_push_collection(TmRedfishPush *push)
{
    json_object *obj = json_object_new_object();
    json_object *members = json_object_new_array();

    json_object_object_add(obj, "@odata.id", json_object_new_string(TM_REDFISH_SUBSCRIPTIONS));
    json_object_object_add(obj, "@odata.type", json_object_new_string(
        "#EventDestinationCollection.EventDestinationCollection"));
    json_object_object_add(obj, "Name", json_object_new_string("Event Subscriptions"));
    for (GList *l = push->subscriptions; l != NULL; l = l->next) {
        const Subscription *sub = l->data;
        g_autofree char *odata_id = g_strdup_printf(TM_REDFISH_SUBSCRIPTIONS "/%u", sub->id);
        json_object *member = json_object_new_object();
        json_object_object_add(member, "@odata.id", json_object_new_string(odata_id));
        json_object_array_add(members, member);
    }
    json_object_object_add(obj, "Members@odata.count",
                           json_object_new_int((int)json_object_array_length(members)));
    json_object_object_add(obj, "Members", members);
    return obj;
}

static bool refuse(TmRedfishPushRefusal *refusal, const char *message_id, const char *arg,
                   char *message)
{
    refusal->message_id = message_id;
    refusal->arg = g_strdup(arg);
    refusal->message = message;
    return false;
}

/* An absolute http or https URI with a host (DSP0266: Destination "shall contain a URI"). */
static bool check_destination(const char *text, TmRedfishPushRefusal *refusal)
{
    g_autoptr(GUri) uri = g_uri_parse(text, G_URI_FLAGS_NONE, NULL);
    const char *scheme = uri ? g_uri_get_scheme(uri) : NULL;
    const char *host = uri ? g_uri_get_host(uri) : NULL;

    if (scheme == NULL || (g_ascii_strcasecmp(scheme, "http") != 0 &&
                           g_ascii_strcasecmp(scheme, "https") != 0) ||
        host == NULL || host[0] == '\0') {
        return refuse(refusal, "PropertyValueFormatError", "Destination",
                      g_strdup_printf("The value '%s' for the property Destination is not a "
                                      "format that the property can accept: an http:// or "
                                      "https:// URI is needed.", text));
    }
    return true;
}

static bool check_string(json_object *body, const char *name, bool required,
                         TmRedfishPushRefusal *refusal)
{
    json_object *value = NULL;

    if (!json_object_object_get_ex(body, name, &value)) {
        return !required ||
               refuse(refusal, "PropertyMissing", name,
                      g_strdup_printf("The property %s is a required property and must be "
                                      "included in the request.", name));
    }
    if (!json_object_is_type(value, json_type_string)) {
        return refuse(refusal, "PropertyValueTypeError", name,
                      g_strdup_printf("The value '%s' for the property %s is not a type that "
                                      "the property can accept.",
                                      json_object_to_json_string(value), name));
    }
    return true;
}

/* The body's properties, checked all before anything is created. */
static bool check_body(json_object *body, TmRedfishPushRefusal *refusal)
{
    static const char *const known[] = { "Destination", "Context", "Protocol" };

    json_object_object_foreach(body, key, value) {
        bool is_known = false;
        (void)value;
        for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
            is_known = is_known || strcmp(key, known[i]) == 0;
        }
        if (!is_known) {
            return refuse(refusal, "PropertyUnknown", key,
                          g_strdup_printf("The property %s is not in the list of valid "
                                          "properties for the resource.", key));
        }
    }
    if (!check_string(body, "Destination", true, refusal) ||
        !check_string(body, "Context", false, refusal) ||
        !check_string(body, "Protocol", false, refusal)) {
        return false;
    }
    json_object *protocol = NULL;
    if (json_object_object_get_ex(body, "Protocol", &protocol) &&
        strcmp(json_object_get_string(protocol), "Redfish") != 0) {
        return refuse(refusal, "PropertyValueNotInList", "Protocol",
                      g_strdup_printf("The value '%s' for the property Protocol is not in the "
                                      "list of acceptable values.",
                                      json_object_get_string(protocol)));
    }
    json_object *destination = json_object_object_get(body, "Destination");
    return check_destination(json_object_get_string(destination), refusal);
}

json_object *tm_redfish_push_create(TmRedfishPush *push, json_object *body,
                                    TmRedfishPushRefusal *refusal)
{
    if (!json_object_is_type(body, json_type_object)) {
        refuse(refusal, "MalformedJSON", NULL,
               g_strdup("The request body submitted was malformed JSON and could not be parsed "
                        "by the receiving service."));
        return NULL;
    }
    if (!check_body(body, refusal)) {
        return NULL;
    }
    if (g_list_length(push->subscriptions) >= TM_REDFISH_PUSH_MAX_SUBSCRIPTIONS) {
        refuse(refusal, "CreateLimitReachedForResource", NULL,
               g_strdup_printf("The create operation failed because the resource has reached "
                               "the limit of possible resources (%d subscriptions).",
                               TM_REDFISH_PUSH_MAX_SUBSCRIPTIONS));
        return NULL;
    }
    Subscription *sub = g_new0(Subscription, 1);
    json_object *context = NULL;

    sub->push = push;
    sub->id = push->next_id++;
    sub->destination = g_strdup(json_object_get_string(json_object_object_get(body,
                                                                              "Destination")));
    if (json_object_object_get_ex(body, "Context", &context)) {
        sub->context = g_strdup(json_object_get_string(context));
    }
    g_queue_init(&sub->queue);
    push->subscriptions = g_list_append(push->subscriptions, sub);
    return subscription_json(sub);
}

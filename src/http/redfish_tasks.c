#include "http/redfish_tasks.h"

#include <string.h>

#include "core/guid.h"
#include "http/redfish_json.h"

#define TASKS_PATH "/redfish/v1/TaskService/Tasks"

typedef struct {
    guint id;
    TmRedfishTaskSpec spec;  /* strings owned (copied) */
    TmHostSet waiting;       /* hosts that have not answered yet */
    TmHostSet refused;       /* hosts that did not accept (add) */
    const char *state;       /* DSP0268 TaskState: "Running", "Completed", "Exception" */
    char *start_time;
    char *end_time;          /* NULL while running */
    json_object *messages;   /* array of Message objects */
} Task;

typedef struct {
    TmDcd *dev;
    guint observer;
} Watch;

struct TmRedfishTasks {
    TmDeviceRegistry *devices;
    const TmRedfishEngine *engine;
    GPtrArray *list;   /* Task, oldest first */
    GArray *watches;   /* Watch */
    guint next_id;
    guint review_source; /* an idle review of running tasks is due */
};

static void task_free(gpointer data)
{
    Task *task = data;

    g_free((char *)task->spec.method);
    g_free((char *)task->spec.target);
    g_free((char *)task->spec.backend_id);
    g_free(task->start_time);
    g_free(task->end_time);
    json_object_put(task->messages);
    g_free(task);
}

static char *now_text(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();

    return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

static void add_message(Task *task, const char *id, const char *severity, const char *text)
{
    g_autofree char *message_id = g_strdup_printf("Base.1.15.0.%s", id);
    json_object *message = json_object_new_object();

    json_object_object_add(message, "MessageId", json_object_new_string(message_id));
    json_object_object_add(message, "Message", json_object_new_string(text));
    json_object_object_add(message, "MessageSeverity", json_object_new_string(severity));
    json_object_array_add(task->messages, message);
}

/* Where @host stands for @task now: still waited for, or its answer noted. */
static void review_host(Task *task, uint16_t host)
{
    TmDcTagState state = tm_dcd_tag_state(task->spec.dev, &task->spec.tag, host);
    g_autofree char *tag = tm_guid_to_string(&task->spec.tag);

    if (state == TM_DC_TAG_PENDING ||
        (task->spec.kind == TM_REDFISH_TASK_RELEASE && state == TM_DC_TAG_COMMITTED)) {
        return;
    }
    tm_host_set_remove(&task->waiting, host);
    if (task->spec.kind == TM_REDFISH_TASK_ADD && state != TM_DC_TAG_COMMITTED) {
        tm_host_set_add(&task->refused, host);
        g_autofree char *text = g_strdup_printf(
            "host %u of device '%s' did not accept capacity with tag %s", host,
            tm_dcd_id(task->spec.dev), tag);
        add_message(task, "GeneralError", "Critical", text);
        return;
    }
    g_autofree char *text = task->spec.kind == TM_REDFISH_TASK_ADD
        ? g_strdup_printf("host %u has accepted capacity with tag %s", host, tag)
        : g_strdup_printf("host %u no longer holds capacity with tag %s", host, tag);
    add_message(task, "Success", "OK", text);
}

static void delete_backend(TmRedfishTasks *tasks, Task *task)
{
    g_autoptr(GError) err = NULL;
    json_object *args = json_object_new_object();

    json_object_object_add(args, "id", json_object_new_string(task->spec.backend_id));
    if (!tasks->engine->execute(tasks->engine->opaque, "object-del", args, &err)) {
        g_autofree char *text = g_strdup_printf("backend '%s' stays: %s",
                                                task->spec.backend_id, err->message);
        add_message(task, "GeneralError", "Warning", text);
    }
    json_object_put(args);
}

static void review_task(TmRedfishTasks *tasks, Task *task)
{
    if (task->end_time != NULL) {
        return;
    }
    for (unsigned host = 0; host < TM_DCD_MAX_HOSTS; host++) {
        if (tm_host_set_contains(&task->waiting, (uint16_t)host)) {
            review_host(task, (uint16_t)host);
        }
    }
    if (!tm_host_set_is_empty(&task->waiting)) {
        return;
    }
    task->state = tm_host_set_is_empty(&task->refused) ? "Completed" : "Exception";
    task->end_time = now_text();
    /* The allocation is gone, or never was: the backend made for it goes too. */
    bool gone = task->spec.kind == TM_REDFISH_TASK_RELEASE || strcmp(task->state, "Exception") == 0;
    if (gone && task->spec.backend_id != NULL) {
        delete_backend(tasks, task);
    }
}

/* Keep the finished tasks to a bound: the oldest finished go. */
static void prune(TmRedfishTasks *tasks)
{
    guint finished = 0;

    for (guint i = 0; i < tasks->list->len; i++) {
        finished += ((Task *)g_ptr_array_index(tasks->list, i))->end_time != NULL;
    }
    for (guint i = 0; i < tasks->list->len && finished > TM_REDFISH_MAX_FINISHED_TASKS;) {
        if (((Task *)g_ptr_array_index(tasks->list, i))->end_time != NULL) {
            g_ptr_array_remove_index(tasks->list, i);
            finished--;
        } else {
            i++;
        }
    }
}

static gboolean review_all(gpointer data)
{
    TmRedfishTasks *tasks = data;

    tasks->review_source = 0;
    for (guint i = 0; i < tasks->list->len; i++) {
        review_task(tasks, g_ptr_array_index(tasks->list, i));
    }
    prune(tasks);
    return G_SOURCE_REMOVE;
}

/*
 * Notices come from inside the device model, in the middle of a change
 * (and deleting a backend there would re-enter it): the review runs
 * from the main loop just after, once the change is whole.
 */
static void schedule_review(TmRedfishTasks *tasks)
{
    if (tasks->review_source == 0) {
        tasks->review_source = g_idle_add(review_all, tasks);
    }
}

static void on_notice(TmDcd *dev, const TmDcdNotice *notice, gpointer opaque)
{
    (void)dev;
    if (notice->kind != TM_DCD_NOTICE_EVENTS_QUEUED) {
        schedule_review(opaque);
    }
}

TmRedfishTasks *tm_redfish_tasks_new(TmDeviceRegistry *devices, const TmRedfishEngine *engine)
{
    TmRedfishTasks *tasks = g_new0(TmRedfishTasks, 1);
    g_autoptr(GPtrArray) list = tm_device_registry_list(devices);

    tasks->devices = devices;
    tasks->engine = engine;
    tasks->list = g_ptr_array_new_with_free_func(task_free);
    tasks->watches = g_array_new(FALSE, FALSE, sizeof(Watch));
    tasks->next_id = 1;
    for (guint i = 0; i < list->len; i++) {
        Watch watch = { g_ptr_array_index(list, i), 0 };
        watch.observer = tm_dcd_add_observer(watch.dev, on_notice, tasks);
        g_array_append_val(tasks->watches, watch);
    }
    return tasks;
}

void tm_redfish_tasks_free(TmRedfishTasks *tasks)
{
    if (tasks == NULL) {
        return;
    }
    for (guint i = 0; i < tasks->watches->len; i++) {
        Watch *watch = &g_array_index(tasks->watches, Watch, i);
        tm_dcd_remove_observer(watch->dev, watch->observer);
    }
    g_clear_handle_id(&tasks->review_source, g_source_remove);
    g_array_unref(tasks->watches);
    g_ptr_array_unref(tasks->list);
    g_free(tasks);
}

static json_object *host_list(const TmHostSet *set)
{
    json_object *hosts = json_object_new_array();

    for (unsigned host = 0; host < TM_DCD_MAX_HOSTS; host++) {
        if (tm_host_set_contains(set, (uint16_t)host)) {
            json_object_array_add(hosts, json_object_new_int((int)host));
        }
    }
    return hosts;
}

static json_object *task_resource(const Task *task)
{
    g_autofree char *odata_id = g_strdup_printf(TASKS_PATH "/%u", task->id);
    g_autofree char *id = g_strdup_printf("%u", task->id);
    g_autofree char *name = g_strdup_printf("Task %u", task->id);
    g_autofree char *tag = tm_guid_to_string(&task->spec.tag);
    json_object *obj = json_object_new_object();
    json_object *payload = json_object_new_object();
    json_object *oem = json_object_new_object();
    json_object *oem_root = json_object_new_object();
    bool done = task->end_time != NULL;

    json_object_object_add(obj, "@odata.id", json_object_new_string(odata_id));
    json_object_object_add(obj, "@odata.type", json_object_new_string("#Task.v1_7_3.Task"));
    json_object_object_add(obj, "Id", json_object_new_string(id));
    json_object_object_add(obj, "Name", json_object_new_string(name));
    json_object_object_add(obj, "TaskState", json_object_new_string(task->state));
    json_object_object_add(obj, "TaskStatus",
                           json_object_new_string(strcmp(task->state, "Exception") == 0
                                                      ? "Critical" : "OK"));
    json_object_object_add(obj, "PercentComplete", json_object_new_int(done ? 100 : 0));
    json_object_object_add(obj, "StartTime", json_object_new_string(task->start_time));
    if (done) {
        json_object_object_add(obj, "EndTime", json_object_new_string(task->end_time));
    }
    json_object_object_add(obj, "Messages", json_object_get(task->messages));
    json_object_object_add(payload, "HttpOperation", json_object_new_string(task->spec.method));
    json_object_object_add(payload, "TargetUri", json_object_new_string(task->spec.target));
    json_object_object_add(obj, "Payload", payload);
    json_object_object_add(oem, "Device", json_object_new_string(tm_dcd_id(task->spec.dev)));
    json_object_object_add(oem, "Tag", json_object_new_string(tag));
    json_object_object_add(oem, "Hosts", host_list(&task->spec.hosts));
    json_object_object_add(oem, "WaitingHosts", host_list(&task->waiting));
    json_object_object_add(oem_root, "Tagmem", oem);
    json_object_object_add(obj, "Oem", oem_root);
    return obj;
}

void tm_redfish_tasks_start(TmRedfishTasks *tasks, const TmRedfishTaskSpec *spec,
                            TmRedfishReply *reply)
{
    Task *task = g_new0(Task, 1);

    task->id = tasks->next_id++;
    task->spec = *spec;
    task->spec.method = g_strdup(spec->method);
    task->spec.target = g_strdup(spec->target);
    task->spec.backend_id = g_strdup(spec->backend_id);
    task->waiting = spec->hosts;
    task->state = "Running";
    task->start_time = now_text();
    task->messages = json_object_new_array();
    g_ptr_array_add(tasks->list, task);
    /* Some hosts may be done already (an offer withdrawn): the review says so. */
    schedule_review(tasks);
    tm_redfish_reply_json(reply, 202, task_resource(task));
    reply->location = g_strdup_printf(TASKS_PATH "/%u", task->id);
}

static json_object *service(void)
{
    json_object *obj = json_object_new_object();

    json_object_object_add(obj, "@odata.id", json_object_new_string("/redfish/v1/TaskService"));
    json_object_object_add(obj, "@odata.type",
                           json_object_new_string("#TaskService.v1_2_0.TaskService"));
    json_object_object_add(obj, "Id", json_object_new_string("TaskService"));
    json_object_object_add(obj, "Name", json_object_new_string("Task Service"));
    json_object_object_add(obj, "ServiceEnabled", json_object_new_boolean(true));
    json_object_object_add(obj, "CompletedTaskOverWritePolicy", json_object_new_string("Oldest"));
    json_object_object_add(obj, "LifeCycleEventOnTaskStateChange", json_object_new_boolean(false));
    json_object_object_add(obj, "Tasks", tm_redfish_link(TASKS_PATH));
    return obj;
}

static json_object *collection(const TmRedfishTasks *tasks)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < tasks->list->len; i++) {
        const Task *task = g_ptr_array_index(tasks->list, i);
        g_ptr_array_add(ids, g_strdup_printf("%u", task->id));
    }
    return tm_redfish_collection(TASKS_PATH, "#TaskCollection.TaskCollection", "Task Collection",
                                 ids);
}

json_object *tm_redfish_tasks_resource(TmRedfishTasks *tasks, const char *path)
{
    if (strcmp(path, "/redfish/v1/TaskService") == 0) {
        return service();
    }
    if (strcmp(path, TASKS_PATH) == 0) {
        return collection(tasks);
    }
    if (!g_str_has_prefix(path, TASKS_PATH "/")) {
        return NULL;
    }
    for (guint i = 0; i < tasks->list->len; i++) {
        const Task *task = g_ptr_array_index(tasks->list, i);
        g_autofree char *id = g_strdup_printf("%u", task->id);
        if (strcmp(path + strlen(TASKS_PATH "/"), id) == 0) {
            return task_resource(task);
        }
    }
    return NULL;
}

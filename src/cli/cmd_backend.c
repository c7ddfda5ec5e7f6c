/*
 * The backend verbs:
 *
 *   tagmem create-backend --size SIZE [--type memfd|ram|file] [--id ID]
 *                         [--tag UUID|auto] [--share on|off] [--prealloc] [--mem-path FILE]
 *   tagmem destroy-backend ID
 *
 * create-backend is QMP object-add of memory-backend-TYPE; without --id it
 * takes the first free "memN" and prints it, and --tag auto makes a random
 * GUID and prints it, so scripts can capture both.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_progress.h"
#include "cli/cli_session.h"
#include "core/guid.h"

typedef struct {
    char *type;
    char *size;
    char *id;
    char *tag;
    char *share;
    gboolean prealloc;
    char *mem_path;
    gboolean verbose;
} BackendOptions;

static void backend_options_clear(BackendOptions *o)
{
    g_free(o->type);
    g_free(o->size);
    g_free(o->id);
    g_free(o->tag);
    g_free(o->share);
    g_free(o->mem_path);
}

/* "memN" for the smallest N no backend has; NULL after printing why. */
static char *free_backend_id(TmCliSession *session)
{
    json_object *backends;

    if (!tm_cli_call(session, "query-memdev", NULL, &backends)) {
        return NULL;
    }
    for (guint n = 0;; n++) {
        g_autofree char *id = g_strdup_printf("mem%u", n);
        bool taken = false;

        for (size_t i = 0; i < json_object_array_length(backends); i++) {
            json_object *backend = json_object_array_get_idx(backends, i);
            taken |= g_strcmp0(json_object_get_string(json_object_object_get(backend, "id")),
                               id) == 0;
        }
        if (!taken) {
            json_object_put(backends);
            return g_steal_pointer(&id);
        }
    }
}

static bool check_backend_options(const BackendOptions *o, const char **qom_type)
{
    static const char *const types[][2] = {
        { "memfd", "memory-backend-memfd" },
        { "ram", "memory-backend-ram" },
        { "file", "memory-backend-file" },
    };
    TmGuid guid;

    *qom_type = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        if (g_strcmp0(o->type ? o->type : "memfd", types[i][0]) == 0) {
            *qom_type = types[i][1];
        }
    }
    if (*qom_type == NULL) {
        tm_cli_fail("create-backend: --type '%s': expected memfd, ram or file", o->type);
        return false;
    }
    if (o->size == NULL) {
        tm_cli_fail("create-backend: --size is required");
        return false;
    }
    if (o->share && strcmp(o->share, "on") != 0 && strcmp(o->share, "off") != 0) {
        tm_cli_fail("create-backend: --share '%s': expected on or off", o->share);
        return false;
    }
    if ((o->mem_path != NULL) != (*qom_type == types[2][1])) {
        tm_cli_fail("create-backend: --mem-path goes with --type file, and only with it");
        return false;
    }
    if (o->tag && strcmp(o->tag, "auto") != 0 && !tm_cli_parse_tag(o->tag, "--tag", &guid)) {
        return false;
    }
    return true;
}

typedef struct {
    const char *id;
    char *what;              /* "prealloc ID" */
    TmCliProgress progress;
} PreallocWatch;

/* MEMORY_BACKEND_PREALLOC_PROGRESS of our backend: redraw the progress line. */
static void on_prealloc_event(void *data, json_object *event)
{
    PreallocWatch *watch = data;
    json_object *fields = json_object_object_get(event, "data");

    if (g_strcmp0(json_object_get_string(json_object_object_get(event, "event")),
                  "MEMORY_BACKEND_PREALLOC_PROGRESS") != 0 ||
        g_strcmp0(json_object_get_string(json_object_object_get(fields, "id")), watch->id) != 0) {
        return;
    }
    tm_cli_progress_update(&watch->progress, watch->what,
                           json_object_get_uint64(json_object_object_get(fields, "done")),
                           json_object_get_uint64(json_object_object_get(fields, "total")));
}

/*
 * object-add; with --prealloc the reply comes when the memory is there,
 * and the daemon's progress events meanwhile are drawn on a terminal.
 */
static bool add_object(TmCliSession *session, const char *id, bool prealloc,
                       json_object *arguments)
{
    PreallocWatch watch = { .id = id };
    bool added;

    if (!prealloc) {
        return tm_cli_call(session, "object-add", arguments, NULL);
    }
    tm_cli_progress_init(&watch.progress);
    watch.what = g_strdup_printf("prealloc %s", id);
    added = tm_cli_call_with_events(session, "object-add", arguments, NULL, on_prealloc_event,
                                    &watch);
    tm_cli_progress_finish(&watch.progress);
    g_free(watch.what);
    return added;
}

static int run_create(TmCliSession *session, BackendOptions *o)
{
    const char *qom_type;
    uint64_t size;

    if (!check_backend_options(o, &qom_type) || !tm_cli_parse_size(o->size, "--size", &size)) {
        return 1;
    }
    g_autofree char *id = o->id ? g_strdup(o->id) : free_backend_id(session);
    g_autofree char *tag = o->tag && strcmp(o->tag, "auto") == 0 ? g_uuid_string_random()
                                                                  : g_strdup(o->tag);
    if (id == NULL) {
        return 1;
    }
    json_object *arguments = json_object_new_object();
    json_object_object_add(arguments, "qom-type", json_object_new_string(qom_type));
    json_object_object_add(arguments, "id", json_object_new_string(id));
    json_object_object_add(arguments, "size", json_object_new_uint64(size));
    if (tag) {
        json_object_object_add(arguments, "tag", json_object_new_string(tag));
    }
    if (o->share) {
        json_object_object_add(arguments, "share",
                               json_object_new_boolean(strcmp(o->share, "on") == 0));
    }
    if (o->prealloc) {
        json_object_object_add(arguments, "prealloc", json_object_new_boolean(TRUE));
    }
    if (o->mem_path) {
        json_object_object_add(arguments, "mem-path", json_object_new_string(o->mem_path));
    }
    if (!add_object(session, id, o->prealloc, arguments)) {
        return 1;
    }
    if (o->id == NULL) {
        puts(id);
    }
    if (o->tag && strcmp(o->tag, "auto") == 0) {
        puts(tag);
    }
    return 0;
}

int tm_cli_cmd_create_backend(const TmCliGlobal *global, int argc, char **argv)
{
    BackendOptions o = { 0 };
    const GOptionEntry entries[] = {
        { "type", 'T', 0, G_OPTION_ARG_STRING, &o.type, "memfd (default), ram or file", "TYPE" },
        { "size", 's', 0, G_OPTION_ARG_STRING, &o.size, "size, e.g. 1G", "SIZE" },
        { "id", 'i', 0, G_OPTION_ARG_STRING, &o.id, "its id (default: the first free memN)",
          "ID" },
        { "tag", 't', 0, G_OPTION_ARG_STRING, &o.tag, "its tag, or auto for a new one",
          "UUID|auto" },
        { "share", 0, 0, G_OPTION_ARG_STRING, &o.share, "share=on|off (hosts can map only on)",
          "on|off" },
        { "prealloc", 0, 0, G_OPTION_ARG_NONE, &o.prealloc, "allocate the memory now", NULL },
        { "mem-path", 0, 0, G_OPTION_ARG_FILENAME, &o.mem_path, "the file (type file)", "FILE" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "show the QMP request sent", NULL },
        G_OPTION_ENTRY_NULL,
    };
    TmCliSession session = { 0 };
    int status = 1;

    if (tm_cli_parse_options("create-backend", "",
                             "Create a memory backend (QMP object-add).  Prints the id when "
                             "it was chosen for you and the tag when --tag auto made it.\n\n"
                             "Example:\n  tagmem create-backend --size 1G --tag auto",
                             entries, &argc, &argv)) {
        if (argc > 1) {
            tm_cli_fail("create-backend: unexpected argument '%s'", argv[1]);
        } else if (tm_cli_session_open(&session, global, "create-backend", o.verbose)) {
            status = run_create(&session, &o);
        }
    }
    tm_cli_session_close(&session);
    backend_options_clear(&o);
    return status;
}

int tm_cli_cmd_destroy_backend(const TmCliGlobal *global, int argc, char **argv)
{
    gboolean verbose = FALSE;
    const GOptionEntry entries[] = {
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "show the QMP request sent", NULL },
        G_OPTION_ENTRY_NULL,
    };
    TmCliSession session = { 0 };
    int status = 1;

    if (!tm_cli_parse_options("destroy-backend", "ID",
                              "Delete a memory backend no device uses (QMP object-del).",
                              entries, &argc, &argv)) {
        return 1;
    }
    if (argc != 2) {
        return tm_cli_fail("destroy-backend: expected one backend ID");
    }
    if (tm_cli_session_open(&session, global, "destroy-backend", verbose)) {
        json_object *arguments = json_object_new_object();
        json_object_object_add(arguments, "id", json_object_new_string(argv[1]));
        status = tm_cli_call(&session, "object-del", arguments, NULL) ? 0 : 1;
    }
    tm_cli_session_close(&session);
    return status;
}

#include "daemon/options.h"

#include <string.h>

#include "cci/mailbox.h"
#include "core/error.h"
#include "daemon/cci_option.h"
#include "daemon/device_option.h"
#include "daemon/object_option.h"
#include "daemon/qmp_option.h"
#include "daemon/redfish_option.h"

/* Where GOption stores what it reads, before it is checked. */
typedef struct {
    char **objects;
    char **devices;
    gboolean no_defaults;
    char **qmp;
    char **hosts;
    char **fms;
    char **redfish;
    char *max_payload;
    gint max_connections;
    char *pidfile;
    char *state_dir;
    char *log_level;
    gboolean version;
    gboolean help;
} RawOptions;

static void raw_options_clear(RawOptions *raw)
{
    g_strfreev(raw->objects);
    g_strfreev(raw->devices);
    g_strfreev(raw->qmp);
    g_strfreev(raw->hosts);
    g_strfreev(raw->fms);
    g_strfreev(raw->redfish);
    g_free(raw->max_payload);
    g_free(raw->pidfile);
    g_free(raw->state_dir);
    g_free(raw->log_level);
}

#define N_OPTION_ENTRIES 15 /* with the terminator */

static void describe_options(RawOptions *raw, GOptionEntry out[N_OPTION_ENTRIES])
{
    const GOptionEntry entries[] = {
        { "object", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->objects,
          "Create a memory backend, e.g. memory-backend-memfd,id=mem0,size=1G,"
          "tag=<GUID> (repeatable)", "TYPE,id=ID,..." },
        { "device", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->devices,
          "Create a CXL DCD, e.g. cxl-type3,id=dcd0,num-dc-regions=2,"
          "dc-regions-total-size=4G (repeatable; default: one dcd0)", "cxl-type3,id=ID,..." },
        { "nodefaults", 0, 0, G_OPTION_ARG_NONE, &raw->no_defaults,
          "Do not create the default device", NULL },
        { "qmp", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->qmp,
          "Serve QMP on a UNIX socket (repeatable; default: "
          "$XDG_RUNTIME_DIR/tagmem/qmp.sock or /tmp/tagmem-$UID/qmp.sock)",
          "unix:PATH,server=on,wait=off" },
        { "host", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->hosts,
          "Serve host N's CCI socket at PATH (repeatable; default: "
          "host<N>.sock in the runtime directory)", "id=N,socket=PATH[,device=ID]" },
        { "fm", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->fms,
          "Serve the FM CCI socket at PATH (repeatable, one per device; default: "
          "fm.sock in the runtime directory)", "socket=PATH[,device=ID]" },
        { "redfish", 0, 0, G_OPTION_ARG_STRING_ARRAY, &raw->redfish,
          "Serve Redfish over HTTP(S) (repeatable; port 0: any; users=FILE: users for HTTP "
          "Basic and sessions, see tagmem passwd; a non-loopback address needs tls-cert, "
          "tls-key and users)",
          "addr=HOST:PORT[,tls-cert=FILE,tls-key=FILE][,users=FILE][,idle-timeout=S]" },
        { "max-payload", 0, 0, G_OPTION_ARG_STRING, &raw->max_payload,
          "Largest CCI message payload, a power of two from 256 to 1M (default: 1M)", "SIZE" },
        { "max-connections", 0, 0, G_OPTION_ARG_INT, &raw->max_connections,
          "Connections each QMP or CCI socket takes at once; more are closed at once "
          "(default: 64)", "N" },
        { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &raw->pidfile,
          "Write the daemon's pid to FILE (removed on exit)", "FILE" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &raw->state_dir,
          "Record every change of state in DIR and rebuild it from there at start "
          "(docs/durable-state.md; default: none, state lives in memory only)", "DIR" },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &raw->log_level,
          "Log to stderr up to this level (default: info)", "error|warning|info|debug" },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &raw->version, "Print the version and exit",
          NULL },
        { "help", 'h', 0, G_OPTION_ARG_NONE, &raw->help, "Show this help and exit", NULL },
        G_OPTION_ENTRY_NULL,
    };

    G_STATIC_ASSERT(G_N_ELEMENTS(entries) == N_OPTION_ENTRIES);
    memcpy(out, entries, sizeof(entries));
}

static GOptionContext *build_context(const GOptionEntry *entries)
{
    GOptionContext *context = g_option_context_new(NULL);

    g_option_context_set_summary(context,
        "tagmem daemon: a CXL Type 3 Dynamic Capacity Device backed by tagged host memory.\n"
        "Options take one dash or two (-object or --object), as in QEMU.");
    /* --help is ours: GOption's would exit() from inside the parser. */
    g_option_context_set_help_enabled(context, FALSE);
    g_option_context_add_main_entries(context, entries, NULL);
    return context;
}

static const GOptionEntry *find_long_option(const GOptionEntry *entries, const char *name,
                                            size_t length)
{
    for (const GOptionEntry *entry = entries; entry->long_name; entry++) {
        if (strlen(entry->long_name) == length && strncmp(entry->long_name, name, length) == 0) {
            return entry;
        }
    }
    return NULL;
}

/*
 * GOption reads "-object" as the short options -o -b -j ...; QEMU users
 * write long options with one dash.  Rewrite "-name" and "-name=value" of
 * our long options to "--name...", leaving option values and everything
 * after "--" alone.
 */
static char **double_dash_long_options(int argc, char **argv, const GOptionEntry *entries)
{
    GPtrArray *args = g_ptr_array_new();

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const GOptionEntry *entry = NULL;

        if (i > 0 && arg[0] == '-' && arg[1] != '-' && arg[1] != '\0') {
            entry = find_long_option(entries, arg + 1, strcspn(arg + 1, "="));
        }
        g_ptr_array_add(args, entry ? g_strconcat("-", arg, NULL) : g_strdup(arg));
        if (strcmp(arg, "--") == 0 && i > 0) {
            for (i++; i < argc; i++) {
                g_ptr_array_add(args, g_strdup(argv[i]));
            }
            break;
        }
        /* The next argument is this option's value, whatever it looks like. */
        if (entry && entry->arg != G_OPTION_ARG_NONE && strchr(arg, '=') == NULL && i + 1 < argc) {
            i++;
            g_ptr_array_add(args, g_strdup(argv[i]));
        }
    }
    g_ptr_array_add(args, NULL);
    return (char **)g_ptr_array_free(args, FALSE);
}

static bool parse_objects(char **texts, GPtrArray *out, GError **err)
{
    for (char **text = texts; text && *text; text++) {
        TmObjectOption *option = tm_object_option_parse(*text, err);
        if (option == NULL) {
            g_prefix_error(err, "-object %s: ", *text);
            return false;
        }
        g_ptr_array_add(out, option);
    }
    return true;
}

static bool parse_devices(char **texts, GPtrArray *out, GError **err)
{
    for (char **text = texts; text && *text; text++) {
        TmDeviceOption *option = tm_device_option_parse(*text, err);
        if (option == NULL) {
            g_prefix_error(err, "-device %s: ", *text);
            return false;
        }
        g_ptr_array_add(out, option);
    }
    return true;
}

static bool parse_qmp(char **texts, GPtrArray *out, GError **err)
{
    for (char **text = texts; text && *text; text++) {
        char *path = tm_qmp_option_parse(*text, err);
        if (path == NULL) {
            g_prefix_error(err, "-qmp %s: ", *text);
            return false;
        }
        g_ptr_array_add(out, path);
    }
    return true;
}

static bool parse_cci_sockets(TmCciSocketKind kind, char **texts, GPtrArray *out,
                              GError **err)
{
    for (char **text = texts; text && *text; text++) {
        TmCciSocketOption *option = tm_cci_socket_option_parse(kind, *text, err);
        if (option == NULL) {
            g_prefix_error(err, "%s %s: ", kind == TM_CCI_SOCKET_HOST ? "-host" : "-fm", *text);
            return false;
        }
        g_ptr_array_add(out, option);
    }
    return true;
}

static bool parse_redfish(char **texts, GPtrArray *out, GError **err)
{
    for (char **text = texts; text && *text; text++) {
        TmRedfishOption *option = tm_redfish_option_parse(*text, err);
        if (option == NULL) {
            g_prefix_error(err, "-redfish %s: ", *text);
            return false;
        }
        g_ptr_array_add(out, option);
    }
    return true;
}

static bool check_raw(const RawOptions *raw, char **rest, TmDaemonOptions *options,
                      GError **err)
{
    /* GOption leaves "--" among the arguments it did not take. */
    for (char **arg = rest + 1; *arg; arg++) {
        if (strcmp(*arg, "--") != 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Unexpected argument '%s'", *arg);
            return false;
        }
    }
    if (raw->pidfile && *raw->pidfile == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Option --pidfile expects a file name");
        return false;
    }
    if (raw->state_dir && *raw->state_dir == '\0') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "Option --state-dir expects a directory");
        return false;
    }
    if (raw->log_level && !tm_log_level_parse(raw->log_level, &options->log_level, err)) {
        return false;
    }
    if (raw->max_payload && !tm_max_payload_parse(raw->max_payload, &options->max_payload, err)) {
        return false;
    }
    if (raw->max_connections != 0) {
        if (raw->max_connections < 1 || raw->max_connections > TM_MAX_CONNECTIONS_LIMIT) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "Option --max-connections expects 1 to %d, got %d",
                        TM_MAX_CONNECTIONS_LIMIT, raw->max_connections);
            return false;
        }
        options->max_connections = (guint)raw->max_connections;
    }
    return parse_objects(raw->objects, options->objects, err) &&
           parse_devices(raw->devices, options->devices, err) &&
           parse_qmp(raw->qmp, options->qmp_sockets, err) &&
           parse_cci_sockets(TM_CCI_SOCKET_HOST, raw->hosts, options->cci_sockets, err) &&
           parse_cci_sockets(TM_CCI_SOCKET_FM, raw->fms, options->cci_sockets, err) &&
           parse_redfish(raw->redfish, options->redfish, err);
}

bool tm_daemon_options_parse(int argc, char **argv, TmDaemonOptions *options, GError **err)
{
    RawOptions raw = { 0 };
    GOptionEntry entries[N_OPTION_ENTRIES];

    describe_options(&raw, entries);
    GOptionContext *context = build_context(entries);
    g_auto(GStrv) args = double_dash_long_options(argc, argv, entries);

    memset(options, 0, sizeof(*options));
    options->objects = g_ptr_array_new_with_free_func((GDestroyNotify)tm_object_option_free);
    options->devices = g_ptr_array_new_with_free_func((GDestroyNotify)tm_device_option_free);
    options->qmp_sockets = g_ptr_array_new_with_free_func(g_free);
    options->cci_sockets =
        g_ptr_array_new_with_free_func((GDestroyNotify)tm_cci_socket_option_free);
    options->redfish = g_ptr_array_new_with_free_func((GDestroyNotify)tm_redfish_option_free);
    options->max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD;
    options->max_connections = TM_MAX_CONNECTIONS_DEFAULT;
    options->log_level = TM_LOG_INFO;

    bool ok = g_option_context_parse_strv(context, &args, err) &&
              check_raw(&raw, args, options, err);
    if (ok) {
        options->pidfile = g_steal_pointer(&raw.pidfile);
        options->state_dir = g_steal_pointer(&raw.state_dir);
        options->show_version = raw.version;
        options->no_defaults = raw.no_defaults;
        if (raw.help) {
            options->help_text = g_option_context_get_help(context, TRUE, NULL);
        }
    } else {
        tm_daemon_options_clear(options);
    }
    raw_options_clear(&raw);
    g_option_context_free(context);
    return ok;
}

void tm_daemon_options_clear(TmDaemonOptions *options)
{
    g_clear_pointer(&options->objects, g_ptr_array_unref);
    g_clear_pointer(&options->devices, g_ptr_array_unref);
    g_clear_pointer(&options->qmp_sockets, g_ptr_array_unref);
    g_clear_pointer(&options->cci_sockets, g_ptr_array_unref);
    g_clear_pointer(&options->redfish, g_ptr_array_unref);
    g_clear_pointer(&options->pidfile, g_free);
    g_clear_pointer(&options->state_dir, g_free);
    g_clear_pointer(&options->help_text, g_free);
}

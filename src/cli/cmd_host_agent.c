/*
 * tagmem host-agent --host N: be host N.  Connect to its CCI socket with
 * libtagmem, accept or reject offered capacity with the chosen policy,
 * answer the device's release requests, and print one line per event
 * until SIGINT or SIGTERM (or --duration).  Capacity the host holds stays
 * the host's when the agent exits (the next agent finds it held), unless
 * --release-on-exit gives it back first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>

#include "cli/cli.h"
#include "cli/cli_host.h"
#include "core/guid.h"
#include "tagmem/tagmem_poison.h"

typedef struct {
    TmCliHostOptions host;
    double duration;           /* seconds; 0: until a signal */
    gboolean once;
    gboolean release_on_exit;
    double reconnect;          /* seconds to keep trying after the daemon went; 0: stop */
} AgentOptions;

static void agent_options_clear(AgentOptions *options)
{
    tm_cli_host_options_clear(&options->host);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AgentOptions, agent_options_clear)

typedef struct {
    const AgentOptions *options;
    TagmemHost *host;
    GMainLoop *loop;
    const char *stop_reason;
    int status;
    bool connected;
} Agent;

static void agent_stop(Agent *agent, const char *reason, int status)
{
    agent->stop_reason = reason;
    agent->status = status;
    g_main_loop_quit(agent->loop);
}

static gboolean on_readable(gint fd, GIOCondition condition, gpointer data)
{
    Agent *agent = data;
    int handled = tagmem_host_dispatch(agent->host);

    if (handled == -ECONNRESET) {
        agent->connected = false;
        tm_cli_fail("host %d: tagmemd closed the connection", agent->options->host.host_id);
        agent_stop(agent, "disconnected", 1);
        return G_SOURCE_REMOVE;
    }
    if (handled < 0) {
        tm_cli_fail("host %d: %s", agent->options->host.host_id,
                    tagmem_host_last_error(agent->host));
        agent_stop(agent, "error", 1);
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer data)
{
    agent_stop(data, "SIGINT", 0);
    return G_SOURCE_CONTINUE;
}

static gboolean on_sigterm(gpointer data)
{
    agent_stop(data, "SIGTERM", 0);
    return G_SOURCE_CONTINUE;
}

static gboolean on_duration_over(gpointer data)
{
    agent_stop(data, "duration", 0);
    return G_SOURCE_REMOVE;
}

/*
 * One line per device event: "device-event host=N log=L type=T
 * event-type=0x.. severity=S dpa=0x..|none tag=UUID|none offset=0x..|none",
 * the tag and offset when the DPA lies in tagged capacity the host holds.
 */
static void print_device_event(void *data, const TagmemDeviceEvent *event)
{
    const Agent *agent = data;
    static const char *const severities[] = { "informational", "warning", "failure", "fatal" };
    char tag_text[TM_GUID_STRING_LEN + 1] = "none";
    g_autofree char *dpa = event->has_dpa ? g_strdup_printf("0x%" PRIx64, event->dpa)
                                          : g_strdup("none");
    g_autofree char *offset = event->in_tag ? g_strdup_printf("0x%" PRIx64, event->tag_offset)
                                            : g_strdup("none");

    if (event->in_tag) {
        TmGuid tag;

        memcpy(tag.bytes, event->tag, sizeof(tag.bytes));
        tm_guid_format(&tag, tag_text);
    }
    printf("device-event host=%d log=%s type=%s event-type=0x%02x severity=%s dpa=%s tag=%s "
           "offset=%s\n", agent->options->host.host_id, tagmem_device_log_name(event->log),
           tagmem_device_event_type_name(event->type), event->event_type,
           severities[event->flags & 0x3], dpa, tag_text, offset);
    fflush(stdout);
}

/* From now on device events are printed as they come; print those read while connecting. */
static void print_device_events(Agent *agent)
{
    TagmemDeviceEvent event;

    tagmem_host_set_device_event_callback(agent->host, print_device_event, agent);
    while (tagmem_host_next_device_event(agent->host, &event) == 1) {
        print_device_event(agent, &event);
    }
}

/*
 * Signals are caught from before the connection on: a SIGTERM that comes
 * while connecting, or right after "ready", waits for the loop and stops
 * the agent cleanly.
 */
static void catch_signals(Agent *agent, guint *sources)
{
    sources[0] = g_unix_signal_add(SIGINT, on_sigint, agent);
    sources[1] = g_unix_signal_add(SIGTERM, on_sigterm, agent);
}

static void serve(Agent *agent, guint *sources)
{
    sources[2] = g_unix_fd_add(tagmem_host_fd(agent->host), G_IO_IN | G_IO_HUP | G_IO_ERR,
                               on_readable, agent);
    if (agent->options->duration > 0) {
        sources[3] = g_timeout_add((guint)(agent->options->duration * 1000), on_duration_over,
                                   agent);
    }
    g_main_loop_run(agent->loop);
}

static void remove_sources(const guint *sources, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        GSource *source = sources[i] ? g_main_context_find_source_by_id(NULL, sources[i]) : NULL;
        if (source != NULL) {
            g_source_destroy(source);
        }
    }
}

/*
 * "poison host=N dpa=0x.. len=0x.. tag=UUID|none offset=0x.." when the
 * library has made the lines' pages inaccessible, "poison-cleared ..."
 * when it gave them back.
 */
static void print_poison(void *data, const TagmemPoison *poison)
{
    const AgentOptions *options = data;
    char tag_text[TM_GUID_STRING_LEN + 1] = "none";
    TmGuid tag;

    memcpy(tag.bytes, poison->tag, sizeof(tag.bytes));
    if (!tm_guid_is_null(&tag)) {
        tm_guid_format(&tag, tag_text);
    }
    printf("%s host=%d dpa=0x%" PRIx64 " len=0x%" PRIx64 " tag=%s offset=0x%" PRIx64 "\n",
           poison->cleared ? "poison-cleared" : "poison", options->host.host_id, poison->dpa,
           poison->length, tag_text, poison->tag_offset);
    fflush(stdout);
}

/* Poison found while connecting, before the callback was set. */
static void print_known_poison(const Agent *agent)
{
    size_t count = tagmem_host_poison(agent->host, 0, UINT64_MAX, NULL, 0);
    g_autofree TagmemPoison *known = g_new(TagmemPoison, MAX(count, 1));

    count = tagmem_host_poison(agent->host, 0, UINT64_MAX, known, count);
    for (size_t i = 0; i < count; i++) {
        print_poison((void *)agent->options, &known[i]);
    }
}

/* Give back every tag group (and untagged extent) the host holds. */
static int release_everything(Agent *agent)
{
    size_t count = tagmem_host_extents(agent->host, NULL, 0);
    g_autofree TagmemMapping *held = g_new(TagmemMapping, MAX(count, 1));
    int status = 0;

    count = tagmem_host_extents(agent->host, held, count);
    for (size_t i = 0; i < count; i++) {
        static const uint8_t untagged[16];
        const TagmemExtent *extent = &held[i].extent;
        bool tagged = memcmp(extent->tag, untagged, sizeof(untagged)) != 0;
        /* A tag's group goes whole, with its first extent; later ones are gone by then. */
        int rc = tagged ? tagmem_host_release_tag(agent->host, extent->tag)
                        : tagmem_host_release_range(agent->host, extent->dpa, extent->length);
        if (rc < 0 && !(tagged && rc == -ENOENT)) {
            status = tm_cli_fail("host %d: releasing DPA 0x%" G_GINT64_MODIFIER "x: %s",
                                 agent->options->host.host_id, extent->dpa,
                                 tagmem_host_last_error(agent->host));
        }
    }
    return status;
}

static bool check_agent_options(const AgentOptions *options, int argc, char **argv)
{
    if (argc > 1) {
        tm_cli_fail("host-agent takes no arguments, got '%s'", argv[1]);
        return false;
    }
    if (options->duration < 0) {
        tm_cli_fail("--duration: expected a number of seconds >= 0, got %g", options->duration);
        return false;
    }
    if (options->reconnect < 0 || options->reconnect > 86400) {
        tm_cli_fail("--reconnect: expected 0 to 86400 seconds, got %g", options->reconnect);
        return false;
    }
    if (options->once && options->duration > 0) {
        tm_cli_fail("--once answers the event log as it is and exits: it takes no --duration");
        return false;
    }
    return true;
}

/* Connect, say "ready", serve until told to stop, say "stopped"; the exit status. */
static int run_agent(const AgentOptions *options)
{
    Agent agent = { .options = options, .connected = true, .stop_reason = "once" };
    guint sources[4] = { 0 };
    agent.loop = g_main_loop_new(NULL, FALSE);
    catch_signals(&agent, sources);
    agent.host = tm_cli_host_connect(&options->host, true);
    if (agent.host != NULL) {
        tagmem_host_set_reconnect(agent.host, (int)(options->reconnect * 1000));
        tagmem_host_set_poison_callback(agent.host, print_poison, (void *)options);
        print_known_poison(&agent);
        g_autofree char *path = tm_cli_host_socket(&options->host);
        printf("ready host=%d socket=%s policy=%s seq-base=%d held=%zu\n", options->host.host_id,
               path, options->host.policy ? options->host.policy : "linux",
               options->host.sequence_base, tagmem_host_extents(agent.host, NULL, 0));
        fflush(stdout);
        print_device_events(&agent);
        if (!options->once) {
            serve(&agent, sources);
        }
    }
    remove_sources(sources, G_N_ELEMENTS(sources));
    g_main_loop_unref(agent.loop);
    if (agent.host == NULL) {
        return 1;
    }
    if (options->release_on_exit && agent.connected && release_everything(&agent) != 0) {
        agent.status = 1;
    }
    printf("stopped host=%d reason=%s\n", options->host.host_id, agent.stop_reason);
    tagmem_host_close(agent.host);
    return agent.status;
}

int tm_cli_cmd_host_agent(const TmCliGlobal *global, int argc, char **argv)
{
    g_auto(AgentOptions) options = { .host = TM_CLI_HOST_OPTIONS_INIT, .reconnect = 30 };
    const GOptionEntry entries[] = {
        TM_CLI_HOST_OPTION_ENTRIES(&options.host),
        { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &options.duration,
          "Stop after SECONDS (default: at SIGINT or SIGTERM)", "SECONDS" },
        { "once", 0, 0, G_OPTION_ARG_NONE, &options.once,
          "Answer what the event log holds now, then exit", NULL },
        { "release-on-exit", 0, 0, G_OPTION_ARG_NONE, &options.release_on_exit,
          "Give back everything the host holds before exiting (default: keep it)", NULL },
        { "reconnect", 0, 0, G_OPTION_ARG_DOUBLE, &options.reconnect,
          "When tagmemd goes away, keep trying to reconnect for SECONDS and carry on "
          "(default 30; 0: stop at once)", "SECONDS" },
        G_OPTION_ENTRY_NULL,
    };

    if (!tm_cli_host_check_global(global, "host-agent")) {
        return 1;
    }
    bool parsed = tm_cli_parse_options(
        "host-agent", "",
        "Be host N of a tagmem device: accept or reject the capacity the device offers\n"
        "(with --policy), answer its release requests, and print one line per event:\n"
        "  accepted|rejected|released|forced host=N dpa=0x.. len=0x.. tag=UUID|none seq=S\n"
        "and one per event the device reports on itself (media errors, health):\n"
        "  device-event host=N log=L type=T event-type=0x.. severity=S dpa=0x..|none\n"
        "    tag=UUID|none offset=0x..|none  (offset within the tagged allocation)\n"
        "A first line 'ready host=N ...' says the agent is serving; it stops at SIGINT or\n"
        "SIGTERM and prints 'stopped host=N reason=...'.  What the host holds stays its\n"
        "own when the agent exits, unless --release-on-exit.",
        entries, &argc, &argv);
    if (!parsed || !check_agent_options(&options, argc, argv)) {
        return 1;
    }
    return run_agent(&options);
}

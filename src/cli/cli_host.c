#include "cli/cli_host.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/runtime_dir.h"
#include "core/size.h"

/* num-hosts is at most 256 (docs/configuration.md). */
#define MAX_HOST_ID 255

void tm_cli_host_options_clear(TmCliHostOptions *options)
{
    g_free(options->socket_path);
    g_free(options->policy);
}

bool tm_cli_host_check_global(const TmCliGlobal *global, const char *name)
{
    if (global->qmp_socket != NULL) {
        tm_cli_fail("--socket before '%s' is the QMP socket; give the host's CCI socket after "
                    "it: tagmem %s --host N --socket PATH", name, name);
        return false;
    }
    return true;
}

char *tm_cli_host_socket(const TmCliHostOptions *options)
{
    if (options->socket_path != NULL) {
        return g_strdup(options->socket_path);
    }
    g_autofree char *dir = tm_runtime_dir_default();
    g_autofree char *name = g_strdup_printf("host%d.sock", options->host_id);
    return g_build_filename(dir, name, NULL);
}

static bool parse_policy(const char *name, TagmemPolicy *policy)
{
    static const struct {
        const char *name;
        TagmemPolicy policy;
    } policies[] = {
        { "linux", TAGMEM_POLICY_LINUX_V11 },
        { "accept-all", TAGMEM_POLICY_ACCEPT_ALL },
        { "reject-all", TAGMEM_POLICY_REJECT_ALL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(policies); i++) {
        if (strcmp(name, policies[i].name) == 0) {
            *policy = policies[i].policy;
            return true;
        }
    }
    tm_cli_fail("--policy: expected linux, accept-all or reject-all, got '%s'", name);
    return false;
}

static bool check_options(const TmCliHostOptions *options, TagmemPolicy *policy)
{
    if (options->host_id < 0) {
        if (options->host_id == -1) {
            tm_cli_fail("--host N is required");
        } else {
            tm_cli_fail("--host: expected a host id from 0 to %d, got %d", MAX_HOST_ID,
                        options->host_id);
        }
        return false;
    }
    if (options->host_id > MAX_HOST_ID) {
        tm_cli_fail("--host: expected a host id from 0 to %d, got %d", MAX_HOST_ID,
                    options->host_id);
        return false;
    }
    if (options->sequence_base != 0 && options->sequence_base != 1) {
        tm_cli_fail("--seq-base: expected 0 or 1, got %d", options->sequence_base);
        return false;
    }
    return parse_policy(options->policy ? options->policy : "linux", policy);
}

/*
 * One line per event, "WORD host=N dpa=0x.. len=0x.. tag=UUID|none seq=S"
 * and the reason of a rejection: easy to read, easy to grep.
 */
static void print_event(void *data, const TagmemEvent *event)
{
    const TmCliHostOptions *options = data;
    char tag_text[TM_GUID_STRING_LEN + 1] = "none";
    TmGuid tag;

    memcpy(tag.bytes, event->extent.tag, sizeof(tag.bytes));
    if (!tm_guid_is_null(&tag)) {
        tm_guid_format(&tag, tag_text);
    }
    printf("%s host=%d dpa=0x%" PRIx64 " len=0x%" PRIx64 " tag=%s seq=%u", tagmem_event_kind_name(event->kind),
           options->host_id, event->extent.dpa, event->extent.length, tag_text,
           event->extent.shared_seq);
    if (event->kind == TAGMEM_EVENT_REJECTED) {
        printf(" reason=\"%s\"", tagmem_verdict_name(event->verdict));
    }
    if (event->kind == TAGMEM_EVENT_ACCEPTED && event->slow_path) {
        printf(" slow-path");
    }
    putchar('\n');
    fflush(stdout);
}

/* libtagmem's errors and warnings always; its info and debug lines with --verbose. */
static void print_log(void *data, TagmemLogLevel level, const char *message)
{
    const TmCliHostOptions *options = data;
    static const char *const level_names[] = { "error", "warning", "info", "debug" };

    if (level <= TAGMEM_LOG_WARNING || options->verbose) {
        fprintf(stderr, "tagmem: host %d: %s: %s\n", options->host_id,
                level_names[MIN((unsigned)level, G_N_ELEMENTS(level_names) - 1)], message);
    }
}

TagmemHost *tm_cli_host_connect(const TmCliHostOptions *options, bool print_events)
{
    TagmemHostOptions host_options = {
        .sequence_base = (uint16_t)options->sequence_base,
        .event_fn = print_events ? print_event : NULL,
        .event_data = (void *)options,
        .log_fn = print_log,
        .log_data = (void *)options,
    };
    char *error = NULL;

    if (!check_options(options, &host_options.policy)) {
        return NULL;
    }
    g_autofree char *path = tm_cli_host_socket(options);
    TagmemHost *host = tagmem_host_connect(path, &host_options, &error);
    if (host == NULL) {
        tm_cli_fail("host %d: %s", options->host_id, error);
        free(error);
    }
    return host;
}


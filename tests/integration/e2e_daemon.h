/*
 * The daemon side of the end-to-end host tests: tagmemd started with
 * "-nodefaults" and the test's own -object/-device lines (the default
 * device may change; these tests do not depend on it), QMP requests
 * written compactly, and summaries of query-cxl-dynamic-capacity that a
 * test compares with a string.
 *
 * Extent lists are written "OFFSET:LEN OFFSET:LEN ...", offsets counted
 * from the region base, numbers in bytes or with an M suffix (MiB):
 * "4M:2M 0:2M".  Summaries list extents as "DPA+LEN#SEQ" in hex, by DPA:
 * "0x10400000+0x200000#0 0x10000000+0x200000#1".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-c/json.h>

#include "daemon_harness.h"

#define MiB (UINT64_C(1) << 20)

typedef struct {
    TmTestDaemon *daemon;
    TmQmpConn *qmp;
} TmE2e;

/* tagmemd -nodefaults @args (NULL-terminated); host sockets are in DIR/tagmem. */
void tm_e2e_start(TmE2e *e2e, const char *const *args);

/* SIGTERM; asserts exit status 0. */
void tm_e2e_stop(TmE2e *e2e);

/* The first device's host @host socket. */
char *tm_e2e_host_socket(const TmE2e *e2e, unsigned host);

/* Execute @command on device "dcd0" arguments (JSON, printf format; "path" added); assert success. */
void tm_e2e_qmp_ok(TmE2e *e2e, const char *command, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* The same, asserting a GenericError whose message holds @fragment. */
void tm_e2e_qmp_error(TmE2e *e2e, const char *fragment, const char *command,
                      const char *format, ...) G_GNUC_PRINTF(4, 5);

/* Prescriptive add of @extents to @host in @region; @tag NULL: untagged. */
void tm_e2e_add(TmE2e *e2e, unsigned host, unsigned region, const char *tag,
                const char *extents);

/* enable-shared-access: give @host the tag's allocation in @region. */
void tm_e2e_share(TmE2e *e2e, unsigned host, unsigned region, const char *tag);

/*
 * Release from @host: prescriptive @extents, or tag-based (@extents NULL),
 * with forced-removal @forced and sanitize-on-release @sanitize.
 */
void tm_e2e_release(TmE2e *e2e, unsigned host, unsigned region, const char *tag,
                    const char *extents, bool forced, bool sanitize);

/* query-cxl-dynamic-capacity's entry for dcd0 (a new reference). */
json_object *tm_e2e_query(TmE2e *e2e);

/* The extents @host has accepted, as a summary (see above); "" when none. */
char *tm_e2e_accepted(TmE2e *e2e, unsigned host);

/* The extents of @host's pending groups, as a summary, groups separated by " | ". */
char *tm_e2e_pending(TmE2e *e2e, unsigned host);

/* @host's extent-list generation number. */
uint64_t tm_e2e_generation(TmE2e *e2e, unsigned host);

/* "STATE pending=H,H committed=H,H" for @tag, or "absent". */
char *tm_e2e_tag_state(TmE2e *e2e, const char *tag);

/* A QMP connection that only listens for events. */
TmQmpConn *tm_e2e_listen(TmE2e *e2e);

/* The next event named @name on @listener (others skipped); fails after the agent timeout. */
json_object *tm_e2e_next_event(TmQmpConn *listener, const char *name);

/* "DPA+LEN#SEQ ..." of an event's extents. */
char *tm_e2e_event_extents(json_object *event);

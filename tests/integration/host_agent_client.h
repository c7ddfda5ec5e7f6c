/*
 * The test side of tagmem-test-host-agent (host_agent.c): spawn host
 * processes that use libtagmem, send them commands and read their
 * answers, with a deadline on every wait.  Failures abort the test.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

#define TM_AGENT_TIMEOUT_MS 20000

typedef struct TmAgent TmAgent;

/* A new agent process ($TAGMEM_HOST_AGENT, which meson sets); it dies with the test. */
TmAgent *tm_agent_start(void);

/* Send one command line without waiting for its answer. */
void tm_agent_send(TmAgent *agent, const char *format, ...) G_GNUC_PRINTF(2, 3);

/*
 * The final line of the answer to the oldest command not yet answered
 * ("ok ..." or "err ..."); "event" lines before it are kept (take them with
 * tm_agent_take_events), other lines ("extent", ...) in tm_agent_lines.
 * The string is the agent's, valid until its next call.
 */
const char *tm_agent_reply(TmAgent *agent);

/* Send and wait for the answer. */
const char *tm_agent_call(TmAgent *agent, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Send, wait, assert the answer is "ok" or "ok ..." and return what follows "ok " ("" if none). */
const char *tm_agent_ok(TmAgent *agent, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* The "event ..." lines received so far, oldest first; the agent forgets them. */
GPtrArray *tm_agent_take_events(TmAgent *agent);

/* The other lines of the last answer ("extent ..."). */
GPtrArray *tm_agent_lines(TmAgent *agent);

/* Send a signal. */
void tm_agent_kill(TmAgent *agent, int signo);

/* Wait up to @timeout_ms for the agent to exit (its stdout closes); returns its wait status. */
int tm_agent_wait(TmAgent *agent, int timeout_ms);

/* Ask it to exit and assert a clean exit (status 0). */
void tm_agent_exit(TmAgent *agent);

/* Kill the agent if it still runs, reap it and free. */
void tm_agent_free(TmAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmAgent, tm_agent_free)

/* "hello" → "68656c6c6f", to compare with peek/read answers. */
char *tm_agent_hex(const char *text);

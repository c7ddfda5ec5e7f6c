/*
 * --state-dir: the state journal (state/journal.h) wired to the front
 * ends, and the replay that rebuilds the daemon's state at start
 * (docs/durable-state.md).
 *
 * At start the daemon creates what its command line names, then replays
 * every recorded change through the same QMP and mailbox dispatchers that
 * first ran it; any change that no longer applies (the command line lost
 * a backend it used, say) refuses the start with the change named.  After
 * that, each change is recorded before its request is answered.
 */
#pragma once

#include <glib.h>

#include "cci/mailbox.h"
#include "device/device_registry.h"
#include "qmp/qmp_env.h"

typedef struct TmDurableState TmDurableState;

/* Open and lock the state directory (see tm_journal_open for refusals). */
TmDurableState *tm_durable_state_open(const char *dir, GError **err);
void tm_durable_state_free(TmDurableState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmDurableState, tm_durable_state_free)

/*
 * Run every recorded change against @env's backends and devices; then
 * answer-parts that replayed connections left (a restart closed them) are
 * dropped.  @env must not record yet.
 */
bool tm_durable_state_replay(TmDurableState *state, TmQmpEnv *env, GError **err);

/* From now on, QMP changes through @env are recorded. */
void tm_durable_state_record_qmp(TmDurableState *state, TmQmpEnv *env);

/* The recorder for the CCI server's connections. */
const TmMailboxRecorder *tm_durable_state_mailbox_recorder(TmDurableState *state);

/*
 * Record the end of every background operation of @devices (the mark a
 * replay pairs with a recorded sanitize start).  A replay started again
 * the sanitizes it found unfinished.
 */
void tm_durable_state_record_background(TmDurableState *state, TmDeviceRegistry *devices);

/* Record the withdrawals the daemon made on its own (dc-offer-timeout). */
void tm_durable_state_record_withdrawn(TmDurableState *state, const char *device_path,
                                       const GArray *withdrawn);

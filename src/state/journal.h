/*
 * The state journal: every request that changed the daemon's state, in
 * order, kept in an SQLite database in the state directory (--state-dir),
 * so that a restarted daemon rebuilds that state by running them again
 * (docs/durable-state.md).  What is kept is the request as it reached a
 * front end -- a QMP command and its arguments, or a CCI mailbox command
 * and its payload with the port that sent it -- like Redis's append-only
 * file; the front ends know which commands change state.
 *
 * Each entry is recorded before its request is answered, in its own
 * transaction, in WAL mode with synchronous=NORMAL: a committed entry
 * survives the process being killed at any instant (it is in the
 * operating system's hands), not a power loss -- which the memory it
 * describes does not survive either.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmJournal TmJournal;

typedef enum {
    TM_JOURNAL_QMP = 1,
    TM_JOURNAL_CCI = 2,
} TmJournalFront;

typedef struct {
    int64_t seq;              /* set by the journal: 1, 2, ... */
    TmJournalFront front;
    /* QMP: the command and its "arguments" object as JSON text. */
    const char *command;
    const char *arguments;
    /* CCI: the device's id, the caller's port, host and connection, the request. */
    const char *device;
    unsigned int port;
    uint16_t host_id;
    uint64_t connection_id;
    uint16_t opcode;
    const void *payload;
    size_t payload_len;
} TmJournalEntry;

/* Free space a change needs in the state directory before it is made. */
#define TM_JOURNAL_MIN_FREE_BYTES (1u << 20)

/*
 * Open (creating them if need be) the state directory @dir and its
 * journal, and lock it against a second daemon.  Refused with a message
 * saying why and what to do: another daemon holds the lock; the file is
 * not a tagmem journal, was written by a newer tagmemd, or is damaged.
 */
TmJournal *tm_journal_open(const char *dir, GError **err);
void tm_journal_close(TmJournal *journal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmJournal, tm_journal_close)

const char *tm_journal_dir(const TmJournal *journal);

/* There is room for another change (TM_JOURNAL_MIN_FREE_BYTES free). */
bool tm_journal_has_room(TmJournal *journal, GError **err);

/* Append @entry (its seq is ignored) in one committed transaction. */
bool tm_journal_append(TmJournal *journal, const TmJournalEntry *entry, GError **err);

/*
 * Call @fn for every entry in order, checking each one's checksum; stops
 * at the first failure (a damaged entry, or @fn's).
 */
typedef bool (*TmJournalFn)(const TmJournalEntry *entry, void *opaque, GError **err);
bool tm_journal_foreach(TmJournal *journal, TmJournalFn fn, void *opaque, GError **err);

/* Entries in the journal. */
int64_t tm_journal_count(TmJournal *journal);

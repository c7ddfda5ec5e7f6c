#include "state/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/error.h"

/* "TMEM": PRAGMA application_id, so that another program's database is refused. */
#define JOURNAL_APPLICATION_ID 0x544d454d
/* PRAGMA user_version: the layout below.  A newer one is refused, never guessed at. */
#define JOURNAL_FORMAT 1

#define JOURNAL_FILE "journal.sqlite"
#define LOCK_FILE "lock"

static const char journal_schema[] =
    "CREATE TABLE IF NOT EXISTS changes ("
    " seq INTEGER PRIMARY KEY,"
    " front INTEGER NOT NULL,"
    " command TEXT, arguments TEXT,"
    " device TEXT, port INTEGER, host_id INTEGER, connection_id INTEGER, opcode INTEGER,"
    " payload BLOB,"
    " checksum TEXT NOT NULL)";

struct TmJournal {
    char *dir;
    char *path;
    int lock_fd;
    sqlite3 *db;
    sqlite3_stmt *insert;
};

/* What a refused store's message ends with: the way out (docs/durable-state.md). */
#define RECOVERY_HINT "; move the state directory aside to start empty"

static bool db_fail(TmJournal *journal, const char *what, GError **err)
{
    int code = sqlite3_errcode(journal->db) & 0xff;

    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state store %s is damaged (%s: %s)"
                    RECOVERY_HINT, journal->path, what, sqlite3_errmsg(journal->db));
    } else {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state store %s: %s: %s", journal->path,
                    what, sqlite3_errmsg(journal->db));
    }
    return false;
}

/* One flock for the directory: a second daemon on it would double every change. */
static bool lock_dir(TmJournal *journal, GError **err)
{
    g_autofree char *path = g_build_filename(journal->dir, LOCK_FILE, NULL);

    journal->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (journal->lock_fd < 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state directory %s: cannot open %s: %s",
                    journal->dir, path, g_strerror(errno));
        return false;
    }
    if (flock(journal->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = "";
        ssize_t n = pread(journal->lock_fd, holder, sizeof(holder) - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        g_strchomp(holder);
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "state directory %s is in use by another tagmemd%s%s%s", journal->dir,
                    holder[0] ? " (pid " : "", holder, holder[0] ? ")" : "");
        return false;
    }
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(journal->lock_fd, 0) != 0 ||
        pwrite(journal->lock_fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state directory %s: cannot write %s: %s",
                    journal->dir, path, g_strerror(errno));
        return false;
    }
    return true;
}

static bool pragma_int(TmJournal *journal, const char *pragma, int64_t *value, GError **err)
{
    g_autofree char *sql = g_strdup_printf("PRAGMA %s", pragma);
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(journal->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return db_fail(journal, pragma, err);
    }
    *value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return true;
}

/* SQLite's own check of every page and index: a damaged file is refused whole. */
static bool check_integrity(TmJournal *journal, GError **err)
{
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(journal->db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return db_fail(journal, "integrity check", err);
    }
    const char *verdict = (const char *)sqlite3_column_text(stmt, 0);
    bool ok = verdict != NULL && strcmp(verdict, "ok") == 0;
    if (!ok) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state store %s is damaged: %s"
                    RECOVERY_HINT, journal->path, verdict ? verdict : "(no verdict)");
    }
    sqlite3_finalize(stmt);
    return ok;
}

/* A new file gets our identity and layout; an existing one must have them. */
static bool check_identity(TmJournal *journal, GError **err)
{
    int64_t application_id, format, tables;

    if (!pragma_int(journal, "application_id", &application_id, err) ||
        !pragma_int(journal, "user_version", &format, err) ||
        !pragma_int(journal, "schema_version", &tables, err)) {
        return false;
    }
    if (tables == 0 && application_id == 0) {
        g_autofree char *sql = g_strdup_printf("PRAGMA application_id = %d; "
                                               "PRAGMA user_version = %d; %s",
                                               JOURNAL_APPLICATION_ID, JOURNAL_FORMAT,
                                               journal_schema);
        return sqlite3_exec(journal->db, sql, NULL, NULL, NULL) == SQLITE_OK ||
               db_fail(journal, "cannot create the journal", err);
    }
    if (application_id != JOURNAL_APPLICATION_ID) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "state store %s is not a tagmem journal (application id 0x%" PRIx64 ")",
                    journal->path, (uint64_t)application_id);
        return false;
    }
    if (format != JOURNAL_FORMAT) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "state store %s has format %" PRId64 ", this tagmemd reads format %d%s",
                    journal->path, format, JOURNAL_FORMAT,
                    format > JOURNAL_FORMAT ? " (it was written by a newer tagmemd)" : "");
        return false;
    }
    return true;
}

static bool open_db(TmJournal *journal, GError **err)
{
    int rc = sqlite3_open_v2(journal->path, &journal->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    if (rc != SQLITE_OK) {
        return db_fail(journal, "cannot open", err);
    }
    sqlite3_extended_result_codes(journal->db, 1);
    /*
     * WAL + NORMAL: each commit reaches the kernel before the request is
     * answered, and only checkpoints wait for the disk.  Exclusive locking
     * (the directory's flock already keeps other daemons out) keeps the
     * WAL index in this process's memory, and a larger checkpoint interval
     * (16 MiB of WAL) makes those waits rarer: together they halve the
     * cost of a commit (bench-state).
     */
    if (sqlite3_exec(journal->db,
                     "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; "
                     "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4000",
                     NULL, NULL, NULL) != SQLITE_OK) {
        return db_fail(journal, "cannot open", err);
    }
    if (!check_integrity(journal, err) || !check_identity(journal, err)) {
        return false;
    }
    return sqlite3_prepare_v2(journal->db,
                              "INSERT INTO changes (front, command, arguments, device, port, "
                              "host_id, connection_id, opcode, payload, checksum) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              -1, &journal->insert, NULL) == SQLITE_OK ||
           db_fail(journal, "cannot prepare", err);
}

TmJournal *tm_journal_open(const char *dir, GError **err)
{
    g_autoptr(TmJournal) journal = g_new0(TmJournal, 1);

    journal->lock_fd = -1;
    journal->dir = g_strdup(dir);
    journal->path = g_build_filename(dir, JOURNAL_FILE, NULL);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state directory %s: cannot create: %s",
                    dir, g_strerror(errno));
        return NULL;
    }
    if (!lock_dir(journal, err) || !open_db(journal, err)) {
        return NULL;
    }
    return g_steal_pointer(&journal);
}

void tm_journal_close(TmJournal *journal)
{
    if (journal == NULL) {
        return;
    }
    sqlite3_finalize(journal->insert);
    sqlite3_close(journal->db);
    if (journal->lock_fd >= 0) {
        close(journal->lock_fd);
    }
    g_free(journal->path);
    g_free(journal->dir);
    g_free(journal);
}

const char *tm_journal_dir(const TmJournal *journal)
{
    return journal->dir;
}

bool tm_journal_has_room(TmJournal *journal, GError **err)
{
    struct statvfs fs;

    if (statvfs(journal->dir, &fs) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "state directory %s: %s", journal->dir,
                    g_strerror(errno));
        return false;
    }
    uint64_t free_bytes = (uint64_t)fs.f_bavail * fs.f_frsize;
    if (free_bytes < TM_JOURNAL_MIN_FREE_BYTES) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "state directory %s has %" PRIu64 " bytes free, a change needs %u: "
                    "nothing was changed", journal->dir, free_bytes,
                    TM_JOURNAL_MIN_FREE_BYTES);
        return false;
    }
    return true;
}

static void checksum_add_text(GChecksum *sum, const char *text)
{
    uint32_t length = text ? (uint32_t)strlen(text) + 1 : 0; /* NULL and "" differ */

    g_checksum_update(sum, (const guchar *)&length, sizeof(length));
    if (text != NULL) {
        g_checksum_update(sum, (const guchar *)text, length - 1);
    }
}

/* SHA-256 over every field: a flipped bit anywhere in an entry is caught. */
static char *entry_checksum(const TmJournalEntry *entry)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    uint64_t numbers[] = { entry->front, entry->port, entry->host_id, entry->connection_id,
                           entry->opcode, entry->payload_len };

    checksum_add_text(sum, entry->command);
    checksum_add_text(sum, entry->arguments);
    checksum_add_text(sum, entry->device);
    g_checksum_update(sum, (const guchar *)numbers, sizeof(numbers));
    if (entry->payload_len > 0) {
        g_checksum_update(sum, entry->payload, entry->payload_len);
    }
    return g_strdup(g_checksum_get_string(sum));
}

static void bind_text(sqlite3_stmt *stmt, int column, const char *text)
{
    if (text != NULL) {
        sqlite3_bind_text(stmt, column, text, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(stmt, column);
    }
}

bool tm_journal_append(TmJournal *journal, const TmJournalEntry *entry, GError **err)
{
    g_autofree char *checksum = entry_checksum(entry);
    sqlite3_stmt *stmt = journal->insert;

    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    sqlite3_bind_int(stmt, 1, entry->front);
    bind_text(stmt, 2, entry->command);
    bind_text(stmt, 3, entry->arguments);
    bind_text(stmt, 4, entry->device);
    if (entry->front == TM_JOURNAL_CCI) {
        sqlite3_bind_int(stmt, 5, (int)entry->port);
        sqlite3_bind_int(stmt, 6, entry->host_id);
        sqlite3_bind_int64(stmt, 7, (sqlite3_int64)entry->connection_id);
        sqlite3_bind_int(stmt, 8, entry->opcode);
        sqlite3_bind_blob64(stmt, 9, entry->payload ? entry->payload : "", entry->payload_len,
                            SQLITE_STATIC);
    }
    bind_text(stmt, 10, checksum);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE || db_fail(journal, "cannot record a change", err);
}

static const char *column_text(sqlite3_stmt *stmt, int column)
{
    return (const char *)sqlite3_column_text(stmt, column);
}

/* The entry in the statement's current row; its text stays valid until the next step. */
static void read_entry(sqlite3_stmt *stmt, TmJournalEntry *entry)
{
    *entry = (TmJournalEntry){
        .seq = sqlite3_column_int64(stmt, 0),
        .front = (TmJournalFront)sqlite3_column_int(stmt, 1),
        .command = column_text(stmt, 2),
        .arguments = column_text(stmt, 3),
        .device = column_text(stmt, 4),
        .port = (unsigned int)sqlite3_column_int(stmt, 5),
        .host_id = (uint16_t)sqlite3_column_int(stmt, 6),
        .connection_id = (uint64_t)sqlite3_column_int64(stmt, 7),
        .opcode = (uint16_t)sqlite3_column_int(stmt, 8),
    };
    entry->payload = sqlite3_column_blob(stmt, 9);
    entry->payload_len = (size_t)sqlite3_column_bytes(stmt, 9);
}

static bool check_entry(TmJournal *journal, sqlite3_stmt *stmt, const TmJournalEntry *entry,
                        GError **err)
{
    g_autofree char *expected = entry_checksum(entry);
    const char *stored = column_text(stmt, 10);

    if ((entry->front != TM_JOURNAL_QMP && entry->front != TM_JOURNAL_CCI) ||
        stored == NULL || strcmp(stored, expected) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "state store %s is damaged: change %" PRId64 " fails its checksum"
                    RECOVERY_HINT, journal->path, entry->seq);
        return false;
    }
    return true;
}

bool tm_journal_foreach(TmJournal *journal, TmJournalFn fn, void *opaque, GError **err)
{
    sqlite3_stmt *stmt = NULL;
    bool ok = true;
    int rc;

    if (sqlite3_prepare_v2(journal->db,
                           "SELECT seq, front, command, arguments, device, port, host_id, "
                           "connection_id, opcode, payload, checksum FROM changes ORDER BY seq",
                           -1, &stmt, NULL) != SQLITE_OK) {
        return db_fail(journal, "cannot read", err);
    }
    while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        TmJournalEntry entry;
        read_entry(stmt, &entry);
        ok = check_entry(journal, stmt, &entry, err) && fn(&entry, opaque, err);
    }
    if (ok && rc != SQLITE_DONE) {
        ok = db_fail(journal, "cannot read", err);
    }
    sqlite3_finalize(stmt);
    return ok;
}

int64_t tm_journal_count(TmJournal *journal)
{
    int64_t count = 0;
    sqlite3_stmt *stmt = NULL;

    if (sqlite3_prepare_v2(journal->db, "SELECT count(*) FROM changes", -1, &stmt, NULL) ==
            SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
        count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return count;
}

/*
 * The state journal (state/journal.h): entries come back in order and
 * field for field; a second opener is refused while the first holds the
 * lock, and welcome after; an entry edited behind the journal's back
 * fails its checksum and stops the walk there.
 */
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "state/journal.h"

static char *make_dir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("tagmem-journal-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

static void remove_dir(const char *dir)
{
    g_autofree char *command = g_strdup_printf("rm -rf '%s'", dir);

    g_assert_cmpint(system(command), ==, 0);
}

static const uint8_t payload[] = { 1, 0, 0, 0, 0xff, 0x00, 0x7f };

static void append_two(TmJournal *journal)
{
    g_autoptr(GError) err = NULL;
    TmJournalEntry qmp = { .front = TM_JOURNAL_QMP, .command = "object-add",
                           .arguments = "{\"id\":\"m\"}" };
    TmJournalEntry cci = { .front = TM_JOURNAL_CCI, .device = "dcd0", .port = 2,
                           .host_id = 3, .connection_id = UINT64_C(1) << 40,
                           .opcode = 0x4802, .payload = payload,
                           .payload_len = sizeof(payload) };

    g_assert_true(tm_journal_append(journal, &qmp, &err));
    g_assert_true(tm_journal_append(journal, &cci, &err));
    g_assert_no_error(err);
}

static bool collect(const TmJournalEntry *entry, void *opaque, GError **err)
{
    GString *out = opaque;

    if (entry->front == TM_JOURNAL_QMP) {
        g_string_append_printf(out, "%" G_GINT64_FORMAT " qmp %s %s\n", entry->seq,
                               entry->command, entry->arguments);
    } else {
        g_string_append_printf(out, "%" G_GINT64_FORMAT " cci %s %u %u %" G_GUINT64_FORMAT
                               " %04x", entry->seq, entry->device, entry->port,
                               entry->host_id, entry->connection_id, entry->opcode);
        for (size_t i = 0; i < entry->payload_len; i++) {
            g_string_append_printf(out, " %02x", ((const uint8_t *)entry->payload)[i]);
        }
        g_string_append_c(out, '\n');
    }
    return true;
}

static void test_round_trip(void)
{
    g_autofree char *dir = make_dir();
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    TmJournal *journal = tm_journal_open(dir, &err);

    g_assert_no_error(err);
    append_two(journal);
    tm_journal_close(journal);

    journal = tm_journal_open(dir, &err);
    g_assert_no_error(err);
    g_assert_cmpint(tm_journal_count(journal), ==, 2);
    g_assert_true(tm_journal_foreach(journal, collect, out, &err));
    g_assert_cmpstr(out->str, ==,
                    "1 qmp object-add {\"id\":\"m\"}\n"
                    "2 cci dcd0 2 3 1099511627776 4802 01 00 00 00 ff 00 7f\n");
    g_assert_true(tm_journal_has_room(journal, &err));
    tm_journal_close(journal);
    remove_dir(dir);
}

static void test_lock(void)
{
    g_autofree char *dir = make_dir();
    g_autoptr(GError) err = NULL;
    TmJournal *first = tm_journal_open(dir, &err);

    g_assert_nonnull(first);
    g_assert_null(tm_journal_open(dir, &err));
    g_assert_nonnull(strstr(err->message, "is in use by another tagmemd"));
    g_clear_error(&err);
    tm_journal_close(first);
    TmJournal *second = tm_journal_open(dir, &err);
    g_assert_no_error(err);
    tm_journal_close(second);
    remove_dir(dir);
}

static bool count_entries(const TmJournalEntry *entry, void *opaque, GError **err)
{
    (*(int *)opaque)++;
    return true;
}

static void test_checksum(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *db = g_build_filename(dir, "journal.sqlite", NULL);
    g_autoptr(GError) err = NULL;
    TmJournal *journal = tm_journal_open(dir, &err);
    sqlite3 *handle;
    int seen = 0;

    append_two(journal);
    tm_journal_close(journal);
    g_assert_cmpint(sqlite3_open(db, &handle), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(handle, "UPDATE changes SET host_id = 4 WHERE seq = 2", NULL,
                                 NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(handle);

    journal = tm_journal_open(dir, &err);
    g_assert_no_error(err);
    g_assert_false(tm_journal_foreach(journal, count_entries, &seen, &err));
    g_assert_cmpint(seen, ==, 1);
    g_assert_nonnull(strstr(err->message, "change 2 fails its checksum"));
    tm_journal_close(journal);
    remove_dir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/state/journal/round-trip", test_round_trip);
    g_test_add_func("/state/journal/lock", test_lock);
    g_test_add_func("/state/journal/checksum", test_checksum);
    return g_test_run();
}

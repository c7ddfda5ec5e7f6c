#include "cli/cli_table.h"

#include <string.h>

struct TmCliTable {
    GStrv headers;
    guint columns;
    GPtrArray *rows; /* GStrv */
};

TmCliTable *tm_cli_table_new(const char *const *headers)
{
    TmCliTable *table = g_new0(TmCliTable, 1);

    table->headers = g_strdupv((char **)headers);
    table->columns = g_strv_length(table->headers);
    table->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    return table;
}

void tm_cli_table_free(TmCliTable *table)
{
    if (table == NULL) {
        return;
    }
    g_strfreev(table->headers);
    g_ptr_array_unref(table->rows);
    g_free(table);
}

void tm_cli_table_add(TmCliTable *table, GStrv cells)
{
    g_assert(g_strv_length(cells) == table->columns);
    g_ptr_array_add(table->rows, cells);
}

guint tm_cli_table_rows(const TmCliTable *table)
{
    return table->rows->len;
}

static void print_row(const TmCliTable *table, char *const *cells, const int *widths, FILE *out)
{
    for (guint c = 0; c < table->columns; c++) {
        if (c + 1 == table->columns) {
            fprintf(out, "%s\n", cells[c]);
        } else {
            fprintf(out, "%-*s  ", widths[c], cells[c]);
        }
    }
}

void tm_cli_table_print(const TmCliTable *table, FILE *out)
{
    g_autofree int *widths = g_new0(int, table->columns);

    for (guint c = 0; c < table->columns; c++) {
        widths[c] = (int)strlen(table->headers[c]);
        for (guint r = 0; r < table->rows->len; r++) {
            char **cells = g_ptr_array_index(table->rows, r);
            widths[c] = MAX(widths[c], (int)strlen(cells[c]));
        }
    }
    print_row(table, table->headers, widths, out);
    for (guint r = 0; r < table->rows->len; r++) {
        print_row(table, g_ptr_array_index(table->rows, r), widths, out);
    }
}

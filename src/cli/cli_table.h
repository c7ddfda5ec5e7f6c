/*
 * Plain-text tables for people: a header row and rows of cells, columns
 * left-aligned and as wide as their widest cell, two spaces apart.
 */
#pragma once

#include <stdio.h>
#include <glib.h>

typedef struct TmCliTable TmCliTable;

/* @headers: NULL-terminated; fixes the number of columns. */
TmCliTable *tm_cli_table_new(const char *const *headers);
void tm_cli_table_free(TmCliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmCliTable, tm_cli_table_free)

/* Append a row; takes @cells (one per column, g_strv_length == columns). */
void tm_cli_table_add(TmCliTable *table, GStrv cells);

guint tm_cli_table_rows(const TmCliTable *table);

void tm_cli_table_print(const TmCliTable *table, FILE *out);

/*
 * "tagmem map" in a terminal: per region a header, one bar per lane
 * between '|', a row of tag labels under each bar and a scale of region
 * offsets; then a legend.  Plain characters carry all the meaning (so the
 * output reads the same in a pipe or a log); colour, for a terminal, only
 * adds the host's colour to them.
 */
#include <inttypes.h>
#include <string.h>

#include "cli/map_render.h"
#include "core/size.h"

/* "  host 12 |": the lane names' width before the bar. */
#define LANE_NAME_WIDTH 10

/* 256-colour palette indexes, the same hues as the SVG's hosts. */
static const int host_colours[] = { 33, 208, 34, 160, 98, 130, 205, 37 };

static int host_colour(int host)
{
    return host_colours[(guint)host % G_N_ELEMENTS(host_colours)];
}

/* The character of one cell, and whether it is drawn on the host's colour. */
static char cell_char(const TmMapRegion *region, guint columns, guint column,
                      const TmMapCell *cell)
{
    if (cell->state == TM_MAP_FREE) {
        return '.';
    }
    if (tm_map_cell_sparse(region, columns, column, cell)) {
        return ':';
    }
    switch (cell->state) {
    case TM_MAP_PENDING:
        return '~';
    case TM_MAP_RELEASING:
        return '!';
    default:
        return tm_map_host_symbol(cell->host);
    }
}

/* The ANSI style of a cell drawn as @symbol; caller frees. */
static char *cell_style(char symbol, const TmMapCell *cell)
{
    if (cell->state == TM_MAP_FREE) {
        return g_strdup("\033[2m");
    }
    if (cell->state == TM_MAP_ACCEPTED && symbol != ':') {
        return g_strdup_printf("\033[48;5;%dm\033[38;5;16m", host_colour(cell->host));
    }
    return g_strdup_printf("\033[1;38;5;%dm", host_colour(cell->host));
}

/*
 * Append @symbol in @cell's colours.  *@current is the style in effect
 * (owned, NULL: none): escapes are written only where the style changes,
 * so a bar of 200 columns is not 200 escape sequences.
 */
static void append_cell(GString *out, char symbol, const TmMapCell *cell, bool colour,
                        char **current)
{
    if (colour) {
        char *style = cell_style(symbol, cell);

        if (g_strcmp0(style, *current) != 0) {
            g_string_append_printf(out, "%s%s", *current ? "\033[0m" : "", style);
            g_free(*current);
            *current = style;
        } else {
            g_free(style);
        }
    }
    g_string_append_c(out, symbol);
}

/* End the style in effect, if any. */
static void end_style(GString *out, char **current)
{
    if (*current) {
        g_string_append(out, "\033[0m");
        g_clear_pointer(current, g_free);
    }
}

static void append_bar(GString *out, const TmMapRegion *region, const TmMapLane *lane,
                       guint columns, bool colour)
{
    g_autofree char *name = lane->host < 0 ? g_strdup("all") : g_strdup_printf("host %d",
                                                                               lane->host);

    char *current = NULL;

    g_string_append_printf(out, "  %-*s|", LANE_NAME_WIDTH - 3, name);
    for (guint c = 0; c < columns; c++) {
        append_cell(out, cell_char(region, columns, c, &lane->cells[c]), &lane->cells[c],
                    colour, &current);
    }
    end_style(out, &current);
    g_string_append(out, "|\n");
}

/* A label fits in its run, or runs on over columns no tag names. */
static bool label_fits(const TmMapLane *lane, guint columns, guint first, guint end, size_t len)
{
    if (first + len > columns) {
        return false;
    }
    for (guint c = end; c < first + len; c++) {
        if (lane->cells[c].tag >= 0 || lane->cells[c].mixed) {
            return false;
        }
    }
    return true;
}

/*
 * The tag row: each run of columns named by one tag gets the tag's label
 * where it fits, dashes to its end; columns that mix hosts, states or
 * tags show '+' where no label is written.
 */
static void append_tags(GString *out, const TmMapLane *lane, guint columns)
{
    g_autofree char *row = g_malloc(columns + 1);

    memset(row, ' ', columns);
    row[columns] = '\0';
    for (guint c = 0; c < columns;) {
        guint end = c + 1;
        int tag = lane->cells[c].tag;

        while (end < columns && lane->cells[end].tag == tag) {
            end++;
        }
        if (tag >= 0) {
            g_autofree char *label = tm_map_tag_label(tag);
            size_t fits = label_fits(lane, columns, c, end, strlen(label)) ? strlen(label) : 0;

            memset(row + c, '-', end - c);
            memcpy(row + c, label, fits);
            end = MAX(end, c + (guint)fits);
            for (guint m = MIN(c + (guint)fits, end); m < end; m++) {
                row[m] = lane->cells[m].mixed ? '+' : '-';
            }
        }
        c = end;
    }
    for (guint c = 0; c < columns; c++) {
        if (lane->cells[c].tag < 0 && lane->cells[c].mixed) {
            row[c] = '+';
        }
    }
    g_strchomp(row);
    if (row[0] != '\0') {
        g_string_append_printf(out, "  %-*s %s\n", LANE_NAME_WIDTH - 3, "tags", row);
    }
}

/* True when @row[@at, @at + @len) and one column either side are blank. */
static bool row_has_room(const char *row, guint width, guint at, guint len)
{
    for (guint i = at ? at - 1 : 0; i < MIN(at + len + 1, width); i++) {
        if (row[i] != ' ') {
            return false;
        }
    }
    return at + len <= width;
}

/*
 * The region offsets of the start, the quarters and the end under the bar:
 * the first starts at the bar, the last ends at its closing '|', the
 * others centre on their column.  The ends and the middle come first; a
 * label with no room left is left out.
 */
static void append_scale(GString *out, const TmMapRegion *region, guint columns)
{
    static const guint order[] = { 0, 4, 2, 1, 3 };
    guint width = LANE_NAME_WIDTH + columns + 1;
    g_autofree char *row = g_malloc(width + 1);

    memset(row, ' ', width);
    row[width] = '\0';
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        guint q = order[i];
        guint column = columns * q / 4;
        g_autofree char *label = tm_map_short_size(region->info.length / 4 * q);
        guint len = (guint)strlen(label);
        guint at = q == 0 ? LANE_NAME_WIDTH
                 : q == 4 ? LANE_NAME_WIDTH + columns + 1 - MIN(len, columns + 1)
                          : LANE_NAME_WIDTH + column - MIN(len / 2, column);

        if (row_has_room(row, width, at, len)) {
            memcpy(row + at, label, len);
        }
    }
    g_string_append_printf(out, "%s\n", g_strchomp(row));
}

static void append_region(GString *out, const TmMapRegion *region, guint columns, bool colour)
{
    g_autofree char *length = tm_size_to_human(region->info.length);
    g_autofree char *block = tm_size_to_human(region->info.block_size);
    g_autofree char *per_column = tm_size_to_human(region->info.length / columns);

    g_string_append_printf(out, "region %u  DPA 0x%" PRIx64 "  %s  block %s%s  (1 column = %s)\n",
                           region->info.id, region->info.base, length, block,
                           region->info.sharable ? "  sharable" : "", per_column);
    for (guint l = 0; l < region->n_lanes; l++) {
        append_bar(out, region, &region->lanes[l], columns, colour);
        append_tags(out, &region->lanes[l], columns);
    }
    append_scale(out, region, columns);
}

static void append_hosts(GString *out, const TmMapPicture *picture, bool colour)
{
    g_string_append(out, "hosts: ");
    for (guint h = 0; h < picture->n_hosts; h++) {
        g_autofree char *held = tm_size_to_human(picture->host_bytes[h]);
        TmMapCell swatch = { .state = TM_MAP_ACCEPTED, .host = (int)h };
        char *current = NULL;

        append_cell(out, tm_map_host_symbol((int)h), &swatch, colour, &current);
        end_style(out, &current);
        g_string_append_printf(out, " host %u (%s)%s", h, held,
                               h + 1 < picture->n_hosts ? "  " : "\n");
    }
}

static void append_tag_legend(GString *out, const TmMapPicture *picture)
{
    guint n_named;
    g_autoptr(GArray) tags = tm_map_legend_tags(picture, &n_named);

    for (guint i = 0; i < tags->len; i++) {
        int tag = g_array_index(tags, int, i);
        g_autofree char *label = tm_map_tag_label(tag);
        g_autofree char *size = tm_size_to_human(picture->tag_bytes[tag]);

        g_string_append_printf(out, "%s %-4s %s  %s\n", i ? "      " : "tags: ", label,
                               picture->tag_uuids[tag], size);
    }
    if (n_named > tags->len) {
        g_string_append_printf(out, "       ... %u more tags ('tagmem list -T')\n",
                               n_named - tags->len);
    }
}

char *tm_map_term_render(const TmMapPicture *picture, bool colour)
{
    GString *out = g_string_new(NULL);
    const TmMapLayout *layout = picture->layout;
    g_autofree char *total = tm_size_to_human(picture->total_size);

    g_string_append_printf(out, "device %s: %u region%s, %u host%s, %s of dynamic capacity\n",
                           picture->device, layout->n_regions, layout->n_regions == 1 ? "" : "s",
                           picture->n_hosts, picture->n_hosts == 1 ? "" : "s", total);
    for (guint r = 0; r < layout->n_regions; r++) {
        append_region(out, &layout->regions[r], layout->columns, colour);
    }
    g_string_append(out, "legend: 0-9 A-Z accepted by that host  ~ pending  ! releasing  "
                          ": partly used  . free  + mixed column\n");
    append_hosts(out, picture, colour);
    append_tag_legend(out, picture);
    return g_string_free(out, FALSE);
}

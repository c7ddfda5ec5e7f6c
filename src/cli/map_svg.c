/*
 * "tagmem map --svg": the same picture as the terminal's, one pixel per
 * column.  Adjacent columns that draw alike are one <rect>, so the element
 * count is bounded by the bar width, never by the extent count.  Each rect
 * carries a <title> tooltip (DPA range, length, bytes held, tag, extents).
 * Accepted capacity is the host's colour, pending a pale tint of it,
 * releasing a dark shade; a column's height says how full it is, in
 * quarters, so dense and sparse parts read apart even at 100k extents;
 * a column mixing hosts, states or tags has a dark strip on top.
 */
#include <inttypes.h>
#include <string.h>

#include "cli/map_render.h"
#include "core/size.h"

#define MARGIN 16
#define LABEL_WIDTH 70   /* lane names left of the bars */
#define TITLE_HEIGHT 34
#define REGION_HEADER 22
#define LANE_HEIGHT 30
#define LANE_GAP 4
#define SCALE_HEIGHT 24
#define REGION_GAP 14
#define LEGEND_ROW 20
#define FONT "font-family=\"DejaVu Sans, Verdana, sans-serif\""

typedef struct {
    guint8 r, g, b;
} Rgb;

/* The Tableau 10 hues: distinct, and readable with white text. */
static const Rgb host_palette[] = {
    { 0x1f, 0x77, 0xb4 }, { 0xff, 0x7f, 0x0e }, { 0x2c, 0xa0, 0x2c }, { 0xd6, 0x27, 0x28 },
    { 0x94, 0x67, 0xbd }, { 0x8c, 0x56, 0x4b }, { 0xe3, 0x77, 0xc2 }, { 0x17, 0xbe, 0xcf },
};
static const Rgb free_colour = { 0xec, 0xec, 0xec };

static Rgb host_rgb(int host)
{
    return host_palette[(guint)host % G_N_ELEMENTS(host_palette)];
}

/* @c moved @percent of the way towards @to. */
static Rgb blend(Rgb c, Rgb to, int percent)
{
    return (Rgb){ (guint8)(c.r + (to.r - c.r) * percent / 100),
                  (guint8)(c.g + (to.g - c.g) * percent / 100),
                  (guint8)(c.b + (to.b - c.b) * percent / 100) };
}

static Rgb cell_rgb(const TmMapCell *cell)
{
    static const Rgb white = { 255, 255, 255 }, black = { 0, 0, 0 };

    switch (cell->state) {
    case TM_MAP_FREE:
        return free_colour;
    case TM_MAP_PENDING:
        return blend(host_rgb(cell->host), white, 60);
    case TM_MAP_RELEASING:
        return blend(host_rgb(cell->host), black, 45);
    default:
        return host_rgb(cell->host);
    }
}

static void append_fill(GString *out, Rgb c)
{
    g_string_append_printf(out, "fill=\"#%02x%02x%02x\"", c.r, c.g, c.b);
}

static const char *const state_names[TM_MAP_STATES] = {
    "free", "pending", "accepted", "releasing",
};

/* The tooltip of columns [@first, @end) of @lane. */
static void append_tooltip(GString *out, const TmMapPicture *picture, const TmMapRegion *region,
                           const TmMapLane *lane, guint first, guint end)
{
    guint columns = picture->layout->columns;
    uint64_t start = tm_map_column_start(region, columns, first);
    uint64_t stop = tm_map_column_start(region, columns, end);
    const TmMapCell *cell = &lane->cells[first];
    uint64_t held = 0;
    guint extents = 0;

    for (guint c = first; c < end; c++) {
        held += lane->cells[c].used;
        extents += lane->cells[c].extents;
    }
    g_autofree char *length = tm_size_to_human(stop - start);
    g_autofree char *held_text = tm_size_to_human(held);
    g_string_append(out, "<title>");
    if (cell->state != TM_MAP_FREE) {
        g_string_append_printf(out, "host %d %s%s\n", cell->host, state_names[cell->state],
                               cell->mixed ? " (mixed: several hosts, states or tags)" : "");
    } else {
        g_string_append(out, "free\n");
    }
    g_string_append_printf(out, "region %u DPA 0x%" PRIx64 "-0x%" PRIx64 "\nlength %s, held %s",
                           region->info.id, start, stop - 1, length, held_text);
    if (cell->tag >= 0 && (guint)cell->tag < picture->n_tags) {
        g_string_append_printf(out, "\ntag %s", picture->tag_uuids[cell->tag]);
    }
    if (extents > 0) {
        g_string_append_printf(out, "\n%u extent piece%s", extents, extents == 1 ? "" : "s");
    }
    g_string_append(out, "</title>");
}

/*
 * How full a column is, in quarters (1-4; 0 when free).  Rounded, not
 * ceiled: a region filled every other block is 2 everywhere instead of
 * flickering between 2 and 3 with each column's rounding.
 */
static guint lane_fill_level(const TmMapRegion *region, const TmMapLane *lane, guint columns,
                             guint column)
{
    uint64_t used = lane->cells[column].used;
    uint64_t length = tm_map_column_length(region, columns, column);

    if (used == 0 || length == 0) {
        return 4;
    }
    /* round(4 * used / length), in 128 bits: used may be close to 2^64. */
    guint level = (guint)((((unsigned __int128)used * 8 / length) + 1) / 2);
    return MIN(4, MAX(1, level));
}

static void append_run(GString *out, const TmMapPicture *picture, const TmMapRegion *region,
                       const TmMapLane *lane, guint first, guint end, guint level, double y)
{
    const TmMapCell *cell = &lane->cells[first];
    double height = cell->state == TM_MAP_FREE ? LANE_HEIGHT : LANE_HEIGHT * level / 4.0;

    g_string_append_printf(out, "<rect x=\"%u\" y=\"%g\" width=\"%u\" height=\"%g\" ",
                           MARGIN + LABEL_WIDTH + first, y + LANE_HEIGHT - height, end - first,
                           height);
    append_fill(out, cell_rgb(cell));
    g_string_append(out, ">");
    append_tooltip(out, picture, region, lane, first, end);
    g_string_append(out, "</rect>\n");
    if (cell->mixed) {
        g_string_append_printf(out, "<rect x=\"%u\" y=\"%g\" width=\"%u\" height=\"3\" "
                               "fill=\"#222222\"/>\n", MARGIN + LABEL_WIDTH + first, y,
                               end - first);
    }
}

/* Tag boundaries (a white line) and the tag's first 8 digits where they fit. */
static void append_tag_labels(GString *out, const TmMapPicture *picture, const TmMapLane *lane,
                              guint columns, double y)
{
    for (guint c = 0; c < columns;) {
        guint end = c + 1;
        int tag = lane->cells[c].tag;

        while (end < columns && lane->cells[end].tag == tag) {
            end++;
        }
        if (tag >= 0 && (guint)tag < picture->n_tags && end - c >= 3 && c > 0) {
            g_string_append_printf(out, "<rect x=\"%u\" y=\"%g\" width=\"1\" height=\"%d\" "
                                   "fill=\"#ffffff\"/>\n", MARGIN + LABEL_WIDTH + c, y,
                                   LANE_HEIGHT);
        }
        /* 8 characters of 11 px text are about 56 px wide. */
        if (tag >= 0 && (guint)tag < picture->n_tags && end - c >= 62) {
            bool pale = lane->cells[c].state == TM_MAP_PENDING;
            g_string_append_printf(out, "<text x=\"%u\" y=\"%g\" font-size=\"11\" " FONT
                                   " fill=\"%s\" pointer-events=\"none\">%.8s</text>\n",
                                   MARGIN + LABEL_WIDTH + c + 4, y + LANE_HEIGHT / 2.0 + 4,
                                   pale ? "#222222" : "#ffffff", picture->tag_uuids[tag]);
        }
        c = end;
    }
}

static void append_lane(GString *out, const TmMapPicture *picture, const TmMapRegion *region,
                        const TmMapLane *lane, double y)
{
    guint columns = picture->layout->columns;
    g_autofree char *name = lane->host < 0 ? g_strdup("all hosts")
                                           : g_strdup_printf("host %d", lane->host);

    g_string_append_printf(out, "<text x=\"%d\" y=\"%g\" font-size=\"12\" " FONT
                           " fill=\"#333333\">%s</text>\n", MARGIN, y + LANE_HEIGHT / 2.0 + 4,
                           name);
    g_string_append_printf(out, "<rect x=\"%d\" y=\"%g\" width=\"%u\" height=\"%d\" ",
                           MARGIN + LABEL_WIDTH, y, columns, LANE_HEIGHT);
    append_fill(out, free_colour);
    g_string_append(out, "/>\n");
    for (guint c = 0; c < columns;) {
        guint level = lane_fill_level(region, lane, columns, c);
        guint end = c + 1;

        while (end < columns &&
               tm_map_cells_alike(&lane->cells[c], false, &lane->cells[end], false) &&
               lane_fill_level(region, lane, columns, end) == level) {
            end++;
        }
        append_run(out, picture, region, lane, c, end, level, y);
        c = end;
    }
    append_tag_labels(out, picture, lane, columns, y);
}

static void append_scale(GString *out, const TmMapRegion *region, guint columns, double y)
{
    static const char *const anchors[] = { "start", "middle", "middle", "middle", "end" };

    for (guint q = 0; q <= 4; q++) {
        guint column = columns * q / 4;
        g_autofree char *label = tm_map_short_size(region->info.length / 4 * q);
        guint x = MARGIN + LABEL_WIDTH + column;

        g_string_append_printf(out, "<rect x=\"%u\" y=\"%g\" width=\"1\" height=\"5\" "
                               "fill=\"#555555\"/>\n", q == 4 ? x - 1 : x, y);
        g_string_append_printf(out, "<text x=\"%u\" y=\"%g\" font-size=\"11\" " FONT
                               " text-anchor=\"%s\" fill=\"#555555\">%s</text>\n", x, y + 16,
                               anchors[q], label);
    }
}

/* One region: header, lanes in a frame (the region's boundary), scale; returns the next y. */
static double append_region(GString *out, const TmMapPicture *picture, const TmMapRegion *region,
                            double y)
{
    guint columns = picture->layout->columns;
    g_autofree char *length = tm_size_to_human(region->info.length);
    g_autofree char *block = tm_size_to_human(region->info.block_size);
    double lanes_height = region->n_lanes * (LANE_HEIGHT + LANE_GAP) - LANE_GAP;

    g_string_append_printf(out, "<text x=\"%d\" y=\"%g\" font-size=\"13\" font-weight=\"bold\" "
                           FONT " fill=\"#111111\">region %u</text>\n", MARGIN, y + 14,
                           region->info.id);
    g_string_append_printf(out, "<text x=\"%d\" y=\"%g\" font-size=\"12\" " FONT
                           " fill=\"#444444\">DPA 0x%" PRIx64 " - 0x%" PRIx64 ", %s, block %s%s"
                           "</text>\n", MARGIN + LABEL_WIDTH, y + 14, region->info.base,
                           region->info.base + region->info.length - 1, length, block,
                           region->info.sharable ? ", sharable" : "");
    y += REGION_HEADER;
    for (guint l = 0; l < region->n_lanes; l++) {
        append_lane(out, picture, region, &region->lanes[l], y + l * (LANE_HEIGHT + LANE_GAP));
    }
    g_string_append_printf(out, "<rect x=\"%g\" y=\"%g\" width=\"%u\" height=\"%g\" "
                           "fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n",
                           MARGIN + LABEL_WIDTH - 0.5, y - 0.5, columns + 1, lanes_height + 1);
    append_scale(out, region, columns, y + lanes_height + 1);
    return y + lanes_height + SCALE_HEIGHT + REGION_GAP;
}

static double append_swatch(GString *out, double x, double y, Rgb fill, double height,
                            const char *text)
{
    g_autofree char *escaped = g_markup_escape_text(text, -1);

    g_string_append_printf(out, "<rect x=\"%g\" y=\"%g\" width=\"14\" height=\"%g\" ", x,
                           y + 14 - height, height);
    append_fill(out, fill);
    g_string_append_printf(out, " stroke=\"#999999\" stroke-width=\"0.5\"/>\n<text x=\"%g\" "
                           "y=\"%g\" font-size=\"12\" " FONT " fill=\"#222222\">%s</text>\n",
                           x + 19, y + 12, escaped);
    return x + 19 + 7.0 * strlen(text) + 18;
}

static double append_legend(GString *out, const TmMapPicture *picture, double y)
{
    double x = MARGIN;
    TmMapCell pending = { .state = TM_MAP_PENDING, .host = 0 };
    TmMapCell releasing = { .state = TM_MAP_RELEASING, .host = 0 };

    for (guint h = 0; h < picture->n_hosts; h++) {
        g_autofree char *held = tm_size_to_human(picture->host_bytes[h]);
        g_autofree char *text = g_strdup_printf("host %u (%s)", h, held);
        x = append_swatch(out, x, y, host_rgb((int)h), 14, text);
    }
    y += LEGEND_ROW;
    x = MARGIN;
    x = append_swatch(out, x, y, host_rgb(0), 14, "accepted");
    x = append_swatch(out, x, y, cell_rgb(&pending), 14, "pending");
    x = append_swatch(out, x, y, cell_rgb(&releasing), 14, "releasing");
    x = append_swatch(out, x, y, host_rgb(0), 7, "half full (height: how full)");
    x = append_swatch(out, x, y, free_colour, 14, "free");
    g_string_append_printf(out, "<rect x=\"%g\" y=\"%g\" width=\"14\" height=\"3\" "
                           "fill=\"#222222\"/>\n", x, y);
    append_swatch(out, x, y, host_rgb(0), 11, "mixed hosts, states or tags");
    return y + LEGEND_ROW;
}

static double append_tag_legend(GString *out, const TmMapPicture *picture, double y)
{
    guint n_named;
    g_autoptr(GArray) tags = tm_map_legend_tags(picture, &n_named);

    for (guint i = 0; i < tags->len; i++) {
        int tag = g_array_index(tags, int, i);
        g_autofree char *size = tm_size_to_human(picture->tag_bytes[tag]);

        g_string_append_printf(out, "<text x=\"%d\" y=\"%g\" font-size=\"11\" " FONT
                               " fill=\"#333333\">tag %s  %s</text>\n", MARGIN, y + 12,
                               picture->tag_uuids[tag], size);
        y += 16;
    }
    if (n_named > tags->len) {
        g_string_append_printf(out, "<text x=\"%d\" y=\"%g\" font-size=\"11\" " FONT
                               " fill=\"#333333\">... and %u more tags (tagmem list -T)</text>\n",
                               MARGIN, y + 12, n_named - tags->len);
        y += 16;
    }
    return y;
}

char *tm_map_svg_render(const TmMapPicture *picture)
{
    const TmMapLayout *layout = picture->layout;
    guint width = MARGIN * 2 + LABEL_WIDTH + layout->columns;
    g_autoptr(GString) body = g_string_new(NULL);
    g_autofree char *device = g_markup_escape_text(picture->device, -1);
    g_autofree char *total = tm_size_to_human(picture->total_size);
    double y = TITLE_HEIGHT;

    g_string_append_printf(body, "<text x=\"%d\" y=\"22\" font-size=\"16\" font-weight=\"bold\" "
                           FONT " fill=\"#111111\">device %s: %u region%s, %u host%s, %s of "
                           "dynamic capacity</text>\n", MARGIN, device, layout->n_regions,
                           layout->n_regions == 1 ? "" : "s", picture->n_hosts,
                           picture->n_hosts == 1 ? "" : "s", total);
    for (guint r = 0; r < layout->n_regions; r++) {
        y = append_region(body, picture, &layout->regions[r], y);
    }
    y = append_legend(body, picture, y);
    y = append_tag_legend(body, picture, y + 4);
    return g_strdup_printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%d\" "
                           "viewBox=\"0 0 %u %d\">\n<title>tagmem map of %s</title>\n"
                           "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n%s</svg>\n",
                           width, (int)y + MARGIN, width, (int)y + MARGIN, device, body->str);
}

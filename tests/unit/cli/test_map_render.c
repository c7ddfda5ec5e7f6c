/*
 * tagmem map's renderers on hand-built layouts: the terminal picture as
 * exact text (plain and coloured), and the SVG well-formed with a bounded
 * number of elements however many extents there are.
 */
#include <string.h>

#include "cli/map_render.h"

static char *tag_uuids[] = {
    "11111111-0000-4000-8000-000000000001",
    "22222222-0000-4000-8000-000000000002",
};
static const uint64_t tag_bytes[] = { 24 << 20, 8 << 20 };
static const bool tag_shown[] = { true, true };
static const uint64_t host_bytes[] = { 24 << 20, 16 << 20 };

/* Region 0: 64 MiB in 16 columns of 4 MiB; host 1 shares tag 0's first 8 MiB. */
static TmMapLayout *known_layout(void)
{
    static const TmMapRegionInfo region = {
        .id = 0, .base = 0x40000000, .length = 64 << 20, .block_size = 2 << 20,
        .sharable = true,
    };
    static const TmMapExtent extents[] = {
        { .region = 0, .host = 0, .state = TM_MAP_ACCEPTED, .dpa = 0x40000000,
          .len = 24 << 20, .tag = 0 },
        { .region = 0, .host = 1, .state = TM_MAP_PENDING, .dpa = 0x40000000,
          .len = 8 << 20, .tag = 0 },
        { .region = 0, .host = 1, .state = TM_MAP_RELEASING, .dpa = 0x42000000,
          .len = 8 << 20, .tag = 1 },
        { .region = 0, .host = 0, .state = TM_MAP_ACCEPTED, .dpa = 0x43c00000,
          .len = 1 << 20, .tag = -1 },
    };
    return tm_map_layout_build(&region, 1, extents, G_N_ELEMENTS(extents), 16);
}

static TmMapPicture picture_of(const TmMapLayout *layout)
{
    return (TmMapPicture){
        .device = "dcd0", .total_size = 64 << 20, .layout = layout, .n_hosts = 2,
        .host_bytes = host_bytes, .n_tags = 2, .tag_uuids = tag_uuids, .tag_bytes = tag_bytes,
        .tag_shown = tag_shown,
    };
}

static void test_terminal_plain(void)
{
    g_autoptr(TmMapLayout) layout = known_layout();
    TmMapPicture picture = picture_of(layout);
    g_autofree char *text = tm_map_term_render(&picture, false);

    g_assert_cmpstr(text, ==,
        "device dcd0: 1 region, 2 hosts, 64 MiB of dynamic capacity\n"
        "region 0  DPA 0x40000000  64 MiB  block 2 MiB  sharable  (1 column = 4 MiB)\n"
        "  host 0 |000000.........:|\n"
        "  tags    t1----\n"
        "  host 1 |~~......!!......|\n"
        "  tags    t1      t2\n"
        "          0  16M 32M    64M\n"
        "legend: 0-9 A-Z accepted by that host  ~ pending  ! releasing  : partly used  "
        ". free  + mixed column\n"
        "hosts: 0 host 0 (24 MiB)  1 host 1 (16 MiB)\n"
        "tags:  t1   11111111-0000-4000-8000-000000000001  24 MiB\n"
        "       t2   22222222-0000-4000-8000-000000000002  8 MiB\n");
}

static void test_terminal_colour(void)
{
    g_autoptr(TmMapLayout) layout = known_layout();
    TmMapPicture picture = picture_of(layout);
    g_autofree char *text = tm_map_term_render(&picture, true);

    /*
     * Host 0's accepted columns on its colour (256-colour 33), free ones
     * dim, the sparse one in its colour; one escape per change of style.
     */
    g_assert_nonnull(strstr(text, "  host 0 |\033[48;5;33m\033[38;5;16m000000\033[0m\033[2m"
                                  ".........\033[0m\033[1;38;5;33m:\033[0m|\n"));
    /* Host 1's pending and releasing columns in its colour (208). */
    g_assert_nonnull(strstr(text, "  host 1 |\033[1;38;5;208m~~\033[0m\033[2m......\033[0m"
                                  "\033[1;38;5;208m!!\033[0m"));
    g_assert_nonnull(strstr(text, "hosts: \033[48;5;33m\033[38;5;16m0\033[0m host 0"));
}

static void count_element(GMarkupParseContext *context, const char *name, const char **names,
                          const char **values, gpointer data, GError **err)
{
    if (strcmp(name, "rect") == 0) {
        (*(guint *)data)++;
    }
}

/* Parse @svg as XML; returns the number of <rect> elements. */
static guint count_rects(const char *svg)
{
    static const GMarkupParser parser = { .start_element = count_element };
    g_autoptr(GError) err = NULL;
    guint rects = 0;
    /* GMarkup takes no XML declaration: skip it. */
    const char *root = strstr(svg, "<svg");
    GMarkupParseContext *context = g_markup_parse_context_new(&parser, 0, &rects, NULL);

    g_assert_nonnull(root);
    g_assert_true(g_markup_parse_context_parse(context, root, -1, &err));
    g_assert_true(g_markup_parse_context_end_parse(context, &err));
    g_markup_parse_context_free(context);
    return rects;
}

static void test_svg_known_layout(void)
{
    g_autoptr(TmMapLayout) layout = known_layout();
    TmMapPicture picture = picture_of(layout);
    g_autofree char *svg = tm_map_svg_render(&picture);

    g_assert_true(g_str_has_prefix(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
    g_assert_cmpuint(count_rects(svg), >, 8);
    /* Tooltips name DPA, length and tag; lanes name their host. */
    g_assert_nonnull(strstr(svg, "<title>host 0 accepted\nregion 0 DPA 0x40000000-0x417fffff\n"
                                 "length 24 MiB, held 24 MiB\ntag " ));
    g_assert_nonnull(strstr(svg, ">host 1</text>"));
    g_assert_nonnull(strstr(svg, "fill=\"#1f77b4\""));
}

/* 100k extents of 10k tags by 4 hosts: the SVG stays a few hundred elements. */
static void test_svg_100k_extents_stay_small(void)
{
    const guint n = 100000;
    const TmMapRegionInfo region = { .id = 0, .base = 0, .length = (uint64_t)n << 21,
                                     .block_size = 2 << 20 };
    g_autofree TmMapExtent *extents = g_new(TmMapExtent, n);
    g_autofree char **uuids = g_new0(char *, 10000);
    g_autofree uint64_t *bytes = g_new0(uint64_t, 10000);
    g_autofree bool *shown = g_new0(bool, 10000);
    const uint64_t held[4] = { 1, 2, 3, 4 };

    for (guint i = 0; i < n; i++) {
        extents[i] = (TmMapExtent){ .region = 0, .host = (int)(i * 7 % 4),
                                    .state = i % 5 ? TM_MAP_ACCEPTED : TM_MAP_PENDING,
                                    .dpa = (uint64_t)i << 21, .len = 2 << 20,
                                    .tag = (int)(i / 10) };
    }
    for (guint t = 0; t < 10000; t++) {
        uuids[t] = tag_uuids[t % 2];
        shown[t] = true;
    }
    g_autoptr(TmMapLayout) layout = tm_map_layout_build(&region, 1, extents, n, 898);
    TmMapPicture picture = {
        .device = "dcd0", .total_size = region.length, .layout = layout, .n_hosts = 4,
        .host_bytes = held, .n_tags = 10000, .tag_uuids = uuids, .tag_bytes = bytes,
        .tag_shown = shown,
    };
    g_autofree char *svg = tm_map_svg_render(&picture);

    g_assert_cmpuint(count_rects(svg), <=, 3 * 898 + 50);
    g_assert_cmpuint(strlen(svg), <, 2 * 1024 * 1024);
    g_assert_nonnull(strstr(svg, "... and 9988 more tags"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/map-render/terminal-plain", test_terminal_plain);
    g_test_add_func("/map-render/terminal-colour", test_terminal_colour);
    g_test_add_func("/map-render/svg-known-layout", test_svg_known_layout);
    g_test_add_func("/map-render/svg-100k-extents-stay-small", test_svg_100k_extents_stay_small);
    return g_test_run();
}

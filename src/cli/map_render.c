#include "cli/map_render.h"

#include <inttypes.h>

char tm_map_host_symbol(int host)
{
    static const char symbols[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    return host >= 0 && host < (int)sizeof(symbols) - 1 ? symbols[host] : '#';
}

char *tm_map_tag_label(int tag)
{
    return g_strdup_printf("t%d", tag + 1);
}

char *tm_map_short_size(uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    double value = (double)bytes;
    int unit = -1;

    while (value >= 1024 && unit < 5) {
        value /= 1024;
        unit++;
    }
    if (unit < 0) {
        return g_strdup_printf("%" PRIu64, bytes);
    }
    return g_strdup_printf("%.3g%c", value, units[unit]);
}

GArray *tm_map_legend_tags(const TmMapPicture *picture, guint *n_shown)
{
    GArray *tags = g_array_new(FALSE, FALSE, sizeof(int));

    *n_shown = 0;
    for (guint t = 0; t < picture->n_tags; t++) {
        if (!picture->tag_shown[t]) {
            continue;
        }
        (*n_shown)++;
        if (tags->len < TM_MAP_LEGEND_TAGS) {
            int tag = (int)t;
            g_array_append_val(tags, tag);
        }
    }
    return tags;
}

/*
 * What the two "tagmem map" renderers share: the picture to draw (a
 * layout plus the names and sizes its legend shows), how a host and a tag
 * are named, and the short DPA offsets of the scale.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "cli/map_layout.h"

typedef struct {
    const char *device;
    uint64_t total_size;
    const TmMapLayout *layout;
    guint n_hosts;                 /* the device's num-hosts */
    const uint64_t *host_bytes;    /* n_hosts: bytes each host holds or is offered */
    guint n_tags;
    char *const *tag_uuids;        /* n_tags: TmMapExtent.tag indexes these */
    const uint64_t *tag_bytes;     /* n_tags: bytes each tag has allocated */
    const bool *tag_shown;         /* n_tags: some extent in the picture has the tag */
} TmMapPicture;

/* At most this many tags are listed in a legend; the rest are counted. */
#define TM_MAP_LEGEND_TAGS 12

/* The one-character name of @host in the terminal: 0-9, A-Z, then '#'. */
char tm_map_host_symbol(int host);

/* "t7": the short name of tag index 6 in pictures and legends; caller frees. */
char *tm_map_tag_label(int tag);

/* "0", "512K", "1.5G": a region offset for the scale; caller frees. */
char *tm_map_short_size(uint64_t bytes);

/*
 * The tags the legend lists (indexes): the first TM_MAP_LEGEND_TAGS of
 * those in the picture; *@n_shown counts all of them.
 */
GArray *tm_map_legend_tags(const TmMapPicture *picture, guint *n_shown);

/* The terminal picture; @colour adds ANSI colours.  Caller frees. */
char *tm_map_term_render(const TmMapPicture *picture, bool colour);

/* The SVG document; the layout's columns are its bars' pixels.  Caller frees. */
char *tm_map_svg_render(const TmMapPicture *picture);

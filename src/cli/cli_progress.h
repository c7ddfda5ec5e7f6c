/*
 * Progress of a long operation, drawn on one terminal line of stderr
 * ("prealloc mem0 [#########...........]  45%  4.5 GiB of 10 GiB") and
 * redrawn in place; nothing at all when stderr is not a terminal, so
 * scripts and logs stay quiet.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct {
    bool enabled;   /* stderr is a terminal */
    bool drawn;     /* a line is on screen and must be cleared */
} TmCliProgress;

/* Draw only when stderr is a terminal. */
void tm_cli_progress_init(TmCliProgress *progress);

/* The line for @what at @done of @total, @width columns at most; caller frees. */
char *tm_cli_progress_line(const char *what, uint64_t done, uint64_t total, guint width);

void tm_cli_progress_update(TmCliProgress *progress, const char *what, uint64_t done,
                            uint64_t total);

/* Clear the line, so that what follows starts on a clean one. */
void tm_cli_progress_finish(TmCliProgress *progress);

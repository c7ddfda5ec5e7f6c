#include "cli/cli_progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/size.h"

#define BAR_WIDTH 24

void tm_cli_progress_init(TmCliProgress *progress)
{
    *progress = (TmCliProgress){ .enabled = isatty(STDERR_FILENO) };
}

char *tm_cli_progress_line(const char *what, uint64_t done, uint64_t total, guint width)
{
    char bar[BAR_WIDTH + 1];
    uint64_t clamped = MIN(done, total);
    /* 128-bit: done * 100 overflows for sizes near 2^64. */
    guint percent = total ? (guint)(((unsigned __int128)clamped * 100) / total) : 100;
    guint filled = total ? (guint)(((unsigned __int128)clamped * BAR_WIDTH) / total) : BAR_WIDTH;
    g_autofree char *done_text = tm_size_to_human(clamped);
    g_autofree char *total_text = tm_size_to_human(total);

    for (guint i = 0; i < BAR_WIDTH; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[BAR_WIDTH] = '\0';
    char *line = g_strdup_printf("%s [%s] %3u%%  %s of %s", what, bar, percent, done_text,
                                 total_text);
    if (width > 0 && strlen(line) > width) {
        line[width] = '\0';
    }
    return line;
}

static guint terminal_width(void)
{
    struct winsize size;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) {
        return size.ws_col - 1u; /* never the last column: some terminals wrap there */
    }
    return 79;
}

void tm_cli_progress_update(TmCliProgress *progress, const char *what, uint64_t done,
                            uint64_t total)
{
    if (!progress->enabled) {
        return;
    }
    g_autofree char *line = tm_cli_progress_line(what, done, total, terminal_width());
    /* \r and erase-line: redraw in place. */
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress->drawn = true;
}

void tm_cli_progress_finish(TmCliProgress *progress)
{
    if (progress->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress->drawn = false;
    }
}

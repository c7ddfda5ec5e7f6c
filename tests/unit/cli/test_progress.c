/* The progress line: bar, percentage and sizes, clamped and cut to the width. */
#include "cli/cli_progress.h"

static void test_lines(void)
{
    static const struct {
        uint64_t done, total;
        guint width;
        const char *line;
    } cases[] = {
        { 0, 8ull << 30, 0, "prealloc mem0 [........................]   0%  0 B of 8 GiB" },
        { 4ull << 30, 8ull << 30, 0,
          "prealloc mem0 [############............]  50%  4 GiB of 8 GiB" },
        { 9ull << 30, 8ull << 30, 0,
          "prealloc mem0 [########################] 100%  8 GiB of 8 GiB" },
        { 0, 0, 0, "prealloc mem0 [########################] 100%  0 B of 0 B" },
        { UINT64_MAX / 2, UINT64_MAX, 0,
          "prealloc mem0 [###########.............]  49%  8 EiB of 16 EiB" },
        { 1, 2, 20, "prealloc mem0 [#####" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *line = tm_cli_progress_line("prealloc mem0", cases[i].done,
                                                     cases[i].total, cases[i].width);
        g_assert_cmpstr(line, ==, cases[i].line);
    }
}

/* Not a terminal (meson's pipes): nothing is drawn and nothing is left to clear. */
static void test_quiet_without_terminal(void)
{
    TmCliProgress progress;

    tm_cli_progress_init(&progress);
    g_assert_false(progress.enabled);
    tm_cli_progress_update(&progress, "prealloc mem0", 1, 2);
    g_assert_false(progress.drawn);
    tm_cli_progress_finish(&progress);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/progress/lines", test_lines);
    g_test_add_func("/progress/quiet-without-terminal", test_quiet_without_terminal);
    return g_test_run();
}

/*
 * tagmem map against the real daemon on a known layout (the default
 * device: two hosts, regions 0 and 1 of 16 GiB, region 1 sharable):
 *   tag A, 1 GiB at region 0 offset 0, accepted by host 0;
 *   tag C, 512 MiB at region 0 offset 4 GiB, offered to host 0;
 *   tag B, 1 GiB at region 1 offset 2 GiB, accepted by host 1 and
 *   offered to host 0 as well (shared: two lanes).
 * The terminal picture is compared as text; the SVG is checked by xmllint
 * and rendered to PNG by rsvg-convert, whose colours are read back at
 * known places.  Bad options are refused in one line.
 */
#include <string.h>

#include "cli_run.h"
#include "daemon_harness.h"

#define TAG_A "0a0a0a0a-0000-4000-8000-00000000000a"
#define TAG_B "0b0b0b0b-0000-4000-8000-00000000000b"
#define TAG_C "0c0c0c0c-0000-4000-8000-00000000000c"

static void expect_ok(CliRun *run)
{
    if (run->status != 0) {
        g_error("tagmem failed: %s", run->err);
    }
}

static void cli_ok(const char *socket, const char *const *args)
{
    const char *argv[16] = { "-s", socket };
    size_t n = 2;

    while (*args && n < G_N_ELEMENTS(argv) - 1) {
        argv[n++] = *args++;
    }
    argv[n] = NULL;
    g_auto(CliRun) run = run_cli_argv(NULL, argv);
    expect_ok(&run);
}

/* Host @host's agent answers what it was offered, then exits. */
static void accept_offers(TmTestDaemon *daemon, int host)
{
    g_autofree char *socket = g_strdup_printf("%s/tagmem/host%d.sock", daemon->dir, host);
    g_autofree char *id = g_strdup_printf("%d", host);
    g_auto(CliRun) run = run_cli(NULL, "host-agent", "--host", id, "--socket", socket, "--once",
                                 NULL);
    expect_ok(&run);
}

static void build_known_layout(TmTestDaemon *daemon)
{
    const char *s = daemon->socket_path;

    cli_ok(s, (const char *[]){ "create-backend", "--size", "1G", "--tag", TAG_A, NULL });
    cli_ok(s, (const char *[]){ "create-backend", "--size", "1G", "--tag", TAG_B, NULL });
    cli_ok(s, (const char *[]){ "create-backend", "--size", "512M", "--tag", TAG_C, NULL });
    cli_ok(s, (const char *[]){ "add-capacity", "--host", "0", "--region", "0", "--extent",
                                "0:1G", "--tag", TAG_A, NULL });
    cli_ok(s, (const char *[]){ "add-capacity", "--host", "1", "--region", "1", "--extent",
                                "2G:1G", "--tag", TAG_B, NULL });
    accept_offers(daemon, 0);
    accept_offers(daemon, 1);
    cli_ok(s, (const char *[]){ "add-capacity", "--tag", TAG_B, "--shared-with", "0", NULL });
    cli_ok(s, (const char *[]){ "add-capacity", "--host", "0", "--region", "0", "--extent",
                                "4G:512M", "--tag", TAG_C, NULL });
}

static const char expected_map[] =
    "device dcd0: 2 regions, 2 hosts, 32 GiB of dynamic capacity\n"
    "region 0  DPA 0x0  16 GiB  block 2 MiB  (1 column = 512 MiB)\n"
    "  all    |00......~.......................|\n"
    "  tags    t1      t3\n"
    "          0      4G      8G      12G    16G\n"
    "region 1  DPA 0x400000000  16 GiB  block 2 MiB  sharable  (1 column = 512 MiB)\n"
    "  host 0 |....~~..........................|\n"
    "  tags        t2\n"
    "  host 1 |....11..........................|\n"
    "  tags        t2\n"
    "          0      4G      8G      12G    16G\n"
    "legend: 0-9 A-Z accepted by that host  ~ pending  ! releasing  : partly used  . free  "
    "+ mixed column\n"
    "hosts: 0 host 0 (2.5 GiB)  1 host 1 (1 GiB)\n"
    "tags:  t1   " TAG_A "  1 GiB\n"
    "       t2   " TAG_B "  1 GiB\n"
    "       t3   " TAG_C "  512 MiB\n";

/* tagmem map on a pseudo-terminal (util-linux script), with @no_color as NO_COLOR. */
static char *map_on_terminal(const char *socket, const char *no_color)
{
    g_autofree char *command = g_strdup_printf("'%s' -s '%s' map -w 43", cli_path(), socket);
    g_auto(GStrv) env = g_environ_unsetenv(g_get_environ(), "NO_COLOR");
    const char *argv[] = { "script", "-qec", command, "/dev/null", NULL };
    g_autoptr(GError) err = NULL;
    char *out = NULL;
    int status;

    if (no_color) {
        env = g_environ_setenv(env, "NO_COLOR", no_color, TRUE);
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, &err));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    return out;
}

/* Colour on a terminal; none with NO_COLOR set, nor in a pipe (the text above). */
static void expect_colour_on_terminal_only(const char *socket)
{
    g_autofree char *script = g_find_program_in_path("script");
    if (script == NULL) {
        g_test_message("no 'script' (bsdutils): colour on a terminal not checked");
        return;
    }
    g_autofree char *coloured = map_on_terminal(socket, NULL);
    g_assert_nonnull(strstr(coloured, "  all    |\033[48;5;33m\033[38;5;16m00\033[0m"));
    g_autofree char *plain = map_on_terminal(socket, "1");
    g_assert_null(strchr(plain, '\033'));
    g_assert_nonnull(strstr(plain, "  all    |00......~.......................|"));
}

static void test_terminal_map(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;

    build_known_layout(daemon);
    /* 43 columns: 32 of 512 MiB between the lane names and the closing '|'. */
    g_auto(CliRun) map = run_cli(NULL, "-s", s, "map", "--width", "43", NULL);
    expect_ok(&map);
    g_assert_cmpstr(map.out, ==, expected_map);

    /* The width from $COLUMNS when stdout is no terminal; never colour in a pipe. */
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "COLUMNS", "43", TRUE);
    g_auto(CliRun) from_env = run_cli(env, "-s", s, "map", NULL);
    expect_ok(&from_env);
    g_assert_cmpstr(from_env.out, ==, expected_map);
    /* Narrower than a bar can be: the narrowest bar (19 columns) instead. */
    g_auto(GStrv) narrow_env = g_environ_setenv(g_get_environ(), "COLUMNS", "5", TRUE);
    g_auto(CliRun) narrow = run_cli(narrow_env, "-s", s, "map", NULL);
    expect_ok(&narrow);
    const char *bar = strstr(narrow.out, "  all    |0");
    g_assert_nonnull(bar);
    g_assert_true(strchr(bar, '\n') - bar == 10 + 19 + 1);

    expect_colour_on_terminal_only(s);

    g_auto(CliRun) one = run_cli(NULL, "-s", s, "map", "-w", "43", "--region", "1", NULL);
    expect_ok(&one);
    g_assert_null(strstr(one.out, "region 0"));
    g_assert_nonnull(strstr(one.out, "  host 1 |....11..........................|\n"));
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void run_tool(const char *const *argv, char **out)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *errors = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &errors,
                      &status, &err)) {
        g_error("%s: %s", argv[0], err->message);
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("%s failed: %s", argv[0], errors);
    }
}

/* The colour at each "X,Y" of @points in @png, as "R G B" lines. */
static char *pixels(const char *png, const char *const *points)
{
    const char *script = g_getenv("TAGMEM_PNG_PIXEL");
    const char *argv[12] = { "python3", script, png };
    size_t n = 3;
    char *out = NULL;

    g_assert_nonnull(script);
    while (*points) {
        argv[n++] = *points++;
    }
    argv[n] = NULL;
    run_tool(argv, &out);
    return out;
}

static void test_svg_map(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    g_autofree char *svg = g_build_filename(daemon->dir, "map.svg", NULL);
    g_autofree char *png = g_build_filename(daemon->dir, "map.png", NULL);
    g_autofree char *ignored = NULL;
    g_autofree char *text = NULL;

    build_known_layout(daemon);
    g_auto(CliRun) map = run_cli(NULL, "-s", daemon->socket_path, "map", "--svg", svg, NULL);
    expect_ok(&map);
    g_assert_cmpstr(map.out, ==, "");
    g_assert_true(g_file_get_contents(svg, &text, NULL, NULL));
    /* A tooltip per run: DPA range, length, tag (the run's ends are partial pixels). */
    g_assert_nonnull(strstr(text, "<title>host 1 accepted\nregion 1 DPA 0x47"));
    g_assert_nonnull(strstr(text, "\ntag " TAG_B "\n"));
    run_tool((const char *[]){ "xmllint", "--noout", svg, NULL }, &ignored);
    g_clear_pointer(&ignored, g_free);
    g_autofree char *renderer = g_find_program_in_path("rsvg-convert");
    if (renderer == NULL) {
        g_test_skip("rsvg-convert (librsvg2-bin) is not installed: scripts/setup.sh");
        return;
    }
    run_tool((const char *[]){ "rsvg-convert", svg, "-o", png, NULL }, &ignored);
    /*
     * Bars start at x = 86 and are 898 px wide (1000 - margins), so 1 GiB
     * of 16 is 56 px.  Region 0's lane is at y 56-86; region 1's lanes at
     * 146-176 (host 0) and 180-210 (host 1).
     */
    g_autofree char *colours = pixels(png, (const char *const[]){
        "106,71",  /* region 0, tag A accepted by host 0: host 0's blue */
        "336,71",  /* region 0, tag C offered to host 0: pale blue */
        "700,71",  /* region 0 free */
        "226,195", /* region 1, tag B accepted by host 1: host 1's orange */
        "226,161", /* region 1, tag B offered to host 0: pale blue (host 0) */
        "226,178", /* between the lanes: the white background */
        NULL });
    g_assert_cmpstr(colours, ==, "31 119 180\n"
                                 "165 200 225\n"
                                 "236 236 236\n"
                                 "255 127 14\n"
                                 "165 200 225\n"
                                 "255 255 255\n");
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

static void test_bad_options(void)
{
    g_autoptr(TmTestDaemon) daemon = tm_test_daemon_start(NULL);
    const char *s = daemon->socket_path;
    static const char *const cases[][5] = {
        { "--width", "5", NULL, NULL, "map: --width 5: expected 30 to 20000 columns" },
        { "--width", "50", "--svg", "x.svg", "map: --width 50: expected 200 to 20000 pixels" },
        { "--region", "9", NULL, NULL, "map: --region 9: device 'dcd0' has no such region" },
        { "--device", "nope", NULL, NULL, "map: --device 'nope': no such device" },
        { "--svg", "/nonexistent/dir/x.svg", NULL, NULL, "map: --svg '/nonexistent/dir/x.svg'" },
        { "extra", NULL, NULL, NULL, "map takes no arguments, got 'extra'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *args[8] = { "-s", s, "map" };
        size_t n = 3;

        for (size_t a = 0; a < 4 && cases[i][a]; a++) {
            args[n++] = cases[i][a];
        }
        args[n] = NULL;
        g_auto(CliRun) run = run_cli_argv(NULL, args);
        g_assert_cmpint(run.status, ==, 1);
        if (strstr(run.err, cases[i][4]) == NULL) {
            g_error("expected '%s' in: %s", cases[i][4], run.err);
        }
        g_assert_true(strchr(run.err, '\n') == run.err + strlen(run.err) - 1);
    }
    g_assert_cmpint(tm_test_daemon_stop(daemon, SIGTERM), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli-map/terminal", test_terminal_map);
    g_test_add_func("/cli-map/svg", test_svg_map);
    g_test_add_func("/cli-map/bad-options", test_bad_options);
    return g_test_run();
}

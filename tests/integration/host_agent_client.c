#include "host_agent_client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct TmAgent {
    GPid pid;
    bool reaped;
    int wait_status;
    int in_fd;             /* the agent's stdin */
    int out_fd;            /* its stdout */
    GString *buffer;       /* bytes read, not yet split into lines */
    GQueue commands;       /* of char *: sent, not yet answered */
    GPtrArray *events;     /* "event ..." lines */
    GPtrArray *lines;      /* other lines of the last answer */
    char *last_reply;
};

static const char *agent_path(void)
{
    const char *path = g_getenv("TAGMEM_HOST_AGENT");

    if (path == NULL || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
        g_error("TAGMEM_HOST_AGENT must name tagmem-test-host-agent (meson test sets it), "
                "got '%s'", path ? path : "(unset)");
    }
    return path;
}

/* In the child: a test that aborts takes its agents with it. */
static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

TmAgent *tm_agent_start(void)
{
    g_autoptr(GError) err = NULL;
    const char *argv[] = { agent_path(), NULL };
    TmAgent *agent = g_new0(TmAgent, 1);

    /* A dead agent is reported by the write's EPIPE, not by killing the test. */
    signal(SIGPIPE, SIG_IGN);
    g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                             die_with_parent, NULL, &agent->pid, &agent->in_fd,
                             &agent->out_fd, NULL, &err);
    g_assert_no_error(err);
    agent->buffer = g_string_new(NULL);
    g_queue_init(&agent->commands);
    agent->events = g_ptr_array_new_with_free_func(g_free);
    agent->lines = g_ptr_array_new_with_free_func(g_free);
    return agent;
}

static void write_all(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_error("writing to a host agent: %s", g_strerror(errno));
        }
        bytes += n;
        length -= (size_t)n;
    }
}

void tm_agent_send(TmAgent *agent, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    char *command = g_strdup_vprintf(format, args);
    va_end(args);
    g_autofree char *line = g_strconcat(command, "\n", NULL);
    write_all(agent->in_fd, line, strlen(line));
    g_queue_push_tail(&agent->commands, command);
}

static void reap(TmAgent *agent)
{
    pid_t pid;

    if (agent->reaped) {
        return;
    }
    do {
        pid = waitpid(agent->pid, &agent->wait_status, 0);
    } while (pid < 0 && errno == EINTR);
    g_assert_cmpint(pid, ==, agent->pid);
    agent->reaped = true;
}

static char *describe_status(int status)
{
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("killed by signal %d", WTERMSIG(status));
    }
    return g_strdup_printf("exit status %d", WEXITSTATUS(status));
}

/*
 * Read more bytes before @deadline; false at end of stream (the agent
 * closed its stdout: it exited).
 */
static bool read_more(TmAgent *agent, gint64 deadline, const char *waiting_for)
{
    struct pollfd pfd = { .fd = agent->out_fd, .events = POLLIN };
    char chunk[4096];

    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            g_error("host agent %d: no answer to '%s' within %d ms", (int)agent->pid,
                    waiting_for, TM_AGENT_TIMEOUT_MS);
        }
        int n = poll(&pfd, 1, (int)left_ms);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(n, >=, 0);
        if (n == 0) {
            continue;
        }
        ssize_t got = read(agent->out_fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        g_assert_cmpint(got, >=, 0);
        if (got == 0) {
            return false;
        }
        g_string_append_len(agent->buffer, chunk, got);
        return true;
    }
}

/* The next complete line, or NULL at end of stream. */
static char *next_line(TmAgent *agent, gint64 deadline, const char *waiting_for)
{
    for (;;) {
        char *newline = memchr(agent->buffer->str, '\n', agent->buffer->len);

        if (newline != NULL) {
            size_t length = (size_t)(newline - agent->buffer->str);
            char *line = g_strndup(agent->buffer->str, length);
            g_string_erase(agent->buffer, 0, (gssize)length + 1);
            return line;
        }
        if (!read_more(agent, deadline, waiting_for)) {
            return NULL;
        }
    }
}

const char *tm_agent_reply(TmAgent *agent)
{
    g_autofree char *command = g_queue_pop_head(&agent->commands);
    gint64 deadline = g_get_monotonic_time() + (gint64)TM_AGENT_TIMEOUT_MS * 1000;

    g_assert_nonnull(command);
    g_ptr_array_set_size(agent->lines, 0);
    for (;;) {
        char *line = next_line(agent, deadline, command);

        if (line == NULL) {
            reap(agent);
            g_autofree char *status = describe_status(agent->wait_status);
            g_error("host agent %d ended (%s) before answering '%s'", (int)agent->pid, status,
                    command);
        }
        if (g_str_has_prefix(line, "event ")) {
            g_ptr_array_add(agent->events, line);
        } else if (g_str_has_prefix(line, "ok") || g_str_has_prefix(line, "err") ||
                   g_str_has_prefix(line, "mismatch")) {
            g_free(agent->last_reply);
            agent->last_reply = line;
            return line;
        } else {
            g_ptr_array_add(agent->lines, line);
        }
    }
}

const char *tm_agent_call(TmAgent *agent, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_autofree char *command = g_strdup_vprintf(format, args);
    va_end(args);
    tm_agent_send(agent, "%s", command);
    return tm_agent_reply(agent);
}

const char *tm_agent_ok(TmAgent *agent, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    g_autofree char *command = g_strdup_vprintf(format, args);
    va_end(args);
    tm_agent_send(agent, "%s", command);
    const char *answer = tm_agent_reply(agent);
    if (strcmp(answer, "ok") != 0 && !g_str_has_prefix(answer, "ok ")) {
        g_error("host agent %d: '%s' answered '%s'", (int)agent->pid, command, answer);
    }
    return answer[2] == ' ' ? answer + 3 : answer + 2;
}

GPtrArray *tm_agent_take_events(TmAgent *agent)
{
    GPtrArray *events = agent->events;

    agent->events = g_ptr_array_new_with_free_func(g_free);
    return events;
}

GPtrArray *tm_agent_lines(TmAgent *agent)
{
    return agent->lines;
}

void tm_agent_kill(TmAgent *agent, int signo)
{
    g_assert_false(agent->reaped);
    g_assert_cmpint(kill(agent->pid, signo), ==, 0);
}

int tm_agent_wait(TmAgent *agent, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    /* Its stdout closes when it exits; what it printed last is dropped. */
    while (!agent->reaped && read_more(agent, deadline, "exit")) {
        g_string_truncate(agent->buffer, 0);
    }
    reap(agent);
    return agent->wait_status;
}

void tm_agent_exit(TmAgent *agent)
{
    tm_agent_send(agent, "exit");
    g_free(g_queue_pop_tail(&agent->commands));
    int status = tm_agent_wait(agent, TM_AGENT_TIMEOUT_MS);
    g_autofree char *text = describe_status(status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_error("host agent %d: %s after exit", (int)agent->pid, text);
    }
}

void tm_agent_free(TmAgent *agent)
{
    if (agent == NULL) {
        return;
    }
    if (!agent->reaped) {
        kill(agent->pid, SIGKILL);
        reap(agent);
    }
    g_spawn_close_pid(agent->pid);
    close(agent->in_fd);
    close(agent->out_fd);
    g_string_free(agent->buffer, TRUE);
    g_queue_clear_full(&agent->commands, g_free);
    g_ptr_array_unref(agent->events);
    g_ptr_array_unref(agent->lines);
    g_free(agent->last_reply);
    g_free(agent);
}

char *tm_agent_hex(const char *text)
{
    GString *hex = g_string_new(NULL);

    for (const char *c = text; *c != '\0'; c++) {
        g_string_append_printf(hex, "%02x", (unsigned char)*c);
    }
    return g_string_free(hex, FALSE);
}

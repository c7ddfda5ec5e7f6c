#include "bench_util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <glib.h>

uint64_t tm_bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tm_bench_write_all(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            g_error("send: %s", g_strerror(errno));
        }
        bytes += sent;
        length -= (size_t)sent;
    }
}

int tm_bench_compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

size_t tm_bench_read_message(int fd, GString *scratch)
{
    char buffer[1 << 16];

    g_string_truncate(scratch, 0);
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            g_error("recv: %s", got == 0 ? "connection closed" : g_strerror(errno));
        }
        g_string_append_len(scratch, buffer, got);
        /* Each side waits for its answer before it asks again: a CR LF ends a read. */
        if (scratch->len >= 2 && memcmp(scratch->str + scratch->len - 2, "\r\n", 2) == 0) {
            return scratch->len;
        }
    }
}

int tm_bench_qmp_connect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_autoptr(GString) scratch = g_string_new(NULL);
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}\r\n";

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        g_error("connect %s: %s", path, g_strerror(errno));
    }
    tm_bench_read_message(fd, scratch);
    tm_bench_write_all(fd, negotiate, strlen(negotiate));
    tm_bench_read_message(fd, scratch);
    return fd;
}

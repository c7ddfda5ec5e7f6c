#include "core/fd_io.h"

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "core/error.h"

static bool transfer(int fd, uint64_t offset, uint8_t *bytes, uint64_t length, bool write,
                     GError **err)
{
    while (length > 0) {
        ssize_t n = write ? pwrite(fd, bytes, length, (off_t)offset)
                          : pread(fd, bytes, length, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "cannot %s 0x%" PRIx64 " bytes at offset 0x%" PRIx64 ": %s",
                        write ? "write" : "read", length, offset,
                        n == 0 ? "the file ends before" : g_strerror(errno));
            return false;
        }
        bytes += n;
        offset += (uint64_t)n;
        length -= (uint64_t)n;
    }
    return true;
}

bool tm_fd_read_at(int fd, uint64_t offset, void *buf, uint64_t length, GError **err)
{
    return transfer(fd, offset, buf, length, false, err);
}

bool tm_fd_write_at(int fd, uint64_t offset, const void *buf, uint64_t length, GError **err)
{
    return transfer(fd, offset, (uint8_t *)buf, length, true, err);
}

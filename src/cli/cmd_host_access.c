/*
 * tagmem host-read / host-write: an application on host N touching a
 * tagged allocation.  Connect to the host's socket with libtagmem, wait
 * until the host holds capacity with the tag (accepting what is offered
 * with the chosen policy, like an agent), then read or write it through
 * the direct alias that tagmem_host_find_tag() returns, a plain pointer
 * to the device's memory.  Capacity the daemon cannot share (a private
 * backend) is not mapped: it is read and written by DPA instead.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_host.h"

#define DEFAULT_TIMEOUT_SECONDS 10.0

typedef struct {
    TmCliHostOptions host;
    char *tag;
    char *offset;
    char *length;   /* host-read */
    char *data;     /* host-write */
    gboolean hex;   /* host-read */
    double timeout; /* seconds to wait for the tag */
} AccessOptions;

static void access_options_clear(AccessOptions *options)
{
    tm_cli_host_options_clear(&options->host);
    g_free(options->tag);
    g_free(options->offset);
    g_free(options->length);
    g_free(options->data);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AccessOptions, access_options_clear)

#define ACCESS_OPTIONS_INIT { .host = TM_CLI_HOST_OPTIONS_INIT, .timeout = DEFAULT_TIMEOUT_SECONDS }

/* A tagged allocation as this host holds it. */
typedef struct {
    char tag_text[TM_GUID_STRING_LEN + 1];
    uint8_t *addr;     /* the direct alias; NULL: slow path */
    uint64_t size;
    bool writable;
    GArray *extents;   /* TagmemExtent, in shared-sequence order */
} Allocation;

static void allocation_clear(Allocation *allocation)
{
    g_clear_pointer(&allocation->extents, g_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Allocation, allocation_clear)

static gint compare_shared_seq(gconstpointer a, gconstpointer b)
{
    const TagmemExtent *ea = a;
    const TagmemExtent *eb = b;

    return (ea->shared_seq > eb->shared_seq) - (ea->shared_seq < eb->shared_seq);
}

/* The tag's extents, their total size and whether all of them are writable. */
static void collect_extents(TagmemHost *host, const TmGuid *tag, Allocation *allocation)
{
    size_t count = tagmem_host_extents(host, NULL, 0);
    g_autofree TagmemMapping *held = g_new(TagmemMapping, MAX(count, 1));

    count = tagmem_host_extents(host, held, count);
    allocation->extents = g_array_new(FALSE, FALSE, sizeof(TagmemExtent));
    allocation->size = 0;
    allocation->writable = true;
    for (size_t i = 0; i < count; i++) {
        if (memcmp(held[i].extent.tag, tag->bytes, sizeof(tag->bytes)) == 0) {
            g_array_append_val(allocation->extents, held[i].extent);
            allocation->size += held[i].extent.length;
            /* Only a mapping knows; on the slow path the daemon refuses a bad write. */
            allocation->writable &= held[i].addr == NULL || held[i].writable;
        }
    }
    g_array_sort(allocation->extents, compare_shared_seq);
}

/*
 * Wait up to @timeout_s for the host to hold capacity with @tag, handling
 * the event log meanwhile (the policy accepts what is offered).
 */
static bool wait_for_tag(TagmemHost *host, const AccessOptions *options, const TmGuid *tag,
                         Allocation *allocation)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)(options->timeout * G_USEC_PER_SEC);
    void *addr = NULL;
    size_t size = 0;

    tm_guid_format(tag, allocation->tag_text);
    for (;;) {
        int rc = tagmem_host_find_tag(host, tag->bytes, &addr, &size);
        if (rc == 0 || rc == -ENOTSUP) {
            break;
        }
        if (rc != -ENOENT) {
            tm_cli_fail("host %d: %s", options->host.host_id, tagmem_host_last_error(host));
            return false;
        }
        gint64 remaining_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (remaining_ms <= 0) {
            tm_cli_fail("host %d holds no capacity with tag %s (waited %g s)",
                        options->host.host_id, allocation->tag_text, options->timeout);
            return false;
        }
        rc = tagmem_host_process_events(host, (int)MIN(remaining_ms, G_MAXINT));
        if (rc < 0) {
            tm_cli_fail("host %d: %s", options->host.host_id, tagmem_host_last_error(host));
            return false;
        }
    }
    allocation->addr = addr;
    collect_extents(host, tag, allocation);
    if (options->host.verbose) {
        fprintf(stderr, "tagmem: host %d: tag %s: 0x%" PRIx64 " bytes in %u extents, %s%p\n",
                options->host.host_id, allocation->tag_text, allocation->size,
                allocation->extents->len, addr ? "direct alias at " : "slow path (by DPA)",
                addr);
    }
    return true;
}

static bool check_range(const Allocation *allocation, uint64_t offset, uint64_t length)
{
    if (length == 0 || offset > allocation->size || length > allocation->size - offset) {
        tm_cli_fail("--offset 0x%" PRIx64 " and length 0x%" PRIx64 " do not fit in the "
                    "allocation of tag %s (0x%" PRIx64 " bytes)%s", offset, length,
                    allocation->tag_text, allocation->size, length == 0 ? ": length is 0" : "");
        return false;
    }
    return true;
}

/*
 * The slow path: the allocation's bytes [offset, offset + length) are
 * spread over its extents in sequence order; read or write each piece by
 * DPA (vendor commands C002h/C003h).
 */
static int access_by_dpa(TagmemHost *host, const Allocation *allocation, uint64_t offset,
                         uint8_t *buf, uint64_t length, bool write)
{
    uint64_t start = 0;

    for (guint i = 0; i < allocation->extents->len && length > 0; i++) {
        const TagmemExtent *extent = &g_array_index(allocation->extents, TagmemExtent, i);
        uint64_t end = start + extent->length;

        if (offset < end) {
            uint64_t piece = MIN(length, end - offset);
            uint64_t dpa = extent->dpa + (offset - start);
            int rc = write ? tagmem_host_write(host, dpa, buf, piece)
                           : tagmem_host_read(host, dpa, buf, piece);
            if (rc < 0) {
                return rc;
            }
            buf += piece;
            offset += piece;
            length -= piece;
        }
        start = end;
    }
    return 0;
}

static void print_hex(const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        printf("%02x", bytes[i]);
    }
    putchar('\n');
}

static bool read_allocation(TagmemHost *host, const AccessOptions *options,
                            const Allocation *allocation, uint64_t offset, uint64_t length)
{
    if (!check_range(allocation, offset, length)) {
        return false;
    }
    g_autofree uint8_t *bytes = g_malloc(length);
    if (allocation->addr != NULL) {
        memcpy(bytes, allocation->addr + offset, length);
    } else if (access_by_dpa(host, allocation, offset, bytes, length, false) < 0) {
        tm_cli_fail("host %d: %s", options->host.host_id, tagmem_host_last_error(host));
        return false;
    }
    if (options->hex) {
        print_hex(bytes, length);
    } else {
        fwrite(bytes, 1, length, stdout);
    }
    return true;
}

static bool write_allocation(TagmemHost *host, const AccessOptions *options,
                             const Allocation *allocation, uint64_t offset)
{
    uint64_t length = strlen(options->data);

    if (!check_range(allocation, offset, length)) {
        return false;
    }
    if (!allocation->writable) {
        tm_cli_fail("host %d: tag %s is read-only for this host", options->host.host_id,
                    allocation->tag_text);
        return false;
    }
    if (allocation->addr != NULL) {
        memcpy(allocation->addr + offset, options->data, length);
    } else if (access_by_dpa(host, allocation, offset, (uint8_t *)options->data, length,
                             true) < 0) {
        tm_cli_fail("host %d: %s", options->host.host_id, tagmem_host_last_error(host));
        return false;
    }
    printf("wrote %" PRIu64 " bytes at offset 0x%" PRIx64 " of tag %s (host %d, %s)\n", length,
           offset, allocation->tag_text, options->host.host_id,
           allocation->addr ? "direct alias" : "by DPA");
    return true;
}

/* Connect, wait for the tag, check the range: what both subcommands start with. */
static TagmemHost *open_allocation(const AccessOptions *options, int argc, char **argv,
                                   uint64_t *offset, Allocation *allocation)
{
    TmGuid tag;

    if (argc > 1) {
        tm_cli_fail("%s takes no arguments, got '%s'", argv[0], argv[1]);
        return NULL;
    }
    if (!tm_cli_parse_tag(options->tag, "--tag", &tag) ||
        !tm_cli_parse_size(options->offset ? options->offset : "0", "--offset", offset)) {
        return NULL;
    }
    if (options->timeout < 0) {
        tm_cli_fail("--timeout: expected a number of seconds >= 0, got %g", options->timeout);
        return NULL;
    }
    TagmemHost *host = tm_cli_host_connect(&options->host, false);
    if (host != NULL && !wait_for_tag(host, options, &tag, allocation)) {
        g_clear_pointer(&host, tagmem_host_close);
    }
    return host;
}

#define ACCESS_OPTION_ENTRIES(o)                                                            \
    TM_CLI_HOST_OPTION_ENTRIES(&(o)->host),                                                  \
    { "tag", 't', 0, G_OPTION_ARG_STRING, &(o)->tag, "The allocation's tag (required)",     \
      "UUID" },                                                                              \
    { "offset", 'o', 0, G_OPTION_ARG_STRING, &(o)->offset,                                   \
      "Where in the allocation, in bytes (K/M/G suffixes; default 0)", "OFFSET" },           \
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &(o)->timeout,                                   \
      "How long to wait for the host to hold the tag (default 10)", "SECONDS" }

#define ACCESS_SUMMARY_TAIL                                                                  \
    "It waits until host N holds capacity with the tag, accepting what the device\n"        \
    "offers with --policy, and uses the direct alias: a pointer into the device's\n"        \
    "memory (capacity on the slow path is accessed by DPA instead)."

int tm_cli_cmd_host_read(const TmCliGlobal *global, int argc, char **argv)
{
    g_auto(AccessOptions) options = ACCESS_OPTIONS_INIT;
    g_auto(Allocation) allocation = { 0 };
    const GOptionEntry entries[] = {
        ACCESS_OPTION_ENTRIES(&options),
        { "length", 'l', 0, G_OPTION_ARG_STRING, &options.length,
          "How many bytes (K/M/G suffixes; required)", "LENGTH" },
        { "hex", 'x', 0, G_OPTION_ARG_NONE, &options.hex,
          "Print the bytes as hex digits and a newline (default: as they are)", NULL },
        G_OPTION_ENTRY_NULL,
    };
    uint64_t offset = 0;
    uint64_t length = 0;

    if (!tm_cli_host_check_global(global, "host-read")) {
        return 1;
    }
    if (!tm_cli_parse_options("host-read", "",
                              "Print LENGTH bytes of a tagged allocation, from OFFSET, as host N "
                              "sees them.\n" ACCESS_SUMMARY_TAIL,
                              entries, &argc, &argv)) {
        return 1;
    }
    if (options.length == NULL) {
        return tm_cli_fail("--length LENGTH is required");
    }
    if (!tm_cli_parse_size(options.length, "--length", &length)) {
        return 1;
    }
    TagmemHost *host = open_allocation(&options, argc, argv, &offset, &allocation);
    if (host == NULL) {
        return 1;
    }
    int status = read_allocation(host, &options, &allocation, offset, length) ? 0 : 1;
    tagmem_host_close(host);
    return status;
}

int tm_cli_cmd_host_write(const TmCliGlobal *global, int argc, char **argv)
{
    g_auto(AccessOptions) options = ACCESS_OPTIONS_INIT;
    g_auto(Allocation) allocation = { 0 };
    const GOptionEntry entries[] = {
        ACCESS_OPTION_ENTRIES(&options),
        { "data", 'd', 0, G_OPTION_ARG_STRING, &options.data, "The bytes to write (required)",
          "TEXT" },
        G_OPTION_ENTRY_NULL,
    };
    uint64_t offset = 0;

    if (!tm_cli_host_check_global(global, "host-write")) {
        return 1;
    }
    if (!tm_cli_parse_options("host-write", "",
                              "Write TEXT into a tagged allocation at OFFSET, as host N.\n"
                              ACCESS_SUMMARY_TAIL,
                              entries, &argc, &argv)) {
        return 1;
    }
    if (options.data == NULL) {
        return tm_cli_fail("--data TEXT is required");
    }
    TagmemHost *host = open_allocation(&options, argc, argv, &offset, &allocation);
    if (host == NULL) {
        return 1;
    }
    int status = write_allocation(host, &options, &allocation, offset) ? 0 : 1;
    tagmem_host_close(host);
    return status;
}

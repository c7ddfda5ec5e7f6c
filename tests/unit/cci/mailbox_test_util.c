#include "mailbox_test_util.h"

#include <endian.h>
#include <string.h>

#include "wire_assert.h"

void mailbox_fixture_init(MailboxFixture *mf, uint64_t memdev_size, const char *device_props)
{
    fixture_init(&mf->fx, NULL);
    fixture_backend(&mf->fx, "mem0", memdev_size, NULL);
    fixture_backend(&mf->fx, "tagged0", 4 * MiB, TEST_TAG);
    fixture_device(&mf->fx, device_props);
    mf->caller = (TmMailboxCaller) {
        .port = TM_MAILBOX_PORT_HOST,
        .host_id = 0,
        .max_payload = TM_MAILBOX_DEFAULT_MAX_PAYLOAD,
    };
    mf->buffer = g_malloc0(TM_MAILBOX_DEFAULT_MAX_PAYLOAD);
    mf->response = (TmMailboxResponse) { .payload = mf->buffer, .fd = -1 };
    mf->err = NULL;
}

void mailbox_fixture_clear(MailboxFixture *mf)
{
    g_clear_error(&mf->err);
    g_free(mf->buffer);
    fixture_clear(&mf->fx);
}

TmHostMem *fixture_typed_backend(DcdFixture *fx, const char *type, const char *id,
                                 uint64_t size, const char *tag)
{
    g_autoptr(GError) err = NULL;
    TmPropAssignment props[] = {
        { .name = "size", .value = { .kind = TM_PROP_SIZE, .uint = size } },
        { .name = "tag", .value = { .kind = TM_PROP_GUID, .str = (char *)tag } },
    };
    TmHostMem *backend = tm_backend_registry_create(fx->backends, type, id, props,
                                                    tag ? 2 : 1, &err);

    g_assert_no_error(err);
    return backend;
}

TmCxlReturnCode mailbox_call(MailboxFixture *mf, uint16_t opcode, const void *payload,
                             size_t length)
{
    TmMailboxRequest request = {
        .dev = mf->fx.dev,
        .caller = &mf->caller,
        .opcode = opcode,
        .payload = payload,
        .payload_len = length,
    };

    g_assert_true(tm_mailbox_caller_check(mf->fx.dev, &mf->caller, NULL));
    g_clear_error(&mf->err);
    TmCxlReturnCode rc = tm_mailbox_dispatch(&request, &mf->response, &mf->err);

    /* A failure always says why; a success (or a start in the background) never has a message. */
    g_assert_true((rc == TM_CXL_RC_SUCCESS || rc == TM_CXL_RC_BACKGROUND_COMMAND_STARTED) ==
                  (mf->err == NULL));
    g_assert_cmpint(mf->response.fd, ==, -1);
    g_assert_cmpuint(mf->response.length, <=, tm_mailbox_payload_limit(&mf->caller));
    return rc;
}

void mailbox_expect(MailboxFixture *mf, uint16_t opcode, const void *payload, size_t length,
                    TmCxlReturnCode expected_rc, const uint8_t *expected, size_t expected_len)
{
    TmCxlReturnCode rc = mailbox_call(mf, opcode, payload, length);

    if (rc != expected_rc) {
        g_error("%04Xh returned %02Xh (%s: %s), expected %02Xh (%s)", opcode, rc,
                tm_cxl_return_code_name(rc), mf->err ? mf->err->message : "no message",
                expected_rc, tm_cxl_return_code_name(expected_rc));
    }
    g_assert_cmpuint(mf->response.length, ==, expected_len);
    wire_assert_bytes(mf->response.payload, expected, expected_len);
}

GByteArray *updated_extent_payload(const TmExtent *extents, guint n, uint8_t flags)
{
    GByteArray *bytes = g_byte_array_new();
    uint32_t count = htole32(n);
    uint8_t header_tail[4] = { flags, 0, 0, 0 };

    g_byte_array_append(bytes, (const guint8 *)&count, sizeof(count));
    g_byte_array_append(bytes, header_tail, sizeof(header_tail));
    for (guint i = 0; i < n; i++) {
        uint64_t entry[3] = { htole64(extents[i].dpa), htole64(extents[i].length), 0 };
        g_byte_array_append(bytes, (const guint8 *)entry, sizeof(entry));
    }
    return bytes;
}

uint16_t read_le16(const uint8_t *bytes)
{
    uint16_t value;

    memcpy(&value, bytes, sizeof(value));
    return le16toh(value);
}

uint32_t read_le32(const uint8_t *bytes)
{
    uint32_t value;

    memcpy(&value, bytes, sizeof(value));
    return le32toh(value);
}

uint64_t read_le64(const uint8_t *bytes)
{
    uint64_t value;

    memcpy(&value, bytes, sizeof(value));
    return le64toh(value);
}

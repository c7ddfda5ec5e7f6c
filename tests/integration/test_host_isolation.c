/*
 * The data path as an attacker uses it (docs/memory-model.md): host 0 is
 * this test process speaking raw CCI, mapping what C001h gives it and never
 * letting go; host 1 is a libtagmem agent, the honest next owner.  Host 0
 * must not reach past its block, must not see or touch host 1's bytes after
 * it released the capacity (politely or by force), and must not be able to
 * resize what it holds; the daemon keeps serving throughout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cci_client.h"
#include "e2e_daemon.h"
#include "host_agent_client.h"

#define WAIT_MS "10000"
#define TAG_A "1a9e0000-0000-4000-8000-00000000000a"
#define OP_ADD_DC_RESPONSE 0x4802
#define OP_RELEASE_DC 0x4803
#define OP_GET_EXTENT_MEMORY 0xC001
#define OP_READ_DPA 0xC002
#define RC_SUCCESS 0x00
#define RC_UNSUPPORTED 0x03
#define RC_INTERNAL_ERROR 0x04
#define BLOCK (2 * MiB)

static const char *const daemon_args[] = {
    "-object", "memory-backend-memfd,id=dc0,size=512M",
    "-object", "memory-backend-memfd,id=ta,size=4M,tag=" TAG_A,
    "-object", "memory-backend-ram,id=priv,size=512M",
    "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=dc0,num-dc-regions=2,num-hosts=2",
    "-device", "cxl-type3,id=dcd1,volatile-dc-memdev=priv,num-dc-regions=1,num-hosts=1",
    NULL,
};

static void put_le64(uint8_t *out, uint64_t value)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

static uint16_t call_rc(int fd, uint16_t opcode, const void *payload, size_t length)
{
    g_auto(TmTestCciPacket) response;

    tm_test_cci_call(fd, opcode, payload, length, &response, NULL);
    return response.return_code;
}

/* 4802h / 4803h with one extent. */
static uint16_t extent_command(int fd, uint16_t opcode, uint64_t dpa, uint64_t length)
{
    uint8_t payload[8 + 24] = { 1 };

    put_le64(payload + 8, dpa);
    put_le64(payload + 16, length);
    return call_rc(fd, opcode, payload, sizeof(payload));
}

/* C001h for one block; returns the descriptor, checking it is exactly that block. */
static int get_block(int fd, uint64_t dpa)
{
    uint8_t range[16];
    struct stat st;
    TmTestCciPacket memory;

    put_le64(range, dpa);
    put_le64(range + 8, BLOCK);
    tm_test_cci_call(fd, OP_GET_EXTENT_MEMORY, range, sizeof(range), &memory, NULL);
    g_assert_cmpuint(memory.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(tm_test_le64(memory.payload), ==, 0);
    g_assert_cmpuint(tm_test_le64(memory.payload + 8), ==, BLOCK);
    int block_fd = memory.fd;
    memory.fd = -1;
    tm_test_cci_packet_clear(&memory);
    g_assert_cmpint(fstat(block_fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, BLOCK);
    return block_fd;
}

/* Touching @map at @offset kills a child with SIGBUS: nothing is there. */
static void assert_nothing_at(const uint8_t *map, size_t offset)
{
    pid_t child = fork();

    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        signal(SIGBUS, SIG_DFL);
        volatile uint8_t byte = map[offset];
        (void)byte;
        _exit(0);
    }
    int status = 0;
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGBUS);
}

/*
 * Host 0 maps the block it holds at DPA 0, far larger than the block, in
 * static mode and tagged: only the block is there, not host 1's capacity
 * next to it nor capacity never offered.
 */
static void test_no_mapping_past_the_block(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, daemon_args);
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    g_autofree char *socket1 = tm_e2e_host_socket(&e2e, 1);
    int attacker = tm_test_cci_connect_host(socket0);
    g_autoptr(TmAgent) host1 = tm_agent_start();
    tm_agent_ok(host1, "connect %s", socket1);

    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    g_assert_cmpuint(extent_command(attacker, OP_ADD_DC_RESPONSE, 0, BLOCK), ==, RC_SUCCESS);
    tm_e2e_add(&e2e, 1, 0, NULL, "2M:2M");
    tm_agent_ok(host1, "await 1 " WAIT_MS);
    tm_agent_ok(host1, "fill 0x200000 0x200000 0x5a");

    int fd = get_block(attacker, 0);
    uint8_t *map = mmap(NULL, 1024 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    map[0] = 1;
    assert_nothing_at(map, BLOCK);
    assert_nothing_at(map, 512 * MiB);
    munmap(map, 1024 * MiB);
    close(fd);

    /* Tagged: the tag's backend is 4 MiB; host 0 holds its first block only. */
    tm_e2e_add(&e2e, 0, 1, TAG_A, "0:2M");
    g_assert_cmpuint(extent_command(attacker, OP_ADD_DC_RESPONSE, 256 * MiB, BLOCK), ==,
                     RC_SUCCESS);
    fd = get_block(attacker, 256 * MiB);
    map = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    assert_nothing_at(map, BLOCK);
    munmap(map, 4 * MiB);
    close(fd);

    g_assert_cmpstr(tm_agent_call(host1, "check 0x200000 0x200000 0x5a"), ==, "ok");
    close(attacker);
    tm_agent_exit(host1);
    tm_e2e_stop(&e2e);
}

/*
 * Host 0 keeps its mapping after the capacity leaves it (@forced: taken by
 * a forced release; else given back with 4803h); host 1 gets the same
 * DPA range and writes to it.  Host 0 keeps writing to its old mapping:
 * neither sees the other's bytes, and host 1 starts from zeros.
 */
static void kept_mapping_case(bool forced)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, daemon_args);
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    g_autofree char *socket1 = tm_e2e_host_socket(&e2e, 1);
    int attacker = tm_test_cci_connect_host(socket0);
    g_autoptr(TmAgent) host1 = tm_agent_start();
    tm_agent_ok(host1, "connect %s", socket1);

    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    g_assert_cmpuint(extent_command(attacker, OP_ADD_DC_RESPONSE, 0, BLOCK), ==, RC_SUCCESS);
    int fd = get_block(attacker, 0);
    uint8_t *kept = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert_true(kept != MAP_FAILED);
    close(fd);
    memset(kept, 0x11, BLOCK);

    if (forced) {
        tm_e2e_release(&e2e, 0, 0, NULL, "0:2M", true, false);
    } else {
        g_assert_cmpuint(extent_command(attacker, OP_RELEASE_DC, 0, BLOCK), ==, RC_SUCCESS);
    }
    /* Still writing after the release. */
    memset(kept, 0x22, BLOCK);

    tm_e2e_add(&e2e, 1, 0, NULL, "0:2M");
    tm_agent_ok(host1, "await 1 " WAIT_MS);
    g_assert_cmpstr(tm_agent_call(host1, "check 0 0x200000 0"), ==, "ok");
    tm_agent_ok(host1, "fill 0 0x200000 0x5a");
    memset(kept, 0x33, BLOCK);
    for (size_t i = 0; i < BLOCK; i += 4096) {
        g_assert_cmpuint(kept[i], ==, 0x33);
    }
    g_assert_cmpstr(tm_agent_call(host1, "check 0 0x200000 0x5a"), ==, "ok");
    munmap(kept, BLOCK);
    close(attacker);
    tm_agent_exit(host1);
    tm_e2e_stop(&e2e);
}

static void test_kept_mapping_after_release(void)
{
    kept_mapping_case(false);
}

static void test_kept_mapping_after_forced_release(void)
{
    kept_mapping_case(true);
}

/*
 * What host 0 holds cannot be resized: ftruncate and new seals fail; a
 * hole it punches only zeroes its own bytes.  Reads by DPA of those bytes
 * still work, and the daemon keeps answering everyone.  Private memory is
 * never handed out at all.
 */
static void test_descriptor_abuse(void)
{
    TmE2e e2e;

    tm_e2e_start(&e2e, daemon_args);
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    int attacker = tm_test_cci_connect_host(socket0);

    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    g_assert_cmpuint(extent_command(attacker, OP_ADD_DC_RESPONSE, 0, BLOCK), ==, RC_SUCCESS);
    int fd = get_block(attacker, 0);
    g_assert_cmpint(ftruncate(fd, 0), ==, -1);
    g_assert_cmpint(errno, ==, EPERM);
    g_assert_cmpint(ftruncate(fd, 2 * BLOCK), ==, -1);
    g_assert_cmpint(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), ==, -1);
    g_assert_cmpint(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, BLOCK), ==, 0);
    close(fd);

    uint8_t read[16] = { 0 };
    put_le64(read, BLOCK - 8);
    read[8] = 8;
    g_auto(TmTestCciPacket) bytes;
    tm_test_cci_call(attacker, OP_READ_DPA, read, sizeof(read), &bytes, NULL);
    g_assert_cmpuint(bytes.return_code, ==, RC_SUCCESS);
    g_assert_cmpuint(bytes.payload_size, ==, 8);

    /* dcd1's capacity is private memory: no descriptor, by DPA only. */
    json_object *reply = tm_test_execute(
        e2e.qmp, "cxl-add-dynamic-capacity",
        "{\"path\": \"/machine/peripheral/dcd1\", \"host-id\": 0, \"selection-policy\": "
        "\"prescriptive\", \"region\": 0, \"extents\": [{\"offset\": 0, \"len\": 2097152}]}");
    tm_test_assert_return(reply);
    json_object_put(reply);
    g_autofree char *dir = g_path_get_dirname(socket0);
    g_autofree char *socket_dcd1 = g_build_filename(dir, "dcd1-host0.sock", NULL);
    int private_host = tm_test_cci_connect_host(socket_dcd1);
    g_assert_cmpuint(extent_command(private_host, OP_ADD_DC_RESPONSE, 0, BLOCK), ==, RC_SUCCESS);
    uint8_t range[16];
    put_le64(range, 0);
    put_le64(range + 8, BLOCK);
    g_auto(TmTestCciPacket) refused;
    tm_test_cci_call(private_host, OP_GET_EXTENT_MEMORY, range, sizeof(range), &refused, NULL);
    g_assert_cmpuint(refused.return_code, ==, RC_UNSUPPORTED);
    g_assert_cmpint(refused.fd, ==, -1);

    g_auto(TmTestCciPacket) private_bytes;
    tm_test_cci_call(private_host, OP_READ_DPA, read, sizeof(read), &private_bytes, NULL);
    g_assert_cmpuint(private_bytes.return_code, ==, RC_SUCCESS);
    g_auto(TmTestCciPacket) again;
    tm_test_cci_call(attacker, OP_READ_DPA, read, sizeof(read), &again, NULL);
    g_assert_cmpuint(again.return_code, ==, RC_SUCCESS);
    close(private_host);
    close(attacker);
    tm_e2e_stop(&e2e);
}

/*
 * A file backend never leaves the daemon (a file cannot be sealed): C001h
 * is Unsupported.  Cut short behind the daemon's back, reads and writes by
 * DPA fail with Internal Error and the daemon keeps serving.
 */
static void test_file_cut_short(void)
{
    g_autofree char *dir = tm_test_make_dir();
    g_autofree char *path = g_build_filename(dir, "dc.mem", NULL);
    g_autofree char *object = g_strdup_printf("memory-backend-file,id=f0,size=256M,share=on,"
                                              "mem-path=%s", path);
    const char *args[] = {
        "-object", object,
        "-device", "cxl-type3,id=dcd0,volatile-dc-memdev=f0,num-dc-regions=1,num-hosts=1",
        NULL,
    };
    TmE2e e2e;

    tm_e2e_start(&e2e, args);
    g_autofree char *socket0 = tm_e2e_host_socket(&e2e, 0);
    int host = tm_test_cci_connect_host(socket0);
    tm_e2e_add(&e2e, 0, 0, NULL, "0:2M");
    g_assert_cmpuint(extent_command(host, OP_ADD_DC_RESPONSE, 0, BLOCK), ==, RC_SUCCESS);

    uint8_t range[16];
    put_le64(range, 0);
    put_le64(range + 8, BLOCK);
    g_auto(TmTestCciPacket) refused;
    tm_test_cci_call(host, OP_GET_EXTENT_MEMORY, range, sizeof(range), &refused, NULL);
    g_assert_cmpuint(refused.return_code, ==, RC_UNSUPPORTED);
    g_assert_cmpint(refused.fd, ==, -1);

    uint8_t read[16] = { 0 };
    put_le64(read, 4096);
    read[8] = 16;
    g_assert_cmpuint(call_rc(host, OP_READ_DPA, read, sizeof(read)), ==, RC_SUCCESS);
    g_assert_cmpint(truncate(path, 0), ==, 0);
    g_assert_cmpuint(call_rc(host, OP_READ_DPA, read, sizeof(read)), ==, RC_INTERNAL_ERROR);
    g_autofree char *accepted = tm_e2e_accepted(&e2e, 0);
    g_assert_cmpstr(accepted, ==, "0x0+0x200000#0");
    close(host);
    tm_e2e_stop(&e2e);
    tm_test_remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/isolation/no-mapping-past-the-block", test_no_mapping_past_the_block);
    g_test_add_func("/host/isolation/kept-mapping-after-release",
                    test_kept_mapping_after_release);
    g_test_add_func("/host/isolation/kept-mapping-after-forced-release",
                    test_kept_mapping_after_forced_release);
    g_test_add_func("/host/isolation/descriptor-abuse", test_descriptor_abuse);
    g_test_add_func("/host/isolation/file-cut-short", test_file_cut_short);
    return g_test_run();
}

#include "backend/host_nodes.h"

#include <errno.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))
/* One bit to spare: mbind(2) reads only maxnode - 1 bits (see bind). */
#define MASK_WORDS ((TM_HOST_NODES_MAX + 1 + BITS_PER_WORD - 1) / BITS_PER_WORD)
#define MASK_BITS (MASK_WORDS * BITS_PER_WORD)

_Static_assert((int)TM_HOSTMEM_POLICY_DEFAULT == (int)MPOL_DEFAULT, "policy order is the kernel's");
_Static_assert((int)TM_HOSTMEM_POLICY_PREFERRED == (int)MPOL_PREFERRED, "policy order is the kernel's");
_Static_assert((int)TM_HOSTMEM_POLICY_BIND == (int)MPOL_BIND, "policy order is the kernel's");
_Static_assert((int)TM_HOSTMEM_POLICY_INTERLEAVE == (int)MPOL_INTERLEAVE, "policy order is the kernel's");

const char *const tm_hostmem_policy_names[] = {
    "default", "preferred", "bind", "interleave", NULL,
};

typedef struct {
    unsigned long words[MASK_WORDS];
} NodeMask;

static bool mask_test(const NodeMask *mask, uint64_t node)
{
    return (mask->words[node / BITS_PER_WORD] >> (node % BITS_PER_WORD)) & 1;
}

static void mask_set(NodeMask *mask, uint64_t node)
{
    mask->words[node / BITS_PER_WORD] |= 1UL << (node % BITS_PER_WORD);
}

static char *mask_to_text(const NodeMask *mask)
{
    GString *text = g_string_new(NULL);

    for (uint64_t node = 0; node < TM_HOST_NODES_MAX; node++) {
        if (mask_test(mask, node)) {
            g_string_append_printf(text, "%s%" G_GUINT64_FORMAT, text->len ? "," : "", node);
        }
    }
    return g_string_free(text, FALSE);
}

/* The nodes this process may allocate on (online, and allowed by its cpuset). */
static bool allowed_nodes(NodeMask *allowed, GError **err)
{
    memset(allowed, 0, sizeof(*allowed));
    if (syscall(SYS_get_mempolicy, NULL, allowed->words, (unsigned long)MASK_BITS, NULL,
                (unsigned long)MPOL_F_MEMS_ALLOWED) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "host-nodes: cannot read the host's NUMA nodes: %s", g_strerror(errno));
        return false;
    }
    return true;
}

bool tm_host_nodes_check(TmHostMemPolicy policy, const GArray *host_nodes, GError **err)
{
    bool has_nodes = host_nodes && host_nodes->len > 0;

    /* QEMU's texts (backends/hostmem.c host_memory_backend_apply_settings). */
    if (has_nodes && policy == TM_HOSTMEM_POLICY_DEFAULT) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "host-nodes must be empty for policy default, or you should explicitly "
                    "specify a policy other than default");
        return false;
    }
    if (!has_nodes && policy != TM_HOSTMEM_POLICY_DEFAULT) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "host-nodes must be set for policy %s",
                    tm_hostmem_policy_names[policy]);
        return false;
    }
    if (!has_nodes) {
        return true;
    }

    NodeMask allowed;
    if (!allowed_nodes(&allowed, err)) {
        return false;
    }
    for (guint i = 0; i < host_nodes->len; i++) {
        uint64_t node = g_array_index(host_nodes, uint64_t, i);
        if (!mask_test(&allowed, node)) {
            g_autofree char *nodes = mask_to_text(&allowed);
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "host-nodes: host NUMA node %" G_GUINT64_FORMAT
                        " does not exist on this machine (available nodes: %s)", node, nodes);
            return false;
        }
    }
    return true;
}

bool tm_host_nodes_bind(void *memory, size_t length, TmHostMemPolicy policy,
                        const GArray *host_nodes, GError **err)
{
    if (policy == TM_HOSTMEM_POLICY_DEFAULT) {
        return true;
    }

    NodeMask nodes = { { 0 } };
    uint64_t highest = 0;
    for (guint i = 0; i < host_nodes->len; i++) {
        uint64_t node = g_array_index(host_nodes, uint64_t, i);
        mask_set(&nodes, node);
        highest = MAX(highest, node);
    }
    /*
     * The kernel reads maxnode - 1 bits of the mask, so pass one more than
     * the number of bits used (QEMU does the same).  STRICT|MOVE: pages
     * already present elsewhere are moved, or the call fails.
     */
    unsigned long maxnode = highest + 2;
    if (syscall(SYS_mbind, memory, (unsigned long)length, (unsigned long)policy, nodes.words,
                maxnode, (unsigned long)(MPOL_MF_STRICT | MPOL_MF_MOVE)) != 0) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "cannot bind memory to host NUMA nodes (policy %s): %s",
                    tm_hostmem_policy_names[policy], g_strerror(errno));
        return false;
    }
    return true;
}

/*
 * NUMA placement of backend memory: the "policy" and "host-nodes"
 * properties, applied with the raw mbind(2) system call (no libnuma), as
 * QEMU's backends/hostmem.c does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#include "backend/hostmem_internal.h"

/* Highest node number + 1 accepted in host-nodes (the kernel's MAX_NUMNODES limit). */
#define TM_HOST_NODES_MAX 1024

extern const char *const tm_hostmem_policy_names[];

/*
 * Check the policy and node list as a whole: a non-default policy needs
 * nodes, the default policy forbids them, and every node must be one this
 * process may allocate on.
 */
bool tm_host_nodes_check(TmHostMemPolicy policy, const GArray *host_nodes, GError **err);

/* Apply the policy to [memory, memory + length) before it is touched. */
bool tm_host_nodes_bind(void *memory, size_t length, TmHostMemPolicy policy,
                        const GArray *host_nodes, GError **err);

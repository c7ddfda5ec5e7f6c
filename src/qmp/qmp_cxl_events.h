/*
 * QMP events for CXL Dynamic Capacity (QEMU emits none: docs/qemu-compat.md).
 * A device observer turns the engine's notices into events sent through
 * TmQmpEnv.emit_event:
 *
 *   CXL_DC_CAPACITY_COMMITTED  the host accepted these extents
 *   CXL_DC_CAPACITY_REJECTED   offered extents the host did not accept
 *   CXL_DC_CAPACITY_RELEASED   capacity the host no longer has ("forced":
 *                              taken by a forced release request)
 *   CXL_DC_SANITIZE_FAILED     released capacity that could not be zeroed
 *                              and stays out of use ("message": why)
 *
 * data: {"device": ID, "path": "/machine/peripheral/ID", "host-id": N,
 *        "extents": [{"region", "offset", "dpa", "len", "shared-seq"[, "tag"]}]
 *        [, "forced": bool][, "message": str]}
 */
#pragma once

#include <glib.h>

#include "device/dcd.h"
#include "qmp/qmp_env.h"

#define TM_QMP_EVENT_DC_COMMITTED "CXL_DC_CAPACITY_COMMITTED"
#define TM_QMP_EVENT_DC_REJECTED "CXL_DC_CAPACITY_REJECTED"
#define TM_QMP_EVENT_DC_RELEASED "CXL_DC_CAPACITY_RELEASED"
#define TM_QMP_EVENT_DC_WITHDRAWN "CXL_DC_CAPACITY_WITHDRAWN"
#define TM_QMP_EVENT_DC_SANITIZE_FAILED "CXL_DC_SANITIZE_FAILED"

/*
 * Send @dev's events through @env (borrowed: it must outlive the watch).
 * Returns the observer id for tm_dcd_remove_observer().
 */
guint tm_qmp_cxl_watch_device(TmQmpEnv *env, TmDcd *dev);

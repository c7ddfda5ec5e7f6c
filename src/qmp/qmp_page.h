/*
 * Paging of large query answers (query-memdev, query-cxl-dynamic-capacity):
 * the optional arguments "start" (index of the first item, from 0) and
 * "count" (how many, 1 to TM_QMP_PAGE_MAX_COUNT).  Giving either asks for
 * the paged form of the answer, {"total", "start", LIST}, which says how
 * many items match in all; without them the answer keeps QEMU's shape
 * (docs/qmp.md, "Filters and paging").
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <json-c/json.h>

#include "qmp/qmp_args.h"

/* The most items one page holds: bounds the reply to about a megabyte. */
#define TM_QMP_PAGE_MAX_COUNT 10000

typedef struct {
    bool paged;      /* "start" or "count" was given */
    uint64_t start;  /* 0 when absent */
    guint count;     /* TM_QMP_PAGE_MAX_COUNT when absent */
} TmQmpPage;

/* The schema members, for a command's argument table. */
#define TM_QMP_PAGE_ARGS \
    { .name = "start", .type = TM_QMP_ARG_UINT64, .optional = true }, \
    { .name = "count", .type = TM_QMP_ARG_UINT32, .optional = true }

/*
 * The page @args (already checked against TM_QMP_PAGE_ARGS) asks for; a
 * count of 0 or above the maximum is refused, naming the value.
 */
bool tm_qmp_page_parse(json_object *args, TmQmpPage *page, GError **err);

/*
 * Tagged state over QMP for the benchmarks that need many tags: one
 * memory-backend-ram per tag and one prescriptive add of its extents.
 */
#pragma once

#include <stdint.h>
#include <glib.h>

#include "cli/qmp_conn.h"

/* Blocks the benchmarks' devices are made of (dc-block-size=4K). */
#define TM_BENCH_BLOCK 4096u

/* The tag of allocation @t ("0000000t-0000-4000-8000-00000000000t" in hex); caller frees. */
char *tm_bench_tag_text(guint t);

/* Execute @command with @args (taken); aborts the benchmark unless it succeeds. */
void tm_bench_execute_ok(TmQmpConn *conn, const char *command, json_object *args);

/* memory-backend-ram @id of @size bytes, with @tag unless NULL. */
void tm_bench_add_backend(TmQmpConn *conn, const char *id, uint64_t size, const char *tag);

/*
 * Tag @t's backend ("m<t>") and one prescriptive add to host @t % @hosts in
 * region 0 of @per_tag one-block extents, every other block from
 * @t * @per_tag * 2 blocks on, so that no two extents touch.
 */
void tm_bench_add_tagged(TmQmpConn *conn, guint t, guint per_tag, guint hosts);

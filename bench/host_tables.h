/* bench-host's tables; each prints itself to stdout. */
#pragma once

#include "host_session.h"

/* Table 1: full FM add .. host release cycles beside their floor. */
void bench_run_cycle_table(const Bench *bench, const BenchOptions *opts);

/* Tables 2 and 3: memcpy through the direct alias and the slow path, beside native memcpy. */
void bench_run_bandwidth_table(const Bench *bench, const BenchOptions *opts);

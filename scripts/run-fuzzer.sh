#!/usr/bin/env bash
# Run one libFuzzer target for a bounded time (a meson test in suite 'fuzz').
#   run-fuzzer.sh FUZZER CORPUS_DIR SEED_DIR [LIBFUZZER OPTIONS...]
# TAGMEM_FUZZ_SECONDS sets the time (default 25 s).  The corpus found so
# far is kept in CORPUS_DIR (in the build tree) and grows from run to run;
# a crash is saved beside it as crash-FUZZER-*.
set -euo pipefail

fuzzer=$1
corpus=$2
seeds=$3
shift 3
seconds=${TAGMEM_FUZZ_SECONDS:-25}

mkdir -p "$corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$(dirname "$corpus")/crash-$(basename "$fuzzer")-" \
    -print_final_stats=1 "$@" "$corpus" "$seeds"

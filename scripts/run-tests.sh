#!/usr/bin/env bash
# Install what is needed, build, and run every test:
#   1. gcc build with ASan + UBSan: meson suites 'unit' and 'integration';
#   2. the Debian packages built (without sanitizers), lintian-checked,
#      unpacked into a fresh root and run from there, meson suite 'package'
#      (tests/package/test_package.sh; about a minute or two);
#   3. clang build with -Dfuzz=true: each libFuzzer target for a bounded
#      time (TAGMEM_FUZZ_SECONDS, default 25 s each), meson suite 'fuzz'.
# Failing tests' logs are printed.  The last line is "N passed, N failed"
# over both runs; the exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

GCC_BUILD=${TAGMEM_GCC_BUILD:-build-test-gcc}
FUZZ_BUILD=${TAGMEM_FUZZ_BUILD:-build-test-fuzz}
JOBS=$(nproc)

passed=0
failed=0
skipped=0

bash scripts/setup.sh --with-qemu || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

configure() {
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" "$@"
    else
        meson setup "$dir" "$@"
    fi
}

# Add one meson run's results (from its testlog.json) to the totals.
count_results() {
    local log=$1 p f s
    read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    with open(sys.argv[1]) as log:
        for line in log:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:  # FAIL, UNEXPECTEDPASS, TIMEOUT, ERROR
                failed += 1
except FileNotFoundError:
    pass
print(passed, failed, skipped)
PY
)
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    echo "$p passed, $f failed, $s skipped in $log" | sed 's/^/== /'
    return $((f > 0))
}

# build_and_test LABEL BUILD_DIR "SETUP ARGS" TEST ARGS...
build_and_test() {
    local label=$1 dir=$2 setup_args=$3
    shift 3
    echo "== $label: configure and build in $dir"
    # shellcheck disable=SC2086  # setup_args is a list of words
    if ! configure "$dir" $setup_args || ! ninja -C "$dir" -j "$JOBS"; then
        echo "== $label: BUILD FAILED"
        failed=$((failed + 1))
        return
    fi
    echo "== $label: meson test $*"
    rm -f "$dir/meson-logs/testlog.json"
    meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$JOBS" "$@"
    local status=$?
    if count_results "$dir/meson-logs/testlog.json" && [ "$status" -ne 0 ]; then
        # meson failed without a failing test (e.g. no such suite).
        echo "== $label: meson test exited $status"
        failed=$((failed + 1))
    fi
}

# run_suite LABEL BUILD_DIR SUITE: one more suite of a build made above.
run_suite() {
    local label=$1 dir=$2 suite=$3
    if [ ! -f "$dir/build.ninja" ]; then
        echo "== $label: no build in $dir"
        failed=$((failed + 1))
        return
    fi
    echo "== $label: meson test --suite $suite"
    rm -f "$dir/meson-logs/testlog.json"
    meson test -C "$dir" --no-rebuild --print-errorlogs --suite "$suite"
    local status=$?
    if count_results "$dir/meson-logs/testlog.json" && [ "$status" -ne 0 ]; then
        echo "== $label: meson test exited $status"
        failed=$((failed + 1))
    fi
}

# Sanitizer findings must fail the test that triggers them (UBSan only
# prints by default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

CC=gcc build_and_test "gcc+asan+ubsan" "$GCC_BUILD" \
    "--buildtype=debug -Db_sanitize=address,undefined" \
    --suite unit --suite integration

run_suite "Debian packages" "$GCC_BUILD" package

CC=clang build_and_test "clang+libFuzzer" "$FUZZ_BUILD" \
    "--buildtype=debugoptimized -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false" \
    --suite fuzz

if [ $((passed + failed)) -eq 0 ]; then
    echo "== no test ran"
    failed=1
fi
summary="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
    summary="$summary, $skipped skipped"
fi
echo "$summary"
[ "$failed" -eq 0 ]

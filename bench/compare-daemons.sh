#!/bin/bash
# compare-daemons.sh [OLD_REV] [-- BENCH-HOST OPTIONS]
#
# The same bench-host (this tree's libtagmem) against two daemons in one run:
# tagmemd built from OLD_REV (default 5071bf4, the last commit before memory
# objects, docs/memory-model.md) and tagmemd built from this tree, both in
# release mode; then one table with the ratio new/old of every full-cycle
# time and every copy bandwidth.  The two daemons take turns, ROUNDS times
# (environment, default 2), and each row keeps its best figure of the
# rounds, so that load on the machine in one stretch does not fall on one
# daemon only.  The native memcpy rows are measured in every run: their
# ratio shows how noisy the machine still was.
#
# Builds go to build-release/ (this tree) and a temporary git worktree
# (OLD_REV), removed at exit.
set -euo pipefail

old_rev=5071bf4
if [[ $# -gt 0 && $1 != -- ]]; then
    old_rev=$1
    shift
fi
[[ ${1:-} == -- ]] && shift

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

release_build() {   # SOURCE BUILD TARGETS...
    local src=$1 dir=$2
    shift 2
    [[ -d $dir ]] || meson setup "$dir" "$src" --buildtype=release >/dev/null
    nice ninja -C "$dir" "$@" >/dev/null
}

echo "building tagmemd at $old_rev and at $(git -C "$top" rev-parse --short HEAD) (release)..."
git -C "$top" worktree add --detach "$work/old" "$old_rev" >/dev/null 2>&1
release_build "$work/old" "$work/old/build" src/daemon/tagmemd
release_build "$top" "$top/build-release" src/daemon/tagmemd bench/bench-host

bench="$top/build-release/bench/bench-host"
rounds=${ROUNDS:-2}
for ((round = 1; round <= rounds; round++)); do
    echo "round $round of $rounds: bench-host against the old daemon, then the new one..."
    "$bench" "$@" "$work/old/build/src/daemon/tagmemd" >"$work/old.$round.txt"
    "$bench" "$@" "$top/build-release/src/daemon/tagmemd" >"$work/new.$round.txt"
done

python3 - "$work" "$rounds" "$old_rev" <<'EOF'
import re, sys

def rows(path):
    cycles, copies = {}, {}
    for line in open(path):
        m = re.match(r'\s*(\d+) tagmem\s+\d+\s+\S+\s+([\d.]+)((?:\s+[\d.]+){5})', line)
        if m:
            phases = [float(x) for x in m.group(3).split()]
            cycles[int(m.group(1))] = [float(m.group(2))] + phases
            continue
        m = re.match(r'(.{50}) +([\d.]+) +([\d.]+) +[\d.]+% +[\d.]+%', line)
        if m:
            copies[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)))
    return cycles, copies

def best(which):
    """Each row's best of the rounds: the least time, the most bandwidth."""
    cycles, copies = {}, {}
    for r in range(1, int(sys.argv[2]) + 1):
        c, b = rows(f"{sys.argv[1]}/{which}.{r}.txt")
        for n, times in c.items():
            cycles[n] = [min(x, y) for x, y in zip(cycles[n], times)] if n in cycles else times
        for name, bw in b.items():
            copies[name] = tuple(max(x, y) for x, y in zip(copies[name], bw)) \
                if name in copies else bw
    return cycles, copies

old_cycles, old_copies = best("old")
new_cycles, new_copies = best("new")
if not old_cycles or not new_cycles or not old_copies or not new_copies:
    sys.exit("compare-daemons: bench-host printed no table (see its output above)")

print(f"\nfull cycles, us per cycle: old = tagmemd {sys.argv[3]}, new = this tree; "
      "new/old > 1 is slower")
names = ["cycle", "add", "accept", "touch", "release", "events"]
print(f"{'ext.':>5} {'phase':<8} {'old':>10} {'new':>10} {'new/old':>8}")
for n in sorted(old_cycles):
    if n not in new_cycles:
        continue
    for i, name in enumerate(names):
        o, w = old_cycles[n][i], new_cycles[n][i]
        ratio = f"{w / o:7.2f}x" if o > 0 else "      -"
        print(f"{n:>5} {name:<8} {o:>10.1f} {w:>10.1f} {ratio:>8}")

print("\ncopy bandwidth, GB/s; new/old < 1 is slower")
print(f"{'row':<50} {'old wr':>8} {'new wr':>8} {'ratio':>7} {'old rd':>8} {'new rd':>8} "
      f"{'ratio':>7}")
for name, (ow, orr) in old_copies.items():
    if name not in new_copies:
        continue
    nw, nr = new_copies[name]
    print(f"{name:<50} {ow:>8.2f} {nw:>8.2f} {nw / ow:>6.2f}x {orr:>8.2f} {nr:>8.2f} "
          f"{nr / orr:>6.2f}x")
EOF

#!/usr/bin/env bash
# The main job, end to end: install what is needed, build (release), start
# tagmemd with its built-in default configuration (no options at all:
# device dcd0, two hosts, region 1 sharable), and show one tagged
# allocation shared by two hosts, each a separate process using libtagmem:
#
#   an orchestrator (the tagmem verbs; --verbose shows the QMP line each one
#   sends) creates a tagged memfd backend and adds
#   its capacity to host 0 in the sharable region; host 0's agent accepts;
#   host 1 gets shared access to the same extent; host 0 writes a message
#   through its direct alias and host 1 reads it through its own; both
#   hosts release the tag with sanitize-on-release (their agents answer),
#   and when the same tag is added again its memory reads as zeros.
#
# Every step's result is checked (the message read back, the zeros, the
# hosts' events, the tag's status); any failure stops everything.  Nothing
# is left behind: the daemon and agents are stopped, and their sockets
# live in a private runtime directory that is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${TAGMEM_DEMO_BUILD:-build-release}
TAG=0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d
MESSAGE="hello from host 0, through tagged CXL memory"

bash scripts/setup.sh
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release
fi
ninja -C "$BUILD"

TAGMEMD=$BUILD/src/daemon/tagmemd
TAGMEM=$BUILD/src/cli/tagmem

# A private runtime directory: tagmemd puts its default sockets in
# $XDG_RUNTIME_DIR/tagmem and the CLI looks for them there
# (docs/configuration.md), so the demo never meets another daemon's sockets.
WORK=$(mktemp -d -t tagmem-demo.XXXXXX)
export XDG_RUNTIME_DIR=$WORK
RUNTIME=$WORK/tagmem

pids=()
step=0
cleanup() {
    local status=$? i pid
    # Newest first: the agents, then the daemon they talk to.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [ "$status" -ne 0 ]; then
        local log
        for log in "$WORK"/*.log; do
            [ -f "$log" ] && { echo "--- $(basename "$log"):"; cat "$log"; }
        done
        echo "demo: FAILED at step $step (exit $status)"
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "demo: $*" >&2
    exit 1
}

section() {
    step=$((step + 1))
    printf '\n== %d. %s\n' "$step" "$1"
}

# Print a tagmem command as a user would type it, on stderr so that
# $(tagmem ...) captures only the command's output.
show_command() {
    {
        printf '$ tagmem'
        local arg
        for arg in "$@"; do
            case $arg in
                *[[:space:]{}\"]*) printf " '%s'" "$arg" ;;
                *) printf ' %s' "$arg" ;;
            esac
        done
        printf '\n'
    } >&2
}

tagmem() {
    show_command "$@"
    "$TAGMEM" "$@"
}

# Wait until FILE has at least COUNT lines matching PATTERN, while PID lives.
wait_for_lines() {
    local file=$1 pattern=$2 count=$3 pid=$4
    for _ in $(seq 100); do
        if [ "$(grep -c -- "$pattern" "$file" 2>/dev/null)" -ge "$count" ]; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || fail "$(basename "$file" .log) exited early"
        sleep 0.1
    done
    fail "no line '$pattern' (#$count) in $(basename "$file") after 10 s"
}

# The tag's state for HOST, as "tagmem status" (QMP cxl-release-dynamic-capacity-status) says.
expect_status() {
    local host=$1 expected=$2 reply
    reply=$("$TAGMEM" status "$TAG" | awk -v host="$host" '$1 == host { print $2 }')
    [ "$reply" = "$expected" ] ||
        fail "host $host: expected the tag to be $expected, tagmem status says: $reply"
    echo "(tagmem status: the tag is $expected for host $host)"
}

# Start a host agent in the background; its output goes to WORK/agentN.log.
start_agent() {
    local host=$1
    printf '$ tagmem host-agent --host %s &      (output below is from its log)\n' "$host"
    "$TAGMEM" host-agent --host "$host" >"$WORK/agent$host.log" 2>&1 &
    pids+=($!)
    eval "agent${host}_pid=$!"
}

show_new_lines() {
    local file=$1 from=$2
    tail -n +"$from" "$file" | sed 's/^/    /'
}

section "start tagmemd with no options (the default configuration)"
echo "\$ tagmemd &"
"$TAGMEMD" 2>"$WORK/tagmemd.log" &
daemon_pid=$!
pids+=("$daemon_pid")
wait_for_lines "$WORK/tagmemd.log" ': ready' 1 "$daemon_pid"
sed 's/^/    /' "$WORK/tagmemd.log"
"$TAGMEM" list | sed -n '1,/^$/p;/^DEVICE  REGION/,/^$/p'

section "hosts 0 and 1 come up: one agent process each (libtagmem, Linux driver rules)"
start_agent 0
start_agent 1
wait_for_lines "$WORK/agent0.log" '^ready host=0' 1 "$agent0_pid"
wait_for_lines "$WORK/agent1.log" '^ready host=1' 1 "$agent1_pid"
cat "$WORK/agent0.log" "$WORK/agent1.log" | sed 's/^/    /'

section "the orchestrator creates a 1 GiB memfd backend tagged $TAG"
tagmem create-backend --verbose --id mem0 --size 1G --tag "$TAG"
"$TAGMEM" list -B | grep -q "^mem0 .* $TAG\$" ||
    fail "tagmem list -B does not show mem0 with the tag"

section "add its capacity to host 0 in sharable region 1 (DPA 16 GiB); host 0's agent accepts"
tagmem add-capacity --verbose --host 0 --region 1 --extent 0:1G --tag "$TAG"
wait_for_lines "$WORK/agent0.log" "^accepted host=0 dpa=0x400000000 len=0x40000000 tag=$TAG" 1 \
    "$agent0_pid"
show_new_lines "$WORK/agent0.log" 2
expect_status 0 Committed

section "give host 1 shared access to the same capacity; host 1's agent accepts"
tagmem add-capacity --verbose --tag "$TAG" --shared-with 1
wait_for_lines "$WORK/agent1.log" "^accepted host=1 dpa=0x400000000 len=0x40000000 tag=$TAG" 1 \
    "$agent1_pid"
show_new_lines "$WORK/agent1.log" 2
expect_status 1 Committed

section "host 0 (a new process) writes a message through its direct alias"
show_command host-write --verbose --host 0 --tag "$TAG" --data "$MESSAGE"
wrote=$("$TAGMEM" host-write --verbose --host 0 --tag "$TAG" --data "$MESSAGE" 2>"$WORK/verbose.out")
grep 'direct alias at' "$WORK/verbose.out" | sed 's/^/    /'
echo "    $wrote"
grep -q "^wrote ${#MESSAGE} bytes at offset 0x0 of tag $TAG (host 0, direct alias)" <<<"$wrote" ||
    fail "host-write did not report the write"

section "host 1 (another process) reads it through its own direct alias"
read_back=$(tagmem host-read --host 1 --tag "$TAG" --length "${#MESSAGE}")
echo "    read: \"$read_back\""
[ "$read_back" = "$MESSAGE" ] || fail "host 1 read \"$read_back\", host 0 wrote \"$MESSAGE\""
echo "(the same bytes: one backend, two hosts, zero copies)"

section "a refused request: deleting the backend while it backs extents"
if tagmem destroy-backend --verbose mem0; then
    fail "object-del of a backend in use was accepted"
fi
"$TAGMEM" list -B | grep -q '^mem0 ' || fail "the refused destroy-backend changed state"
echo "(refused, nothing changed)"

section "the state, as an operator sees it: a table and a picture of the DPA space"
tagmem list
tagmem map --width 100

section "release the tag from host 0 with sanitize-on-release; its agent answers"
tagmem release-capacity --verbose --host 0 --tag "$TAG" --sanitize
wait_for_lines "$WORK/agent0.log" "^released host=0 dpa=0x400000000 len=0x40000000 tag=$TAG" 1 \
    "$agent0_pid"
grep '^released' "$WORK/agent0.log" | sed 's/^/    /'
expect_status 0 Released
read_back=$("$TAGMEM" host-read --host 1 --tag "$TAG" --length "${#MESSAGE}")
[ "$read_back" = "$MESSAGE" ] || fail "host 1 lost the message while it still holds the tag"
echo "(host 1 still holds the capacity and still reads the message: memory is sanitized"
echo " only when its last holder lets go)"

section "release the tag from host 1 with sanitize-on-release; its agent answers"
tagmem release-capacity --verbose --host 1 --tag "$TAG" --sanitize
wait_for_lines "$WORK/agent1.log" "^released host=1 dpa=0x400000000 len=0x40000000 tag=$TAG" 1 \
    "$agent1_pid"
grep '^released' "$WORK/agent1.log" | sed 's/^/    /'
expect_status 1 Released

section "add the same tag to host 0 again: the memory reads as zeros"
tagmem add-capacity --verbose --host 0 --region 1 --size 1G --tag "$TAG"
wait_for_lines "$WORK/agent0.log" "^accepted host=0 .* tag=$TAG" 2 "$agent0_pid"
grep '^accepted' "$WORK/agent0.log" | tail -n 1 | sed 's/^/    /'
zeros=$(tagmem host-read --host 0 --tag "$TAG" --length "${#MESSAGE}" --hex)
echo "    read: $zeros"
expected=$(printf '%0*d' $((2 * ${#MESSAGE})) 0)
[ "$zeros" = "$expected" ] || fail "after a sanitized release host 0 read $zeros, not zeros"
echo "(all ${#MESSAGE} bytes are zero: the message did not reach the next owner)"

section "stop the agents (they keep nothing running) and the daemon"
echo "\$ kill -TERM $agent0_pid $agent1_pid      (the two agents)"
kill -TERM "$agent0_pid" "$agent1_pid"
wait "$agent0_pid" || fail "host 0's agent exited with status $?"
wait "$agent1_pid" || fail "host 1's agent exited with status $?"
tail -n 1 "$WORK/agent0.log" "$WORK/agent1.log" | grep '^stopped' | sed 's/^/    /'
tagmem qmp quit
wait "$daemon_pid" || fail "tagmemd exited with status $?"
pids=()
leftover=$(find "$RUNTIME" -type s 2>/dev/null)
[ -z "$leftover" ] || fail "sockets left behind: $leftover"

cat <<EOF

demo: OK - tagmemd (default configuration) served one tagged 1 GiB allocation to two host
processes: host 0 accepted it, host 1 shared it, a message written by host 0 through its
direct alias was read by host 1, both released it with sanitize-on-release, and the same
tag added again read as zeros. Every process stopped and no socket is left.
EOF

#!/usr/bin/env bash
# N tagmemd instances as N memory appliances, managed from one client over
# Redfish (docs/redfish.md, "Many machines").  Each instance is a separate
# process with its own runtime directory and its own Redfish port on
# loopback, as N machines would each have their own address; the client
# only ever speaks HTTP to them (curl and jq), the hosts are `tagmem
# host-agent` processes accepting what is offered.
#
#   scripts/redfish-many.sh N [BUILD_DIR]
#
# For every agent: follow its SSE stream (one curl each, in the background),
# read the service root, POST a 256 MiB MemoryChunk for host 0 of every
# device and follow its Task until the host accepted; list every device's
# MemoryChunks with $expand; DELETE every chunk and follow its Task until
# the host released it; check each agent reported its three events
# (offered, accepted, released) and has no chunk left.  Prints one line per agent and "ok N agents" at the
# end; exits non-zero at the first thing that is not as expected.  Nothing is
# left behind.
set -euo pipefail

N=${1:?usage: redfish-many.sh N [BUILD_DIR]}
BUILD=${2:-build}
TAGMEMD=${TAGMEMD:-$BUILD/src/daemon/tagmemd}
TAGMEM=${TAGMEM:-$BUILD/src/cli/tagmem}
WORK=$(mktemp -d -t tagmem-many.XXXXXX)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "redfish-many: $*" >&2; exit 1; }

# A port that is free now, from the kernel.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# GET a Redfish URI of agent $1; the JSON on stdout.
get() {
    curl --silent --show-error --fail --max-time 10 "http://127.0.0.1:$1$2"
}

# $2 (POST or DELETE) of URI $3 on agent $1 with the JSON body $4 (or none):
# the write answers 202 with a Task; follow it until it ends, print its state.
write() {
    local task state
    task=$(curl --silent --show-error --fail --max-time 10 -X "$2" ${4:+-H 'Content-Type: application/json' --data "$4"} \
           "http://127.0.0.1:$1$3" | jq -r '.["@odata.id"]')
    [ -n "$task" ] && [ "$task" != null ] || fail "$2 $3 on port $1: no Task"
    for _ in $(seq 1 200); do
        state=$(get "$1" "$task" | jq -r .TaskState)
        [ "$state" != Running ] && break
        sleep 0.05
    done
    echo "$state"
}

# Start the agents; each gets its own runtime directory (its sockets) and port.
PORTS=()
for i in $(seq 1 "$N"); do
    mkdir -p "$WORK/agent$i"
    port=$(free_port)
    XDG_RUNTIME_DIR=$WORK/agent$i "$TAGMEMD" -redfish "addr=127.0.0.1:$port" \
        >"$WORK/agent$i/log" 2>&1 &
    PIDS+=($!)
    PORTS+=("$port")
done

# Wait until every agent answers over HTTP (the client's only way to know).
for i in $(seq 1 "$N"); do
    port=${PORTS[$((i - 1))]}
    for _ in $(seq 1 200); do
        get "$port" /redfish/v1 >/dev/null 2>&1 && break
        sleep 0.05
    done
    get "$port" /redfish/v1 | jq -e '.EventService["@odata.id"] == "/redfish/v1/EventService"' \
        >/dev/null || fail "agent $i (port $port) does not answer"
    curl --silent --no-buffer --max-time 60 \
        "http://127.0.0.1:$port/redfish/v1/EventService/SSE" >"$WORK/agent$i/events" &
    PIDS+=($!)
done

# The streams are open once each has its first line (": tagmem event stream").
for i in $(seq 1 "$N"); do
    for _ in $(seq 1 200); do
        [ -s "$WORK/agent$i/events" ] && break
        sleep 0.05
    done
done

# Every agent's host 0 accepts whatever is offered, as a host's kernel would.
for i in $(seq 1 "$N"); do
    "$TAGMEM" host-agent --host 0 --socket "$WORK/agent$i/tagmem/host0.sock" \
        --policy accept-all >"$WORK/agent$i/host0" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 200); do
        grep -q '^ready' "$WORK/agent$i/host0" && break
        sleep 0.05
    done
done

# Add capacity on every device of every agent: a POST to the region's MemoryChunks.
for i in $(seq 1 "$N"); do
    port=${PORTS[$((i - 1))]}
    for dev in $(get "$port" /redfish/v1/Chassis | jq -r '.Members[]["@odata.id"] | split("/") | last'); do
        tag=$(python3 -c 'import uuid; print(uuid.uuid4())')
        body=$(jq -nc --arg host "/redfish/v1/Fabrics/CXL/Endpoints/$dev-host-0" --arg tag "$tag" \
               '{MemoryChunkSizeMiB: 256, Links: {Endpoints: [{"@odata.id": $host}]}, Oem: {Tagmem: {Tag: $tag}}}')
        state=$(write "$port" POST "/redfish/v1/Chassis/$dev/MemoryDomains/1/MemoryChunks" "$body")
        [ "$state" = Completed ] || fail "agent $i: add to $dev: task $state"
        echo "/redfish/v1/Chassis/$dev/MemoryDomains/1/MemoryChunks/$tag" >>"$WORK/agent$i/chunks"
    done
done

# One view over all agents: every device's chunks, expanded in one GET per region.
total=0
for i in $(seq 1 "$N"); do
    port=${PORTS[$((i - 1))]}
    chunks=0
    for dev in $(get "$port" /redfish/v1/Chassis | jq -r '.Members[]["@odata.id"]'); do
        for domain in $(get "$port" "$dev/MemoryDomains" | jq -r '.Members[]["@odata.id"]'); do
            accepted=$(get "$port" "$domain/MemoryChunks?\$expand=." |
                       jq '[.Members[] | select(.Status.State == "Enabled")] | length')
            chunks=$((chunks + accepted))
        done
    done
    [ "$chunks" -ge 1 ] || fail "agent $i: no accepted chunk"
    # Release every chunk: a DELETE, whose Task ends when the host let go.
    while read -r chunk; do
        state=$(write "$port" DELETE "$chunk")
        [ "$state" = Completed ] || fail "agent $i: release $chunk: task $state"
        code=$(curl --silent --output /dev/null --write-out '%{http_code}' "http://127.0.0.1:$port$chunk")
        [ "$code" = 404 ] || fail "agent $i: $chunk still there ($code)"
    done <"$WORK/agent$i/chunks"
    # The three events reached this agent's stream (SSE: "data:" lines, in order).
    for _ in $(seq 1 100); do
        [ "$(grep -c '^data: ' "$WORK/agent$i/events" || true)" -ge 3 ] && break
        sleep 0.05
    done
    kinds=$(sed -n 's/^data: //p' "$WORK/agent$i/events" | jq -r '.Events[0].MessageId' | paste -sd' ')
    [ "$kinds" = "Tagmem.1.0.CapacityOffered Tagmem.1.0.CapacityAccepted Tagmem.1.0.CapacityReleased" ] ||
        fail "agent $i: events '$kinds'"
    echo "agent $i http://127.0.0.1:$port/redfish/v1 accepted-chunks=$chunks released events=$kinds"
    total=$((total + 1))
done
echo "ok $total agents"

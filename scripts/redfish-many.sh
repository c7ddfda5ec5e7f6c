#!/usr/bin/env bash
# N tagmemd instances as N memory appliances, managed from one client over
# Redfish (docs/redfish.md, "Many machines").  Each instance is a separate
# process with its own runtime directory and its own Redfish port on
# loopback, as N machines would each have their own address; the client
# only ever speaks HTTP to them, except for adding capacity, which goes over
# each instance's QMP socket until the Redfish write API (POST to
# MemoryChunks) is there.
#
#   scripts/redfish-many.sh N [BUILD_DIR]
#
# For every agent: follow its SSE stream (one curl each, in the background),
# read the service root, add 256 MiB tagged capacity to host 0 of every
# device and accept it (tagmem host-agent --once), then list every device's
# MemoryChunks with $expand, and check each agent reported its two events
# (offered, accepted).  Prints one line per agent and "ok N agents" at the
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

# Add and accept capacity on every device of every agent.
for i in $(seq 1 "$N"); do
    port=${PORTS[$((i - 1))]}
    qmp=$WORK/agent$i/tagmem/qmp.sock
    for dev in $(get "$port" /redfish/v1/Chassis | jq -r '.Members[]["@odata.id"] | split("/") | last'); do
        tag=$(python3 -c 'import uuid; print(uuid.uuid4())')
        "$TAGMEM" --socket "$qmp" create-backend --size 256M --tag "$tag" >/dev/null
        "$TAGMEM" --socket "$qmp" add-capacity --device "$dev" --host 0 --region 1 \
            --size 256M --tag "$tag" >/dev/null
        "$TAGMEM" host-agent --host 0 --socket "$WORK/agent$i/tagmem/host0.sock" --once \
            >/dev/null
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
    # Both events reached this agent's stream (SSE: "data:" lines, in order).
    for _ in $(seq 1 100); do
        [ "$(grep -c '^data: ' "$WORK/agent$i/events" || true)" -ge 2 ] && break
        sleep 0.05
    done
    kinds=$(sed -n 's/^data: //p' "$WORK/agent$i/events" | jq -r '.Events[0].MessageId' | paste -sd' ')
    [ "$kinds" = "Tagmem.1.0.CapacityOffered Tagmem.1.0.CapacityAccepted" ] ||
        fail "agent $i: events '$kinds'"
    echo "agent $i http://127.0.0.1:$port/redfish/v1 accepted-chunks=$chunks events=$kinds"
    total=$((total + 1))
done
echo "ok $total agents"

#!/usr/bin/env bash
# The main job, end to end: install what is needed, build (release), start
# tagmemd with its built-in default configuration (no options at all), and
# drive it through its default QMP socket with the tagmem CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${TAGMEM_DEMO_BUILD:-build-release}
TAG=0b5e6c1c-8d2f-4a3b-9c4d-5e6f7a8b9c0d

bash scripts/setup.sh
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release
fi
ninja -C "$BUILD"

TAGMEMD=$BUILD/src/daemon/tagmemd
TAGMEM=$BUILD/src/cli/tagmem
# The same default the daemon and the CLI compute (docs/configuration.md).
if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ "${XDG_RUNTIME_DIR#/}" != "$XDG_RUNTIME_DIR" ]; then
    SOCKET=$XDG_RUNTIME_DIR/tagmem/qmp.sock
else
    SOCKET=/tmp/tagmem-$(id -u)/qmp.sock
fi

daemon_pid=
stop_daemon() {
    if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
        kill -TERM "$daemon_pid"
        wait "$daemon_pid" || true
    fi
}
trap 'status=$?; stop_daemon; if [ $status -ne 0 ]; then echo "demo: FAILED (exit $status)"; fi' EXIT

step=0
show() {
    step=$((step + 1))
    printf '\n== %d. %s\n$ tagmem' "$step" "$1"
    local arg
    for arg in "${@:2}"; do
        case $arg in
            *[[:space:]{}]*) printf " '%s'" "$arg" ;;
            *) printf ' %s' "$arg" ;;
        esac
    done
    printf '\n'
    "$TAGMEM" "${@:2}"
}

LOG=$(mktemp -t tagmemd-demo.XXXXXX)
echo "== starting: $TAGMEMD   (no options: the default configuration)"
"$TAGMEMD" 2>"$LOG" &
daemon_pid=$!
# tagmemd logs a "ready" line once its sockets accept connections.
for _ in $(seq 100); do
    grep -q ': ready' "$LOG" && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$LOG"; echo "demo: tagmemd exited early"; exit 1; }
    sleep 0.1
done
cat "$LOG"
grep -q ': ready' "$LOG" || { echo "demo: tagmemd did not become ready"; exit 1; }

show "create a tagged memfd backend (1 GiB)" qmp object-add \
    "{\"qom-type\": \"memory-backend-memfd\", \"id\": \"mem0\", \"size\": 1073741824, \"tag\": \"$TAG\"}"
show "list backends" qmp query-memdev
show "properties of /objects/mem0" qmp qom-list '{"path": "/objects/mem0"}'
show "its tag" qmp qom-get '{"path": "/objects/mem0", "property": "tag"}'

step=$((step + 1))
printf '\n== %d. a bad request: a second backend with the same tag (expect an error)\n' "$step"
if "$TAGMEM" qmp object-add \
    "{\"qom-type\": \"memory-backend-ram\", \"id\": \"mem1\", \"size\": 1048576, \"tag\": \"$TAG\"}"; then
    echo "demo: the duplicate tag was accepted"
    exit 1
fi
backends=$("$TAGMEM" qmp query-memdev)
if ! grep -q '"mem0"' <<<"$backends" || grep -q '"mem1"' <<<"$backends"; then
    echo "demo: the refused request changed the backends:"
    echo "$backends"
    exit 1
fi
echo "(refused, as it must be; query-memdev still lists only mem0)"

show "delete the backend" qmp object-del '{"id": "mem0"}'
show "list backends again (empty)" qmp query-memdev
show "stop the daemon" qmp quit
wait "$daemon_pid"
daemon_pid=
echo "--- tagmemd log:"
cat "$LOG"
rm -f "$LOG"
[ ! -e "$SOCKET" ] || { echo "demo: socket $SOCKET left behind"; exit 1; }

echo
echo "demo: OK - tagmemd served $step steps on $SOCKET and exited cleanly"

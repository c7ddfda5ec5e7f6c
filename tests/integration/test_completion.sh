#!/usr/bin/env bash
# The bash completion of tagmem against a real tagmemd: source the script,
# set COMP_WORDS/COMP_CWORD as bash does, call _tagmem, compare COMPREPLY.
# Ids (devices, hosts, regions, tags, backends) must come from the daemon.
# Usage: test_completion.sh COMPLETION_SCRIPT  (TAGMEMD and TAGMEM from meson)
set -uo pipefail

script=$1
dir=$(mktemp -d -t tagmem-completion.XXXXXX)
socket=$dir/qmp.sock
failures=0
TAG=0c0c0c0c-0000-4000-8000-00000000000c

cleanup() {
    [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

XDG_RUNTIME_DIR=$dir "$TAGMEMD" -qmp "unix:$socket,server=on,wait=off" >"$dir/log" 2>&1 &
daemon=$!
for _ in $(seq 100); do
    [ -S "$socket" ] && break
    sleep 0.05
done
"$TAGMEM" -s "$socket" create-backend --id pool --size 4M --tag "$TAG" >/dev/null ||
    { echo "create-backend failed"; cat "$dir/log"; exit 1; }

# shellcheck source=/dev/null
source "$script"

# expect "WANTED COMPLETIONS" WORD... : the last WORD is the one being completed.
expect() {
    local wanted=$1
    shift
    COMP_WORDS=("$TAGMEM" -s "$socket" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _tagmem
    local got="${COMPREPLY[*]}"
    if [ "$got" = "$wanted" ]; then
        echo "ok: tagmem $* -> $got"
    else
        echo "FAIL: tagmem $*: expected '$wanted', got '$got'"
        failures=$((failures + 1))
    fi
}

expect "map monitor" m
expect "add-capacity" add
expect "--device --region --width --svg --help" map --
expect "--json" monitor --j
expect "0 1" add-capacity --host ""
expect "1" add-capacity --tag "$TAG" --shared-with 1
expect "dcd0" list -d ""
expect "--state --start" list --sta
expect "pending" list --state p
expect "0 1" map --region ""
expect "$TAG" status ""
expect "$TAG" release-capacity --host 0 --tag 0c
expect "auto $TAG" create-backend --tag ""
expect "pool" destroy-backend ""
expect "memfd ram file" create-backend --type ""
expect "linux accept-all reject-all" host-agent --policy ""
expect "free contiguous prescriptive enable-shared-access" add-capacity --policy ""
expect "query-cxl-dynamic-capacity query-cxl-dynamic-capacity-tags" qmp query-cxl-dynamic
expect "dcd-info" fm dcd
expect "" create-backend -s ""
# Without a daemon there are no ids, and no error on the terminal.
COMP_WORDS=("$TAGMEM" -s "$dir/none.sock" status "")
COMP_CWORD=4
_tagmem 2>"$dir/stderr"
if [ "${#COMPREPLY[@]}" -ne 0 ] || [ -s "$dir/stderr" ]; then
    echo "FAIL: no daemon: got '${COMPREPLY[*]}' and '$(cat "$dir/stderr")'"
    failures=$((failures + 1))
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]

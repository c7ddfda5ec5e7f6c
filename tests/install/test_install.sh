#!/bin/bash
# meson install into a scratch root: every installed piece lands where a
# Debian system looks for it, the systemd units pass systemd-analyze verify,
# and the installed daemon and CLI run from there (the CLI with the
# installed libtagmem).  Usage: test_install.sh BUILD_DIR
set -euo pipefail

build=$1
root=$(mktemp -d)
trap 'kill "${daemon:-0}" 2>/dev/null || true; rm -rf "$root"' EXIT

meson install -C "$build" --no-rebuild --destdir "$root" --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
base=$root$prefix
fail=0
need() {  # PATH...: each must exist
    for path in "$@"; do
        if [ ! -e "$path" ]; then
            echo "not installed: ${path#"$root"}"
            fail=1
        fi
    done
}
unit_dir=$(dirname "$(find "$root" -name tagmemd.service | head -n 1)")
need "$base/bin/tagmemd" "$base/bin/tagmem" "$base/include/tagmem/tagmem.h" \
     "$unit_dir/tagmemd.service" "$unit_dir/tagmemd.socket" \
     "$base/lib/tmpfiles.d/tagmem.conf" \
     "$base/share/man/man1/tagmem.1" "$base/share/man/man8/tagmemd.8" \
     "$base/share/man/man3/libtagmem.3" \
     "$base/share/tagmem/web/index.html" "$base/share/tagmem/web/tagmem.css" \
     "$base/share/tagmem/web/tagmem.js"
lib=$(find "$base" -name 'libtagmem.so.0' | head -n 1)
pc=$(find "$base" -name 'tagmem.pc' | head -n 1)
need "$lib" "$pc"
# The library's SONAME carries its major version.
objdump -p "$lib" >"$root/objdump.txt"
if ! grep -q 'SONAME *libtagmem.so.0$' "$root/objdump.txt"; then
    echo "libtagmem has no versioned SONAME"
    fail=1
fi
# The unit runs the installed daemon.
if ! grep -q "^ExecStart=$prefix/bin/tagmemd " "$unit_dir/tagmemd.service"; then
    echo "tagmemd.service does not run $prefix/bin/tagmemd"
    fail=1
fi
# Verified as the system would load them, with ExecStart pointing into the scratch root.
units=$root/units
mkdir "$units"
cp "$unit_dir/tagmemd.socket" "$units/"
sed "s|^ExecStart=$prefix/bin/|ExecStart=$base/bin/|" "$unit_dir/tagmemd.service" \
    >"$units/tagmemd.service"
if ! systemd-analyze verify --man=no "$units/tagmemd.socket" "$units/tagmemd.service"; then
    echo "systemd-analyze verify refused the units"
    fail=1
fi

# The installed programs work: the daemon serves, the CLI lists through it.
run=$root/run
mkdir -m 0700 "$run"
XDG_RUNTIME_DIR=$run "$base/bin/tagmemd" -qmp "unix:$run/qmp.sock,server=on,wait=off" \
    2>"$root/tagmemd.log" &
daemon=$!
for _ in $(seq 100); do
    [ -S "$run/qmp.sock" ] && break
    sleep 0.05
done
if ! LD_LIBRARY_PATH=$(dirname "$lib") XDG_RUNTIME_DIR=$run \
        "$base/bin/tagmem" -s "$run/qmp.sock" list >"$root/list.txt"; then
    echo "the installed tagmem could not list through the installed tagmemd"
    cat "$root/tagmemd.log"
    fail=1
elif ! grep -q dcd0 "$root/list.txt"; then
    echo "tagmem list does not show the default device:"
    cat "$root/list.txt"
    fail=1
fi
kill "$daemon"
wait "$daemon" || true
exit "$fail"

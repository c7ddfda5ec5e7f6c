#!/usr/bin/env bash
# The Debian packages, built, checked and run (meson suite 'package'):
#   1. dpkg-buildpackage -b -us -uc on a copy of the source (nocheck, no
#      sanitizers, no test programs), so the tree under test stays clean;
#   2. lintian: no error and no warning;
#   3. the packages unpacked into a fresh root (dpkg -x: the machine's
#      own packages are never touched); the library's SONAME, the units,
#      the tmpfiles entry, the pkg-config file and the man pages are where
#      Debian wants them, systemd-analyze accepts the units, and a program
#      built against the -dev package runs with the library from that root;
#   4. tagmemd from that root serves QMP, the tagmem CLI from that root
#      (linked with the root's libtagmem) asks it and stops it.
# Usage: test_package.sh SOURCE_DIR.  Exit 77 (skip) without the tools.
set -euo pipefail

SOURCE=$(cd "${1:?usage: test_package.sh SOURCE_DIR}" && pwd)
for tool in dpkg-buildpackage dh lintian; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (scripts/setup.sh installs it)"
        exit 77
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tagmem-package-XXXXXX")
DAEMON_PID=
cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        kill "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

# Every file git knows or would add (build directories are ignored), or,
# outside git, everything but the build directories.
copy_source() {
    mkdir "$WORK/src"
    if git -C "$SOURCE" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$SOURCE" ls-files -z --cached --others --exclude-standard |
            (cd "$SOURCE" && xargs -0 tar -cf - --no-recursion --ignore-failed-read) |
            tar -xf - -C "$WORK/src"
    else
        tar -C "$SOURCE" --exclude=./.git --exclude='./build*' --exclude='./fuzz-corpus-*' \
            -cf - . | tar -xf - -C "$WORK/src"
    fi
}

build_packages() {
    step "dpkg-buildpackage -b -us -uc (log: build.log)"
    if ! (cd "$WORK/src" &&
          DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -us -uc) \
          >"$WORK/build.log" 2>&1; then
        tail -n 60 "$WORK/build.log"
        fail "dpkg-buildpackage failed"
    fi
    ls "$WORK"/*.deb
}

run_lintian() {
    step "lintian"
    # Info-level tags are reported, not failed on.
    lintian --fail-on error,warning --info "$WORK"/tagmem_*.changes ||
        fail "lintian reports errors or warnings"
}

unpack() {
    step "unpack into a fresh root"
    ROOT=$WORK/root
    mkdir "$ROOT"
    local deb
    for deb in "$WORK"/tagmem_*.deb "$WORK"/libtagmem0_*.deb "$WORK"/libtagmem-dev_*.deb; do
        dpkg -x "$deb" "$ROOT"
    done
    MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
    LIBDIR=$ROOT/usr/lib/$MULTIARCH
}

expect_file() {
    [ -e "$ROOT/$1" ] || fail "$1 is not in the packages"
}

check_layout() {
    step "installed layout"
    local path
    for path in usr/bin/tagmemd usr/bin/tagmem usr/include/tagmem/tagmem.h \
                "usr/lib/$MULTIARCH/libtagmem.so" "usr/lib/$MULTIARCH/libtagmem.so.0" \
                "usr/lib/$MULTIARCH/pkgconfig/tagmem.pc" \
                lib/systemd/system/tagmemd.service lib/systemd/system/tagmemd.socket \
                usr/lib/tmpfiles.d/tagmem.conf \
                usr/share/man/man8/tagmemd.8.gz usr/share/man/man1/tagmem.1.gz; do
        expect_file "$path"
    done
    local soname
    soname=$(readelf -d "$LIBDIR/libtagmem.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$soname" = "libtagmem.so.0" ] || fail "SONAME is '$soname', expected libtagmem.so.0"
    local version
    version=$(PKG_CONFIG_PATH="$LIBDIR/pkgconfig" pkg-config --modversion tagmem)
    [ "$version" = "$(dpkg-parsechangelog -l "$WORK/src/debian/changelog" -S Version)" ] ||
        fail "tagmem.pc says version '$version'"
    grep -q '^Type=notify' "$ROOT/lib/systemd/system/tagmemd.service" ||
        fail "tagmemd.service is not Type=notify"
}

# The units as systemd reads them (ExecStart= pointed into the root).
verify_units() {
    command -v systemd-analyze >/dev/null 2>&1 || return 0
    step "systemd-analyze verify"
    mkdir "$WORK/units"
    sed "s|/usr/bin/tagmemd|$ROOT/usr/bin/tagmemd|" "$ROOT/lib/systemd/system/tagmemd.service" \
        >"$WORK/units/tagmemd.service"
    cp "$ROOT/lib/systemd/system/tagmemd.socket" "$WORK/units/"
    (cd "$WORK/units" && systemd-analyze verify --man=no ./tagmemd.service ./tagmemd.socket) \
        >"$WORK/verify.log" 2>&1 || true
    if [ -s "$WORK/verify.log" ]; then
        cat "$WORK/verify.log"
        fail "systemd-analyze verify complains about the units"
    fi
}

# A host program built against libtagmem-dev runs with the root's library.
check_dev_package() {
    step "build and run a program against libtagmem-dev"
    cat >"$WORK/use_libtagmem.c" <<'C'
#include <stdio.h>
#include <tagmem/tagmem.h>

int main(void)
{
    printf("%s\n", tagmem_verdict_name(0));
    return 0;
}
C
    cc -o "$WORK/use_libtagmem" "$WORK/use_libtagmem.c" -I"$ROOT/usr/include" \
        -L"$LIBDIR" -ltagmem
    LD_LIBRARY_PATH=$LIBDIR "$WORK/use_libtagmem" >"$WORK/verdict"
    [ -s "$WORK/verdict" ] || fail "the program printed nothing"
    # Through a file: with pipefail, grep -q's early exit would fail ldd (SIGPIPE).
    LD_LIBRARY_PATH=$LIBDIR ldd "$WORK/use_libtagmem" >"$WORK/ldd.txt"
    grep -q "$LIBDIR/libtagmem.so.0" "$WORK/ldd.txt" ||
        fail "the program did not load the root's libtagmem: $(cat "$WORK/ldd.txt")"
}

wait_for_socket() {
    local waited
    for waited in $(seq 1 100); do
        [ -S "$1" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || fail "tagmemd exited: $(cat "$WORK/tagmemd.log")"
        sleep 0.1
    done
    fail "tagmemd did not make $1 within 10 s"
}

run_daemon() {
    step "run tagmemd and tagmem from the root"
    local qmp=$WORK/run/qmp.sock
    mkdir -m 0700 "$WORK/run"
    XDG_RUNTIME_DIR=$WORK/run LD_LIBRARY_PATH=$LIBDIR \
        "$ROOT/usr/bin/tagmemd" -qmp "unix:$qmp,server=on,wait=off" 2>"$WORK/tagmemd.log" &
    DAEMON_PID=$!
    wait_for_socket "$qmp"
    # Through a file: with pipefail, grep -q's early exit would fail ldd (SIGPIPE).
    LD_LIBRARY_PATH=$LIBDIR ldd "$ROOT/usr/bin/tagmem" >"$WORK/ldd-tagmem.txt"
    grep -q "$LIBDIR/libtagmem.so.0" "$WORK/ldd-tagmem.txt" ||
        fail "tagmem did not load the root's libtagmem: $(cat "$WORK/ldd-tagmem.txt")"
    LD_LIBRARY_PATH=$LIBDIR "$ROOT/usr/bin/tagmem" --socket "$qmp" qmp query-version \
        >"$WORK/version"
    grep -q '"major"' "$WORK/version" || fail "query-version answered: $(cat "$WORK/version")"
    LD_LIBRARY_PATH=$LIBDIR "$ROOT/usr/bin/tagmem" --socket "$qmp" qmp quit >/dev/null
    wait "$DAEMON_PID" || fail "tagmemd exited with status $?: $(cat "$WORK/tagmemd.log")"
    DAEMON_PID=
    [ ! -e "$qmp" ] || fail "tagmemd left $qmp behind"
}

copy_source
build_packages
run_lintian
unpack
check_layout
verify_units
check_dev_package
run_daemon
step "OK"

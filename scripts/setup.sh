#!/usr/bin/env bash
# Install what tagmem needs to build and test on Debian 12 (bookworm).
# Idempotent: installs only missing packages, and runs apt-get update only
# when apt cannot find them with the lists it has.
#
#   setup.sh              build and test dependencies
#   setup.sh --with-qemu  also QEMU 10 from bookworm-backports (tests, benches)
set -euo pipefail

BUILD_PACKAGES=(
    build-essential gcc pkg-config meson ninja-build python3
    libglib2.0-dev libjson-c-dev uuid-dev libsystemd-dev libsqlite3-dev
    libsoup-3.0-dev glib-networking libcrypt-dev
)
# clang with libFuzzer and the sanitizer runtimes, for the fuzz targets;
# systemd for systemd-socket-activate in the socket-activation test;
# xmllint and rsvg-convert check and render tagmem map's SVG; man checks
# the man pages; bash-completion runs the completion script's test; the
# Debian package tools for the package test (tests/package); redfishtool
# (DMTF's Redfish client) drives the Redfish service in its integration test;
# python3-sushy (OpenStack's Redfish library) drives its sessions and writes;
# openssl makes the self-signed certificate of the TLS test.
TEST_PACKAGES=(clang libclang-rt-14-dev systemd libxml2-utils librsvg2-bin man-db
               bash-completion debhelper dpkg-dev fakeroot lintian binutils
               redfishtool python3-sushy openssl chromium)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

missing_packages() {
    local pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

apt_install() {
    local -a missing
    mapfile -t missing < <(missing_packages "$@")
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Try with the package lists we have; refresh them only if that fails
    # (fresh container without lists, or lists older than the mirror).
    if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        log "refreshing package lists"
        as_root apt-get update -q
        as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# QEMU 10 (the differential test's and the benchmarks' reference) lives in
# bookworm-backports.  Its apt entry is derived from the machine's own
# bookworm entry (same mirror and components), never written by hand.
BACKPORTS_LIST=/etc/apt/sources.list.d/tagmem-backports

backports_enabled() {
    grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/
}

# The first deb822 stanza (debian.sources) whose Suites list "bookworm",
# with Suites replaced.
backports_from_deb822() {
    awk 'BEGIN { RS = "" }
         {
             n = split($0, lines, "\n"); hit = 0
             for (i = 1; i <= n; i++) {
                 if (lines[i] !~ /^Suites:/) continue
                 m = split(lines[i], words, /[ \t]+/)
                 for (j = 2; j <= m; j++) if (words[j] == "bookworm") hit = 1
             }
             if (!hit) next
             for (i = 1; i <= n; i++) {
                 line = lines[i]
                 if (line ~ /^Suites:/) line = "Suites: bookworm-backports"
                 print line
             }
             exit
         }' "$1"
}

# One-line entries ("deb URI bookworm main ...").
backports_from_list() {
    awk '$1 == "deb" && $3 == "bookworm" { $3 = "bookworm-backports"; print; exit }' "$1"
}

enable_backports() {
    backports_enabled && return 0
    local src entry=""
    for src in /etc/apt/sources.list.d/*.sources; do
        [ -f "$src" ] || continue
        entry=$(backports_from_deb822 "$src")
        if [ -n "$entry" ]; then
            printf '%s\n' "$entry" | as_root tee "$BACKPORTS_LIST.sources" >/dev/null
            break
        fi
    done
    if [ -z "$entry" ]; then
        for src in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -f "$src" ] || continue
            entry=$(backports_from_list "$src")
            if [ -n "$entry" ]; then
                printf '%s\n' "$entry" | as_root tee "$BACKPORTS_LIST.list" >/dev/null
                break
            fi
        done
    fi
    if [ -z "$entry" ]; then
        log "no bookworm apt entry to derive bookworm-backports from; QEMU 10 not installed" >&2
        return 1
    fi
    log "enabled bookworm-backports"
    as_root apt-get update -q
}

qemu_is_10_or_newer() {
    command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
    local major
    major=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p')
    [ -n "$major" ] && [ "$major" -ge 10 ]
}

install_qemu() {
    qemu_is_10_or_newer && return 0
    enable_backports || return 0
    log "installing qemu-system-x86 from bookworm-backports"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends \
        -t bookworm-backports qemu-system-x86
}

apt_install "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
if [ "${1:-}" = "--with-qemu" ]; then
    install_qemu
fi
log "build and test dependencies are installed"

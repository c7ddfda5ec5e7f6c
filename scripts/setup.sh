#!/usr/bin/env bash
# Install what tagmem needs to build and test on Debian 12 (bookworm).
# Idempotent: installs only missing packages, and runs apt-get update only
# when apt cannot find them with the lists it has.
set -euo pipefail

BUILD_PACKAGES=(
    build-essential gcc pkg-config meson ninja-build python3
    libglib2.0-dev libjson-c-dev uuid-dev
)
# clang with libFuzzer and the sanitizer runtimes, for the fuzz targets.
TEST_PACKAGES=(clang libclang-rt-14-dev)

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

# Extra apt sources go here, each in its own function called below before
# apt_install (later: bookworm-backports for QEMU 10, the benchmark
# reference; derive its mirror from the existing bookworm entry).

apt_install "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
log "build and test dependencies are installed"

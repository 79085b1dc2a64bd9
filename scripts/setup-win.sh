#!/usr/bin/env bash
# `npm run setup:win`: what the Windows cross-build needs on a Debian/Ubuntu machine: CMake and
# Debian's mingw-w64 compilers with the -posix thread model (std::thread, std::mutex), for x64 and
# x86. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix)

source scripts/apt-missing.sh
apt_install_missing setup:win "${APT_PACKAGES[@]}"

#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need on a fresh Debian/Ubuntu machine,
# then builds the native targets and the TypeScript. Safe to run again: each step skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the compiler toolchain node-gyp drives, Boost (Beast/Asio for the test host),
# CLI11 (the host's command line: header-only, so the Windows build has it too), nlohmann-json (stats files, configuration), c-ares (the one
# shared library libnode108 needs that a fresh machine lacks), libuv1-dev (the headers of the libuv
# libnode108 runs on: the in-process runtime keeps a timer on each worker's loop).
# CMake and mingw-w64 (x64 and x86, -posix threads): the Windows DLLs `isapi-node iis-install`
# copies, whose tests (test/iis) install the real ones.
APT_PACKAGES=(g++ make python3 libboost-dev libcli11-dev nlohmann-json3-dev libc-ares2 libuv1-dev
  cmake g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix)

source scripts/apt-missing.sh
apt_install_missing setup "${APT_PACKAGES[@]}"

bash scripts/setup-libnode.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci` refuses a lock file that lacks the other platforms' optional packages (rollup's
  # native builds), which a registry mirror without them produces; `npm install` then installs
  # the same locked versions.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi
npm run build
npm run build:win

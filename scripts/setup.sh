#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need on a fresh Debian/Ubuntu machine,
# then builds the native targets and the TypeScript. Safe to run again: each step skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the compiler toolchain node-gyp drives, Boost (Beast/Asio for the test host,
# program_options for its command line), nlohmann-json (stats files, configuration), c-ares (the one
# shared library libnode108 needs that a fresh machine lacks), libuv1-dev (the headers of the libuv
# libnode108 runs on: the in-process runtime keeps a timer on each worker's loop).
APT_PACKAGES=(g++ make python3 libboost-dev libboost-program-options-dev nlohmann-json3-dev libc-ares2 libuv1-dev)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash scripts/setup-libnode.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci` refuses a lock file that lacks the other platforms' optional packages (rollup's
  # native builds), which a registry mirror without them produces; `npm install` then installs
  # the same locked versions.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi
npm run build

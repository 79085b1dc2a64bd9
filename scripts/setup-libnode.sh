#!/usr/bin/env bash
# Unpacks Debian's libnode (the embeddable Node runtime) into deps/libnode without installing it:
# `apt-get install libnode108` would pull Debian's nodejs, which conflicts with the machine's Node.
# libnode loads three "externalized builtins" from fixed paths under /usr/share/nodejs, so their
# packages are unpacked at the root of the filesystem (they hold only JavaScript files there).
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=deps/libnode
STAMP="$DEST/.unpacked"
LIB_PACKAGES=(libnode108 libnode-dev)
BUILTIN_PACKAGES=(node-cjs-module-lexer node-acorn node-undici)

source scripts/apt-missing.sh  # as_root

builtins_present() {
  [ -d /usr/share/nodejs/cjs-module-lexer ] && [ -d /usr/share/nodejs/acorn ] && [ -d /usr/share/nodejs/undici ]
}

if [ -f "$STAMP" ] && builtins_present; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "${LIB_PACKAGES[@]}" "${BUILTIN_PACKAGES[@]}" >/dev/null 2>&1) || {
  as_root apt-get update -qq
  (cd "$work" && apt-get download "${LIB_PACKAGES[@]}" "${BUILTIN_PACKAGES[@]}")
}

rm -rf "$DEST"
mkdir -p "$DEST"
for p in "${LIB_PACKAGES[@]}"; do dpkg -x "$work/${p}"_*.deb "$DEST"; done
for p in "${BUILTIN_PACKAGES[@]}"; do as_root dpkg -x "$work/${p}"_*.deb /; done

touch "$STAMP"
echo "setup: libnode unpacked into $DEST"

#!/usr/bin/env bash
# `npm run build:win`: cross-compiles the Windows binaries (isapi_node.dll, hello_ext.dll, isapi-host.exe) with
# mingw-w64 into build/win64/ and build/win32/ (CMakeLists.txt, cmake/mingw-w64.cmake), then
# checks that both extensions export exactly the three ISAPI entry points, undecorated, on both.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cmake x86_64-w64-mingw32-g++-posix i686-w64-mingw32-g++-posix x86_64-w64-mingw32-objdump; do
  command -v "$tool" >/dev/null || {
    echo "build:win: $tool is missing: npm run setup:win installs it" >&2
    exit 1
  }
done

build() {
  local triple=$1 dir=$2
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DMINGW_TRIPLE="$triple" \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  local dll exports
  for dll in isapi_node.dll hello_ext.dll; do
    exports=$(x86_64-w64-mingw32-objdump -p "$dir/$dll" | awk '/\[Ordinal\/Name Pointer\] Table/{t=1;next} t&&NF==0{t=0} t{print $NF}' | sort | tr '\n' ' ')
    if [ "$exports" != "GetExtensionVersion HttpExtensionProc TerminateExtension " ]; then
      echo "build:win: $dir/$dll exports [$exports], not the three ISAPI entry points" >&2
      exit 1
    fi
  done
  [ -f "$dir/isapi-host.exe" ] || { echo "build:win: $dir/isapi-host.exe was not built" >&2; exit 1; }
  echo "build:win: $dir: isapi_node.dll and hello_ext.dll export $exports; isapi-host.exe built"
}

build x86_64-w64-mingw32 build/win64
build i686-w64-mingw32 build/win32

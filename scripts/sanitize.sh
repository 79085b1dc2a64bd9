#!/usr/bin/env bash
# Builds every native target with sanitizers and runs the native suites (the host with its
# reference extension, the real extension in both hosting models) against that build:
#   scripts/sanitize.sh          AddressSanitizer + UndefinedBehaviorSanitizer (build/Sanitize)
#   scripts/sanitize.sh thread   ThreadSanitizer (build/Tsan)
# Any report aborts the process under test, which the tests see as a wrong exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-address}"
shift || true

case "$mode" in
  address)
    config=Sanitize
    # A small quarantine: ASan's default (256 MB of freed memory held back) would swamp the
    # suite's memory-growth checks.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:quarantine_size_mb=1"
    export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizer/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  thread)
    config=Tsan
    # libnode and libuv are not instrumented: what they do through intercepted calls (V8's Locker
    # taking the isolate mutex, libuv opening and closing descriptors whose numbers the host's
    # sockets reuse) is half-seen and misreported, so calls from them are ignored. Every access of
    # our own code stays judged.
    export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
    ;;
  *)
    echo "usage: scripts/sanitize.sh [address|thread] [vitest arguments]" >&2
    exit 2
    ;;
esac

npx node-gyp configure >/dev/null
make -C build BUILDTYPE="$config" -j"$(nproc)"
export ISAPI_BUILD="$config"
npx vitest run test/host test/inprocess test/outofprocess "$@"

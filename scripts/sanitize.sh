#!/usr/bin/env bash
# Builds every native target with AddressSanitizer + UndefinedBehaviorSanitizer (build/Sanitize,
# beside the normal build/Release) and runs the native test suites against that build. Any report
# aborts the process under test, which the tests see as a wrong exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

npx node-gyp configure >/dev/null
make -C build BUILDTYPE=Sanitize -j"$(nproc)"

export ISAPI_BUILD=Sanitize
# A small quarantine: ASan's default (256 MB of freed memory held back) would swamp the suite's
# memory-growth checks.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:quarantine_size_mb=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizer/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The host and its reference extension, then the real extension with the embedded runtime.
npx vitest run test/host test/inprocess "$@"

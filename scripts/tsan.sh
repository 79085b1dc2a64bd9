#!/usr/bin/env bash
# Builds the native targets with ThreadSanitizer (build/Tsan, beside build/Release) and runs the
# suites it can judge: the host with its reference extension, and the real extension with the
# embedded runtime. Any report fails the process under test (halt_on_error), which the tests see
# as a wrong exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

npx node-gyp configure >/dev/null
make -C build BUILDTYPE=Tsan -j"$(nproc)"

export ISAPI_BUILD=Tsan
# libnode is not instrumented: a report whose every frame is inside it cannot be judged, and is
# suppressed (scripts/sanitizer/tsan.supp says which and why). Our own code never is.
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$PWD/scripts/sanitizer/tsan.supp"
npx vitest run test/host test/inprocess "$@"

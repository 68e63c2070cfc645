#!/usr/bin/env bash
# The whole test suite: unit tests, root-only collector tests in throwaway network namespaces, and the
# lab integration tests (real libvirtd in namespaces, both firewall backends). Installs what it needs.
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

bash scripts/install-deps.sh
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Wrapping|Planning)' || true
swift build --build-tests >/dev/null
swift test --skip-build "$@"
# the decoders' libFuzzer target for a bounded time (VNETAUDIT_FUZZ_SECONDS, default 60; 0 skips it)
[ "${VNETAUDIT_FUZZ_SECONDS:-60}" = 0 ] || bash scripts/fuzz-decoder.sh "${VNETAUDIT_FUZZ_SECONDS:-60}"

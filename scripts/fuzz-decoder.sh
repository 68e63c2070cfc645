#!/usr/bin/env bash
# Coverage-guided fuzzing of the packet decoders with libFuzzer (and AddressSanitizer), for a bounded time:
#   scripts/fuzz-decoder.sh [SECONDS]    (default 60)
# Builds VNetModel and VNetPackets with fuzzer instrumentation into .build-fuzz/, seeds the corpus with the
# frames of the real captures in Tests/VNetPacketsTests/Fixtures, and fails on any trap or sanitizer report.
# The first byte of an input picks the link type; the rest is the frame.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out/corpus"
flags=(-sanitize=fuzzer,address -parse-as-library -O -I "$out" -L "$out")

swiftc "${flags[@]}" -emit-library -static -emit-module -module-name VNetModel -o "$out/libVNetModel.a" \
    -emit-module-path "$out/VNetModel.swiftmodule" Sources/VNetModel/*.swift
swiftc "${flags[@]}" -emit-library -static -emit-module -module-name VNetPackets -o "$out/libVNetPackets.a" \
    -emit-module-path "$out/VNetPackets.swiftmodule" Sources/VNetPackets/*.swift
cat > "$out/FuzzEntry.swift" <<'SWIFT'
import VNetPackets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let linkTypes: [LinkType] = [.ethernet, .raw, .linuxCooked, .linuxCooked2]
    let packet = PacketDecoder.decode(UnsafeRawBufferPointer(start: data + 1, count: size - 1),
                                      linkType: linkTypes[Int(data[0]) % linkTypes.count])
    var tally = DecodeTally()
    tally.record(packet)
    if case .truncated(_, let needed, let available) = packet.issue, !(needed > available && available >= 0) {
        fatalError("truncated with needed \(needed) <= available \(available)")
    }
    return 0
}
SWIFT
swiftc "${flags[@]}" -module-name DecoderFuzz "$out/FuzzEntry.swift" -lVNetPackets -lVNetModel -o "$out/fuzz-decoder" \
    2> >(grep -v 'Cannot export local symbol' >&2)

python3 - "$out/corpus" Tests/VNetPacketsTests/Fixtures/*.pcap <<'PY'
import struct, sys
linkTypeByte = {1: 0, 101: 1, 113: 2, 276: 3}
corpus, count = sys.argv[1], 0
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    linkType, offset = struct.unpack("<I", data[20:24])[0], 24
    while offset + 16 <= len(data):
        included = struct.unpack("<I", data[offset + 8:offset + 12])[0]
        frame = data[offset + 16:offset + 16 + included]
        open(f"{corpus}/seed-{count}", "wb").write(bytes([linkTypeByte[linkType]]) + frame)
        count, offset = count + 1, offset + 16 + included
PY
# The full log stays in .build-fuzz/fuzz.log; a trap or sanitizer report fails the script.
status=0
"$out/fuzz-decoder" -max_total_time="$seconds" -max_len=2048 -print_final_stats=1 "$out/corpus" >"$out/fuzz.log" 2>&1 || status=$?
grep -E '^(Done|stat::)|ERROR|SUMMARY|Fatal error' "$out/fuzz.log" || true
exit "$status"

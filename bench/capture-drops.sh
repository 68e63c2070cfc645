#!/usr/bin/env bash
# Live capture under load (issue 4): in a throwaway lab, guest nat1 floods the LAN router with UDP
# (bench/udp-flood.c, sendmmsg as fast as one core goes) through the nat network `default` (virbr0, then
# NAT out of eth-up) while `vnetaudit check --network default --capture` and one `tcpdump -w /dev/null`
# per interface capture the same interfaces at the same time. Compares what the kernel dropped for each
# (pcap_stats: tcpdump's "dropped by kernel", vnetaudit's report counters). Appends to
# bench/traffic-results.md (run bench/traffic.sh first). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

seconds=${BENCH_SECONDS:-10}
lab_name=${BENCH_LAB:-tblab}
work=$(mktemp -d /tmp/vnetaudit-bench-drops.XXXXXX)
# shellcheck source=lib.sh
source "$top/bench/lib.sh"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  lab down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

swift build -c release --product vnetaudit >/dev/null
bin="$top/.build/release/vnetaudit"
gcc -O2 -o "$work/udp-flood" bench/udp-flood.c

lab down >/dev/null 2>&1 || true
lab up --backend nftables >/dev/null
interfaces=(virbr0 eth-up)
# started as plain commands (not through the lab function, whose subshell would carry the EXIT trap);
# lab.sh execs down to the tool, so each pid is the tool's own
bash "$top/lab/lab.sh" exec --name "$lab_name" -- "$bin" check --network default --capture "${seconds}s" --format json \
  --output "$work/live.json" >/dev/null 2>"$work/live.err" &
pids+=($!)
live=$!
for iface in "${interfaces[@]}"; do
  bash "$top/lab/lab.sh" exec --name "$lab_name" -- tcpdump -i "$iface" -w /dev/null 2>"$work/tcpdump-$iface.txt" &
  pids+=($!)
done
sleep 1.5
lab guest nat1 -- "$work/udp-flood" 203.0.113.1 9 "$((seconds - 3))" >"$work/flood.txt"
wait "$live" || true
for pid in "${pids[@]:1}"; do kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done

sent=$(awk '{print $1}' "$work/flood.txt")
{
  echo
  echo "## Live capture under load"
  echo
  echo "$(date -u +%Y-%m-%d): guest nat1 sent $sent UDP datagrams in $(awk '{print $4}' "$work/flood.txt") s (bench/udp-flood.c) through"
  echo "the nat network; \`vnetaudit check --network default --capture ${seconds}s\` and one \`tcpdump -w /dev/null\` per"
  echo "interface ran side by side on the same interfaces (kernel buffers: vnetaudit 32 MiB, tcpdump's default 2 MiB)."
  echo
  echo "| interface | tool | received | dropped by kernel | frames kept | note |"
  echo "|---|---|---:|---:|---:|---|"
  for iface in "${interfaces[@]}"; do
    f="$work/tcpdump-$iface.txt"
    echo "| $iface | tcpdump -w /dev/null | $(awk '/received by filter/ {print $1}' "$f") | $(awk '/dropped by kernel/ {print $1}' "$f") | $(awk '/packets captured/ {print $1}' "$f") | |"
    python3 - "$work/live.json" "$iface" <<'PY'
import json, sys
report, iface = json.load(open(sys.argv[1])), sys.argv[2]
entry = next(i for i in report["capture"]["interfaces"] if i["interface"] == iface)
c = entry.get("counters") or {}
lost = c.get("received", 0) - entry["frames"]
note = f'{lost} received but not judged' if lost > 0 else "every received frame judged (spooled to disk)"
print(f'| {iface} | vnetaudit check --capture | {c.get("received", "?")} | {c.get("droppedByKernel", "?")} | {entry["frames"]} | {note} |')
PY
  done
} | tee "$work/section.md"
cat "$work/section.md" >>"$top/bench/traffic-results.md"

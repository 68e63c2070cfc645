#!/usr/bin/env bash
# Offline traffic benchmark (issue 4): on generated captures of the lab's `default` nat network (guest
# side virbr0 and NAT-translated uplink eth-up, bench/gen-traffic.c) of 1M and 5M frames, side by side in
# one run: the C baseline (bench/pcap-flows.c: libpcap pcap_next_ex, header decode, flow hash table) and
# `vnetaudit check --snapshot LAB --pcap virbr0=... --pcap eth-up=...` (decode, flows, NAT correlation,
# judgement, evidence pcaps, report). Wall time, packets per second and peak RSS (/usr/bin/time -v),
# median of BENCH_RUNS runs. Takes a snapshot of a throwaway lab first. Writes bench/traffic-results.md.
# Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

sizes=${BENCH_SIZES:-"1000000 5000000"}
runs=${BENCH_RUNS:-3}
lab_name=${BENCH_LAB:-tblab}
work=$(mktemp -d /tmp/vnetaudit-bench-traffic.XXXXXX)
# shellcheck source=lib.sh
source "$top/bench/lib.sh"
cleanup() {
  lab down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

[ -x /usr/bin/time ] || bash scripts/install-deps.sh
swift build -c release --product vnetaudit >/dev/null
bin="$top/.build/release/vnetaudit"
gcc -O2 -o "$work/gen-traffic" bench/gen-traffic.c
gcc -O2 -o "$work/pcap-flows" bench/pcap-flows.c -lpcap

# the host the captures belong to: a snapshot of the lab's hypervisor
lab down >/dev/null 2>&1 || true
lab up --backend nftables >/dev/null
lab exec -- "$bin" snapshot --output "$work/snapshot" >/dev/null
lab down >/dev/null

# run CMD... $runs times; prints "median-wall-seconds max-rss-MiB" (GNU time -v)
measure() {
  local walls=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" || true
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.txt")")
    local r; r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[2:])):.3f} {int(sys.argv[1]) / 1024:.1f}')" "$rss" "${walls[@]}"
}

results="$top/bench/traffic-results.md"
{
  echo "# Traffic benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r);"
  echo "median wall time of $runs runs, peak RSS the largest of them (GNU time). Captures from bench/gen-traffic.c:"
  echo "the lab's nat network \`default\`, 100 guests keeping 20,000 flows busy (TCP with handshake and data, UDP,"
  echo "ICMP echo) to 10,000 outside hosts, every packet on virbr0 and again translated on eth-up, plus DHCP"
  echo "and 1,000 DNS exchanges; frames are split evenly between the two files. More frames make longer flows."
  echo
  echo "| frames | files MB | tool | wall s | packets/s | peak RSS MiB | result |"
  echo "|---:|---:|---|---:|---:|---:|---|"
} >"$results.tmp"

for n in $sizes; do
  dir="$work/$n"
  mkdir -p "$dir"
  "$work/gen-traffic" "$n" "$dir" >/dev/null
  mb=$(du -cm "$dir/virbr0.pcap" "$dir/eth-up.pcap" | awk '/total/ {print $1}')
  read -r wall rss < <(measure "$work/pcap-flows" "$dir/virbr0.pcap" "$dir/eth-up.pcap")
  flows=$(awk '{print $3}' "$work/out.txt")
  pps=$(python3 -c "print(f'{$n / $wall / 1e6:.2f}M')")
  echo "| $n | $mb | C pcap_next_ex + flow table | $wall | $pps | $rss | $flows directional 5-tuples |" | tee -a "$results.tmp"
  (cd "$dir" && read -r wall rss < <(measure "$bin" check --snapshot "$work/snapshot" --network default \
      --pcap "virbr0=$dir/virbr0.pcap" --pcap "eth-up=$dir/eth-up.pcap" --format json --output "$dir/report.json")
    verdict=$(python3 - "$dir/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
found = {}
def walk(x):
    if isinstance(x, dict):
        if str(x.get("id", "")).startswith("traffic.") and "status" in x:
            found[f'{x["id"]}/{x.get("family") or "-"}'] = x["status"]
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(r)
passed = sum(1 for s in found.values() if s == "pass")
others = ", ".join(f"{k} {s}" for k, s in sorted(found.items()) if s != "pass")
print(f"{passed} traffic checks pass" + (f"; {others}" if others else ""))
PY
)
    pps=$(python3 -c "print(f'{$n / $wall / 1e6:.2f}M')")
    echo "| $n | $mb | vnetaudit check --pcap | $wall | $pps | $rss | $verdict |" | tee -a "$results.tmp")
  rm -rf "$dir"
done
mv "$results.tmp" "$results"
echo "written $results"

#!/usr/bin/env bash
# Reading benchmark (issue 2): vnetaudit's full live read of a host against the fastest system tool that
# reads the same rules, side by side in one run, on generated busy-host rule sets of 10k, 50k and 100k
# rules loaded once as legacy x_tables and once as nf_tables (iptables-nft). Everything happens inside
# throwaway network namespaces. Writes bench/results.md. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

sizes=${BENCH_SIZES:-"10000 50000 100000"}
runs=${BENCH_RUNS:-5}
work=$(mktemp -d /tmp/vnetaudit-bench.XXXXXX)
ns_legacy="vnabench-legacy-$$"
ns_nft="vnabench-nft-$$"
cleanup() {
  ip netns del "$ns_legacy" 2>/dev/null || true
  ip netns del "$ns_nft" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

swift build -c release --product vnetaudit >/dev/null
bin="$top/.build/release/vnetaudit"

# shellcheck source=lib.sh
source "$top/bench/lib.sh"

results="$top/bench/results.md"
{
  echo "# Reading benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r); median of $runs runs after a warm-up, the two tools"
  echo "taking turns so that both meet the same load."
  echo "rules = \`vnetaudit show --only firewall\` (nf_tables and both libiptc families: the same rules the"
  echo "baseline reads, and the measure of the 2x target); host = \`vnetaudit show\` (the whole live host read:"
  echo "netlink, nf_tables, both libiptc families, libvirt, sysctls, listeners). Wall time is the measure; CPU"
  echo "time (user + system, all threads) shows the work done, which a loaded machine cannot hide."
  echo
  echo "| rules | kind | baseline tool | baseline s | rules s | ratio | host s | ratio | baseline CPU s | rules CPU s | host CPU s | rules seen |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$results.tmp"

for n in $sizes; do
  python3 bench/gen-ruleset.py "$n" >"$work/rules-$n.v4"
  for kind in legacy nft; do
    ns=$ns_legacy; restore=iptables-legacy-restore; save=iptables-legacy-save
    if [ "$kind" = nft ]; then ns=$ns_nft; restore=iptables-nft-restore; save=iptables-nft-save; fi
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip netns exec "$ns" "$restore" <"$work/rules-$n.v4"
    read -r base rules host base_cpu rules_cpu host_cpu < <(timeall "$(printf '%q ' ip netns exec "$ns" "$save")" \
      "$(printf '%q ' ip netns exec "$ns" "$bin" show --no-color --only firewall)" \
      "$(printf '%q ' ip netns exec "$ns" "$bin" show --no-color)")
    seen=$(ip netns exec "$ns" "$bin" show --format json | python3 -c '
import json, sys
h = json.load(sys.stdin)
print(sum(len(c["rules"]) for t in h["firewall"]["tables"] for c in t["chains"]))')
    rules_ratio=$(python3 -c "print(f'{$rules / $base:.2f}')")
    host_ratio=$(python3 -c "print(f'{$host / $base:.2f}')")
    echo "| $n | $kind | $save | $base | $rules | $rules_ratio | $host | $host_ratio | $base_cpu | $rules_cpu | $host_cpu | $seen |" | tee -a "$results.tmp"
    ip netns del "$ns"
  done
done
mv "$results.tmp" "$results"
echo "written $results"

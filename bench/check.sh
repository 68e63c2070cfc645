#!/usr/bin/env bash
# Judging benchmark (issue 3): `vnetaudit check` of every network of the lab's hypervisor, with a busy-host
# rule set of N rules (default 100,000) loaded beside libvirt's own rules, once as legacy x_tables and once
# as nf_tables (iptables-nft), against the fastest system tool that merely reads those rules
# (iptables-legacy-save / iptables-nft-save), side by side in one run. Target: check <= 2x the read.
# Everything runs in a throwaway lab (lab/lab.sh). Writes bench/check-results.md. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

sizes=${BENCH_SIZES:-"100000"}
runs=${BENCH_RUNS:-5}
lab_name=${BENCH_LAB:-vnabench}
work=$(mktemp -d /tmp/vnetaudit-bench-check.XXXXXX)
# shellcheck source=lib.sh
source "$top/bench/lib.sh"
cleanup() {
  lab down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

swift build -c release --product vnetaudit >/dev/null
bin="$top/.build/release/vnetaudit"


results="$top/bench/check-results.md"
{
  echo "# Judging benchmark"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r); median of $runs runs after a warm-up, the three"
  echo "commands taking turns so that all meet the same load."
  echo "vnetaudit = \`vnetaudit check\` of every network of the lab hypervisor (live read of the whole host,"
  echo "every mode claim walked through every base chain, the whole catalogue); the baseline only reads the rules;"
  echo "\`vnetaudit show\` is vnetaudit's own read of the host (plus printing it), so check near show means judging costs little."
  echo "Both run on the lab hypervisor through \`lab.sh exec\`, so both pay the same namespace-entry cost."
  echo
  echo "| rules | kind | baseline tool | baseline s | vnetaudit show s | vnetaudit check s | ratio | checks |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|"
} >"$results.tmp"

for n in $sizes; do
  python3 bench/gen-ruleset.py "$n" >"$work/rules-$n.v4"
  for kind in legacy nft; do
    restore=iptables-legacy-restore; save=iptables-legacy-save
    if [ "$kind" = nft ]; then restore=iptables-nft-restore; save=iptables-nft-save; fi
    lab down >/dev/null 2>&1 || true
    lab up --backend nftables >/dev/null
    lab exec -- "$restore" <"$work/rules-$n.v4"
    exec_lab="bash $top/lab/lab.sh exec --name $lab_name --"
    read -r base read mine _ < <(timeall "$exec_lab $save" "$exec_lab $bin show" "$exec_lab $bin check --no-color")
    # check exits 1 when a check fails (the lab has broken-by-design findings): the report still counts
    checks=$( (lab exec -- "$bin" check --format json || true) | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(sum(r["summary"]["checks"].values()))')
    ratio=$(python3 -c "print(f'{$mine / $base:.2f}')")
    echo "| $n | $kind | $save | $base | $read | $mine | $ratio | $checks |" | tee -a "$results.tmp"
  done
done
lab down >/dev/null
mv "$results.tmp" "$results"
echo "written $results"

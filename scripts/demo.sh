#!/usr/bin/env bash
# The main job on the built-in lab: install what is needed, build, bring up the lab (real libvirtd in
# network namespaces, every network mode), audit it with each libvirt firewall backend — healthy, then
# with two real breaks (masquerade removed; a container engine's legacy FORWARD DROP) — write the
# reports under reports/ in every format (text, JSON, HTML, Markdown, JUnit, Prometheus), say what each
# break changed against the healthy report (`diff`), and tear the lab down again (also on failure or
# Ctrl-C). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

bash scripts/install-deps.sh
swift build -c release --product vnetaudit
bin="$top/.build/release/vnetaudit"

lab_name=vnademo
out="$top/reports/lab-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
trap 'bash "$top/lab/lab.sh" down --name "$lab_name" >/dev/null 2>&1 || true' EXIT INT TERM

# check's reports of the lab as it is now, in every format, into $out/check-NAME/; exit 1 (a failed
# claim) is a finding, not an error.
audit() {
  local rc=0
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" check --quiet --output-dir "$out/check-$1" \
    --format text --format json --format html --format markdown --format junit --format prometheus || rc=$?
  [ "$rc" -le 1 ] || [ "$rc" = 3 ] || { echo "check could not run ($rc)" >&2; exit "$rc"; }
  echo "-- check ($1): exit $rc, reports in $out/check-$1/"
  sed -n '/^network /p;/^verdict/p' "$out/check-$1"/*.txt
}

# What a break changed against the healthy report: the regressed claims and the rules behind them.
changes() {
  local rc=0
  "$bin" diff "$out/check-$1"/*.json "$out/check-$2"/*.json >"$out/diff-$2.txt" || rc=$?
  [ "$rc" -le 1 ] || { echo "diff could not run ($rc)" >&2; exit "$rc"; }
  echo "-- diff $1 -> $2: exit $rc (1: something regressed), $out/diff-$2.txt"
}

for backend in nftables iptables; do
  echo "== lab with libvirt's $backend firewall backend"
  bash lab/lab.sh up --backend "$backend" --name "$lab_name"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" show --no-color | tee "$out/show-$backend.txt"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" show --format json >"$out/host-$backend.json"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" snapshot --output "$out/snapshot-$backend"
  audit "$backend-healthy"
  for cause in masquerade-removed forward-drop-legacy; do
    bash lab/lab.sh break "$cause" --name "$lab_name" >/dev/null
    audit "$backend-$cause"
    changes "$backend-healthy" "$backend-$cause"
    bash lab/lab.sh repair "$cause" --name "$lab_name" >/dev/null
  done
  bash lab/lab.sh down --name "$lab_name"
done
echo "reports written to $out"

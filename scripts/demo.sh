#!/usr/bin/env bash
# The main job on the built-in lab: install what is needed, build, bring up the lab (real libvirtd in
# network namespaces, every network mode), audit it with each libvirt firewall backend, write the
# reports under reports/, and tear the lab down again (also on failure or Ctrl-C). Run as root.
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

for backend in nftables iptables; do
  echo "== lab with libvirt's $backend firewall backend"
  bash lab/lab.sh up --backend "$backend" --name "$lab_name"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" show --no-color | tee "$out/show-$backend.txt"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" show --format json >"$out/host-$backend.json"
  bash lab/lab.sh exec --name "$lab_name" -- "$bin" snapshot --output "$out/snapshot-$backend"
  bash lab/lab.sh down --name "$lab_name"
done
echo "reports written to $out"

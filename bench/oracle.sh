#!/usr/bin/env bash
# Kernel-oracle benchmark (issue 11, item 5): lab/oracle/oracle.py with many random cases (default 2000;
# the first argument changes it), matches explain does not decide yet included (--extended), so the
# unknown rate shows how much of real rule sets explain cannot decide. Everything happens in throwaway
# network namespaces (vnaor-PID-{S,R,A,B}). Writes bench/oracle-results.md. Run as root.
#   ORACLE_SEED (default 1), ORACLE_EXTENDED=0 (plain matches only), ORACLE_VNETAUDIT=PATH (a built binary;
#   otherwise the debug build is made and used), ORACLE_JSON=FILE (keep the harness's JSON: every
#   disagreement with its rule set, every unknown with its reasons).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
export PATH="/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

cases=${1:-2000}
seed=${ORACLE_SEED:-1}
extended=${ORACLE_EXTENDED:-1}
work=$(mktemp -d /tmp/vnetaudit-bench-oracle.XXXXXX)
cleanup() { rm -rf "$work"; }   # the harness removes its own namespaces, even when interrupted
trap cleanup EXIT INT TERM

bin=${ORACLE_VNETAUDIT:-}
if [ -z "$bin" ]; then
  swift build --product vnetaudit >/dev/null
  bin="$top/.build/debug/vnetaudit"
fi
flags=()
[ "$extended" = 1 ] && flags+=(--extended)

status=0
/usr/bin/python3 "$top/lab/oracle/oracle.py" --seed "$seed" --cases "$cases" "${flags[@]}" --vnetaudit "$bin" \
  --json "$work/oracle.json" >"$work/oracle.txt" || status=$?
if [ "$status" -gt 1 ]; then
  cat "$work/oracle.txt" >&2
  exit "$status"
fi

results="$top/bench/oracle-results.md"
/usr/bin/python3 - "$work/oracle.json" "$results.tmp" "$(nproc)" "$(uname -r)" "$bin" <<'PY'
import datetime, json, re, sys
s = json.load(open(sys.argv[1]))
out = open(sys.argv[2], "w")
pct = lambda a, b: f"{100 * a / b:.2f} %" if b else "-"
w = lambda line="": out.write(line + "\n")
w("# Kernel-oracle benchmark")
w()
w(f"{datetime.date.today()}, {sys.argv[3]} cores, kernel {sys.argv[4]}; `lab/oracle/oracle.py --seed {s['seed']} "
  f"--cases {s['cases']}{' --extended' if s['extended'] else ''}` with `{sys.argv[5]}`, {s['seconds']:.0f} s.")
w("Random small rule sets (legacy x_tables, iptables-nft, native nft, mixed at the same hooks) in a router")
w("namespace; real packets through it; `vnetaudit explain --netns` asked about each. The kernel decides.")
w("Agreement counts decided packets only; an unknown fate is not a disagreement but is counted here.")
w()
w("| cases | packets | decided | agree | disagree | unknown | explain errors | agreement | unknown rate |")
w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
w(f"| {s['cases']} | {s['packets']} | {s['decided']} | {s['agree']} | {s['disagree']} | {s['unknown']} | {s['errors']} "
  f"| {pct(s['agree'], s['decided'])} | {pct(s['unknown'], s['packets'])} |")
w()
w("What the kernel did with the packets: " + ", ".join(f"{k.replace('kernel ', '')} {v}" for k, v in s["coverage"].items()) + ".")
ranked = lambda d: sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))   # (--json sorts keys)
if s.get("unknownByKind"):
    w()
    w("## Unknown packets, by what was undecided first")
    w()
    w("| packets | undecided: reason |")
    w("|---:|---|")
    for r, c in ranked(s["unknownByKind"]):
        w(f"| {c} | {r.replace('|', '/')} |")
if s["unknownReasons"]:
    w()
    w("## Unknown reasons as explain gives them (rules abstracted), top 15")
    w()
    w("| packets | reason |")
    w("|---:|---|")
    for r, c in ranked(s["unknownReasons"])[:15]:
        w(f"| {c} | `{r.replace('|', '/')}` |")
if s["disagreements"]:
    kinds = {}
    for d in s["disagreements"]:
        key = "; ".join(re.sub(r"\d+\.\d+\.\d+\.\d+|\br-[ab]0\b|eth-s", "X", x) for x in d["differences"])
        tags = [t for t in d["features"] if "=" in t or t == "source off eth-s"]
        kinds.setdefault(key, []).append((d, tags))
    w()
    w("## Disagreements, by kind")
    w()
    w(f"| packets | difference | first case (rerun: `lab/oracle/oracle.py --seed {s['seed']} --case K{' --extended' if s['extended'] else ''} --keep`) | non-default sysctls, off-path sources seen |")
    w("|---:|---|---|---|")
    for key, ds in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        tags = sorted({t for _, ts in ds for t in ts})
        w(f"| {len(ds)} | {key} | {ds[0][0]['case']}: {ds[0][0]['packet']} | {', '.join(tags) or '-'} |")
    w()
    w("Each disagreement with its rule set: `--json` of the same run (`disagreements[]`), or rerun the case.")
PY
mv "$results.tmp" "$results"
if [ -n "${ORACLE_JSON:-}" ]; then cp "$work/oracle.json" "$ORACLE_JSON"; fi
echo "written $results"

#!/usr/bin/env bash
# Exercise every break of a running lab: break it, show with the selftest (real traffic) or a proof of
# real state that it broke what it says, repair it, and check that the selftest passes again.
# usage: lab/test-breaks.sh [--name NAME] [CAUSE...]      (the lab must be up and healthy)
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB="$LAB_DIR/lab.sh"
NAME=${VNETAUDIT_LAB_NAME:-vna}
causes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) causes+=("$1"); shift ;;
  esac
done
# shellcheck source=breaks.sh
source "$LAB_DIR/breaks.sh"
[ ${#causes[@]} -gt 0 ] || mapfile -t causes < <(break_causes)

problems=()
note() { problems+=("$1"); echo "  PROBLEM: $1"; }

"$LAB" selftest --name "$NAME" >/dev/null || { echo "lab $NAME is not healthy before the test" >&2; exit 1; }
for c in "${causes[@]}"; do
  echo "== $c"
  t0=$SECONDS
  "$LAB" break "$c" --name "$NAME" | sed 's/^/  /'
  out=$("$LAB" selftest --name "$NAME" 2>&1) && st=0 || st=$?
  grep -E '^  FAIL' <<<"$out" | sed 's/^/  /' || true
  checks=$(break_field "$c" 5)
  if [ -n "$checks" ]; then
    [ "$st" != 0 ] || note "$c: selftest still passes while broken"
    IFS=';' read -ra want <<<"$checks"
    for w in "${want[@]}"; do
      grep -E '^  FAIL' <<<"$out" | grep -qF -- "$w" || note "$c: expected failing check '$w' did not fail"
    done
  fi
  fn="proof_${c//-/_}"
  if declare -F "$fn" >/dev/null; then
    if "$LAB" proof "$c" --name "$NAME"; then
      echo "  proof: broken state observed ($fn)"
    else
      note "$c: proof $fn did not observe the broken state"
    fi
  fi
  "$LAB" repair "$c" --name "$NAME" | sed 's/^/  /'
  if out=$("$LAB" selftest --name "$NAME" 2>&1); then
    echo "  repaired, selftest passes ($((SECONDS - t0)) s for break+check+repair)"
  else
    grep -E '^  FAIL' <<<"$out" | sed 's/^/  /' || true
    note "$c: selftest fails after repair"
    "$LAB" repair all --name "$NAME" >/dev/null
  fi
done
echo
if [ ${#problems[@]} -gt 0 ]; then
  echo "test-breaks: ${#problems[@]} problem(s):"
  printf '  %s\n' "${problems[@]}"
  exit 1
fi
echo "test-breaks: all ${#causes[@]} causes broke what they say and were repaired"

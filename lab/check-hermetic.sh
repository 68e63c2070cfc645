#!/usr/bin/env bash
# Checks that the lab is hermetic: around an up / selftest / [breaks] / down cycle for each backend, the
# root network namespace (links, addresses, routes, rules, iptables-save, ip6tables-save, nft ruleset,
# legacy x_tables, forwarding/bridge/rp_filter sysctls) and the host's libvirt paths must be
# byte-identical before up, while the lab runs, and after down; and after down no process, mount,
# namespace or file of the lab may remain.
#
# With a firewall manager (lab/firewalls.sh) started after the selftest, its daemons and config paths are
# covered too: the host's copies of its paths must not change, and none of its processes may remain.
#
# usage: lab/check-hermetic.sh [--name NAME] [--backend nftables|iptables]... [--breaks] [--firewall TOOL[:VARIANT]|none]
#   --breaks   also run every break and repair (lab/test-breaks.sh) inside each cycle (slow: ~3 min each)
#   --firewall the firewall manager started in each cycle (default firewalld:healthy, which runs a D-Bus
#              system bus, firewalld and a libvirtd restarted to use it; none: no firewall manager)
# Exit status: 0 when hermetic, 1 with the differences printed otherwise.
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB="$LAB_DIR/lab.sh"
LAB_ROOT=${VNETAUDIT_LAB_ROOT:-/run/vnetaudit-lab}
NAME=vnahermetic
backends=()
breaks=0
firewall=firewalld:healthy
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2 ;;
    --backend) backends+=("$2"); shift 2 ;;
    --breaks) breaks=1; shift ;;
    --firewall) firewall=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#backends[@]} -gt 0 ] || backends=(nftables iptables)
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 2; }

work=$(mktemp -d /tmp/vnetaudit-hermetic.XXXXXX)
trap 'rm -rf "$work"' EXIT
problems=()
problem() { problems+=("$1"); echo "PROBLEM: $1"; }

snapshot() { # snapshot DIR: everything of the root namespace and host paths the lab must not change
  local d=$1 p
  mkdir -p "$d"
  ip link >"$d/ip-link"
  ip addr >"$d/ip-addr"
  ip -4 route show table all >"$d/ip-route4"
  ip -6 route show table all >"$d/ip-route6"
  ip -4 rule >"$d/ip-rule4"
  ip -6 rule >"$d/ip-rule6"
  iptables-save 2>&1 | grep -v '^# Generated\|^# Completed' >"$d/iptables-save" || true
  ip6tables-save 2>&1 | grep -v '^# Generated\|^# Completed' >"$d/ip6tables-save" || true
  nft list ruleset >"$d/nft-ruleset" 2>&1
  # legacy x_tables instantiated in the root namespace (read-only; iptables-legacy-save would create them)
  cat /proc/net/ip_tables_names /proc/net/ip6_tables_names >"$d/xtables-legacy" 2>/dev/null || true
  sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.rp_filter \
    net.ipv4.conf.default.rp_filter net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables \
    net.bridge.bridge-nf-call-arptables >"$d/sysctl" 2>&1 || true
  for p in /etc/libvirt /run/libvirt /var/run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
    if [ -e "$p" ]; then
      find "$p" -printf '%p %y %m %u %g %s %T@\n' | sort
      find "$p" -type f -exec md5sum {} + | sort
    else
      echo "$p absent"
    fi
  done >"$d/host-libvirt-paths"
  md5sum /etc/passwd /etc/group /etc/resolv.conf >"$d/host-files"
  # the paths the firewall managers of lab/firewalls.sh write (the lab binds private copies over them)
  for p in /etc/ufw /etc/default/ufw /etc/firewalld /usr/lib/firewalld /etc/docker /etc/nftables.conf \
           /var/lib/docker /var/lib/containerd /var/log/firewalld /run/dbus /run/firewalld /run/docker \
           /run/docker.sock /run/docker.pid /run/containerd /run/xtables.lock /run/ufw.lock; do
    if [ -e "$p" ]; then
      find "$p" -xdev -printf '%p %y %m %u %g %s %T@\n' 2>/dev/null | sort
      find "$p" -xdev -type f -exec md5sum {} + 2>/dev/null | sort
    else
      echo "$p absent"
    fi
  done >"$d/host-firewall-paths"
  # dockerd sees the host's cgroup v1 hierarchies (read-only) in the lab: no cgroup of its may appear
  find /sys/fs/cgroup -maxdepth 2 -type d | sort >"$d/host-cgroups"
  grep -E 'cgroup|/run/(dbus|firewalld|docker|containerd)' /proc/self/mountinfo | awk '{print $5, $9}' | sort >"$d/host-mounts"
}

compare() { # compare BEFORE AFTER WHEN
  local f
  for f in "$1"/*; do
    f=$(basename "$f")
    if ! cmp -s "$1/$f" "$2/$f"; then
      problem "$3: root namespace / host state '$f' changed"
      diff "$1/$f" "$2/$f" | head -20 | sed 's/^/    /'
    fi
  done
}

for backend in "${backends[@]}"; do
  echo "=== $backend backend, lab $NAME"
  [ ! -e "$LAB_ROOT/$NAME" ] || { echo "lab $NAME exists; choose another --name" >&2; exit 2; }
  root_existed=0; [ -e "$LAB_ROOT" ] && root_existed=1
  snapshot "$work/$backend.before"

  t0=$(date +%s.%N)
  "$LAB" up --name "$NAME" --backend "$backend"
  up_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  # identities of the lab, to look for leftovers after down
  inodes=()
  for f in /run/netns/"$NAME"-*; do inodes+=("net:[$(stat -L -c %i "$f")]"); done
  inodes+=("mnt:[$(stat -L -c %i "$LAB_ROOT/$NAME/mnt")]")
  mapfile -t pids < <("$LAB" pids --name "$NAME")
  echo "lab up: ${#inodes[@]} namespaces, ${#pids[@]} processes"

  "$LAB" selftest --name "$NAME" >"$work/selftest.out" || { cat "$work/selftest.out"; problem "$backend: selftest failed"; }
  tail -1 "$work/selftest.out"
  snapshot "$work/$backend.during"
  compare "$work/$backend.before" "$work/$backend.during" "$backend, lab up after selftest"
  if [ "$firewall" != none ]; then
    "$LAB" firewall --name "$NAME" "${firewall%%:*}" $([ "${firewall#*:}" != "$firewall" ] && echo "${firewall#*:}") \
      >"$work/firewall.out" 2>&1 || { cat "$work/firewall.out"; problem "$backend: lab.sh firewall $firewall failed"; }
    tail -1 "$work/firewall.out"
    # the firewall manager's daemons, for the leftover check after down
    mapfile -t pids < <("$LAB" pids --name "$NAME")
    echo "firewall $firewall: ${#pids[@]} processes in the lab now"
    snapshot "$work/$backend.firewall"
    compare "$work/$backend.before" "$work/$backend.firewall" "$backend, lab up with firewall manager $firewall"
  fi
  if [ "$breaks" = 1 ]; then
    blog=/tmp/vnetaudit-hermetic-breaks-$backend.log
    "$LAB_DIR/test-breaks.sh" --name "$NAME" >"$blog" 2>&1 || { grep -E "PROBLEM|^==" "$blog" | grep -B1 PROBLEM; problem "$backend: test-breaks failed (log: $blog)"; }
    tail -1 "$blog"
    snapshot "$work/$backend.breaks"
    compare "$work/$backend.before" "$work/$backend.breaks" "$backend, lab up after every break and repair"
  fi

  t0=$(date +%s.%N)
  "$LAB" down --name "$NAME"
  down_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  snapshot "$work/$backend.after"
  compare "$work/$backend.before" "$work/$backend.after" "$backend, after down"

  # leftovers of the lab
  left=$(ip netns list | awk '{print $1}' | grep -E "^$NAME-" || true)
  [ -z "$left" ] || problem "$backend: namespaces left: $(echo $left)"
  [ ! -e "$LAB_ROOT/$NAME" ] || problem "$backend: $LAB_ROOT/$NAME left"
  if [ "$root_existed" = 0 ] && [ -e "$LAB_ROOT" ] && [ -z "$(ls -A "$LAB_ROOT")" ]; then
    problem "$backend: empty $LAB_ROOT left"
  fi
  if grep -qE "$LAB_ROOT/$NAME([/ ]|$)|/run/netns/$NAME-" /proc/self/mountinfo; then
    problem "$backend: mounts left: $(grep -E "$LAB_ROOT/$NAME|/run/netns/$NAME-" /proc/self/mountinfo | awk '{print $5}' | xargs)"
  fi
  for p in "${pids[@]}"; do
    if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
      problem "$backend: process $p of the lab still running: $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-100)"
    fi
  done
  for p in /proc/[0-9]*; do
    for k in net mnt; do
      l=$(readlink "$p/ns/$k" 2>/dev/null) || continue
      for i in "${inodes[@]}"; do
        [ "$l" != "$i" ] || problem "$backend: process ${p#/proc/} still in the lab's $i"
      done
    done
  done
  left=$("$LAB" pids --name "$NAME")
  [ -z "$left" ] || problem "$backend: lab.sh pids still finds: $(echo $left)"
  echo "$backend: up ${up_s} s, down ${down_s} s"
done

echo
if [ ${#problems[@]} -gt 0 ]; then
  echo "check-hermetic: ${#problems[@]} problem(s)"
  printf '  %s\n' "${problems[@]}"
  exit 1
fi
echo "check-hermetic: hermetic (${backends[*]}): root namespace and host paths unchanged, nothing of the lab left"

#!/usr/bin/env bash
# vnetaudit lab: a hermetic libvirt hypervisor in network namespaces, with a LAN router, guests on every
# libvirt forward mode, a self test with real traffic, and reversible breakages of real state.
# See lab/README.md. Run as root. Nothing in the root network namespace is changed.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=${VNETAUDIT_LAB_ROOT:-/run/vnetaudit-lab}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
PROBE="$LAB_DIR/probe.py"
TAG=vnetaudit-lab
PORT=8080

usage() {
  cat <<'EOF'
usage: lab.sh COMMAND [--name NAME] [options]

  up [--backend nftables|iptables] [--name NAME]
                       build a whole lab (default backend nftables, default name vna); prints the time
  down [--name NAME]   remove everything of the lab (idempotent, also after a failed up)
  status [--name NAME] namespaces, processes, libvirt networks, active breaks
  pids [--name NAME]   the pids of every process of the lab
  selftest [--name NAME]
                       check the healthy behaviours with real traffic; exit 1 naming what failed
  exec [--name NAME] -- CMD...
                       run CMD in the hypervisor's network namespace and libvirtd's private mount
                       namespace (the lab's /etc/libvirt, /run/libvirt, /var/lib/libvirt at standard paths)
  guest [--name NAME] GUEST -- CMD...
                       run CMD in a guest namespace (guests: nat1 nat2 nat6 routed isolated open bridged)
  lan [--name NAME] -- CMD...
                       run CMD in the LAN router namespace
  break CAUSE [--name NAME]     break the lab's real state (see: lab.sh break --list)
  break --list                  list the causes
  repair CAUSE|all [--name NAME]
                       undo one break; "all" undoes every break and reloads libvirt (healthy state)
  firewall TOOL [VARIANT] [--name NAME]
                       run a real host firewall manager in the lab (ufw, docker, firewalld, nftables);
                       lab.sh firewall list: the tools and variants (lab/firewalls.sh)
  help                 this text

The lab name may also come from VNETAUDIT_LAB_NAME. Names: lowercase letters and digits, 1-12 chars.
EOF
}

# ------------------------------------------------------------------------------------------- topology
# guest  network  bridge  tap  mac-suffix  ipv4/len  gw4  ipv6/len  gw6
GUEST_TABLE='
nat1     default    virbr0 vnet0 01 192.168.122.11/24 192.168.122.1 fd00:122::11/64     fd00:122::1
nat2     default    virbr0 vnet1 02 192.168.122.12/24 192.168.122.1 fd00:122::12/64     fd00:122::1
nat6     nat6       virbr1 vnet2 03 192.168.150.11/24 192.168.150.1 fd00:150::11/64     fd00:150::1
routed   routed     virbr2 vnet3 04 192.168.130.11/24 192.168.130.1 2001:db8:130::11/64 2001:db8:130::1
isolated isolated   virbr3 vnet4 05 192.168.140.11/24 192.168.140.1 fd00:140::11/64     fd00:140::1
open     open       virbr4 vnet5 06 192.168.160.11/24 192.168.160.1 fd00:160::11/64     fd00:160::1
bridged  hostbridge br0    vnet6 07 198.51.100.10/24  198.51.100.1  2001:db8:200::10/64 2001:db8:200::1
'
NETWORKS=(default nat6 routed isolated open hostbridge)
# Subnets the LAN router routes back through the hypervisor's uplink address.
LAN_ROUTES4=(192.168.122.0/24 192.168.150.0/24 192.168.130.0/24 192.168.140.0/24 192.168.160.0/24)
LAN_ROUTES6=(fd00:122::/64 fd00:150::/64 2001:db8:130::/64 fd00:140::/64 fd00:160::/64)
HV_UP4=203.0.113.2;  LAN_UP4=203.0.113.1;  HV_UP6=2001:db8:100::2; LAN_UP6=2001:db8:100::1
HV_BR4=198.51.100.2; LAN_SEG4=198.51.100.1; HV_BR6=2001:db8:200::2; LAN_SEG6=2001:db8:200::1

guest_names() { awk 'NF {print $1}' <<<"$GUEST_TABLE"; }
guest_field() { # guest_field GUEST COLUMN(1-based)
  awk -v g="$1" -v c="$2" '$1 == g {print $c}' <<<"$GUEST_TABLE"
}

# ------------------------------------------------------------------------------------------- helpers
die() { echo "lab: $*" >&2; exit 1; }
log() { echo "lab[$NAME]: $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

set_paths() {
  [[ "$NAME" =~ ^[a-z][a-z0-9]{0,11}$ ]] || die "bad lab name '$NAME' (lowercase letters and digits, 1-12, letter first)"
  L="$LAB_ROOT/$NAME"
  HV="$NAME-hv"
  LAN="$NAME-lan"
}
gns() { echo "$NAME-g-$1"; }
lab_netns() { # every netns of this lab that exists
  local f
  for f in /run/netns/"$NAME"-hv /run/netns/"$NAME"-lan /run/netns/"$NAME"-g-*; do
    [ -e "$f" ] && basename "$f"
  done
  return 0
}

hvx() { nsenter --mount="$L/mnt" --net="/run/netns/$HV" -- "$@"; }  # hv net ns + libvirtd's mounts
lanx() { ip netns exec "$LAN" "$@"; }
gx() { local g=$1; shift; ip netns exec "$(gns "$g")" "$@"; }
virsh_() { hvx virsh -q "$@"; }
backend() { cat "$L/backend" 2>/dev/null || echo unknown; }
require_lab() {
  [ -d "$L" ] && [ -e "/run/netns/$HV" ] || die "lab '$NAME' is not up (lab.sh up --name $NAME)"
}
sysctl_ns() { # sysctl_ns NETNS key=value...
  local ns=$1; shift
  nsenter --net="/run/netns/$ns" -- sysctl -qw "$@" >/dev/null
}
wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local limit=$1 what=$2; shift 2
  local t0=$SECONDS
  until "$@" >/dev/null 2>&1; do
    (( SECONDS - t0 >= limit )) && { echo "lab: timed out waiting for $what" >&2; return 1; }
    sleep 0.1
  done
}

# ------------------------------------------------------------------------------------------- up
make_netns() {
  local ns=$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  sysctl_ns "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

hv_sysctls_healthy() {
  sysctl_ns "$HV" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
    net.bridge.bridge-nf-call-arptables=0
}

hv_uplink_config() { # idempotent: addresses, link state and routes of the hv uplinks
  ip -n "$HV" link set eth-up up
  ip -n "$HV" addr replace "$HV_UP4/24" dev eth-up
  ip -n "$HV" addr replace "$HV_UP6/64" dev eth-up nodad
  ip -n "$HV" route replace default via "$LAN_UP4" dev eth-up
  ip -n "$HV" -6 route replace default via "$LAN_UP6" dev eth-up
  ip -n "$HV" link set eth-br up
  ip -n "$HV" link set br0 up
  ip -n "$HV" addr replace "$HV_BR4/24" dev br0
  ip -n "$HV" addr replace "$HV_BR6/64" dev br0 nodad
}

lan_routes_config() { # idempotent
  local r
  for r in "${LAN_ROUTES4[@]}"; do ip -n "$LAN" route replace "$r" via "$HV_UP4" dev eth-lan; done
  for r in "${LAN_ROUTES6[@]}"; do ip -n "$LAN" -6 route replace "$r" via "$HV_UP6" dev eth-lan; done
}

build_links() {
  ip -n "$HV" link add eth-up address 02:00:00:00:01:02 type veth peer name eth-lan netns "$LAN" address 02:00:00:00:01:01
  ip -n "$HV" link add eth-br address 02:00:00:00:02:02 type veth peer name eth-seg netns "$LAN" address 02:00:00:00:02:01
  ip -n "$HV" link add br0 address 02:00:00:00:02:03 type bridge stp_state 0 forward_delay 0
  ip -n "$HV" link set eth-br master br0
  ip -n "$LAN" link set eth-lan gso_max_segs 1 up
  ip -n "$LAN" link set eth-seg gso_max_segs 1 up
  ip -n "$LAN" addr add "$LAN_UP4/24" dev eth-lan
  ip -n "$LAN" addr add "$LAN_UP6/64" dev eth-lan nodad
  ip -n "$LAN" addr add "$LAN_SEG4/24" dev eth-seg
  ip -n "$LAN" addr add "$LAN_SEG6/64" dev eth-seg nodad
  sysctl_ns "$LAN" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  hv_uplink_config
  lan_routes_config
}

prepare_private_dirs() {
  mkdir -p "$L"/{etc,run,lib,log,cache,bin,pids,logs,breaks,xml}
  cp -a /etc/libvirt/. "$L/etc/"
  # a host's own network definitions must not leak into the lab
  rm -rf "$L/etc/qemu/networks" "$L/etc/qemu/autostart"
  mkdir -p "$L/etc/qemu/networks/autostart"
  sed -i '/^[[:space:]]*firewall_backend[[:space:]]*=/d' "$L/etc/network.conf"
  echo "firewall_backend = \"$BACKEND\"" >>"$L/etc/network.conf"
  sed -i '/^[[:space:]]*uri_default[[:space:]]*=/d' "$L/etc/libvirt.conf"
  echo 'uri_default = "network:///system"' >>"$L/etc/libvirt.conf"
  sed -i '/^[[:space:]]*log_outputs[[:space:]]*=/d' "$L/etc/libvirtd.conf"
  echo 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"' >>"$L/etc/libvirtd.conf"
  # no upstream resolvers: libvirt's dnsmasq must never forward a query out of the lab
  : >"$L/resolv.conf"
  cat >"$L/bin/tc" <<'TC'
#!/bin/sh
# This kernel has no act_csum; libvirt's nftables backend asks for "action csum" (DHCP checksum fix).
# Ignore exactly those calls, run everything else.
for a in "$@"; do [ "$a" = csum ] && exit 0; done
exec /usr/sbin/tc "$@"
TC
  chmod +x "$L/bin/tc"
  cp "$LAB_DIR"/networks/*.xml "$L/xml/"
}

make_mount_ns() {
  : >"$L/mnt"
  # A persistent mount namespace (bind-mounted on $L/mnt). Slave propagation: mounts from the host
  # (e.g. new /run/netns entries) still appear inside, nothing made inside propagates out.
  unshare --mount="$L/mnt" --propagation slave -- \
    nsenter --net="/run/netns/$HV" -- /bin/sh -ec '
      L=$1
      # sysfs of the hv network namespace (as "ip netns exec" does)
      umount -l /sys
      mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
      # a private /run: libvirt state and pid files never touch the host; host entries the lab needs
      # are bound back through an fd opened before the tmpfs hides them (no /run/dbus: no firewalld)
      exec 9</run 8<"$L"
      mount -t tmpfs -o mode=755,size=64m,nosuid,nodev vnetaudit-lab-run /run
      for e in netns vnetaudit-lab lock; do
        if [ -d /proc/self/fd/9/$e ]; then mkdir -p /run/$e; mount -c --rbind /proc/self/fd/9/$e /run/$e; fi
      done
      ln -s /dev/shm /run/shm
      mkdir -p /run/libvirt
      mount -c --bind /proc/self/fd/8/run /run/libvirt
      mount -c --bind /proc/self/fd/8/etc /etc/libvirt
      mount -c --bind /proc/self/fd/8/lib /var/lib/libvirt
      mount -c --bind /proc/self/fd/8/log /var/log/libvirt
      mount -c --bind /proc/self/fd/8/cache /var/cache/libvirt
      mount -c --bind /proc/self/fd/8/resolv.conf /etc/resolv.conf
    ' sh "$L"
}

libvirtd_pid() { # pid of this lab's libvirtd, if running
  local p
  p=$(cat "$L/run/libvirtd.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && [ -d "/proc/$p" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = libvirtd ] && echo "$p"
}

libvirtd_start() {
  # no inherited stdio: a caller capturing our output through a pipe must not wait for the daemon
  hvx env -i PATH="$L/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root LC_ALL=C \
    libvirtd -d -p /run/libvirt/libvirtd.pid </dev/null >>"$L/logs/libvirtd.out" 2>&1
  wait_for 20 "libvirtd socket" virsh_ net-list --all
}

libvirtd_stop() {
  local p
  p=$(libvirtd_pid) || return 0
  kill "$p"
  local i
  for i in $(seq 100); do
    [ -d "/proc/$p" ] && [ "$(awk '{print $3}' /proc/"$p"/stat 2>/dev/null)" != Z ] || return 0
    sleep 0.1
  done
  kill -9 "$p" 2>/dev/null || true
}

libvirt_rules() { # libvirt's own rules, sorted, without counters and without rules the lab tagged
  if [ "$(backend)" = nftables ]; then
    { hvx nft -s list table ip libvirt_network; hvx nft -s list table ip6 libvirt_network; } 2>/dev/null
  else
    { hvx iptables-save; hvx ip6tables-save; } 2>/dev/null | grep -E '^-A .*LIBVIRT_|^-A LIBVIRT_'
  fi | grep -v "$TAG" | sort
}

rules_settled() { # libvirt's rules equal the healthy set on 5 polls in a row (1 s without churn)
  local n=0 t0=$SECONDS
  while (( SECONDS - t0 < 30 )); do
    if [ "$(libvirt_rules)" = "$(cat "$L/ref-rules")" ]; then n=$((n + 1)); else n=0; fi
    [ $n -ge 5 ] && return 0
    sleep 0.2
  done
  return 1
}

define_networks() {
  local cmds="" n
  for n in "${NETWORKS[@]}"; do
    cmds+="net-define $L/xml/$n.xml; net-autostart $n; net-start $n; "
  done
  hvx virsh -q "$cmds" >/dev/null
}

attach_guest() { # idempotent: the guest's veth, its host end (vnetN) on the network's bridge
  local g=$1 ns bridge tap suf a4 gw4 a6 gw6
  ns=$(gns "$g"); bridge=$(guest_field "$g" 3); tap=$(guest_field "$g" 4); suf=$(guest_field "$g" 5)
  a4=$(guest_field "$g" 6); gw4=$(guest_field "$g" 7); a6=$(guest_field "$g" 8); gw6=$(guest_field "$g" 9)
  if ! ip -n "$HV" link show "$tap" >/dev/null 2>&1; then
    ip -n "$ns" link add eth0 address "52:54:00:1a:00:$suf" type veth \
      peer name "$tap" netns "$HV" address "fe:54:00:1a:00:$suf"
  fi
  ip -n "$HV" link set "$tap" master "$bridge"
  ip -n "$HV" link set "$tap" up
  # wire-sized frames, as a NIC puts on a wire: without this, veth carries 64 KiB GSO frames across
  # MTU boundaries and MTU faults would not show
  ip -n "$ns" link set eth0 gso_max_segs 1
  ip -n "$ns" link set eth0 up
  ip -n "$ns" addr replace "$a4" dev eth0
  ip -n "$ns" addr replace "$a6" dev eth0 nodad
  ip -n "$ns" route replace default via "$gw4" dev eth0
  ip -n "$ns" -6 route replace default via "$gw6" dev eth0
}

ports_forwarding() {
  local g tap
  for g in $(guest_names); do
    tap=$(guest_field "$g" 4)
    ip -n "$HV" -o link show "$tap" 2>/dev/null | grep -q ' state UP ' || return 1
  done
  # every bridge port (taps and eth-br) in forwarding state
  ! bridge -n "$HV" link show | grep -v 'state forwarding' | grep -q master
}

attach_all_guests() {
  local g
  for g in $(guest_names); do attach_guest "$g"; done
  wait_for 20 "bridge ports in forwarding state" ports_forwarding
}

start_server() { # start_server PIDNAME NETNS
  ip netns exec "$2" setsid "$PY" "$PROBE" serve "$PORT" --lab "$NAME" </dev/null >"$L/logs/$1.log" 2>&1 &
  echo $! >"$L/pids/$1.pid"
}

listening() { nsenter --net="/run/netns/$1" -- ss -Hltn "sport = :$PORT" | grep -q LISTEN; }

start_servers() {
  local g
  start_server lan "$LAN"
  for g in $(guest_names); do start_server "g-$g" "$(gns "$g")"; done
  wait_for 10 "LAN server" listening "$LAN"
  for g in $(guest_names); do wait_for 10 "server in guest $g" listening "$(gns "$g")"; done
}

fail_point() { # test hook: VNETAUDIT_LAB_FAIL_AT=POINT makes up fail there (to test its cleanup)
  [ "${VNETAUDIT_LAB_FAIL_AT:-}" != "$1" ] || die "failing on purpose at '$1' (VNETAUDIT_LAB_FAIL_AT)"
}

cmd_up() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  case "$BACKEND" in nftables|iptables) ;; *) die "backend must be nftables or iptables" ;; esac
  [ -e "$L" ] && die "lab '$NAME' exists ($L); run: lab.sh down --name $NAME"
  local ns
  for ns in "$HV" "$LAN"; do [ -e "/run/netns/$ns" ] && die "netns $ns exists; run: lab.sh down --name $NAME"; done
  [ -n "$(lab_netns)" ] && die "namespaces of lab '$NAME' exist; run: lab.sh down --name $NAME"
  local t0; UP_OK=0
  t0=$(now)
  mkdir -p "$LAB_ROOT"
  mkdir "$L" 2>/dev/null || die "lab '$NAME' is being created by another command"
  # from here on the lab is ours: any failure or interruption removes what was built
  trap 'rc=$?; if [ "$UP_OK" != 1 ]; then echo "lab: up failed (rc $rc), removing the half-built lab" >&2; do_down >&2 || true; fi' EXIT
  trap 'exit 130' INT TERM
  echo $$ >"$L/up.pid"
  mount --bind "$L" "$L"
  mount --make-private "$L"
  echo "$BACKEND" >"$L/backend"
  prepare_private_dirs

  make_netns "$HV"
  make_netns "$LAN"
  local g
  for g in $(guest_names); do make_netns "$(gns "$g")"; done
  hv_sysctls_healthy
  build_links
  fail_point links
  make_mount_ns
  fail_point mountns
  libvirtd_start
  fail_point libvirtd
  define_networks
  fail_point networks
  attach_all_guests
  fail_point guests
  start_servers
  fail_point servers
  libvirt_rules >"$L/ref-rules"
  rm -f "$L/up.pid"
  UP_OK=1
  trap - EXIT INT TERM
  log "up ($BACKEND backend) in $(elapsed "$t0") s"
}

# ------------------------------------------------------------------------------------------- down
ns_inode() { stat -L -c %i "$1" 2>/dev/null; }

lab_pids() {
  # Processes of the lab: those in its network namespaces or its mount namespace, plus (for leftovers
  # of an interrupted up/down whose namespaces are already gone) libvirtd started with the lab's PATH
  # and everything in that libvirtd's mount namespace, and the probe servers tagged --lab NAME.
  local want=() f
  for f in $(lab_netns); do want+=("net:[$(ns_inode "/run/netns/$f")]"); done
  if [ -e "$L/mnt" ] && grep -q " $L/mnt " /proc/self/mountinfo; then want+=("mnt:[$(ns_inode "$L/mnt")]"); fi
  "$PY" - "$L" "$NAME" "$$" "${want[@]}" <<'PYEOF'
import os, sys
lab, name, me = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
want = set(sys.argv[4:])
pids = [p for p in os.listdir("/proc") if p.isdigit() and p not in (me, str(os.getpid()))]
def ns(p, kind):
    try:
        return os.readlink(f"/proc/{p}/ns/{kind}")
    except OSError:
        return None
def read(p, what):
    try:
        with open(f"/proc/{p}/{what}", "rb") as f:
            return f.read()
    except OSError:
        return b""
marker = f"PATH={lab}/bin:".encode()
fwtag = b"VNETAUDIT_LAB=" + name  # daemons of lab/firewalls.sh (dockerd, firewalld, dbus-daemon...)
for p in pids:
    env = read(p, "environ").split(b"\0")
    if (read(p, "comm").strip() == b"libvirtd" and any(e.startswith(marker) for e in env)) or fwtag in env:
        m = ns(p, "mnt")
        if m:
            want.add(m)
for p in pids:
    if ns(p, "net") in want or ns(p, "mnt") in want:
        print(p)
        continue
    argv = read(p, "cmdline").split(b"\0")
    if any(a.endswith(b"probe.py") for a in argv) and b"--lab" in argv:
        i = argv.index(b"--lab")
        if i + 1 < len(argv) and argv[i + 1] == name:
            print(p)
PYEOF
}

alive() { # a pid that is still a live (non-zombie) process
  [ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

do_down() {
  local pids p i
  pids=$(lab_pids)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    for i in $(seq 50); do
      local left=""
      for p in $pids; do alive "$p" && left+=" $p"; done
      [ -z "$left" ] && break
      sleep 0.1
    done
    for p in $pids; do alive "$p" && kill -9 "$p" 2>/dev/null || true; done
    # daemonized processes (libvirtd, dnsmasq) were reparented to init: give it a moment to reap them
    for i in $(seq 50); do
      local z=""
      for p in $pids; do [ -d "/proc/$p" ] && z+=" $p"; done
      [ -z "$z" ] && break
      sleep 0.1
    done
  fi
  if grep -q " $L/mnt " /proc/self/mountinfo 2>/dev/null; then umount "$L/mnt"; fi
  local ns
  for ns in $(lab_netns); do ip netns del "$ns"; done
  while grep -q " $L " /proc/self/mountinfo 2>/dev/null; do umount "$L"; done
  rm -rf "$L"
  rmdir "$LAB_ROOT" 2>/dev/null || true
  # verify
  local bad=0
  [ -z "$(lab_netns)" ] || { echo "lab: namespaces left: $(lab_netns | xargs)" >&2; bad=1; }
  [ ! -e "$L" ] || { echo "lab: $L left" >&2; bad=1; }
  if grep -q "$L" /proc/self/mountinfo; then echo "lab: mounts left under $L" >&2; bad=1; fi
  for p in $pids; do alive "$p" && { echo "lab: process $p left" >&2; bad=1; }; done
  return $bad
}

dead() { ! alive "$1"; }

cmd_down() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  local t0 p
  t0=$(now)
  # an 'up' of this lab still running (e.g. a test harness timed out): stop it first, its trap cleans up
  if p=$(cat "$L/up.pid" 2>/dev/null) && [ "$p" != $$ ] && alive "$p" && grep -q lab.sh "/proc/$p/cmdline"; then
    echo "lab: an 'up' of lab $NAME is running (pid $p); stopping it first" >&2
    kill "$p" 2>/dev/null || true
    wait_for 30 "the running up to stop" dead "$p" || kill -9 "$p" 2>/dev/null || true
  fi
  do_down
  log "down in $(elapsed "$t0") s"
}

# ------------------------------------------------------------------------------------------- status
cmd_status() {
  if [ ! -d "$L" ] && [ -z "$(lab_netns)" ]; then echo "lab $NAME: not up"; return 3; fi
  echo "lab $NAME: backend $(backend), state dir $L"
  echo "namespaces: $(lab_netns | xargs)"
  local p
  if p=$(libvirtd_pid); then echo "libvirtd: pid $p"; else echo "libvirtd: NOT RUNNING"; fi
  local f n
  for n in "${NETWORKS[@]}"; do
    f="$L/run/network/$n.pid"
    [ -e "$f" ] || continue
    p=$(cat "$f"); echo "dnsmasq $n: pid $p $(alive "$p" && echo running || echo DEAD)"
  done
  if libvirtd_pid >/dev/null; then virsh_ net-list --all; fi
  local b=()
  for f in "$L"/breaks/*; do [ -e "$f" ] && b+=("$(basename "$f")"); done
  echo "active breaks: ${b[*]:-none}"
  fw_status
}

# ------------------------------------------------------------------------------------------- selftest
# Checks are declared in order, run in parallel (each one is a short probe between lab namespaces),
# and reported in order.
ST_SPEC=()
section() { ST_SPEC+=("S $(printf '%q' "$1")"); }
check() { # check ok|blocked|peer=ADDR DESC CMD...
  local kind=$1 desc=$2; shift 2
  ST_SPEC+=("C $kind $(printf '%q' "$desc") $(printf '%q ' "$@")")
}
run_check() { # run_check KIND CMD... -> prints "ok" or "FAIL detail"
  local kind=$1 out rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  case "$kind" in
    ok) if [ $rc = 0 ]; then echo ok; else echo "FAIL $out"; fi ;;
    blocked) if [ $rc = 0 ]; then echo "FAIL unexpectedly got through: $out"; else echo ok; fi ;;
    peer=*)
      if [ $rc != 0 ]; then echo "FAIL $out"
      elif grep -qx "$kind" <<<"$out"; then echo ok
      else echo "FAIL server saw $(grep peer= <<<"$out"), expected ${kind#peer=}"; fi ;;
  esac
}
gp() { local g=$1; shift; gx "$g" "$PY" "$PROBE" "$@"; }
lp() { lanx "$PY" "$PROBE" "$@"; }

selftest_spec() {
  local t=1.5 # timeout for connections that must fail
  section "nat network 'default' (virbr0):"
  check ok "nat1 -> nat2 ping (same bridge)" gp nat1 ping 192.168.122.12
  check ok "nat1 -> nat2 ping6 (same bridge)" gp nat1 ping fd00:122::12
  check ok "nat2 -> nat1 tcp (same bridge)" gp nat2 tcp 192.168.122.11 $PORT
  check ok "nat1 -> host 192.168.122.1 ping" gp nat1 ping 192.168.122.1
  check ok "nat1 DNS gateway.lab via dnsmasq on 192.168.122.1" gp nat1 dns 192.168.122.1 gateway.lab
  check ok "nat1 DHCP offer on eth0" gp nat1 dhcp eth0
  check "peer=$HV_UP4" "nat1 -> LAN tcp, masqueraded to the uplink address" gp nat1 tcp "$LAN_UP4" $PORT
  check "peer=fd00:122::11" "nat1 -> LAN tcp6, routed with the guest's address" gp nat1 tcp "$LAN_UP6" $PORT
  check ok "nat1 -> LAN bulk upload 1 MiB (path MTU)" gp nat1 tcp "$LAN_UP4" $PORT --send 1048576 --timeout 5
  check blocked "LAN -> nat1 new tcp connection refused" lp tcp 192.168.122.11 $PORT --timeout $t
  section "nat network 'nat6' (virbr1, <nat ipv6='yes'/>):"
  check "peer=$HV_UP4" "nat6 -> LAN tcp, masqueraded" gp nat6 tcp "$LAN_UP4" $PORT
  check "peer=$HV_UP6" "nat6 -> LAN tcp6, masqueraded" gp nat6 tcp "$LAN_UP6" $PORT
  check blocked "LAN -> nat6 new tcp6 connection refused" lp tcp fd00:150::11 $PORT --timeout $t
  section "routed network 'routed' (virbr2, dev eth-up):"
  check peer=192.168.130.11 "routed -> LAN tcp with own address" gp routed tcp "$LAN_UP4" $PORT
  check peer=2001:db8:130::11 "routed -> LAN tcp6 with own address" gp routed tcp "$LAN_UP6" $PORT
  check "peer=$LAN_UP4" "LAN -> routed tcp" lp tcp 192.168.130.11 $PORT
  section "isolated network 'isolated' (virbr3):"
  check ok "isolated -> host 192.168.140.1 ping" gp isolated ping 192.168.140.1
  check ok "isolated -> host fd00:140::1 ping6" gp isolated ping fd00:140::1
  check blocked "isolated -> LAN tcp blocked" gp isolated tcp "$LAN_UP4" $PORT --timeout $t
  check blocked "isolated -> LAN tcp6 blocked" gp isolated tcp "$LAN_UP6" $PORT --timeout $t
  check blocked "LAN -> isolated tcp blocked" lp tcp 192.168.140.11 $PORT --timeout $t
  section "open network 'open' (virbr4):"
  check peer=192.168.160.11 "open -> LAN tcp with own address" gp open tcp "$LAN_UP4" $PORT
  check peer=fd00:160::11 "open -> LAN tcp6 with own address" gp open tcp "$LAN_UP6" $PORT
  check "peer=$LAN_SEG4" "LAN (from $LAN_SEG4, asymmetric return via br0) -> open tcp" \
    lp tcp 192.168.160.11 $PORT --src "$LAN_SEG4"
  section "bridged network 'hostbridge' (br0 + eth-br):"
  check ok "bridged -> LAN ping on the segment" gp bridged ping "$LAN_SEG4"
  check peer=198.51.100.10 "bridged -> LAN tcp with own address" gp bridged tcp "$LAN_SEG4" $PORT
  check peer=2001:db8:200::10 "bridged -> LAN tcp6 with own address" gp bridged tcp "$LAN_SEG6" $PORT
  check "peer=$LAN_SEG4" "LAN -> bridged tcp" lp tcp 198.51.100.10 $PORT
}

cmd_selftest() {
  require_lab
  local t0 tmp i line kind desc res pass=0 failed=()
  t0=$(now)
  tmp=$(mktemp -d /tmp/vnetaudit-lab-selftest.XXXXXX)
  selftest_spec
  for i in "${!ST_SPEC[@]}"; do
    line=${ST_SPEC[$i]}
    [ "${line:0:1}" = C ] || continue
    eval "set -- ${line:2}"
    kind=$1; shift 2
    run_check "$kind" "$@" >"$tmp/$i" 2>&1 &
  done
  wait
  echo "selftest of lab $NAME ($(backend) backend)"
  for i in "${!ST_SPEC[@]}"; do
    line=${ST_SPEC[$i]}
    eval "set -- ${line:2}"
    if [ "${line:0:1}" = S ]; then echo "$1"; continue; fi
    desc=$2
    res=$(tr '\n' ' ' <"$tmp/$i" | sed 's/ *$//')
    if [ "$res" = ok ]; then
      pass=$((pass + 1)); echo "  ok    $desc"
    else
      failed+=("$desc"); echo "  FAIL  $desc: ${res#FAIL }"
    fi
  done
  rm -rf "$tmp"
  echo "selftest: $pass passed, ${#failed[@]} failed in $(elapsed "$t0") s"
  if [ ${#failed[@]} -gt 0 ]; then
    printf 'failed: %s\n' "${failed[@]}"
    return 1
  fi
}

# ------------------------------------------------------------------------------------------- breaks
source "$LAB_DIR/breaks.sh"

# ------------------------------------------------------------------------------------------- firewall managers
source "$LAB_DIR/firewalls.sh"

# ------------------------------------------------------------------------------------------- main
main() {
  local cmd=${1:-help}
  [ $# -gt 0 ] && shift
  NAME=${VNETAUDIT_LAB_NAME:-vna}
  BACKEND=nftables
  local pos=() rest=() list=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) NAME=${2:?--name needs a value}; shift 2 ;;
      --name=*) NAME=${1#--name=}; shift ;;
      --backend) BACKEND=${2:?--backend needs a value}; shift 2 ;;
      --backend=*) BACKEND=${1#--backend=}; shift ;;
      --list) list=1; shift ;;
      -h|--help) usage; exit 0 ;;
      --) shift; rest=("$@"); break ;;
      *) pos+=("$1"); shift ;;
    esac
  done
  set_paths
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    selftest) cmd_selftest ;;
    exec)
      require_lab
      [ ${#rest[@]} -gt 0 ] || die "usage: lab.sh exec [--name NAME] -- CMD..."
      # stay in the current directory when it exists in the lab's mount namespace too, else /
      exec nsenter --mount="$L/mnt" --net="/run/netns/$HV" -- \
        /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' sh "$PWD" "${rest[@]}" ;;
    guest)
      require_lab
      [ ${#pos[@]} -eq 1 ] && [ ${#rest[@]} -gt 0 ] || die "usage: lab.sh guest [--name NAME] GUEST -- CMD..."
      [ -e "/run/netns/$(gns "${pos[0]}")" ] || die "no guest '${pos[0]}' (guests: $(guest_names | xargs))"
      exec ip netns exec "$(gns "${pos[0]}")" "${rest[@]}" ;;
    lan)
      require_lab
      [ ${#rest[@]} -gt 0 ] || die "usage: lab.sh lan [--name NAME] -- CMD..."
      exec ip netns exec "$LAN" "${rest[@]}" ;;
    break)
      if [ "$list" = 1 ]; then break_list; exit 0; fi
      [ ${#pos[@]} -eq 1 ] || die "usage: lab.sh break CAUSE [--name NAME]  (lab.sh break --list)"
      require_lab
      do_break "${pos[0]}" ;;
    repair)
      [ ${#pos[@]} -eq 1 ] || die "usage: lab.sh repair CAUSE|all [--name NAME]"
      require_lab
      do_repair "${pos[0]}" ;;
    firewall)
      if [ "${pos[0]:-}" = list ] || [ ${#pos[@]} -eq 0 ]; then fw_list; exit 0; fi
      [ ${#pos[@]} -le 2 ] || die "usage: lab.sh firewall TOOL [VARIANT] [--name NAME]  (lab.sh firewall list)"
      require_lab
      cmd_firewall "${pos[@]}" ;;
    pids) # every process of the lab (also leftovers of an interrupted up or down)
      lab_pids ;;
    proof) # internal (test-breaks.sh): exit 0 when the broken state of CAUSE is observable
      [ ${#pos[@]} -eq 1 ] || die "usage: lab.sh proof CAUSE [--name NAME]"
      require_lab
      declare -F "proof_${pos[0]//-/_}" >/dev/null || die "no proof for '${pos[0]}'"
      "proof_${pos[0]//-/_}" ;;
    help|-h|--help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"

#!/bin/sh
# Captures real libvirt state files for the parser fixtures. Runs a throwaway libvirtd inside a
# network namespace and a private mount namespace, so the host's /etc/libvirt, /run/libvirt and
# /var/lib/libvirt are never touched. Usage: capture.sh BACKEND DEFS_DIR OUT_DIR NETWORKS...
# (`transient` is created without a definition, `dormant` defined but not started.)
# Used for host-nftables (all of definitions/) and host-iptables (default routed); processes.json
# was then written by hand from processes.txt.
set -eu
backend=$1; defs=$2; out=$3; shift 3
work=$(mktemp -d /tmp/vnat-lvcap.XXXXXX)
ns=vnat-lvcap-$$
mkdir -p "$work/etc" "$work/run" "$work/lib" "$work/cache" "$work/log" "$work/bin"
cp -a /etc/libvirt/. "$work/etc/"
echo "firewall_backend = \"$backend\"" >> "$work/etc/network.conf"
# This kernel lacks act_csum; libvirt's nftables backend asks tc for it. Skip those calls only.
cat > "$work/bin/tc" <<'TC'
#!/bin/sh
case "$*" in *csum*) exit 0;; esac
exec /usr/sbin/tc "$@"
TC
chmod +x "$work/bin/tc"
ip netns add "$ns"
cleanup() { for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done; sleep 0.5; ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns exec "$ns" unshare --mount --propagation private sh -u -c '
  work=$1; defs=$2; shift 2
  mount -t tmpfs tmpfs /run
  mkdir -p /run/libvirt
  mount --bind "$work/run" /run/libvirt
  mount --bind "$work/etc" /etc/libvirt
  mount --bind "$work/lib" /var/lib/libvirt
  mount --bind "$work/cache" /var/cache/libvirt
  mount --bind "$work/log" /var/log/libvirt
  mount -t tmpfs tmpfs /srv; mkdir /srv/tftp
  ip link set lo up
  ip link add uplink0 type veth peer name uplink0p; ip link set uplink0 up; ip link set uplink0p up
  ip addr add 203.0.113.2/24 dev uplink0; ip route add default via 203.0.113.1
  ip link add br0 type bridge; ip link set br0 up
  PATH="$work/bin:$PATH" /usr/sbin/libvirtd -d
  for i in $(seq 50); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.2; done
  v() { virsh -q -c network:///system "$@"; }
  for n in "$@"; do
    case $n in
      transient) v net-create "$defs/$n.xml" ;;
      dormant) v net-define "$defs/$n.xml" ;;
      *) v net-define "$defs/$n.xml"; v net-start "$n"; v net-autostart "$n" ;;
    esac
  done
  # Saved in the layout of a snapshot raw/libvirt tree: autostart symlinks become files holding
  # the link target; processes.txt lists pid files with the command of each live pid.
  c="$work/capture"
  mkdir -p "$c/etc/qemu/networks/autostart" "$c/run/network" "$c/lib/dnsmasq"
  cp /etc/libvirt/network.conf "$c/etc/"
  cp /etc/libvirt/qemu/networks/*.xml "$c/etc/qemu/networks/"
  for l in /etc/libvirt/qemu/networks/autostart/*.xml; do
    [ -e "$l" ] && printf "%s" "$(readlink "$l")" > "$c/etc/qemu/networks/autostart/$(basename "$l")"
  done
  cp /run/libvirt/network/*.xml "$c/run/network/"
  for p in /run/libvirt/network/*.pid; do
    [ "$(basename "$p")" = driver.pid ] && continue
    cp "$p" "$c/run/network/"
    echo "$p $(cat "$p") $(cat /proc/$(cat "$p")/comm)" >> "$c/processes.txt"
  done
  cp /var/lib/libvirt/dnsmasq/*.conf /var/lib/libvirt/dnsmasq/*.status "$c/lib/dnsmasq/"
  for n in $(v net-list --name); do v net-destroy "$n" >/dev/null || true; done
  kill "$(cat /run/libvirtd.pid)"
  sleep 1
' sh "$work" "$defs" "$@" || true
rm -rf "$out"; mv "$work/capture" "$out"; rm -rf "$work"
echo "captured into $out"

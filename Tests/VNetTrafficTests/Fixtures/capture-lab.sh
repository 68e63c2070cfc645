#!/bin/bash
# Makes the lab fixtures of Tests/VNetTrafficTests: for one state of a running lab, captures virbr0
# (default, nat), virbr2 (routed), virbr3 (isolated), vnet6 (hostbridge's guest port), eth-br (its LAN
# port) and eth-up (the uplink) while guests and the LAN router make a little real traffic with
# lab/probe.py, then saves the host state as `vnetaudit show --format json`.
# Snap length 400: DHCP's message type sits past byte 282 of the frame.
#   capture-lab.sh LAB NAME   (run from the repository root, lab up, break applied; NAME: BACKEND-STATE)
# Output: Tests/VNetTrafficTests/Fixtures/lab/NAME/{IFACE.pcap,host.json.gz}
set -u
lab=$1 name=$2
out=Tests/VNetTrafficTests/Fixtures/lab/$name
mkdir -p "$out"
export VNETAUDIT_LAB_NAME=$lab
L=lab/lab.sh
probe=$PWD/lab/probe.py
pids=()
for i in virbr0 virbr2 virbr3 vnet6 eth-br eth-up; do
  $L exec -- tcpdump -q -n -s 400 -i "$i" -w "$PWD/$out/$i.pcap" >/dev/null 2>&1 &
  pids+=($!)
done
sleep 1.5
g() { local guest=$1; shift; $L guest "$guest" -- python3 "$probe" "$@" || true; }
lan() { $L lan -- python3 "$probe" "$@" || true; }
# default (nat): DHCP, DNS, outbound v4 (translated) and v6 (routed), refused inbound
g nat1 dhcp eth0 --timeout 5
g nat1 dns 192.168.122.1 gateway.lab --timeout 2
g nat1 tcp 203.0.113.1 8080
g nat1 ping 203.0.113.1 --count 2
g nat1 tcp 2001:db8:100::1 8080
lan tcp 192.168.122.11 8080 --timeout 1.5
# routed: both directions
g routed tcp 203.0.113.1 8080 --timeout 2
g routed tcp 2001:db8:100::1 8080 --timeout 2
lan tcp 192.168.130.11 8080 --timeout 2
# isolated: the host only; the LAN neither way
g isolated ping 192.168.140.1 --count 2
g isolated tcp 203.0.113.1 8080 --timeout 1.5
lan tcp 192.168.140.11 8080 --timeout 1.5
# hostbridge (bridge mode): guest and LAN segment both ways
g bridged tcp 198.51.100.1 8080
lan tcp 198.51.100.10 8080
sleep 1.5
for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done
wait
$L exec -- .build/debug/vnetaudit show --format json | gzip -9 > "$out/host.json.gz"
ls -la "$out"

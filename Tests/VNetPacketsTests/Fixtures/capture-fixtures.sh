#!/usr/bin/env bash
# Captures the real frames the decoder tests read (run as root; makes and removes its own namespaces).
#   dxA (client) --veth 1500-- dxR (router, dnsmasq DHCP) --veth mtu 1280-- dxB (DNS over UDP and TCP)
# Addresses are documentation ranges, only inside these namespaces. Writes, next to this script:
#   client-ethernet.pcap (LINKTYPE_ETHERNET), client-any-sll2.pcap (tcpdump -i any),
#   client-any-sll.pcap (-y LINUX_SLL), client-snap64.pcap (snap length 64: truncated frames).
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cleanup() {
    for ns in dxA dxR dxB; do ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
    sleep 0.5
    for ns in dxA dxR dxB; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
A="ip netns exec dxA"; R="ip netns exec dxR"; B="ip netns exec dxB"
for ns in dxA dxR dxB; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add dxa0 netns dxA type veth peer name dxr0 netns dxR
ip link add dxr1 netns dxR type veth peer name dxb0 netns dxB
$A ip link set dxa0 address 02:00:00:00:0a:01; $R ip link set dxr0 address 02:00:00:00:0a:02
$R ip link set dxr1 mtu 1280; $B ip link set dxb0 mtu 1280
$A sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
$R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
$B sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
$A ip addr add 192.0.2.10/24 dev dxa0; $A ip addr add 2001:db8:1::10/64 dev dxa0 nodad
$R ip addr add 192.0.2.1/24 dev dxr0;  $R ip addr add 2001:db8:1::1/64 dev dxr0 nodad
$R ip addr add 198.51.100.1/24 dev dxr1; $R ip addr add 2001:db8:2::1/64 dev dxr1 nodad
$B ip addr add 198.51.100.53/24 dev dxb0; $B ip addr add 2001:db8:2::53/64 dev dxb0 nodad
for x in "$A ip link set dxa0 up" "$R ip link set dxr0 up" "$R ip link set dxr1 up" "$B ip link set dxb0 up"; do $x; done
$A ip route add default via 192.0.2.1; $A ip -6 route add default via 2001:db8:1::1
$B ip route add default via 198.51.100.1; $B ip -6 route add default via 2001:db8:2::1

# DNS over UDP and TCP on B: NXDOMAIN for every question.
cat > "$work/dns.py" <<'PY'
import socket, struct, threading
def answer(query):
    return query[:2] + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + query[12:]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 53)); t.listen(1)
def tcp():
    c, _ = t.accept(); n = struct.unpack("!H", c.recv(2))[0]; q = c.recv(n)
    r = answer(q); c.sendall(struct.pack("!H", len(r)) + r); c.close()
threading.Thread(target=tcp, daemon=True).start()
q, peer = u.recvfrom(512); u.sendto(answer(q), peer)
threading.Event().wait(3)
PY
cat > "$work/client.py" <<'PY'
import socket, struct, sys, time
def query(qid, name):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack("!HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(query(0x1234, "gateway.lab"), ("198.51.100.53", 53)); u.recvfrom(512)
u.sendto(b"closed port", ("198.51.100.53", 9))
time.sleep(0.3)
t = socket.create_connection(("198.51.100.53", 53), timeout=2)
q = query(0x4321, "tcp.gateway.lab"); t.sendall(struct.pack("!H", len(q)) + q)
n = struct.unpack("!H", t.recv(2))[0]; t.recv(n); t.close()
# DHCP discover from this MAC; dnsmasq on the router offers.
mac = bytes.fromhex("020000000a01")
d = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, 0xdeadbeef, 0, 0x8000, bytes(4), bytes(4), bytes(4),
                bytes(4), mac + bytes(10), bytes(64), bytes(128))
d += bytes.fromhex("63825363") + bytes([53, 1, 1, 55, 2, 1, 3, 255])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"dxa0"); s.bind(("0.0.0.0", 68)); s.settimeout(3)
s.sendto(d, ("255.255.255.255", 67))
try: s.recvfrom(1500)
except socket.timeout: print("no DHCP offer", file=sys.stderr)
PY
$B python3 "$work/dns.py" & 
$R dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=dxr0 --bind-interfaces \
    --dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-leasefile="$work/leases" --pid-file="$work/dnsmasq.pid" \
    --dhcp-authoritative >/dev/null 2>&1 &
sleep 1
$A tcpdump -q -i dxa0 -w "$work/eth.pcap" 2>/dev/null & 
$A tcpdump -q -i any -w "$work/sll2.pcap" 2>/dev/null &
$A tcpdump -q -i any -y LINUX_SLL -w "$work/sll.pcap" 2>/dev/null &
$A tcpdump -q -i dxa0 -s 64 -w "$work/snap.pcap" 2>/dev/null &
sleep 1.5
$A ping -q -c1 -W1 198.51.100.53 >/dev/null
$A ping -q -c1 -W1 2001:db8:2::53 >/dev/null
$A ping -q -c1 -W1 -M do -s 1400 198.51.100.53 >/dev/null || true
$A ping -q -c1 -W1 -s 1400 2001:db8:2::53 >/dev/null || true
$A ping -q -c1 -W1 -M dont -s 2000 192.0.2.1 >/dev/null
$A ping -q -c1 -W1 -t 1 198.51.100.53 >/dev/null || true
$A python3 "$work/client.py"
sleep 1
for ns in dxA; do ip netns pids $ns | xargs -r kill -INT; done
sleep 1
cp "$work/eth.pcap" "$out/client-ethernet.pcap"; cp "$work/sll2.pcap" "$out/client-any-sll2.pcap"
cp "$work/sll.pcap" "$out/client-any-sll.pcap"; cp "$work/snap.pcap" "$out/client-snap64.pcap"

#!/usr/bin/env python3
"""Traffic probes for the vnetaudit lab (standard library only, run as root inside a lab namespace).

  probe.py serve PORT                 TCP server on [::]:PORT (v4 and v6). For each connection it sends
                                      "peer=ADDR", reads until EOF and answers "bytes=N".
  probe.py tcp HOST PORT [--send N | --recv N] [--src ADDR] [--timeout S]
                                      connect, print the peer address the server saw, then either send
                                      N bytes and print the count the server confirmed, or download
                                      N bytes from the server. Exit 0 on success.
  probe.py ping HOST [--src ADDR] [--size N] [--count N] [--timeout S] [--df]
                                      ICMP / ICMPv6 echo through a raw socket. Exit 0 if any reply came.
  probe.py dns SERVER NAME [--timeout S]
                                      one UDP DNS query for an A record; prints rcode and answers.
                                      Exit 0 if an address came back.
  probe.py dhcp IFACE [--timeout S]   DHCPDISCOVER on IFACE; prints the offer. Exit 0 if one came.

Every failure prints one line "FAIL <kind>: <detail>" and exits 1; bad usage exits 2.
"""
import argparse
import ipaddress
import os
import random
import select
import socket
import struct
import sys
import threading
import time


def fail(kind, detail):
    print(f"FAIL {kind}: {detail}")
    sys.exit(1)


def family_of(addr):
    return socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET


def clean_peer(addr):
    return addr[7:] if addr.startswith("::ffff:") else addr


# ---------------------------------------------------------------- serve
def handle(conn, peer):
    try:
        conn.settimeout(30)
        conn.sendall(f"peer={clean_peer(peer[0])}\n".encode())
        total, head = 0, b""
        while True:
            data = conn.recv(65536)
            if not data:
                break
            if len(head) < 32:
                head += data[:32]
            total += len(data)
        if head.startswith(b"GET "):  # download request: send N bytes, then close
            left = int(head[4:].split(b"\n")[0])
            chunk = b"y" * 65536
            while left > 0:
                left -= conn.send(chunk[: min(left, len(chunk))])
        else:
            conn.sendall(f"bytes={total}\n".encode())
    except OSError:
        pass
    finally:
        conn.close()


def cmd_serve(a):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    s.listen(64)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


# ---------------------------------------------------------------- tcp
def read_line(s, deadline):
    buf = b""
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no answer")
        s.settimeout(left)
        chunk = s.recv(256)
        if not chunk:
            raise ConnectionError("closed before answer")
        buf += chunk
    return buf.decode().strip()


def cmd_tcp(a):
    fam = family_of(a.host)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.src:
        s.bind((a.src, 0))
    deadline = time.monotonic() + a.timeout
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
    except socket.timeout:
        fail("timeout", f"connect {a.host}:{a.port}")
    except ConnectionRefusedError:
        fail("refused", f"connect {a.host}:{a.port}")
    except OSError as e:
        fail("unreachable", f"connect {a.host}:{a.port}: {e.strerror or e}")
    try:
        print(read_line(s, deadline))
        if a.recv:
            s.sendall(f"GET {a.recv}\n".encode())
            s.shutdown(socket.SHUT_WR)
            got = 0
            while True:
                s.settimeout(max(0.01, deadline - time.monotonic()))
                data = s.recv(65536)
                if not data:
                    break
                got += len(data)
            print(f"received={got}")
            if got != a.recv:
                fail("short", f"received {got} of {a.recv} bytes")
            sys.exit(0)
        chunk = b"x" * 65536
        left = a.send
        while left > 0:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            n = s.send(chunk[: min(left, len(chunk))])
            left -= n
        s.shutdown(socket.SHUT_WR)
        line = read_line(s, deadline)
        print(line)
        if line != f"bytes={a.send}":
            fail("short", f"server confirmed {line}, sent {a.send}")
    except socket.timeout:
        fail("timeout", f"transfer with {a.host}:{a.port} stalled")
    except OSError as e:
        fail("reset", f"transfer with {a.host}:{a.port}: {e}")
    sys.exit(0)


# ---------------------------------------------------------------- ping
def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def cmd_ping(a):
    fam = family_of(a.host)
    if fam == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req_type, rep_type = 8, 0
        if a.df:
            s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req_type, rep_type = 128, 129
        if a.df:
            s.setsockopt(socket.IPPROTO_IPV6, 23, 2)  # IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DO
    if a.src:
        s.bind((a.src, 0))
    ident = random.randrange(1, 0xFFFF)
    payload = bytes((i & 0xFF) for i in range(a.size))
    got = 0
    for seq in range(1, a.count + 1):
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        pkt = hdr + payload
        if fam == socket.AF_INET:
            pkt = struct.pack("!BBHHH", req_type, 0, checksum(pkt), ident, seq) + payload
        try:
            s.sendto(pkt, (a.host, 0))
        except OSError as e:
            print(f"seq={seq} send error: {e.strerror or e}")
            continue
        deadline = time.monotonic() + a.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                print(f"seq={seq} timeout")
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                continue
            data, src = s.recvfrom(65536)
            if fam == socket.AF_INET:
                data = data[(data[0] & 0x0F) * 4:]
            if len(data) >= 8:
                t, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
                if t == rep_type and rid == ident and rseq == seq:
                    print(f"seq={seq} reply from {src[0]} bytes={len(data)}")
                    got += 1
                    break
    if got == 0:
        fail("noreply", f"ping {a.host}: 0/{a.count} replies")
    print(f"{got}/{a.count} replies")
    sys.exit(0)


# ---------------------------------------------------------------- dns
def cmd_dns(a):
    qid = random.randrange(0, 0xFFFF)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in a.name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(family_of(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    try:
        s.sendto(q, (a.server, 53))
        while True:
            data, _ = s.recvfrom(4096)
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                break
    except socket.timeout:
        fail("timeout", f"no DNS answer from {a.server}")
    except ConnectionRefusedError:
        fail("refused", f"DNS to {a.server} refused (ICMP port unreachable)")
    except OSError as e:
        fail("error", f"DNS to {a.server}: {e.strerror or e}")
    flags, qd, an = struct.unpack("!HHH", data[2:8])
    rcode = flags & 0xF
    off = 12
    for _ in range(qd):
        while data[off] != 0:
            off += data[off] + 1
        off += 5
    answers = []
    for _ in range(an):
        if data[off] & 0xC0 == 0xC0:
            off += 2
        else:
            while data[off] != 0:
                off += data[off] + 1
            off += 1
        typ, _, _, rdlen = struct.unpack("!HHIH", data[off:off + 10])
        off += 10
        if typ == 1 and rdlen == 4:
            answers.append(socket.inet_ntoa(data[off:off + 4]))
        off += rdlen
    print(f"rcode={rcode} answers={','.join(answers) or '-'}")
    if not answers:
        fail("noanswer", f"{a.name} not resolved by {a.server} (rcode {rcode})")
    sys.exit(0)


# ---------------------------------------------------------------- dhcp
def cmd_dhcp(a):
    try:
        with open(f"/sys/class/net/{a.iface}/address") as f:
            mac = bytes.fromhex(f.read().strip().replace(":", ""))
    except OSError as e:
        fail("error", f"interface {a.iface}: {e}")
    xid = random.randrange(0, 0xFFFFFFFF)
    pkt = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
                      b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4, mac + b"\0" * 10, b"", b"")
    pkt += b"\x63\x82\x53\x63" + bytes([53, 1, 1, 55, 3, 1, 3, 6, 255])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("0.0.0.0", 68))
    # like a real client: retransmit (dnsmasq pings a new address before offering it)
    deadline = time.monotonic() + a.timeout
    next_send = 0.0
    while True:
        now = time.monotonic()
        left = deadline - now
        if left <= 0:
            fail("timeout", f"no DHCPOFFER on {a.iface}")
        if now >= next_send:
            s.sendto(pkt, ("255.255.255.255", 67))
            next_send = now + 1.0
        s.settimeout(max(0.01, min(left, next_send - now)))
        try:
            data, src = s.recvfrom(4096)
        except socket.timeout:
            continue
        if len(data) < 240 or data[0] != 2 or struct.unpack("!I", data[4:8])[0] != xid:
            continue
        yiaddr = socket.inet_ntoa(data[16:20])
        opts, i, info = data[240:], 0, {}
        while i < len(opts) and opts[i] != 255:
            if opts[i] == 0:
                i += 1
                continue
            info[opts[i]] = opts[i + 2:i + 2 + opts[i + 1]]
            i += 2 + opts[i + 1]
        server = socket.inet_ntoa(info[54]) if 54 in info else src[0]
        router = socket.inet_ntoa(info[3][:4]) if 3 in info and len(info[3]) >= 4 else "-"
        print(f"offer={yiaddr} server={server} router={router}")
        sys.exit(0)


def main():
    p = argparse.ArgumentParser(description="vnetaudit lab probes")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("port", type=int)
    s.add_argument("--lab", help="name of the lab (only marks the process for lab.sh down)")
    s = sub.add_parser("tcp")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("--send", type=int, default=0)
    s.add_argument("--recv", type=int, default=0)
    s.add_argument("--src")
    s.add_argument("--timeout", type=float, default=3.0)
    s = sub.add_parser("ping")
    s.add_argument("host")
    s.add_argument("--src")
    s.add_argument("--size", type=int, default=56)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--timeout", type=float, default=1.0)
    s.add_argument("--df", action="store_true")
    s = sub.add_parser("dns")
    s.add_argument("server")
    s.add_argument("name")
    s.add_argument("--timeout", type=float, default=2.0)
    s = sub.add_parser("dhcp")
    s.add_argument("iface")
    s.add_argument("--timeout", type=float, default=6.0)
    a = p.parse_args()
    {"serve": cmd_serve, "tcp": cmd_tcp, "ping": cmd_ping, "dns": cmd_dns, "dhcp": cmd_dhcp}[a.cmd](a)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The kernel as oracle for `vnetaudit explain` (issue 11, item 5). Standard library only, run as root.

For a seed, it generates small random rule sets (legacy x_tables, iptables-nft, native nft and mixes of
them at the same hooks), loads each into a router namespace R, sends real packets from a sender S through
R towards receivers A and B (or R itself), records where each packet arrived and with which addresses, and
asks `vnetaudit explain --netns R` about each packet. The kernel decides; every difference is reported.

  oracle.py --seed S --cases N [--extended] [--json FILE] [--vnetaudit PATH] [--show]
  oracle.py --seed S --case K [--keep]       rerun one case (and keep the namespaces to look at)
  oracle.py --seed S --case K --print-case   its rule set and packets, nothing sent
  oracle.py --replay FILE.json               one hand-written case (see README.md, cases/)
  oracle.py --cleanup                        remove namespaces left by dead or --keep runs (prefix vnaor-)

Exit 0: no disagreement; 1: at least one disagreement (or an explain that could not run, or a rule set
that did not load); 2: bad usage or the lab could not be set up.

Topology (namespaces vnaor-PID-{S,R,A,B}, vnaor-keep-PID-* with --keep; the root namespace is never touched):

    S s-r 198.51.100.2/24 (+ .3 .66 .130 and off-path sources) -- eth-s 198.51.100.1/24  R
    R r-a0 203.0.113.1/24, 203.0.113.99/24 secondary     -- a-r 203.0.113.2/24, 203.0.113.130/24  A
      route 203.0.113.128/25 dev r-a0 src 203.0.113.99 (a secondary address as a route's src)
    R r-b0 192.0.2.1/24                                   -- b-r 192.0.2.2/24  B
      ip rule fwmark 0x2 lookup 100: A's net out of r-b0, B's out of r-a0 (neighbours point at the other side)

How the kernel's verdict is read: every probe carries a unique token in its payload. A and B capture
with AF_PACKET sockets on their only interface (incoming frames only): a probe seen there was forwarded
by R out of r-a0 / r-b0, with the addresses as captured. Local delivery in R is seen with raw IP sockets
(SOCK_RAW, IPPROTO_UDP/TCP/ICMP) in R: the kernel hands a raw socket its copy in ip_local_deliver_finish,
i.e. after every LOCAL_IN (input) chain and the input srcnat, and never for a packet dropped at INPUT or
forwarded. A probe seen nowhere within the wait was dropped or rejected (the two are not told apart).
"""
import argparse
import atexit
import concurrent.futures
import ctypes
import ipaddress
import json
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

PREFIX = "vnaor-"
CLONE_NEWNET = 0x40000000
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
TOKEN = b"VNAO"

# ---------------------------------------------------------------------------------------------------
# Topology

S_ADDRS = ["198.51.100.2", "198.51.100.3", "198.51.100.66", "198.51.100.130"]
R_S, R_A, R_A2, R_B = "198.51.100.1", "203.0.113.1", "203.0.113.99", "192.0.2.1"
A_ADDRS = ["203.0.113.2", "203.0.113.130"]
B_ADDR = "192.0.2.2"
R_ADDRS = [R_S, R_A, R_A2, R_B]
IF_S, IF_A, IF_B = "eth-s", "r-a0", "r-b0"
MAC = {"s-r": "02:00:00:00:01:02", "eth-s": "02:00:00:00:01:01", "r-a0": "02:00:00:00:02:01",
       "a-r": "02:00:00:00:02:02", "r-b0": "02:00:00:00:03:01", "b-r": "02:00:00:00:03:02"}
# Everything a rule may name; none of the ranges (TEST-NET-1/2/3) overlaps another.
ALL_ADDRS = S_ADDRS + R_ADDRS + A_ADDRS + [B_ADDR]
PORTS = [22, 53, 80, 123, 443, 5353, 8080]

libc = ctypes.CDLL(None, use_errno=True)


def sh(cmd, input=None, check=True):
    p = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}\n{input or ''}")
    return p


class Lab:
    def __init__(self, tag):
        self.tag = tag
        self.ns = {k: f"{PREFIX}{tag}-{k}" for k in "SRAB"}
        self.socks = {}
        self.up = False

    def nsx(self, k, *cmd, input=None, check=True):
        return sh(["ip", "netns", "exec", self.ns[k], *cmd], input=input, check=check)

    def ip(self, k, *args):
        return sh(["ip", "-n", self.ns[k], *args])

    def create(self):
        self.up = True
        for k in "SRAB":
            sh(["ip", "netns", "add", self.ns[k]])
            self.ip(k, "link", "set", "lo", "up")
            # No IPv6 chatter (router solicitations, DAD) on the links: the oracle is IPv4 only.
            self.nsx(k, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        # veths made inside R with the peer moved straight into S/A/B: nothing appears in the root namespace.
        for mine, peer, other in ((IF_S, "s-r", "S"), (IF_A, "a-r", "A"), (IF_B, "b-r", "B")):
            self.ip("R", "link", "add", mine, "address", MAC[mine], "type", "veth", "peer", "name", peer,
                    "address", MAC[peer], "netns", self.ns[other])
        self.ip("R", "addr", "add", f"{R_S}/24", "dev", IF_S)
        self.ip("R", "addr", "add", f"{R_A}/24", "dev", IF_A)
        self.ip("R", "addr", "add", f"{R_A2}/24", "dev", IF_A)
        self.ip("R", "addr", "add", f"{R_B}/24", "dev", IF_B)
        self.ip("S", "addr", "add", f"{S_ADDRS[0]}/24", "dev", "s-r")
        self.ip("A", "addr", "add", f"{A_ADDRS[0]}/24", "dev", "a-r")
        self.ip("A", "addr", "add", f"{A_ADDRS[1]}/24", "dev", "a-r")
        self.ip("B", "addr", "add", f"{B_ADDR}/24", "dev", "b-r")
        for k, dev in (("R", IF_S), ("R", IF_A), ("R", IF_B), ("S", "s-r"), ("A", "a-r"), ("B", "b-r")):
            self.ip(k, "link", "set", dev, "up")
        self.ip("R", "route", "add", "203.0.113.128/25", "dev", IF_A, "src", R_A2)
        # Policy routing: packets marked 0x2 before routing cross over (A's addresses out of r-b0, B's out
        # of r-a0); permanent neighbours there point at the other receiver, which captures what comes.
        self.ip("R", "route", "add", "203.0.113.0/24", "dev", IF_B, "table", "100")
        self.ip("R", "route", "add", "192.0.2.0/24", "dev", IF_A, "table", "100")
        self.ip("R", "rule", "add", "fwmark", "0x2", "lookup", "100", "pref", "100")
        for a in A_ADDRS:
            self.ip("R", "neigh", "replace", a, "lladdr", MAC["b-r"], "dev", IF_B, "nud", "permanent")
        self.ip("R", "neigh", "replace", B_ADDR, "lladdr", MAC["a-r"], "dev", IF_A, "nud", "permanent")
        self.ip("S", "route", "add", "default", "via", R_S)
        self.ip("A", "route", "add", "default", "via", R_A)
        self.ip("B", "route", "add", "default", "via", R_B)
        # Permanent neighbours: no ARP resolution delays or losses.
        for a in S_ADDRS:
            self.ip("R", "neigh", "replace", a, "lladdr", MAC["s-r"], "dev", IF_S, "nud", "permanent")
        for a in A_ADDRS:
            self.ip("R", "neigh", "replace", a, "lladdr", MAC["a-r"], "dev", IF_A, "nud", "permanent")
        self.ip("R", "neigh", "replace", B_ADDR, "lladdr", MAC["b-r"], "dev", IF_B, "nud", "permanent")
        self.ip("S", "neigh", "replace", R_S, "lladdr", MAC[IF_S], "dev", "s-r", "nud", "permanent")
        for a in (R_A, R_A2):
            self.ip("A", "neigh", "replace", a, "lladdr", MAC[IF_A], "dev", "a-r", "nud", "permanent")
        self.ip("B", "neigh", "replace", R_B, "lladdr", MAC[IF_B], "dev", "b-r", "nud", "permanent")
        self.nsx("R", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # The four legacy tables exist from the start (empty, policy ACCEPT), in every case alike: a legacy
        # table, once made, stays registered, so a rerun of one case must meet the same baseline.
        self.nsx("R", "iptables-legacy-restore", input=legacy_restore({}))
        self.socks["S"] = in_netns(self.ns["S"], lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
        self.socks["S"].setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.socks["Rsend"] = in_netns(self.ns["R"], lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
        for k, dev in (("A", "a-r"), ("B", "b-r")):
            def make(dev=dev):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
                s.bind((dev, ETH_P_IP))
                return s
            self.socks[k] = in_netns(self.ns[k], make)
        for proto in (socket.IPPROTO_UDP, socket.IPPROTO_TCP, socket.IPPROTO_ICMP):
            self.socks[f"R{proto}"] = in_netns(self.ns["R"], lambda p=proto: socket.socket(socket.AF_INET, socket.SOCK_RAW, p))
        for s in self.socks.values():
            s.setblocking(False)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)

    def destroy(self):
        for s in self.socks.values():
            try:
                s.close()
            except OSError:
                pass
        self.socks = {}
        if self.up:
            for k in "SRAB":
                sh(["ip", "netns", "del", self.ns[k]], check=False)
            self.up = False

    # -- one case --------------------------------------------------------------------------------
    def load(self, case):
        for key, value in case.get("sysctl", {}).items():
            self.nsx("R", "sysctl", "-qw", f"{key}={value}")
        self.nsx("R", "nft", "flush", "ruleset")
        self.nsx("R", "iptables-legacy-restore", input=legacy_restore(case["xt"].get("legacy", {})))
        self.nsx("R", "conntrack", "-F", check=False)
        raw = case.get("raw", {})
        if raw.get("legacy"):
            self.nsx("R", "iptables-legacy-restore", input=raw["legacy"])
        if case["xt"].get("nft") or raw.get("iptables-nft"):
            self.nsx("R", "iptables-nft-restore", input=raw.get("iptables-nft") or xt_restore(case["xt"]["nft"]))
        text = raw.get("nft") or nft_script(case)
        if text.strip():
            self.nsx("R", "nft", "-f", "-", input=text)

    def drain(self):
        for s in self.socks.values():
            if s.family == socket.AF_INET and s.proto == socket.IPPROTO_RAW:
                continue
            while True:
                try:
                    s.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break

    def send(self, pkt):
        try:
            self.socks["S" if pkt.get("origin", "S") == "S" else "Rsend"].sendto(build_packet(pkt), (pkt["dst"], 0))
        except OSError:
            # R's own packet: EPERM when an OUTPUT chain dropped it, EHOSTUNREACH and the like when routing
            # refused it. Either way it arrives nowhere, which is what the kernel's verdict is read from.
            pass

    def collect(self, tokens, wait):
        """Where each token arrived: {token: [(place, parsed packet)]} within `wait` seconds after the
        last arrival (and no longer than 4 x wait in all)."""
        seen = {}
        where = {self.socks["A"].fileno(): "A", self.socks["B"].fileno(): "B"}
        for proto in (socket.IPPROTO_UDP, socket.IPPROTO_TCP, socket.IPPROTO_ICMP):
            where[self.socks[f"R{proto}"].fileno()] = "R"
        socks = {s.fileno(): s for k, s in self.socks.items() if k not in ("S", "Rsend")}
        start = time.monotonic()
        deadline = start + wait
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            r, _, _ = select.select(list(socks), [], [], deadline - now)
            for fd in r:
                s = socks[fd]
                while True:
                    try:
                        data, addr = s.recvfrom(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    if s.family == socket.AF_PACKET and addr[2] == PACKET_OUTGOING:
                        continue
                    parsed = parse_packet(data)
                    if parsed and parsed["token"] in tokens:
                        seen.setdefault(parsed["token"], []).append((where[fd], parsed))
            if len(seen) == len(tokens):
                break
        return seen


def in_netns(ns, fn):
    """Runs fn in a thread that entered network namespace ns (setns is per thread): sockets keep it."""
    out = {}

    def run():
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns {ns}")
            out["v"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            out["e"] = e
        finally:
            os.close(fd)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in out:
        raise out["e"]
    return out["v"]


def cleanup_leftovers(kept_too=False):
    """Removes vnaor- namespaces whose run (the PID in the name) is gone; with kept_too also the ones a
    --keep run left on purpose (vnaor-keep-PID-X)."""
    removed = []
    for line in sh(["ip", "netns", "list"]).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX):
            continue
        m = re.match(rf"{PREFIX}(keep-)?(\d+)-[SRAB]$", name)
        if m and m.group(1) and not kept_too:
            continue
        if m and not m.group(1) and os.path.exists(f"/proc/{m.group(2)}"):
            continue
        sh(["ip", "netns", "del", name], check=False)
        removed.append(name)
    return removed

# ---------------------------------------------------------------------------------------------------
# Packets


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def build_packet(p):
    payload = TOKEN + p["token"] + bytes(p["pad"])
    src, dst = socket.inet_aton(p["src"]), socket.inet_aton(p["dst"])
    if p["proto"] == "udp":
        l4 = struct.pack("!HHHH", p["sport"], p["dport"], 8 + len(payload), 0) + payload
        c = csum(src + dst + struct.pack("!BBH", 0, 17, len(l4)) + l4) or 0xFFFF
        l4 = l4[:6] + struct.pack("!H", c) + l4[8:]
        num = 17
    elif p["proto"] == "tcp":
        l4 = struct.pack("!HHIIBBHHH", p["sport"], p["dport"], p["seq"], 0, 5 << 4, 0x02, 64240, 0, 0) + payload
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(l4)) + l4)
        l4 = l4[:16] + struct.pack("!H", c) + l4[18:]
        num = 6
    else:
        l4 = struct.pack("!BBHHH", 8, 0, 0, p["icmp_id"], 1) + payload
        l4 = l4[:2] + struct.pack("!H", csum(l4)) + l4[4:]
        num = 1
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, p.get("tos", 0), 20 + len(l4), p["ip_id"], 0x4000, p["ttl"], num, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def parse_packet(data):
    if len(data) < 20 or data[0] >> 4 != 4:
        return None
    ihl = (data[0] & 15) * 4
    proto = data[9]
    out = {"src": socket.inet_ntoa(data[12:16]), "dst": socket.inet_ntoa(data[16:20]), "ttl": data[8]}
    l4 = data[ihl:]
    if proto in (6, 17) and len(l4) >= 4:
        out["sport"], out["dport"] = struct.unpack("!HH", l4[:4])
    # The token sits right after the probe's own transport header (an ICMP error quoting a probe, or a
    # reply, never counts as the probe).
    if proto == 17:
        off = 8
    elif proto == 6 and len(l4) >= 13:
        off = (l4[12] >> 4) * 4
    elif proto == 1 and len(l4) >= 8 and l4[0] == 8:
        off = 8
    else:
        return None
    if l4[off:off + 4] != TOKEN or len(l4) < off + 12:
        return None
    out["token"] = l4[off + 4:off + 12]
    return out

# ---------------------------------------------------------------------------------------------------
# Rule sets: an abstract rule model rendered as iptables-restore input and as nft scripts


XT_TABLES = {  # table -> {builtin chain: hook}; priorities are the tables' own
    "raw": {"PREROUTING": "prerouting", "OUTPUT": "output"},
    "mangle": {"PREROUTING": "prerouting", "INPUT": "input", "FORWARD": "forward", "POSTROUTING": "postrouting", "OUTPUT": "output"},
    "nat": {"PREROUTING": "prerouting", "INPUT": "input", "POSTROUTING": "postrouting", "OUTPUT": "output"},
    "filter": {"INPUT": "input", "FORWARD": "forward", "OUTPUT": "output"},
}
XT_ALL_CHAINS = {"raw": ["PREROUTING", "OUTPUT"], "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
                 "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"], "filter": ["INPUT", "FORWARD", "OUTPUT"]}
XT_PRIO = {"raw": -300, "mangle": -150, "filter": 0}
NAT_CORE = {"prerouting": -100, "input": 100, "postrouting": 100, "output": -100}
NFT_FILTER_PRIOS = {
    "prerouting": [-300, -250, -150, -120, -90, -50, 0, 10, 100, 200],
    "input": [-150, -120, -50, 0, 10, 50, 90, 110, 200],
    "output": [-300, -250, -150, -120, -90, 0, 10, 200],
    "forward": [-300, -150, -120, -100, 0, 10, 100, 200],
    "postrouting": [-300, -150, -120, -100, 0, 10, 90, 110, 200],
}
NFT_NAT_PRIOS = {"prerouting": [-150, -120, -100, -90, -50, 0], "postrouting": [50, 90, 100, 110, 150, 200],
                 "input": [50, 100, 150], "output": [-150, -120, -100, -50, 0]}
NFT_ROUTE_PRIOS = {"output": [-150, -120, -90, 0, 10]}


def legacy_restore(tables):
    """iptables-restore input for all four tables: the ones given with their chains, the rest empty."""
    full = {t: tables.get(t, {"chains": {}}) for t in XT_ALL_CHAINS}
    return xt_restore(full)


def xt_restore(tables):
    out = []
    for t, spec in tables.items():
        out.append(f"*{t}")
        chains = spec["chains"]
        for c in XT_ALL_CHAINS[t]:
            out.append(f":{c} {chains.get(c, {}).get('policy', 'accept').upper()} [0:0]")
        for c in chains:
            if c not in XT_ALL_CHAINS[t]:
                out.append(f":{c} - [0:0]")
        for c, ch in chains.items():
            for r in ch["rules"]:
                out.append(f"-A {c} {xt_rule(r)}".rstrip())
        out.append("COMMIT")
    return "\n".join(out) + "\n"


def xt_iface(opt, m):
    name = m["name"] + ("+" if m["wild"] else "")
    return f"{'! ' if m['neg'] else ''}{opt} {name}"


def xt_ranges(rs):
    return ",".join(f"{a}:{b}" if a != b else str(a) for a, b in rs)


def xt_rule(r):
    parts = []
    for m in r["matches"]:
        k = m["k"]
        neg = "! " if m.get("neg") else ""
        if k == "iif":
            parts.append(xt_iface("-i", m))
        elif k == "oif":
            parts.append(xt_iface("-o", m))
        elif k in ("saddr", "daddr"):
            parts.append(f"{neg}{'-s' if k == 'saddr' else '-d'} {m['cidrs'][0]}")
        elif k == "l4":
            if m.get("proto"):
                parts.append(f"{'! ' if m.get('pneg') else ''}-p {m['proto']}")
            for key, opt in (("dport", "dport"), ("sport", "sport")):
                if m.get(key):
                    rs = m[key]
                    kneg = "! " if m.get(key + "neg") else ""
                    if len(rs) > 1:
                        parts.append(f"-m multiport {kneg}--{opt}s {xt_ranges(rs)}")
                    else:
                        parts.append(f"{kneg}--{opt} {xt_ranges(rs)}")
            if m.get("icmptype") is not None:
                parts.append(f"-m icmp {'! ' if m.get('ineg') else ''}--icmp-type {m['icmptype']}")
            if m.get("syn"):
                parts.append("--syn")
        elif k == "ct":
            mod = m.get("xtmod", "conntrack")
            opt = "--ctstate" if mod == "conntrack" else "--state"
            parts.append(f"-m {mod} {neg}{opt} {','.join(s.upper() for s in m['states'])}")
        elif k == "mark":
            parts.append(f"-m mark {neg}--mark {m['v']:#x}")
        elif k == "ttl":
            op = {"<": "lt", ">": "gt", "==": "eq"}[m["op"]]
            parts.append(f"-m ttl --ttl-{op} {m['v']}")
        elif k == "len":
            parts.append(f"-m length {neg}--length {m['lo']}:{m['hi']}")
        elif k == "dscp":
            parts.append(f"-m dscp {neg}--dscp {m['v']:#x}")
        elif k == "pkttype":
            parts.append(f"-m pkttype {neg}--pkt-type {'unicast' if m['t'] == 'host' else m['t']}")
        elif k == "fib":
            parts.append(f"-m addrtype {neg}--dst-type LOCAL")
        elif k == "ctmark":
            parts.append(f"-m connmark {neg}--mark {m['v']:#x}")
        elif k == "limit":
            parts.append("-m limit --limit 10000/sec --limit-burst 100")
        else:
            raise ValueError(k)
    st = [s for s in r["stmts"] if s["k"] != "counter"]
    v = r["verdict"]
    assert len(st) + (v is not None) <= 1, r
    if st:
        s = st[0]
        if s["k"] == "log":
            parts.append('-j LOG --log-prefix "vnaor "')
        elif s["k"] == "markset":
            parts.append(f"-j MARK --set-xmark {s['v']:#x}/0xffffffff")
        elif s["k"] == "notrack":
            parts.append("-j CT --notrack")
        elif s["k"] == "ctmarkset":
            parts.append(f"-j CONNMARK --set-xmark {s['v']:#x}/0xffffffff")
    elif v:
        k = v["k"]
        if k in ("accept", "drop", "reject", "return"):
            parts.append(f"-j {k.upper()}")
        elif k == "jump":
            parts.append(f"-j {v['chain']}")
        elif k == "goto":
            parts.append(f"-g {v['chain']}")
        elif k == "dnat":
            parts.append(f"-j DNAT --to-destination {v['addr']}{':' + str(v['port']) if v.get('port') else ''}")
        elif k == "snat":
            parts.append(f"-j SNAT --to-source {v['addr']}")
        elif k == "masq":
            parts.append("-j MASQUERADE")
        elif k == "redirect":
            parts.append(f"-j REDIRECT{' --to-ports ' + str(v['port']) if v.get('port') else ''}")
        else:
            raise ValueError(k)
    return " ".join(parts)


def nft_iface(key, m):
    name = m["name"] + ("*" if m["wild"] else "")
    if m.get("names"):
        return f'{key} {"!= " if m["neg"] else ""}{{ {", ".join(chr(34) + n + chr(34) for n in m["names"])} }}'
    return f'{key} {"!= " if m["neg"] else ""}"{name}"'


def nft_set_or_value(vals):
    return vals[0] if len(vals) == 1 else "{ " + ", ".join(vals) + " }"


def nft_rule(r, family):
    parts = []
    for m in r["matches"]:
        k = m["k"]
        neg = "!= " if m.get("neg") else ""
        if k == "iif":
            parts.append(nft_iface("iifname", m))
        elif k == "oif":
            parts.append(nft_iface("oifname", m))
        elif k in ("saddr", "daddr"):
            val = f"@{m['named']}" if m.get("named") else nft_set_or_value(m["cidrs"])
            parts.append(f"ip {k} {neg}{val}")
        elif k == "l4":
            proto = m.get("proto")
            ports = [key for key in ("dport", "sport") if m.get(key)]
            if proto and (m.get("pneg") or not ports or m.get("th")):
                parts.append(f"meta l4proto {'!= ' if m.get('pneg') else ''}{proto}")
            for key in ports:
                rs = m[key]
                vals = [f"{a}-{b}" if a != b else str(a) for a, b in rs]
                val = f"@{m['named_' + key]}" if m.get("named_" + key) else nft_set_or_value(vals)
                parts.append(f"{'th' if m.get('th') else proto} {key} {'!= ' if m.get(key + 'neg') else ''}{val}")
            if m.get("icmptype") is not None:
                parts.append(f"icmp type {'!= ' if m.get('ineg') else ''}{'echo-request' if m['icmptype'] == 8 else 'echo-reply'}")
            if m.get("syn"):
                parts.append("tcp flags & (fin|syn|rst|ack) == syn")
        elif k == "ct":
            parts.append(f"ct state {neg}{nft_set_or_value(m['states'])}")
        elif k == "mark":
            parts.append(f"meta mark {neg}{m['v']:#x}")
        elif k == "ttl":
            parts.append(f"ip ttl {m['op'] if m['op'] != '==' else ''} {m['v']}".replace("  ", " "))
        elif k == "len":
            parts.append(f"meta length {neg}{m['lo']}-{m['hi']}")
        elif k == "dscp":
            parts.append(f"ip dscp {neg}{m['v']:#x}")
        elif k == "pkttype":
            parts.append(f"meta pkttype {neg}{m['t']}")
        elif k == "fib":
            parts.append(f"fib daddr type {neg}local")
        elif k == "ctmark":
            parts.append(f"ct mark {neg}{m['v']:#x}")
        elif k == "limit":
            parts.append("limit rate 10000/second burst 100 packets")
        else:
            raise ValueError(k)
    for s in r["stmts"]:
        parts.append({"counter": "counter", "log": 'log prefix "vnaor "', "notrack": "notrack"}.get(s["k"])
                     or (f"meta mark set {s['v']:#x}" if s["k"] == "markset" else f"ct mark set {s['v']:#x}"))
    v = r["verdict"]
    ip = " ip" if family == "inet" else ""
    if v:
        k = v["k"]
        if k in ("accept", "drop", "reject", "return"):
            parts.append(k)
        elif k in ("jump", "goto"):
            parts.append(f"{k} {v['chain']}")
        elif k == "dnat":
            parts.append(f"dnat{ip} to {v['addr']}{':' + str(v['port']) if v.get('port') else ''}")
        elif k == "snat":
            parts.append(f"snat{ip} to {v['addr']}")
        elif k == "masq":
            parts.append("masquerade")
        elif k == "redirect":
            parts.append(f"redirect{' to :' + str(v['port']) if v.get('port') else ''}")
        elif k == "vmap":
            def vv(x):
                return x["k"] if x["k"] not in ("jump", "goto") else f"{x['k']} {x['chain']}"
            if v.get("named"):
                parts.append(f"{v['key']} vmap @{v['named']}")
            else:
                parts.append(f"{v['key']} vmap {{ {', '.join(f'{a} : {vv(b)}' for a, b in v['map'])} }}")
        else:
            raise ValueError(k)
    return " ".join(parts)


def nft_script(case):
    out = []
    for t in case["nft"]:
        out.append(f"table {t['family']} {t['name']} {{")
        for s in t["sets"]:
            flags = "; flags interval" if s.get("interval") else ""
            if s["kind"] == "vmap":
                def vv(x):
                    return x["k"] if x["k"] not in ("jump", "goto") else f"{x['k']} {x['chain']}"
                els = ", ".join(f"{a} : {vv(b)}" for a, b in s["elements"])
                out.append(f"  map {s['name']} {{ type {s['type']} : verdict{flags}; elements = {{ {els} }} }}")
            else:
                out.append(f"  set {s['name']} {{ type {s['type']}{flags}; elements = {{ {', '.join(s['elements'])} }} }}")
        for c in t["chains"]:
            out.append(f"  chain {c['name']} {{")
            if c.get("hook"):
                out.append(f"    type {c['type']} hook {c['hook']} priority {c['prio']}; policy {c['policy']};")
            for r in c["rules"]:
                out.append(f"    {nft_rule(r, t['family'])}")
            out.append("  }")
        out.append("}")
    return "\n".join(out) + ("\n" if out else "")


def ruleset_text(case):
    parts = [f"# sysctl -w {k}={v}" for k, v in case.get("sysctl", {}).items() if SYSCTLS.get(k) != v]
    raw = case.get("raw")
    if raw:
        for key, label in (("legacy", "iptables-legacy-restore"), ("iptables-nft", "iptables-nft-restore"), ("nft", "nft -f -")):
            if raw.get(key):
                parts.append(f"# {label} <<EOF\n{raw[key].rstrip()}\nEOF")
        return "\n".join(parts)
    for system, label in (("legacy", "iptables-legacy-restore"), ("nft", "iptables-nft-restore")):
        if case["xt"].get(system):
            parts.append(f"# {label} <<EOF\n{xt_restore(case['xt'][system])}EOF")
    if case["nft"]:
        parts.append(f"# nft -f - <<EOF\n{nft_script(case)}EOF")
    return "\n".join(parts) if parts else "# (no rules)"

# ---------------------------------------------------------------------------------------------------
# The generator


class Gen:
    def __init__(self, rng, packets, extended):
        self.r = rng
        self.packets = packets
        self.ext = extended
        self.marks = [0x1, 0x2, 0x10]
        self.nat_pool = []   # addresses NAT rules of the case translate to (later matches name them)
        self.nchain = 0

    def chance(self, p):
        return self.r.random() < p

    def ref(self):
        return self.r.choice(self.packets)

    def cidr(self, addr):
        plen = self.r.choice([32, 32, 30, 25, 24, 24, 16])
        return str(ipaddress.ip_network(f"{addr}/{plen}", strict=False)) if plen != 32 else addr

    def addr_match(self, k, system):
        p = self.ref()
        base = p["src"] if k == "saddr" else p["dst"]
        if self.nat_pool and self.chance(0.3):
            base = self.r.choice(self.nat_pool)
        elif not self.chance(0.65):
            base = self.r.choice(ALL_ADDRS)
        m = {"k": k, "cidrs": [self.cidr(base)], "neg": self.chance(0.25)}
        if system == "nft" and self.chance(0.3):
            m["cidrs"].append(self.cidr(self.r.choice(ALL_ADDRS)))
            m["cidrs"] = sorted(set(m["cidrs"]), key=lambda c: ipaddress.ip_network(c, strict=False))
            nets = [ipaddress.ip_network(c, strict=False) for c in m["cidrs"]]
            if any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:]):
                m["cidrs"] = m["cidrs"][:1]   # nft refuses overlapping intervals in one set
        return m

    def iface_match(self, k, system):
        names = [IF_S, IF_A, IF_B] if k == "iif" else [IF_A, IF_B, IF_S]
        if self.chance(0.08):
            names = names + ["lo"]   # R's packets to itself come back in by lo
        name = self.r.choice(names)
        wild = self.chance(0.35)
        if wild:
            name = self.r.choice({IF_S: ["eth", "e", "eth-"], IF_A: ["r-a", "r-", "r"], IF_B: ["r-b", "r-"], "lo": ["l"]}[name])
        m = {"k": k, "name": name, "wild": wild, "neg": self.chance(0.3)}
        if system == "nft" and not wild and self.chance(0.15):
            m["names"] = sorted({name, self.r.choice(names)})
        return m

    def port_ranges(self, value, system):
        if self.chance(0.6):
            v = value
        else:
            v = self.r.choice(PORTS + [self.r.randint(1, 65535)])
        if self.chance(0.25):
            lo = max(1, v - self.r.randint(0, 200))
            rs = [(lo, min(65535, lo + self.r.randint(1, 400)))]
        else:
            rs = [(v, v)]
        if self.chance(0.2):
            extra = self.r.choice(PORTS)
            if all(not (a <= extra <= b) for a, b in rs):
                rs.append((extra, extra))
        return sorted(rs)

    def l4_match(self, system):
        p = self.ref()
        proto = p["proto"] if self.chance(0.7) else self.r.choice(["tcp", "udp", "icmp"])
        m = {"k": "l4", "proto": proto}
        if proto in ("tcp", "udp") and self.chance(0.6):
            key = "dport" if self.chance(0.75) else "sport"
            val = p.get(key) or self.r.choice(PORTS)
            m[key] = self.port_ranges(val, system)
            m[key + "neg"] = self.chance(0.2)
            if system == "nft" and self.chance(0.2):
                m["th"] = True
                m["proto"] = self.r.choice([proto, "{ tcp, udp }"])
            if m["proto"] == "tcp" and self.ext and self.chance(0.3):
                m["syn"] = True
        elif proto == "icmp" and self.chance(0.5):
            m["icmptype"] = 8 if self.chance(0.8) else 0
            m["ineg"] = self.chance(0.2)
        else:
            m["pneg"] = self.chance(0.2)
        return m

    def ct_match(self, system):
        states = self.r.choice([["new"], ["established", "related"], ["established"], ["invalid"], ["untracked"],
                                ["new", "established"], ["related"]])
        if system == "xt" and "untracked" in states and self.chance(0.5):
            pass
        m = {"k": "ct", "states": states, "neg": self.chance(0.2)}
        if system == "xt" and "untracked" not in states and self.chance(0.3):
            m["xtmod"] = "state"
        return m

    def ext_match(self, system):
        k = self.r.choice(["ttl", "len", "dscp", "pkttype", "fib", "ctmark", "limit"])
        p = self.ref()
        if k == "ttl":
            return {"k": "ttl", "op": self.r.choice(["<", ">", "=="]), "v": self.r.choice([32, 64, 100, p["ttl"]])}
        if k == "len":
            lo = self.r.randint(20, 120)
            return {"k": "len", "lo": lo, "hi": lo + self.r.randint(0, 200), "neg": self.chance(0.2)}
        if k == "dscp":
            return {"k": "dscp", "v": self.r.choice([0, 0, 0x2e, 0x0a]), "neg": self.chance(0.3)}
        if k == "pkttype":
            return {"k": "pkttype", "t": "host", "neg": self.chance(0.3)}
        if k == "fib":
            return {"k": "fib", "neg": self.chance(0.3)}
        if k == "ctmark":
            return {"k": "ctmark", "v": self.r.choice([0, 1, 2]), "neg": self.chance(0.3)}
        return {"k": "limit"}

    def matches(self, ctx, system, focus=None):
        n = self.r.choices([0, 1, 2, 3], [10, 45, 30, 15])[0]
        if focus == "after-nat" and self.nat_pool:
            k = self.r.choice(["saddr", "daddr"])
            m = {"k": k, "cidrs": [self.r.choice(self.nat_pool)], "neg": self.chance(0.3)}
            return [m] + ([self.l4_match(system)] if self.chance(0.3) else [])
        if focus == "pre-ct":
            return [self.ct_match(system)] + ([self.addr_match("daddr", system)] if self.chance(0.3) else [])
        kinds = ["saddr", "daddr", "l4", "l4", "ct", "mark"]
        if ctx["hook"] in ("prerouting", "input", "forward") or (system == "nft" and ctx["hook"] in ("postrouting", "output")):
            kinds += ["iif", "iif"] if ctx["hook"] != "output" else ["iif"]
        if ctx["hook"] in ("forward", "postrouting", "output"):
            kinds += ["oif", "oif"]
        if self.ext:
            kinds += ["ext", "ext"]
        out, used = [], set()
        for _ in range(n):
            k = self.r.choice(kinds)
            if k in used and k not in ("ext",):
                continue
            used.add(k)
            if k in ("saddr", "daddr"):
                out.append(self.addr_match(k, system))
            elif k in ("iif", "oif"):
                out.append(self.iface_match(k, system))
            elif k == "l4":
                out.append(self.l4_match(system))
            elif k == "ct":
                out.append(self.ct_match(system))
            elif k == "mark":
                out.append({"k": "mark", "v": self.r.choice(self.marks + [0]), "neg": self.chance(0.25)})
            else:
                m = self.ext_match(system)
                if m["k"] == "fib" and ctx["hook"] not in ("prerouting", "input", "forward"):
                    continue
                # one match of a kind per rule: iptables refuses a second `--mark` (connmark) in one rule
                if m["k"] in used:
                    continue
                used.add(m["k"])
                out.append(m)
        return out

    def verdict(self, ctx, system, depth, new_chain, focus=None):
        """A rule's statements and verdict for a chain of context ctx."""
        kind, hook = ctx["type"], ctx["hook"]
        stmts = []
        if focus == "markset":
            return [{"k": "markset", "v": 0x2}], None
        if focus == "dnat":
            return self.nat_target({"k": "dnat", "addr": self.r.choice(A_ADDRS + [B_ADDR, B_ADDR, R_S])})
        if focus == "srcnat":
            if hook == "postrouting" and self.chance(0.35):
                return [], {"k": "masq"}
            return self.nat_target({"k": "snat", "addr": self.r.choice([R_A, R_B, R_S, R_A2] if hook == "postrouting" else ["198.51.100.200", R_B])})
        if focus == "notrack":
            return [{"k": "notrack"}], (None if system != "nft" or self.chance(0.6) else {"k": "accept"})
        if focus in ("after-nat", "pre-ct"):
            return [], {"k": self.r.choice(["drop", "drop", "accept"])}
        if kind == "nat":
            if hook in ("prerouting", "output"):
                opts = [("dnat", 45), ("redirect", 8), ("accept", 12), ("return", 8), ("jump", 10), ("none", 7), ("drop", 3 if system == "nft" else 0)]
            else:
                opts = [("snat", 40), ("masq", 25 if hook == "postrouting" else 0), ("accept", 12), ("return", 8), ("jump", 8), ("none", 7)]
        else:
            opts = [("accept", 28), ("drop", 25), ("jump", 10), ("goto", 5), ("return", 6 if depth else 3), ("none", 16),
                    ("reject", 8 if hook in ("input", "forward", "output") and (system == "nft" or ctx.get("table") == "filter") else 0),
                    ("vmap", 9 if system == "nft" else 0)]
        if depth >= 2:
            opts = [(k, w if k not in ("jump", "goto", "vmap") else 0) for k, w in opts]
        k = self.r.choices([o for o, _ in opts], [w for _, w in opts])[0]
        may_mark = kind in ("filter", "route") and (system == "nft" or ctx.get("table") == "mangle") and hook in ("prerouting", "forward", "input", "output")
        may_notrack = hook in ("prerouting", "output") and kind in ("filter", "route") and (system == "nft" or ctx.get("table") == "raw")
        if system == "nft":
            if self.chance(0.2):
                stmts.append({"k": "counter"})
            if self.chance(0.08):
                stmts.append({"k": "log"})
            if may_mark and self.chance(0.25 if k != "none" else 0.6):
                stmts.append({"k": "markset", "v": self.r.choice(self.marks)})
            if may_notrack and self.chance(0.15 if k != "none" else 0.4):
                stmts.append({"k": "notrack"})
            if self.ext and kind == "filter" and self.chance(0.05):
                stmts.append({"k": "ctmarkset", "v": self.r.choice([1, 2])})
        elif k == "none":
            opts2 = ["counter", "log"]
            if may_mark:
                opts2 += ["markset"] * 3
            if may_notrack:
                opts2 += ["notrack"] * 3
            if self.ext and kind == "filter" and ctx.get("table") == "mangle":
                opts2 += ["ctmarkset"]
            s = self.r.choice(opts2)
            stmts.append({"k": s, "v": self.r.choice(self.marks)} if s in ("markset", "ctmarkset") else {"k": s})
        if k == "none":
            if not stmts:
                stmts.append({"k": "counter"})
            return stmts, None
        if k in ("jump", "goto"):
            return stmts, {"k": k, "chain": new_chain(ctx, depth + 1)}
        if k == "dnat":
            target = self.r.choice(A_ADDRS + [B_ADDR, B_ADDR, R_S])
            return self.nat_target({"k": "dnat", "addr": target}, stmts)
        if k == "snat":
            return self.nat_target({"k": "snat", "addr": self.r.choice([R_A, R_B, R_S, R_A2] if hook == "postrouting" else ["198.51.100.200", R_B])}, stmts)
        if k == "masq":
            return stmts, {"k": "masq"}
        if k == "redirect":
            return stmts, {"k": "redirect"}
        if k == "vmap":
            return stmts, self.vmap(ctx, depth, new_chain)
        return stmts, {"k": k}

    def nat_target(self, v, stmts=None):
        self.nat_pool.append(v["addr"])
        return (stmts or []), v

    def vmap(self, ctx, depth, new_chain):
        key = self.r.choice(["ip daddr", "ip saddr", "meta l4proto", "iifname", "udp dport", "tcp dport"])
        l4 = [m for m in getattr(self, "current", []) if m["k"] == "l4"]
        if key.endswith("dport") and l4:
            proto = l4[0].get("proto")
            key = f"{proto} dport" if proto in ("tcp", "udp") and not l4[0].get("pneg") else "ip daddr"
        if key == "iifname" and ctx["hook"] == "postrouting":
            key = "ip daddr"
        verdicts = [{"k": "accept"}, {"k": "drop"}, {"k": "accept"}]   # (reject is no verdict for a map)
        if depth < 2 and self.chance(0.4):
            verdicts.append({"k": self.r.choice(["jump", "goto"]), "chain": new_chain(ctx, depth + 1)})
        n = self.r.randint(1, 3)
        p = self.ref()
        if key.startswith("ip "):
            addrs = set()
            for _ in range(n):
                a = p["dst" if key == "ip daddr" else "src"] if self.chance(0.5) else self.r.choice(ALL_ADDRS)
                addrs.add(a)
            keys = sorted(addrs, key=ipaddress.ip_address)
        elif key == "meta l4proto":
            keys = sorted(set(self.r.choice(["tcp", "udp", "icmp"]) for _ in range(n)))
        elif key == "iifname":
            keys = sorted(set(f'"{self.r.choice([IF_S, IF_A, IF_B])}"' for _ in range(n)))
        else:
            keys = sorted(set([p.get("dport") or 53] + [self.r.choice(PORTS) for _ in range(n - 1)]))
        m = [(kk, self.r.choice(verdicts)) for kk in keys]
        return {"k": "vmap", "key": key, "map": m}


SPOOFED = ["192.0.2.77", "203.0.113.77", "100.64.0.9"]   # sources R's routes do not place behind eth-s
SYSCTLS = {"net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.eth-s.rp_filter": 0}


def gen_sysctls(rng):
    out = dict(SYSCTLS)
    if rng.random() < 0.04:
        out["net.ipv4.ip_forward"] = 0
    if rng.random() < 0.25:
        out[rng.choice(["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.eth-s.rp_filter"])] = rng.choice([1, 2])
    return out


def gen_packets(rng, k, extended):
    pkts = []
    sports = rng.sample(range(20000, 60000), 8)
    for i in range(rng.randint(3, 5)):
        proto = rng.choices(["udp", "tcp", "icmp"], [40, 40, 20])[0]
        dst = rng.choices([A_ADDRS[0], A_ADDRS[1], B_ADDR] + R_ADDRS + ["bcast", "mcast"], [25, 8, 27, 15, 8, 5, 12, 4, 1])[0]
        if dst == "bcast":   # eth-s's own subnet broadcast (sent as a link broadcast) or another subnet's (routed to R)
            dst = rng.choice(["198.51.100.255", "192.0.2.255", "203.0.113.255"])
        elif dst == "mcast":
            dst = rng.choice(["224.0.0.251", "239.1.2.3"])
        origin = "R" if rng.random() < 0.2 else "S"
        if origin == "R":
            dst = rng.choices([A_ADDRS[0], A_ADDRS[1], B_ADDR, rng.choice(R_ADDRS)], [40, 10, 40, 10])[0]
            src = rng.choice(R_ADDRS)
        else:
            src = rng.choice(S_ADDRS) if rng.random() < 0.9 else rng.choice(SPOOFED)
        p = {"i": i, "origin": origin, "proto": proto, "src": src, "dst": dst, "ttl": 64,
             "token": struct.pack("!II", k & 0xFFFFFFFF, i), "pad": rng.randint(0, 64) if not extended else rng.randint(0, 300),
             "ip_id": rng.randint(1, 65535)}
        if extended:
            p["ttl"] = rng.choice([64, 64, 32, 128])
            # (its own generator, so adding it left every case's other choices as they were)
            p["tos"] = random.Random(f"vnaor-tos:{k}:{i}:{p['ip_id']}").choice([0, 0, 0x2e, 0x0a]) << 2
        if proto in ("udp", "tcp"):
            p["sport"] = sports[i]
            p["dport"] = rng.choice(PORTS + [rng.randint(1024, 65535)])
            p["seq"] = rng.randint(0, 2**32 - 1)
        else:
            p["icmp_id"] = sports[i]
        pkts.append(p)
    return pkts


def gen_case(seed, k, extended):
    rng = random.Random(f"vnaor:{seed}:{k}:{int(extended)}")
    packets = gen_packets(rng, k, extended)
    sysctls = gen_sysctls(rng)
    g = Gen(rng, packets, extended)
    mix = rng.choices(["nft", "legacy", "xtnft", "mix"], [30, 10, 10, 50])[0]
    systems = {"nft": ["nft"], "legacy": ["legacy"], "xtnft": ["xtnft"]}.get(mix) or rng.sample(["nft", "legacy", "xtnft"], rng.choice([2, 2, 3]))
    budget = rng.randint(3, 15)
    case = {"seed": seed, "case": k, "extended": extended, "packets": packets, "xt": {}, "nft": [], "sysctl": sysctls}
    slots = set()   # (kind, hook, priority) taken: no two base chains share one (their order would be a guess)
    xt_systems = [s for s in systems if s in ("legacy", "xtnft")]
    base = []       # (ctx, rules list, system, chains dict/table for regular chains)
    if xt_systems:
        tables = rng.sample(list(XT_TABLES), rng.randint(1, 3))
        for t in tables:
            system = rng.choice(xt_systems)
            key = "legacy" if system == "legacy" else "nft"
            spec = case["xt"].setdefault(key, {}).setdefault(t, {"chains": {}})
            for c in rng.sample(list(XT_TABLES[t]), rng.randint(1, min(2, len(XT_TABLES[t])))):
                hook = XT_TABLES[t][c]
                prio = NAT_CORE[hook] if t == "nat" else XT_PRIO[t]
                slots.add(("nat" if t == "nat" else "filter", hook, prio))
                policy = "accept" if t == "nat" or rng.random() < 0.85 else "drop"
                spec["chains"][c] = {"policy": policy, "rules": []}
                ctx = {"type": "nat" if t == "nat" else "filter", "hook": hook, "table": t}
                if t == "nat" and rng.random() < 0.6:
                    ctx["focus"] = "dnat" if hook in ("prerouting", "output") else "srcnat"
                elif t == "raw" and rng.random() < 0.4:
                    ctx["focus"] = rng.choice(["pre-ct", "notrack"])
                base.append((ctx, spec["chains"][c]["rules"], "xt", spec))
    if "nft" in systems:
        # Hotspots: chain layouts where the order of hooks and NAT decides (two NAT chains at one hook,
        # a filter chain after a srcnat, chains before conntrack with ct state or notrack).
        forced = []
        if rng.random() < 0.35:
            forced += [("nat", "prerouting", None, "dnat"), ("nat", "prerouting", None, "dnat")]
        if rng.random() < 0.3:
            forced += [("nat", "postrouting", None, "srcnat"), ("filter", "postrouting", rng.choice([110, 200, 90, -150]), "after-nat")]
        if rng.random() < 0.2:
            forced += [("filter", "prerouting", rng.choice([-300, -250, -90, 0]), "after-nat"), ("nat", "prerouting", None, "dnat")]
        if rng.random() < 0.25:
            forced += [("filter", "prerouting", rng.choice([-300, -250, -250, -150, 0]), rng.choice(["pre-ct", "notrack"]))]
            if rng.random() < 0.6:
                forced.append(("nat", rng.choice(["prerouting", "postrouting"]), None, "dnat"))
        if rng.random() < 0.15:
            forced += [("filter", "input", rng.choice([-150, 0, 110, 200]), "after-nat"), ("nat", "input", None, "srcnat")]
        if any(p["origin"] == "R" for p in packets):
            if rng.random() < 0.3:
                forced += [(rng.choice(["route", "route", "filter"]), "output", None, "markset")]
            if rng.random() < 0.3:
                forced += [("nat", "output", None, "dnat")] + ([("filter", "output", rng.choice([-150, 0, 200]), "after-nat")] if rng.random() < 0.5 else [])
        ntables = rng.choice([1, 1, 2])
        tables_ = [{"family": rng.choice(["ip", "ip", "inet"]), "name": f"t{ti}", "sets": [], "chains": []} for ti in range(ntables)]
        specs = forced + [(None, None, None, None)] * rng.choice([0, 1, 1, 2, 3])
        if not specs:
            specs = [(None, None, None, None)]
        for ci, (typ, hook, prio, focus) in enumerate(specs):
            t = rng.choice(tables_)
            typ = typ or ("nat" if rng.random() < 0.3 else "filter")
            prios = NFT_NAT_PRIOS if typ == "nat" else NFT_ROUTE_PRIOS if typ == "route" else NFT_FILTER_PRIOS
            hook = hook or rng.choice(list(prios))
            slot = "nat" if typ == "nat" else "filter"
            free = [p for p in prios[hook] if (slot, hook, p) not in slots]
            if prio is not None and prio in free:
                free = [prio]
            if not free:
                continue
            prio = rng.choice(free)
            slots.add((slot, hook, prio))
            if focus == "dnat" and hook not in ("prerouting", "output"):
                focus = "srcnat"
            ch = {"name": f"{hook[:4]}{ci}", "type": typ, "hook": hook, "prio": prio,
                  "policy": "accept" if typ == "nat" or rng.random() < 0.85 else "drop", "rules": []}
            t["chains"].append(ch)
            base.append(({"type": typ, "hook": hook, "focus": focus}, ch["rules"], "nft", t))
        case["nft"] = [t for t in tables_ if t["chains"]]
    if not base:
        t = {"family": "ip", "name": "t0", "sets": [], "chains": []}
        ch = {"name": "forw0", "type": "filter", "hook": "forward", "prio": 0, "policy": "accept", "rules": []}
        t["chains"].append(ch)
        case["nft"].append(t)
        base.append(({"type": "filter", "hook": "forward"}, ch["rules"], "nft", t))

    count = [0]

    def add_rules(ctx, rules, system, holder, n, depth):
        def new_chain(cctx, d):
            g.nchain += 1
            name = f"c{g.nchain}" if system == "nft" else f"USER{g.nchain}"
            sub = []
            if system == "nft":
                holder["chains"].append({"name": name, "rules": sub})
            else:
                holder["chains"][name] = {"rules": sub}
            add_rules(cctx, sub, system, holder, rng.randint(1, 3), d)
            return name
        for _ in range(n):
            if count[0] >= budget and rules:
                break
            count[0] += 1
            focus = ctx.get("focus") if not rules and depth == 0 else None
            ms = g.matches(ctx, "nft" if system == "nft" else "xt", focus)
            g.current = ms
            stmts, v = g.verdict(ctx, system, depth, new_chain, focus)
            r = {"matches": ms, "stmts": stmts, "verdict": v}
            if system == "xt":
                r["stmts"] = [s for s in stmts if s["k"] != "counter"]
            rules.append(r)

    for ctx, rules, system, holder in sorted(base, key=lambda b: b[0]["type"] != "nat"):
        add_rules(ctx, rules, system, holder, 1, 0)
    while count[0] < budget:
        ctx, rules, system, holder = rng.choice(base)
        add_rules(ctx, rules, system, holder, 1, 0)
    # Named sets and maps: some anonymous sets of native nft rules become named ones.
    for t in case["nft"]:
        n = 0
        for c in t["chains"]:
            for r in c["rules"]:
                for m in r["matches"]:
                    if m["k"] in ("saddr", "daddr") and rng.random() < 0.3:
                        n += 1
                        name = f"s{n}"
                        interval = any("/" in x for x in m["cidrs"]) or rng.random() < 0.5
                        t["sets"].append({"name": name, "kind": "set", "type": "ipv4_addr", "interval": interval, "elements": m["cidrs"]})
                        m["named"] = name
                    if m["k"] == "l4" and not m.get("th") and rng.random() < 0.2:
                        for key in ("dport", "sport"):
                            if m.get(key):
                                n += 1
                                name = f"p{n}"
                                vals = [f"{a}-{b}" if a != b else str(a) for a, b in m[key]]
                                t["sets"].append({"name": name, "kind": "set", "type": "inet_service",
                                                  "interval": any("-" in v for v in vals), "elements": vals})
                                m["named_" + key] = name
                v = r["verdict"]
                if v and v["k"] == "vmap" and v["key"] in ("ip daddr", "ip saddr") and rng.random() < 0.4:
                    n += 1
                    name = f"m{n}"
                    t["sets"].append({"name": name, "kind": "vmap", "type": "ipv4_addr", "elements": v["map"]})
                    v["named"] = name
    return case

# ---------------------------------------------------------------------------------------------------
# explain and the comparison


HEADER_OPTIONS = {"v": False}   # explain takes --ttl/--length/--dscp (set in main from its --help)


def explain_args(p):
    args = ["--from", p["src"], "--to", p["dst"], "--proto", p["proto"]] + (["--in", IF_S] if p.get("origin", "S") == "S" else [])
    if p["proto"] in ("tcp", "udp"):
        args += ["--sport", str(p["sport"]), "--dport", str(p["dport"])]
    else:
        args += ["--icmp-type", "8"]
    if HEADER_OPTIONS["v"]:
        # What the packet really carries (a TCP probe is a SYN, explain's default for a new connection).
        args += ["--ttl", str(p["ttl"]), "--length", str(len(build_packet(p))), "--dscp", str(p.get("tos", 0) >> 2)]
    return args


def run_explain(binary, ns, p):
    cmd = [binary, "explain", "--netns", ns, "--format", "json", *explain_args(p)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        j = json.loads(proc.stdout)
    except ValueError:
        j = None
    return {"status": proc.returncode, "json": j, "stderr": proc.stderr.strip()[-2000:]}


PLACE_IF = {"A": IF_A, "B": IF_B, "R": "local"}


def kernel_outcome(seen):
    if not seen:
        return {"fate": "stopped"}
    places = sorted({w for w, _ in seen})
    w, pk = seen[0]
    return {"fate": "accepted", "egress": PLACE_IF[w], "src": pk["src"], "dst": pk["dst"],
            "sport": pk.get("sport"), "dport": pk.get("dport"), "places": places}


def explain_outcome(e):
    j = e["json"]
    if e["status"] == 2 or j is None:
        return {"fate": "error", "why": e["stderr"] or f"exit {e['status']}"}
    fate = j.get("fate")
    if e["status"] == 3 or fate == "unknown":
        return {"fate": "unknown", "why": j.get("unknownBecause") or [], "decidedBy": j.get("decidedBy")}
    if fate in ("dropped", "rejected"):
        return {"fate": "stopped", "how": fate, "decidedBy": j.get("decidedBy")}
    return {"fate": "accepted", "egress": j.get("egressInterface") or "local", "src": j.get("sourceAfterNAT"),
            "dst": j.get("destinationAfterNAT"), "snat": j.get("sourceTranslation"), "dnat": j.get("destinationTranslation")}


def compare(k, x):
    """The ways explain x differs from kernel outcome k (empty: agreement)."""
    if x["fate"] != k["fate"]:
        return [f"fate: kernel {k['fate']}, explain {x.get('how', x['fate'])}"]
    if k["fate"] != "accepted":
        return []
    diffs = []
    if len(k.get("places", [])) > 1:
        diffs.append(f"kernel delivered it twice ({', '.join(k['places'])})")
    if x["egress"] != k["egress"]:
        diffs.append(f"egress: kernel {k['egress']}, explain {x['egress']}")
    for key, label in (("src", "source after NAT"), ("dst", "destination after NAT")):
        if x.get(key) is not None and x[key] != k[key]:
            diffs.append(f"{label}: kernel {k[key]}, explain {x[key]}")
    return diffs


def reason_class(text):
    """An unknown reason without its particulars (addresses, handles, numbers, names in quotes)."""
    t = re.sub(r'"[^"]*"', '"…"', text)
    t = re.sub(r"\b(handle|#)\s*\d+", r"\1 N", t)
    t = re.sub(r"\d+\.\d+\.\d+\.\d+(/\d+)?", "ADDR", t)
    t = re.sub(r"\b0x[0-9a-f]+\b", "N", t)
    t = re.sub(r"\b\d+\b", "N", t)
    return t


UNDECIDED_KINDS = [  # (kind, pattern in the rule text explain quotes), first match wins
    ("limit", r"limit rate|-m limit"), ("ct mark", r"ct mark|connmark"), ("ttl", r"ip ttl|-m ttl|xt match ttl"),
    ("pkttype", r"pkttype"), ("fib", r"\bfib\b"), ("length", r"length"), ("dscp", r"dscp"),
    ("tcp flags", r"tcp flags|tcp-flags|--syn"), ("raw payload (iptables-nft ttl/dscp/length)", r"@nh,"),
    ("addrtype", r"addrtype"),
]


def unknown_kind(reason):
    """What an unknown reason is about: the undecided match named in the rule it quotes, and the reason."""
    rule, _, why = reason.rpartition(": ")
    why = why if rule else reason
    for kind, pat in UNDECIDED_KINDS:
        if re.search(pat, rule):
            return f"{kind}: {reason_class(why)}"
    return f"other: {reason_class(why)}"


def packet_text(p):
    by = ", sent by R itself" if p.get("origin") == "R" else ""
    if p["proto"] == "icmp":
        return f"icmp echo {p['src']} -> {p['dst']} (id {p['icmp_id']}){by}"
    return f"{p['proto']} {p['src']}:{p['sport']} -> {p['dst']}:{p['dport']}{by}"


def kernel_text(k):
    if k["fate"] != "accepted":
        return "not delivered anywhere (dropped or rejected)"
    where = "delivered locally in R" if k["egress"] == "local" else f"left R by {k['egress']}"
    ports = f":{k['sport']}->{k['dport']}" if k.get("sport") is not None else ""
    return f"{where}, {k['src']} -> {k['dst']}{ports}"


def explain_text(x):
    if x["fate"] == "accepted":
        where = "delivered locally" if x["egress"] == "local" else f"left by {x['egress']}"
        return f"{where}, {x.get('src')} -> {x.get('dst')}" + (f" ({x['snat']})" if x.get("snat") else "") + (f" ({x['dnat']})" if x.get("dnat") else "")
    if x["fate"] == "stopped":
        return f"{x['how']} by {x.get('decidedBy')}"
    return f"{x['fate']}: {x.get('why')}"


def features(case):
    """Tags of what a case's rule set uses, to help sort disagreements."""
    tags = set()
    text = ruleset_text(case)
    for tag, pat in (("legacy", r"iptables-legacy"), ("iptables-nft", r"iptables-nft"), ("nft", r"nft -f"),
                     ("dnat", r"dnat|DNAT"), ("snat", r"snat|SNAT"), ("masquerade", r"masquerade|MASQUERADE"),
                     ("redirect", r"redirect|REDIRECT"), ("notrack", r"notrack"), ("ct state", r"ct state|ctstate|--state"),
                     ("mark", r"mark"), ("vmap", r"vmap"), ("goto", r"goto|-g "), ("wildcard", r'\*"|\+ '),
                     ("reject", r"reject|REJECT")):
        if re.search(pat, text):
            tags.add(tag)
    for k, v in case.get("sysctl", {}).items():
        if SYSCTLS.get(k) != v:
            tags.add(f"{k.split('.')[-1]}={v}")
    if any(p["src"] in SPOOFED for p in case["packets"]):
        tags.add("source off eth-s")
    if any(p.get("origin") == "R" for p in case["packets"]):
        tags.add("sent by R")
    if re.search(r"hook output|OUTPUT -", text):
        tags.add("output chains")
    for t in case["nft"]:
        for c in t["chains"]:
            if c.get("hook") and c["type"] == "nat":
                tags.add(f"nft nat {c['hook']} {c['prio']}")
            if c.get("hook") and c["type"] == "filter" and c["prio"] < -200:
                tags.add("filter before conntrack")
    return sorted(tags)


def run_case(lab, case, binary, ns_r, wait, pool):
    lab.load(case)
    futures = [pool.submit(run_explain, binary, ns_r, p) for p in case["packets"]]
    lab.drain()
    for p in case["packets"]:
        lab.send(p)
    seen = lab.collect({p["token"] for p in case["packets"]}, wait)
    results = []
    for p, f in zip(case["packets"], futures):
        k = kernel_outcome(seen.get(p["token"], []))
        x = explain_outcome(f.result())
        results.append((p, k, x))
    if any(x["fate"] in ("accepted", "stopped") and compare(k, x) for _, k, x in results):
        # A disagreement is never taken from one short look: the whole case's traffic again, with the
        # conntrack table flushed and a long wait, and the kernel's part must come out the same.
        lab.nsx("R", "conntrack", "-F", check=False)
        lab.drain()
        for p in case["packets"]:
            lab.send(p)
        again = lab.collect({p["token"] for p in case["packets"]}, max(1.0, 4 * wait))
        results = [(p, kernel_outcome(again.get(p["token"], [])), x) for p, _, x in results]
    return results


def replay_case(path):
    """A hand-written case: {"sysctl": {...}, "legacy": TEXT, "iptables-nft": TEXT, "nft": TEXT,
    "packets": [{"proto": "udp", "src": ..., "dst": ..., "sport": N, "dport": N, "origin": "S"|"R"}]}."""
    spec = json.load(open(path))
    sysctls = dict(SYSCTLS, **spec.get("sysctl", {}))
    packets = []
    for i, q in enumerate(spec["packets"]):
        p = {"i": i, "origin": q.get("origin", "S"), "proto": q.get("proto", "udp"), "src": q["src"], "dst": q["dst"],
             "ttl": q.get("ttl", 64), "token": struct.pack("!II", 0xFFFF0000, i), "pad": 0, "ip_id": 1000 + i}
        if p["proto"] in ("tcp", "udp"):
            p["sport"], p["dport"], p["seq"] = q.get("sport", 40000 + i), q.get("dport", 53), 1
        else:
            p["icmp_id"] = 40000 + i
        packets.append(p)
    return {"seed": None, "case": path, "extended": False, "packets": packets, "xt": {}, "nft": [], "sysctl": sysctls,
            "raw": {k: spec.get(k, "") for k in ("legacy", "iptables-nft", "nft")}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--case", type=int, help="run only case K of the seed")
    ap.add_argument("--first", type=int, default=0, help="first case number (with --cases)")
    ap.add_argument("--extended", action="store_true", help="also matches explain does not decide yet (ttl, length, dscp, pkttype, tcp flags, fib, ct mark, limit)")
    ap.add_argument("--vnetaudit", default=".build/debug/vnetaudit", help="the binary (default .build/debug/vnetaudit)")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--keep", action="store_true", help="leave the namespaces (with the last case's rules) in place")
    ap.add_argument("--wait", type=float, default=0.15, help="seconds to wait for probes to arrive")
    ap.add_argument("--jobs", type=int, default=2, help="explain runs at a time")
    ap.add_argument("--show", action="store_true", help="print each case's rule set and outcome")
    ap.add_argument("--cleanup", action="store_true", help="remove vnaor- namespaces of dead and --keep runs and exit")
    ap.add_argument("--print-case", action="store_true", help="print the case's rule set and packets, send nothing")
    ap.add_argument("--replay", metavar="FILE", help="run one hand-written case (JSON: sysctl, legacy, iptables-nft, nft, packets)")
    a = ap.parse_args()

    if a.print_case:
        case = gen_case(a.seed, a.case or 0, a.extended)
        print(ruleset_text(case))
        for p in case["packets"]:
            print(packet_text(p), " ".join(explain_args(p)))
        return 0
    if os.geteuid() != 0:
        print("oracle.py: needs root", file=sys.stderr)
        return 2
    if a.cleanup:
        for n in cleanup_leftovers(kept_too=True):
            print(f"removed {n}")
        return 0
    if not os.access(a.vnetaudit, os.X_OK):
        print(f"oracle.py: {a.vnetaudit} is not an executable", file=sys.stderr)
        return 2
    binary = os.path.abspath(a.vnetaudit)
    HEADER_OPTIONS["v"] = "--ttl" in subprocess.run([binary, "explain", "--help"], capture_output=True, text=True).stdout
    cleanup_leftovers()

    lab = Lab(("keep-" if a.keep else "") + str(os.getpid()))
    done = {"v": False}

    def teardown():
        if not done["v"]:
            done["v"] = True
            if a.keep and lab.up:
                print(f"kept: {' '.join(lab.ns.values())}   (remove: oracle.py --cleanup, or ip netns del each)", file=sys.stderr)
                lab.up = False
            lab.destroy()
    atexit.register(teardown)

    def on_signal(signum, _frame):
        teardown()
        os._exit(128 + signum)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    cases = [a.case] if a.case is not None else list(range(a.first, a.first + a.cases))
    if a.replay:
        cases = [a.replay]
    stats = {"cases": 0, "packets": 0, "decided": 0, "agree": 0, "disagree": 0, "unknown": 0, "errors": 0}
    unknown_reasons, unknown_kinds, disagreements, errors, coverage, unknown_list = {}, {}, [], [], {}, []
    t0 = time.monotonic()
    try:
        try:
            lab.create()
        except Exception as e:  # noqa: BLE001
            print(f"oracle.py: cannot set the lab up: {e}", file=sys.stderr)
            return 2
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for k in cases:
                case = replay_case(k) if a.replay else gen_case(a.seed, k, a.extended)
                try:
                    results = run_case(lab, case, binary, lab.ns["R"], a.wait, pool)
                except RuntimeError as e:
                    errors.append({"case": k, "error": str(e), "ruleset": ruleset_text(case)})
                    stats["errors"] += 1
                    print(f"case {k}: could not load: {e}", file=sys.stderr)
                    continue
                stats["cases"] += 1
                verbose = a.show or a.case is not None or a.replay
                if verbose:
                    print(f"=== case {k} ({', '.join(features(case))})\n{ruleset_text(case)}")
                for p, kern, x in results:
                    stats["packets"] += 1
                    what = ("kernel " + (kern.get("egress") if kern["fate"] == "accepted" else "stopped"))
                    coverage[what] = coverage.get(what, 0) + 1
                    if kern["fate"] == "accepted" and kern["src"] != p["src"]:
                        coverage["kernel source translated"] = coverage.get("kernel source translated", 0) + 1
                    if kern["fate"] == "accepted" and kern["dst"] != p["dst"]:
                        coverage["kernel destination translated"] = coverage.get("kernel destination translated", 0) + 1
                    line = f"  {packet_text(p)}: kernel {kernel_text(kern)}; explain {explain_text(x)}"
                    if x["fate"] == "error":
                        stats["errors"] += 1
                        errors.append({"case": k, "packet": packet_text(p), "error": x["why"], "ruleset": ruleset_text(case),
                                       "reproduce": f"--seed {a.seed} --case {k}" + (" --extended" if a.extended else "")})
                        if verbose:
                            print(line + "  [ERROR]")
                        continue
                    if x["fate"] == "unknown":
                        stats["unknown"] += 1
                        for w in (x["why"] or ["(no reason given)"]):
                            rc = reason_class(w)
                            unknown_reasons[rc] = unknown_reasons.get(rc, 0) + 1
                        # by the first undecided thing on the packet's way (what made it unknown)
                        kind = unknown_kind((x["why"] or ["(no reason given)"])[0])
                        unknown_kinds[kind] = unknown_kinds.get(kind, 0) + 1
                        unknown_list.append({"case": k, "packet": packet_text(p), "kernel": kernel_text(kern), "why": x["why"]})
                        if verbose:
                            print(line + "  [unknown]")
                        continue
                    stats["decided"] += 1
                    diffs = compare(kern, x)
                    if diffs:
                        stats["disagree"] += 1
                        disagreements.append({
                            "case": k, "packet": packet_text(p), "packetFields": {kk: v for kk, v in p.items() if kk not in ("token", "pad")},
                            "explainArguments": explain_args(p), "kernel": kern, "kernelText": kernel_text(kern),
                            "explain": {kk: v for kk, v in x.items()}, "explainText": explain_text(x), "differences": diffs,
                            "features": features(case), "ruleset": ruleset_text(case),
                            "reproduce": f"lab/oracle/oracle.py --seed {a.seed} --case {k}{' --extended' if a.extended else ''} --keep"})
                    else:
                        stats["agree"] += 1
                    if verbose:
                        print(line + ("  [DISAGREE: " + "; ".join(diffs) + "]" if diffs else "  [agree]"))
                if not a.show and a.case is None and stats["cases"] % 50 == 0:
                    print(f"... {stats['cases']} cases, {stats['packets']} packets, {stats['disagree']} disagreements, "
                          f"{stats['unknown']} unknown ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    finally:
        teardown()

    elapsed = time.monotonic() - t0
    n = stats["packets"] or 1
    dec = stats["decided"] or 1
    summary = dict(stats, seed=a.seed, extended=a.extended, seconds=round(elapsed, 1),
                   agreementRate=round(stats["agree"] / dec, 4), unknownRate=round(stats["unknown"] / n, 4),
                   unknownReasons=dict(sorted(unknown_reasons.items(), key=lambda kv: -kv[1])),
                   unknownByKind=dict(sorted(unknown_kinds.items(), key=lambda kv: -kv[1])),
                   disagreements=disagreements, errorsList=errors, coverage=dict(sorted(coverage.items())), unknownList=unknown_list)
    classes = {}
    for d in disagreements:
        for diff in d["differences"]:
            c = re.sub(r"\d+\.\d+\.\d+\.\d+", "ADDR", diff.split(":")[0] + ":" + re.sub(r"(explain) .*", r"\1 …", diff.split(":", 1)[1]))
            classes[c] = classes.get(c, 0) + 1
    summary["disagreementKinds"] = classes
    print(f"\nkernel oracle, seed {a.seed}{' (extended matches)' if a.extended else ''}: {stats['cases']} cases, "
          f"{stats['packets']} packets in {elapsed:.0f} s")
    print(f"  decided {stats['decided']}, agree {stats['agree']}, disagree {stats['disagree']}, "
          f"unknown {stats['unknown']} ({100 * stats['unknown'] / n:.1f} %), explain errors {stats['errors']}")
    print(f"  agreement on decided packets: {100 * stats['agree'] / dec:.2f} %")
    print("  what the kernel did: " + ", ".join(f"{k.replace('kernel ', '')} {v}" for k, v in sorted(coverage.items())))
    if unknown_reasons:
        print("  unknown packets, by what was undecided first:")
        for r, c in summary["unknownByKind"].items():
            print(f"    {c:5d}  {r}")
        print("  unknown reasons (every rule named), most frequent:")
        for r, c in list(summary["unknownReasons"].items())[:15]:
            print(f"    {c:5d}  {r}")
    for d in disagreements:
        print(f"\nDISAGREEMENT case {d['case']}: {d['packet']}  [{', '.join(d['features'])}]")
        print(f"  kernel:  {d['kernelText']}")
        print(f"  explain: {d['explainText']}")
        print(f"  differs: {'; '.join(d['differences'])}")
        print(f"  rerun:   {d['reproduce']}")
        print("  " + d["ruleset"].replace("\n", "\n  "))
    for e in errors:
        print(f"\nERROR case {e['case']}: {e.get('packet', '')}: {e['error']}\n  " + e["ruleset"].replace("\n", "\n  "))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True, default=lambda o: o.hex() if isinstance(o, bytes) else str(o))
    return 0 if stats["disagree"] == 0 and stats["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Busy-host rule set for iptables-nft-restore: libvirt's iptables-backend chains, per-tenant filter
chains (CIDRs, ports, conntrack) reached by jumps, and kube-proxy-like NAT service chains with DNAT.

Usage: gen-ruleset.py [RULES] > ruleset.rules   (RULES defaults to 100000; the count is approximate)
Load it in a throwaway namespace:  ip netns exec NS iptables-nft-restore < ruleset.rules
"""
import random
import sys

def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rnd = random.Random(42)
    out = []
    count = 0

    def rule(text):
        nonlocal count
        out.append(text)
        count += 1

    def cidr():
        return f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.0/{rnd.choice([16, 20, 24, 28])}"

    # filter: half of the rules, in tenant chains of 25 rules each.
    filter_rules = target // 2
    tenants = max(1, filter_rules // 25)
    out.append("*filter")
    out += [":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]"]
    libvirt = ["LIBVIRT_INP", "LIBVIRT_OUT", "LIBVIRT_FWO", "LIBVIRT_FWI", "LIBVIRT_FWX"]
    out += [f":{c} - [0:0]" for c in libvirt]
    out += [f":TENANT-{i:05d} - [0:0]" for i in range(tenants)]
    rule("-A INPUT -j LIBVIRT_INP")
    rule("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    rule("-A OUTPUT -j LIBVIRT_OUT")
    for c in ["LIBVIRT_FWX", "LIBVIRT_FWI", "LIBVIRT_FWO"]:
        rule(f"-A FORWARD -j {c}")
    rule("-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 53 -j ACCEPT")
    rule("-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 67 -j ACCEPT")
    rule("-A LIBVIRT_OUT -o virbr0 -p udp -m udp --dport 68 -j ACCEPT")
    rule("-A LIBVIRT_FWX -i virbr0 -o virbr0 -j ACCEPT")
    rule("-A LIBVIRT_FWI -d 192.168.122.0/24 -o virbr0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    rule("-A LIBVIRT_FWI -o virbr0 -j REJECT --reject-with icmp-port-unreachable")
    rule("-A LIBVIRT_FWO -s 192.168.122.0/24 -i virbr0 -j ACCEPT")
    rule("-A LIBVIRT_FWO -i virbr0 -j REJECT --reject-with icmp-port-unreachable")
    for i in range(tenants):
        rule(f"-A FORWARD -s {cidr()} -j TENANT-{i:05d}")
        for _ in range(23):
            kind = rnd.randrange(4)
            if kind == 0:
                rule(f"-A TENANT-{i:05d} -s {cidr()} -p tcp -m tcp --dport {rnd.randrange(1, 65535)} -j ACCEPT")
            elif kind == 1:
                rule(f"-A TENANT-{i:05d} -d {cidr()} -p udp -m udp --dport {rnd.randrange(1, 65535)} -m conntrack --ctstate NEW -j ACCEPT")
            elif kind == 2:
                rule(f"-A TENANT-{i:05d} -i veth{rnd.randrange(1000)} -o eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
            else:
                rule(f"-A TENANT-{i:05d} -s {cidr()} -d {cidr()} -j DROP")
        rule(f"-A TENANT-{i:05d} -j RETURN")
    out.append("COMMIT")

    # nat: kube-proxy-like services, each a jump to a service chain with endpoints doing DNAT.
    out.append("*nat")
    out += [":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    out += [":KUBE-SERVICES - [0:0]", ":LIBVIRT_PRT - [0:0]"]
    nat_rules = target - count
    services = max(1, nat_rules // 5)
    body = []
    for s in range(services):
        out += [f":KUBE-SVC-{s:06d} - [0:0]", f":KUBE-SEP-{s:06d}A - [0:0]", f":KUBE-SEP-{s:06d}B - [0:0]"]
        vip = f"10.96.{s // 250}.{s % 250 + 1}/32"
        port = rnd.choice([80, 443, 8080, 53, 9090])
        body.append(f"-A KUBE-SERVICES -d {vip} -p tcp -m tcp --dport {port} -j KUBE-SVC-{s:06d}")
        body.append(f"-A KUBE-SVC-{s:06d} -m conntrack --ctstate NEW -j KUBE-SEP-{s:06d}A")
        body.append(f"-A KUBE-SVC-{s:06d} -j KUBE-SEP-{s:06d}B")
        for ep in "AB":
            body.append(f"-A KUBE-SEP-{s:06d}{ep} -p tcp -m tcp -j DNAT --to-destination 172.16.{rnd.randrange(256)}.{rnd.randrange(1, 255)}:{port}")
        count += 5
    out.append("-A PREROUTING -j KUBE-SERVICES")
    out.append("-A OUTPUT -j KUBE-SERVICES")
    out.append("-A POSTROUTING -j LIBVIRT_PRT")
    out.append("-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535")
    out.append("-A LIBVIRT_PRT -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE")
    out += body
    out.append("COMMIT")
    sys.stdout.write("\n".join(out) + "\n")
    print(f"# {count} rules", file=sys.stderr)

if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Every host firewall manager variant of lab/firewalls.sh on both libvirt firewall backends: a fresh lab
per case, the tool started for real, the truth measured with real traffic (lab.sh selftest plus DNS and
DHCP probes from the guests of the networks the selftest does not probe for them), and `vnetaudit check`
compared with it per network.

usage: lab/firewall-matrix.py --vnetaudit PATH [--backend B]... [--case TOOL:V1,V2]... [--out DIR] [--name N]

Per network the truth is "works" when every traffic check of it behaves as the mode promises; the verdict
is the network's verdict in `check --format json`. Agreement: works and verdict pass/warn; broken and
verdict fail. Everything else is printed as a disagreement (false failure, missed, inconclusive).
Writes DIR/BACKEND-TOOL-VARIANT.{selftest,check.json,check.txt,ruleset} and DIR/matrix.json.
Exit status 1 when any case disagrees or cannot run.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(LAB_DIR, "lab.sh")
PROBE = os.path.join(LAB_DIR, "probe.py")

# Each case is one lab; its steps are applied in order, measured after each.
CASES = [
    ("none", ["-"]),  # the healthy lab without a firewall manager: the baseline of every probe
    ("ufw", ["enable", "route-allow"]),
    ("docker", ["nft", "fix"]),
    ("docker", ["legacy", "fix"]),
    ("firewalld", ["healthy", "reload"]),
    ("firewalld", ["public"]),
    ("firewalld", ["no-libvirt-zone"]),
    ("firewalld", ["reject-policy"]),
    ("firewalld", ["reject-rich-rule"]),
    ("nftables", ["conf", "reload"]),
    ("nftables", ["drop"]),
    ("nftables", ["workstation"]),
]

# Host services of the networks the selftest probes only for "default": (network, guest, gateway).
SERVICES = [("nat6", "nat6", "192.168.150.1"), ("routed", "routed", "192.168.130.1"),
            ("isolated", "isolated", "192.168.140.1"), ("open", "open", "192.168.160.1")]


def run(cmd, timeout=180):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lab(command, *args, name):
    return run(["bash", LAB, command, "--name", name, *args])


def dns_probe(name, guest, gw):
    """Any answer (REFUSED or NXDOMAIN included) proves dnsmasq on the gateway is reachable; one retry."""
    cmd = ["bash", LAB, "guest", "--name", name, guest, "--", "/usr/bin/python3", PROBE, "dns", gw, "probe.lab", "--timeout", "5"]
    rc, so, se = run(cmd)
    if "rcode=" not in so:
        rc, so, se = run(cmd)
    return rc, so, se


def extra_probes(name):
    """DNS answered (any rcode) and a DHCP offer, from the guest of each network in SERVICES."""
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        for net, guest, gw in SERVICES:
            jobs[(net, f"{guest} DNS answered by dnsmasq on {gw}")] = ex.submit(dns_probe, name, guest, gw)
            jobs[(net, f"{guest} DHCP offer on eth0")] = ex.submit(
                run, ["bash", LAB, "guest", "--name", name, guest, "--", "/usr/bin/python3", PROBE, "dhcp", "eth0"])
        # <forward mode='route' dev='eth-up'>: libvirt forwards the routed subnet to and from eth-up only
        jobs[("routed", "open -> routed tcp blocked (forward dev eth-up only)")] = ex.submit(
            run, ["bash", LAB, "guest", "--name", name, "open", "--", "/usr/bin/python3", PROBE, "tcp", "192.168.130.11", "8080", "--timeout", "1.5"])
    out = []
    for (net, desc), f in jobs.items():
        rc, so, se = f.result()
        ok = ("rcode=" in so) if "DNS" in desc else (rc != 0) if "blocked" in desc else rc == 0
        out.append({"network": net, "check": desc, "ok": ok, "detail": (so + se).strip().replace("\n", " ")[:200]})
    return out


def selftest(name):
    rc, so, se = lab("selftest", name=name)
    checks, net = [], None
    for line in so.splitlines():
        m = re.match(r"^\S.*'([a-z0-9]+)' \(", line)
        if m:
            net = m.group(1)
            continue
        if line.startswith("  ok    "):
            checks.append({"network": net, "check": line[8:], "ok": True, "detail": ""})
        elif line.startswith("  FAIL  "):
            rest = line[8:]
            i = rest.find(": ")
            checks.append({"network": net, "check": rest[:i] if i >= 0 else rest, "ok": False,
                           "detail": rest[i + 2:] if i >= 0 else ""})
    return so, checks


def agreement(works, verdict, mode):
    if not works and mode == "open" and verdict == "warn":
        return "agree (warn: open mode leaves it to the host firewall)"
    if works:
        return {"pass": "agree", "warn": "agree (warn)", "fail": "FALSE FAILURE", "inconclusive": "inconclusive"}.get(verdict, verdict)
    return {"fail": "agree (caught)", "warn": "warned only", "pass": "MISSED", "inconclusive": "inconclusive"}.get(verdict, verdict)


def measure(name, vnetaudit, tag, outdir):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        st = ex.submit(selftest, name)
        xp = ex.submit(extra_probes, name)
        st_text, checks = st.result()
        checks += xp.result()
    # check after the traffic: nothing of the probes is left that could change the rule set
    rc, cj, ce = lab("exec", "--", vnetaudit, "check", "--format", "json", name=name)
    _, ct, _ = lab("exec", "--", vnetaudit, "check", "--no-color", name=name)
    _, rules, _ = lab("exec", "--", "sh", "-c", "nft list ruleset; echo '### iptables-legacy-save'; iptables-legacy-save 2>/dev/null", name=name)
    for ext, text in (("selftest", st_text), ("check.json", cj), ("check.txt", ct), ("ruleset", rules)):
        with open(os.path.join(outdir, f"{tag}.{ext}"), "w") as f:
            f.write(text)
    try:
        report = json.loads(cj)
    except ValueError:
        return {"error": f"check exited {rc}: {ce.strip()[:300]}", "traffic": checks}
    nets = []
    for n in report["networks"]:
        mine = [c for c in checks if c["network"] == n["name"]]
        failed = [c["check"] for c in mine if not c["ok"]]
        works = not failed
        nets.append({
            "network": n["name"], "mode": n["mode"], "works": works, "traffic_failed": failed,
            "traffic_checks": len(mine), "verdict": n["verdict"], "agreement": agreement(works, n["verdict"], n["mode"]),
            "checks": [{"id": c["id"], "family": c.get("family"), "status": c["status"], "message": c["message"]}
                       for c in n["checks"] if c["status"] != "pass"],
        })
    host = [{"id": c["id"], "status": c["status"], "message": c["message"]} for c in report.get("hostFindings", []) if c["status"] != "pass"]
    return {"check_exit": rc, "networks": nets, "host_findings": host, "traffic": checks}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vnetaudit", required=True)
    ap.add_argument("--backend", action="append")
    ap.add_argument("--case", action="append", help="TOOL:V1,V2 (default: all cases)")
    ap.add_argument("--out", default="/tmp/vnetaudit-firewall-matrix")
    ap.add_argument("--name", default="fwmatrix")
    a = ap.parse_args()
    backends = a.backend or ["nftables", "iptables"]
    cases = [(c.split(":")[0], c.split(":")[1].split(",")) for c in a.case] if a.case else CASES
    os.makedirs(a.out, exist_ok=True)
    results, bad = [], 0
    for backend in backends:
        for tool, steps in cases:
            name = a.name
            lab("down", name=name)
            t0 = time.time()
            rc, so, se = lab("up", "--backend", backend, name=name)
            up_s = time.time() - t0
            if rc != 0:
                print(f"== {backend} {tool}: lab up failed: {se.strip()[-300:]}")
                bad += 1
                continue
            for step in steps:
                t0 = time.time()
                rc, so, se = lab("firewall", tool, step, name=name) if tool != "none" else (0, "", "")
                fw_s = time.time() - t0
                tag = f"{backend}-{tool}-{step}" if steps.index(step) == 0 else f"{backend}-{tool}-{'+'.join(steps[:steps.index(step) + 1])}"
                with open(os.path.join(a.out, f"{tag}.firewall"), "w") as f:
                    f.write(so + se)
                entry = {"backend": backend, "tool": tool, "variant": "+".join(steps[:steps.index(step) + 1]),
                         "up_s": round(up_s, 1), "firewall_s": round(fw_s, 1)}
                if rc != 0:
                    entry["error"] = f"lab.sh firewall {tool} {step} exited {rc}: {(se or so).strip()[-500:]}"
                    print(f"== {backend} {tool} {entry['variant']}: CANNOT RUN: {entry['error']}")
                    results.append(entry)
                    bad += 1
                    break
                t0 = time.time()
                entry.update(measure(name, a.vnetaudit, tag, a.out))
                entry["measure_s"] = round(time.time() - t0, 1)
                results.append(entry)
                print(f"== {backend} {tool} {entry['variant']} (up {entry['up_s']} s, firewall {entry['firewall_s']} s)")
                for n in entry.get("networks", []):
                    print(f"   {n['network']:<10} traffic {'works ' if n['works'] else 'BROKEN'} verdict {n['verdict']:<12} {n['agreement']}"
                          + (f"  broken: {'; '.join(n['traffic_failed'])}" if n['traffic_failed'] else ""))
                    if not n["agreement"].startswith("agree"):
                        bad += 1
                        for c in n["checks"]:
                            print(f"       {c['status']:<12} {c['id']} [{c['family']}] {c['message'][:160]}")
                if "error" in entry:
                    print("   " + entry["error"])
                    bad += 1
            lab("down", name=name)
    with open(os.path.join(a.out, "matrix.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"firewall-matrix: {len(results)} measurements, {bad} disagreements or failures; details in {a.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
